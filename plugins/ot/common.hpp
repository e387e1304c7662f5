// Shared pieces of the ot plugin: weights, ground costs, argument checks.
#ifndef GEOMRT_PLUGINS_OT_COMMON_HPP
#define GEOMRT_PLUGINS_OT_COMMON_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <geomrt/plugin.hpp>

namespace geomrt {
namespace ot {

using sdk::Call;
using sdk::fail;

/// Ground metrics between points x, y in R^d.
enum class Metric { SqEuclidean, Euclidean, Cityblock, Minkowski };

inline Metric parse_metric(const std::string &s) {
    if (s == "sqeuclidean") return Metric::SqEuclidean;
    if (s == "euclidean") return Metric::Euclidean;
    if (s == "cityblock") return Metric::Cityblock;
    return Metric::Minkowski;
}

/// Cost between row i of X and row j of Y (both row-major with d columns).
struct PointCost {
    const double *X, *Y;
    int64_t d;
    Metric metric;
    double p;
    double operator()(int64_t i, int64_t j) const {
        const double *x = X + i * d, *y = Y + j * d;
        double s = 0;
        switch (metric) {
        case Metric::SqEuclidean:
            for (int64_t k = 0; k < d; ++k) {
                double t = x[k] - y[k];
                s += t * t;
            }
            return s;
        case Metric::Euclidean:
            for (int64_t k = 0; k < d; ++k) {
                double t = x[k] - y[k];
                s += t * t;
            }
            return std::sqrt(s);
        case Metric::Cityblock:
            for (int64_t k = 0; k < d; ++k) s += std::fabs(x[k] - y[k]);
            return s;
        case Metric::Minkowski:
            for (int64_t k = 0; k < d; ++k) s += std::pow(std::fabs(x[k] - y[k]), p);
            return std::pow(s, 1.0 / p);
        }
        return s;
    }
};

/// Cost read from a dense row-major matrix.
struct DenseCost {
    const double *M;
    int64_t m;
    double operator()(int64_t i, int64_t j) const { return M[i * m + j]; }
};

/// The histograms and ground cost of a transport problem, from inputs a, b and M or xs, xt.
struct Problem {
    int64_t n = 0, m = 0;
    std::vector<double> a, b;
    const double *M = nullptr;  // caller's cost matrix, or null when points are given
    PointCost points{nullptr, nullptr, 0, Metric::SqEuclidean, 2.0};
    bool from_points() const { return M == nullptr; }
    double cost(int64_t i, int64_t j) const { return M ? M[i * m + j] : points(i, j); }
    /// The full n x m cost matrix (computed in parallel when from points).
    std::vector<double> dense_cost(int threads) const {
        std::vector<double> C(static_cast<size_t>(n * m));
        if (M) {
            std::copy(M, M + n * m, C.begin());
            return C;
        }
#pragma omp parallel for num_threads(threads) schedule(static)
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < m; ++j) C[i * m + j] = points(i, j);
        return C;
    }
};

/// Read weights `name` of length len, or uniform 1/len if omitted; total must be positive.
inline std::vector<double> weights(const Call &c, const char *name, int64_t len) {
    std::vector<double> w(static_cast<size_t>(len), 1.0 / static_cast<double>(len));
    if (!c.has(name)) return w;
    auto t = c.in(name);
    std::copy(t.f64(), t.f64() + len, w.begin());
    double s = 0;
    for (double v : w) s += v;
    if (!(s > 0)) fail(GEOMRT_EINVAL, c.method() + ": weights '" + name + "' sum to 0; they need positive total mass");
    return w;
}

/// Check sum(a) == sum(b) to relative 1e-9 and rescale b to sum(a) exactly.
inline void balance_masses(const Call &c, std::vector<double> &a, std::vector<double> &b) {
    double sa = 0, sb = 0;
    for (double v : a) sa += v;
    for (double v : b) sb += v;
    if (std::fabs(sa - sb) > 1e-9 * std::max(sa, sb)) {
        char buf[200];
        std::snprintf(buf, sizeof buf, "%.17g and %.17g", sa, sb);
        fail(GEOMRT_EINVAL, c.method() + ": the total masses of 'a' and 'b' differ (" + buf +
                                "); they must agree to a relative 1e-9 (normalize them)");
    }
    for (double &v : b) v *= sa / sb;
}

/// Build the problem from inputs a, b and either M or xs, xt (+ params metric, p).
inline Problem problem_from_inputs(const Call &c) {
    Problem pr;
    const bool hasM = c.has("M"), hasX = c.has("xs") || c.has("xt");
    if (hasM && hasX)
        fail(GEOMRT_EINVAL, c.method() + ": give either a cost matrix 'M' or point clouds 'xs' and 'xt', not both");
    if (hasM) {
        auto M = c.in("M");
        pr.n = M.dim(0);
        pr.m = M.dim(1);
        pr.M = M.f64();
    } else {
        if (!c.has("xs") || !c.has("xt"))
            fail(GEOMRT_EINVAL, c.method() + ": missing input: give a cost matrix 'M' (n x m) or both point clouds "
                                             "'xs' (n x d) and 'xt' (m x d)");
        auto xs = c.in("xs"), xt = c.in("xt");
        pr.n = xs.dim(0);
        pr.m = xt.dim(0);
        pr.points = PointCost{xs.f64(), xt.f64(), xs.dim(1), parse_metric(c.str("metric")), c.f64("p")};
    }
    pr.a = weights(c, "a", pr.n);
    pr.b = weights(c, "b", pr.m);
    balance_masses(c, pr.a, pr.b);
    return pr;
}

/// Declare the shared problem inputs and ground-metric parameters on a method.
inline void declare_problem_inputs(sdk::MethodBuilder &mb) {
    mb.input("a", "source weights (histogram), nonnegative; default uniform 1/n", GEOMRT_DTYPE_F64, 1, "n",
             GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE)
        .input("b", "target weights, nonnegative, same total mass as a; default uniform 1/m", GEOMRT_DTYPE_F64, 1, "m",
               GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE)
        .input("M", "ground cost matrix (n x m); give either M or xs and xt", GEOMRT_DTYPE_F64, 2, "n,m",
               GEOMRT_IO_OPTIONAL)
        .input("xs", "source points, one per row (n x d); the cost is metric(xs_i, xt_j)", GEOMRT_DTYPE_F64, 2, "n,d",
               GEOMRT_IO_OPTIONAL)
        .input("xt", "target points, one per row (m x d)", GEOMRT_DTYPE_F64, 2, "m,d", GEOMRT_IO_OPTIONAL)
        .param_enum("metric",
                    "ground metric for point clouds: sqeuclidean |x-y|^2, euclidean |x-y|, cityblock sum|x_k-y_k|, "
                    "minkowski (sum|x_k-y_k|^p)^(1/p)",
                    "sqeuclidean", "sqeuclidean|euclidean|cityblock|minkowski")
        .param_f64("p", "exponent of the minkowski metric (p >= 1)", "2", 1.0, 1e6);
}

/// Write a plan given as (row, col, value) triples sorted by row into a CSR output.
inline void write_sparse_plan(const Call &c, const char *name, int64_t n, int64_t m, const std::vector<int64_t> &rows,
                              const std::vector<int64_t> &cols, const std::vector<double> &vals) {
    auto sp = c.out_sparse(name, n, m, static_cast<int64_t>(vals.size()));
    for (size_t k = 0; k < rows.size(); ++k) sp.indptr[rows[k] + 1]++;
    for (int64_t i = 0; i < n; ++i) sp.indptr[i + 1] += sp.indptr[i];
    for (size_t k = 0; k < vals.size(); ++k) {
        sp.indices[k] = cols[k];
        sp.values[k] = vals[k];
    }
}

}  // namespace ot
}  // namespace geomrt

#endif
