// Symmetric positive (semi)definite matrices for the Gaussian (Bures-Wasserstein) methods:
// input checks with clear messages, square roots by symmetric eigendecompositions, and the
// "absolute value" |L R| = ((L R)^T (L R))^1/2 of a product of two square roots by an SVD.
// The numerics (eigendecomposition, polar factor) live in plugins/common/geomrt_common/, which
// the spd plugin compiles in too, so the two families compute the same Bures quantities.
//
// Square roots of products go through singular values rather than through eigenvalues of the
// product: (R S R)^1/2 for R = S1^1/2, S = S2 equals |S2^1/2 S1^1/2|, whose eigenvalues are
// the singular values of S2^1/2 S1^1/2. Those carry an absolute error of about 1e-16 x the
// matrix norm, where the square roots of the rounded eigenvalues of R S R would carry
// sqrt(1e-16) = 1e-8 for (near) singular products.
#ifndef GEOMRT_PLUGINS_OT_SPD_UTILS_HPP
#define GEOMRT_PLUGINS_OT_SPD_UTILS_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <string>

#include <Eigen/Dense>
#include <geomrt/plugin.hpp>

#include "geomrt_common/bures.hpp"
#include "geomrt_common/symeig.hpp"

namespace geomrt {
namespace ot {
namespace spd {

using Mat = Eigen::MatrixXd;
using Vec = Eigen::VectorXd;
using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Inputs must be symmetric to this relative tolerance (relative to the largest |entry|).
constexpr double kSymmetryRtol = 1e-10;
/// Eigenvalues in [-kEigRtol x scale, 0) are rounding and clipped to 0; below that the matrix is
/// indefinite. A matrix is positive definite when its smallest eigenvalue exceeds kEigRtol x scale
/// (a smaller one cannot be told apart from 0 in double precision: condition number > 1e12).
constexpr double kEigRtol = 1e-12;

/// Eigenvalues of magnitude up to 4 d x machine epsilon x the largest are at the rounding level of a
/// symmetric eigensolver and are set to exactly 0. Their square roots (up to about 1e-7 x the largest
/// square root) would otherwise enter the result as noise; a singular input (a covariance of fewer
/// samples than dimensions, a rank-1 v v^T) then keeps its exact null space.
inline double rounding_level(Eigen::Index d, double scale) {
    return 4.0 * static_cast<double>(d) * std::numeric_limits<double>::epsilon() * scale;
}

/// Clip eigenvalues: [-rounding level, rounding level] and any negative ones to 0.
inline void clip_eigenvalues(Vec &values, double scale) {
    const double lvl = rounding_level(values.size(), scale);
    for (Eigen::Index i = 0; i < values.size(); ++i)
        if (values(i) <= lvl) values(i) = 0.0;
}

inline std::string fmt(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

/// Copy a row-major d x d buffer into a matrix.
inline Mat load(const double *p, int64_t d) { return Eigen::Map<const RowMat>(p, d, d); }

/// Write a matrix into a row-major d x d buffer.
inline void store(const Mat &M, double *p) {
    Eigen::Map<RowMat>(p, M.rows(), M.cols()) = M;
}

inline Mat symmetrize(const Mat &M) { return 0.5 * (M + M.transpose()); }

/// Read d x d matrix `what` and check it is symmetric to a relative kSymmetryRtol; returns (S + S^T)/2.
inline Mat symmetric_input(const sdk::Call &c, const std::string &what, const double *p, int64_t d) {
    Mat S = load(p, d);
    const double big = S.cwiseAbs().maxCoeff();
    for (int64_t i = 0; i < d; ++i)
        for (int64_t j = i + 1; j < d; ++j) {
            const double diff = std::fabs(S(i, j) - S(j, i));
            if (diff > kSymmetryRtol * big)
                sdk::fail(GEOMRT_EINVAL, c.method() + ": " + what + " is not symmetric: entries (" +
                                             std::to_string(i) + "," + std::to_string(j) + ") = " + fmt(S(i, j)) +
                                             " and (" + std::to_string(j) + "," + std::to_string(i) +
                                             ") = " + fmt(S(j, i)) + " differ by more than the relative tolerance " +
                                             fmt(kSymmetryRtol) + " x the largest |entry| (" + fmt(big) + ")");
        }
    return symmetrize(S);
}

/// Eigendecomposition of a symmetric PSD matrix, tiny negative eigenvalues clipped to 0
/// (the decomposition itself is geomrt_common/symeig.hpp, shared with the spd plugin).
struct Eig {
    Vec values;   // ascending, >= 0 (rounding-level ones exactly 0)
    Mat vectors;  // orthonormal columns
    double scale = 0;  // largest |eigenvalue| before clipping
    bool definite() const { return values.size() == 0 || values(0) > kEigRtol * scale; }
    /// V diag(f(lambda)) V^T, symmetric by construction.
    template <class F>
    Mat apply(F f) const {
        Vec fv = values.unaryExpr(f);
        Mat VF = vectors * fv.asDiagonal();
        return symmetrize(VF * vectors.transpose());
    }
    Mat sqrt() const {
        return apply([](double l) { return std::sqrt(l); });
    }
    Mat inv_sqrt() const {
        return apply([](double l) { return 1.0 / std::sqrt(l); });
    }
};

inline Eig from_common(const common::SymEig &s) {
    Eig e;
    e.values = s.values;
    e.vectors = s.vectors;
    e.scale = s.scale;
    return e;
}

/// Eigendecompose symmetric `S`; fail unless it is positive semidefinite (to rounding) and,
/// when `definite`, positive definite. `what` names the input in messages ("input 'S1'").
inline Eig psd_eig(const sdk::Call &c, const std::string &what, const Mat &S, bool definite,
                   const std::string &why_definite = "") {
    const common::SymEig es = common::sym_eig(S);
    if (!es.ok)
        sdk::fail(GEOMRT_EINTERNAL, c.method() + ": the eigendecomposition of " + what + " failed");
    Eig e = from_common(es);
    const double lmin = e.values.size() ? e.values(0) : 0.0;
    if (!(lmin >= -kEigRtol * e.scale))
        sdk::fail(GEOMRT_EINVAL, c.method() + ": " + what + " is not positive semidefinite: its smallest eigenvalue is " +
                                     fmt(lmin) + " (largest " + fmt(e.scale) + "); a covariance must have no "
                                     "eigenvalue below -" + fmt(kEigRtol) + " x the largest");
    clip_eigenvalues(e.values, e.scale);
    if (definite && !e.definite())
        sdk::fail(GEOMRT_EINVAL, c.method() + ": " + what + " is not positive definite: its smallest eigenvalue " +
                                     fmt(lmin) + " is not above " + fmt(kEigRtol) + " x the largest (" +
                                     fmt(e.scale) + ")" + (why_definite.empty() ? "" : "; " + why_definite));
    return e;
}

/// Eigendecomposition of a matrix known to be symmetric PSD up to rounding (negatives clipped).
inline Eig psd_eig_internal(const Mat &S) {
    Eig e = from_common(common::sym_eig(S));
    clip_eigenvalues(e.values, e.scale);
    return e;
}

using common::Polar;
using common::polar;
using common::abs_of;

}  // namespace spd
}  // namespace ot
}  // namespace geomrt

#endif
