// GEMM and exp kernels compiled for one instruction set (see gemm_eigen.inc and CMakeLists.txt).
#define GEOMRT_CONV_ISA isa_avx2
#define Eigen Eigen_geomrt_conv_avx2
#include "gemm_eigen.inc"
