// ot.sinkhorn_newton_sparse: entropic optimal transport by Sinkhorn-Newton-Sparse (Tang et al.,
// ICLR 2024): a few Sinkhorn iterations, then Newton steps on the dual Lyapunov potential with a
// sparsified Hessian, conjugate gradient solves and a line search. The numerics are in sns_core.hpp.
#include <cmath>
#include <cstdio>
#include <limits>

#include "common.hpp"
#include "forbidden.hpp"
#include "ot_methods.hpp"
#include "sns_core.hpp"

namespace geomrt {
namespace ot {

namespace {

void sns_body(Call &c) {
    Problem pr = problem_from_inputs(c);
    check_feasible_with_forbidden(c, pr, pr.b);
    const double eps = c.f64("reg");
    sns::Settings s;
    s.tol = c.f64("tol");
    s.n_sinkhorn = c.i64("n_sinkhorn");
    s.max_newton = c.i64("max_newton");
    s.density = c.f64("density");
    s.cg_tol = c.f64("cg_tol");
    s.max_cg = c.i64("max_cg");
    const int threads = c.threads();

    // Restrict to the support of a and b (zero-mass points get empty plan rows/columns).
    std::vector<int64_t> ri, cj;
    for (int64_t i = 0; i < pr.n; ++i)
        if (pr.a[i] > 0) ri.push_back(i);
    for (int64_t j = 0; j < pr.m; ++j)
        if (pr.b[j] > 0) cj.push_back(j);
    const int64_t ns = static_cast<int64_t>(ri.size()), ms = static_cast<int64_t>(cj.size());
    std::vector<double> as(ns), bs(ms);
    for (int64_t i = 0; i < ns; ++i) as[i] = pr.a[ri[i]];
    for (int64_t j = 0; j < ms; ++j) bs[j] = pr.b[cj[j]];
    const bool full = ns == pr.n && ms == pr.m;
    std::vector<double> Cs;
    const double *C = pr.M;
    if (!(full && pr.M)) {
        Cs.resize(static_cast<size_t>(ns * ms));
        const int nt = ns * ms >= sns::kParallelEntries ? threads : 1;
#pragma omp parallel for num_threads(nt) schedule(static)
        for (int64_t i = 0; i < ns; ++i)
            for (int64_t j = 0; j < ms; ++j) Cs[static_cast<size_t>(i * ms + j)] = pr.cost(ri[i], cj[j]);
        C = Cs.data();
    }
    if (!pr.M)  // M was checked (NaN, -inf) by problem_from_inputs; +inf there forbids a pair
        for (int64_t k = 0; k < ns * ms; ++k)
            if (!std::isfinite(C[k]))
                fail(GEOMRT_EINVAL, c.method() + ": the ground cost from the point clouds has a non-finite entry "
                                                 "(inf or NaN): the coordinates are too large");

    sns::Engine E(ns, ms, C, as.data(), bs.data(), eps, threads);
    const sns::Report &rep = E.run(s, [&](int64_t it, double err) { c.progress(-1.0, it, err); });
    if (!rep.converged) {
        char buf[400];
        std::snprintf(buf, sizeof buf,
                      ": did not converge: marginal error %.3g > tol %.3g after %lld Sinkhorn and max_newton=%lld "
                      "Newton iterations (%lld line-search fallbacks); raise max_newton, n_sinkhorn or reg, raise "
                      "density or max_cg, or loosen tol",
                      rep.error, s.tol, static_cast<long long>(rep.sinkhorn_iterations),
                      static_cast<long long>(s.max_newton), static_cast<long long>(rep.fallbacks));
        fail(GEOMRT_ENOCONVERGE, c.method() + buf);
    }

    const int64_t n = pr.n, m = pr.m;
    double *P = c.out_f64("plan", {n, m});
    double *f = c.out_f64("f", {n});
    double *g = c.out_f64("g", {m});
    const auto &Q = E.plan();
    const auto &fs = E.f(), &gs = E.g();
    const double eta = 1.0 / eps;
    std::vector<double> row_cost(ns), row_ent(ns);
    for (int64_t i = 0; i < ns; ++i) {
        double *Pi = P + ri[i] * m;
        const double *Qi = &Q[static_cast<size_t>(i * ms)];
        const double *Ci = C + i * ms;
        double tc = 0, ent = 0;
        for (int64_t j = 0; j < ms; ++j) {
            const double q = Qi[j];
            Pi[cj[j]] = q;
            if (q > 0) tc += q * Ci[j];  // forbidden pairs (C = +inf) have q = 0
            if (q > 0) ent += q * ((fs[i] + gs[j] - Ci[j]) * eta);  // log P_ij, exactly as P was computed
        }
        row_cost[i] = tc;
        row_ent[i] = ent;
    }
    double tc = 0, plogp = 0;
    for (int64_t i = 0; i < ns; ++i) {
        tc += row_cost[i];
        plogp += row_ent[i];
    }
    const double inf = std::numeric_limits<double>::infinity();
    std::fill(f, f + n, -inf);
    std::fill(g, g + m, -inf);
    for (int64_t i = 0; i < ns; ++i) f[ri[i]] = fs[i];
    for (int64_t j = 0; j < ms; ++j) g[cj[j]] = gs[j];
    c.scalar("cost", tc);
    c.scalar("entropic_cost", tc + eps * plogp);
    c.scalar("marginal_error", rep.error);
    c.scalar_i64("iterations", rep.sinkhorn_iterations + rep.newton_iterations);
    c.scalar_i64("sinkhorn_iterations", rep.sinkhorn_iterations);
    c.scalar_i64("newton_iterations", rep.newton_iterations);
    c.scalar_i64("cg_iterations", rep.cg_iterations);
    c.scalar_i64("dense_passes", rep.dense_passes);
}

}  // namespace

void register_sinkhorn_newton_sparse(sdk::Plugin &plugin) {
    auto mb = plugin.method("ot.sinkhorn_newton_sparse", sns_body);
    const double inf = std::numeric_limits<double>::infinity();
    mb.summary("Entropic optimal transport by Sinkhorn-Newton-Sparse: Sinkhorn warm start, then sparse Newton steps.")
        .description(
            "Solves the same problem as ot.sinkhorn, min_P <P, C> + reg sum_ij P_ij log P_ij subject to P 1 = a, "
            "P^T 1 = b, with the plan P_ij = exp((f_i + g_j - C_ij)/reg) (the paper's x, y are f + reg/2, g + reg/2). "
            "Stage 1: n_sinkhorn Sinkhorn iterations (fewer if tol is met). Stage 2: Newton ascent on the concave "
            "Lyapunov potential L(f, g) = a.f + b.g - reg sum_ij P_ij, whose gradient is (a - P 1, b - P^T 1) and "
            "whose negative Hessian is (1/reg) [[diag(P 1), P], [P^T, diag(P^T 1)]]. Each Newton step sparsifies P: "
            "density > 0 keeps the ceil(density n m) largest entries (the paper's lambda, e.g. 2/n); density 0 "
            "(default) keeps the largest entries until those left out hold at most 1e-4 of the mass, at least "
            "2 max(n, m) and at most 20 max(n, m) of them; the largest entry of every row and column is always kept, "
            "and components of the kept graph are joined by their largest connecting entries. The diagonal keeps the "
            "exact marginals. The sparse Newton system is solved by Jacobi-preconditioned conjugate gradient "
            "(projected off the null direction (1, -1); relative residual max(cg_tol, min(0.1, marginal error / total mass)), "
            "at most max_cg iterations), then a backtracking Armijo line search on L, started inside a trust region "
            "on the change of log P, whose increments are computed without cancellation so that tol can go down to "
            "1e-12 and below; a failed step is replaced by a Sinkhorn iteration. Stops when the L1 error of both "
            "marginals, sum_i |(P1)_i - a_i| + sum_j |(P^T 1)_j - b_j|, is <= tol; fails with GEOMRT_ENOCONVERGE "
            "after max_newton Newton steps. Zero-mass points are removed (zero plan rows/columns, potential -inf). "
            "Entries +inf of M forbid a pair (a zero plan entry); an infeasible problem fails with GEOMRT_EINVAL "
            "saying so. The total masses of a and b must agree to a relative 1e-6 (b is rescaled to sum(a)). "
            "Works in the log domain. Memory: two dense n x m plan buffers (plus the cost matrix when it is "
            "computed from points or restricted to the support). Outputs as ot.sinkhorn plus the iteration counts "
            "and dense_passes, the number of O(nm) passes over the plan or cost: the initial column minima, each "
            "Sinkhorn half-step, each plan/gradient or line-search evaluation, each sparsification and each round "
            "joining components. Results do not depend on the number of threads.")
        .citation("[1] X. Tang, M. Shavlovsky, H. Rahmanian, E. Tardini, K. K. Thekumparampil, T. Xiao, L. Ying, "
                  "Accelerating Sinkhorn Algorithm with Sparse Newton Iterations, ICLR 2024.");
    declare_problem_inputs(mb);
    mb.param_f64("reg", "entropic regularization eps = 1/eta (> 0), in units of the cost", nullptr, 0.0, inf,
                 GEOMRT_PARAM_MIN_EXCLUSIVE)
        .param_f64("tol", "stop when the L1 error of both marginals is <= tol", "1e-9", 0.0, inf,
                   GEOMRT_PARAM_MIN_EXCLUSIVE)
        .param_i64("n_sinkhorn", "Sinkhorn iterations before the Newton stage (warm start)", "20", 0)
        .param_i64("max_newton", "maximum number of Newton iterations", "100", 0)
        .param_f64("density",
                   "fraction lambda of the n m plan entries kept in the sparse Hessian (ceil(lambda n m), plus the "
                   "largest entry of each row and column); 0: chosen by mass (see the description)",
                   "0", 0.0, 1.0)
        .param_f64("cg_tol",
                   "smallest relative residual a conjugate gradient solve is asked for (the tolerance used is "
                   "max(cg_tol, min(0.1, marginal error / mass)))",
                   "1e-6", 0.0, 1.0,
                   GEOMRT_PARAM_MIN_EXCLUSIVE)
        .param_i64("max_cg", "maximum conjugate gradient iterations per Newton step", "1000", 1)
        .output("plan", "transport plan (n x m)", GEOMRT_DTYPE_F64, 2, "n,m")
        .output("f", "source potential (n); plan = exp((f_i + g_j - C_ij)/reg)", GEOMRT_DTYPE_F64, 1, "n")
        .output("g", "target potential (m)", GEOMRT_DTYPE_F64, 1, "m")
        .scalar("cost", "transport cost <P, C>")
        .scalar("entropic_cost", "regularized objective <P, C> + reg sum P log P")
        .scalar("marginal_error", "final L1 error of both marginals")
        .scalar_i64("iterations", "sinkhorn_iterations + newton_iterations")
        .scalar_i64("sinkhorn_iterations", "Sinkhorn iterations (warm start and line-search fallbacks)")
        .scalar_i64("newton_iterations", "Newton iterations")
        .scalar_i64("cg_iterations", "conjugate gradient iterations, all Newton steps together")
        .scalar_i64("dense_passes", "O(n m) passes over the cost / plan");
}

}  // namespace ot
}  // namespace geomrt
