// Blocked, vectorized kernels of the weighted-L1 similarity -sum_k a_ok |x_kl - w_ok| between
// templates (rows of W, A: Og x K) and patches (columns of X: K x n), forward and backward.
// Register tiles of templates x output positions; one version per instruction set
// (AVX-512, AVX2+FMA, baseline), chosen at run time.
//
// The position count n must be padded to a multiple of kL1Pad: every leading dimension is at
// least round_up(n, kL1Pad), X's padding columns hold finite values (zeros) and G's padding
// columns hold zeros; outputs in padding columns are garbage and must be ignored.
#ifndef GEOMRT_PLUGINS_CONV_L1_KERNELS_HPP
#define GEOMRT_PLUGINS_CONV_L1_KERNELS_HPP

#include <cstdint>

namespace geomrt {
namespace conv {

constexpr int64_t kL1Pad = 32;

/// S[o, l] = -sum_k A[o, k] |X[k, l] - W[o, k]| for o < Og, l < n (S has leading dimension lds).
template <class T>
void wl1_forward(const T *X, int64_t ldx, int64_t K, int64_t n, const T *W, const T *A, int64_t Og, T *S,
                 int64_t lds);

/// With G (Og x n, leading dimension ldg) the gradient of the loss with respect to S:
///   dX[k, l]  = -sum_o A[o, k] G[o, l] sgn(X[k, l] - W[o, k])   (overwritten; leading dimension ldx)
///   sgW[o, k] += sum_l G[o, l] sgn(X[k, l] - W[o, k])           (grad of W is A * sgW)
///   absA[o, k] += sum_l G[o, l] |X[k, l] - W[o, k]|             (grad of A is -absA)
/// with sgn(0) = 0.
template <class T>
void wl1_backward(const T *X, int64_t ldx, int64_t K, int64_t n, const T *W, const T *A, int64_t Og, const T *G,
                  int64_t ldg, T *dX, T *sgW, T *absA);

/// Which instruction set the kernels use on this CPU: "avx512", "avx2" or "baseline".
const char *wl1_isa();

}  // namespace conv
}  // namespace geomrt

#endif
