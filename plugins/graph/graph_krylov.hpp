// Krylov methods on a sparse symmetric operator: the largest eigenvalue by restarted Lanczos
// (full reorthogonalization), f(M) Y by Lanczos (f = exp) and M^-1 Y by conjugate gradient, the
// columns of a block Y side by side.
#ifndef GEOMRT_PLUGINS_GRAPH_KRYLOV_HPP
#define GEOMRT_PLUGINS_GRAPH_KRYLOV_HPP

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "graph_common.hpp"

namespace geomrt {
namespace graph {

/// y = M x for an n-vector.
using Op = std::function<void(const double *x, double *y)>;

inline double dot(const double *a, const double *b, int64_t n) {
    double s = 0;
    for (int64_t i = 0; i < n; ++i) s += a[i] * b[i];
    return s;
}

/// Largest eigenvalue of the symmetric operator M (n x n), to relative accuracy ~1e-13.
inline double lanczos_max_eig(const Op &M, int64_t n, uint64_t seed = 7) {
    if (n == 1) {
        double x = 1, y = 0;
        M(&x, &y);
        return y;
    }
    const int m = static_cast<int>(std::min<int64_t>(n, 48));
    std::vector<double> V(static_cast<size_t>(n) * (m + 1)), w(static_cast<size_t>(n));
    Rng rng(seed);
    std::vector<double> start(static_cast<size_t>(n));
    for (auto &v : start) v = 0.5 + rng.uniform();  // positive: not orthogonal to a Perron vector
    double theta = 0;
    for (int restart = 0; restart < 60; ++restart) {
        double nrm = std::sqrt(dot(start.data(), start.data(), n));
        for (int64_t i = 0; i < n; ++i) V[i] = start[i] / nrm;
        Eigen::MatrixXd T = Eigen::MatrixXd::Zero(m, m);
        int steps = m;
        double beta_last = 0;
        for (int j = 0; j < m; ++j) {
            double *vj = &V[static_cast<size_t>(j) * n];
            M(vj, w.data());
            const double a = dot(vj, w.data(), n);
            T(j, j) = a;
            // full reorthogonalization (twice)
            for (int pass = 0; pass < 2; ++pass)
                for (int k = 0; k <= j; ++k) {
                    const double *vk = &V[static_cast<size_t>(k) * n];
                    const double h = dot(vk, w.data(), n);
                    for (int64_t i = 0; i < n; ++i) w[i] -= h * vk[i];
                }
            const double b = std::sqrt(dot(w.data(), w.data(), n));
            beta_last = b;
            if (j + 1 < m) {
                if (b <= 1e-14 * std::max(1.0, std::fabs(a))) {  // invariant subspace found
                    steps = j + 1;
                    beta_last = 0;
                    break;
                }
                T(j, j + 1) = T(j + 1, j) = b;
                double *vn = &V[static_cast<size_t>(j + 1) * n];
                for (int64_t i = 0; i < n; ++i) vn[i] = w[i] / b;
            }
        }
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(T.topLeftCorner(steps, steps));
        const int top = steps - 1;
        theta = es.eigenvalues()(top);
        const double resid = std::fabs(beta_last * es.eigenvectors()(steps - 1, top));
        for (int64_t i = 0; i < n; ++i) {
            double s = 0;
            for (int k = 0; k < steps; ++k) s += V[static_cast<size_t>(k) * n + i] * es.eigenvectors()(k, top);
            start[i] = s;
        }
        if (resid <= 1e-13 * std::max(std::fabs(theta), 1e-300) || beta_last == 0) break;
    }
    return theta;
}

/// Y = M X for row-major n x b blocks (the block width is fixed by the caller).
using BlockOp = std::function<void(const double *X, double *Y)>;

/// out[c] = sum_i A[i, c] B[i, c] for row-major n x b blocks.
inline void col_dots(const double *A, const double *B, int64_t n, int64_t b, std::vector<double> &out) {
    out.assign(static_cast<size_t>(b), 0.0);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < b; ++c) out[c] += A[i * b + c] * B[i * b + c];
}

/// Whether some column is still running.
inline bool any_active(const std::vector<char> &active) {
    return std::any_of(active.begin(), active.end(), [](char x) { return x != 0; });
}

/// W[:, c] -= f[c] V[:, c] for row-major n x b blocks.
inline void sub_cols(double *W, const std::vector<double> &f, const double *V, int64_t n, int64_t b) {
    for (int64_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < b; ++c) W[i * b + c] -= f[c] * V[i * b + c];
}

/// out = exp(s M) Y, column by column, by Lanczos: ||y|| V_m exp(s T_m) e_1 with m grown until two
/// successive estimates differ by at most tol relative. The columns run side by side (one block
/// product per step serves all of them), each with its own recurrence and stopping step. steps[c]
/// is the number of steps of column c (negative if max_iter was reached without convergence).
inline void lanczos_expv_block(const BlockOp &M, int64_t n, int64_t b, double s, const double *Y, double *out,
                               double tol, int max_iter, std::vector<int> &steps) {
    const size_t nb = static_cast<size_t>(n * b);
    steps.assign(static_cast<size_t>(b), 0);
    std::fill(out, out + nb, 0.0);
    std::vector<double> beta0;
    col_dots(Y, Y, n, b, beta0);
    std::vector<char> active(static_cast<size_t>(b));
    for (int64_t c = 0; c < b; ++c) {
        beta0[c] = std::sqrt(beta0[c]);
        active[c] = beta0[c] > 0;
    }
    const int mmax = static_cast<int>(std::min<int64_t>(max_iter, n));
    // The Lanczos vectors, one n x b block per step (separate blocks: nothing is moved as they grow).
    std::vector<std::vector<double>> V(1, std::vector<double>(nb));
    std::vector<double> W(nb);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < b; ++c) V[0][i * b + c] = active[c] ? Y[i * b + c] / beta0[c] : 0.0;
    std::vector<std::vector<double>> alpha(static_cast<size_t>(b)), beta(static_cast<size_t>(b));
    std::vector<Eigen::VectorXd> prev(static_cast<size_t>(b));
    std::vector<double> a, h, f(static_cast<size_t>(b)), nrm;
    for (int j = 0; j < mmax; ++j) {
        if (!any_active(active)) break;
        const double *vj = V[static_cast<size_t>(j)].data();
        M(vj, W.data());
        col_dots(vj, W.data(), n, b, a);
        for (int64_t c = 0; c < b; ++c) f[c] = active[c] ? a[c] : 0.0;
        sub_cols(W.data(), f, vj, n, b);
        if (j > 0) {
            for (int64_t c = 0; c < b; ++c) f[c] = active[c] ? beta[c][j - 1] : 0.0;
            sub_cols(W.data(), f, V[static_cast<size_t>(j - 1)].data(), n, b);
        }
        // one local reorthogonalization against the last two vectors keeps the recurrence clean
        for (int k = std::max(0, j - 1); k <= j; ++k) {
            const double *vk = V[static_cast<size_t>(k)].data();
            col_dots(vk, W.data(), n, b, h);
            for (int64_t c = 0; c < b; ++c) f[c] = active[c] ? h[c] : 0.0;
            sub_cols(W.data(), f, vk, n, b);
        }
        col_dots(W.data(), W.data(), n, b, nrm);

        for (int64_t c = 0; c < b; ++c) {
            f[c] = 0.0;  // scale of column c in the next Lanczos vector (0: the column is finished)
            if (!active[c]) continue;
            alpha[c].push_back(a[c]);
            const double bc = std::sqrt(nrm[c]);
            const int st = j + 1;
            steps[c] = st;
            const bool invariant = bc <= 1e-14 * std::max(1.0, std::fabs(a[c]));
            if (j < 30 || st % 5 == 0 || invariant || st == mmax) {  // check every 5 steps later on
                // exp(s T) e1 for the current T
                Eigen::MatrixXd T = Eigen::MatrixXd::Zero(st, st);
                for (int k = 0; k < st; ++k) {
                    T(k, k) = s * alpha[c][k];
                    if (k + 1 < st) T(k, k + 1) = T(k + 1, k) = s * beta[c][k];
                }
                Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(T);
                const Eigen::VectorXd ev = es.eigenvalues();
                const double shift = ev.maxCoeff();  // exp(s T) = e^shift exp(s T - shift)
                Eigen::VectorXd e = (ev.array() - shift).exp().matrix();
                Eigen::VectorXd coef = es.eigenvectors() * (e.asDiagonal() * es.eigenvectors().row(0).transpose());
                coef *= std::exp(shift) * beta0[c];
                if (!std::isfinite(coef.norm())) {  // exp(s M) y overflows float64: report it as such
                    for (int64_t i = 0; i < n; ++i) out[i * b + c] = std::numeric_limits<double>::infinity();
                    active[c] = 0;
                    continue;
                }
                bool converged = invariant;
                if (prev[c].size() > 0) {
                    Eigen::VectorXd p2 = Eigen::VectorXd::Zero(st);
                    p2.head(prev[c].size()) = prev[c];
                    if ((coef - p2).norm() <= tol * coef.norm()) converged = true;
                }
                prev[c] = coef;
                if (converged || st == mmax) {
                    for (int k = 0; k < st; ++k) {
                        const double *vk = V[static_cast<size_t>(k)].data();
                        const double ck = coef(k);
                        for (int64_t i = 0; i < n; ++i) out[i * b + c] += ck * vk[i * b + c];
                    }
                    if (!converged) steps[c] = -st;
                    active[c] = 0;
                    continue;
                }
            }
            beta[c].push_back(bc);
            f[c] = 1.0 / bc;
        }
        if (!any_active(active)) break;
        V.emplace_back(nb);
        double *vn = V.back().data();
        for (int64_t i = 0; i < n; ++i)
            for (int64_t c = 0; c < b; ++c) vn[i * b + c] = W[i * b + c] * f[c];
    }
}

/// Solves M X = Y column by column for symmetric positive definite M by conjugate gradient with a
/// Jacobi preconditioner `dinv` (may be empty), to ||r|| <= tol ||y|| per column; the columns run
/// side by side (one block product per iteration serves all). When `project` is set, the iterates
/// are projected by it (to solve on the range of a singular M; it acts on a whole block). its[c] is
/// the number of iterations of column c (negative if it did not converge within max_iter).
inline void conjugate_gradient_block(const BlockOp &M, int64_t n, int64_t b, const double *Y, double *X, double tol,
                                     int max_iter, const std::vector<double> &dinv,
                                     const std::function<void(double *)> &project, std::vector<int> &its) {
    const size_t nb = static_cast<size_t>(n * b);
    std::vector<double> R(Y, Y + nb), Z(nb), P(nb), Q(nb);
    if (project) project(R.data());
    std::fill(X, X + nb, 0.0);
    its.assign(static_cast<size_t>(b), 0);
    std::vector<double> ynorm, rz, pq, rn, rz2, f(static_cast<size_t>(b));
    col_dots(R.data(), R.data(), n, b, ynorm);
    std::vector<char> active(static_cast<size_t>(b));
    for (int64_t c = 0; c < b; ++c) {
        ynorm[c] = std::sqrt(ynorm[c]);
        active[c] = ynorm[c] > 0;
    }
    auto precond = [&]() {
        for (int64_t i = 0; i < n; ++i)
            for (int64_t c = 0; c < b; ++c) Z[i * b + c] = dinv.empty() ? R[i * b + c] : dinv[i] * R[i * b + c];
        if (project) project(Z.data());
    };
    precond();
    for (size_t e = 0; e < nb; ++e) P[e] = active[e % b] ? Z[e] : 0.0;
    col_dots(R.data(), Z.data(), n, b, rz);
    for (int it = 1; it <= max_iter; ++it) {
        if (!any_active(active)) return;
        M(P.data(), Q.data());
        col_dots(P.data(), Q.data(), n, b, pq);
        for (int64_t c = 0; c < b; ++c) {
            f[c] = 0.0;
            if (!active[c]) continue;
            if (!(pq[c] > 0)) {
                its[c] = -it;
                active[c] = 0;
                continue;
            }
            f[c] = rz[c] / pq[c];
        }
        for (int64_t i = 0; i < n; ++i)
            for (int64_t c = 0; c < b; ++c) {
                X[i * b + c] += f[c] * P[i * b + c];
                R[i * b + c] -= f[c] * Q[i * b + c];
            }
        if (project) project(R.data());
        col_dots(R.data(), R.data(), n, b, rn);
        for (int64_t c = 0; c < b; ++c)
            if (active[c] && std::sqrt(rn[c]) <= tol * ynorm[c]) {
                its[c] = it;
                active[c] = 0;
            }
        precond();
        col_dots(R.data(), Z.data(), n, b, rz2);
        for (int64_t c = 0; c < b; ++c) {
            f[c] = active[c] ? rz2[c] / rz[c] : 0.0;
            rz[c] = rz2[c];
        }
        for (size_t e = 0; e < nb; ++e) P[e] = active[e % b] ? Z[e] + f[e % b] * P[e] : 0.0;
    }
    for (int64_t c = 0; c < b; ++c)
        if (active[c]) its[c] = -max_iter;
}

}  // namespace graph
}  // namespace geomrt

#endif
