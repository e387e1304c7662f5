// Sinkhorn scaling sweeps: a portable version and an AVX2 one chosen at run time.
//
// The two versions perform identical arithmetic: dot products accumulate in 8 lanes (lane
// j mod 8), reduced as ((l0+l4) + (l2+l6)) + ((l1+l5) + (l3+l7)) and then the tail; column
// updates add ((u0 K0j + u1 K1j) + (u2 K2j + u3 K3j)) for each group of four rows. No fused
// multiply-add is used (the AVX2 functions target "avx2" only, which has none), so the
// results are bit-identical whichever version runs.
#include "scaling_kernels.hpp"

#include <cmath>
#include <cstring>
#include <limits>

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#define GEOMRT_HAVE_AVX2_KERNELS 1
#define GEOMRT_AVX2 __attribute__((target("avx2")))
#endif

namespace geomrt {
namespace ot {
namespace kernels {

namespace {

inline bool usable(double r) { return r > 0 && r <= std::numeric_limits<double>::max(); }

inline double reduce8(const double *l, double tail) {
    const double s0 = l[0] + l[4], s1 = l[1] + l[5], s2 = l[2] + l[6], s3 = l[3] + l[7];
    return ((s0 + s2) + (s1 + s3)) + tail;
}

// exp(x) = 2^k exp(r), k = round(x / ln 2), r = (x - k ln2_hi) - k ln2_lo (|r| <= 0.347), exp(r) by its
// Taylor polynomial of degree 13 (truncation error < 5e-18 relative), evaluated by Estrin's scheme
// (pairs, then powers r^2, r^4, r^8: a short dependency chain, so the vector units stay busy).
constexpr double kLog2e = 1.4426950408889634074;
constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2 with its low 32 bits zero: k ln2_hi is exact
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kExpFloor = -708.0;  // below this the result would be subnormal: return 0
constexpr double kInvFact[14] = {1.0,
                                 1.0,
                                 1.0 / 2,
                                 1.0 / 6,
                                 1.0 / 24,
                                 1.0 / 120,
                                 1.0 / 720,
                                 1.0 / 5040,
                                 1.0 / 40320,
                                 1.0 / 362880,
                                 1.0 / 3628800,
                                 1.0 / 39916800,
                                 1.0 / 479001600,
                                 1.0 / 6227020800.0};

inline double exp_scalar(double x) {
    if (!(x >= kExpFloor)) return 0.0;
    const double k = std::nearbyint(x * kLog2e);
    const double r = (x - k * kLn2Hi) - k * kLn2Lo;
    const double r2 = r * r, r4 = r2 * r2, r8 = r4 * r4;
    double q[7];
    for (int t = 0; t < 7; ++t) q[t] = kInvFact[2 * t] + kInvFact[2 * t + 1] * r;
    const double s0 = q[0] + q[1] * r2, s1 = q[2] + q[3] * r2, s2 = q[4] + q[5] * r2;
    const double p = (s0 + s1 * r4) + (s2 + q[6] * r4) * r8;
    const uint64_t bits = static_cast<uint64_t>(static_cast<int64_t>(k) + 1023) << 52;
    double scale;
    std::memcpy(&scale, &bits, sizeof scale);
    return p * scale;
}

/// Portable kernels (the compiler vectorizes the lane loops for the baseline instruction set).
struct Portable {
    template <class T>
    static double dot(const T *x, const double *y, int64_t m) {
        double l[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        const int64_t m8 = m - m % 8;
        for (int64_t j = 0; j < m8; j += 8)
            for (int k = 0; k < 8; ++k) l[k] += static_cast<double>(x[j + k]) * y[j + k];
        double tail = 0;
        for (int64_t j = m8; j < m; ++j) tail += static_cast<double>(x[j]) * y[j];
        return reduce8(l, tail);
    }
    template <class T>
    static void dot4(const T *const *k, const double *v, int64_t m, double *r) {
        for (int q = 0; q < 4; ++q) r[q] = dot(k[q], v, m);
    }
    template <class T>
    static void axpy4(const T *const *k, const double *u, double *col, int64_t m) {
        const T *k0 = k[0], *k1 = k[1], *k2 = k[2], *k3 = k[3];
        const double u0 = u[0], u1 = u[1], u2 = u[2], u3 = u[3];
        for (int64_t j = 0; j < m; ++j)
            col[j] += (u0 * static_cast<double>(k0[j]) + u1 * static_cast<double>(k1[j])) +
                      (u2 * static_cast<double>(k2[j]) + u3 * static_cast<double>(k3[j]));
    }
    template <class T>
    static void axpy1(const T *k, double u, double *col, int64_t m) {
        for (int64_t j = 0; j < m; ++j) col[j] += u * static_cast<double>(k[j]);
    }
    static double exp_sum(double *x, int64_t m) {
        double l[8] = {0, 0, 0, 0, 0, 0, 0, 0};
        const int64_t m8 = m - m % 8;
        for (int64_t j = 0; j < m8; j += 8)
            for (int k = 0; k < 8; ++k) {
                x[j + k] = exp_scalar(x[j + k]);
                l[k] += x[j + k];
            }
        double tail = 0;
        for (int64_t j = m8; j < m; ++j) {
            x[j] = exp_scalar(x[j]);
            tail += x[j];
        }
        return reduce8(l, tail);
    }
};

#ifdef GEOMRT_HAVE_AVX2_KERNELS
GEOMRT_AVX2 inline __m256d load4(const double *p) { return _mm256_loadu_pd(p); }
GEOMRT_AVX2 inline __m256d load4(const float *p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }

/// ((l0+l4) + (l2+l6)) + ((l1+l5) + (l3+l7)) + tail, as reduce8.
GEOMRT_AVX2 inline double reduce(__m256d lo, __m256d hi, double tail) {
    const __m256d s = _mm256_add_pd(lo, hi);
    const __m128d h = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
    return _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h))) + tail;
}

GEOMRT_AVX2 inline __m256d exp4(__m256d x) {
    const __m256d ok = _mm256_cmp_pd(x, _mm256_set1_pd(kExpFloor), _CMP_GE_OQ);
    x = _mm256_max_pd(x, _mm256_set1_pd(kExpFloor));
    const __m256d k =
        _mm256_round_pd(_mm256_mul_pd(x, _mm256_set1_pd(kLog2e)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    const __m256d r = _mm256_sub_pd(_mm256_sub_pd(x, _mm256_mul_pd(k, _mm256_set1_pd(kLn2Hi))),
                                    _mm256_mul_pd(k, _mm256_set1_pd(kLn2Lo)));
    const __m256d r2 = _mm256_mul_pd(r, r), r4 = _mm256_mul_pd(r2, r2), r8 = _mm256_mul_pd(r4, r4);
    __m256d q[7];
    for (int t = 0; t < 7; ++t)
        q[t] = _mm256_add_pd(_mm256_set1_pd(kInvFact[2 * t]), _mm256_mul_pd(_mm256_set1_pd(kInvFact[2 * t + 1]), r));
    const __m256d s0 = _mm256_add_pd(q[0], _mm256_mul_pd(q[1], r2)), s1 = _mm256_add_pd(q[2], _mm256_mul_pd(q[3], r2)),
                  s2 = _mm256_add_pd(q[4], _mm256_mul_pd(q[5], r2));
    const __m256d p = _mm256_add_pd(_mm256_add_pd(s0, _mm256_mul_pd(s1, r4)),
                                    _mm256_mul_pd(_mm256_add_pd(s2, _mm256_mul_pd(q[6], r4)), r8));
    const __m256i e = _mm256_slli_epi64(
        _mm256_add_epi64(_mm256_cvtepi32_epi64(_mm256_cvtpd_epi32(k)), _mm256_set1_epi64x(1023)), 52);
    return _mm256_and_pd(_mm256_mul_pd(p, _mm256_castsi256_pd(e)), ok);
}

struct Avx2 {
    GEOMRT_AVX2 static double exp_sum(double *x, int64_t m) {
        __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
        const int64_t m8 = m - m % 8;
        for (int64_t j = 0; j < m8; j += 8) {
            const __m256d a = exp4(_mm256_loadu_pd(x + j)), b = exp4(_mm256_loadu_pd(x + j + 4));
            _mm256_storeu_pd(x + j, a);
            _mm256_storeu_pd(x + j + 4, b);
            lo = _mm256_add_pd(lo, a);
            hi = _mm256_add_pd(hi, b);
        }
        double tail = 0;
        for (int64_t j = m8; j < m; ++j) {
            x[j] = exp_scalar(x[j]);
            tail += x[j];
        }
        return reduce(lo, hi, tail);
    }
    template <class T>
    GEOMRT_AVX2 static double dot(const T *x, const double *y, int64_t m) {
        __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
        const int64_t m8 = m - m % 8;
        for (int64_t j = 0; j < m8; j += 8) {
            lo = _mm256_add_pd(lo, _mm256_mul_pd(load4(x + j), _mm256_loadu_pd(y + j)));
            hi = _mm256_add_pd(hi, _mm256_mul_pd(load4(x + j + 4), _mm256_loadu_pd(y + j + 4)));
        }
        double tail = 0;
        for (int64_t j = m8; j < m; ++j) tail += static_cast<double>(x[j]) * y[j];
        return reduce(lo, hi, tail);
    }
    template <class T>
    GEOMRT_AVX2 static void dot4(const T *const *k, const double *v, int64_t m, double *r) {
        const T *k0 = k[0], *k1 = k[1], *k2 = k[2], *k3 = k[3];
        __m256d a0 = _mm256_setzero_pd(), b0 = a0, a1 = a0, b1 = a0, a2 = a0, b2 = a0, a3 = a0, b3 = a0;
        const int64_t m8 = m - m % 8;
        for (int64_t j = 0; j < m8; j += 8) {
            const __m256d vl = _mm256_loadu_pd(v + j), vh = _mm256_loadu_pd(v + j + 4);
            a0 = _mm256_add_pd(a0, _mm256_mul_pd(load4(k0 + j), vl));
            b0 = _mm256_add_pd(b0, _mm256_mul_pd(load4(k0 + j + 4), vh));
            a1 = _mm256_add_pd(a1, _mm256_mul_pd(load4(k1 + j), vl));
            b1 = _mm256_add_pd(b1, _mm256_mul_pd(load4(k1 + j + 4), vh));
            a2 = _mm256_add_pd(a2, _mm256_mul_pd(load4(k2 + j), vl));
            b2 = _mm256_add_pd(b2, _mm256_mul_pd(load4(k2 + j + 4), vh));
            a3 = _mm256_add_pd(a3, _mm256_mul_pd(load4(k3 + j), vl));
            b3 = _mm256_add_pd(b3, _mm256_mul_pd(load4(k3 + j + 4), vh));
        }
        double t0 = 0, t1 = 0, t2 = 0, t3 = 0;
        for (int64_t j = m8; j < m; ++j) {
            t0 += static_cast<double>(k0[j]) * v[j];
            t1 += static_cast<double>(k1[j]) * v[j];
            t2 += static_cast<double>(k2[j]) * v[j];
            t3 += static_cast<double>(k3[j]) * v[j];
        }
        r[0] = reduce(a0, b0, t0);
        r[1] = reduce(a1, b1, t1);
        r[2] = reduce(a2, b2, t2);
        r[3] = reduce(a3, b3, t3);
    }
    template <class T>
    GEOMRT_AVX2 static void axpy4(const T *const *k, const double *u, double *col, int64_t m) {
        const T *k0 = k[0], *k1 = k[1], *k2 = k[2], *k3 = k[3];
        const __m256d u0 = _mm256_set1_pd(u[0]), u1 = _mm256_set1_pd(u[1]), u2 = _mm256_set1_pd(u[2]),
                      u3 = _mm256_set1_pd(u[3]);
        const int64_t m4 = m - m % 4;
        for (int64_t j = 0; j < m4; j += 4) {
            const __m256d s01 = _mm256_add_pd(_mm256_mul_pd(u0, load4(k0 + j)), _mm256_mul_pd(u1, load4(k1 + j)));
            const __m256d s23 = _mm256_add_pd(_mm256_mul_pd(u2, load4(k2 + j)), _mm256_mul_pd(u3, load4(k3 + j)));
            _mm256_storeu_pd(col + j, _mm256_add_pd(_mm256_loadu_pd(col + j), _mm256_add_pd(s01, s23)));
        }
        for (int64_t j = m4; j < m; ++j)
            col[j] += (u[0] * static_cast<double>(k0[j]) + u[1] * static_cast<double>(k1[j])) +
                      (u[2] * static_cast<double>(k2[j]) + u[3] * static_cast<double>(k3[j]));
    }
    template <class T>
    GEOMRT_AVX2 static void axpy1(const T *k, double u, double *col, int64_t m) {
        const __m256d uu = _mm256_set1_pd(u);
        const int64_t m4 = m - m % 4;
        for (int64_t j = 0; j < m4; j += 4)
            _mm256_storeu_pd(col + j, _mm256_add_pd(_mm256_loadu_pd(col + j), _mm256_mul_pd(uu, load4(k + j))));
        for (int64_t j = m4; j < m; ++j) col[j] += u * static_cast<double>(k[j]);
    }
};

bool cpu_has_avx2() {
    static const bool yes = __builtin_cpu_supports("avx2");
    return yes;
}
#endif

/// The new scaling of one row: a/r, or with over-relaxation u (a / (u r))^omega (= u^(1-omega) (a/r)^omega).
/// Adds |u r - a| (the row's error before the update) to err. Returns false if r is unusable.
inline bool update_row(double r, double a, double omega, double &u, double &err) {
    if (!usable(r)) return false;
    err += std::fabs(u * r - a);
    const double t = a / r;
    u = omega == 1.0 ? t : u * std::pow(t / u, omega);
    return true;
}

template <class Ops, class T>
bool sweep(const T *K, int64_t rows, int64_t m, const double *v, const double *a, double *u, double *col,
           double omega, double *row_err) {
    bool ok = true;
    double err = 0;
    int64_t i = 0;
    for (; i + 4 <= rows; i += 4) {
        const T *k[4] = {K + i * m, K + (i + 1) * m, K + (i + 2) * m, K + (i + 3) * m};
        double r[4], w[4];
        Ops::dot4(k, v, m, r);
        for (int q = 0; q < 4; ++q) {
            if (update_row(r[q], a[i + q], omega, u[i + q], err)) {
                w[q] = u[i + q];
            } else {
                w[q] = 0;
                ok = false;
            }
        }
        Ops::axpy4(k, w, col, m);
    }
    for (; i < rows; ++i) {
        const T *k = K + i * m;
        if (!update_row(Ops::dot(k, v, m), a[i], omega, u[i], err)) {
            ok = false;
            continue;
        }
        Ops::axpy1(k, u[i], col, m);
    }
    if (row_err) *row_err = err;
    return ok;
}

template <class T>
bool dispatch(const T *K, int64_t rows, int64_t m, const double *v, const double *a, double *u, double *col,
              double omega, double *row_err, Isa isa) {
#ifdef GEOMRT_HAVE_AVX2_KERNELS
    if (isa == Isa::Best && cpu_has_avx2()) return sweep<Avx2>(K, rows, m, v, a, u, col, omega, row_err);
#else
    (void)isa;
#endif
    return sweep<Portable>(K, rows, m, v, a, u, col, omega, row_err);
}

template <class Ops, class T>
void dots(const T *K, int64_t rows, int64_t m, const double *v, double *out) {
    int64_t i = 0;
    for (; i + 4 <= rows; i += 4) {
        const T *k[4] = {K + i * m, K + (i + 1) * m, K + (i + 2) * m, K + (i + 3) * m};
        Ops::dot4(k, v, m, out + i);
    }
    for (; i < rows; ++i) out[i] = Ops::dot(K + i * m, v, m);
}

template <class T>
void dispatch_dots(const T *K, int64_t rows, int64_t m, const double *v, double *out, Isa isa) {
#ifdef GEOMRT_HAVE_AVX2_KERNELS
    if (isa == Isa::Best && cpu_has_avx2()) return dots<Avx2>(K, rows, m, v, out);
#else
    (void)isa;
#endif
    dots<Portable>(K, rows, m, v, out);
}

}  // namespace

void row_dots(const double *K, int64_t rows, int64_t m, const double *v, double *out, Isa isa) {
    dispatch_dots(K, rows, m, v, out, isa);
}

void row_dots(const float *K, int64_t rows, int64_t m, const double *v, double *out, Isa isa) {
    dispatch_dots(K, rows, m, v, out, isa);
}

bool scale_rows(const double *K, int64_t rows, int64_t m, const double *v, const double *a, double *u, double *col,
                double omega, double *row_err, Isa isa) {
    return dispatch(K, rows, m, v, a, u, col, omega, row_err, isa);
}

bool scale_rows(const float *K, int64_t rows, int64_t m, const double *v, const double *a, double *u, double *col,
                double omega, double *row_err, Isa isa) {
    return dispatch(K, rows, m, v, a, u, col, omega, row_err, isa);
}

double exp_nonpositive(double *x, int64_t m, Isa isa) {
#ifdef GEOMRT_HAVE_AVX2_KERNELS
    if (isa == Isa::Best && cpu_has_avx2()) return Avx2::exp_sum(x, m);
#else
    (void)isa;
#endif
    return Portable::exp_sum(x, m);
}

const char *isa() {
#ifdef GEOMRT_HAVE_AVX2_KERNELS
    if (cpu_has_avx2()) return "avx2";
#endif
    return "portable";
}

}  // namespace kernels
}  // namespace ot
}  // namespace geomrt
