// ot.monge_gap: the Monge gap of a map given by samples (x_i, T(x_i)), Uscidda & Cuturi 2023.
// The entropic OT cost between the two point clouds comes from the shared Sinkhorn solver.
#include <cmath>
#include <limits>
#include <vector>

#include "common.hpp"
#include "ot_methods.hpp"
#include "sinkhorn_solver.hpp"

namespace geomrt {
namespace ot {

namespace {

constexpr double kDefaultRegScale = 0.05;  // reg = 0.05 x std(C) when reg = 0 (as OTT's default epsilon)

/// Population standard deviation of all n x n entries of the cost matrix (two passes, row by row).
double cost_std(const PointCost &cost, int64_t n, int threads, double &cmin, double &cmax) {
    const int nthreads = n * n >= kParallelMin ? threads : 1;
    std::vector<double> rowsum(n), rowdev(n), rowmin(n), rowmax(n);
#pragma omp parallel for num_threads(nthreads) schedule(static)
    for (int64_t i = 0; i < n; ++i) {
        double s = 0, lo = std::numeric_limits<double>::infinity(), hi = -lo;
        for (int64_t j = 0; j < n; ++j) {
            const double v = cost(i, j);
            s += v;
            lo = std::min(lo, v);
            hi = std::max(hi, v);
        }
        rowsum[i] = s;
        rowmin[i] = lo;
        rowmax[i] = hi;
    }
    double total = 0;
    cmin = std::numeric_limits<double>::infinity();
    cmax = -cmin;
    for (int64_t i = 0; i < n; ++i) {
        total += rowsum[i];
        cmin = std::min(cmin, rowmin[i]);
        cmax = std::max(cmax, rowmax[i]);
    }
    const double mean = total / static_cast<double>(n * n);
#pragma omp parallel for num_threads(nthreads) schedule(static)
    for (int64_t i = 0; i < n; ++i) {
        double s = 0;
        for (int64_t j = 0; j < n; ++j) {
            const double t = cost(i, j) - mean;
            s += t * t;
        }
        rowdev[i] = s;
    }
    double dev = 0;
    for (int64_t i = 0; i < n; ++i) dev += rowdev[i];
    return std::sqrt(dev / static_cast<double>(n * n));
}

void monge_gap_body(Call &c) {
    const auto x = c.in("x"), y = c.in("y");
    const int64_t n = x.dim(0), d = x.dim(1);
    const Metric metric = c.str("metric") == "euclidean" ? Metric::Euclidean : Metric::SqEuclidean;
    const PointCost cost{x.f64(), y.f64(), d, metric, 2.0};
    std::vector<double> a = weights(c, "a", n);
    double asum = 0;
    for (double v : a) asum += v;
    for (double &v : a) v /= asum;
    const double tol = c.f64("tol");
    const int64_t max_iter = c.i64("max_iter");

    double cmin = 0, cmax = 0;
    const double sd = cost_std(cost, n, c.threads(), cmin, cmax);
    if (!std::isfinite(cmax - cmin))  // e.g. |x - y|^2 overflowing for coordinates near 1e300
        fail(GEOMRT_EINVAL, c.method() + ": the cost c(x_i, y_j) overflows to infinity (coordinates too large); "
                                         "rescale the points");
    double eps = c.f64("reg");
    if (eps == 0) {
        eps = kDefaultRegScale * sd;
        if (!(eps > 0))
            fail(GEOMRT_EINVAL, c.method() + ": the default reg = 0.05 x std(C) is 0 because every entry of the cost "
                                             "matrix C_ij = c(x_i, y_j) is the same (" + std::to_string(cmin) +
                                             "); give reg > 0 explicitly");
    }

    double disp = 0;
    for (int64_t i = 0; i < n; ++i) disp += a[i] * cost(i, i);

    // Points of zero weight take no part in the transport problem.
    std::vector<int64_t> keep;
    for (int64_t i = 0; i < n; ++i)
        if (a[i] > 0) keep.push_back(i);
    const int64_t ns = static_cast<int64_t>(keep.size());
    std::vector<double> as(ns), bs(ns);
    for (int64_t i = 0; i < ns; ++i) as[i] = bs[i] = a[keep[i]];
    auto sub = [&](int64_t i, int64_t j) { return cost(keep[i], keep[j]); };
    SinkhornSolver<decltype(sub)> S(ns, ns, as.data(), bs.data(), sub, c.threads());
    const SinkhornOutcome o = run_sinkhorn(S, eps, [&] { return cmax - cmin; }, tol, max_iter, true, true,
                                           [&](int64_t it, double err) { c.progress(-1.0, it, err); });
    if (!o.converged) {
        char buf[300];
        std::snprintf(buf, sizeof buf,
                      ": Sinkhorn did not converge in max_iter=%lld iterations (marginal error %.3g > tol %.3g, "
                      "reg %.3g); raise max_iter, raise reg, or loosen tol",
                      static_cast<long long>(max_iter), o.error, tol, eps);
        fail(GEOMRT_ENOCONVERGE, c.method() + buf);
    }
    // W_eps = <P, C> - eps H(P) with H(P) = -sum P_ij (log P_ij - 1).
    const auto *K = S.K();
    const auto &u = S.u(), &v = S.v();
    double tc = 0, ent = 0;
    for (int64_t i = 0; i < ns; ++i) {
        const double *Ki = &K[static_cast<size_t>(i * ns)];
        for (int64_t j = 0; j < ns; ++j) {
            const double p = u[i] * Ki[j] * v[j];
            if (!(p > 0)) continue;
            tc += p * sub(i, j);
            ent += p * (std::log(p) - 1.0);
        }
    }
    const double went = tc + eps * ent;
    c.scalar("gap", disp - went);
    c.scalar("displacement_cost", disp);
    c.scalar("entropic_cost", went);
    c.scalar("reg_used", eps);
    c.scalar_i64("iterations", o.iterations);
    c.scalar("marginal_error", o.error);
}

}  // namespace

void register_monge_gap(sdk::Plugin &plugin) {
    plugin.method("ot.monge_gap", monge_gap_body)
        .summary("Monge gap of a map from samples: its displacement cost minus the entropic OT cost it could reach.")
        .description(
            "Given samples x_i with weights a_i (normalized to sum 1; default uniform) and their images y_i = T(x_i), "
            "let mu = sum_i a_i delta_{x_i} and T#mu = sum_i a_i delta_{y_i}. The Monge gap is "
            "M = sum_i a_i c(x_i, y_i) - W_{c,eps}(mu, T#mu): the cost of moving each x_i to its own image minus "
            "the entropic OT cost between the clouds, W_{c,eps} = <P*, C> - eps H(P*) with C_ij = c(x_i, y_j), "
            "P* the entropic optimal plan with marginals a and a, and the entropy H(P) = -sum_ij P_ij (log P_ij - 1) "
            "(so W_{c,eps} = <P*, C> + eps sum P* log P* - eps: ot.sinkhorn's entropic_cost minus eps). The cost c is |x - y|^2 (metric=sqeuclidean, default) or |x - y| (euclidean). "
            "reg = eps; the default reg = 0 means eps = 0.05 x the standard deviation of all n^2 entries of C (as "
            "OTT's default epsilon; reg_used reports it). With M0 the unregularized gap (sum a_i c(x_i, y_i) minus "
            "the exact OT cost, >= 0, and 0 iff T is c-optimal on the samples) and H(a) = -sum a_i log a_i, the "
            "entropic gap satisfies M0 + eps (H(a) + 1) <= M <= M0 + eps (2 H(a) + 1): it is always positive, "
            "and for an optimal map it is this entropic bias, of order eps log n, which vanishes as reg -> 0. "
            "Entropic OT is solved by the solver of ot.sinkhorn (log domain, over-relaxation, epsilon scaling when needed) until "
            "the L1 marginal error is <= tol; GEOMRT_ENOCONVERGE after max_iter iterations. For a (near) optimal map "
            "the entropic plan approaches a permutation once eps falls below the nearest-neighbour costs, and "
            "Sinkhorn then needs many more iterations (60 points, a translation: 65 at the default reg, 206 at 1/4 "
            "of it, about 5,000 at 1/8). Points of zero weight are left out. Outputs: gap, displacement_cost = sum a_i c(x_i, y_i), entropic_cost = W_{c,eps}, "
            "reg_used, iterations, marginal_error.")
        .citation("[1] T. Uscidda, M. Cuturi, The Monge Gap: A Regularizer to Learn All Transport Maps, ICML 2023. "
                  "[2] M. Cuturi, Sinkhorn Distances: Lightspeed Computation of Optimal Transport, NeurIPS 2013.")
        .input("x", "source samples, one per row (n x d)", GEOMRT_DTYPE_F64, 2, "n,d")
        .input("y", "their images y_i = T(x_i), row i for x_i (n x d)", GEOMRT_DTYPE_F64, 2, "n,d")
        .input("a", "sample weights (n), nonnegative; normalized to sum 1; default uniform 1/n", GEOMRT_DTYPE_F64, 1,
               "n", GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE)
        .param_enum("metric", "ground cost: sqeuclidean |x - y|^2 or euclidean |x - y|", "sqeuclidean",
                    "sqeuclidean|euclidean")
        .param_f64("reg", "entropic regularization eps in units of the cost; 0 (default) means 0.05 x std of the "
                          "cost matrix entries",
                   "0", 0.0)
        .param_f64("tol", "stop Sinkhorn when the L1 marginal error is <= tol", "1e-9", 0.0,
                   std::numeric_limits<double>::infinity(), GEOMRT_PARAM_MIN_EXCLUSIVE)
        .param_i64("max_iter", "maximum number of Sinkhorn iterations", "100000", 1)
        .scalar("gap", "the Monge gap displacement_cost - entropic_cost")
        .scalar("displacement_cost", "sum_i a_i c(x_i, y_i)")
        .scalar("entropic_cost", "W_{c,eps} = <P*, C> - eps H(P*), H(P) = -sum P (log P - 1)")
        .scalar("reg_used", "the eps used (reg, or 0.05 x std(C) by default)")
        .scalar_i64("iterations", "Sinkhorn iterations performed")
        .scalar("marginal_error", "final L1 marginal error of the plan");
}

}  // namespace ot
}  // namespace geomrt
