// The Sinkhorn solver shared by ot.sinkhorn and the methods built on entropic OT
// (Monge gap, Sinkhorn-Newton-Sparse warm start).
//
// The plan is P_ij = exp((f_i + g_j - C_ij) / eps). The solver keeps log-domain potentials
// (f, g) and a kernel K_ij = exp((f_i + g_j - C_ij) / eps) built by one exact log-sum-exp
// pass, then runs cheap scaling iterations P = diag(u) K diag(v). Whenever the scalings
// leave [e^-40, e^40] they are absorbed into (f, g) and the kernel is rebuilt, so no value
// overflows or underflows to a zero row whatever eps is. One streaming pass over K does a
// whole iteration: row i gives (K v)_i, hence u_i, and its contribution u_i K_i. to K^T u.
// Column sums are reduced over a fixed number of row blocks, so results do not depend on
// the number of threads.
//
// Usage: SinkhornSolver<Cost> S(n, m, a, b, cost, threads);   // a, b > 0, equal sums
//        SinkhornOutcome o = run_sinkhorn(S, eps, cost_range, tol, max_iter, anneal);
//        plan_ij = S.u()[i] * S.K()[i*m+j] * S.v()[j];  f_i = S.f()[i] + eps log u_i (likewise g).
#ifndef GEOMRT_PLUGINS_OT_SINKHORN_SOLVER_HPP
#define GEOMRT_PLUGINS_OT_SINKHORN_SOLVER_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <functional>
#include <limits>
#include <memory>
#include <new>
#include <vector>

#include <geomrt/plugin.hpp>

#include "scaling_kernels.hpp"

namespace geomrt {
namespace ot {


/// Storage for a kernel (every entry is written before it is read). It is scratch memory of the
/// running call (geomrt::sdk::ScratchBuffer): the host maps large blocks 2 MiB aligned with
/// transparent huge pages advised and keeps a few between calls, so repeated solves reuse
/// memory that is already mapped instead of faulting fresh pages in. Outside a method call
/// (solvers used directly by test programs) it is plain heap memory.
template <class T>
class KernelStorage {
public:
    explicit KernelStorage(size_t count)
        : buf_(sdk::Call::current(), std::max<size_t>(count, 1) * sizeof(T)), p_(static_cast<T *>(buf_.data())) {}
    KernelStorage(const KernelStorage &) = delete;
    KernelStorage &operator=(const KernelStorage &) = delete;
    T &operator[](size_t k) { return p_[k]; }
    const T &operator[](size_t k) const { return p_[k]; }
    const T *get() const { return p_; }

private:
    sdk::ScratchBuffer buf_;
    T *p_;
};

constexpr double kAbsorbLog = 40.0;  // absorb scalings once |log u| or |log v| exceeds this
constexpr int kBlocks = 16;          // fixed row blocks for deterministic column reductions
constexpr int64_t kParallelMin = 1 << 18;  // below this many kernel entries one thread is faster
constexpr double kAnnealBelow = 1.0 / 256;  // epsilon scaling pays off only for eps below this x cost range

/// Largest of x[0..m) (m >= 1), with four independent running maxima (max is exact, so any order
/// gives the same value).
inline double max_of(const double *x, int64_t m) {
    double m0 = x[0], m1 = x[0], m2 = x[0], m3 = x[0];
    int64_t j = 0;
    for (; j + 4 <= m; j += 4) {
        m0 = x[j] > m0 ? x[j] : m0;
        m1 = x[j + 1] > m1 ? x[j + 1] : m1;
        m2 = x[j + 2] > m2 ? x[j + 2] : m2;
        m3 = x[j + 3] > m3 ? x[j + 3] : m3;
    }
    for (; j < m; ++j) m0 = x[j] > m0 ? x[j] : m0;
    return std::max(std::max(m0, m1), std::max(m2, m3));
}

/// One row of a log-domain update: row_j = exp((pot_j - C_ij)/eps - mx), mx the largest exponent
/// (inv = 1/eps). Returns the sum of row, so that LSE_j((pot_j - C_ij)/eps) = mx + log(sum).
template <class Cost>
double exp_row(const Cost &cost, int64_t i, const double *pot, int64_t m, double inv, double *row, double &mx) {
    for (int64_t j = 0; j < m; ++j) row[j] = (pot[j] - cost(i, j)) * inv;
    mx = max_of(row, m);
    for (int64_t j = 0; j < m; ++j) row[j] -= mx;
    return kernels::exp_nonpositive(row, m);
}

/// KT is the kernel's storage type: double, or float to halve memory traffic (the scalings,
/// potentials and every sum stay double; the plan is then exact for the rounded kernel).
template <class Cost, class KT = double>
class SinkhornSolver {
public:
    SinkhornSolver(int64_t n, int64_t m, const double *a, const double *b, const Cost &cost, int threads)
        : n_(n), m_(m), a_(a), b_(b), cost_(cost), threads_(n * m >= kParallelMin ? threads : 1),
          nb_(static_cast<int>(std::min<int64_t>(kBlocks, n))),
          K_(static_cast<size_t>(n * m)), f_(n, 0.0), g_(m, 0.0), u_(n, 1.0), v_(m, 1.0), colsum_(m),
          partial_(static_cast<size_t>(nb_) * m), row_err_(nb_), loga_(n), logb_(m) {
        for (int64_t i = 0; i < n; ++i) loga_[i] = std::log(a[i]);
        for (int64_t j = 0; j < m; ++j) logb_[j] = std::log(b[j]);
    }

    /// Fold the scalings into the potentials, then exact log-domain updates of g and f; rebuilds K.
    void rebuild(double eps) {
        // The scalings belong to the kernel built at the previous eps.
        for (int64_t i = 0; i < n_; ++i) f_[i] += eps_ * std::log(u_[i]);
        for (int64_t j = 0; j < m_; ++j) g_[j] += eps_ * std::log(v_[j]);
        eps_ = eps;
        std::fill(u_.begin(), u_.end(), 1.0);
        std::fill(v_.begin(), v_.end(), 1.0);
        // Cheap path: an exact f-update builds the kernel from the current g. Only if some column
        // of the kernel underflowed entirely (possible on the first build at tiny eps) is g updated
        // exactly too (a column log-sum-exp pass) before rebuilding.
        update_f_and_kernel(eps);
        bool empty_column = false;
        for (int64_t j = 0; j < m_; ++j) empty_column = empty_column || !(colsum_[j] > 0);
        if (empty_column) {
            update_g_logdomain(eps);
            update_f_and_kernel(eps);
        }
    }

    /// One scaling iteration (v from the column sums, then one sweep for u and the new column sums).
    /// With omega = 1 it returns the L1 column-marginal error of the new plan (its rows are exact);
    /// with over-relaxation (omega != 1) the L1 error of both marginals of the plan the iteration
    /// started from (after its v update). Returns a negative value if the scalings need absorbing.
    double iterate(double omega = 1.0) {
        double col_err = 0;
        for (int64_t j = 0; j < m_; ++j) {
            if (!(colsum_[j] > 0)) return -1;
            const double t = b_[j] / colsum_[j];
            v_[j] = omega == 1.0 ? t : v_[j] * std::pow(t / v_[j], omega);
            col_err += std::fabs(v_[j] * colsum_[j] - b_[j]);
        }
        bool bad = false;
        const int64_t n = n_, m = m_;
#pragma omp parallel for num_threads(threads_) schedule(static) reduction(|| : bad)
        for (int blk = 0; blk < nb_; ++blk) {
            double *part = &partial_[static_cast<size_t>(blk) * m];
            std::fill(part, part + m, 0.0);
            const int64_t i0 = n * blk / nb_, i1 = n * (blk + 1) / nb_;
            if (!kernels::scale_rows(&K_[static_cast<size_t>(i0 * m)], i1 - i0, m, v_.data(), a_ + i0, u_.data() + i0,
                                     part, omega, &row_err_[blk]))
                bad = true;
        }
        if (bad) return -1;
        reduce_columns();
        double err = 0;
        bool wild = false;
        const double hi = std::exp(kAbsorbLog), lo = 1.0 / hi;
        for (int64_t j = 0; j < m_; ++j) {
            err += std::fabs(v_[j] * colsum_[j] - b_[j]);
            wild = wild || !(v_[j] >= lo && v_[j] <= hi);
        }
        for (int64_t i = 0; i < n_; ++i) wild = wild || !(u_[i] >= lo && u_[i] <= hi);
        if (omega != 1.0) {
            err = col_err;
            for (int blk = 0; blk < nb_; ++blk) err += row_err_[blk];
        }
        if (!std::isfinite(err) || wild) return -1;
        return err;
    }

    /// Column-marginal error of the plan diag(u) K diag(v) without iterating.
    double current_error() const {
        double err = 0;
        for (int64_t j = 0; j < m_; ++j) err += std::fabs(v_[j] * colsum_[j] - b_[j]);
        return err;
    }

    /// The kernel, row-major n x m.
    const KT *K() const { return K_.get(); }
    /// Potentials with the current scalings absorbed: P_ij = u_i K_ij v_j = exp((F_i + G_j - C_ij)/eps).
    std::vector<double> absorbed_f() const {
        std::vector<double> r(f_);
        for (int64_t i = 0; i < n_; ++i) r[i] += eps_ * std::log(u_[i]);
        return r;
    }
    std::vector<double> absorbed_g() const {
        std::vector<double> r(g_);
        for (int64_t j = 0; j < m_; ++j) r[j] += eps_ * std::log(v_[j]);
        return r;
    }
    /// Start from given potentials (e.g. from a float-kernel solve); call rebuild(eps) next.
    void seed(const std::vector<double> &f, const std::vector<double> &g, double eps) {
        f_ = f;
        g_ = g;
        eps_ = eps;
        std::fill(u_.begin(), u_.end(), 1.0);
        std::fill(v_.begin(), v_.end(), 1.0);
    }
    /// Solve next for the target histogram b (same length, positive, same total mass), starting from
    /// the current potentials (a warm start); call rebuild(eps) next, as run_sinkhorn does.
    void retarget(const double *b) {
        b_ = b;
        for (int64_t j = 0; j < m_; ++j) logb_[j] = std::log(b[j]);
    }
    const std::vector<double> &u() const { return u_; }
    const std::vector<double> &v() const { return v_; }
    const std::vector<double> &f() const { return f_; }
    const std::vector<double> &g() const { return g_; }

private:
    void update_g_logdomain(double eps) {
        // g_j = eps log b_j - eps LSE_i((f_i - C_ij)/eps), with an online max per column, in row blocks.
        const int64_t n = n_, m = m_;
        std::vector<double> mx(static_cast<size_t>(nb_) * m), s(static_cast<size_t>(nb_) * m);
#pragma omp parallel for num_threads(threads_) schedule(static)
        for (int blk = 0; blk < nb_; ++blk) {
            double *bm = &mx[static_cast<size_t>(blk) * m], *bs = &s[static_cast<size_t>(blk) * m];
            std::fill(bm, bm + m, -std::numeric_limits<double>::infinity());
            std::fill(bs, bs + m, 0.0);
            const int64_t i0 = n * blk / nb_, i1 = n * (blk + 1) / nb_;
            for (int64_t i = i0; i < i1; ++i) {
                const double fi = f_[i];
                for (int64_t j = 0; j < m; ++j) {
                    const double t = (fi - cost_(i, j)) / eps;
                    if (t == -std::numeric_limits<double>::infinity()) continue;  // +inf cost: a forbidden pair
                    if (t > bm[j]) {
                        bs[j] = bs[j] * std::exp(bm[j] - t) + 1.0;
                        bm[j] = t;
                    } else {
                        bs[j] += std::exp(t - bm[j]);
                    }
                }
            }
        }
        for (int64_t j = 0; j < m; ++j) {
            double M = -std::numeric_limits<double>::infinity();
            for (int blk = 0; blk < nb_; ++blk) M = std::max(M, mx[static_cast<size_t>(blk) * m + j]);
            double S = 0;
            for (int blk = 0; blk < nb_; ++blk) {
                const size_t k = static_cast<size_t>(blk) * m + j;
                if (s[k] > 0) S += s[k] * std::exp(mx[k] - M);
            }
            g_[j] = eps * logb_[j] - eps * (M + std::log(S));
        }
    }

    void update_f_and_kernel(double eps) {
        // f_i = eps log a_i - eps LSE_j((g_j - C_ij)/eps); K_i. = a_i softmax_j((g_j - C_ij)/eps). The same
        // pass adds up the columns of K (u = 1 after a rebuild), in the fixed row blocks.
        const int64_t n = n_, m = m_;
        const double inv = 1.0 / eps;
#pragma omp parallel num_threads(threads_)
        {
            std::vector<double> row(static_cast<size_t>(m));
#pragma omp for schedule(static)
            for (int blk = 0; blk < nb_; ++blk) {
                double *part = &partial_[static_cast<size_t>(blk) * m];
                std::fill(part, part + m, 0.0);
                const int64_t i0 = n * blk / nb_, i1 = n * (blk + 1) / nb_;
                for (int64_t i = i0; i < i1; ++i) {
                    double mx;
                    const double s = exp_row(cost_, i, g_.data(), m, inv, row.data(), mx);
                    const double scale = a_[i] / s;
                    KT *Ki = &K_[static_cast<size_t>(i * m)];
                    for (int64_t j = 0; j < m; ++j) {
                        Ki[j] = static_cast<KT>(row[j] * scale);
                        part[j] += static_cast<double>(Ki[j]);
                    }
                    f_[i] = eps * loga_[i] - eps * (mx + std::log(s));
                }
            }
        }
        reduce_columns();
    }

    void reduce_columns() {
        std::fill(colsum_.begin(), colsum_.end(), 0.0);
        for (int blk = 0; blk < nb_; ++blk) {
            const double *part = &partial_[static_cast<size_t>(blk) * m_];
            for (int64_t j = 0; j < m_; ++j) colsum_[j] += part[j];
        }
    }

    int64_t n_, m_;
    double eps_ = 1.0;
    const double *a_, *b_;
    const Cost &cost_;
    int threads_;
    int nb_;
    KernelStorage<KT> K_;  // uninitialized until the first rebuild
    std::vector<double> f_, g_, u_, v_, colsum_, partial_, row_err_, loga_, logb_;
};

struct SinkhornOutcome {
    int64_t iterations = 0;
    double error = 0;
    bool converged = false;
};

/// Adaptive over-relaxation of the scaling updates (Thibault, Chizat, Dossal, Papadakis 2021;
/// Lehmann, von Renesse, Sambale, Uschmajew 2022). Sinkhorn is an alternating (Gauss-Seidel-like)
/// scheme whose asymptotic rate is mu^2; relaxing it with factor w gives the rate lambda with
/// (lambda + w - 1)^2 = lambda w^2 mu^2, fastest at w* = 2 / (1 + sqrt(1 - mu^2)) (rate w* - 1).
/// The error rate is measured over windows of kWindow iterations (kShortWindow while the rate is
/// below kFastRate); once two windows agree, mu^2 is
/// solved from the relation above and w raised to w* (it only ever grows, up to kMaxOmega). If the
/// error grows tenfold over its best, or stops improving, w falls back to 1 and its cap is halved
/// towards 1. Once a relaxed iteration meets the tolerance, plain iterations finish (so the plan
/// returned has exact row sums).
class Relaxation {
public:
    explicit Relaxation(bool enabled) : off_(!enabled) {}
    double omega() const { return omega_; }
    /// Forget the error history (the kernel was rebuilt); the factor is kept.
    void restart() { hist_.clear(); }
    /// Feed the error returned by an iteration run with omega().
    void observe(double err, double tol) {
        if (off_ || !(err > 0)) return;
        if (omega_ != 1.0 && err <= tol) {
            omega_ = 1.0;
            off_ = true;
            return;
        }
        if (hist_.empty() || err < best_) {
            best_ = err;
            stale_ = 0;
        } else if (omega_ != 1.0 && (err > 10 * best_ || ++stale_ > kMaxStale)) {
            cap_ = 1.0 + 0.5 * (omega_ - 1.0);  // too aggressive: back off
            omega_ = 1.0;
            hist_.clear();
            return;
        }
        hist_.push_back(std::log(err));
        const size_t k = hist_.size();
        // Fast rates (< kFastRate per iteration) settle within short windows; slow ones need longer.
        size_t win = kShortWindow;
        if (k < 2 * win + 1 || err <= tol) return;
        if (std::exp((hist_[k - 1] - hist_[k - 1 - win]) / win) >= kFastRate) win = kWindow;
        if (k < 2 * win + 1) return;
        const double l1 = std::exp((hist_[k - 1] - hist_[k - 1 - win]) / win);
        const double l2 = std::exp((hist_[k - 1 - win] - hist_[k - 1 - 2 * win]) / win);
        if (!(l1 < 1.0) || std::fabs(l1 - l2) > 0.25 * (1.0 - l1)) return;
        const double w = omega_;
        const double mu2 = std::min(0.9999, (l1 + w - 1.0) * (l1 + w - 1.0) / (l1 * w * w));
        const double target = std::min(cap_, 2.0 / (1.0 + std::sqrt(1.0 - mu2)));
        if (target > omega_ + 0.01) {
            omega_ = target;
            hist_.clear();
        }
    }

private:
    static constexpr double kMaxOmega = 1.95;
    static constexpr size_t kWindow = 5;       // iterations per rate measurement
    static constexpr size_t kShortWindow = 3;  // the same for fast rates
    static constexpr double kFastRate = 0.75;
    static constexpr int kMaxStale = 100;  // relaxed iterations without a new best error before backing off
    bool off_;
    double omega_ = 1.0, cap_ = kMaxOmega, best_ = 0;
    int stale_ = 0;
    std::vector<double> hist_;  // log errors since the factor last changed
};

/// Epsilon-scaling schedule: halvings of the cost range while above 2 eps, then eps.
inline std::vector<double> anneal_schedule(double eps, double cost_range) {
    std::vector<double> schedule;
    for (double e = cost_range; e > 2 * eps; e *= 0.5) schedule.push_back(e);
    schedule.push_back(eps);
    return schedule;
}

/// Iterate to `tol` at `eps`. With `anneal`, eps is first halved from the cost range down (epsilon
/// scaling; each stage to a marginal error of 1e-3 or 50 iterations) either from the start, when
/// eps < kAnnealBelow x cost range, or once plain iterations stall: if after kStallCheck iterations
/// the error rate of the last kStallWindow projects more than kStallProjected further iterations,
/// the solve restarts with the schedule from its current potentials. Plain Sinkhorn stalls when the
/// potentials must travel far in units of eps (degenerate costs with ties: error ~ 1/k); easy
/// problems converge faster than the stages would cost, so they are never annealed.
/// `cost_range` is called (at most once) only when annealing is considered. With `relax`, each
/// stage uses adaptive over-relaxation (class Relaxation).
template <class Solver>
SinkhornOutcome run_sinkhorn(Solver &S, double eps, const std::function<double()> &cost_range, double tol,
                             int64_t max_iter, bool anneal, bool relax,
                             const std::function<void(int64_t, double)> &progress = {}) {
    constexpr int64_t kStallCheck = 64, kStallWindow = 16;
    constexpr double kStallProjected = 256;
    double range = -1;
    auto get_range = [&] {
        if (range < 0) range = std::max(cost_range(), eps);
        return range;
    };
    std::vector<double> schedule{eps};
    if (anneal && eps < kAnnealBelow * get_range()) schedule = anneal_schedule(eps, get_range());
    bool may_restart = anneal && schedule.size() == 1;
    SinkhornOutcome out;
    for (size_t stage = 0; stage < schedule.size(); ++stage) {
        const double e = schedule[stage];
        const bool last = stage + 1 == schedule.size();
        const double stage_tol = last ? tol : std::max(tol, 1e-3);
        const int64_t stage_max = last ? max_iter : 50;
        S.rebuild(e);
        Relaxation relaxation(relax);
        int64_t it = 0;
        double err = S.current_error();
        double log_err_window = 0;  // log error kStallWindow iterations before the stall check
        bool pending = false;       // a relaxed iteration reached tol: a plain one must confirm it
        bool restart = false;
        while ((err > stage_tol || pending) && it < stage_max && out.iterations < max_iter) {
            const double omega = relaxation.omega();
            const double r = S.iterate(omega);
            ++it;
            ++out.iterations;
            if (r < 0) {
                // Scalings left the safe range: absorb them and rebuild the kernel exactly
                // (the rebuild itself is one log-domain Sinkhorn iteration).
                S.rebuild(e);
                err = S.current_error();
                relaxation.restart();
                pending = false;
            } else {
                err = r;
                pending = omega != 1.0 && r <= stage_tol;
                relaxation.observe(r, stage_tol);
            }
            if (progress && out.iterations % 10 == 0) progress(out.iterations, err);
            if (!may_restart) continue;
            const double log_err = std::log(std::max(err, 1e-300));
            if (it == kStallCheck - kStallWindow) log_err_window = log_err;
            if (it == kStallCheck) {
                may_restart = false;
                const double rate = std::exp((log_err - log_err_window) / kStallWindow);
                const double projected = rate < 1 ? std::log(tol / err) / std::log(rate)
                                                  : std::numeric_limits<double>::infinity();
                if (err > tol && projected > kStallProjected && get_range() > 2 * eps) {
                    restart = true;
                    break;
                }
            }
        }
        if (restart) {
            schedule = anneal_schedule(eps, get_range());
            stage = static_cast<size_t>(-1);  // the loop's ++ makes it 0
            continue;
        }
        out.error = err;
        out.converged = err <= tol && !pending;
    }
    return out;
}

}  // namespace ot
}  // namespace geomrt

#endif
