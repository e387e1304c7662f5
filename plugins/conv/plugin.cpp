// The conv plugin: generalized convolution (kernel and distance similarities). This file only
// registers the methods.
#include "conv_methods.hpp"

GEOMRT_PLUGIN("conv", "0.1.0") {
    geomrt::conv::register_generalized2d_forward(plugin);
    geomrt::conv::register_generalized2d_backward(plugin);
}
