// GEMM and exp kernels compiled for one instruction set (see gemm_eigen.inc and CMakeLists.txt).
#define GEOMRT_CONV_ISA isa_avx512
#define Eigen Eigen_geomrt_conv_avx512
#include "gemm_eigen.inc"
