// Row-major GEMM C = alpha op(A) op(B) + beta C and an in-place vectorized exp, each compiled
// for AVX-512, AVX2+FMA and the baseline (gemm_<isa>.cpp) and chosen at run time.
//
// Eigen's own products are used rather than the system BLAS: on the machine of
// docs/BENCHMARKS.md, OpenBLAS 0.3.21 runs its AVX2 (Haswell) kernels on an AVX-512 CPU and
// threads products above 4 x 65536 multiply-adds on its own pool, while Eigen's AVX-512 kernel
// was 1.7-1.9x faster on the layer shapes of the benchmarks and runs on the caller's thread
// (this plugin threads over the batch itself).
#ifndef GEOMRT_PLUGINS_CONV_GEMM_HPP
#define GEOMRT_PLUGINS_CONV_GEMM_HPP

#include <cstdint>

namespace geomrt {
namespace conv {

#define GEOMRT_CONV_DECLARE_ISA(NS)                                                                              \
    namespace NS {                                                                                               \
    void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float *A, int64_t lda,       \
              const float *B, int64_t ldb, float beta, float *C, int64_t ldc);                                   \
    void gemm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double *A, int64_t lda,     \
              const double *B, int64_t ldb, double beta, double *C, int64_t ldc);                                \
    void exp_inplace(float *x, int64_t n);                                                                       \
    void exp_inplace(double *x, int64_t n);                                                                      \
    }
GEOMRT_CONV_DECLARE_ISA(isa_avx512)
GEOMRT_CONV_DECLARE_ISA(isa_avx2)
GEOMRT_CONV_DECLARE_ISA(isa_base)
#undef GEOMRT_CONV_DECLARE_ISA

/// 2 = AVX-512 (F, DQ, VL, BW), 1 = AVX2 + FMA, 0 = baseline; detected once.
int gemm_isa_level();

/// Row-major C (m x n, ldc) = alpha op(A) op(B) + beta C; op(A) is m x k, op(B) is k x n;
/// ta/tb say whether A/B are stored transposed (A stored k x m, B stored n x k).
template <class T>
inline void gemm_rm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T *A, int64_t lda,
                    const T *B, int64_t ldb, T beta, T *C, int64_t ldc) {
    switch (gemm_isa_level()) {
    case 2: return isa_avx512::gemm(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
    case 1: return isa_avx2::gemm(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
    default: return isa_base::gemm(ta, tb, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc);
    }
}

/// x[i] = exp(x[i]) for i < n.
template <class T>
inline void exp_inplace(T *x, int64_t n) {
    switch (gemm_isa_level()) {
    case 2: return isa_avx512::exp_inplace(x, n);
    case 1: return isa_avx2::exp_inplace(x, n);
    default: return isa_base::exp_inplace(x, n);
    }
}

}  // namespace conv
}  // namespace geomrt

#endif
