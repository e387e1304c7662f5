// ot.emd: exact optimal transport. Uniform square problems are assignment problems and go
// to a shortest-augmenting-path solver; every other problem to the network simplex.
#include <cmath>
#include <limits>

#include "assignment.hpp"
#include "common.hpp"
#include "network_simplex.hpp"
#include "ot_methods.hpp"

namespace geomrt {
namespace ot {

namespace {

// Dense costs up to this many entries are materialized for faster lookups (8 bytes each).
constexpr int64_t kDenseLimit = 25'000'000;

bool all_equal(const std::vector<double> &w) {
    for (double v : w)
        if (v != w[0]) return false;
    return true;
}

/// Centre the potentials: c = (beta.b - alpha.a)/(sum a + sum b); alpha += c; beta -= c.
void centre_duals(const Problem &pr, std::vector<double> &alpha, std::vector<double> &beta) {
    double sa = 0, sb = 0, ba = 0, bb = 0;
    for (int64_t i = 0; i < pr.n; ++i) {
        sa += pr.a[i];
        ba += alpha[i] * pr.a[i];
    }
    for (int64_t j = 0; j < pr.m; ++j) {
        sb += pr.b[j];
        bb += beta[j] * pr.b[j];
    }
    const double c = (bb - ba) / (sa + sb);
    for (double &x : alpha) x += c;
    for (double &x : beta) x -= c;
}

bool solve_by_assignment(const Call &c, const Problem &pr, const std::vector<double> &C, EmdSolution &sol) {
    std::vector<int64_t> perm;
    auto stop = [&] { return c.cancelled(); };
    if (!solve_assignment(pr.n, C.data(), perm, sol.alpha, sol.beta, stop)) return false;
    sol.rows.clear();
    sol.cols.clear();
    sol.flows.clear();
    sol.cost = 0;
    for (int64_t i = 0; i < pr.n; ++i) {
        sol.rows.push_back(i);
        sol.cols.push_back(perm[i]);
        sol.flows.push_back(pr.a[i]);
        sol.cost += pr.a[i] * C[i * pr.n + perm[i]];
    }
    sol.iterations = pr.n;
    return true;
}

template <class Cost>
EmdStatus simplex(const Call &c, const Problem &pr, const std::vector<double> &b, const Cost &cost, int64_t max_iter,
                  EmdSolution &sol) {
    auto stop = [&] { return c.cancelled(); };
    return network_simplex(pr.n, pr.m, pr.a.data(), b.data(), cost, max_iter, c.threads(), sol, stop);
}

void check_status(const Call &c, const Problem &pr, EmdStatus st, int64_t max_iter, const std::string &which) {
    switch (st) {
    case EmdStatus::Optimal: return;
    case EmdStatus::Cancelled: fail(GEOMRT_ECANCELLED, c.method() + ": cancelled by the caller");
    case EmdStatus::MaxIterReached:
        fail(GEOMRT_ENOCONVERGE, c.method() + ": network simplex stopped after max_iter=" + std::to_string(max_iter) +
                                     " pivots before reaching the optimum; raise max_iter");
    case EmdStatus::Infeasible:
        if (pr.forbidden)
            fail(GEOMRT_EINVAL, c.method() + ": infeasible problem: no transport plan from 'a' to " + which +
                                    " avoids the forbidden (+inf) entries of 'M' (some set of sources can only "
                                    "reach targets that hold less mass than they do)");
        fail(GEOMRT_EINTERNAL, c.method() + ": the network simplex found the problem infeasible (masses: sum a = sum b "
                                            "was checked, so this is a bug; please report it)");
    }
}

void emd_body(Call &c) {
    Problem pr = problem_from_inputs(c, true);
    const int64_t max_iter = c.i64("max_iter");
    const bool dense_plan = c.flag("dense_plan");
    if (pr.batched && dense_plan)
        fail(GEOMRT_EINVAL, c.method() + ": dense_plan=true needs a single target histogram 'b' (a vector); batched "
                                         "mode (b of shape m x k) returns the k costs only");
    const bool dense = pr.M != nullptr || pr.n * pr.m <= kDenseLimit;
    std::vector<double> C;  // the cost matrix when computed from points (and small enough)
    if (!pr.M && dense) C = pr.dense_cost(c.threads());
    const int64_t k = static_cast<int64_t>(pr.bs.size());
    std::vector<double> costs(static_cast<size_t>(k));
    int64_t pivots = 0;
    EmdSolution sol;
    for (int64_t t = 0; t < k; ++t) {
        const std::vector<double> &b = pr.bs[t];
        const bool uniform_square = pr.n == pr.m && all_equal(pr.a) && all_equal(b) && !pr.forbidden &&
                                    c.flag("assignment_fast_path");
        EmdStatus st = EmdStatus::Optimal;
        if (uniform_square && dense) {
            if (!solve_by_assignment(c, pr, pr.M ? std::vector<double>(pr.M, pr.M + pr.n * pr.m) : C, sol))
                st = EmdStatus::Cancelled;
        } else if (pr.M) {
            st = simplex(c, pr, b, DenseCost{pr.M, pr.m}, max_iter, sol);
        } else if (dense) {
            st = simplex(c, pr, b, DenseCost{C.data(), pr.m}, max_iter, sol);
        } else {
            st = simplex(c, pr, b, pr.points, max_iter, sol);
        }
        check_status(c, pr, st, max_iter, pr.batched ? "column " + std::to_string(t) + " of 'b'" : "'b'");
        costs[t] = sol.cost;
        pivots += sol.iterations;
    }
    c.scalar_i64("iterations", pivots);
    if (pr.batched) {
        std::copy(costs.begin(), costs.end(), c.out_f64("cost", {k}));
        return;
    }
    centre_duals(pr, sol.alpha, sol.beta);
    write_sparse_plan(c, "plan", pr.n, pr.m, sol.rows, sol.cols, sol.flows);
    if (dense_plan) {
        double *P = c.out_f64("plan_dense", {pr.n, pr.m});
        for (size_t q = 0; q < sol.flows.size(); ++q) P[sol.rows[q] * pr.m + sol.cols[q]] = sol.flows[q];
    }
    std::copy(sol.alpha.begin(), sol.alpha.end(), c.out_f64("alpha", {pr.n}));
    std::copy(sol.beta.begin(), sol.beta.end(), c.out_f64("beta", {pr.m}));
    c.scalar("cost", sol.cost);
}

}  // namespace

void register_emd(sdk::Plugin &plugin) {
    auto mb = plugin.method("ot.emd", emd_body);
    mb.summary("Exact optimal transport (earth mover's distance) by the network simplex.")
        .description(
            "Solves min_P <P, C> subject to P 1 = a, P^T 1 = b, P >= 0 exactly, where C is the cost matrix M or "
            "metric(xs_i, xt_j) for point clouds (computed on the fly, never stored, when n*m > 2.5e7). The total "
            "masses of a and b must agree to a relative 1e-6 (b is then rescaled to sum(a), so masses normalized in "
            "float32 are accepted). Entries +inf of M forbid a pair: that arc is absent from the network, and a "
            "problem whose masses cannot be moved on the allowed pairs fails with GEOMRT_EINVAL and a message "
            "saying it is infeasible (NaN and -inf in M are errors). The network simplex "
            "uses block-search pivoting; with assignment_fast_path=true, equal sizes with uniform weights are "
            "solved as assignment problems by a shortest augmenting path method instead (not with +inf entries). "
            "Outputs: plan (sparse CSR, at most n+m-1 nonzeros), plan_dense (the same plan as a dense n x m "
            "matrix, only with dense_plan=true), cost = <P, C>, dual potentials alpha (n) and beta (m) with "
            "alpha_i + beta_j <= C_ij and equality on the plan's support, so cost = alpha.a + beta.b; they are "
            "centred (alpha += c, beta -= c with c = (beta.b - alpha.a)/(sum a + sum b)). Batched mode (as POT's "
            "emd2 with a 2-D b): b given as an m x k matrix holds k target histograms sharing a and the cost; the "
            "k problems are solved one after another and the outputs are cost, a vector of the k optimal costs "
            "(cost[t] for column t of b, each column rescaled to sum(a)), and iterations, the pivots of all k "
            "solves together; plan, plan_dense, alpha and beta are then omitted.")
        .citation("[1] N. Bonneel, M. van de Panne, S. Paris, W. Heidrich, Displacement Interpolation Using "
                  "Lagrangian Mass Transport, ACM TOG (SIGGRAPH Asia) 2011 (network simplex for OT). "
                  "[2] R. Jonker, A. Volgenant, A Shortest Augmenting Path Algorithm for Dense and Sparse Linear "
                  "Assignment Problems, Computing 38, 1987.");
    declare_problem_inputs(mb, true);
    mb.param_i64("max_iter", "maximum number of simplex pivots", "100000000", 1)
        .param_bool("assignment_fast_path",
                    "solve equal-size uniform problems as assignment problems (Jonker-Volgenant; the plan is then a "
                    "permutation / n); off by default because the network simplex measured faster from n = 1000",
                    "false")
        .param_bool("dense_plan",
                    "also return the plan as a dense n x m matrix (output plan_dense, as POT's ot.emd returns it); "
                    "the sparse output plan is returned either way",
                    "false")
        .sparse_output("plan", "optimal transport plan (sparse CSR, n x m); omitted in batched mode", "n,m",
                       GEOMRT_IO_OPTIONAL)
        .output("plan_dense", "the optimal plan as a dense n x m matrix; only with dense_plan=true",
                GEOMRT_DTYPE_F64, 2, "n,m", GEOMRT_IO_OPTIONAL)
        .output("alpha", "dual potential of the sources (n); omitted in batched mode", GEOMRT_DTYPE_F64, 1, "n",
                GEOMRT_IO_OPTIONAL)
        .output("beta", "dual potential of the targets (m); omitted in batched mode", GEOMRT_DTYPE_F64, 1, "m",
                GEOMRT_IO_OPTIONAL)
        .output("cost",
                "optimal transport cost <P, C> (a scalar); in batched mode (b of shape m x k) a vector of the k "
                "costs",
                GEOMRT_DTYPE_F64, -1, "")
        .scalar_i64("iterations", "simplex pivots (or augmentations on the assignment path), all problems together");
}

}  // namespace ot
}  // namespace geomrt
