// Registration functions of the ot plugin's methods (one source file each).
#ifndef GEOMRT_PLUGINS_OT_METHODS_HPP
#define GEOMRT_PLUGINS_OT_METHODS_HPP

#include <geomrt/plugin.hpp>

namespace geomrt {
namespace ot {

void register_emd(sdk::Plugin &plugin);
void register_sinkhorn(sdk::Plugin &plugin);
void register_wasserstein_1d(sdk::Plugin &plugin);
void register_sinkhorn_newton_sparse(sdk::Plugin &plugin);   // sns.cpp
void register_sliced(sdk::Plugin &plugin);                   // sliced.cpp: SW, max-SW, v-DSW, Hadamard rotation
void register_gaussian(sdk::Plugin &plugin);                 // gaussian.cpp: gaussian_w2, gaussian_barycenter
void register_monge_gap(sdk::Plugin &plugin);                // monge_gap.cpp
void register_atomtype(sdk::Plugin &plugin);                 // atomtype.cpp: atomtype_w1, farthest_point_sampling

}  // namespace ot
}  // namespace geomrt

#endif
