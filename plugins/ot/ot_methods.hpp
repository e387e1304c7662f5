// Registration functions of the ot plugin's methods (one source file each).
#ifndef GEOMRT_PLUGINS_OT_METHODS_HPP
#define GEOMRT_PLUGINS_OT_METHODS_HPP

#include <geomrt/plugin.hpp>

namespace geomrt {
namespace ot {

void register_emd(sdk::Plugin &plugin);
void register_sinkhorn(sdk::Plugin &plugin);
void register_wasserstein_1d(sdk::Plugin &plugin);

}  // namespace ot
}  // namespace geomrt

#endif
