// The ot plugin: optimal-transport solvers. This file only registers them.
#include "ot_methods.hpp"

GEOMRT_PLUGIN("ot", "0.1.0") {
    geomrt::ot::register_emd(plugin);
    geomrt::ot::register_sinkhorn(plugin);
    geomrt::ot::register_wasserstein_1d(plugin);
    geomrt::ot::register_sinkhorn_newton_sparse(plugin);
    geomrt::ot::register_sliced(plugin);
    geomrt::ot::register_gaussian(plugin);
    geomrt::ot::register_monge_gap(plugin);
    geomrt::ot::register_atomtype(plugin);
}
