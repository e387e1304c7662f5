// Registration functions of the graph plugin's methods (one source file each).
#ifndef GEOMRT_PLUGINS_GRAPH_METHODS_HPP
#define GEOMRT_PLUGINS_GRAPH_METHODS_HPP

#include <geomrt/plugin.hpp>

namespace geomrt {
namespace graph {

void register_kernel(sdk::Plugin &plugin);            // kernel.cpp: graph.kernel
void register_distance(sdk::Plugin &plugin);          // distance.cpp: kernel_to_distance, distance_to_kernel
void register_kernel_kmeans(sdk::Plugin &plugin);     // kmeans.cpp
void register_ward(sdk::Plugin &plugin);              // ward.cpp
void register_adjusted_rand_index(sdk::Plugin &plugin);  // ari.cpp
void register_random_partition(sdk::Plugin &plugin);  // random_partition.cpp
void register_kernel_apply(sdk::Plugin &plugin);      // kernel_apply.cpp

}  // namespace graph
}  // namespace geomrt

#endif
