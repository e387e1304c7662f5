// The spd plugin: Bures-Wasserstein geometry of SPD matrices and SPD batch normalization.
// This file only registers the methods.
#include "spd_methods.hpp"

GEOMRT_PLUGIN("spd", "0.1.0") {
    geomrt::spd::register_geometry(plugin);
    geomrt::spd::register_barycenter(plugin);
    geomrt::spd::register_batchnorm(plugin);
}
