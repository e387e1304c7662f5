// Sliced optimal transport: ot.sliced_wasserstein (Monte Carlo, with control variates),
// ot.max_sliced_wasserstein (projected gradient ascent), ot.vmf_sliced_wasserstein
// (distributional slicing with von Mises-Fisher directions), and ot.hadamard_rotation
// (the structured random rotation that can also supply the slicing directions).
//
// Reproducibility: every random draw comes from one std::mt19937_64 stream seeded with `seed`
// and is made serially (sliced_random.hpp); the parallel loops only compute, each result is
// stored at its index and reduced in index order, so a seed gives the same bits for any
// number of threads.
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "common.hpp"
#include "hadamard.hpp"
#include "ot_methods.hpp"
#include "sliced_1d.hpp"
#include "sliced_random.hpp"

namespace geomrt {
namespace ot {

namespace {

using sliced::Cloud;
using sliced::Rng;
using sliced::Side;

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

/// The cloud of input `xname` with the weights of input `wname` (normalized), or uniform.
Cloud cloud_from(const Call &c, const char *xname, const char *wname) {
    Cloud cl;
    auto x = c.in(xname);
    cl.X = x.f64();
    cl.n = x.dim(0);
    cl.d = x.dim(1);
    if (c.has(wname)) {
        cl.w = weights(c, wname, cl.n);
        double s = 0;
        for (double v : cl.w) s += v;
        for (double &v : cl.w) v /= s;
    }
    cl.cdf.resize(cl.n);
    for (int64_t k = 0; k < cl.n; ++k) cl.cdf[k] = static_cast<double>(k + 1) / static_cast<double>(cl.n);
    return cl;
}

/// Weighted mean (d) and trace of the biased covariance of a cloud.
void moments(const Cloud &c, std::vector<double> &mean, double &trace) {
    const int64_t d = c.d;
    mean.assign(d, 0.0);
    for (int64_t i = 0; i < c.n; ++i) {
        const double wi = c.weight(i);
        const double *x = c.row(i);
        for (int64_t k = 0; k < d; ++k) mean[k] += wi * x[k];
    }
    trace = 0;
    for (int64_t i = 0; i < c.n; ++i) {
        const double wi = c.weight(i);
        const double *x = c.row(i);
        for (int64_t k = 0; k < d; ++k) trace += wi * (x[k] - mean[k]) * (x[k] - mean[k]);
    }
}

void normalize(double *v, int64_t d) {
    double s = 0;
    for (int64_t k = 0; k < d; ++k) s += v[k] * v[k];
    const double inv = 1.0 / std::sqrt(s);
    for (int64_t k = 0; k < d; ++k) v[k] *= inv;
}

/// Flip v so that its entry of largest magnitude (the first such) is positive.
void canonical_sign(double *v, int64_t d) {
    int64_t best = 0;
    for (int64_t k = 1; k < d; ++k)
        if (std::fabs(v[k]) > std::fabs(v[best])) best = k;
    if (v[best] < 0)
        for (int64_t k = 0; k < d; ++k) v[k] = -v[k];
}

int thread_count(const Call &c, int64_t work_items) {
    return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(c.threads(), work_items)));
}

/// Draw the sign diagonals D1, D2 (in that order) of one structured-rotation block of order n:
/// 64 signs per 64-bit draw, lowest bit first (bit set: -1).
hadamard::Block draw_block(Rng &rng, int64_t n) {
    hadamard::Block b;
    b.d1.resize(n);
    b.d2.resize(n);
    for (std::vector<double> *v : {&b.d1, &b.d2}) {
        uint64_t word = 0;
        for (int64_t k = 0; k < n; ++k) {
            if (k % 64 == 0) word = rng.bits();
            (*v)[k] = 1.0 - 2.0 * static_cast<double>((word >> (k % 64)) & 1u);  // branch free
        }
    }
    return b;
}

/// L directions (L x d) from stacked blocks R = (1/n) H D2 H D1 of order n >= d: the rows of R
/// restricted to the first d coordinates (R applied to zero-padded points), normalized. Rows that
/// vanish on the first d coordinates are skipped. Small problems compute the d columns R e_k of a
/// block (O(d n log n) for n directions); large ones each needed row R^T e_r = (1/n) D1 H D2 H e_r
/// directly (O(n log n) per direction, O(n) memory).
void hadamard_directions(Rng &rng, int64_t d, int64_t n, int64_t L, double *theta) {
    constexpr int64_t kColumnsLimit = int64_t(1) << 22;  // doubles (32 MiB) for the d columns of a block
    const bool by_columns = d * n <= kColumnsLimit;
    std::vector<double> cols(by_columns ? static_cast<size_t>(d * n) : 0), e(static_cast<size_t>(d), 0.0),
        row(by_columns ? 0 : static_cast<size_t>(n));
    const double inv_n = 1.0 / static_cast<double>(n);
    int64_t got = 0;
    while (got < L) {
        const hadamard::Block blk = draw_block(rng, n);
        if (by_columns)
            for (int64_t k = 0; k < d; ++k) {  // column k of R = R e_k
                e[k] = 1.0;
                hadamard::rotate(blk, e.data(), d, &cols[k * n]);
                e[k] = 0.0;
            }
        for (int64_t r = 0; r < n && got < L; ++r) {
            if (!by_columns) {
                std::fill(row.begin(), row.end(), 0.0);
                row[r] = 1.0;
                hadamard::fwht(row.data(), n);
                for (int64_t k = 0; k < n; ++k) row[k] *= blk.d2[k];
                hadamard::fwht(row.data(), n);
                for (int64_t k = 0; k < d; ++k) row[k] *= blk.d1[k] * inv_n;
            }
            double *t = theta + got * d;
            double s = 0;
            for (int64_t k = 0; k < d; ++k) {
                t[k] = by_columns ? cols[k * n + r] : row[k];
                s += t[k] * t[k];
            }
            if (!(s > 0)) continue;
            const double inv = 1.0 / std::sqrt(s);
            for (int64_t k = 0; k < d; ++k) t[k] *= inv;
            ++got;
        }
    }
}

void check_cancel(const Call &c, const std::atomic<bool> &stop) {
    if (stop.load() || c.cancelled()) fail(GEOMRT_ECANCELLED, c.method() + ": cancelled by the caller");
}

// ------------------------------------------------------------------ ot.sliced_wasserstein

void sliced_wasserstein_body(Call &c) {
    const Cloud A = cloud_from(c, "xs", "a"), B = cloud_from(c, "xt", "b");
    const int64_t d = A.d, L = c.i64("n_projections");
    const double p = c.f64("p");
    const std::string cv = c.str("control_variate"), source = c.str("projections");

    // Directions, drawn serially from the seed.
    double *theta = c.out_f64("directions", {L, d});
    Rng rng(c.i64("seed"));
    if (source == "hadamard") {
        int64_t n2 = c.i64("hadamard_dim");
        if (n2 == 0) n2 = hadamard::next_pow2(std::max<int64_t>(d, 256));
        if (!hadamard::is_pow2(n2) || n2 < d)
            fail(GEOMRT_EINVAL, c.method() + ": hadamard_dim=" + std::to_string(n2) +
                                    " must be 0 (automatic) or a power of two >= d=" + std::to_string(d));
        hadamard_directions(rng, d, n2, L, theta);
    } else {
        for (int64_t l = 0; l < L; ++l) sliced::uniform_direction(rng, d, theta + l * d);
    }

    // One exact 1-D problem per direction, in parallel; W[l] = W_p^p, G[l] = control variate.
    double *W = c.out_f64("projected_costs", {L});
    std::vector<double> G(static_cast<size_t>(L), 0.0);
    const int kind = cv == "lower" ? 1 : cv == "upper" ? 2 : 0;
    const int T = thread_count(c, L);
    std::vector<Side> sa(T), sb(T);
    for (int t = 0; t < T; ++t) {
        sa[t].reserve(A, false);
        sb[t].reserve(B, false);
    }
    std::atomic<bool> stop{false};
#pragma omp parallel for num_threads(T) schedule(dynamic, 1)
    for (int64_t l = 0; l < L; ++l) {
        if (stop.load(std::memory_order_relaxed)) continue;
        if (c.cancelled()) {
            stop = true;
            continue;
        }
        Side &x = sa[omp_get_thread_num()], &y = sb[omp_get_thread_num()];
        const double *th = theta + l * d;
        sliced::project(A, th, x.v.data());
        sliced::project(B, th, y.v.data());
        if (kind) {
            double ma, va, mb, vb;
            sliced::mean_var(A, x.v.data(), ma, va);
            sliced::mean_var(B, y.v.data(), mb, vb);
            G[l] = (ma - mb) * (ma - mb) + (kind == 2 ? va + vb : 0.0);
        }
        x.sort(A, false);
        y.sort(B, false);
        W[l] = sliced::wpp(A, x, B, y, p);
    }
    check_cancel(c, stop);

    // Estimate of SW_p^p, control-variate corrected, reduced in index order.
    double mW = 0, mG = 0, EG = 0, alpha = 0;
    for (int64_t l = 0; l < L; ++l) mW += W[l];
    mW /= static_cast<double>(L);
    if (kind) {
        std::vector<double> ma, mb;
        double ta, tb;
        moments(A, ma, ta);
        moments(B, mb, tb);
        double delta2 = 0;
        for (int64_t k = 0; k < d; ++k) delta2 += (ma[k] - mb[k]) * (ma[k] - mb[k]);
        EG = (delta2 + (kind == 2 ? ta + tb : 0.0)) / static_cast<double>(d);
        for (int64_t l = 0; l < L; ++l) mG += G[l];
        mG /= static_cast<double>(L);
        double cov = 0, var = 0;
        for (int64_t l = 0; l < L; ++l) {
            cov += (W[l] - mW) * (G[l] - mG);
            var += (G[l] - mG) * (G[l] - mG);
        }
        alpha = var > 0 ? cov / var : 0.0;
    }
    const double est = mW - alpha * (mG - EG);
    double se = kNaN;
    if (L > 1) {
        double s = 0;
        for (int64_t l = 0; l < L; ++l) {
            const double z = W[l] - alpha * (G[l] - EG) - est;
            s += z * z;
        }
        se = std::sqrt(s / static_cast<double>(L - 1)) / std::sqrt(static_cast<double>(L));
    }
    const double clamped = std::max(est, 0.0);
    c.scalar("cost", p == 1.0 ? clamped : p == 2.0 ? std::sqrt(clamped) : std::pow(clamped, 1.0 / p));
    c.scalar("cost_p", est);
    c.scalar("std_error", se);
    c.scalar("cv_coefficient", alpha);
}

// ------------------------------------------------------------------ ot.max_sliced_wasserstein

struct Ascent {
    double value = -1;
    std::vector<double> theta;
    int64_t steps = 0;
};

void max_sliced_body(Call &c) {
    const Cloud A = cloud_from(c, "xs", "a"), B = cloud_from(c, "xt", "b");
    const int64_t d = A.d, R = c.i64("n_restarts"), max_iter = c.i64("max_iter");
    const double lr = c.f64("lr"), tol = c.f64("tol");
    std::vector<double> starts(static_cast<size_t>(R * d));
    Rng rng(c.i64("seed"));
    for (int64_t r = 0; r < R; ++r) sliced::uniform_direction(rng, d, &starts[r * d]);

    const int T = thread_count(c, R);
    std::vector<Side> sa(T), sb(T);
    std::vector<std::vector<double>> ca(T, std::vector<double>(A.n)), cb(T, std::vector<double>(B.n));
    for (int t = 0; t < T; ++t) {
        sa[t].reserve(A, true);
        sb[t].reserve(B, true);
    }
    std::vector<Ascent> res(static_cast<size_t>(R));
    for (auto &r : res) r.theta.resize(d);
    // Per-thread iterate and proposal with their gradients, allocated before the parallel loop.
    std::vector<std::vector<double>> ths(T, std::vector<double>(d)), gs(T, std::vector<double>(d)),
        nexts(T, std::vector<double>(d)), gnexts(T, std::vector<double>(d));
    std::atomic<bool> stop{false};
#pragma omp parallel for num_threads(T) schedule(dynamic, 1)
    for (int64_t r = 0; r < R; ++r) {
        const int t = omp_get_thread_num();
        std::vector<double> &th = ths[t], &g = gs[t], &next = nexts[t], &gn = gnexts[t];
        std::copy(starts.begin() + r * d, starts.begin() + (r + 1) * d, th.begin());
        Ascent &out = res[r];
        double f = sliced::w2_and_grad(A, sa[t], B, sb[t], th.data(), g.data(), ca[t], cb[t]);
        out.value = f;
        out.theta = th;
        double eta = lr;
        for (int64_t it = 0; it < max_iter && f > 0; ++it) {
            if (stop.load(std::memory_order_relaxed)) break;
            if (c.cancelled()) {
                stop = true;
                break;
            }
            // Scale-free step: theta + (eta / f) grad. Since theta.grad = 2 f, the radial part is
            // 1 + 2 eta and the step does not depend on the units of the data.
            for (int64_t k = 0; k < d; ++k) next[k] = th[k] + (eta / f) * g[k];
            normalize(next.data(), d);
            double change = 0;
            for (int64_t k = 0; k < d; ++k) change += (next[k] - th[k]) * (next[k] - th[k]);
            const double fn = sliced::w2_and_grad(A, sa[t], B, sb[t], next.data(), gn.data(), ca[t], cb[t]);
            ++out.steps;
            if (fn >= f) {  // accept
                th.swap(next);
                g.swap(gn);
                f = fn;
                out.value = f;
                out.theta = th;
            } else {  // overshot (f is not smooth where the 1-D coupling changes): halve the step
                eta *= 0.5;
            }
            if (std::sqrt(change) <= tol) break;
        }
    }
    check_cancel(c, stop);
    int64_t best = 0, steps = 0;
    for (int64_t r = 0; r < R; ++r) {
        steps += res[r].steps;
        if (res[r].value > res[best].value) best = r;
    }
    std::vector<double> th = res[best].theta;
    canonical_sign(th.data(), d);
    std::copy(th.begin(), th.end(), c.out_f64("theta", {d}));
    const double f = std::max(res[best].value, 0.0);
    c.scalar("cost", std::sqrt(f));
    c.scalar("cost_p", f);
    c.scalar_i64("iterations", steps);
}

// ------------------------------------------------------------------ ot.vmf_sliced_wasserstein

void vmf_sliced_body(Call &c) {
    const Cloud A = cloud_from(c, "xs", "a"), B = cloud_from(c, "xt", "b");
    const int64_t d = A.d, S = c.i64("n_projections"), max_iter = c.i64("max_iter"),
                  S_final = c.i64("n_final_projections");
    const double kappa = c.f64("kappa"), lr = c.f64("lr");
    Rng rng(c.i64("seed"));
    std::vector<double> e(static_cast<size_t>(d));
    sliced::uniform_direction(rng, d, e.data());

    const int64_t Smax = std::max(S, S_final);
    const int T = thread_count(c, Smax);
    std::vector<Side> sa(T), sb(T);
    std::vector<std::vector<double>> ca(T, std::vector<double>(A.n)), cb(T, std::vector<double>(B.n)),
        gt(T, std::vector<double>(d));
    for (int t = 0; t < T; ++t) {
        sa[t].reserve(A, true);
        sb[t].reserve(B, true);
    }
    std::vector<double> wv(Smax), omw2(Smax), g(Smax * d), tangent(Smax * d), theta(Smax * d), un(Smax), val(Smax),
        grad(Smax * d);
    std::atomic<bool> stop{false};

    if (d == 1) {  // S^0 = {-1, +1}, and both signs give the same 1-D problem
        e[0] = 1.0;
        Side &x = sa[0], &y = sb[0];
        x.project_sort(A, e.data(), false);
        y.project_sort(B, e.data(), false);
        const double f = sliced::wpp(A, x, B, y, 2.0);
        c.out_f64("location", {d})[0] = 1.0;
        c.scalar("cost", std::sqrt(f));
        c.scalar("cost_p", f);
        c.scalar("std_error", 0.0);
        c.scalar_i64("iterations", 0);
        return;
    }
    const sliced::VmfSampler vmf(d, kappa);

    // Draw n samples around e (serially) and evaluate W_2^2 (and, if with_grad, the gradient
    // with respect to e through the reparameterization) in parallel.
    auto evaluate = [&](int64_t n, bool with_grad) {
        for (int64_t s = 0; s < n; ++s) {
            wv[s] = vmf.sample_w(rng, &omw2[s]);
            // A retry has probability ~1e-8^(d-1); many in a row mean e is not a unit vector any more.
            for (int attempt = 0;; ++attempt) {
                for (int64_t k = 0; k < d; ++k) g[s * d + k] = rng.normal();
                un[s] = vmf.compose(e.data(), wv[s], omw2[s], &g[s * d], &theta[s * d], &tangent[s * d]);
                if (un[s] > 0) break;
                if (attempt >= 16)
                    fail(GEOMRT_EINVAL, c.method() + ": the location became non-finite (inputs too large for "
                                                     "float64 arithmetic: scale xs and xt down)");
            }
            if ((s & 4095) == 4095 && c.cancelled()) fail(GEOMRT_ECANCELLED, c.method() + ": cancelled by the caller");
        }
#pragma omp parallel for num_threads(T) schedule(dynamic, 1)
        for (int64_t s = 0; s < n; ++s) {
            if (stop.load(std::memory_order_relaxed)) continue;
            if (c.cancelled()) {
                stop = true;
                continue;
            }
            const int t = omp_get_thread_num();
            const double *th = &theta[s * d];
            if (!with_grad) {
                sa[t].project_sort(A, th, false);
                sb[t].project_sort(B, th, false);
                val[s] = sliced::wpp(A, sa[t], B, sb[t], 2.0);
                continue;
            }
            double *v = gt[t].data();
            val[s] = sliced::w2_and_grad(A, sa[t], B, sb[t], th, v, ca[t], cb[t]);
            // theta = w e + sr t, t = u/|u|, u = g - (g.e) e, sr = sqrt(1 - w^2). With
            // q = v - (t.v) t:  d/de (v.theta) = w v - (sr/|u|) ((e.v) g + (e.g) q).
            const double *gs = &g[s * d], *ts = &tangent[s * d];
            const double w = wv[s], sr = std::sqrt(omw2[s]), inv_u = 1.0 / un[s];
            double ge = 0, ev = 0, tv = 0;
            for (int64_t k = 0; k < d; ++k) {
                ge += gs[k] * e[k];
                ev += e[k] * v[k];
                tv += ts[k] * v[k];
            }
            double *out = &grad[s * d];
            for (int64_t k = 0; k < d; ++k) {
                const double q = v[k] - tv * ts[k];
                out[k] = w * v[k] - sr * inv_u * (ev * gs[k] + ge * q);
            }
        }
        check_cancel(c, stop);
    };

    int64_t steps = 0;
    std::vector<double> ge(d);
    for (int64_t it = 0; it < max_iter; ++it) {
        evaluate(S, true);
        double F = 0;
        std::fill(ge.begin(), ge.end(), 0.0);
        for (int64_t s = 0; s < S; ++s) {
            F += val[s];
            for (int64_t k = 0; k < d; ++k) ge[k] += grad[s * d + k];
        }
        F /= static_cast<double>(S);
        if (!(F > 0)) break;
        // Riemannian (tangent) part of dF/de, then the scale-free step of max_sliced_wasserstein:
        // e <- (e (1 + 2 lr) + (lr / F) grad_tan) / |...| (the radial part 2 F e is what the
        // gradient of W_2^2 has at theta = e, the kappa -> infinity limit).
        for (auto &v : ge) v /= static_cast<double>(S);
        double radial = 0;
        for (int64_t k = 0; k < d; ++k) radial += ge[k] * e[k];
        for (int64_t k = 0; k < d; ++k) e[k] = (1.0 + 2.0 * lr) * e[k] + (lr / F) * (ge[k] - radial * e[k]);
        normalize(e.data(), d);
        for (int64_t k = 0; k < d; ++k)
            if (!std::isfinite(e[k]))
                fail(GEOMRT_EINVAL, c.method() + ": the location became non-finite at iteration " +
                                        std::to_string(it + 1) + " (inputs too large for float64 arithmetic: scale "
                                        "xs and xt down)");
        ++steps;
        c.progress(static_cast<double>(it + 1) / static_cast<double>(max_iter + 1), it + 1, F);
    }
    // Final estimate with fresh samples.
    evaluate(S_final, false);
    double F = 0;
    for (int64_t s = 0; s < S_final; ++s) F += val[s];
    F /= static_cast<double>(S_final);
    double se = kNaN;
    if (S_final > 1) {
        double q = 0;
        for (int64_t s = 0; s < S_final; ++s) q += (val[s] - F) * (val[s] - F);
        se = std::sqrt(q / static_cast<double>(S_final - 1)) / std::sqrt(static_cast<double>(S_final));
    }
    canonical_sign(e.data(), d);
    std::copy(e.begin(), e.end(), c.out_f64("location", {d}));
    c.scalar("cost", std::sqrt(std::max(F, 0.0)));
    c.scalar("cost_p", F);
    c.scalar("std_error", se);
    c.scalar_i64("iterations", steps);
}

// ------------------------------------------------------------------ ot.hadamard_rotation

void hadamard_rotation_body(Call &c) {
    auto x = c.in("x");
    const int64_t N = x.dim(0), d = x.dim(1), nb = c.i64("n_blocks");
    const int64_t n = hadamard::next_pow2(d);
    Rng rng(c.i64("seed"));
    std::vector<hadamard::Block> blocks;
    for (int64_t b = 0; b < nb; ++b) blocks.push_back(draw_block(rng, n));
    double *y = c.out_f64("y", {N, nb * n});
    const double *X = x.f64();
    const int T = thread_count(c, N);
#pragma omp parallel for num_threads(T) schedule(static)
    for (int64_t i = 0; i < N; ++i)
        for (int64_t b = 0; b < nb; ++b) hadamard::rotate(blocks[b], X + i * d, d, y + (i * nb + b) * n);
}

}  // namespace

void register_sliced(sdk::Plugin &plugin) {
    // References, numbered per method.
    const std::string bonneel =
        "N. Bonneel, J. Rabin, G. Peyre, H. Pfister, Sliced and Radon Wasserstein Barycenters of Measures, "
        "J. Math. Imaging Vis. 51(1):22-45, 2015.";
    const std::string hadamard_paper =
        "Approximating Uniform Random Rotations by Two-Block Structured Hadamard Rotations in High Dimensions, "
        "2026 (each coordinate within Kolmogorov distance O(d^-1/5) of a uniform rotation's).";
    const std::string ailon =
        "N. Ailon, B. Chazelle, The Fast Johnson-Lindenstrauss Transform and Approximate Nearest Neighbors, SIAM J. "
        "Comput. 39(1):302-322, 2009 (randomized Hadamard transforms).";
    const double inf = std::numeric_limits<double>::infinity();

    // ---- ot.sliced_wasserstein
    plugin.method("ot.sliced_wasserstein", sliced_wasserstein_body)
        .summary("Sliced Wasserstein distance SW_p by Monte Carlo over random directions, with optional control "
                 "variates.")
        .description(
            "SW_p(mu, nu)^p = E_theta W_p^p(theta#mu, theta#nu) for theta uniform on the unit sphere S^{d-1}, where "
            "mu = sum_i a_i delta_{xs_i}, nu = sum_j b_j delta_{xt_j} (weights normalized to total mass 1 each, so "
            "the masses need not agree) and theta#mu is the law of the projection theta.x [1]. The expectation is "
            "estimated from L = n_projections directions: each projected 1-D problem is solved exactly (sort + "
            "sweep of the merged cumulative weights, O((n + m) log(n + m))), and the directions are processed in "
            "parallel. Directions: projections=gaussian draws normalized standard Gaussian vectors (uniform on the "
            "sphere); projections=hadamard takes the rows of stacked structured rotations [3, 4] R = (1/n2) H D2 "
            "H D1 of order n2 = hadamard_dim (H the Walsh-Hadamard matrix, D1, D2 random +-1 diagonals), "
            "restricted to the first d coordinates (i.e. applied to zero-padded points) and normalized; rows of one "
            "block are orthonormal when n2 = d. Those directions are only approximately uniform (each coordinate "
            "of R x is close in law to that of a uniform rotation [3], the whole vector is not), so the estimate is "
            "slightly "
            "biased, and with the minimal padding in low d they are far from uniform (for d = 3 and n2 = 4 every "
            "block yields axis or diagonal directions only), hence the automatic n2 >= 256. Measured bias of "
            "SW_2^2 (two Gaussian clouds, 10^5 directions, +-0.3%): d = 3: +5.6% at n2 = 4, +0.7% at 64, +0.5% "
            "at 256; d = 16: +0.9% at n2 = 16, +0.1% at 64, 0.0% at 256.\n"
            "Control variates [2] (control_variate=lower|upper; they assume uniform directions): with Delta = "
            "mean(xs) - mean(xt) (weighted) and S1, S2 the weighted biased covariances, lower uses G(theta) = "
            "(theta.Delta)^2 with E[G] = |Delta|^2/d; upper uses G(theta) = (theta.Delta)^2 + theta^T S1 theta + "
            "theta^T S2 theta with E[G] = (|Delta|^2 + tr S1 + tr S2)/d (the closed-form W_2^2 bounds between the "
            "Gaussian approximations of the projections). With W_l the projected W_p^p, alpha = cov(W, G)/var(G) "
            "from the same L draws (0 if var(G) = 0) and the estimate is mean(W) - alpha (mean(G) - E[G]) (the "
            "estimated alpha makes it very slightly biased, O(1/L)). They help most for p = 2 and when the mean "
            "difference explains much of the projected costs: for two Gaussian clouds in d = 10 at L = 100 with "
            "|Delta| = 1, 2, 4 we measured 3.6x, 30-43x, 750x less variance with lower and 2.5x, 4x, 32x with "
            "upper.\n"
            "Outputs: cost_p = the estimate of SW_p^p; cost = SW_p = max(cost_p, 0)^(1/p), what POT's "
            "sliced_wasserstein_distance returns (a control-variate estimate can be slightly negative when the "
            "distance is near 0; cost clamps it at 0, cost_p does not); std_error = the standard error of cost_p "
            "(sample standard deviation of the L per-direction, control-variate corrected terms over sqrt(L); NaN "
            "when L = 1); cv_coefficient = alpha (0 without control variate); directions (L x d) and "
            "projected_costs (L, the uncorrected W_p^p per direction). A seed gives the same result bit for bit "
            "for any number of threads. Memory: the L x d directions are stored.")
        .citation("[1] " + bonneel +
                  " [2] K. Nguyen, N. Ho, Sliced Wasserstein Estimation with Control Variates, ICLR 2024 "
                  "(arXiv:2305.00402, 2023). [3] " + hadamard_paper + " [4] " + ailon)
        .input("xs", "source points, one per row (n x d)", GEOMRT_DTYPE_F64, 2, "n,d")
        .input("xt", "target points, one per row (m x d)", GEOMRT_DTYPE_F64, 2, "m,d")
        .input("a", "source weights, nonnegative, normalized internally; default uniform 1/n", GEOMRT_DTYPE_F64, 1,
               "n", GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE)
        .input("b", "target weights, nonnegative, normalized internally; default uniform 1/m", GEOMRT_DTYPE_F64, 1,
               "m", GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE)
        .param_i64("n_projections", "number L of directions (>= 1)", "50", 1, 1e8)
        .param_f64("p", "order of the distance (p >= 1)", "2", 1.0, 1e6)
        .param_i64("seed", "seed of the directions (same seed: same result, for any thread count)", "0")
        .param_enum("projections",
                    "direction source: gaussian (uniform on the sphere) or hadamard (rows of structured rotations)",
                    "gaussian", "gaussian|hadamard")
        .param_i64("hadamard_dim",
                   "order n2 of the structured rotations for projections=hadamard: a power of two >= d, or 0 for "
                   "the next power of two >= max(d, 256)",
                   "0", 0, 1073741824)
        .param_enum("control_variate", "none, or the lower or upper Gaussian-bound control variate of [2]", "none",
                    "none|lower|upper")
        .scalar("cost", "SW_p = max(cost_p, 0)^(1/p)")
        .scalar("cost_p", "the estimate of SW_p^p")
        .scalar("std_error", "standard error of cost_p (NaN when n_projections = 1)")
        .scalar("cv_coefficient", "the control-variate coefficient alpha (0 without control variate)")
        .output("directions", "the directions used, one per row (L x d)", GEOMRT_DTYPE_F64, 2, "L,d")
        .output("projected_costs", "W_p^p of the projections on each direction (L)", GEOMRT_DTYPE_F64, 1, "L");

    // ---- ot.max_sliced_wasserstein
    plugin.method("ot.max_sliced_wasserstein", max_sliced_body)
        .summary("Max-sliced Wasserstein distance: the largest W_2 between 1-D projections, by projected gradient "
                 "ascent on the sphere.")
        .description(
            "max-SW_2(mu, nu) = max over |theta| = 1 of W_2(theta#mu, theta#nu) [1] (weights normalized to mass 1 "
            "each). f(theta) = W_2^2(theta#mu, theta#nu) is maximized by projected gradient ascent from n_restarts "
            "random starting directions (uniform on the sphere, from seed; restarts run in parallel). The gradient "
            "uses the optimal 1-D coupling of the projections: grad f = 2 sum_k mass_k (theta.(xs_i - xt_j)) "
            "(xs_i - xt_j) over the pieces (i, j, mass_k) of the quantile sweep. Step: theta <- (theta + (lr/f) "
            "grad f) / |...|; because theta.grad f = 2 f this is scale free (it does not depend on the units of "
            "the points): the direction turns by atan((lr/(1 + 2 lr)) |tangent part of grad f|/f), lr -> 0 is the "
            "gradient flow and lr -> infinity a power iteration on the current coupling's second-moment matrix "
            "(lr = 1 reached 1e-8 relative accuracy in 10-20 steps in our tests). f is not differentiable where "
            "the 1-D coupling changes, so a step that lowers f is rejected and halves that restart's step size: "
            "the ascent is monotone and settles on such kinks. A restart stops after max_iter proposed steps or "
            "when a step moves the direction by <= tol. f is not concave (it is a minimum of quadratics), so the "
            "result is a local maximum; the best restart is returned, whose value is >= f at every direction "
            "visited, including all the starts. In d = 1 the answer is W_2 itself.\n"
            "Outputs: cost = max-SW_2 (the distance, not squared), cost_p = its square, theta (d) the maximizing "
            "direction (sign chosen so its largest-magnitude entry is positive), iterations = ascent steps over "
            "all restarts (accepted or not). Deterministic for a seed, for any number of threads.")
        .citation("[1] I. Deshpande, Y.-T. Hu, R. Sun, A. Pyrros, N. Siddiqui, S. Koyejo, Z. Zhao, D. Forsyth, "
                  "A. Schwing, Max-Sliced Wasserstein Distance and its use for GANs, CVPR 2019. [2] " + bonneel)
        .input("xs", "source points, one per row (n x d)", GEOMRT_DTYPE_F64, 2, "n,d")
        .input("xt", "target points, one per row (m x d)", GEOMRT_DTYPE_F64, 2, "m,d")
        .input("a", "source weights, nonnegative, normalized internally; default uniform 1/n", GEOMRT_DTYPE_F64, 1,
               "n", GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE)
        .input("b", "target weights, nonnegative, normalized internally; default uniform 1/m", GEOMRT_DTYPE_F64, 1,
               "m", GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE)
        .param_i64("n_restarts", "number of random starting directions (>= 1)", "5", 1, 1e6)
        .param_i64("max_iter", "maximum number of proposed ascent steps per restart", "200", 0)
        .param_f64("lr", "step size of the scale-free ascent step (> 0); larger is closer to a power iteration",
                   "1", 0.0, inf, GEOMRT_PARAM_MIN_EXCLUSIVE)
        .param_f64("tol", "stop a restart when a step moves the direction by <= tol", "1e-9", 0.0, inf)
        .param_i64("seed", "seed of the starting directions", "0")
        .scalar("cost", "max-SW_2")
        .scalar("cost_p", "max-SW_2^2")
        .output("theta", "the maximizing direction (d), unit norm", GEOMRT_DTYPE_F64, 1, "d")
        .scalar_i64("iterations", "ascent steps, all restarts together");

    // ---- ot.vmf_sliced_wasserstein
    plugin.method("ot.vmf_sliced_wasserstein", vmf_sliced_body)
        .summary("Distributional sliced Wasserstein with von Mises-Fisher slicing (v-DSW_2).")
        .description(
            "v-DSW_2(mu, nu)^2 = max over locations |e| = 1 of E_{theta ~ vMF(e, kappa)} W_2^2(theta#mu, theta#nu) "
            "[1, 2], where vMF(e, kappa) has density proportional to exp(kappa theta.e) on S^{d-1} (weights "
            "normalized to mass 1 each: an average over points, not a sum). For kappa -> 0 it tends to SW_2 "
            "(uniform directions), for kappa -> infinity to max-SW_2; it is a metric for every kappa [1]. e starts "
            "uniform on the sphere (from seed) and follows max_iter steps of stochastic gradient ascent: each step "
            "draws n_projections directions with Wood's sampler [3] in reparameterized form, theta = w e + "
            "sqrt(1 - w^2) t with w from Wood's rejection step (its law depends only on d and kappa) and t the "
            "normalized tangent part u = g - (g.e) e of a Gaussian g, so the gradient of the sample mean of "
            "W_2^2 with respect to e follows by the chain rule through theta (the 1-D gradient as in "
            "ot.max_sliced_wasserstein); then, with F the sample mean and G its gradient projected on the tangent "
            "space at e, e <- ((1 + 2 lr) e + (lr/F) G)/|...|: scale free, renormalized each step, and the same "
            "step as ot.max_sliced_wasserstein (whose gradient has radial part 2 F). The value is then estimated "
            "with n_final_projections fresh samples.\n"
            "Outputs: cost = v-DSW_2 = sqrt(cost_p); cost_p = the final estimate of the expectation; std_error "
            "its Monte Carlo standard error (NaN when n_final_projections = 1); location (d) = e (sign chosen so "
            "its largest-magnitude entry is positive; e and -e give the same value); iterations. In d = 1 the "
            "answer is W_2 itself. Deterministic for a seed, for any number of threads.")
        .citation("[1] K. Nguyen, D. Nguyen, N. Ho, Self-Attention Amortized Distributional Projection Optimization "
                  "for Sliced Wasserstein Point-Cloud Reconstruction, ICML 2023 (arXiv:2301.04791). [2] K. Nguyen, "
                  "N. Ho, T. Pham, H. Bui, Distributional Sliced-Wasserstein and Applications to Generative "
                  "Modeling, ICLR 2021. [3] A. T. A. Wood, Simulation of the von Mises Fisher distribution, Comm. "
                  "Statist. Simulation Comput. 23(1):157-164, 1994.")
        .input("xs", "source points, one per row (n x d)", GEOMRT_DTYPE_F64, 2, "n,d")
        .input("xt", "target points, one per row (m x d)", GEOMRT_DTYPE_F64, 2, "m,d")
        .input("a", "source weights, nonnegative, normalized internally; default uniform 1/n", GEOMRT_DTYPE_F64, 1,
               "n", GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE)
        .input("b", "target weights, nonnegative, normalized internally; default uniform 1/m", GEOMRT_DTYPE_F64, 1,
               "m", GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE)
        .param_f64("kappa", "concentration of the vMF slicing distribution (> 0)", "10", 0.0, inf,
                   GEOMRT_PARAM_MIN_EXCLUSIVE)
        .param_i64("n_projections", "directions sampled per ascent step (>= 1)", "50", 1, 1e8)
        .param_i64("max_iter", "number of ascent steps (>= 0)", "50", 0)
        .param_f64("lr", "step size of the scale-free ascent step (> 0)", "1", 0.0, inf, GEOMRT_PARAM_MIN_EXCLUSIVE)
        .param_i64("n_final_projections", "fresh directions for the final estimate (>= 1)", "500", 1, 1e8)
        .param_i64("seed", "seed of the start and of all sampled directions", "0")
        .scalar("cost", "v-DSW_2")
        .scalar("cost_p", "v-DSW_2^2, the final estimate of the expectation")
        .scalar("std_error", "standard error of cost_p")
        .output("location", "the optimized vMF location e (d), unit norm", GEOMRT_DTYPE_F64, 1, "d")
        .scalar_i64("iterations", "ascent steps taken");

    // ---- ot.hadamard_rotation
    plugin.method("ot.hadamard_rotation", hadamard_rotation_body)
        .summary("Two-block structured random rotation y = (1/n) H D2 H D1 x of each row, by the fast Walsh-Hadamard "
                 "transform.")
        .description(
            "Each row x (d entries) is zero-padded to n = 2^ceil(log2 d) and mapped to R x with R = (1/n) H D2 H D1, "
            "H the unnormalized n x n Walsh-Hadamard matrix (applied in place by the O(n log n) butterfly; H H = "
            "n I) and D1, D2 diagonal matrices of independent random signs drawn from seed (D1 then D2, block by "
            "block, 64 signs per draw of std::mt19937_64). R is orthogonal, so |R x| = |x|. With n_blocks = B > 1, "
            "B independent rotations are stacked: y has B n columns, block b in columns [b n, (b+1) n). Every "
            "fixed coordinate of R x is close in law (Kolmogorov distance O(d^-1/5)) to the same coordinate of a "
            "uniformly rotated x, but the whole vector is not [1]. Cost O(N B n log n); rows run in parallel; "
            "deterministic for a seed.")
        .citation("[1] " + hadamard_paper + " [2] " + ailon)
        .input("x", "points to rotate, one per row (N x d)", GEOMRT_DTYPE_F64, 2, "N,d")
        .param_i64("n_blocks", "number B of independent stacked rotations (>= 1)", "1", 1, 1048576)
        .param_i64("seed", "seed of the sign diagonals", "0")
        .output("y", "rotated rows (N x B n), n = the next power of two >= d", GEOMRT_DTYPE_F64, 2, "N,k");
}

}  // namespace ot
}  // namespace geomrt
