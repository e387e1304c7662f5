// ot.sinkhorn: entropic optimal transport by Sinkhorn scaling with log-domain absorption
// and epsilon annealing.
//
// The plan is P_ij = exp((f_i + g_j - C_ij) / eps). The solver keeps log-domain potentials
// (f, g) and a kernel K_ij = exp((f_i + g_j - C_ij) / eps) built by one exact log-sum-exp
// pass, then runs cheap scaling iterations P = diag(u) K diag(v). Whenever the scalings
// leave [e^-40, e^40] they are absorbed into (f, g) and the kernel is rebuilt, so no value
// overflows or underflows to a zero row whatever eps is. One streaming pass over K does a
// whole iteration: row i gives (K v)_i, hence u_i, and its contribution u_i K_i. to K^T u.
// Column sums are reduced over a fixed number of row blocks, so results do not depend on
// the number of threads.
#include <cmath>
#include <limits>

#include "common.hpp"
#include "ot_methods.hpp"

namespace geomrt {
namespace ot {

namespace {

constexpr double kAbsorbLog = 40.0;  // absorb scalings once |log u| or |log v| exceeds this
constexpr int kBlocks = 16;          // fixed row blocks for deterministic column reductions
constexpr int64_t kParallelMin = 1 << 20;  // below this many kernel entries one thread is faster

/// Dot product with four independent accumulators (vectorizable; fixed order, so deterministic).
inline double dot(const double *x, const double *y, int64_t m) {
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    int64_t j = 0;
    for (; j + 4 <= m; j += 4) {
        s0 += x[j] * y[j];
        s1 += x[j + 1] * y[j + 1];
        s2 += x[j + 2] * y[j + 2];
        s3 += x[j + 3] * y[j + 3];
    }
    for (; j < m; ++j) s0 += x[j] * y[j];
    return (s0 + s1) + (s2 + s3);
}

template <class Cost>
class SinkhornSolver {
public:
    SinkhornSolver(int64_t n, int64_t m, const double *a, const double *b, const Cost &cost, int threads)
        : n_(n), m_(m), a_(a), b_(b), cost_(cost), threads_(n * m >= kParallelMin ? threads : 1),
          nb_(static_cast<int>(std::min<int64_t>(kBlocks, n))),
          K_(static_cast<size_t>(n * m)), f_(n, 0.0), g_(m, 0.0), u_(n, 1.0), v_(m, 1.0), colsum_(m),
          partial_(static_cast<size_t>(nb_) * m), loga_(n), logb_(m) {
        for (int64_t i = 0; i < n; ++i) loga_[i] = std::log(a[i]);
        for (int64_t j = 0; j < m; ++j) logb_[j] = std::log(b[j]);
    }

    /// Fold the scalings into the potentials, then exact log-domain updates of g and f; rebuilds K.
    void rebuild(double eps) {
        // The scalings belong to the kernel built at the previous eps.
        for (int64_t i = 0; i < n_; ++i) f_[i] += eps_ * std::log(u_[i]);
        for (int64_t j = 0; j < m_; ++j) g_[j] += eps_ * std::log(v_[j]);
        eps_ = eps;
        update_g_logdomain(eps);
        update_f_and_kernel(eps);
        std::fill(u_.begin(), u_.end(), 1.0);
        std::fill(v_.begin(), v_.end(), 1.0);
        column_sums();
    }

    /// One scaling iteration; returns the L1 column-marginal error of the new plan (rows are exact),
    /// or a negative value if the scalings need absorbing first.
    double iterate() {
        for (int64_t j = 0; j < m_; ++j) {
            if (!(colsum_[j] > 0)) return -1;
            v_[j] = b_[j] / colsum_[j];
        }
        bool bad = false;
        const int64_t n = n_, m = m_;
#pragma omp parallel for num_threads(threads_) schedule(static) reduction(|| : bad)
        for (int blk = 0; blk < nb_; ++blk) {
            double *part = &partial_[static_cast<size_t>(blk) * m];
            std::fill(part, part + m, 0.0);
            const int64_t i0 = n * blk / nb_, i1 = n * (blk + 1) / nb_;
            for (int64_t i = i0; i < i1; ++i) {
                const double *Ki = &K_[static_cast<size_t>(i * m)];
                const double r = dot(Ki, v_.data(), m);
                if (!(r > 0) || !std::isfinite(r)) {
                    bad = true;
                    continue;
                }
                const double ui = a_[i] / r;
                u_[i] = ui;
                for (int64_t j = 0; j < m; ++j) part[j] += ui * Ki[j];
            }
        }
        if (bad) return -1;
        reduce_columns();
        double err = 0, worst = 0;
        for (int64_t j = 0; j < m_; ++j) {
            err += std::fabs(v_[j] * colsum_[j] - b_[j]);
            worst = std::max(worst, std::fabs(std::log(v_[j])));
        }
        for (int64_t i = 0; i < n_; ++i) worst = std::max(worst, std::fabs(std::log(u_[i])));
        if (!std::isfinite(err) || worst > kAbsorbLog) return -1;
        return err;
    }

    /// Column-marginal error of the plan diag(u) K diag(v) without iterating.
    double current_error() const {
        double err = 0;
        for (int64_t j = 0; j < m_; ++j) err += std::fabs(v_[j] * colsum_[j] - b_[j]);
        return err;
    }

    const std::vector<double> &K() const { return K_; }
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
        // f_i = eps log a_i - eps LSE_j((g_j - C_ij)/eps); K_i. = a_i softmax_j((g_j - C_ij)/eps).
        const int64_t n = n_, m = m_;
#pragma omp parallel for num_threads(threads_) schedule(static)
        for (int64_t i = 0; i < n; ++i) {
            double *Ki = &K_[static_cast<size_t>(i * m)];
            double mx = -std::numeric_limits<double>::infinity();
            for (int64_t j = 0; j < m; ++j) {
                Ki[j] = (g_[j] - cost_(i, j)) / eps;
                mx = std::max(mx, Ki[j]);
            }
            double s = 0;
            for (int64_t j = 0; j < m; ++j) {
                Ki[j] = std::exp(Ki[j] - mx);
                s += Ki[j];
            }
            const double scale = a_[i] / s;
            for (int64_t j = 0; j < m; ++j) Ki[j] *= scale;
            f_[i] = eps * loga_[i] - eps * (mx + std::log(s));
        }
    }

    void column_sums() {
        const int64_t n = n_, m = m_;
#pragma omp parallel for num_threads(threads_) schedule(static)
        for (int blk = 0; blk < nb_; ++blk) {
            double *part = &partial_[static_cast<size_t>(blk) * m];
            std::fill(part, part + m, 0.0);
            const int64_t i0 = n * blk / nb_, i1 = n * (blk + 1) / nb_;
            for (int64_t i = i0; i < i1; ++i) {
                const double *Ki = &K_[static_cast<size_t>(i * m)];
                for (int64_t j = 0; j < m; ++j) part[j] += u_[i] * Ki[j];
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
    std::vector<double> K_, f_, g_, u_, v_, colsum_, partial_, loga_, logb_;
};

struct SinkhornOutcome {
    int64_t iterations = 0;
    double error = 0;
    bool converged = false;
};

/// Anneal eps from the cost range down to `eps`, then iterate to `tol`.
template <class Cost>
SinkhornOutcome run_sinkhorn(const Call &c, SinkhornSolver<Cost> &S, double eps, double cost_range, double tol,
                             int64_t max_iter, bool anneal) {
    std::vector<double> schedule;
    if (anneal)
        for (double e = cost_range; e > 2 * eps; e *= 0.5) schedule.push_back(e);
    schedule.push_back(eps);
    SinkhornOutcome out;
    for (size_t stage = 0; stage < schedule.size(); ++stage) {
        const double e = schedule[stage];
        const bool last = stage + 1 == schedule.size();
        const double stage_tol = last ? tol : std::max(tol, 1e-3);
        const int64_t stage_max = last ? max_iter : 50;
        S.rebuild(e);
        int64_t it = 0;
        double err = S.current_error();
        while (err > stage_tol && it < stage_max && out.iterations < max_iter) {
            double r = S.iterate();
            ++it;
            ++out.iterations;
            if (r < 0) {
                // Scalings left the safe range: absorb them and rebuild the kernel exactly
                // (the rebuild itself is one log-domain Sinkhorn iteration).
                S.rebuild(e);
                err = S.current_error();
                continue;
            }
            err = r;
            if (out.iterations % 10 == 0) c.progress(-1.0, out.iterations, err);
        }
        out.error = err;
        out.converged = err <= tol;
    }
    return out;
}

template <class Cost>
void finish(const Call &c, const Problem &pr, const std::vector<int64_t> &ri, const std::vector<int64_t> &cj,
            const Cost &cost, double eps, double tol, int64_t max_iter, bool anneal, double cost_range) {
    const int64_t ns = static_cast<int64_t>(ri.size()), ms = static_cast<int64_t>(cj.size());
    std::vector<double> as(ns), bs(ms);
    for (int64_t i = 0; i < ns; ++i) as[i] = pr.a[ri[i]];
    for (int64_t j = 0; j < ms; ++j) bs[j] = pr.b[cj[j]];
    SinkhornSolver<Cost> S(ns, ms, as.data(), bs.data(), cost, c.threads());
    SinkhornOutcome o = run_sinkhorn(c, S, eps, cost_range, tol, max_iter, anneal);
    if (!o.converged) {
        char buf[256];
        std::snprintf(buf, sizeof buf,
                      ": did not converge in max_iter=%lld iterations (marginal error %.3g > tol %.3g); "
                      "raise max_iter, raise reg, or loosen tol",
                      static_cast<long long>(max_iter), o.error, tol);
        fail(GEOMRT_ENOCONVERGE, c.method() + buf);
    }
    const int64_t n = pr.n, m = pr.m;
    double *P = c.out_f64("plan", {n, m});
    double *f = c.out_f64("f", {n});
    double *g = c.out_f64("g", {m});
    const auto &K = S.K(), &u = S.u(), &v = S.v();
    double tc = 0, plogp = 0;
    for (int64_t i = 0; i < ns; ++i) {
        double *Pi = P + ri[i] * m;
        const double *Ki = &K[static_cast<size_t>(i * ms)];
        for (int64_t j = 0; j < ms; ++j) {
            const double pij = u[i] * Ki[j] * v[j];
            Pi[cj[j]] = pij;
            tc += pij * cost(i, j);
            if (pij > 0) plogp += pij * std::log(pij);
        }
    }
    const double inf = std::numeric_limits<double>::infinity();
    std::fill(f, f + n, -inf);
    std::fill(g, g + m, -inf);
    for (int64_t i = 0; i < ns; ++i) f[ri[i]] = S.f()[i] + eps * std::log(u[i]);
    for (int64_t j = 0; j < ms; ++j) g[cj[j]] = S.g()[j] + eps * std::log(v[j]);
    c.scalar("cost", tc);
    c.scalar("entropic_cost", tc + eps * plogp);
    c.scalar_i64("iterations", o.iterations);
    c.scalar("marginal_error", o.error);
}

void sinkhorn_body(Call &c) {
    Problem pr = problem_from_inputs(c);
    const double eps = c.f64("reg");
    const double tol = c.f64("tol");
    const int64_t max_iter = c.i64("max_iter");
    const bool anneal = c.flag("anneal");
    std::vector<int64_t> ri, cj;
    for (int64_t i = 0; i < pr.n; ++i)
        if (pr.a[i] > 0) ri.push_back(i);
    for (int64_t j = 0; j < pr.m; ++j)
        if (pr.b[j] > 0) cj.push_back(j);
    double cmin = std::numeric_limits<double>::infinity(), cmax = -cmin;
    if (pr.M) {
        for (int64_t k = 0; k < pr.n * pr.m; ++k) {
            cmin = std::min(cmin, pr.M[k]);
            cmax = std::max(cmax, pr.M[k]);
        }
    } else {
        for (int64_t i : ri)
            for (int64_t j : cj) {
                const double v = pr.points(i, j);
                cmin = std::min(cmin, v);
                cmax = std::max(cmax, v);
            }
    }
    const double range = std::max(cmax - cmin, eps);
    const bool full = static_cast<int64_t>(ri.size()) == pr.n && static_cast<int64_t>(cj.size()) == pr.m;
    if (full && pr.M) {
        DenseCost cost{pr.M, pr.m};
        finish(c, pr, ri, cj, cost, eps, tol, max_iter, anneal, range);
    } else {
        auto cost = [&](int64_t i, int64_t j) { return pr.cost(ri[i], cj[j]); };
        finish(c, pr, ri, cj, cost, eps, tol, max_iter, anneal, range);
    }
}

}  // namespace

void register_sinkhorn(sdk::Plugin &plugin) {
    auto mb = plugin.method("ot.sinkhorn", sinkhorn_body);
    mb.summary("Entropic optimal transport (Sinkhorn) in the log domain, stable for small reg.")
        .description(
            "Solves min_P <P, C> + reg * sum_ij P_ij log P_ij subject to P 1 = a, P^T 1 = b, P >= 0, where C is the "
            "cost matrix M or metric(xs_i, xt_j). The plan is P_ij = exp((f_i + g_j - C_ij)/reg). Sinkhorn scaling "
            "runs on a kernel rebuilt by exact log-sum-exp passes whenever the scalings grow, so it stays finite for "
            "reg down to 1e-4 x max C and below; with anneal=true reg is halved from the cost range down to its "
            "target (epsilon scaling), which cuts iterations for small reg. Stops when the L1 marginal error "
            "sum_j |(P^T 1)_j - b_j| (rows are exact) is <= tol; fails with GEOMRT_ENOCONVERGE after max_iter "
            "iterations. Zero-mass points get zero plan rows/columns and potential -inf. Outputs: plan (n x m "
            "dense), potentials f (n) and g (m), cost = <P, C>, entropic_cost = <P, C> + reg sum P log P (the "
            "objective), iterations, marginal_error. Results do not depend on the number of threads.")
        .citation("[1] M. Cuturi, Sinkhorn Distances: Lightspeed Computation of Optimal Transport, NeurIPS 2013. "
                  "[2] B. Schmitzer, Stabilized Sparse Scaling Algorithms for Entropy Regularized Transport "
                  "Problems, SIAM J. Sci. Comput. 2019 (log-domain absorption, epsilon scaling).");
    declare_problem_inputs(mb);
    mb.param_f64("reg", "entropic regularization eps (> 0), in units of the cost", nullptr, 0.0,
                 std::numeric_limits<double>::infinity(), GEOMRT_PARAM_MIN_EXCLUSIVE)
        .param_f64("tol", "stop when the L1 marginal error is <= tol", "1e-9", 0.0,
                   std::numeric_limits<double>::infinity(), GEOMRT_PARAM_MIN_EXCLUSIVE)
        .param_i64("max_iter", "maximum number of Sinkhorn iterations (all annealing stages together)", "100000", 1)
        .param_bool("anneal", "epsilon scaling: start from the cost range and halve reg down to its target", "true")
        .output("plan", "transport plan (n x m)", GEOMRT_DTYPE_F64, 2, "n,m")
        .output("f", "source potential (n)", GEOMRT_DTYPE_F64, 1, "n")
        .output("g", "target potential (m)", GEOMRT_DTYPE_F64, 1, "m")
        .scalar("cost", "transport cost <P, C>")
        .scalar("entropic_cost", "regularized objective <P, C> + reg sum P log P")
        .scalar_i64("iterations", "Sinkhorn iterations performed")
        .scalar("marginal_error", "final L1 marginal error");
}

}  // namespace ot
}  // namespace geomrt
