// Bures-Wasserstein quantities shared by the ot (Gaussian) and spd plugins (internal,
// header-only): the polar decomposition of a product of square roots and the squared Bures
// distance evaluated without cancellation.
//
// (R1 S2 R1)^1/2 for R1 = S1^1/2 equals |R2 R1| = ((R2 R1)^T (R2 R1))^1/2 with R2 = S2^1/2, whose
// eigenvalues are the singular values of R2 R1: an SVD gives them to an absolute 1e-16 x the
// norm, where square roots of rounded eigenvalues of R1 S2 R1 would carry sqrt(1e-16) = 1e-8 for
// (near) singular products. The squared distance tr S1 + tr S2 - 2 tr |R2 R1| equals
// min over orthogonal Q of ||R1 - R2 Q||_F^2, attained at the polar factor of R2 R1; that sum of
// squares has no cancellation when S1 is close to S2.
#ifndef GEOMRT_COMMON_BURES_HPP
#define GEOMRT_COMMON_BURES_HPP

#include <Eigen/Dense>

#include "geomrt_common/symeig.hpp"

namespace geomrt {
namespace common {

/// |X| = (X^T X)^1/2 and the orthogonal polar factor Q (X = Q |X|) from one SVD X = W s Z^T:
/// |X| = Z s Z^T, Q = W Z^T, trace |X| = sum s (the nuclear norm).
struct Polar {
    Mat abs;       // |X|, symmetric PSD
    Mat Q;         // orthogonal polar factor
    double trace;  // sum of the singular values
};

inline Polar polar(const Mat &X) {
    Eigen::BDCSVD<Mat> svd(X, Eigen::ComputeFullU | Eigen::ComputeFullV);
    Polar p;
    const Vec &s = svd.singularValues();
    const Mat &Z = svd.matrixV();
    p.abs = symmetrize(Z * s.asDiagonal() * Z.transpose());
    p.Q = svd.matrixU() * Z.transpose();
    p.trace = s.sum();
    return p;
}

/// |X| = (X^T X)^1/2 alone (right singular vectors only).
inline Mat abs_of(const Mat &X) {
    Eigen::BDCSVD<Mat> svd(X, Eigen::ComputeFullV);
    const Mat &Z = svd.matrixV();
    return symmetrize(Z * svd.singularValues().asDiagonal() * Z.transpose());
}

/// Squared Bures distance between S1 = R1^2 and S2 = R2^2 from their square roots:
/// ||R1 - R2 Q||_F^2 with Q the polar factor of R2 R1 (>= 0 by construction).
inline double bures_sq_from_roots(const Mat &R1, const Mat &R2) {
    const Polar P = polar(R2 * R1);
    return (R1 - R2 * P.Q).squaredNorm();
}

}  // namespace common
}  // namespace geomrt

#endif
