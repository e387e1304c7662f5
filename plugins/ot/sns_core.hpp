// Numerical core of ot.sinkhorn_newton_sparse (Sinkhorn-Newton-Sparse, Tang et al., ICLR 2024).
// Kept free of the plugin SDK so that the tests can include it and check the Lyapunov
// function, its gradient and its Hessian directly.
//
// Convention (the one of ot.sinkhorn): with eps = reg = 1/eta, the plan of the dual variables
// (f, g) is P_ij = exp((f_i + g_j - C_ij) / eps). The paper writes P = exp(eta(-C + x 1^T + 1 y^T) - 1);
// the two agree for x = f + eps/2, y = g + eps/2. The concave Lyapunov potential is
//     L(f, g) = a.f + b.g - eps * sum_ij P_ij          (the paper's f(x, y) up to a constant),
//     grad L  = (a - P 1, b - P^T 1),
//     -Hess L = (1/eps) [[diag(P 1), P], [P^T, diag(P^T 1)]].
// L is invariant along v = (1_n, -1_m), so -Hess L is singular along v.
//
// Algorithm (Engine::run):
//   init     f = 0, g_j = min_i C_ij (so every column holds an entry exp(0) = 1); evaluate P.
//   stage 1  up to n_sinkhorn Sinkhorn iterations, stopping early once the marginal error is <= tol.
//            They scale the stored plan (P <- P diag(b / P^T 1), then diag(a / P 1) P, one sweep
//            without exp; the potentials take the logs of the scalings), and P is re-evaluated
//            exactly from (f, g) at the end; a marginal that underflows or overflows switches to the
//            exact log-domain iteration (log-sum-exp of that row or column).
//   stage 2  Newton iterations until the marginal error is <= tol or max_newton:
//            - sparsify: keep the K largest entries of P plus the largest entry of every row and
//              column (so the sparse Hessian graph touches every node). density > 0 gives
//              K = ceil(density n m) (the paper's lambda; lambda = 2/n is its choice for n = m);
//              density = 0 (default) picks K from the mass: the largest entries, by whole binary
//              orders of magnitude, until the rest holds <= 1e-4 of the mass, clamped to
//              [2 max(n, m), 20 max(n, m)]. The diagonal blocks keep the exact marginals P 1 and
//              P^T 1 (the paper sparsifies the whole Hessian, whose diagonal entries dominate every
//              off-diagonal one), so the sparse matrix is diagonally dominant. If the kept entries
//              leave the bipartite row/column graph disconnected, Boruvka rounds add the largest
//              entry joining each component to another (a maximum spanning forest), one pass each;
//            - solve (sparse -Hess) dz = grad L by Jacobi-preconditioned conjugate gradient, the right
//              side and the solution projected onto the complement of v, to the relative residual
//              max(cg_tol, min(0.1, marginal error / mass)) (inexact Newton);
//            - backtracking (Armijo, c1 = 1e-4, halving) line search on L, starting from the full
//              step or from the step that changes no log P_ij by more than a trust radius (30 at
//              first, adapted); the change of L is computed in the cancellation-free form
//                  L(z + t dz) - L(z) = t grad.dz - eps sum_ij P_ij phi(t (dx_i + dy_j) / eps),
//                  phi(s) = e^s - 1 - s (series for small |s|),
//              so that steps are judged correctly down to marginal errors near machine accuracy;
//              each trial point is evaluated exactly (P from the new potentials, one pass);
//            - when CG yields no ascent direction or the line search fails (30 halvings), one exact
//              log-domain Sinkhorn iteration is done instead (counted in sinkhorn_iterations).
//   The marginal error is the L1 error of both marginals, sum_i |(P1)_i - a_i| + sum_j |(P^T1)_j - b_j|.
//
// All dense passes run over fixed row blocks; column sums are reduced in block order and scalar
// sums row by row in index order, so results do not depend on the number of threads.
#ifndef GEOMRT_PLUGINS_OT_SNS_CORE_HPP
#define GEOMRT_PLUGINS_OT_SNS_CORE_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <functional>
#include <limits>
#include <utility>
#include <vector>

// GEOMRT_SNS_THREADS(t) names the thread count that the following GEOMRT_SNS_PARALLEL_FOR uses.
#ifdef _OPENMP
#define GEOMRT_SNS_PARALLEL_FOR _Pragma("omp parallel for num_threads(sns_nt) schedule(static)")
#else
#define GEOMRT_SNS_PARALLEL_FOR
#endif
#define GEOMRT_SNS_THREADS(t) \
    const int sns_nt = (t);   \
    (void)sns_nt

namespace geomrt {
namespace ot {
namespace sns {

constexpr int kRowBlocks = 16;                 // fixed row blocks (deterministic column reductions)
constexpr int64_t kParallelEntries = 1 << 15;  // below this many plan entries one thread is used
// Automatic sparsity (density = 0): keep the largest entries of P, taken by whole binary orders of
// magnitude, until the entries left out hold at most kAutoDrop of the mass, but at least
// kAutoMin max(n, m) (the paper's lambda = 2/n) and at most kAutoMax max(n, m) entries.
constexpr double kAutoDrop = 1e-4;
constexpr int64_t kAutoMin = 2, kAutoMax = 20;
constexpr double kMaxLogStep = 30.0;  // initial trust radius: largest change of a log P_ij per step
constexpr int kMaxHalvings = 30;      // line-search trials before falling back to a Sinkhorn iteration

// ------------------------------------------------------------------ reference formulas (serial)

/// L(f, g) = a.f + b.g - eps sum_ij exp((f_i + g_j - C_ij)/eps); -inf when the sum overflows.
inline double lyapunov(int64_t n, int64_t m, const double *C, const double *a, const double *b, double eps,
                       const double *f, const double *g) {
    double lin = 0, mass = 0;
    for (int64_t i = 0; i < n; ++i) lin += a[i] * f[i];
    for (int64_t j = 0; j < m; ++j) lin += b[j] * g[j];
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < m; ++j) mass += std::exp((f[i] + g[j] - C[i * m + j]) / eps);
    if (!std::isfinite(mass)) return -std::numeric_limits<double>::infinity();
    return lin - eps * mass;
}

/// grad L = (a - P 1, b - P^T 1).
inline void lyapunov_gradient(int64_t n, int64_t m, const double *C, const double *a, const double *b, double eps,
                              const double *f, const double *g, double *gf, double *gg) {
    for (int64_t i = 0; i < n; ++i) gf[i] = a[i];
    for (int64_t j = 0; j < m; ++j) gg[j] = b[j];
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < m; ++j) {
            const double p = std::exp((f[i] + g[j] - C[i * m + j]) / eps);
            gf[i] -= p;
            gg[j] -= p;
        }
}

/// (-Hess L) (vf, vg) = (1/eps) (P1 .* vf + P vg, P^T vf + P^T1 .* vg).
inline void neg_hessian_vec(int64_t n, int64_t m, const double *C, double eps, const double *f, const double *g,
                            const double *vf, const double *vg, double *hf, double *hg) {
    std::fill(hf, hf + n, 0.0);
    std::fill(hg, hg + m, 0.0);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < m; ++j) {
            const double p = std::exp((f[i] + g[j] - C[i * m + j]) / eps);
            hf[i] += p * (vf[i] + vg[j]);
            hg[j] += p * (vf[i] + vg[j]);
        }
    for (int64_t i = 0; i < n; ++i) hf[i] /= eps;
    for (int64_t j = 0; j < m; ++j) hg[j] /= eps;
}

/// exp(e), or 0 below the underflow threshold without calling exp (whose underflow path, with
/// errno, is slow; the result is the same).
inline double exp_or_zero(double e) { return e > -745.2 ? std::exp(e) : 0.0; }

/// p * (e^s - 1 - s) without cancellation; pn = p e^s (used when s > 1).
inline double p_phi(double p, double pn, double s) {
    if (s > 1.0) return pn - p * (1.0 + s);
    const double as = std::fabs(s);
    double ph;
    if (as <= 0.05) {
        ph = s * s *
             (1.0 / 2 +
              s * (1.0 / 6 + s * (1.0 / 24 + s * (1.0 / 120 + s * (1.0 / 720 + s * (1.0 / 5040 + s * (1.0 / 40320)))))));
    } else {
        ph = std::expm1(s) - s;
    }
    return p * ph;
}

// ------------------------------------------------------------------ sparse Hessian

/// eps * (-Hess L) with P replaced by its sparsification S (kept entries, CSR):
/// A = [[diag(rdiag), S], [S^T, diag(cdiag)]], rdiag = P 1, cdiag = P^T 1 (exact marginals).
struct SparseHessian {
    int64_t n = 0, m = 0;
    std::vector<double> rdiag, cdiag;
    std::vector<int64_t> indptr, indices;
    std::vector<double> vals;

    int64_t nnz() const { return static_cast<int64_t>(vals.size()); }

    /// y = A x for x, y of length n + m (f block first). Serial, fixed order.
    void apply(const double *x, double *y) const {
        const double *xf = x, *xg = x + n;
        double *yf = y, *yg = y + n;
        for (int64_t j = 0; j < m; ++j) yg[j] = cdiag[j] * xg[j];
        for (int64_t i = 0; i < n; ++i) {
            double acc = rdiag[i] * xf[i];
            const double xi = xf[i];
            for (int64_t k = indptr[i]; k < indptr[i + 1]; ++k) {
                const int64_t j = indices[k];
                acc += vals[k] * xg[j];
                yg[j] += vals[k] * xi;
            }
            yf[i] = acc;
        }
    }
};

// ------------------------------------------------------------------ engine

struct Settings {
    double tol = 1e-9;         // stop when the L1 marginal error (both marginals) is <= tol
    int64_t n_sinkhorn = 20;   // stage-1 Sinkhorn iterations
    int64_t max_newton = 100;  // stage-2 Newton iterations
    double density = 0;        // fraction of plan entries kept in the sparse Hessian; 0: by mass (see kAutoDrop)
    double cg_tol = 1e-6;      // floor of the CG relative residual (see the forcing term in run)
    int64_t max_cg = 1000;     // conjugate gradient iterations per Newton step
};

struct Report {
    int64_t sinkhorn_iterations = 0, newton_iterations = 0, cg_iterations = 0, dense_passes = 0;
    int64_t fallbacks = 0;  // Newton steps replaced by a Sinkhorn iteration
    double error = std::numeric_limits<double>::infinity();
    bool converged = false;
};

class Engine {
public:
    /// C: dense row-major n x m cost (borrowed); a, b > 0 with equal sums (borrowed); eps > 0.
    Engine(int64_t n, int64_t m, const double *C, const double *a, const double *b, double eps, int threads)
        : n_(n), m_(m), C_(C), a_(a), b_(b), eps_(eps), eta_(1.0 / eps),
          nt_(n * m >= kParallelEntries ? std::max(threads, 1) : 1),
          nb_(static_cast<int>(std::min<int64_t>(kRowBlocks, n))), f_(n, 0.0), g_(m, 0.0),
          P_(static_cast<size_t>(n * m)), Pn_(static_cast<size_t>(n * m)), rs_(n), cs_(m), rsn_(n), csn_(m),
          partial_(static_cast<size_t>(nb_) * m), loga_(n), logb_(m) {
        for (int64_t i = 0; i < n; ++i) loga_[i] = std::log(a[i]);
        for (int64_t j = 0; j < m; ++j) logb_[j] = std::log(b[j]);
        for (int64_t i = 0; i < n; ++i) mass_ += a[i];
    }

    int64_t n() const { return n_; }
    int64_t m() const { return m_; }
    const std::vector<double> &f() const { return f_; }
    const std::vector<double> &g() const { return g_; }
    const std::vector<double> &plan() const { return P_; }
    const std::vector<double> &row_sums() const { return rs_; }
    const std::vector<double> &col_sums() const { return cs_; }
    const Report &report() const { return rep_; }
    /// Number of plan entries kept by the last sparsification (forced row/column maxima included).
    int64_t last_kept() const { return last_kept_; }

    /// Set the potentials and evaluate P and its marginals (one pass).
    void set_potentials(const std::vector<double> &f, const std::vector<double> &g) {
        f_ = f;
        g_ = g;
        evaluate();
    }

    /// f = 0, g_j = min_i C_ij, then evaluate P (two passes).
    void init() {
        GEOMRT_SNS_THREADS(nt_);
        const int64_t n = n_, m = m_;
        std::vector<double> mins(static_cast<size_t>(nb_) * m);
        GEOMRT_SNS_PARALLEL_FOR
        for (int blk = 0; blk < nb_; ++blk) {
            double *mn = &mins[static_cast<size_t>(blk) * m];
            std::fill(mn, mn + m, std::numeric_limits<double>::infinity());
            for (int64_t i = n * blk / nb_; i < n * (blk + 1) / nb_; ++i) {
                const double *Ci = C_ + i * m;
                for (int64_t j = 0; j < m; ++j) mn[j] = std::min(mn[j], Ci[j]);
            }
        }
        std::fill(f_.begin(), f_.end(), 0.0);
        for (int64_t j = 0; j < m; ++j) {
            double v = std::numeric_limits<double>::infinity();
            for (int blk = 0; blk < nb_; ++blk) v = std::min(v, mins[static_cast<size_t>(blk) * m + j]);
            g_[j] = v;
        }
        ++rep_.dense_passes;
        evaluate();
    }

    /// L1 error of both marginals of the current plan.
    double error() const {
        double e = 0;
        for (int64_t i = 0; i < n_; ++i) e += std::fabs(rs_[i] - a_[i]);
        for (int64_t j = 0; j < m_; ++j) e += std::fabs(cs_[j] - b_[j]);
        return e;
    }

    /// One log-domain Sinkhorn iteration: g_j += eps (log b_j - log (P^T 1)_j), re-evaluate,
    /// f_i += eps (log a_i - log (P 1)_i), re-evaluate (two passes). Marginal sums that underflow
    /// or overflow are replaced by exact log-sum-exps of that row or column.
    void sinkhorn_iteration() {
        for (int64_t j = 0; j < m_; ++j) g_[j] += eps_ * (logb_[j] - log_col_sum(j));
        evaluate();
        for (int64_t i = 0; i < n_; ++i) f_[i] += eps_ * (loga_[i] - log_row_sum(i));
        evaluate();
        ++rep_.sinkhorn_iterations;
    }

    /// One Sinkhorn iteration by scaling the stored plan, without exp: v = b / (P^T 1),
    /// P <- P diag(v), u = a / (P 1), P <- diag(u) P, g += eps log v, f += eps log u, in one sweep
    /// (counted as two passes, its two half-steps). P then differs from the Gibbs form of (f, g)
    /// by rounding only, and entries that underflowed stay 0, so the caller re-evaluates P before
    /// using it for Newton steps. Returns false when a marginal is not a normal number (the
    /// exact log-domain iteration is needed); P and (f, g) are then still consistent up to rounding.
    bool scaling_iteration() {
        GEOMRT_SNS_THREADS(nt_);
        const int64_t n = n_, m = m_;
        for (int64_t j = 0; j < m; ++j)
            if (!normal_sum(cs_[j])) return false;
        sv_.resize(m);
        su_.resize(n);
        for (int64_t j = 0; j < m; ++j) sv_[j] = b_[j] / cs_[j];
        std::vector<char> bad(static_cast<size_t>(nb_), 0);
        GEOMRT_SNS_PARALLEL_FOR
        for (int blk = 0; blk < nb_; ++blk) {
            double *part = &partial_[static_cast<size_t>(blk) * m];
            std::fill(part, part + m, 0.0);
            for (int64_t i = n * blk / nb_; i < n * (blk + 1) / nb_; ++i) {
                double *Pi = &P_[static_cast<size_t>(i * m)];
                double r = 0;
                for (int64_t j = 0; j < m; ++j) {
                    Pi[j] *= sv_[j];
                    r += Pi[j];
                }
                double u = 1.0;
                if (normal_sum(r)) u = a_[i] / r;
                else bad[blk] = 1;
                su_[i] = u;
                for (int64_t j = 0; j < m; ++j) {
                    Pi[j] *= u;
                    part[j] += Pi[j];
                }
                rs_[i] = r * u;
            }
        }
        reduce_columns(cs_);
        for (int64_t j = 0; j < m; ++j) g_[j] += eps_ * std::log(sv_[j]);
        for (int64_t i = 0; i < n; ++i) f_[i] += eps_ * std::log(su_[i]);
        rep_.dense_passes += 2;
        ++rep_.sinkhorn_iterations;
        return std::find(bad.begin(), bad.end(), 1) == bad.end();
    }

    /// Sparse approximation of eps * (-Hess L) at the current plan (one counted pass; see select_entries).
    /// density > 0 keeps the ceil(density n m) largest entries of P; density 0 chooses the count by mass.
    SparseHessian sparsify(double density) {
        SparseHessian H;
        H.n = n_;
        H.m = m_;
        H.rdiag = rs_;
        H.cdiag = cs_;
        const int64_t total = n_ * m_;
        int64_t K = -1;
        if (density > 0) {
            const double k = std::ceil(density * static_cast<double>(n_) * static_cast<double>(m_));
            K = std::max<int64_t>(1, k >= static_cast<double>(total) ? total : static_cast<int64_t>(k));
        }
        std::vector<int64_t> keep = select_entries(K);
        connect(keep);
        last_kept_ = static_cast<int64_t>(keep.size());
        H.indptr.assign(static_cast<size_t>(n_ + 1), 0);
        H.indices.resize(keep.size());
        H.vals.resize(keep.size());
        for (size_t k = 0; k < keep.size(); ++k) {
            const int64_t i = keep[k] / m_;
            H.indptr[i + 1]++;
            H.indices[k] = keep[k] % m_;
            H.vals[k] = P_[static_cast<size_t>(keep[k])];
        }
        for (int64_t i = 0; i < n_; ++i) H.indptr[i + 1] += H.indptr[i];
        ++rep_.dense_passes;
        return H;
    }

    /// Solve H x = r (r of length n + m, projected onto the complement of v = (1, -1) first) by
    /// Jacobi-preconditioned CG from x = 0; x is projected too. Returns the iteration count.
    static int64_t solve(const SparseHessian &H, std::vector<double> r, std::vector<double> &x, double cg_tol,
                         int64_t max_cg) {
        const int64_t n = H.n, N = H.n + H.m;
        project(r, n);
        x.assign(static_cast<size_t>(N), 0.0);
        std::vector<double> dinv(N), z(N), p(N), Ap(N);
        for (int64_t i = 0; i < N; ++i) {
            const double d = i < n ? H.rdiag[i] : H.cdiag[i - n];
            dinv[i] = d > 0 && std::isfinite(d) ? 1.0 / d : 0.0;
        }
        const double bnorm = std::sqrt(dotv(r, r));
        if (!(bnorm > 0)) return 0;
        for (int64_t i = 0; i < N; ++i) p[i] = z[i] = dinv[i] * r[i];
        double rz = dotv(r, z);
        int64_t k = 0;
        while (k < max_cg && std::sqrt(dotv(r, r)) > cg_tol * bnorm) {
            H.apply(p.data(), Ap.data());
            const double pAp = dotv(p, Ap);
            if (!(pAp > 0) || !std::isfinite(pAp)) break;
            const double alpha = rz / pAp;
            for (int64_t i = 0; i < N; ++i) {
                x[i] += alpha * p[i];
                r[i] -= alpha * Ap[i];
            }
            ++k;
            for (int64_t i = 0; i < N; ++i) z[i] = dinv[i] * r[i];
            const double rz_new = dotv(r, z);
            const double beta = rz_new / rz;
            rz = rz_new;
            for (int64_t i = 0; i < N; ++i) p[i] = z[i] + beta * p[i];
        }
        project(x, n);
        return k;
    }

    /// Evaluate the trial point (f + t dx, g + t dy) into the spare buffers (one pass) and return
    /// L(trial) - L(current) = t gd - eps sum P phi(t (dx_i + dy_j)/eps), gd = grad L . (dx, dy).
    double trial(double t, const std::vector<double> &dx, const std::vector<double> &dy, double gd) {
        GEOMRT_SNS_THREADS(nt_);
        const int64_t n = n_, m = m_;
        fn_.resize(n);
        gn_.resize(m);
        sx_.resize(n);
        sy_.resize(m);
        rowterm_.resize(n);
        for (int64_t i = 0; i < n; ++i) {
            fn_[i] = f_[i] + t * dx[i];
            sx_[i] = t * dx[i] * eta_;
        }
        for (int64_t j = 0; j < m; ++j) {
            gn_[j] = g_[j] + t * dy[j];
            sy_[j] = t * dy[j] * eta_;
        }
        const double eta = eta_;
        GEOMRT_SNS_PARALLEL_FOR
        for (int blk = 0; blk < nb_; ++blk) {
            double *part = &partial_[static_cast<size_t>(blk) * m];
            std::fill(part, part + m, 0.0);
            for (int64_t i = n * blk / nb_; i < n * (blk + 1) / nb_; ++i) {
                const double *Ci = C_ + i * m;
                const double *Pi = &P_[static_cast<size_t>(i * m)];
                double *Qi = &Pn_[static_cast<size_t>(i * m)];
                const double fi = fn_[i], si = sx_[i];
                double rsum = 0, term = 0;
                for (int64_t j = 0; j < m; ++j) {
                    const double q = exp_or_zero((fi + gn_[j] - Ci[j]) * eta);
                    Qi[j] = q;
                    rsum += q;
                    part[j] += q;
                    const double p = Pi[j];
                    term += p > 0 ? p_phi(p, q, si + sy_[j]) : q;
                }
                rsn_[i] = rsum;
                rowterm_[i] = term;
            }
        }
        reduce_columns(csn_);
        ++rep_.dense_passes;
        double total = 0;
        for (int64_t i = 0; i < n; ++i) total += rowterm_[i];
        return t * gd - eps_ * total;
    }

    /// Make the last trial point the current one.
    void accept_trial() {
        std::swap(f_, fn_);
        std::swap(g_, gn_);
        std::swap(P_, Pn_);
        std::swap(rs_, rsn_);
        std::swap(cs_, csn_);
    }

    /// The whole method; progress(stage iteration count, error) is called once per iteration.
    const Report &run(const Settings &s, const std::function<void(int64_t, double)> &progress = {}) {
        init();
        rep_.error = error();
        bool scaled = false;
        while (rep_.sinkhorn_iterations < s.n_sinkhorn && rep_.error > s.tol) {
            if (scaling_iteration()) {
                scaled = true;
            } else {
                if (scaled) evaluate();
                scaled = false;
                sinkhorn_iteration();
            }
            rep_.error = error();
            if (progress) progress(rep_.sinkhorn_iterations, rep_.error);
        }
        if (scaled) {
            evaluate();  // the exact Gibbs plan of the potentials (the scaled one carries rounding)
            rep_.error = error();
        }
        std::vector<double> grad(static_cast<size_t>(n_ + m_)), x, dx(n_), dy(m_);
        double radius = kMaxLogStep;
        while (rep_.error > s.tol && rep_.newton_iterations < s.max_newton) {
            ++rep_.newton_iterations;
            SparseHessian H = sparsify(s.density);
            for (int64_t i = 0; i < n_; ++i) grad[i] = a_[i] - rs_[i];
            for (int64_t j = 0; j < m_; ++j) grad[n_ + j] = b_[j] - cs_[j];
            // Inexact Newton: the CG tolerance follows the relative marginal error (at most 0.1),
            // down to cg_tol; far from the optimum a rough direction is as good as an exact one.
            const double forcing = std::max(s.cg_tol, std::min(0.1, rep_.error / mass_));
            rep_.cg_iterations += solve(H, grad, x, forcing, s.max_cg);
            double gd = 0;
            for (int64_t i = 0; i < n_; ++i) {
                dx[i] = eps_ * x[i];
                gd += grad[i] * dx[i];
            }
            for (int64_t j = 0; j < m_; ++j) {
                dy[j] = eps_ * x[n_ + j];
                gd += grad[n_ + j] * dy[j];
            }
            bool accepted = false;
            if (gd > 0 && std::isfinite(gd)) {
                // Start from the full step, or from the step that changes no log-plan entry by more
                // than radius (a trust region in the exponents: far from the optimum a weakly
                // coupled block of the plan gives a nearly singular system and a huge step). The
                // radius starts at kMaxLogStep, grows 4x after a capped step taken whole, and shrinks
                // back (not below kMaxLogStep) after a capped step that had to be halved.
                double mx = 0, my = 0;
                for (double v : dx) mx = std::max(mx, std::fabs(v));
                for (double v : dy) my = std::max(my, std::fabs(v));
                const double t0 = std::min(1.0, radius / ((mx + my) * eta_));
                double t = t0;
                for (int ls = 0; ls < kMaxHalvings; ++ls, t *= 0.5) {
                    const double delta = trial(t, dx, dy, gd);
                    if (std::isfinite(delta) && delta >= 1e-4 * t * gd) {
                        accept_trial();
                        accepted = true;
                        if (t0 < 1.0) radius = ls == 0 ? 4 * radius : std::max(kMaxLogStep, radius / 4);
                        break;
                    }
                }
            }
            if (!accepted) {
                ++rep_.fallbacks;
                sinkhorn_iteration();
            }
            rep_.error = error();
            if (progress) progress(rep_.sinkhorn_iterations + rep_.newton_iterations, rep_.error);
        }
        rep_.converged = rep_.error <= s.tol;
        return rep_;
    }

private:
    static double dotv(const std::vector<double> &x, const std::vector<double> &y) {
        double s = 0;
        for (size_t i = 0; i < x.size(); ++i) s += x[i] * y[i];
        return s;
    }

    /// Remove the component along v = (1_n, -1_m).
    static void project(std::vector<double> &x, int64_t n) {
        const int64_t N = static_cast<int64_t>(x.size());
        double s = 0;
        for (int64_t i = 0; i < N; ++i) s += i < n ? x[i] : -x[i];
        const double c = s / static_cast<double>(N);
        for (int64_t i = 0; i < N; ++i) x[i] -= i < n ? c : -c;
    }

    /// P, P 1, P^T 1 from (f, g): one pass.
    void evaluate() {
        GEOMRT_SNS_THREADS(nt_);
        const int64_t n = n_, m = m_;
        const double eta = eta_;
        GEOMRT_SNS_PARALLEL_FOR
        for (int blk = 0; blk < nb_; ++blk) {
            double *part = &partial_[static_cast<size_t>(blk) * m];
            std::fill(part, part + m, 0.0);
            for (int64_t i = n * blk / nb_; i < n * (blk + 1) / nb_; ++i) {
                const double *Ci = C_ + i * m;
                double *Pi = &P_[static_cast<size_t>(i * m)];
                const double fi = f_[i];
                double rsum = 0;
                for (int64_t j = 0; j < m; ++j) {
                    const double p = exp_or_zero((fi + g_[j] - Ci[j]) * eta);
                    Pi[j] = p;
                    rsum += p;
                    part[j] += p;
                }
                rs_[i] = rsum;
            }
        }
        reduce_columns(cs_);
        ++rep_.dense_passes;
    }

    void reduce_columns(std::vector<double> &cs) const {
        std::fill(cs.begin(), cs.end(), 0.0);
        for (int blk = 0; blk < nb_; ++blk) {
            const double *part = &partial_[static_cast<size_t>(blk) * m_];
            for (int64_t j = 0; j < m_; ++j) cs[j] += part[j];
        }
    }

    static bool normal_sum(double s) { return s > 1e-280 && s < 1e280; }

    double log_row_sum(int64_t i) const {
        if (normal_sum(rs_[i])) return std::log(rs_[i]);
        const double *Ci = C_ + i * m_;
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < m_; ++j) mx = std::max(mx, (f_[i] + g_[j] - Ci[j]) * eta_);
        double s = 0;
        for (int64_t j = 0; j < m_; ++j) s += std::exp((f_[i] + g_[j] - Ci[j]) * eta_ - mx);
        return mx + std::log(s);
    }

    double log_col_sum(int64_t j) const {
        if (normal_sum(cs_[j])) return std::log(cs_[j]);
        double mx = -std::numeric_limits<double>::infinity();
        for (int64_t i = 0; i < n_; ++i) mx = std::max(mx, (f_[i] + g_[j] - C_[i * m_ + j]) * eta_);
        double s = 0;
        for (int64_t i = 0; i < n_; ++i) s += std::exp((f_[i] + g_[j] - C_[i * m_ + j]) * eta_ - mx);
        return mx + std::log(s);
    }

    static int64_t find_root(std::vector<int64_t> &parent, int64_t x) {
        while (parent[x] != x) {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        return x;
    }

    /// Make the graph of the kept entries (rows and columns as nodes) connected where P allows it, by
    /// Boruvka rounds of a maximum spanning forest: each round adds, for every component, the
    /// largest entry of P joining it to another component (one pass over the stored plan, counted
    /// in dense_passes). Otherwise a component whose coupling to the rest was dropped makes the
    /// sparse Newton system nearly singular along (1 on its rows, -1 on its columns), and far from
    /// the optimum the Newton step along it is huge. keep stays sorted and unique.
    void connect(std::vector<int64_t> &keep) {
        GEOMRT_SNS_THREADS(nt_);
        const int64_t n = n_, m = m_, N = n_ + m_;
        std::vector<int64_t> parent(N);
        for (int64_t k = 0; k < N; ++k) parent[k] = k;
        auto unite = [&](int64_t x, int64_t y) {
            x = find_root(parent, x);
            y = find_root(parent, y);
            if (x == y) return false;
            if (x < y) std::swap(x, y);
            parent[x] = y;  // the smaller id is the root: deterministic
            return true;
        };
        for (int64_t e : keep) unite(e / m, n + e % m);
        std::vector<int64_t> comp(N), best_arg(static_cast<size_t>(nb_) * N);
        std::vector<double> best_val(static_cast<size_t>(nb_) * N);
        bool added_any = false;
        while (true) {
            int64_t ncomp = 0;
            for (int64_t k = 0; k < N; ++k) {
                comp[k] = find_root(parent, k);
                ncomp += comp[k] == k;
            }
            if (ncomp <= 1) break;
            const int64_t *compc = comp.data() + n;
            GEOMRT_SNS_PARALLEL_FOR
            for (int blk = 0; blk < nb_; ++blk) {
                double *bv = &best_val[static_cast<size_t>(blk) * N];
                int64_t *ba = &best_arg[static_cast<size_t>(blk) * N];
                std::fill(bv, bv + N, 0.0);
                std::fill(ba, ba + N, int64_t(-1));
                for (int64_t i = n * blk / nb_; i < n * (blk + 1) / nb_; ++i) {
                    const double *Pi = &P_[static_cast<size_t>(i * m)];
                    const int64_t ci = comp[i];
                    for (int64_t j = 0; j < m; ++j) {
                        const double p = Pi[j];
                        const int64_t cj = compc[j];
                        if (cj == ci) continue;
                        if (p > bv[ci]) {
                            bv[ci] = p;
                            ba[ci] = i * m + j;
                        }
                        if (p > bv[cj]) {
                            bv[cj] = p;
                            ba[cj] = i * m + j;
                        }
                    }
                }
            }
            ++rep_.dense_passes;
            std::vector<int64_t> edges;
            for (int64_t k = 0; k < N; ++k) {
                if (comp[k] != k) continue;
                double v = 0;
                int64_t arg = -1;
                for (int blk = 0; blk < nb_; ++blk) {
                    const size_t q = static_cast<size_t>(blk) * N + k;
                    if (best_val[q] > v) {
                        v = best_val[q];
                        arg = best_arg[q];
                    }
                }
                if (arg >= 0) edges.push_back(arg);
            }
            bool merged = false;
            for (int64_t e : edges)
                if (unite(e / m, n + e % m)) {
                    keep.push_back(e);
                    merged = true;
                }
            if (!merged) break;  // the remaining components are not coupled at all in floating point
            added_any = true;
        }
        if (added_any) {
            std::sort(keep.begin(), keep.end());
            keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
        }
    }

    static uint64_t bits_of(double x) {
        uint64_t u;
        std::memcpy(&u, &x, sizeof u);
        return u;
    }

    /// Linear indices (sorted) of the K largest positive entries of P (ties broken by the smaller
    /// index), together with the largest entry of every row and column. Exact selection by a radix
    /// select on the bit patterns of the (nonnegative) entries: one histogram pass over the
    /// exponent, further passes over 11-bit mantissa digits only while the boundary bucket holds
    /// many entries, and one collecting pass; no copy of the plan is made. K < 0: automatic count
    /// from the exponent histogram's masses (see kAutoDrop).
    std::vector<int64_t> select_entries(int64_t K) {
        GEOMRT_SNS_THREADS(nt_);
        const int64_t n = n_, m = m_;
        static const int kLo[6] = {52, 41, 30, 19, 8, 0};
        static const int kWidth[6] = {11, 11, 11, 11, 11, 8};
        int64_t cap = 4 * K + 4096;  // collect the boundary bucket once it holds at most this many
        std::vector<int64_t> row_arg(n), col_arg(static_cast<size_t>(nb_) * m);
        std::vector<double> col_max(static_cast<size_t>(nb_) * m);
        std::vector<int64_t> hist(static_cast<size_t>(nb_) * 2048);
        std::vector<double> mass(static_cast<size_t>(nb_) * 2048);
        int level = -1;
        uint64_t prefix = 0;  // bits above kLo[level] of the boundary bucket
        int64_t need = K, bucket_count = 0;
        while (true) {
            const int next = level + 1;
            const int lo = kLo[next], width = kWidth[next];
            const int plo = level >= 0 ? kLo[level] : 63;
            const uint64_t mask = (uint64_t(1) << width) - 1;
            std::fill(hist.begin(), hist.end(), 0);
            const bool first = level < 0;
            GEOMRT_SNS_PARALLEL_FOR
            for (int blk = 0; blk < nb_; ++blk) {
                int64_t *h = &hist[static_cast<size_t>(blk) * 2048];
                double *ms = &mass[static_cast<size_t>(blk) * 2048];
                double *cm = &col_max[static_cast<size_t>(blk) * m];
                int64_t *ca = &col_arg[static_cast<size_t>(blk) * m];
                if (first) {
                    std::fill(cm, cm + m, -1.0);
                    std::fill(ca, ca + m, int64_t(-1));
                }
                for (int64_t i = n * blk / nb_; i < n * (blk + 1) / nb_; ++i) {
                    const double *Pi = &P_[static_cast<size_t>(i * m)];
                    if (first) {
                        double rm = -1;
                        int64_t ra = -1;
                        for (int64_t j = 0; j < m; ++j) {
                            const double p = Pi[j];
                            if (p > rm) {
                                rm = p;
                                ra = j;
                            }
                            if (p > cm[j]) {
                                cm[j] = p;
                                ca[j] = i;
                            }
                            const uint64_t u = bits_of(p);
                            if (u) {
                                h[(u >> lo) & mask]++;
                                ms[(u >> lo) & mask] += p;
                            }
                        }
                        row_arg[i] = ra;
                    } else {
                        for (int64_t j = 0; j < m; ++j) {
                            const uint64_t u = bits_of(Pi[j]);
                            if (u && (u >> plo) == prefix) h[(u >> lo) & mask]++;
                        }
                    }
                }
            }
            for (int blk = 1; blk < nb_; ++blk)
                for (int d = 0; d < 2048; ++d) hist[d] += hist[static_cast<size_t>(blk) * 2048 + d];
            if (first) {
                int64_t positives = 0;
                for (int d = 0; d < 2048; ++d) positives += hist[d];
                if (K < 0) {
                    // Automatic count: whole exponent buckets from the top until the rest holds <= kAutoDrop.
                    double tot = 0;
                    for (int d = 0; d < 2048; ++d)
                        for (int blk = 0; blk < nb_; ++blk) tot += mass[static_cast<size_t>(blk) * 2048 + d];
                    double kept = 0;
                    int64_t count = 0;
                    for (int d = 2047; d >= 0 && kept < (1 - kAutoDrop) * tot; --d) {
                        for (int blk = 0; blk < nb_; ++blk) kept += mass[static_cast<size_t>(blk) * 2048 + d];
                        count += hist[d];
                    }
                    const int64_t big = std::max(n, m);
                    K = std::min(n * m, std::min(kAutoMax * big, std::max(kAutoMin * big, count)));
                    need = K;
                    cap = 4 * K + 4096;
                }
                need = std::min(need, positives);
                if (need == 0) break;
            }
            int64_t above = 0;
            int64_t d = static_cast<int64_t>(mask);
            for (; d > 0 && above + hist[d] < need; --d) above += hist[d];
            need -= above;
            prefix = (prefix << width) | static_cast<uint64_t>(d);
            bucket_count = hist[d];
            level = next;
            if (bucket_count <= cap || level == 5) break;
        }
        // Merge the column maxima over the blocks in order (smallest row index among ties).
        std::vector<int64_t> keep;
        keep.reserve(static_cast<size_t>(std::max<int64_t>(K, 0) + n + m));
        for (int64_t i = 0; i < n; ++i)
            if (row_arg[i] >= 0 && P_[static_cast<size_t>(i * m + row_arg[i])] > 0) keep.push_back(i * m + row_arg[i]);
        for (int64_t j = 0; j < m; ++j) {
            double best = -1;
            int64_t arg = -1;
            for (int blk = 0; blk < nb_; ++blk) {
                const size_t k = static_cast<size_t>(blk) * m + j;
                if (col_max[k] > best) {
                    best = col_max[k];
                    arg = col_arg[k];
                }
            }
            if (arg >= 0 && best > 0) keep.push_back(arg * m + j);
        }
        if (level >= 0 && need > 0) {
            const int lo = kLo[level];
            const bool last = level == 5;  // all candidates are equal: take the first `need` by index
            std::vector<std::vector<int64_t>> sure(nb_), cand(nb_);
            GEOMRT_SNS_PARALLEL_FOR
            for (int blk = 0; blk < nb_; ++blk) {
                for (int64_t i = n * blk / nb_; i < n * (blk + 1) / nb_; ++i) {
                    const double *Pi = &P_[static_cast<size_t>(i * m)];
                    for (int64_t j = 0; j < m; ++j) {
                        const uint64_t u = bits_of(Pi[j]);
                        if (!u) continue;
                        const uint64_t top = u >> lo;
                        if (top > prefix) sure[blk].push_back(i * m + j);
                        else if (top == prefix && (!last || static_cast<int64_t>(cand[blk].size()) < need))
                            cand[blk].push_back(i * m + j);
                    }
                }
            }
            std::vector<int64_t> all;
            for (int blk = 0; blk < nb_; ++blk) {
                keep.insert(keep.end(), sure[blk].begin(), sure[blk].end());
                all.insert(all.end(), cand[blk].begin(), cand[blk].end());
            }
            if (!last) {
                const auto &P = P_;
                std::sort(all.begin(), all.end(), [&P](int64_t x, int64_t y) {
                    const double px = P[static_cast<size_t>(x)], py = P[static_cast<size_t>(y)];
                    return px != py ? px > py : x < y;
                });
            }
            if (static_cast<int64_t>(all.size()) > need) all.resize(static_cast<size_t>(need));
            keep.insert(keep.end(), all.begin(), all.end());
        }
        std::sort(keep.begin(), keep.end());
        keep.erase(std::unique(keep.begin(), keep.end()), keep.end());
        return keep;
    }

    int64_t n_, m_;
    const double *C_, *a_, *b_;
    double eps_, eta_, mass_ = 0;
    int nt_, nb_;
    std::vector<double> f_, g_, P_, Pn_, rs_, cs_, rsn_, csn_, partial_, loga_, logb_;
    std::vector<double> fn_, gn_, sx_, sy_, rowterm_, su_, sv_;
    Report rep_;
    int64_t last_kept_ = 0;
};

}  // namespace sns
}  // namespace ot
}  // namespace geomrt

#endif
