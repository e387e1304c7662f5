// The fl block kernels compiled for the avx512 instruction set (flags in CMakeLists.txt).
#define GEOMRT_FL_ISA avx512
#define GEOMRT_FL_TILE_I 4
#include "kernel_impl.hpp"
