// Krylov methods on a sparse symmetric operator: the largest eigenvalue by restarted Lanczos
// (full reorthogonalization), f(M) y by Lanczos (f = exp), and M^-1 y by conjugate gradient.
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

/// out = exp(s M) y by Lanczos: ||y|| V_m exp(s T_m) e_1, with m grown until two successive
/// estimates differ by at most tol relative. Returns the number of steps (negative if max_iter
/// was reached without convergence).
inline int lanczos_expv(const Op &M, int64_t n, double s, const double *y, double *out, double tol, int max_iter) {
    const double beta0 = std::sqrt(dot(y, y, n));
    if (beta0 == 0) {
        std::fill(out, out + n, 0.0);
        return 0;
    }
    const int mmax = static_cast<int>(std::min<int64_t>(max_iter, n));
    std::vector<double> V(static_cast<size_t>(n)), w(static_cast<size_t>(n));  // grows by n per step
    for (int64_t i = 0; i < n; ++i) V[i] = y[i] / beta0;
    std::vector<double> alpha, beta;
    Eigen::VectorXd prev;
    int steps = 0;
    bool converged = false;
    for (int j = 0; j < mmax; ++j) {
        const double *vj = &V[static_cast<size_t>(j) * n];
        M(vj, w.data());
        const double a = dot(vj, w.data(), n);
        for (int64_t i = 0; i < n; ++i) w[i] -= a * vj[i] + (j > 0 ? beta[j - 1] * V[static_cast<size_t>(j - 1) * n + i] : 0.0);
        // one local reorthogonalization against the last two vectors keeps the recurrence clean
        for (int k = std::max(0, j - 1); k <= j; ++k) {
            const double *vk = &V[static_cast<size_t>(k) * n];
            const double h = dot(vk, w.data(), n);
            for (int64_t i = 0; i < n; ++i) w[i] -= h * vk[i];
        }
        alpha.push_back(a);
        const double b = std::sqrt(dot(w.data(), w.data(), n));
        steps = j + 1;
        const bool invariant = b <= 1e-14 * std::max(1.0, std::fabs(a));
        if (!(j < 30 || steps % 5 == 0 || invariant || steps == mmax)) {  // check every 5 steps later on
            beta.push_back(b);
            V.resize(static_cast<size_t>(n) * (j + 2));
            double *vn = &V[static_cast<size_t>(j + 1) * n];
            for (int64_t i = 0; i < n; ++i) vn[i] = w[i] / b;
            continue;
        }
        // exp(s T) e1 for the current T
        Eigen::MatrixXd T = Eigen::MatrixXd::Zero(steps, steps);
        for (int k = 0; k < steps; ++k) {
            T(k, k) = s * alpha[k];
            if (k + 1 < steps) T(k, k + 1) = T(k + 1, k) = s * beta[k];
        }
        Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(T);
        const Eigen::VectorXd ev = es.eigenvalues();
        const double shift = ev.maxCoeff();  // exp(s T) = e^shift exp(s T - shift)
        Eigen::VectorXd f = (ev.array() - shift).exp().matrix();
        Eigen::VectorXd coef = es.eigenvectors() * (f.asDiagonal() * es.eigenvectors().row(0).transpose());
        coef *= std::exp(shift) * beta0;
        if (!std::isfinite(coef.norm())) {  // exp(s M) y overflows float64: report it as such
            std::fill(out, out + n, std::numeric_limits<double>::infinity());
            return steps;
        }
        if (prev.size() > 0) {
            Eigen::VectorXd p2 = Eigen::VectorXd::Zero(steps);
            p2.head(prev.size()) = prev;
            if ((coef - p2).norm() <= tol * coef.norm()) converged = true;
        }
        prev = coef;
        if (converged || invariant || j + 1 == mmax) {
            if (invariant) converged = true;
            std::fill(out, out + n, 0.0);
            for (int k = 0; k < steps; ++k) {
                const double *vk = &V[static_cast<size_t>(k) * n];
                const double ck = coef(k);
                for (int64_t i = 0; i < n; ++i) out[i] += ck * vk[i];
            }
            break;
        }
        beta.push_back(b);
        V.resize(static_cast<size_t>(n) * (j + 2));
        double *vn = &V[static_cast<size_t>(j + 1) * n];
        for (int64_t i = 0; i < n; ++i) vn[i] = w[i] / b;
    }
    return converged ? steps : -steps;
}

/// Solves M x = y for symmetric positive definite M by conjugate gradient with a Jacobi
/// preconditioner `dinv` (may be empty), to ||r|| <= tol ||y||. When `project` is set, the
/// iterates are projected by it (to solve on the range of a singular M). Returns the number of
/// iterations (negative if max_iter was reached without convergence).
inline int conjugate_gradient(const Op &M, int64_t n, const double *y, double *x, double tol, int max_iter,
                              const std::vector<double> &dinv,
                              const std::function<void(double *)> &project = nullptr) {
    std::vector<double> r(y, y + n), z(static_cast<size_t>(n)), p(static_cast<size_t>(n)), q(static_cast<size_t>(n));
    if (project) project(r.data());
    std::fill(x, x + n, 0.0);
    const double ynorm = std::sqrt(dot(r.data(), r.data(), n));
    if (ynorm == 0) return 0;
    auto precond = [&](const double *in, double *out) {
        for (int64_t i = 0; i < n; ++i) out[i] = dinv.empty() ? in[i] : dinv[i] * in[i];
        if (project) project(out);
    };
    precond(r.data(), z.data());
    p = z;
    double rz = dot(r.data(), z.data(), n);
    for (int it = 1; it <= max_iter; ++it) {
        M(p.data(), q.data());
        const double pq = dot(p.data(), q.data(), n);
        if (!(pq > 0)) return -it;
        const double a = rz / pq;
        for (int64_t i = 0; i < n; ++i) {
            x[i] += a * p[i];
            r[i] -= a * q[i];
        }
        if (project) project(r.data());
        if (std::sqrt(dot(r.data(), r.data(), n)) <= tol * ynorm) return it;
        precond(r.data(), z.data());
        const double rz2 = dot(r.data(), z.data(), n);
        const double b = rz2 / rz;
        rz = rz2;
        for (int64_t i = 0; i < n; ++i) p[i] = z[i] + b * p[i];
    }
    return -max_iter;
}

}  // namespace graph
}  // namespace geomrt

#endif
