// Matrix functions of symmetric matrices and their Daleckii-Krein derivatives (internal,
// header-only). For S = V diag(l) V^T and a scalar function f, f(S) = V diag(f(l)) V^T, and the
// derivative of f at S in the symmetric direction E is
//     Df(S)[E] = V (K o (V^T E V)) V^T,   K_ij = f[l_i, l_j]
// with the first divided differences f[a, b] = (f(a) - f(b)) / (a - b) and f[a, a] = f'(a)
// (Daleckii-Krein). The map E -> Df(S)[E] is self-adjoint in the trace inner product, so the
// same formula back-propagates a gradient (vector-Jacobian product).
//
// Divided differences of nearby eigenvalues are computed without cancellation: for powers,
// a^p - b^p = a^p (1 - (b/a)^p) goes through expm1(p log1p(d)) with d = (b - a)/a, for the
// logarithm through log1p(d), for the exponential through expm1(a - b); the square root and its
// inverse have exact cancellation-free forms. No threshold on the eigengap is needed: the
// formulas are accurate from equal to well separated eigenvalues.
#ifndef GEOMRT_COMMON_MATFUN_HPP
#define GEOMRT_COMMON_MATFUN_HPP

#include <cmath>

#include "geomrt_common/symeig.hpp"

namespace geomrt {
namespace common {

/// A scalar function on (0, inf) (or R for exp) with its derivative and divided difference.
struct Power {
    double p;
    double f(double x) const { return p == 1.0 ? x : (p == 2.0 ? x * x : std::pow(x, p)); }
    double df(double x) const { return p == 1.0 ? 1.0 : p * std::pow(x, p - 1.0); }
    double dd(double a, double b) const {
        if (p == 1.0) return 1.0;
        if (p == 2.0) return a + b;
        if (a == b) return df(a);
        const double hi = std::fmax(a, b), lo = std::fmin(a, b);
        if (hi - lo > 0.5 * hi) return (f(a) - f(b)) / (a - b);
        // (hi^p - lo^p)/(hi - lo) = hi^(p-1) expm1(p log1p(d)) / d with d = (lo - hi)/hi in (-0.5, 0).
        const double d = (lo - hi) / hi;
        return std::pow(hi, p - 1.0) * std::expm1(p * std::log1p(d)) / d;
    }
};

struct Sqrt {
    double f(double x) const { return std::sqrt(x); }
    double df(double x) const { return 0.5 / std::sqrt(x); }
    double dd(double a, double b) const { return 1.0 / (std::sqrt(a) + std::sqrt(b)); }
};

struct InvSqrt {
    double f(double x) const { return 1.0 / std::sqrt(x); }
    double df(double x) const { return -0.5 / (x * std::sqrt(x)); }
    double dd(double a, double b) const {
        const double ra = std::sqrt(a), rb = std::sqrt(b);
        return -1.0 / (ra * rb * (ra + rb));
    }
};

struct Log {
    double f(double x) const { return std::log(x); }
    double df(double x) const { return 1.0 / x; }
    double dd(double a, double b) const {
        if (a == b) return 1.0 / a;
        const double hi = std::fmax(a, b), lo = std::fmin(a, b);
        if (hi - lo > 0.5 * hi) return (std::log(a) - std::log(b)) / (a - b);
        const double d = (lo - hi) / hi;  // log lo - log hi = log1p(d)
        return std::log1p(d) / (hi * d);
    }
};

struct Exp {
    double f(double x) const { return std::exp(x); }
    double df(double x) const { return std::exp(x); }
    double dd(double a, double b) const {
        if (a == b) return std::exp(a);
        const double hi = std::fmax(a, b), lo = std::fmin(a, b);
        return std::exp(lo) * std::expm1(hi - lo) / (hi - lo);
    }
};

/// The matrix of divided differences K_ij = fn[l_i, l_j].
template <class Fn>
Mat divided_differences(const Vec &l, const Fn &fn) {
    const Eigen::Index n = l.size();
    Mat K(n, n);
    for (Eigen::Index j = 0; j < n; ++j) {
        K(j, j) = fn.df(l(j));
        for (Eigen::Index i = j + 1; i < n; ++i) K(i, j) = K(j, i) = fn.dd(l(i), l(j));
    }
    return K;
}

/// f(S) from the eigendecomposition of S.
template <class Fn>
Mat matfun(const SymEig &e, const Fn &fn) {
    return e.apply([&](double x) { return fn.f(x); });
}

/// Daleckii-Krein: Df(S)[E] = V (K o (V^T E V)) V^T; also the back-propagation of a gradient E
/// of f(S) to S (symmetrize E first when it may be non-symmetric).
inline Mat frechet(const SymEig &e, const Mat &K, const Mat &E) {
    return symmetrize(e.from_basis(K.cwiseProduct(e.to_basis(E))));
}
template <class Fn>
Mat frechet(const SymEig &e, const Fn &fn, const Mat &E) {
    return frechet(e, divided_differences(e.values, fn), E);
}

/// Solve A L + L A = Q for symmetric Q, A = V diag(a) V^T positive definite:
/// L = V ((V^T Q V)_ij / (a_i + a_j)) V^T.
inline Mat lyapunov(const SymEig &A, const Mat &Q) {
    Mat Qt = A.to_basis(Q);
    const Eigen::Index n = Qt.rows();
    for (Eigen::Index j = 0; j < n; ++j)
        for (Eigen::Index i = 0; i < n; ++i) Qt(i, j) /= A.values(i) + A.values(j);
    return symmetrize(A.from_basis(Qt));
}

}  // namespace common
}  // namespace geomrt

#endif
