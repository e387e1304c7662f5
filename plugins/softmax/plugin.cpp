// The softmax plugin: safe step sizes of cross-entropy training from the complex
// singularities of the softmax ("Ghosts of Softmax"). This file only registers the methods.
#include "softmax_methods.hpp"

GEOMRT_PLUGIN("softmax", "0.1.0") {
    geomrt::softmax::register_radius(plugin);
    geomrt::softmax::register_safe_step(plugin);
    geomrt::softmax::register_jvp_linear(plugin);
}
