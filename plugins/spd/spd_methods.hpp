// Registration functions of the spd plugin's methods.
#ifndef GEOMRT_PLUGINS_SPD_METHODS_HPP
#define GEOMRT_PLUGINS_SPD_METHODS_HPP

#include <geomrt/plugin.hpp>

namespace geomrt {
namespace spd {

void register_geometry(sdk::Plugin &plugin);    // geometry.cpp: bw_distance, log_map, exp_map, geodesic, transport
void register_barycenter(sdk::Plugin &plugin);  // barycenter.cpp
void register_batchnorm(sdk::Plugin &plugin);   // batchnorm.cpp: batchnorm_forward, batchnorm_backward

}  // namespace spd
}  // namespace geomrt

#endif
