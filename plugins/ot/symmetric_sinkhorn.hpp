// Symmetric Sinkhorn for OT(a, a) with a symmetric cost (C = C^T), used by ot.sinkhorn when its
// inputs are symmetric (the self-transport terms of Sinkhorn divergences, a cloud against itself).
//
// The plan has one potential, f = g = h, and the averaged update h <- (h + T(h)) / 2 with
// T(h)_i = eps log a_i - eps LSE_j((h_j - C_ij)/eps) converges in tens of iterations where the
// alternating iteration crawls (J. Feydy et al., Interpolating between Optimal Transport and MMD
// using Sinkhorn Divergences, AISTATS 2019). One exact log-domain averaged update builds the
// kernel K_ij = exp((h_i + h_j - C_ij)/eps); all its exponents are <= 0 then (by the symmetry of
// C), and K is exactly symmetric. Cheap iterations follow on a scaling u, P = diag(u) K diag(u):
// w = K u, u <- sqrt(u a / w), the same averaging in scaling form; when u leaves [e^-40, e^40]
// it is absorbed into h and the kernel rebuilt. Each w_i is one dot product, so the result does
// not depend on the number of threads.
#ifndef GEOMRT_PLUGINS_OT_SYMMETRIC_SINKHORN_HPP
#define GEOMRT_PLUGINS_OT_SYMMETRIC_SINKHORN_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <vector>

#include "scaling_kernels.hpp"
#include "sinkhorn_solver.hpp"

namespace geomrt {
namespace ot {

template <class Cost, class KT = double>
class SymmetricSinkhornSolver {
public:
    SymmetricSinkhornSolver(int64_t n, const double *a, const Cost &cost, int threads)
        : n_(n), a_(a), cost_(cost), threads_(n * n >= kParallelMin ? threads : 1), K_(static_cast<size_t>(n * n)),
          h_(n, 0.0), u_(n, 1.0), w_(n), loga_(n) {
        for (int64_t i = 0; i < n; ++i) loga_[i] = std::log(a[i]);
    }

    /// Absorb u into h, one exact averaged update of h, and the kernel from it.
    void rebuild(double eps) {
        for (int64_t i = 0; i < n_; ++i) h_[i] += eps_ * std::log(u_[i]);
        eps_ = eps;
        std::fill(u_.begin(), u_.end(), 1.0);
        const int64_t n = n_;
        const double inv = 1.0 / eps;
        std::vector<double> T(n);
#pragma omp parallel num_threads(threads_)
        {
            std::vector<double> row(static_cast<size_t>(n));
#pragma omp for schedule(static)
            for (int64_t i = 0; i < n; ++i) {
                double mx;
                const double s = exp_row(cost_, i, h_.data(), n, inv, row.data(), mx);
                T[i] = eps * loga_[i] - eps * (mx + std::log(s));
            }
#pragma omp single
            for (int64_t i = 0; i < n; ++i) h_[i] = 0.5 * (h_[i] + T[i]);
#pragma omp for schedule(static)
            for (int64_t i = 0; i < n; ++i) {
                // <= 0 in exact arithmetic; the clamp only removes rounding above 0.
                for (int64_t j = 0; j < n; ++j) row[j] = std::min(0.0, (h_[i] + h_[j] - cost_(i, j)) * inv);
                kernels::exp_nonpositive(row.data(), n);
                KT *Ki = &K_[static_cast<size_t>(i * n)];
                for (int64_t j = 0; j < n; ++j) Ki[j] = static_cast<KT>(row[j]);
            }
        }
    }

    /// w = K u and the L1 marginal error sum_i |u_i w_i - a_i| of P = diag(u) K diag(u) (rows and
    /// columns alike). If it is above tol, u is updated to sqrt(u a / w). Returns the error, or a
    /// negative value if u needs absorbing.
    double iterate(double tol) {
        const int64_t n = n_;
        const int nb = static_cast<int>(std::min<int64_t>(kBlocks, n));
#pragma omp parallel for num_threads(threads_) schedule(static)
        for (int blk = 0; blk < nb; ++blk) {
            const int64_t i0 = n * blk / nb, i1 = n * (blk + 1) / nb;
            kernels::row_dots(&K_[static_cast<size_t>(i0 * n)], i1 - i0, n, u_.data(), w_.data() + i0);
        }
        double err = 0;
        for (int64_t i = 0; i < n; ++i) {
            if (!(w_[i] > 0) || !std::isfinite(w_[i])) return -1;
            err += std::fabs(u_[i] * w_[i] - a_[i]);
        }
        if (!std::isfinite(err)) return -1;
        if (err <= tol) return err;
        const double hi = std::exp(kAbsorbLog), lo = 1.0 / hi;
        bool wild = false;
        for (int64_t i = 0; i < n; ++i) {
            u_[i] = std::sqrt(u_[i] * a_[i] / w_[i]);
            wild = wild || !(u_[i] >= lo && u_[i] <= hi);
        }
        return wild ? -1 : err;
    }

    /// The kernel, row-major n x n.
    const KT *K() const { return K_.get(); }
    const std::vector<double> &u() const { return u_; }
    const std::vector<double> &v() const { return u_; }
    /// Potentials without the scaling: P_ij = u_i K_ij u_j = exp((f_i + g_j - C_ij)/eps) with f = g = h + eps log u.
    const std::vector<double> &f() const { return h_; }
    const std::vector<double> &g() const { return h_; }

private:
    int64_t n_;
    double eps_ = 1.0;
    const double *a_;
    const Cost &cost_;
    int threads_;
    KernelStorage<KT> K_;
    std::vector<double> h_, u_, w_, loga_;
};

/// Iterate the symmetric solver from h = 0 to the L1 marginal error tol.
template <class Solver>
SinkhornOutcome run_symmetric_sinkhorn(Solver &S, double eps, double tol, int64_t max_iter,
                                       const std::function<void(int64_t, double)> &progress = {}) {
    SinkhornOutcome out;
    out.error = std::numeric_limits<double>::infinity();
    S.rebuild(eps);
    while (out.iterations < max_iter) {
        const double r = S.iterate(tol);
        ++out.iterations;
        if (r < 0) {
            S.rebuild(eps);
            continue;
        }
        out.error = r;
        if (progress && out.iterations % 10 == 0) progress(out.iterations, r);
        if (r <= tol) break;
    }
    out.converged = out.error <= tol;
    return out;
}

}  // namespace ot
}  // namespace geomrt

#endif
