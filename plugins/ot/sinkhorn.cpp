// ot.sinkhorn: entropic optimal transport by Sinkhorn scaling with log-domain absorption
// and epsilon annealing.
//
// The solver itself is in sinkhorn_solver.hpp.
#include <cmath>
#include <functional>
#include <limits>
#include <memory>

#include "common.hpp"
#include "forbidden.hpp"
#include "ot_methods.hpp"
#include "sinkhorn_solver.hpp"
#include "symmetric_sinkhorn.hpp"

namespace geomrt {
namespace ot {

namespace {

// Below this fraction of the cost range Sinkhorn may stall on near-degenerate plans (measured: POT's
// test_sinkhorn_stabilization problem converges at 1e-4 x max C, stalls from about 1e-5 x max C).
constexpr double kStallBelow = 1e-4;

[[noreturn]] void fail_noconverge(const Call &c, int64_t max_iter, double err, double tol, double eps,
                                  const std::function<double()> &cost_range) {
    char buf[700];
    std::snprintf(buf, sizeof buf,
                  ": did not converge in max_iter=%lld iterations (marginal error %.3g > tol %.3g); "
                  "raise max_iter, raise reg, loosen tol, or use ot.sinkhorn_newton_sparse (Newton steps: for "
                  "near-degenerate problems where Sinkhorn crawls)",
                  static_cast<long long>(max_iter), err, tol);
    std::string msg = c.method() + buf;
    const double range = cost_range();
    if (range > 0 && eps < kStallBelow * range) {
        std::snprintf(buf, sizeof buf,
                      ". Here reg = %.3g is %.2g x the cost range (%.6g): below about 1e-4 x the range Sinkhorn can "
                      "stall on near-degenerate plans (the entropic plan is then an exact optimal plan up to "
                      "exp(-gap/reg)); use ot.emd for the exact plan and cost",
                      eps, eps / range, range);
        msg += buf;
    }
    fail(GEOMRT_ENOCONVERGE, msg);
}

/// Transport cost <P, C> and entropic cost <P, C> + eps sum P log P of a solved problem.
struct Totals {
    double cost = 0, entropic = 0;
};

/// The totals of the plan P_ij = u_i K_ij v_j on the support (ri, cj) of an n x m problem; writes the
/// plan (P) and the potentials (f, g: -inf off the support) where those pointers are not null.
template <class Solver, class Cost>
Totals plan_totals(const Solver &S, const Cost &cost, double eps, const std::vector<int64_t> &ri,
                   const std::vector<int64_t> &cj, int64_t n, int64_t m, double *P, double *f_out, double *g_out,
                   int threads_wanted) {
    const int64_t ns = static_cast<int64_t>(ri.size()), ms = static_cast<int64_t>(cj.size());
    std::vector<double> fl, gl;
    if (!f_out) {
        fl.resize(static_cast<size_t>(n));
        f_out = fl.data();
    }
    if (!g_out) {
        gl.resize(static_cast<size_t>(m));
        g_out = gl.data();
    }
    double *f = f_out, *g = g_out;
    const auto *K = S.K();
    const auto &u = S.u(), &v = S.v();
    const double inf = std::numeric_limits<double>::infinity();
    std::fill(f, f + n, -inf);
    std::fill(g, g + m, -inf);
    for (int64_t i = 0; i < ns; ++i) f[ri[i]] = S.f()[i] + eps * std::log(u[i]);
    for (int64_t j = 0; j < ms; ++j) g[cj[j]] = S.g()[j] + eps * std::log(v[j]);
    // log P_ij = (f_i + g_j - C_ij)/eps, so sum P log P = (f.(P1) + g.(P^T 1) - <P, C>)/eps: no logs per entry.
    // Fixed row blocks, summed in block order: the totals do not depend on the number of threads.
    // Zero entries (forbidden pairs, C_ij = +inf, among them) add nothing.
    const int nb = static_cast<int>(std::min<int64_t>(kBlocks, ns));
    const int threads = ns * ms >= kParallelMin ? threads_wanted : 1;
    std::vector<double> tcb(nb, 0.0), frb(nb, 0.0), colb(static_cast<size_t>(nb) * ms, 0.0);
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int blk = 0; blk < nb; ++blk) {
        double *colmass = &colb[static_cast<size_t>(blk) * ms];
        double tc = 0, fr = 0;
        for (int64_t i = ns * blk / nb; i < ns * (blk + 1) / nb; ++i) {
            double *Pi = P ? P + ri[i] * m : nullptr;
            const auto *Ki = &K[static_cast<size_t>(i * ms)];
            double rowmass = 0;
            for (int64_t j = 0; j < ms; ++j) {
                const double pij = u[i] * static_cast<double>(Ki[j]) * v[j];
                if (Pi) Pi[cj[j]] = pij;
                if (pij != 0) tc += pij * cost(i, j);
                rowmass += pij;
                colmass[j] += pij;
            }
            fr += f[ri[i]] * rowmass;
        }
        tcb[blk] = tc;
        frb[blk] = fr;
    }
    double tc = 0, fr = 0;
    for (int blk = 0; blk < nb; ++blk) {
        tc += tcb[blk];
        fr += frb[blk];
    }
    for (int64_t j = 0; j < ms; ++j) {
        double colmass = 0;
        for (int blk = 0; blk < nb; ++blk) colmass += colb[static_cast<size_t>(blk) * ms + j];
        fr += g[cj[j]] * colmass;
    }
    const double plogp = (fr - tc) / eps;
    return {tc, tc + eps * plogp};
}

template <class Solver, class Cost>
void write_outputs(const Call &c, const Problem &pr, const std::vector<int64_t> &ri, const std::vector<int64_t> &cj,
                   const Solver &S, const Cost &cost, double eps, const SinkhornOutcome &o) {
    const int64_t n = pr.n, m = pr.m;
    double *P = c.out_f64("plan", {n, m});
    double *f = c.out_f64("f", {n});
    double *g = c.out_f64("g", {m});
    const Totals t = plan_totals(S, cost, eps, ri, cj, n, m, P, f, g, c.threads());
    c.scalar("cost", t.cost);
    c.scalar("entropic_cost", t.entropic);
    c.scalar_i64("iterations", o.iterations);
    c.scalar("marginal_error", o.error);
}

/// Solve on the support (ri, cj) with the kernel precision asked for, then write the outputs.
template <class Cost>
void finish(const Call &c, const Problem &pr, const std::vector<int64_t> &ri, const std::vector<int64_t> &cj,
            const Cost &cost, double eps, double tol, int64_t max_iter, bool anneal,
            const std::function<double()> &cost_range, bool symmetric) {
    const bool relax = c.flag("overrelaxation");
    const int64_t ns = static_cast<int64_t>(ri.size()), ms = static_cast<int64_t>(cj.size());
    std::vector<double> as(ns), bs(ms);
    for (int64_t i = 0; i < ns; ++i) as[i] = pr.a[ri[i]];
    for (int64_t j = 0; j < ms; ++j) bs[j] = pr.b[cj[j]];
    const std::string precision = c.str("precision");
    auto progress = [&](int64_t it, double err) { c.progress(-1.0, it, err); };
    if (symmetric) {
        // a = b and C = C^T: one potential, averaged updates (symmetric_sinkhorn.hpp).
        auto solve = [&](auto &S) {
            const SinkhornOutcome o = run_symmetric_sinkhorn(S, eps, tol, max_iter, progress);
            if (!o.converged) fail_noconverge(c, max_iter, o.error, tol, eps, cost_range);
            write_outputs(c, pr, ri, cj, S, cost, eps, o);
        };
        if (precision == "float32") {
            SymmetricSinkhornSolver<Cost, float> S(ns, as.data(), cost, c.threads());
            solve(S);
        } else {
            SymmetricSinkhornSolver<Cost, double> S(ns, as.data(), cost, c.threads());
            solve(S);
        }
        return;
    }
    std::vector<double> f0, g0;
    int64_t used = 0;
    if (precision != "float64") {
        // Float kernel: half the memory traffic per iteration. "mixed" then finishes in double.
        SinkhornSolver<Cost, float> S32(ns, ms, as.data(), bs.data(), cost, c.threads());
        const double tol32 = precision == "float32" ? tol : std::max(tol, 1e-7);
        SinkhornOutcome o32 = run_sinkhorn(S32, eps, cost_range, tol32, max_iter, anneal, relax, progress);
        if (!o32.converged) fail_noconverge(c, max_iter, o32.error, tol32, eps, cost_range);
        if (precision == "float32") {
            write_outputs(c, pr, ri, cj, S32, cost, eps, o32);
            return;
        }
        f0 = S32.absorbed_f();
        g0 = S32.absorbed_g();
        used = o32.iterations;
    }
    SinkhornSolver<Cost, double> S(ns, ms, as.data(), bs.data(), cost, c.threads());
    if (!f0.empty()) {
        S.seed(f0, g0, eps);
        anneal = false;
    }
    SinkhornOutcome o = run_sinkhorn(S, eps, cost_range, tol, std::max<int64_t>(max_iter - used, 1), anneal, relax,
                                     progress);
    o.iterations += used;
    if (!o.converged) fail_noconverge(c, max_iter, o.error, tol, eps, cost_range);
    write_outputs(c, pr, ri, cj, S, cost, eps, o);
}

/// Batched mode: the k target histograms pr.bs share a and the cost. Problems whose targets have the
/// same support run on one solver (one kernel buffer), each warm-started from the potentials of the
/// one before; outputs are the k costs and entropic costs.
void solve_batched(const Call &c, const Problem &pr, const std::vector<int64_t> &ri, double eps, double tol,
                   int64_t max_iter, bool anneal, const std::function<double()> &cost_range) {
    if (c.str("precision") != "float64")
        fail(GEOMRT_EINVAL, c.method() + ": batched mode (b of shape m x k) runs with precision=float64 only, got "
                                         "precision=" + c.str("precision"));
    const bool relax = c.flag("overrelaxation");
    const int64_t k = static_cast<int64_t>(pr.bs.size()), ns = static_cast<int64_t>(ri.size());
    std::vector<double> as(ns);
    for (int64_t i = 0; i < ns; ++i) as[i] = pr.a[ri[i]];
    std::vector<double> costs(k), entropic(k);
    int64_t iterations = 0;
    double worst = 0;
    std::vector<int64_t> cj;
    std::vector<double> bt;
    auto cost = [&](int64_t i, int64_t j) { return pr.cost(ri[i], cj[j]); };
    using Solver = SinkhornSolver<decltype(cost), double>;
    std::unique_ptr<Solver> S;
    auto progress = [&](int64_t it, double err) { c.progress(-1.0, iterations + it, err); };
    for (int64_t t = 0; t < k; ++t) {
        std::vector<int64_t> support;
        for (int64_t j = 0; j < pr.m; ++j)
            if (pr.bs[t][j] > 0) support.push_back(j);
        std::vector<double> bnext(support.size());
        for (size_t j = 0; j < support.size(); ++j) bnext[j] = pr.bs[t][support[j]];
        if (!S || support != cj) {
            S.reset();
            cj = support;
            bt = bnext;
            S.reset(new Solver(ns, static_cast<int64_t>(cj.size()), as.data(), bt.data(), cost, c.threads()));
        } else {
            bt = bnext;
            S->retarget(bt.data());
        }
        const SinkhornOutcome o = run_sinkhorn(*S, eps, cost_range, tol, max_iter, anneal, relax, progress);
        if (!o.converged) fail_noconverge(c, max_iter, o.error, tol, eps, cost_range);
        const Totals tt = plan_totals(*S, cost, eps, ri, cj, pr.n, pr.m, nullptr, nullptr, nullptr, c.threads());
        costs[t] = tt.cost;
        entropic[t] = tt.entropic;
        iterations += o.iterations;
        worst = std::max(worst, o.error);
    }
    std::copy(costs.begin(), costs.end(), c.out_f64("cost", {k}));
    std::copy(entropic.begin(), entropic.end(), c.out_f64("entropic_cost", {k}));
    c.scalar_i64("iterations", iterations);
    c.scalar("marginal_error", worst);
}

/// Whether the problem is its own transpose: a = b and C = C^T (bit for bit), so that the plan is
/// symmetric and f = g. Point clouds: xs and xt hold the same points (every metric is symmetric).
bool is_symmetric(const Problem &pr) {
    if (pr.n != pr.m || pr.a != pr.b) return false;
    const int64_t n = pr.n;
    if (pr.M) {
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = i + 1; j < n; ++j)
                if (!(pr.M[i * n + j] == pr.M[j * n + i])) return false;
        return true;
    }
    const PointCost &p = pr.points;
    return p.X == p.Y || std::equal(p.X, p.X + n * p.d, p.Y);
}

void sinkhorn_body(Call &c) {
    Problem pr = problem_from_inputs(c, true);
    for (size_t t = 0; t < pr.bs.size(); ++t)
        check_feasible_with_forbidden(c, pr, pr.bs[t], pr.batched ? "column " + std::to_string(t) + " of 'b'" : "'b'");
    const double eps = c.f64("reg");
    const double tol = c.f64("tol");
    const int64_t max_iter = c.i64("max_iter");
    const bool anneal = c.flag("anneal");
    std::vector<int64_t> ri, cj;
    for (int64_t i = 0; i < pr.n; ++i)
        if (pr.a[i] > 0) ri.push_back(i);
    for (int64_t j = 0; j < pr.m; ++j)
        if (pr.b[j] > 0) cj.push_back(j);
    // The range of the finite costs only matters for annealing and messages: computed on first use.
    double range_value = -1;
    auto range = [&]() {
        if (range_value >= 0) return range_value;
        const double inf = std::numeric_limits<double>::infinity();
        double cmin = inf, cmax = -inf;
        if (pr.M) {
            const int64_t total = pr.n * pr.m;
            const int threads = total >= kParallelMin ? c.threads() : 1;
#pragma omp parallel for num_threads(threads) schedule(static) reduction(min : cmin) reduction(max : cmax)
            for (int64_t k = 0; k < total; ++k) {
                if (pr.M[k] == inf) continue;  // a forbidden pair
                cmin = std::min(cmin, pr.M[k]);
                cmax = std::max(cmax, pr.M[k]);
            }
        } else {
            const int64_t ns = static_cast<int64_t>(ri.size()), ms = static_cast<int64_t>(cj.size());
            const int threads = ns * ms >= kParallelMin ? c.threads() : 1;
#pragma omp parallel for num_threads(threads) schedule(static) reduction(min : cmin) reduction(max : cmax)
            for (int64_t i = 0; i < ns; ++i)
                for (int64_t j = 0; j < ms; ++j) {
                    const double v = pr.points(ri[i], cj[j]);
                    cmin = std::min(cmin, v);
                    cmax = std::max(cmax, v);
                }
        }
        range_value = cmax >= cmin ? cmax - cmin : 0.0;
        return range_value;
    };
    if (pr.batched) {
        solve_batched(c, pr, ri, eps, tol, max_iter, anneal, range);
        return;
    }
    const bool symmetric = c.flag("symmetric") && is_symmetric(pr);
    const bool full = static_cast<int64_t>(ri.size()) == pr.n && static_cast<int64_t>(cj.size()) == pr.m;
    if (full && pr.M) {
        DenseCost cost{pr.M, pr.m};
        finish(c, pr, ri, cj, cost, eps, tol, max_iter, anneal, range, symmetric);
    } else {
        auto cost = [&](int64_t i, int64_t j) { return pr.cost(ri[i], cj[j]); };
        finish(c, pr, ri, cj, cost, eps, tol, max_iter, anneal, range, symmetric);
    }
}

}  // namespace

void register_sinkhorn(sdk::Plugin &plugin) {
    auto mb = plugin.method("ot.sinkhorn", sinkhorn_body);
    mb.summary("Entropic optimal transport (Sinkhorn) in the log domain, stable for small reg.")
        .description(
            "Solves min_P <P, C> + reg * sum_ij P_ij log P_ij subject to P 1 = a, P^T 1 = b, P >= 0, where C is the "
            "cost matrix M or metric(xs_i, xt_j). The plan is P_ij = exp((f_i + g_j - C_ij)/reg). Sinkhorn scaling "
            "runs on a kernel rebuilt by exact log-sum-exp passes whenever the scalings grow, so no value overflows "
            "or underflows whatever reg is (convergence is another matter: see the limit below). Adaptive over-relaxation (on by default) cuts the number of "
            "iterations, by 10x-25x at reg = 1e-3..1e-4 x max C; epsilon scaling (anneal) halves reg from the cost "
            "range down to its target when reg is small or plain iterations stall. Symmetric problems (a = b, C = "
            "C^T) get one potential and averaged updates (param symmetric). Stops when the L1 marginal error sum_j "
            "|(P^T 1)_j - b_j| (rows are exact; symmetric problems: rows and columns alike) is <= tol; fails with "
            "GEOMRT_ENOCONVERGE after max_iter iterations. Limit: on near-degenerate problems (ties in the optimal "
            "plan, e.g. POT's test_sinkhorn_stabilization: shifted 1-D Gaussians, squared distances) Sinkhorn "
            "converges for reg down to about 1e-4 x the cost range and can stall below (that problem stalls from "
            "about 1e-5 x max C); the error then says so, and ot.emd gives the exact plan that such a small reg "
            "approximates. Zero-mass points get zero plan rows/columns and potential "
            "-inf. Entries +inf of M forbid a pair (a zero kernel entry, so a zero plan entry); a problem whose "
            "masses cannot be moved on the allowed pairs fails with GEOMRT_EINVAL saying it is infeasible (checked "
            "exactly, by a network simplex on the allowed pairs). The total masses of a and b must agree to a "
            "relative 1e-6; b is rescaled to sum(a). Outputs: plan (n x m dense), potentials f (n) and g (m), "
            "cost = <P, C>, entropic_cost = <P, C> + "
            "reg sum P log P (the objective), iterations, marginal_error. Batched mode (as POT's sinkhorn2 with a "
            "2-D b): b given as an m x k matrix holds k target histograms sharing a and the cost; the k problems "
            "are solved one after another on one solver (one kernel buffer; each problem starts from the "
            "potentials of the one before, when their targets have the same support), float64 precision, no "
            "symmetric path; outputs are then cost and entropic_cost as vectors of k (entry t for column t of b), "
            "iterations (all problems together) and marginal_error (the largest), and plan, f and g are "
            "omitted. Results do not depend on the number of "
            "threads or on whether the CPU has AVX2 (both kernels do the same arithmetic).")
        .citation("[1] M. Cuturi, Sinkhorn Distances: Lightspeed Computation of Optimal Transport, NeurIPS 2013. "
                  "[2] B. Schmitzer, Stabilized Sparse Scaling Algorithms for Entropy Regularized Transport "
                  "Problems, SIAM J. Sci. Comput. 2019 (log-domain absorption, epsilon scaling). "
                  "[3] A. Thibault, L. Chizat, C. Dossal, N. Papadakis, Overrelaxed Sinkhorn-Knopp Algorithm for "
                  "Regularized Optimal Transport, Algorithms 14(5) 143, 2021; T. Lehmann, M.-K. von Renesse, "
                  "A. Sambale, A. Uschmajew, A note on overrelaxation in the Sinkhorn algorithm, Optim. Lett. 16, "
                  "2022 (over-relaxation and its optimal factor). [4] J. Feydy, T. Sejourne, F.-X. Vialard, S. Amari, "
                  "A. Trouve, G. Peyre, Interpolating between Optimal Transport and MMD using Sinkhorn Divergences, "
                  "AISTATS 2019 (symmetric updates).");
    declare_problem_inputs(mb, true);
    mb.param_f64("reg", "entropic regularization eps (> 0), in units of the cost", nullptr, 0.0,
                 std::numeric_limits<double>::infinity(), GEOMRT_PARAM_MIN_EXCLUSIVE)
        .param_f64("tol", "stop when the L1 marginal error is <= tol", "1e-9", 0.0,
                   std::numeric_limits<double>::infinity(), GEOMRT_PARAM_MIN_EXCLUSIVE)
        .param_i64("max_iter", "maximum number of Sinkhorn iterations (all annealing stages together)", "100000", 1)
        .param_bool("anneal",
                    "epsilon scaling when it pays: reg is halved from the cost range down to its target (each stage "
                    "to a marginal error of 1e-3 or 50 iterations) from the start if reg < (max C - min C)/256, or "
                    "once plain iterations stall (after 64 iterations, more than 256 further ones projected from "
                    "the error rate; typical of costs with ties); false: never",
                    "true")
        .param_bool("overrelaxation",
                    "adaptive over-relaxation: once the error ratio of plain iterations settles at rho, update the "
                    "scalings with u <- u (a / (u K v))^w (likewise v), w = 2 / (1 + sqrt(1 - rho)), which cuts the "
                    "number of iterations (most for small reg); plain iterations finish, so the rows stay exact",
                    "true")
        .param_bool("symmetric",
                    "when a = b and the cost is symmetric (C = C^T, or xs and xt hold the same points; checked bit "
                    "for bit), solve with one potential f = g and averaged updates h <- (h + T(h))/2 [4]: tens of "
                    "iterations where alternating Sinkhorn crawls (a cloud against itself at small reg, the "
                    "self-terms of Sinkhorn divergences); anneal and overrelaxation do not apply, and row and "
                    "column sums are then both within tol (mixed precision runs as float64)",
                    "true")
        .param_enum("precision",
                    "kernel storage: float64; mixed (float32 kernel until the marginal error is below 1e-7, then "
                    "float64 to tol: same result, less memory traffic); float32 (throughout: fastest, the plan is "
                    "exact for the kernel rounded to float32, about 1e-7 relative per entry)",
                    "float64", "float64|mixed|float32")
        .output("plan", "transport plan (n x m); omitted in batched mode", GEOMRT_DTYPE_F64, 2, "n,m",
                GEOMRT_IO_OPTIONAL)
        .output("f", "source potential (n); omitted in batched mode", GEOMRT_DTYPE_F64, 1, "n", GEOMRT_IO_OPTIONAL)
        .output("g", "target potential (m); omitted in batched mode", GEOMRT_DTYPE_F64, 1, "m", GEOMRT_IO_OPTIONAL)
        .output("cost", "transport cost <P, C> (a scalar); in batched mode a vector of the k costs", GEOMRT_DTYPE_F64,
                -1, "")
        .output("entropic_cost",
                "regularized objective <P, C> + reg sum P log P (a scalar); in batched mode a vector of k",
                GEOMRT_DTYPE_F64, -1, "")
        .scalar_i64("iterations", "Sinkhorn iterations performed (batched mode: all problems together)")
        .scalar("marginal_error", "final L1 marginal error (batched mode: the largest of the k)");
}

}  // namespace ot
}  // namespace geomrt
