// The graph plugin: graph kernels, kernel distances and clustering. This file only registers them.
#include "graph_methods.hpp"

GEOMRT_PLUGIN("graph", "0.1.0") {
    geomrt::graph::register_kernel(plugin);
    geomrt::graph::register_distance(plugin);
    geomrt::graph::register_kernel_kmeans(plugin);
    geomrt::graph::register_ward(plugin);
    geomrt::graph::register_adjusted_rand_index(plugin);
    geomrt::graph::register_random_partition(plugin);
    geomrt::graph::register_kernel_apply(plugin);
}
