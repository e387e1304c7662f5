// Row-major GEMM on top of the Fortran BLAS (OpenBLAS): C = alpha op(A) op(B) + beta C.
#ifndef GEOMRT_PLUGINS_CONV_GEMM_HPP
#define GEOMRT_PLUGINS_CONV_GEMM_HPP

#include <cstdint>

extern "C" {
void sgemm_(const char *ta, const char *tb, const int *m, const int *n, const int *k, const float *alpha,
            const float *a, const int *lda, const float *b, const int *ldb, const float *beta, float *c,
            const int *ldc);
void dgemm_(const char *ta, const char *tb, const int *m, const int *n, const int *k, const double *alpha,
            const double *a, const int *lda, const double *b, const int *ldb, const double *beta, double *c,
            const int *ldc);
}

namespace geomrt {
namespace conv {

/// Products with m * n * k at most this run single-threaded inside OpenBLAS (its threshold is
/// 4 x 65536), so callers that split work over their own threads keep BLAS off its pool.
constexpr int64_t kGemmSingleThreadMNK = 4 * 65536;

/// Row-major C (m x n, ldc) = alpha op(A) op(B) + beta C; op(A) is m x k, op(B) is k x n;
/// ta/tb say whether A/B are stored transposed (A stored k x m, B stored n x k).
inline void gemm_rm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, float alpha, const float *A, int64_t lda,
                    const float *B, int64_t ldb, float beta, float *C, int64_t ldc) {
    // Row-major C = op(A) op(B) is column-major C^T = op(B)^T op(A)^T on the same storage.
    const char a = tb ? 'T' : 'N', b = ta ? 'T' : 'N';
    const int M = static_cast<int>(n), N = static_cast<int>(m), K = static_cast<int>(k);
    const int la = static_cast<int>(ldb), lb = static_cast<int>(lda), lc = static_cast<int>(ldc);
    sgemm_(&a, &b, &M, &N, &K, &alpha, B, &la, A, &lb, &beta, C, &lc);
}
inline void gemm_rm(bool ta, bool tb, int64_t m, int64_t n, int64_t k, double alpha, const double *A, int64_t lda,
                    const double *B, int64_t ldb, double beta, double *C, int64_t ldc) {
    const char a = tb ? 'T' : 'N', b = ta ? 'T' : 'N';
    const int M = static_cast<int>(n), N = static_cast<int>(m), K = static_cast<int>(k);
    const int la = static_cast<int>(ldb), lb = static_cast<int>(lda), lc = static_cast<int>(ldc);
    dgemm_(&a, &b, &M, &N, &K, &alpha, B, &la, A, &lb, &beta, C, &lc);
}

}  // namespace conv
}  // namespace geomrt

#endif
