// The fl block kernels compiled for the generic instruction set (flags in CMakeLists.txt).
#define GEOMRT_FL_ISA generic
#define GEOMRT_FL_TILE_I 2
#include "kernel_impl.hpp"
