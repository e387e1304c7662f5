// softmax.radius: the radius of convergence of the cross-entropy loss along an update direction,
// from the complex zeros of the softmax partition function (Sao 2026).
//
// One pass over the logits (and the JVP) computes every row's minimum and maximum; the scan keeps
// 16 lanes of running minima, maxima and a finiteness accumulator, so it vectorizes (SSE2, or AVX2
// when the CPU has it: min and max are exact, so both versions give identical numbers), and
// large inputs are split over threads by rows.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "softmax_methods.hpp"

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define GEOMRT_SOFTMAX_AVX2 1
#endif

namespace geomrt {
namespace softmax {

namespace {

using sdk::Call;
using sdk::fail;

constexpr double kPi = 3.14159265358979323846;
constexpr double kInf = std::numeric_limits<double>::infinity();
// Threads: one core scans at its streaming read speed (about 50 GB/s from cache, 25 GB/s from
// memory here), so inputs that fit in a cache run on one thread; from 2^23 entries (logits plus
// JVP: 32 MB of float32) one thread per 2^22 entries, up to the threads allowed.
constexpr int64_t kParallelEntries = int64_t(1) << 23;
constexpr int64_t kEntriesPerThread = int64_t(1) << 22;

/// pi / spread, with an infinite radius for a zero spread.
inline double radius_of(double spread) { return spread > 0 ? kPi / spread : kInf; }

struct Range {
    double lo, hi;
    bool finite;
};

// 32-byte vectors of T (GCC/Clang vector extensions: two SSE2 registers in the portable build,
// one AVX2 register in the AVX2 build).
template <class T>
struct Vec;
template <>
struct Vec<float> {
    typedef float type __attribute__((vector_size(32)));
};
template <>
struct Vec<double> {
    typedef double type __attribute__((vector_size(32)));
};

/// Minimum, maximum and finiteness of p[0..k) (k >= 1), in one pass over two vector accumulators.
template <class T>
__attribute__((always_inline)) inline Range row_range(const T *p, int64_t k) {
    typedef typename Vec<T>::type V;
    constexpr int64_t L = sizeof(V) / sizeof(T);
    int64_t i = 0;
    Range r{static_cast<double>(p[0]), static_cast<double>(p[0]), true};
    if (k >= 2 * L) {
        V a0, a1;
        std::memcpy(&a0, p, sizeof(V));
        std::memcpy(&a1, p + L, sizeof(V));
        V mn0 = a0, mx0 = a0, mn1 = a1, mx1 = a1;
        V nf0 = a0 - a0, nf1 = a1 - a1;  // 0 for finite entries, NaN for NaN or +-Inf (and NaN for good)
        for (i = 2 * L; i + 2 * L <= k; i += 2 * L) {
            std::memcpy(&a0, p + i, sizeof(V));
            std::memcpy(&a1, p + i + L, sizeof(V));
            mn0 = a0 < mn0 ? a0 : mn0;
            mx0 = a0 > mx0 ? a0 : mx0;
            mn1 = a1 < mn1 ? a1 : mn1;
            mx1 = a1 > mx1 ? a1 : mx1;
            nf0 += a0 - a0;
            nf1 += a1 - a1;
        }
        mn0 = mn1 < mn0 ? mn1 : mn0;
        mx0 = mx1 > mx0 ? mx1 : mx0;
        nf0 += nf1;
        T acc = 0;
        for (int64_t j = 0; j < L; ++j) {
            r.lo = std::min(r.lo, static_cast<double>(mn0[j]));
            r.hi = std::max(r.hi, static_cast<double>(mx0[j]));
            acc += nf0[j];
        }
        r.finite = acc == T(0);
    }
    for (; i < k; ++i) {
        const double v = static_cast<double>(p[i]);
        r.lo = v < r.lo ? v : r.lo;
        r.hi = v > r.hi ? v : r.hi;
        r.finite &= std::isfinite(v);
    }
    // A NaN never wins a comparison, so a NaN at p[0] is the only one the lanes could hide.
    r.finite &= std::isfinite(r.lo) && std::isfinite(r.hi);
    return r;
}

/// Where the per-row results go (null pointers are not written).
struct RowsOut {
    double *rho_logit, *spread_z;  // spread_z: scratch for the mean spread
    double *delta_a, *rho, *rho_binary;
    unsigned char *bad;  // bit 0: logits row not finite, bit 1: jvp row not finite
};

template <class T, class U>
__attribute__((always_inline)) inline void scan_rows_impl(const T *z, const U *a, int64_t k, int64_t r0,
                                                          int64_t r1, const RowsOut &o) {
    for (int64_t b = r0; b < r1; ++b) {
        const T *zr = z + b * k;
        const Range rz = row_range(zr, k);
        const double sz = rz.hi - rz.lo;
        o.spread_z[b] = sz;
        o.rho_logit[b] = radius_of(sz);
        unsigned char bad = rz.finite ? 0 : 1;
        if (a) {
            const U *ar = a + b * k;
            const Range ra = row_range(ar, k);
            const double sa = ra.hi - ra.lo;
            o.delta_a[b] = sa;
            o.rho[b] = radius_of(sa);
            if (!ra.finite) bad |= 2;
            if (o.rho_binary) {
                // Zeros of 1 + exp(-(delta + Delta tau)): tau = (-delta +- i pi) / Delta.
                const double delta = static_cast<double>(zr[1]) - static_cast<double>(zr[0]);
                const double dd = std::fabs(static_cast<double>(ar[1]) - static_cast<double>(ar[0]));
                o.rho_binary[b] = dd > 0 ? std::hypot(delta, kPi) / dd : kInf;
            }
        }
        o.bad[b] = bad;
    }
}

template <class T, class U>
void scan_rows_base(const T *z, const U *a, int64_t k, int64_t r0, int64_t r1, const RowsOut &o) {
    scan_rows_impl(z, a, k, r0, r1, o);
}

#ifdef GEOMRT_SOFTMAX_AVX2
template <class T, class U>
__attribute__((target("avx2"))) void scan_rows_avx2(const T *z, const U *a, int64_t k, int64_t r0, int64_t r1,
                                                     const RowsOut &o) {
    scan_rows_impl(z, a, k, r0, r1, o);
}

bool have_avx2() {
    static const bool yes = __builtin_cpu_supports("avx2");
    return yes;
}
#endif

template <class T, class U>
void scan_rows(const T *z, const U *a, int64_t B, int64_t k, int threads, const RowsOut &o) {
    auto run = [&](int64_t r0, int64_t r1) {
#ifdef GEOMRT_SOFTMAX_AVX2
        if (have_avx2()) return scan_rows_avx2(z, a, k, r0, r1, o);
#endif
        scan_rows_base(z, a, k, r0, r1, o);
    };
    const int64_t entries = B * k * (a ? 2 : 1);
    const int nt = entries < kParallelEntries
                       ? 1
                       : static_cast<int>(std::min<int64_t>({static_cast<int64_t>(threads), B, entries / kEntriesPerThread}));
    if (nt <= 1) {
        run(0, B);
        return;
    }
#pragma omp parallel for num_threads(nt) schedule(static)
    for (int t = 0; t < nt; ++t) run(B * t / nt, B * (t + 1) / nt);
}

/// Fail with the position and value of the first non-finite entry of row b of `name`.
template <class T>
[[noreturn]] void report_nonfinite(const Call &c, const char *name, const T *p, int64_t b, int64_t k) {
    int64_t j = 0;
    while (j < k && std::isfinite(static_cast<double>(p[b * k + j]))) ++j;
    char buf[200];
    std::snprintf(buf, sizeof buf, " has a non-finite value (%g) at row %lld, column %lld", static_cast<double>(p[b * k + j]),
                  static_cast<long long>(b), static_cast<long long>(j));
    fail(GEOMRT_EINVAL, c.method() + ": input '" + name + "'" + buf + "; every entry must be finite");
}

template <class T, class U>
void radius_typed(Call &c, const T *z, const U *a, int64_t B, int64_t K) {
    std::vector<double> spread(static_cast<size_t>(B));
    std::vector<unsigned char> bad(static_cast<size_t>(B));
    RowsOut o{};
    o.rho_logit = c.out_f64("rho_logit", {B});
    o.spread_z = spread.data();
    o.bad = bad.data();
    if (a) {
        o.delta_a = c.out_f64("delta_a", {B});
        o.rho = c.out_f64("rho", {B});
        if (K == 2) o.rho_binary = c.out_f64("rho_binary", {B});
    }
    scan_rows(z, a, B, K, c.threads(), o);
    for (int64_t b = 0; b < B; ++b) {
        if (bad[b] & 1) report_nonfinite(c, "logits", z, b, K);
        if (bad[b] & 2) report_nonfinite(c, "jvp", a, b, K);
    }
    const double *r = a ? o.rho : o.rho_logit;
    double rmin = kInf, ssum = 0;
    for (int64_t b = 0; b < B; ++b) {
        rmin = std::min(rmin, r[b]);
        ssum += spread[b];
    }
    c.scalar("rho_batch", rmin);
    c.scalar("rho_logit_mean", radius_of(ssum / static_cast<double>(B)));
}

template <class T>
void radius_with_logits(Call &c, const T *z, int64_t B, int64_t K) {
    if (!c.has("jvp")) return radius_typed<T, T>(c, z, nullptr, B, K);
    const auto a = c.in("jvp");
    if (a.dtype() == GEOMRT_DTYPE_F32) return radius_typed(c, z, a.f32(), B, K);
    radius_typed(c, z, a.f64(), B, K);
}

void radius_body(Call &c) {
    const auto z = c.in("logits");
    const int64_t B = z.dim(0), K = z.dim(1);
    if (K < 2)
        fail(GEOMRT_ESHAPE, c.method() + ": input 'logits' has " + std::to_string(K) +
                                " column(s); the softmax needs K >= 2 classes (logits are B x K, one row per sample)");
    if (z.dtype() == GEOMRT_DTYPE_F32) return radius_with_logits(c, z.f32(), B, K);
    radius_with_logits(c, z.f64(), B, K);
}

}  // namespace

void register_radius(sdk::Plugin &plugin) {
    plugin.method("softmax.radius", radius_body)
        .summary("Safe step radius of softmax cross-entropy along an update direction: rho = pi / (max_k a_k - min_k a_k).")
        .description(
            "Along a line theta + tau v in parameter space (v a unit vector), the logits of sample b move as "
            "z(tau) = z + tau a + O(tau^2) with a = J v (the JVP, input 'jvp'). The cross-entropy of the linearized "
            "logits, log sum_k exp(z_k + tau a_k) - (z_y + tau a_y), is analytic in complex tau except where the "
            "partition function vanishes; no zero lies within |tau| < pi / Delta_a, Delta_a = max_k a_k - min_k a_k "
            "[1], so the Taylor series of the loss in the step length converges there, and steps longer than the "
            "radius leave the region where the local model can be trusted. Outputs, per sample b = 0..B-1: "
            "delta_a = Delta_a (the spread of the JVP row), rho = pi / delta_a (the multiclass radius rho_a), "
            "rho_binary (only when K = 2) = sqrt(delta^2 + pi^2) / |a_1 - a_0| with delta = z_1 - z_0, the exact "
            "distance from 0 to the nearest zero tau = (-delta +- i pi) / (a_1 - a_0) of 1 + exp(-(delta + "
            "(a_1 - a_0) tau)), never below rho; rho_logit = pi / (max_k z_k - min_k z_k), the JVP-free radius from "
            "the logits alone (no direction needed: cheaper, a heuristic, not a bound on the step). Scalars: "
            "rho_batch = the minimum over samples of rho (with 'jvp') or of rho_logit (without; then delta_a, rho "
            "and rho_binary are not returned), i.e. pi / the largest spread: the set-level radius; rho_logit_mean = "
            "pi / (the mean over samples of max z - min z). A zero spread (a direction that moves every logit of "
            "the sample by the same amount, or equal logits) leaves the softmax unchanged and has no singularity: "
            "its radius is +inf in rho, rho_binary, rho_logit, rho_logit_mean and rho_batch (never NaN), and "
            "softmax.safe_step accepts rho = inf (no limit). A spread that overflows to +inf gives radius 0. "
            "Which of the reference code's three controllers this is: rho / rho_batch is the radius rho_a of the "
            "paper's JVP controller (experiments/lrspike/run.py: eta_eff = min(eta, rho_a / |p|), there with "
            "rho_a the minimum over the whole set it is given); feed rho_batch to softmax.safe_step for it. "
            "rho_logit's batch minimum is the reference's JVP-free diagnostic rho_out = pi / max(max z - min z) "
            "(src/ghosts/radii.py, measureRhoOut). rho_logit_mean is the radius of the reference's RhoScaledAdam "
            "(src/ghosts/control.py), which multiplies the learning rate by clamp(pi / (mean spread + 1e-6), 0.01, "
            "1): a different, JVP-free rescaling, not a step bound; this method returns the number only. "
            "Inputs are float64 or float32 (each of logits and jvp independently; read as is, results computed in "
            "float64 and identical for the same values); NaN or Inf in either is an error naming the row and "
            "column. One pass over the data; from 2^23 entries (logits plus jvp) rows are split over threads, one per 2^22 entries.")
        .citation(paper_citation())
        .input("logits",
               "logits z, one row of K >= 2 class scores per sample (B x K), float64 or float32; finite (NaN/Inf "
               "are an error, checked by the method in its one pass rather than by a separate host pass)",
               GEOMRT_DTYPE_F64, 2, "b,k", GEOMRT_IO_ANY_FLOAT | GEOMRT_IO_ALLOW_NONFINITE)
        .input("jvp",
               "directional derivative a = J v of the logits along the unit update direction v (B x K), float64 or "
               "float32, finite (checked like logits); optional",
               GEOMRT_DTYPE_F64, 2, "b,k", GEOMRT_IO_OPTIONAL | GEOMRT_IO_ANY_FLOAT | GEOMRT_IO_ALLOW_NONFINITE)
        .output("delta_a", "spread max_k a_k - min_k a_k of each JVP row (B); only with 'jvp'", GEOMRT_DTYPE_F64, 1,
                "b", GEOMRT_IO_OPTIONAL)
        .output("rho", "multiclass radius pi / delta_a per sample (B), +inf for a zero spread; only with 'jvp'",
                GEOMRT_DTYPE_F64, 1, "b", GEOMRT_IO_OPTIONAL)
        .scalar("rho_batch", "minimum over samples of rho (with 'jvp') or of rho_logit (without); +inf if all are")
        .output("rho_binary",
                "exact binary radius sqrt(delta^2 + pi^2) / |a_1 - a_0|, delta = z_1 - z_0 (B), +inf when a_1 = a_0; "
                "only with 'jvp' and K = 2",
                GEOMRT_DTYPE_F64, 1, "b", GEOMRT_IO_OPTIONAL)
        .output("rho_logit", "JVP-free radius pi / (max_k z_k - min_k z_k) per sample (B), +inf for equal logits",
                GEOMRT_DTYPE_F64, 1, "b")
        .scalar("rho_logit_mean", "pi / (mean over samples of max_k z_k - min_k z_k); +inf if every row is constant");
}

}  // namespace softmax
}  // namespace geomrt
