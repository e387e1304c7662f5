// Shared pieces of the ot plugin: weights, ground costs, argument checks.
#ifndef GEOMRT_PLUGINS_OT_COMMON_HPP
#define GEOMRT_PLUGINS_OT_COMMON_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
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
/// With a batched b (m x k, methods that declare it), `bs` holds the k target histograms
/// (each rescaled to sum(a)) and b is the first of them.
struct Problem {
    int64_t n = 0, m = 0;
    std::vector<double> a, b;
    std::vector<std::vector<double>> bs;  // the k targets (k = bs.size() >= 1)
    bool batched = false;                 // b was given as a matrix (m x k)
    bool forbidden = false;               // M has +inf entries (forbidden pairs)
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

/// Relative tolerance on sum(a) = sum(b): masses normalized in float32 differ by ~1e-8.
constexpr double kMassRelTol = 1e-6;

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

/// Check sum(a) == sum(b) to relative kMassRelTol and rescale b to sum(a) exactly. `which` names
/// the target histogram in messages (e.g. "'b'" or "column 3 of 'b'").
inline void balance_masses(const Call &c, const std::vector<double> &a, std::vector<double> &b,
                           const std::string &which = "'b'") {
    double sa = 0, sb = 0;
    for (double v : a) sa += v;
    for (double v : b) sb += v;
    if (std::fabs(sa - sb) > kMassRelTol * std::max(sa, sb)) {
        char buf[200];
        std::snprintf(buf, sizeof buf, "%.17g and %.17g", sa, sb);
        fail(GEOMRT_EINVAL, c.method() + ": the total masses of 'a' and " + which + " differ (" + buf +
                                "); they must agree to a relative 1e-6 (normalize them)");
    }
    for (double &v : b) v *= sa / sb;
}

/// Check M for NaN and -inf (the host lets non-finite values through: +inf marks a forbidden pair).
/// Returns whether M has a +inf entry.
inline bool check_cost_matrix(const Call &c, const double *M, int64_t n, int64_t m) {
    bool forbidden = false;
    for (int64_t k = 0; k < n * m; ++k) {
        const double v = M[k];
        if (std::isnan(v) || v == -std::numeric_limits<double>::infinity()) {
            fail(GEOMRT_EINVAL, c.method() + ": input 'M' has " + (std::isnan(v) ? "a NaN" : "-inf") + " at (" +
                                    std::to_string(k / m) + ", " + std::to_string(k % m) +
                                    "); entries must be finite, or +inf to forbid a pair");
        }
        forbidden = forbidden || std::isinf(v);
    }
    return forbidden;
}

/// With forbidden pairs: every source with mass needs an allowed target with mass and vice versa,
/// else the problem is infeasible (a clear GEOMRT_EINVAL). `which` names the target histogram.
inline void check_rows_and_columns_allowed(const Call &c, const Problem &pr, const std::vector<double> &b,
                                           const std::string &which = "'b'") {
    if (!pr.forbidden) return;
    std::vector<char> col_ok(static_cast<size_t>(pr.m), 0);
    for (int64_t i = 0; i < pr.n; ++i) {
        bool row_ok = false;
        for (int64_t j = 0; j < pr.m; ++j) {
            if (!std::isfinite(pr.M[i * pr.m + j])) continue;
            if (b[j] > 0) row_ok = true;
            if (pr.a[i] > 0) col_ok[j] = 1;
        }
        if (pr.a[i] > 0 && !row_ok)
            fail(GEOMRT_EINVAL, c.method() + ": infeasible problem: source " + std::to_string(i) +
                                    " has mass a[" + std::to_string(i) + "] > 0 but row " + std::to_string(i) +
                                    " of 'M' is +inf (forbidden) at every target with mass in " + which);
    }
    for (int64_t j = 0; j < pr.m; ++j)
        if (b[j] > 0 && !col_ok[j])
            fail(GEOMRT_EINVAL, c.method() + ": infeasible problem: target " + std::to_string(j) + " has mass in " +
                                    which + " but column " + std::to_string(j) +
                                    " of 'M' is +inf (forbidden) at every source with mass in 'a'");
}

/// Build the problem from inputs a, b and either M or xs, xt (+ params metric, p). Methods that
/// declare a batched b (declare_problem_inputs(mb, true)) get b as a vector (m) or a matrix (m x k).
inline Problem problem_from_inputs(const Call &c, bool batched_b = false) {
    Problem pr;
    const bool hasM = c.has("M"), hasX = c.has("xs") || c.has("xt");
    if (hasM && hasX)
        fail(GEOMRT_EINVAL, c.method() + ": give either a cost matrix 'M' or point clouds 'xs' and 'xt', not both");
    if (hasM) {
        auto M = c.in("M");
        pr.n = M.dim(0);
        pr.m = M.dim(1);
        pr.M = M.f64();
        pr.forbidden = check_cost_matrix(c, pr.M, pr.n, pr.m);
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
    if (batched_b && c.has("b")) {
        auto b = c.in("b");
        const std::string other = hasM ? "input 'M' has " + std::to_string(pr.m) + " columns"
                                       : "input 'xt' has " + std::to_string(pr.m) + " rows";
        if (b.ndim() != 1 && b.ndim() != 2)
            fail(GEOMRT_ESHAPE, c.method() + ": input 'b' must be a vector (m) or a matrix (m x k) of k target "
                                             "histograms, got rank " + std::to_string(b.ndim()));
        if (b.dim(0) != pr.m)
            fail(GEOMRT_ESHAPE, c.method() + ": input 'b' has " + std::to_string(b.dim(0)) +
                                    " entries along axis 0 but " + other + " (both are m)");
        pr.batched = b.ndim() == 2;
        const int64_t k = pr.batched ? b.dim(1) : 1;
        for (int64_t t = 0; t < k; ++t) {
            std::vector<double> w(static_cast<size_t>(pr.m));
            double s = 0;
            for (int64_t j = 0; j < pr.m; ++j) s += (w[j] = b.f64()[j * k + t]);
            const std::string which = pr.batched ? "column " + std::to_string(t) + " of 'b'" : "'b'";
            if (!(s > 0))
                fail(GEOMRT_EINVAL, c.method() + ": weights " + which + " sum to 0; they need positive total mass");
            balance_masses(c, pr.a, w, which);
            pr.bs.push_back(std::move(w));
        }
    } else {
        pr.bs.push_back(weights(c, "b", pr.m));
        balance_masses(c, pr.a, pr.bs[0]);
    }
    pr.b = pr.bs[0];
    for (size_t t = 0; t < pr.bs.size(); ++t)
        check_rows_and_columns_allowed(c, pr, pr.bs[t], pr.batched ? "column " + std::to_string(t) + " of 'b'" : "'b'");
    return pr;
}

/// Declare the shared problem inputs and ground-metric parameters on a method. With batched_b,
/// b may also be an m x k matrix of k target histograms (checked by problem_from_inputs).
inline void declare_problem_inputs(sdk::MethodBuilder &mb, bool batched_b = false) {
    mb.input("a", "source weights (histogram), nonnegative; default uniform 1/n", GEOMRT_DTYPE_F64, 1, "n",
             GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE);
    if (batched_b)
        mb.input("b",
                 "target weights (m), nonnegative, same total mass as a (to a relative 1e-6); default uniform 1/m. "
                 "An m x k matrix gives k target histograms (its columns) sharing a and the cost: batched mode",
                 GEOMRT_DTYPE_F64, -1, "", GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE);
    else
        mb.input("b", "target weights, nonnegative, same total mass as a (to a relative 1e-6); default uniform 1/m",
                 GEOMRT_DTYPE_F64, 1, "m", GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE);
    mb.input("M",
             "ground cost matrix (n x m); give either M or xs and xt. Entries are finite or +inf: +inf forbids the "
             "pair (no mass moves from i to j); NaN and -inf are errors",
             GEOMRT_DTYPE_F64, 2, "n,m", GEOMRT_IO_OPTIONAL | GEOMRT_IO_ALLOW_NONFINITE)
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
