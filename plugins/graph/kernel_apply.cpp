// graph.kernel_apply: K Y for a graph kernel K on a large sparse graph without forming K.
// exp(s M) y by Lanczos (heat, nheat, comm), (I + tL)^-1 y, (I - tA)^-1 y and L^+ y by conjugate
// gradient (forest, pwalk, ct); the columns of Y side by side, one pass over the graph per step
// for all of them.
#include <cmath>
#include <string>
#include <vector>

#include "graph_common.hpp"
#include "graph_krylov.hpp"
#include "graph_methods.hpp"
#include "kernel_family.hpp"

namespace geomrt {
namespace graph {

namespace {

void kernel_apply_body(Call &c) {
    const std::string method = c.method();
    const Csr g = read_graph(c, "A");
    const int64_t n = g.n;
    const auto Y = c.in("Y");
    const int64_t b = Y.dim(1);
    const Family fam = family_of(c.str("kernel"));
    const double tol = c.f64("tol");
    const int max_iter = static_cast<int>(c.i64("max_iter"));
    const std::vector<double> deg = g.degrees();
    const Op adj = [&g](const double *x, double *y) { g.apply(x, y); };

    double rho = 0;
    if (fam == Family::pwalk) rho = lanczos_max_eig(adj, n);
    double t = c.f64("t");
    if (!(t > 0)) {
        if (fam == Family::pwalk && !(rho > 0))
            fail(GEOMRT_EINVAL, method + ": the graph has no edges (spectral radius 0), so pwalk's t = alpha / rho is "
                                         "undefined; give the raw parameter t");
        t = map_alpha(fam, c.f64("alpha"), rho);
    }
    if (fam == Family::pwalk && !(t * rho < 1.0 - 1e-10))
        fail(GEOMRT_EINVAL, method + ": pwalk needs 0 < t < 1/rho = " + num(1.0 / rho) + " (rho = " + num(rho) +
                                ", the spectral radius of A), got t = " + num(t));

    std::vector<int64_t> comp;
    const int64_t ncomp = components(g, comp);
    std::vector<double> comp_size(static_cast<size_t>(ncomp), 0.0);
    for (int64_t i = 0; i < n; ++i) comp_size[comp[i]] += 1;
    const std::vector<double> isd = inv_sqrt_degrees(deg);

    // The operator on row-major n x b blocks and, for CG, its Jacobi preconditioner.
    const int threads = static_cast<int>(std::max<int64_t>(1, c.threads()));
    BlockOp M;
    std::vector<double> dinv, zbuf;
    bool use_cg = true;
    double s = 0;  // exp(s M)
    const BlockOp laplacian = [&](const double *X, double *Yo) {  // L X (ct, heat)
        g.apply_block(X, Yo, b, threads);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t k = 0; k < b; ++k) Yo[i * b + k] = deg[i] * X[i * b + k] - Yo[i * b + k];
    };
    switch (fam) {
    case Family::forest:
        M = [&](const double *X, double *Yo) {
            g.apply_block(X, Yo, b, threads);
            for (int64_t i = 0; i < n; ++i)
                for (int64_t k = 0; k < b; ++k) Yo[i * b + k] = X[i * b + k] + t * (deg[i] * X[i * b + k] - Yo[i * b + k]);
        };
        for (double d : deg) dinv.push_back(1.0 / (1.0 + t * d));
        break;
    case Family::pwalk:
        M = [&](const double *X, double *Yo) {
            g.apply_block(X, Yo, b, threads);
            for (int64_t i = 0; i < n * b; ++i) Yo[i] = X[i] - t * Yo[i];
        };
        break;
    case Family::ct:
        M = laplacian;
        for (double d : deg) dinv.push_back(d > 0 ? 1.0 / d : 0.0);
        break;
    case Family::heat:
        use_cg = false;
        s = -t;
        M = laplacian;
        break;
    case Family::nheat:
        use_cg = false;
        s = -t;
        zbuf.resize(static_cast<size_t>(n * b));
        M = [&](const double *X, double *Yo) {
            for (int64_t i = 0; i < n; ++i)
                for (int64_t k = 0; k < b; ++k) zbuf[i * b + k] = isd[i] * X[i * b + k];
            g.apply_block(zbuf.data(), Yo, b, threads);
            for (int64_t i = 0; i < n; ++i)
                for (int64_t k = 0; k < b; ++k)
                    Yo[i * b + k] = (deg[i] > 0 ? X[i * b + k] : 0.0) - isd[i] * Yo[i * b + k];
        };
        break;
    case Family::comm:
        use_cg = false;
        s = t;
        M = [&](const double *X, double *Yo) { g.apply_block(X, Yo, b, threads); };
        break;
    default:
        fail(GEOMRT_EINVAL, method + ": kernel '" + std::string(family_name(fam)) +
                                "' has no matrix-free form (it needs all of K); use graph.kernel");
    }
    // L^+ acts on the complement of the component indicators: project them out of every column.
    std::vector<double> mean;
    auto project = [&](double *V) {
        mean.assign(static_cast<size_t>(ncomp * b), 0.0);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t k = 0; k < b; ++k) mean[comp[i] * b + k] += V[i * b + k];
        for (int64_t i = 0; i < n; ++i)
            for (int64_t k = 0; k < b; ++k) V[i * b + k] -= mean[comp[i] * b + k] / comp_size[comp[i]];
    };

    // All columns of Y side by side: one pass over the graph per step serves the whole block.
    std::vector<double> out(static_cast<size_t>(n * b));
    std::vector<int> its;
    if (use_cg)
        conjugate_gradient_block(M, n, b, Y.f64(), out.data(), tol, max_iter, dinv,
                                 fam == Family::ct ? std::function<void(double *)>(project) : nullptr, its);
    else
        lanczos_expv_block(M, n, b, s, Y.f64(), out.data(), tol, max_iter, its);
    int worst = 0;
    for (int64_t col = 0; col < b; ++col) {
        if (its[col] < 0)
            fail(GEOMRT_ENOCONVERGE, method + ": " + std::string(use_cg ? "conjugate gradient" : "Lanczos") +
                                         " did not reach tol = " + num(tol) + " within max_iter = " +
                                         std::to_string(max_iter) + " steps for column " + std::to_string(col) +
                                         " of Y; raise max_iter or tol");
        worst = std::max(worst, its[col]);
    }
    for (double v : out)
        if (!std::isfinite(v))
            fail(GEOMRT_EINVAL, method + ": K Y overflows float64 for kernel '" + std::string(family_name(fam)) +
                                    "' at t = " + num(t) + "; use a smaller alpha");
    double *KY = c.out_f64("KY", {n, b});
    std::copy(out.begin(), out.end(), KY);
    c.scalar_i64("iterations", worst);
    c.scalar("t_value", t);
}

}  // namespace

void register_kernel_apply(sdk::Plugin &plugin) {
    plugin.method("graph.kernel_apply", kernel_apply_body)
        .summary("K Y for a graph kernel on a large sparse graph, without forming K (Lanczos, conjugate gradient).")
        .description(
            "Multiplies the block Y (n x b) by a graph kernel K of the graph A (sparse CSR or dense; symmetric, "
            "nonnegative), in O(nnz(A) + m n b) memory instead of n^2 (m Lanczos steps; the b columns run "
            "side by side, one pass over the graph per step for all of them): heat exp(-tL) Y, nheat "
            "exp(-t L_sym) Y and comm exp(tA) Y by the Lanczos approximation ||y|| V_m exp(s T_m) e_1 (m grown "
            "until two successive estimates agree to tol relative); forest (I + tL)^-1 Y, pwalk (I - tA)^-1 Y "
            "(0 < t < 1/rho, rho by Lanczos) and ct L^+ Y (on each component's mean-free part) by "
            "Jacobi-preconditioned conjugate gradient to ||r|| <= tol ||y||. Kernels and the alpha mapping as "
            "in graph.kernel; the logarithmic kernels and sct, spct, rsp, fe need every entry of K and are "
            "not available here. Outputs: KY (n x b), iterations (the most any column needed), t_value (the "
            "raw parameter). A column that does not converge within max_iter is an error (ENOCONVERGE).")
        .citation("[1] V. Ivashkin, P. Chebotarev, arXiv:1605.01046 (2016) (the kernels); [2] E. Gallopoulos, Y. Saad, "
                  "Efficient solution of parabolic equations by Krylov approximation methods, SIAM J. Sci. Stat. "
                  "Comput. 13 (1992); [3] M. R. Hestenes, E. Stiefel, Methods of conjugate gradients for solving "
                  "linear systems, J. Res. NBS 49 (1952)")
        .sparse_input("A", "adjacency matrix (n x n, symmetric, nonnegative; sparse CSR or dense float64)", "n,n",
                      GEOMRT_IO_ALSO_DENSE | GEOMRT_IO_NONNEGATIVE)
        .input("Y", "block of vectors (n x b)", GEOMRT_DTYPE_F64, 2, "n,b")
        .output("KY", "the product K Y (n x b)", GEOMRT_DTYPE_F64, 2, "n,b")
        .scalar_i64("iterations", "Lanczos steps or CG iterations of the slowest column")
        .scalar("t_value", "the raw parameter t used")
        .param_enum("kernel", "kernel family (the matrix-free ones)", nullptr, "pwalk|forest|heat|nheat|comm|ct")
        .param_f64("alpha", "family parameter in (0, 1), mapped as in graph.kernel", "0.5", 0.0, 1.0,
                   GEOMRT_PARAM_MIN_EXCLUSIVE | GEOMRT_PARAM_MAX_EXCLUSIVE)
        .param_f64("t", "the raw parameter t; 0 = derive it from alpha", "0", 0.0)
        .param_f64("tol", "relative tolerance of each column", "1e-10", 0.0, 1.0, GEOMRT_PARAM_MIN_EXCLUSIVE)
        .param_i64("max_iter", "most Lanczos steps (each keeps one n x b block) or CG iterations per column", "1000", 1);
}

}  // namespace graph
}  // namespace geomrt
