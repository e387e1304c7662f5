// Feasibility of a transport problem with forbidden pairs (+inf entries of M), for the entropic
// solvers: the exact solvers find it out themselves, Sinkhorn would only fail to converge.
#ifndef GEOMRT_PLUGINS_OT_FORBIDDEN_HPP
#define GEOMRT_PLUGINS_OT_FORBIDDEN_HPP

#include <cmath>
#include <string>
#include <vector>

#include "common.hpp"
#include "network_simplex.hpp"

namespace geomrt {
namespace ot {

/// Fail with GEOMRT_EINVAL unless some plan with marginals a and b puts no mass on a +inf entry of
/// M: a network simplex on the cost 0 (allowed) / +inf (forbidden) decides it exactly (every
/// row and column with mass was checked to have an allowed pair already; this catches the rest,
/// e.g. two sources that can only reach one target holding less mass than they do).
inline void check_feasible_with_forbidden(const Call &c, const Problem &pr, const std::vector<double> &b,
                                          const std::string &which = "'b'") {
    if (!pr.forbidden) return;
    const double *M = pr.M;
    const int64_t m = pr.m;
    auto pattern = [M, m](int64_t i, int64_t j) {
        return std::isfinite(M[i * m + j]) ? 0.0 : std::numeric_limits<double>::infinity();
    };
    EmdSolution sol;
    auto stop = [&] { return c.cancelled(); };
    const EmdStatus st = network_simplex(pr.n, pr.m, pr.a.data(), b.data(), pattern, 100'000'000, c.threads(), sol, stop);
    if (st == EmdStatus::Cancelled) fail(GEOMRT_ECANCELLED, c.method() + ": cancelled by the caller");
    if (st == EmdStatus::Infeasible)
        fail(GEOMRT_EINVAL, c.method() + ": infeasible problem: no transport plan from 'a' to " + which +
                                " avoids the forbidden (+inf) entries of 'M' (some set of sources can only reach "
                                "targets that hold less mass than they do)");
}

}  // namespace ot
}  // namespace geomrt

#endif
