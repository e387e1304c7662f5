// graph.kernel_to_distance and graph.distance_to_kernel: the two directions between a kernel
// and its distance (Ivashkin & Chebotarev 2016, section 2; Schoenberg's double centering).
#include <string>
#include <vector>

#include "graph_common.hpp"
#include "graph_methods.hpp"

namespace geomrt {
namespace graph {

namespace {

/// The square matrices of a rank-2 (n x n) or rank-3 (k x n x n) input.
int64_t stack_count(const Call &c, const char *name) {
    const auto X = c.in(name);
    const int nd = X.ndim();
    if (nd != 2 && nd != 3)
        fail(GEOMRT_ESHAPE, c.method() + ": input '" + name + "' must be n x n or k x n x n, got rank " +
                                std::to_string(nd));
    if (X.dim(nd - 1) != X.dim(nd - 2))
        fail(GEOMRT_ESHAPE, c.method() + ": input '" + name + "' must hold square matrices, got " +
                                std::to_string(X.dim(nd - 2)) + " x " + std::to_string(X.dim(nd - 1)));
    return nd == 3 ? X.dim(0) : 1;
}

std::vector<int64_t> shape_of(const sdk::Tensor &X) {
    std::vector<int64_t> s;
    for (int i = 0; i < X.ndim(); ++i) s.push_back(X.dim(i));
    return s;
}

void kernel_to_distance_body(Call &c) {
    const auto K = c.in("K");
    const int64_t k = stack_count(c, "K"), n = K.dim(K.ndim() - 1), nn = n * n;
    double *D = c.out_f64("D", shape_of(K));
    for (int64_t s = 0; s < k; ++s) {
        const double *Ks = K.f64() + s * nn;
        double *Ds = D + s * nn;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j)
                Ds[i * n + j] = 0.5 * (Ks[i * n + i] + Ks[j * n + j] - Ks[i * n + j] - Ks[j * n + i]);
    }
}

void distance_to_kernel_body(Call &c) {
    const auto Din = c.in("D");
    const int64_t k = stack_count(c, "D"), n = Din.dim(Din.ndim() - 1), nn = n * n;
    double *K = c.out_f64("K", shape_of(Din));
    std::vector<double> r(static_cast<size_t>(n)), col(static_cast<size_t>(n));
    for (int64_t s = 0; s < k; ++s) {
        const double *D = Din.f64() + s * nn;
        double g = 0;
        std::fill(col.begin(), col.end(), 0.0);
        for (int64_t i = 0; i < n; ++i) {
            double ri = 0;
            for (int64_t j = 0; j < n; ++j) {
                ri += D[i * n + j];
                col[j] += D[i * n + j];
            }
            r[i] = ri / static_cast<double>(n);
            g += ri;
        }
        g /= static_cast<double>(nn);
        for (auto &v : col) v /= static_cast<double>(n);
        double *Ks = K + s * nn;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < n; ++j) Ks[i * n + j] = -0.5 * (D[i * n + j] - r[i] - col[j] + g);
    }
}

}  // namespace

void register_distance(sdk::Plugin &plugin) {
    plugin.method("graph.kernel_to_distance", kernel_to_distance_body)
        .summary("Kernel distance D = (k 1^T + 1 k^T - K - K^T) / 2, k = diag K.")
        .description(
            "The distance a kernel induces: D_ij = (K_ii + K_jj - K_ij - K_ji) / 2 (half the squared "
            "Euclidean distance between the feature vectors when K is positive semidefinite). K is one n x n "
            "matrix or a stack k x n x n (each converted on its own). For the logarithmic kernels at large t "
            "use the D that graph.kernel returns: it is computed without the cancellation this formula "
            "suffers there.")
        .citation("V. Ivashkin, P. Chebotarev, Do logarithmic proximity measures outperform plain ones in graph "
                  "clustering?, arXiv:1605.01046 (2016), section 2")
        .input("K", "kernel matrix n x n, or a stack k x n x n", GEOMRT_DTYPE_F64, -1, "")
        .output("D", "distance matrix, same shape as K", GEOMRT_DTYPE_F64, -1, "");
    plugin.method("graph.distance_to_kernel", distance_to_kernel_body)
        .summary("Kernel from a distance by double centering: K = -1/2 H D H, H = I - 11^T / n.")
        .description(
            "Schoenberg's transform: K_ij = -(D_ij - r_i - c_j + g) / 2 with r, c the row and column means "
            "and g the grand mean of D. For squared Euclidean distances D_ij = |x_i - x_j|^2 this is the "
            "centred Gram matrix; since kernel_to_distance returns half of that, "
            "distance_to_kernel(2 kernel_to_distance(K)) = H K H for a symmetric K. D is one n x n matrix "
            "or a stack k x n x n.")
        .citation("I. J. Schoenberg, Remarks to Maurice Frechet's article, Annals of Mathematics 36 (1935); as used by "
                  "V. Ivashkin, P. Chebotarev, arXiv:1605.01046 (2016)")
        .input("D", "distance (dissimilarity) matrix n x n, or a stack k x n x n", GEOMRT_DTYPE_F64, -1, "")
        .output("K", "the centred kernel, same shape as D", GEOMRT_DTYPE_F64, -1, "");
}

}  // namespace graph
}  // namespace geomrt
