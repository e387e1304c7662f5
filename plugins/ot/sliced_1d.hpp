// One-dimensional pieces of the sliced methods: projecting a weighted point cloud on a
// direction, sorting the projections, and sweeping the merged quantile functions of two
// sorted samples. W_p^p(u, v) = integral_0^1 |F_u^-1(q) - F_v^-1(q)|^p dq is a sum over the
// pieces (i, j, mass) of the monotone coupling: the i-th smallest u value is matched to the
// j-th smallest v value with mass = the length of the q-interval on which both quantile
// functions take those values.
#ifndef GEOMRT_PLUGINS_OT_SLICED_1D_HPP
#define GEOMRT_PLUGINS_OT_SLICED_1D_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <utility>
#include <vector>

namespace geomrt {
namespace ot {
namespace sliced {

/// |t|^p with exact shortcuts for p = 1 and p = 2.
inline double pow_abs(double t, double p) {
    if (p == 2.0) return t * t;
    if (p == 1.0) return std::fabs(t);
    return std::pow(std::fabs(t), p);
}

/// A weighted point cloud: rows of X (n x d, row-major) with weights summing to 1.
struct Cloud {
    const double *X = nullptr;
    int64_t n = 0, d = 0;
    std::vector<double> w;    // normalized weights; empty means uniform 1/n
    std::vector<double> cdf;  // (k+1)/n for a uniform cloud (used when the other cloud is weighted)
    bool uniform() const { return w.empty(); }
    double weight(int64_t i) const { return w.empty() ? 1.0 / static_cast<double>(n) : w[i]; }
    const double *row(int64_t i) const { return X + i * d; }
};

/// out[i] = theta . X_i.
inline void project(const Cloud &c, const double *theta, double *out) {
    const int64_t n = c.n, d = c.d;
    const double *X = c.X;
    switch (d) {
    case 1:
        for (int64_t i = 0; i < n; ++i) out[i] = X[i] * theta[0];
        return;
    case 2:
        for (int64_t i = 0; i < n; ++i) out[i] = X[2 * i] * theta[0] + X[2 * i + 1] * theta[1];
        return;
    case 3:
        for (int64_t i = 0; i < n; ++i)
            out[i] = X[3 * i] * theta[0] + X[3 * i + 1] * theta[1] + X[3 * i + 2] * theta[2];
        return;
    default:
        for (int64_t i = 0; i < n; ++i) {
            const double *x = X + i * d;
            double s = 0;
            for (int64_t k = 0; k < d; ++k) s += x[k] * theta[k];
            out[i] = s;
        }
    }
}

/// Weighted mean and biased variance of values v (n) under the cloud's weights.
inline void mean_var(const Cloud &c, const double *v, double &mean, double &var) {
    const int64_t n = c.n;
    double m = 0;
    if (c.uniform()) {
        for (int64_t i = 0; i < n; ++i) m += v[i];
        m /= static_cast<double>(n);
        double s = 0;
        for (int64_t i = 0; i < n; ++i) s += (v[i] - m) * (v[i] - m);
        var = s / static_cast<double>(n);
    } else {
        for (int64_t i = 0; i < n; ++i) m += c.w[i] * v[i];
        double s = 0;
        for (int64_t i = 0; i < n; ++i) s += c.w[i] * (v[i] - m) * (v[i] - m);
        var = s;
    }
    mean = m;
}

/// Pieces of the monotone coupling of two uniform samples of sizes n and m, in exact integer
/// arithmetic (positions on [0, 1] in units of 1/(n m)): visit(i, j, mass), masses summing to 1.
template <class Visit>
inline void sweep_uniform(int64_t n, int64_t m, Visit &&visit) {
    const double unit = 1.0 / (static_cast<double>(n) * static_cast<double>(m));
    int64_t i = 0, j = 0, pos = 0;
    while (i < n && j < m) {
        const int64_t ea = (i + 1) * m, eb = (j + 1) * n;
        const int64_t next = ea < eb ? ea : eb;
        visit(i, j, static_cast<double>(next - pos) * unit);
        pos = next;
        if (ea == next) ++i;
        if (eb == next) ++j;
    }
}

/// Pieces of the monotone coupling given cumulative weights Fa (n) and Fb (m): nondecreasing,
/// last entries exactly 1. Zero-length pieces (zero weights) are skipped.
template <class Visit>
inline void sweep_cdf(const double *Fa, int64_t n, const double *Fb, int64_t m, Visit &&visit) {
    double pos = 0;
    int64_t i = 0, j = 0;
    while (i < n && j < m) {
        const double next = std::min(Fa[i], Fb[j]);
        const double step = next - pos;
        if (step > 0) {
            visit(i, j, step);
            pos = next;
        }
        if (Fa[i] <= next) ++i;
        if (Fb[j] <= next) ++j;
    }
}

/// Order-preserving map of a double to an unsigned integer (for -0.0 < +0.0, which are equal
/// as values, so sorting by key sorts by value).
inline uint64_t sort_key(double v) {
    uint64_t u;
    std::memcpy(&u, &v, sizeof u);
    return (u >> 63) ? ~u : (u | 0x8000000000000000ULL);
}
inline double key_value(uint64_t k) {
    const uint64_t u = (k >> 63) ? (k & 0x7FFFFFFFFFFFFFFFULL) : ~k;
    double v;
    std::memcpy(&v, &u, sizeof v);
    return v;
}

/// Sorting scratch reused across directions.
struct SortScratch {
    std::vector<uint64_t> k0, k1;
    std::vector<int64_t> i1;
    std::vector<uint32_t> hist;
    std::vector<std::pair<double, int64_t>> kv;
};

/// LSD radix sort of v (n values) ascending on the bit patterns, B-bit digits; stable, so with
/// idx (not null) equal values keep their index order. Passes whose digit is the same for every
/// key are skipped.
template <int B>
inline void radix_sort(double *v, int64_t *idx, int64_t n, SortScratch &s) {
    constexpr int NB = (64 + B - 1) / B, R = 1 << B;
    constexpr uint64_t M = R - 1;
    s.k0.resize(n);
    s.k1.resize(n);
    if (idx) s.i1.resize(n);
    s.hist.assign(static_cast<size_t>(NB) * R, 0);
    uint32_t *hist = s.hist.data();
    for (int64_t i = 0; i < n; ++i) {
        const uint64_t k = sort_key(v[i]);
        s.k0[i] = k;
        for (int p = 0; p < NB; ++p) hist[p * R + ((k >> (p * B)) & M)]++;
    }
    uint64_t *src = s.k0.data(), *dst = s.k1.data();
    int64_t *isrc = idx, *idst = idx ? s.i1.data() : nullptr;
    for (int p = 0; p < NB; ++p) {
        uint32_t *h = hist + p * R;
        const int sh = p * B;
        if (h[(src[0] >> sh) & M] == static_cast<uint32_t>(n)) continue;
        uint32_t acc = 0;
        for (int r = 0; r < R; ++r) {
            const uint32_t c = h[r];
            h[r] = acc;
            acc += c;
        }
        if (idx) {
            for (int64_t i = 0; i < n; ++i) {
                const uint64_t k = src[i];
                const uint32_t pos = h[(k >> sh) & M]++;
                dst[pos] = k;
                idst[pos] = isrc[i];
            }
            std::swap(isrc, idst);
        } else {
            for (int64_t i = 0; i < n; ++i) {
                const uint64_t k = src[i];
                dst[h[(k >> sh) & M]++] = k;
            }
        }
        std::swap(src, dst);
    }
    for (int64_t i = 0; i < n; ++i) v[i] = key_value(src[i]);
    if (idx && isrc != idx) std::copy(isrc, isrc + n, idx);
}

/// Sort v (n) ascending; with idx (not null, holding 0..n-1 on entry) the permutation is applied
/// to idx too, ties in index order. Comparison sort for small n, radix sort otherwise.
inline void sort_values(double *v, int64_t *idx, int64_t n, SortScratch &s) {
    if (n < 1024 || n > 0xFFFFFFFFLL) {
        if (!idx) {
            std::sort(v, v + n);
            return;
        }
        s.kv.resize(n);
        for (int64_t i = 0; i < n; ++i) s.kv[i] = {v[i], idx[i]};
        std::sort(s.kv.begin(), s.kv.end());
        for (int64_t i = 0; i < n; ++i) {
            v[i] = s.kv[i].first;
            idx[i] = s.kv[i].second;
        }
    } else if (n < 65536) {
        radix_sort<8>(v, idx, n, s);
    } else {
        radix_sort<11>(v, idx, n, s);
    }
}

/// One side of a projected 1-D problem: sorted values, and (when needed) original indices and
/// cumulative weights. Buffers are sized once and reused for every direction.
struct Side {
    std::vector<double> v;        // projections; sorted after sort()
    std::vector<int64_t> idx;     // original index of v[k] (with_index or weighted)
    std::vector<double> F;        // cumulative weights of v (weighted clouds)
    const double *cdf = nullptr;  // the cumulative weights to sweep with
    SortScratch scratch;

    void reserve(const Cloud &c, bool with_index) {
        v.resize(c.n);
        if (with_index || !c.uniform()) idx.resize(c.n);
        if (!c.uniform()) F.resize(c.n);
        // All scratch up front, so nothing allocates inside the parallel loops.
        scratch.k0.resize(c.n);
        scratch.k1.resize(c.n);
        scratch.hist.reserve(6 << 11);
        if (with_index || !c.uniform()) {
            scratch.i1.resize(c.n);
            scratch.kv.resize(c.n);
        }
    }

    /// Project c on theta and sort; indices are kept when with_index.
    void project_sort(const Cloud &c, const double *theta, bool with_index) {
        project(c, theta, v.data());
        sort(c, with_index);
    }

    /// Sort the values in v (already projected).
    void sort(const Cloud &c, bool with_index) {
        const int64_t n = c.n;
        cdf = c.cdf.data();
        if (c.uniform() && !with_index) {
            sort_values(v.data(), nullptr, n, scratch);
            return;
        }
        for (int64_t i = 0; i < n; ++i) idx[i] = i;
        sort_values(v.data(), idx.data(), n, scratch);
        if (!c.uniform()) {
            double acc = 0;
            for (int64_t k = 0; k < n; ++k) F[k] = (acc += c.w[idx[k]]);
            for (int64_t k = 0; k < n; ++k) F[k] /= acc;
            F[n - 1] = 1.0;
            cdf = F.data();
        }
    }
};

/// Visit the monotone coupling of two sorted sides: visit(i, j, mass) with sorted positions.
template <class Visit>
inline void sweep(const Cloud &a, const Side &sa, const Cloud &b, const Side &sb, Visit &&visit) {
    if (a.uniform() && b.uniform())
        sweep_uniform(a.n, b.n, visit);
    else
        sweep_cdf(sa.cdf, a.n, sb.cdf, b.n, visit);
}

/// W_p^p between two sorted sides.
inline double wpp(const Cloud &a, const Side &sa, const Cloud &b, const Side &sb, double p) {
    const double *x = sa.v.data(), *y = sb.v.data();
    if (a.uniform() && b.uniform() && a.n == b.n) {
        double s = 0;
        const int64_t n = a.n;
        if (p == 2.0) {
            for (int64_t i = 0; i < n; ++i) s += (x[i] - y[i]) * (x[i] - y[i]);
        } else if (p == 1.0) {
            for (int64_t i = 0; i < n; ++i) s += std::fabs(x[i] - y[i]);
        } else {
            for (int64_t i = 0; i < n; ++i) s += std::pow(std::fabs(x[i] - y[i]), p);
        }
        return s / static_cast<double>(n);
    }
    double s = 0;
    sweep(a, sa, b, sb, [&](int64_t i, int64_t j, double mass) { s += mass * pow_abs(x[i] - y[j], p); });
    return s;
}

/// W_2^2 between the projections of a and b on theta and its gradient with respect to theta,
/// grad = 2 sum over coupling pieces of mass (theta.(x_i - y_j)) (x_i - y_j), for the optimal
/// (monotone) coupling of the projections. ca (n) and cb (m) are scratch.
inline double w2_and_grad(const Cloud &a, Side &sa, const Cloud &b, Side &sb, const double *theta, double *grad,
                          std::vector<double> &ca, std::vector<double> &cb) {
    sa.project_sort(a, theta, true);
    sb.project_sort(b, theta, true);
    std::fill(ca.begin(), ca.end(), 0.0);
    std::fill(cb.begin(), cb.end(), 0.0);
    const double *x = sa.v.data(), *y = sb.v.data();
    const int64_t *ix = sa.idx.data(), *iy = sb.idx.data();
    double s = 0;
    sweep(a, sa, b, sb, [&](int64_t i, int64_t j, double mass) {
        const double r = x[i] - y[j];
        s += mass * r * r;
        ca[ix[i]] += mass * r;
        cb[iy[j]] += mass * r;
    });
    const int64_t d = a.d;
    std::fill(grad, grad + d, 0.0);
    for (int64_t i = 0; i < a.n; ++i) {
        const double ci = 2.0 * ca[i];
        if (ci == 0.0) continue;
        const double *xi = a.row(i);
        for (int64_t k = 0; k < d; ++k) grad[k] += ci * xi[k];
    }
    for (int64_t j = 0; j < b.n; ++j) {
        const double cj = 2.0 * cb[j];
        if (cj == 0.0) continue;
        const double *yj = b.row(j);
        for (int64_t k = 0; k < d; ++k) grad[k] -= cj * yj[k];
    }
    return s;
}

}  // namespace sliced
}  // namespace ot
}  // namespace geomrt

#endif
