// The fl block kernels compiled for the avx2 instruction set (flags in CMakeLists.txt).
#define GEOMRT_FL_ISA avx2
#define GEOMRT_FL_TILE_I 2
#include "kernel_impl.hpp"
