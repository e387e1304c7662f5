// Registration functions of the conv plugin's methods (one source file each).
#ifndef GEOMRT_PLUGINS_CONV_METHODS_HPP
#define GEOMRT_PLUGINS_CONV_METHODS_HPP

#include <geomrt/plugin.hpp>

namespace geomrt {
namespace conv {

void register_generalized2d_forward(sdk::Plugin &plugin);   // generalized2d_forward.cpp
void register_generalized2d_backward(sdk::Plugin &plugin);  // generalized2d_backward.cpp

}  // namespace conv
}  // namespace geomrt

#endif
