// The graph kernel families, their parameter mapping from alpha in (0, 1), and the matrices
// they are functions of; shared by graph.kernel and graph.kernel_apply.
#ifndef GEOMRT_PLUGINS_GRAPH_KERNEL_FAMILY_HPP
#define GEOMRT_PLUGINS_GRAPH_KERNEL_FAMILY_HPP

#include <cmath>
#include <string>
#include <vector>

#include "graph_common.hpp"

namespace geomrt {
namespace graph {

enum class Family { pwalk, forest, heat, nheat, comm, ct, sct, spct, rsp, fe };

constexpr const char *kFamilyChoices = "pwalk|forest|heat|nheat|comm|ct|sct|spct|rsp|fe";

inline Family family_of(const std::string &s) {
    static const char *names[] = {"pwalk", "forest", "heat", "nheat", "comm", "ct", "sct", "spct", "rsp", "fe"};
    for (int i = 0; i < 10; ++i)
        if (s == names[i]) return static_cast<Family>(i);
    fail(GEOMRT_EINVAL, "graph: unknown kernel '" + s + "'");
}

inline const char *family_name(Family f) {
    static const char *names[] = {"pwalk", "forest", "heat", "nheat", "comm", "ct", "sct", "spct", "rsp", "fe"};
    return names[static_cast<int>(f)];
}

/// The raw parameter for alpha in (0, 1), mapped as pygkernels maps it (without its 1e-10
/// guards): pwalk t = alpha / rho; forest, heat, nheat, comm, sct t = alpha / (2 (1 - alpha));
/// rsp, fe beta = (1 - alpha) / alpha; spct lambda = alpha; ct has no parameter.
inline double map_alpha(Family f, double alpha, double rho) {
    switch (f) {
    case Family::pwalk: return alpha / rho;
    case Family::forest:
    case Family::heat:
    case Family::nheat:
    case Family::comm:
    case Family::sct: return 0.5 * alpha / (1.0 - alpha);
    case Family::rsp:
    case Family::fe: return (1.0 - alpha) / alpha;
    case Family::spct: return alpha;
    case Family::ct: return 0.0;
    }
    return 0.0;
}

/// Degrees and D^-1/2 (0 for isolated nodes, as networkx's normalized Laplacian).
inline std::vector<double> inv_sqrt_degrees(const std::vector<double> &deg) {
    std::vector<double> r(deg.size());
    for (size_t i = 0; i < deg.size(); ++i) r[i] = deg[i] > 0 ? 1.0 / std::sqrt(deg[i]) : 0.0;
    return r;
}

}  // namespace graph
}  // namespace geomrt

#endif
