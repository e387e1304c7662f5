// Symmetric eigendecomposition shared by the plugins (internal, header-only, not installed).
//
// S = V diag(l) V^T by Eigen's SelfAdjointEigenSolver (Householder tridiagonalization and
// implicit symmetric QR). The matrix is scaled by its largest |entry| before the solve and the
// eigenvalues scaled back (by a power of two, exactly), so entries near the overflow or underflow thresholds do not lose
// the decomposition; a failed solve or a non-finite result is reported, never returned.
#ifndef GEOMRT_COMMON_SYMEIG_HPP
#define GEOMRT_COMMON_SYMEIG_HPP

#include <algorithm>
#include <cmath>

#include <Eigen/Dense>

namespace geomrt {
namespace common {

using Mat = Eigen::MatrixXd;
using Vec = Eigen::VectorXd;

inline Mat symmetrize(const Mat &A) { return 0.5 * (A + A.transpose()); }

/// Eigendecomposition of a symmetric matrix: values ascending, vectors orthonormal columns.
struct SymEig {
    Vec values;
    Mat vectors;
    double scale = 0;  ///< largest |eigenvalue|
    bool ok = false;   ///< the solver converged and every value is finite

    Eigen::Index size() const { return values.size(); }
    double min() const { return values.size() ? values(0) : 0.0; }
    double max() const { return values.size() ? values(values.size() - 1) : 0.0; }

    /// V diag(f(l)) V^T, symmetric by construction.
    template <class F>
    Mat apply(F f) const {
        const Vec fv = values.unaryExpr(f);
        return symmetrize(vectors * fv.asDiagonal() * vectors.transpose());
    }
    /// V diag(d) V^T for given values d.
    Mat compose(const Vec &d) const { return symmetrize(vectors * d.asDiagonal() * vectors.transpose()); }
    /// V^T A V: A expressed in the eigenbasis.
    Mat to_basis(const Mat &A) const { return vectors.transpose() * A * vectors; }
    /// V B V^T: B brought back from the eigenbasis.
    Mat from_basis(const Mat &B) const { return vectors * B * vectors.transpose(); }
};

/// Decompose symmetric `S` (only its lower triangle is read). Check `ok` before use.
/// With vectors = false only the eigenvalues are computed (`vectors` stays empty; about a third of the work).
inline SymEig sym_eig(const Mat &S, bool vectors = true) {
    SymEig e;
    const Eigen::Index n = S.rows();
    if (n == 0) {
        e.ok = true;
        return e;
    }
    const double big = S.cwiseAbs().maxCoeff();
    if (!std::isfinite(big)) return e;
    if (big == 0) {
        e.values = Vec::Zero(n);
        if (vectors) e.vectors = Mat::Identity(n, n);
        e.ok = true;
        return e;
    }
    if (n == 1) {
        e.values = S;
        if (vectors) e.vectors = Mat::Ones(1, 1);
    } else {
        // A power of two: the scaling itself is exact.
        const double s = std::ldexp(1.0, std::ilogb(big));
        Eigen::SelfAdjointEigenSolver<Mat> es(S / s, vectors ? Eigen::ComputeEigenvectors : Eigen::EigenvaluesOnly);
        if (es.info() != Eigen::Success) return e;
        e.values = es.eigenvalues() * s;
        if (vectors) e.vectors = es.eigenvectors();
    }
    e.scale = std::max(std::fabs(e.values(0)), std::fabs(e.values(n - 1)));
    e.ok = e.values.allFinite() && e.vectors.allFinite();
    return e;
}

}  // namespace common
}  // namespace geomrt

#endif
