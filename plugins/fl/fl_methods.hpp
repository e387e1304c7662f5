// Registration functions of the fl plugin's methods (one source file each).
#ifndef GEOMRT_FL_METHODS_HPP
#define GEOMRT_FL_METHODS_HPP

#include <geomrt/plugin.hpp>

namespace geomrt {
namespace fl {

void register_multi_metrics(sdk::Plugin &plugin);
void register_fedavg(sdk::Plugin &plugin);
void register_krum(sdk::Plugin &plugin);
void register_coordinate(sdk::Plugin &plugin);
void register_geometric_median(sdk::Plugin &plugin);
void register_foolsgold(sdk::Plugin &plugin);
void register_fltrust(sdk::Plugin &plugin);

}  // namespace fl
}  // namespace geomrt

#endif
