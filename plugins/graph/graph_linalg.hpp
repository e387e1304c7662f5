// Dense symmetric linear algebra for the graph plugin: the eigendecomposition (LAPACK dsyevd,
// divide and conquer, from the OpenBLAS the plugin links), the inverse of a positive definite
// matrix by Cholesky (dpotrf + dpotri) and U diag(w) U^T by a rank-k update (dsyrk).
#ifndef GEOMRT_PLUGINS_GRAPH_LINALG_HPP
#define GEOMRT_PLUGINS_GRAPH_LINALG_HPP

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include <geomrt/plugin.hpp>

extern "C" {
// Fortran LAPACK entry points; the trailing size_t arguments are the hidden lengths of the
// character arguments (gfortran).
void dsyevd_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w,
             double *work, const int *lwork, int *iwork, const int *liwork, int *info, size_t, size_t);
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info, size_t);
#ifndef EIGEN_USE_BLAS  // otherwise Eigen's blas.h declares it, with this signature
int dsyrk_(const char *uplo, const char *trans, const int *n, const int *k, const double *alpha, const double *a,
           const int *lda, const double *beta, double *c, const int *ldc);
#endif
}

namespace geomrt {
namespace graph {

using Mat = Eigen::MatrixXd;  // column-major
using Vec = Eigen::VectorXd;

/// Largest matrix order the LAPACK paths accept (their indices are 32-bit).
constexpr int64_t kMaxDense = 46340;

inline int lapack_n(const std::string &method, int64_t n) {
    if (n > kMaxDense)
        sdk::fail(GEOMRT_EINVAL, method + ": " + std::to_string(n) +
                                     " nodes is too many for a dense kernel (at most 46340); use graph.kernel_apply");
    return static_cast<int>(n);
}

/// Copy the lower triangle of a square column-major matrix to its upper triangle.
inline void mirror_lower(double *a, int64_t n) {
    for (int64_t j = 0; j < n; ++j)
        for (int64_t i = j + 1; i < n; ++i) a[i * n + j] = a[j * n + i];
}

/// Symmetric eigendecomposition in place: on return `a` holds the eigenvectors (columns) and `w`
/// the eigenvalues in ascending order.
inline void sym_eig(const std::string &method, Mat &a, Vec &w) {
    const int n = lapack_n(method, a.rows());
    w.resize(n);
    if (n == 0) return;
    int lwork = -1, liwork = -1, info = 0, iq = 0;
    double wq = 0;
    dsyevd_("V", "L", &n, a.data(), &n, w.data(), &wq, &lwork, &iq, &liwork, &info, 1, 1);
    lwork = static_cast<int>(wq) + 1;
    liwork = std::max(iq, 1);
    std::vector<double> work(static_cast<size_t>(lwork));
    std::vector<int> iwork(static_cast<size_t>(liwork));
    dsyevd_("V", "L", &n, a.data(), &n, w.data(), work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1);
    if (info != 0)
        sdk::fail(GEOMRT_ENOCONVERGE, method + ": the symmetric eigendecomposition failed (LAPACK dsyevd info = " +
                                          std::to_string(info) + ")");
}

/// Inverse of a symmetric positive definite matrix in place. Only the lower triangle in
/// column-major order (= the upper triangle a[i * n + j], j >= i, read row-major) is read and
/// written unless `both` (then the other triangle is filled in too). Returns false if the
/// Cholesky factorization finds the matrix not positive definite.
inline bool spd_inverse(const std::string &method, double *a, int64_t n64, bool both = true) {
    const int n = lapack_n(method, n64);
    int info = 0;
    dpotrf_("L", &n, a, &n, &info, 1);
    if (info > 0) return false;
    if (info < 0) sdk::fail(GEOMRT_EINTERNAL, method + ": dpotrf argument error");
    dpotri_("L", &n, a, &n, &info, 1);
    if (info != 0) return false;
    if (both) mirror_lower(a, n64);
    return true;
}

/// out (n x n) = W W^T for a column-major W of n rows and k columns; both triangles unless
/// `both` is false (then only out[i * n + j], j >= i, as spd_inverse).
inline void gram(const std::string &method, const double *W, int64_t n64, int64_t k64, double *out, bool both = true) {
    const int n = lapack_n(method, n64), k = static_cast<int>(k64);
    if (k == 0) {
        std::fill(out, out + n64 * n64, 0.0);
        return;
    }
    const double one = 1.0, zero = 0.0;
    dsyrk_("L", "N", &n, &k, &one, W, &n, &zero, out, &n);
    if (both) mirror_lower(out, n64);
}

/// One pass over a symmetric n x n matrix of which only a[i * n + j], j >= i, is valid: for each
/// such pair f(i, j, a_ij, k, d) gives the final kernel entry k and distance d, written to both
/// (i, j) and (j, i) of K (in place over a) and D. Tiled so the transposed writes stay in cache.
/// Returns false if some k or d is not finite.
template <class F>
bool symmetric_pass(double *K, double *D, int64_t n, F f) {
    constexpr int64_t T = 64;
    bool finite = true;
    for (int64_t i0 = 0; i0 < n; i0 += T)
        for (int64_t j0 = i0; j0 < n; j0 += T) {
            const int64_t i1 = std::min(n, i0 + T), j1 = std::min(n, j0 + T);
            for (int64_t i = i0; i < i1; ++i)
                for (int64_t j = std::max(i, j0); j < j1; ++j) {
                    double k, d;
                    f(i, j, K[i * n + j], k, d);
                    finite &= std::isfinite(k) & std::isfinite(d);
                    K[i * n + j] = K[j * n + i] = k;
                    D[i * n + j] = D[j * n + i] = d;
                }
        }
    return finite;
}

}  // namespace graph
}  // namespace geomrt

#endif
