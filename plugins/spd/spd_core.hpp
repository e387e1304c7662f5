// Shared pieces of the spd plugin: input checks that name the batch index, the deformed chart
// Z = M^-1/2 X^theta M^-1/2 (power deformation theta, generalized BW metric M), the spectral
// (eigenbasis) operators of the BW geometry and the barycenter fixed point.
#ifndef GEOMRT_PLUGINS_SPD_CORE_HPP
#define GEOMRT_PLUGINS_SPD_CORE_HPP

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <exception>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <Eigen/Dense>
#include <geomrt/plugin.hpp>

#include "geomrt_common/matfun.hpp"
#include "geomrt_common/symeig.hpp"

namespace geomrt {
namespace spd {

using common::Mat;
using common::SymEig;
using common::Vec;
using common::symmetrize;
using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using sdk::Call;
using sdk::fail;

/// Inputs must be symmetric to this relative tolerance (of the largest |entry|).
constexpr double kSymmetryRtol = 1e-10;
/// Positive definite: smallest eigenvalue above kDefiniteRtol x the largest (condition < 1e12).
constexpr double kDefiniteRtol = 1e-12;

inline std::string fmt(double v) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    return buf;
}

inline Mat load(const double *p, int64_t n) { return Eigen::Map<const RowMat>(p, n, n); }
inline void store(const Mat &A, double *p) { Eigen::Map<RowMat>(p, A.rows(), A.cols()) = A; }

/// Check `A` (named `what`, e.g. "input 'X'[3]") finite and symmetric; returns (A + A^T)/2.
inline Mat checked_symmetric(const Call &c, const std::string &what, const double *p, int64_t n) {
    for (int64_t k = 0; k < n * n; ++k)
        if (!std::isfinite(p[k]))
            fail(GEOMRT_EINVAL, c.method() + ": " + what + " has a non-finite entry (" + fmt(p[k]) + ") at (" +
                                    std::to_string(k / n) + "," + std::to_string(k % n) + ")");
    Mat A = load(p, n);
    const double big = A.cwiseAbs().maxCoeff();
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = i + 1; j < n; ++j)
            if (std::fabs(A(i, j) - A(j, i)) > kSymmetryRtol * big)
                fail(GEOMRT_EINVAL, c.method() + ": " + what + " is not symmetric: entries (" + std::to_string(i) +
                                        "," + std::to_string(j) + ") = " + fmt(A(i, j)) + " and (" +
                                        std::to_string(j) + "," + std::to_string(i) + ") = " + fmt(A(j, i)) +
                                        " differ by more than " + fmt(kSymmetryRtol) + " x the largest |entry| (" +
                                        fmt(big) + ")");
    return symmetrize(A);
}

/// Eigendecomposition of a symmetric positive definite input, or a clear error.
inline SymEig checked_spd_eig(const Call &c, const std::string &what, const Mat &A, bool vectors = true) {
    SymEig e = common::sym_eig(A, vectors);
    if (!e.ok) fail(GEOMRT_EINTERNAL, c.method() + ": the eigendecomposition of " + what + " failed");
    if (!(e.min() > kDefiniteRtol * e.scale))
        fail(GEOMRT_EINVAL, c.method() + ": " + what + " is not positive definite: its smallest eigenvalue is " +
                                fmt(e.min()) + " (largest " + fmt(e.max()) + "); SPD inputs need every eigenvalue above " +
                                fmt(kDefiniteRtol) + " x the largest");
    return e;
}

/// Name of batch element i of input `name`: "input 'X'[3]".
inline std::string item(const char *name, int64_t i) { return std::string("input '") + name + "'[" + std::to_string(i) + "]"; }

/// Run body(i) for i in [0, count) on up to `threads` threads; the first error (lowest index) is rethrown.
inline void parallel_for(int64_t count, int threads, const std::function<void(int64_t)> &body) {
    std::vector<std::exception_ptr> errors(static_cast<size_t>(count));
    const int t = static_cast<int>(std::max<int64_t>(1, std::min<int64_t>(threads, count)));
#pragma omp parallel for num_threads(t) schedule(dynamic, 1) if (t > 1)
    for (int64_t i = 0; i < count; ++i) {
        try {
            body(i);
        } catch (...) {
            errors[static_cast<size_t>(i)] = std::current_exception();
        }
    }
    for (auto &e : errors)
        if (e) std::rethrow_exception(e);
}

/// The deformed chart: Z = M^-1/2 X^theta M^-1/2 and back X = (M^1/2 Z M^1/2)^(1/theta).
struct Chart {
    double theta = 1.0;
    bool has_M = false;
    SymEig eM;
    Mat Mh, Mih;  // M^1/2, M^-1/2
    int64_t n = 0;

    Mat to_chart_power(const SymEig &eX) const {
        if (theta == 1.0) return eX.compose(eX.values);
        const common::Power pw{theta};
        return common::matfun(eX, pw);
    }
    Mat congruence_in(const Mat &Xt) const { return has_M ? symmetrize(Mih * Xt * Mih) : Xt; }
    Mat to_chart(const SymEig &eX) const { return congruence_in(to_chart_power(eX)); }
    /// X = (M^1/2 Z M^1/2)^(1/theta); eigenvalues below 0 (rounding) are set to 0.
    Mat from_chart(const Mat &Z, SymEig *eOut = nullptr, Mat *Y2 = nullptr) const {
        Mat Y = has_M ? symmetrize(Mh * Z * Mh) : Z;
        if (Y2) *Y2 = Y;
        if (theta == 1.0) return Y;
        SymEig e = common::sym_eig(Y);
        for (Eigen::Index k = 0; k < e.values.size(); ++k) e.values(k) = std::max(e.values(k), 0.0);
        const double p = 1.0 / theta;
        Mat out = e.apply([p](double l) { return std::pow(l, p); });
        if (eOut) *eOut = std::move(e);
        return out;
    }
};

/// Read params theta and optional input M.
inline Chart read_chart(const Call &c, int64_t n) {
    Chart ch;
    ch.n = n;
    ch.theta = c.f64("theta");
    if (c.has("M")) {
        const Mat M = checked_symmetric(c, "input 'M'", c.in("M").f64(), n);
        ch.eM = checked_spd_eig(c, "input 'M'", M);
        ch.has_M = true;
        ch.Mh = common::matfun(ch.eM, common::Sqrt{});
        ch.Mih = common::matfun(ch.eM, common::InvSqrt{});
    }
    return ch;
}

/// One step of the barycenter fixed point (Alvarez-Esteban et al.):
/// Phi(G) = G^-1/2 (sum_i w_i (G^1/2 Z_i G^1/2)^1/2)^2 G^-1/2. Keeps what its gradient needs.
struct PhiStep {
    SymEig eG;
    Mat R, Ri;               // G^1/2, G^-1/2
    std::vector<SymEig> eh;  // eigendecompositions of G^1/2 Z_i G^1/2
    Mat hb;                  // sum_i w_i (G^1/2 Z_i G^1/2)^1/2
    Mat out;                 // Phi(G)
};

inline bool phi_step(const Mat &G, const std::vector<Mat> &Z, const std::vector<double> &w, int threads,
                     PhiStep &st) {
    st.eG = common::sym_eig(G);
    if (!st.eG.ok || !(st.eG.min() > 0)) return false;
    st.R = common::matfun(st.eG, common::Sqrt{});
    st.Ri = common::matfun(st.eG, common::InvSqrt{});
    const int64_t N = static_cast<int64_t>(Z.size());
    st.eh.assign(static_cast<size_t>(N), SymEig());
    std::vector<Mat> h(static_cast<size_t>(N));
    parallel_for(N, threads, [&](int64_t i) {
        SymEig e = common::sym_eig(symmetrize(st.R * Z[i] * st.R));
        for (Eigen::Index k = 0; k < e.values.size(); ++k) e.values(k) = std::max(e.values(k), 0.0);
        h[i] = common::matfun(e, common::Sqrt{});
        st.eh[i] = std::move(e);
    });
    st.hb = Mat::Zero(G.rows(), G.cols());
    for (int64_t i = 0; i < N; ++i) st.hb += w[i] * h[i];
    st.hb = symmetrize(st.hb);
    st.out = symmetrize(st.Ri * st.hb * st.hb * st.Ri);
    return true;
}

/// Vector-Jacobian product of Phi at st: given the gradient gOut of Phi(G), add the gradient
/// for G to *gG (if not null) and for each Z_i to (*gZ)[i] (if not null).
inline void phi_vjp(const PhiStep &st, const std::vector<Mat> &Z, const std::vector<double> &w, const Mat &gOut,
                    int threads, Mat *gG, std::vector<Mat> *gZ) {
    const Mat g = symmetrize(gOut);
    const Mat K = st.hb * st.hb;
    const Mat gK = st.Ri * g * st.Ri;
    const Mat gRi = symmetrize(g * st.Ri * K + K * st.Ri * g);
    const Mat gHb = symmetrize(gK * st.hb + st.hb * gK);
    const int64_t N = static_cast<int64_t>(Z.size());
    std::vector<Mat> gRparts(static_cast<size_t>(N));
    parallel_for(N, threads, [&](int64_t i) {
        const Mat gHi = common::frechet(st.eh[i], common::Sqrt{}, w[i] * gHb);
        if (gZ) (*gZ)[i] += st.R * gHi * st.R;
        if (gG) gRparts[i] = gHi * st.R * Z[i] + Z[i] * st.R * gHi;
    });
    if (!gG) return;
    Mat gR = Mat::Zero(g.rows(), g.cols());
    for (int64_t i = 0; i < N; ++i) gR += gRparts[i];
    *gG += common::frechet(st.eG, common::Sqrt{}, symmetrize(gR)) + common::frechet(st.eG, common::InvSqrt{}, gRi);
}

struct BarycenterResult {
    Mat G;
    int64_t iterations = 0;
    double residual = std::numeric_limits<double>::infinity();
};

/// Iterate Phi from the weighted arithmetic mean until the relative Frobenius change is below tol.
inline BarycenterResult barycenter(const Call &c, const std::vector<Mat> &Z, const std::vector<double> &w, double tol,
                                   int64_t max_iter, int threads, bool report_progress) {
    BarycenterResult r;
    r.G = Mat::Zero(Z[0].rows(), Z[0].cols());
    for (size_t i = 0; i < Z.size(); ++i) r.G += w[i] * Z[i];
    r.G = symmetrize(r.G);
    PhiStep st;
    while (r.iterations < max_iter) {
        if (!phi_step(r.G, Z, w, threads, st))
            fail(GEOMRT_ENOCONVERGE, c.method() + ": the barycenter iterate became numerically singular after " +
                                         std::to_string(r.iterations) + " iterations (the inputs are too ill-conditioned)");
        const double nn = st.out.norm();
        r.residual = nn > 0 ? (st.out - r.G).norm() / nn : 0.0;
        r.G = st.out;
        ++r.iterations;
        if (report_progress) c.progress(-1.0, r.iterations, r.residual);
        if (r.residual < tol) return r;
    }
    fail(GEOMRT_ENOCONVERGE, c.method() + ": the barycenter fixed point did not converge in max_iter=" +
                                 std::to_string(max_iter) + " iterations (relative change " + fmt(r.residual) +
                                 " >= tol " + fmt(tol) + "); raise max_iter or loosen tol (rounding limits the change "
                                 "to about 1e-16 x sqrt(condition number))");
}

/// Common descriptor text.
inline const char *chart_doc() {
    return "Deformation (every spd method): the BW geometry is taken in the chart Z = M^-1/2 X^theta M^-1/2, with "
           "theta the matrix-power deformation (default 1) and M an optional SPD matrix (generalized BW metric, "
           "default the identity); results that are points are mapped back by X = (M^1/2 Z M^1/2)^(1/theta), "
           "tangent vectors stay in the chart, and distances are d_BW(Z_X, Z_Y) / theta (so variances carry "
           "1/theta^2). ";
}
inline const char *spd_citation() {
    return "[1] R. Wang, S. Jin, Z. Chen, X. Luo, X.-J. Wu, Learning to Normalize on the SPD Manifold under "
           "Bures-Wasserstein Geometry, CVPR 2025. [2] R. Bhatia, T. Jain, Y. Lim, On the Bures-Wasserstein "
           "distance between positive definite matrices, Expo. Math. 37, 2019. [3] A. Han, B. Mishra, P. Jawanpuria, "
           "J. Gao, Generalized Bures-Wasserstein geometry for positive definite matrices, arXiv:2110.10464, 2021. "
           "[4] P.C. Alvarez-Esteban, E. del Barrio, J.A. Cuesta-Albertos, C. Matran, A fixed-point approach to "
           "barycenters in Wasserstein space, J. Math. Anal. Appl. 441, 2016.";
}

/// Declare theta and M on a method.
inline sdk::MethodBuilder &chart_params(sdk::MethodBuilder &b) {
    return b
        .param_f64("theta", "matrix-power deformation: the geometry acts on X^theta; default 1 (plain BW), range (0, inf)",
                   "1", 0.0, std::numeric_limits<double>::infinity(), GEOMRT_PARAM_MIN_EXCLUSIVE)
        .input("M", "optional SPD metric matrix of the generalized BW geometry (n x n); default the identity",
               GEOMRT_DTYPE_F64, 2, "n,n", GEOMRT_IO_OPTIONAL | GEOMRT_IO_ALLOW_NONFINITE);
}

}  // namespace spd
}  // namespace geomrt

#endif
