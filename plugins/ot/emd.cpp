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
EmdStatus simplex(const Call &c, const Problem &pr, const Cost &cost, int64_t max_iter, EmdSolution &sol) {
    auto stop = [&] { return c.cancelled(); };
    return network_simplex(pr.n, pr.m, pr.a.data(), pr.b.data(), cost, max_iter, c.threads(), sol, stop);
}

void emd_body(Call &c) {
    Problem pr = problem_from_inputs(c);
    const int64_t max_iter = c.i64("max_iter");
    const bool uniform_square = pr.n == pr.m && all_equal(pr.a) && all_equal(pr.b) && c.flag("assignment_fast_path");
    const bool dense = pr.M != nullptr || pr.n * pr.m <= kDenseLimit;
    EmdSolution sol;
    EmdStatus st = EmdStatus::Optimal;
    if (uniform_square && dense) {
        std::vector<double> C;
        if (pr.M) C.assign(pr.M, pr.M + pr.n * pr.m);
        else C = pr.dense_cost(c.threads());
        if (!solve_by_assignment(c, pr, C, sol)) st = EmdStatus::Cancelled;
    } else if (pr.M) {
        st = simplex(c, pr, DenseCost{pr.M, pr.m}, max_iter, sol);
    } else if (dense) {
        std::vector<double> C = pr.dense_cost(c.threads());
        st = simplex(c, pr, DenseCost{C.data(), pr.m}, max_iter, sol);
    } else {
        st = simplex(c, pr, pr.points, max_iter, sol);
    }
    switch (st) {
    case EmdStatus::Optimal: break;
    case EmdStatus::Cancelled: fail(GEOMRT_ECANCELLED, c.method() + ": cancelled by the caller");
    case EmdStatus::MaxIterReached:
        fail(GEOMRT_ENOCONVERGE, c.method() + ": network simplex stopped after max_iter=" + std::to_string(max_iter) +
                                     " pivots before reaching the optimum; raise max_iter");
    case EmdStatus::Infeasible:
        fail(GEOMRT_EINTERNAL, c.method() + ": the network simplex found the problem infeasible (masses: sum a = sum b "
                                            "was checked, so this is a bug; please report it)");
    }
    centre_duals(pr, sol.alpha, sol.beta);
    write_sparse_plan(c, "plan", pr.n, pr.m, sol.rows, sol.cols, sol.flows);
    std::copy(sol.alpha.begin(), sol.alpha.end(), c.out_f64("alpha", {pr.n}));
    std::copy(sol.beta.begin(), sol.beta.end(), c.out_f64("beta", {pr.m}));
    c.scalar("cost", sol.cost);
    c.scalar_i64("iterations", sol.iterations);
}

}  // namespace

void register_emd(sdk::Plugin &plugin) {
    auto mb = plugin.method("ot.emd", emd_body);
    mb.summary("Exact optimal transport (earth mover's distance) by the network simplex.")
        .description(
            "Solves min_P <P, C> subject to P 1 = a, P^T 1 = b, P >= 0 exactly, where C is the cost matrix M or "
            "metric(xs_i, xt_j) for point clouds (computed on the fly, never stored, when n*m > 2.5e7). The total "
            "masses of a and b must agree to a relative 1e-9 (b is then rescaled to sum(a)). The network simplex "
            "uses block-search pivoting; with assignment_fast_path=true, equal sizes with uniform weights are "
            "solved as assignment problems by a shortest augmenting path method instead. Outputs: plan (sparse CSR, at "
            "most n+m-1 nonzeros), cost = <P, C>, dual potentials alpha (n) and beta (m) with alpha_i + beta_j <= "
            "C_ij and equality on the plan's support, so cost = alpha.a + beta.b; they are centred (alpha += c, "
            "beta -= c with c = (beta.b - alpha.a)/(sum a + sum b)).")
        .citation("[1] N. Bonneel, M. van de Panne, S. Paris, W. Heidrich, Displacement Interpolation Using "
                  "Lagrangian Mass Transport, ACM TOG (SIGGRAPH Asia) 2011 (network simplex for OT). "
                  "[2] R. Jonker, A. Volgenant, A Shortest Augmenting Path Algorithm for Dense and Sparse Linear "
                  "Assignment Problems, Computing 38, 1987.");
    declare_problem_inputs(mb);
    mb.param_i64("max_iter", "maximum number of simplex pivots", "100000000", 1)
        .param_bool("assignment_fast_path",
                    "solve equal-size uniform problems as assignment problems (Jonker-Volgenant; the plan is then a "
                    "permutation / n); off by default because the network simplex measured faster from n = 1000",
                    "false")
        .sparse_output("plan", "optimal transport plan (sparse CSR, n x m)", "n,m")
        .output("alpha", "dual potential of the sources (n)", GEOMRT_DTYPE_F64, 1, "n")
        .output("beta", "dual potential of the targets (m)", GEOMRT_DTYPE_F64, 1, "m")
        .scalar("cost", "optimal transport cost <P, C>")
        .scalar_i64("iterations", "simplex pivots (or augmentations on the assignment path)");
}

}  // namespace ot
}  // namespace geomrt
