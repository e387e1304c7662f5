// Registration functions of the softmax plugin's methods (one source file each) and the
// citation they share.
#ifndef GEOMRT_PLUGINS_SOFTMAX_METHODS_HPP
#define GEOMRT_PLUGINS_SOFTMAX_METHODS_HPP

#include <geomrt/plugin.hpp>

namespace geomrt {
namespace softmax {

void register_radius(sdk::Plugin &plugin);      // radius.cpp: softmax.radius
void register_safe_step(sdk::Plugin &plugin);   // safe_step.cpp: softmax.safe_step
void register_jvp_linear(sdk::Plugin &plugin);  // jvp_linear.cpp: softmax.jvp_linear

/// The paper every method of the family implements, [1] in each descriptor.
inline const char *paper_citation() {
    return "[1] P. Sao, Ghosts of Softmax: Complex Singularities That Limit Safe Step Sizes in Cross-Entropy, "
           "preprint, 2026 (reference code: github.com/piyush314/ghosts-of-softmax).";
}

}  // namespace softmax
}  // namespace geomrt

#endif
