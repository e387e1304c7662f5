// The fl plugin: robust aggregation of federated-learning client models. This file only registers them.
#include "fl_methods.hpp"

GEOMRT_PLUGIN("fl", "0.1.0") {
    geomrt::fl::register_multi_metrics(plugin);
    geomrt::fl::register_fedavg(plugin);
    geomrt::fl::register_krum(plugin);
    geomrt::fl::register_coordinate(plugin);
    geomrt::fl::register_geometric_median(plugin);
    geomrt::fl::register_foolsgold(plugin);
    geomrt::fl::register_fltrust(plugin);
}
