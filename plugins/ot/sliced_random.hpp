// Random numbers for the sliced methods, reproducible bit for bit on every platform that has
// the same libm: std::mt19937_64 (its output sequence is fixed by the C++ standard) with our own
// uniform and Box-Muller normal transforms (std::normal_distribution's output is
// implementation-defined), plus Wood's (1994) sampler for the von Mises-Fisher distribution.
//
// Standard library only, so the tests can include it directly.
#ifndef GEOMRT_PLUGINS_OT_SLICED_RANDOM_HPP
#define GEOMRT_PLUGINS_OT_SLICED_RANDOM_HPP

#include <cmath>
#include <cstdint>
#include <random>

namespace geomrt {
namespace ot {
namespace sliced {

/// A seeded stream of uniform, normal and sign variates.
class Rng {
public:
    explicit Rng(int64_t seed) : g_(static_cast<uint64_t>(seed)) {}

    /// Raw 64 random bits.
    uint64_t bits() { return g_(); }
    /// Uniform on (0, 1]: 53 random bits, never 0 (so log(u) is finite).
    double uniform() { return static_cast<double>((g_() >> 11) + 1) * 0x1.0p-53; }
    /// Standard normal by the Box-Muller transform; the second variate of each pair is cached.
    double normal() {
        if (has_cached_) {
            has_cached_ = false;
            return cached_;
        }
        const double r = std::sqrt(-2.0 * std::log(uniform()));
        const double t = 6.283185307179586476925 * uniform();
        cached_ = r * std::sin(t);
        has_cached_ = true;
        return r * std::cos(t);
    }
    /// +1 or -1 with probability 1/2 each.
    double sign() { return (g_() >> 63) ? -1.0 : 1.0; }

private:
    std::mt19937_64 g_;
    bool has_cached_ = false;
    double cached_ = 0.0;
};

/// Fill theta (d) with a direction uniform on the unit sphere S^{d-1} (a normalized Gaussian).
inline void uniform_direction(Rng &rng, int64_t d, double *theta) {
    for (;;) {
        double s = 0;
        for (int64_t k = 0; k < d; ++k) {
            theta[k] = rng.normal();
            s += theta[k] * theta[k];
        }
        if (s > 0) {  // zero has probability 0; redraw rather than divide by it
            const double inv = 1.0 / std::sqrt(s);
            for (int64_t k = 0; k < d; ++k) theta[k] *= inv;
            return;
        }
    }
}

/// Wood's (1994) rejection sampler for the component w = theta.e of a von Mises-Fisher variate
/// theta ~ vMF(e, kappa) on S^{d-1} (density proportional to exp(kappa theta.e)); the law of w
/// depends only on d and kappa. Constants (m = d - 1):
///   b = m / (2 kappa + sqrt(4 kappa^2 + m^2))   (= (-2 kappa + sqrt(4 kappa^2 + m^2)) / m, stably)
///   x0 = (1 - b) / (1 + b),  c = kappa x0 + m log(1 - x0^2).
/// Repeat: z ~ Beta(m/2, m/2), w = (1 - (1 + b) z) / (1 - (1 - b) z), u ~ U(0, 1) until
///   kappa w + m log(1 - x0 w) - c >= log u.
/// Beta(m/2, m/2) is drawn as (1 + g_1/|g|)/2 for g ~ N(0, I_d): the first coordinate of a
/// uniform point on S^{d-1} has density proportional to (1 - t^2)^{(d-3)/2}.
/// Reference: A. T. A. Wood, Simulation of the von Mises Fisher distribution, Communications in
/// Statistics - Simulation and Computation 23(1), 157-164, 1994.
class VmfSampler {
public:
    /// d >= 2, kappa > 0.
    VmfSampler(int64_t d, double kappa) : d_(d), kappa_(kappa) {
        const double m = static_cast<double>(d - 1);
        b_ = m / (2.0 * kappa + std::sqrt(4.0 * kappa * kappa + m * m));
        x0_ = (1.0 - b_) / (1.0 + b_);
        c_ = kappa * x0_ + m * std::log1p(-x0_ * x0_);
    }

    /// Draw w = theta.e; also returns one_minus_w2 = 1 - w^2 computed without cancellation.
    double sample_w(Rng &rng, double *one_minus_w2) const {
        const double m = static_cast<double>(d_ - 1);
        for (;;) {
            double g1 = rng.normal(), s = g1 * g1;
            for (int64_t k = 1; k < d_; ++k) {
                const double g = rng.normal();
                s += g * g;
            }
            if (!(s > 0)) continue;
            const double z = 0.5 * (1.0 + g1 / std::sqrt(s));
            const double den = 1.0 - (1.0 - b_) * z;
            const double w = (1.0 - (1.0 + b_) * z) / den;
            // 1 - w = 2 b z / den and 1 + w = 2 (1 - z) / den, so 1 - w^2 = 4 b z (1 - z) / den^2.
            const double omw2 = 4.0 * b_ * z * (1.0 - z) / (den * den);
            const double u = rng.uniform();
            if (kappa_ * w + m * std::log1p(-x0_ * w) - c_ >= std::log(u)) {
                if (one_minus_w2) *one_minus_w2 = omw2;
                return w;
            }
        }
    }

    /// Draw theta ~ vMF(e, kappa) (e a unit vector of length d). Returns w = theta.e; g (d) gets the
    /// Gaussian vector whose projection on the tangent space at e gives theta's tangent direction:
    /// theta = w e + sqrt(1 - w^2) t, t = u/|u|, u = g - (g.e) e (uniform on the tangent sphere).
    double sample(Rng &rng, const double *e, double *theta, double *g) const {
        double omw2 = 0;
        const double w = sample_w(rng, &omw2);
        for (;;) {
            for (int64_t k = 0; k < d_; ++k) g[k] = rng.normal();
            if (compose(e, w, omw2, g, theta) > 0) return w;
        }
    }

    /// theta = w e + sqrt(1 - w^2) t with t = u/|u|, u = g - (g.e) e; returns |u|, or 0 (theta not
    /// written) when g is too close to the line of e for t to be accurate (probability ~1e-8^(d-1)).
    /// t (d) receives the tangent direction when not null. The projection is applied twice (a
    /// second Gram-Schmidt pass), so t is orthogonal to e to rounding even when |u| << |g|.
    double compose(const double *e, double w, double one_minus_w2, const double *g, double *theta,
                   double *t = nullptr) const {
        double ge = 0, gg = 0;
        for (int64_t k = 0; k < d_; ++k) {
            ge += g[k] * e[k];
            gg += g[k] * g[k];
        }
        double *u = theta;  // theta holds u until the end
        double ue = 0;
        for (int64_t k = 0; k < d_; ++k) {
            u[k] = g[k] - ge * e[k];
            ue += u[k] * e[k];
        }
        double un = 0;
        for (int64_t k = 0; k < d_; ++k) {
            u[k] -= ue * e[k];
            un += u[k] * u[k];
        }
        if (!(un > 1e-16 * gg)) return 0;
        un = std::sqrt(un);
        const double s = std::sqrt(one_minus_w2) / un;
        for (int64_t k = 0; k < d_; ++k) {
            if (t) t[k] = u[k] / un;
            theta[k] = w * e[k] + s * u[k];
        }
        return un;
    }

    int64_t dim() const { return d_; }
    double kappa() const { return kappa_; }

private:
    int64_t d_;
    double kappa_, b_, x0_, c_;
};

}  // namespace sliced
}  // namespace ot
}  // namespace geomrt

#endif
