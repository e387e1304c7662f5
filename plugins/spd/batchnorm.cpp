// spd.batchnorm_forward and spd.batchnorm_backward: Riemannian batch normalization of SPD
// matrices under the (generalized, power-deformed) Bures-Wasserstein geometry, with exact
// gradients by Daleckii-Krein divided differences.
//
// Per sample, in the chart Z = M^-1/2 X^theta M^-1/2 (G the batch mean, v the variance, W the
// bias in the chart, f = shift / sqrt(v + eps)):
//   centre   V = PT_{G->I} Log_G Z          (in G's eigenbasis: Psi o (D U^T Z U D)^1/2 - 2D)
//   scale    Q = Log_I Exp_I (f Log_I Exp_I V) = q(S) with S = I + V/2 and
//            q(s) = 2 (|1 - f + f|s|| - 1)  (the composition as the reference evaluates it)
//   bias     Y = Exp_W(PT_{I->W} Q) = W + Q' + L W L, Q' = PT_{I->W} Q, W L + L W = Q'
//   output   (M^1/2 Y M^1/2)^(1/theta)
// Each matrix is decomposed once; the backward pass reuses the decompositions. Derivatives of
// maps that act in an eigenbasis with a two-argument weight phi(l_i, l_j) (the transports, the
// Lyapunov solve) with respect to the base point use divided differences of phi, which stay
// finite for equal eigenvalues; they are accumulated over the batch as one contraction.
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "spd_core.hpp"
#include "spd_methods.hpp"

namespace geomrt {
namespace spd {

namespace {

using common::frechet;

inline double sgn(double x) { return x < 0 ? -1.0 : 1.0; }

/// q(s) = 2 (|1 - f + f |s|| - 1), piecewise linear in s.
struct ScaleFn {
    double f;
    double u(double s) const { return 1.0 - f + f * std::fabs(s); }
    double val(double s) const { return 2.0 * (std::fabs(u(s)) - 1.0); }
    double slope(double s) const { return 2.0 * sgn(u(s)) * f * sgn(s); }
    double df(double s) const { return slope(s); }
    double dd(double a, double b) const {
        if (a == b || (sgn(a) == sgn(b) && sgn(u(a)) == sgn(u(b)))) return slope(a);
        return (val(a) - val(b)) / (a - b);
    }
    double d_df(double s) const { return 2.0 * sgn(u(s)) * (std::fabs(s) - 1.0); }  // dq/df at fixed s
};

struct Sample {
    SymEig eX;       // X_i
    Mat Xt;          // X_i^theta
    Mat Z;           // chart point
    SymEig eZ;       // Z (reference variance: tr Z^1/2)
    Mat Zt;          // U^T Z U (G basis)
    SymEig eH;       // H = D Zt D
    Mat Ct;          // H^1/2
    Mat Vt;          // transported log at I (G basis)
    SymEig eS;       // S = I + Vt/2 (only when the scale step is not linear)
    bool linear = false;  // S and (1 - f) I + f S positive definite: q(S) = f Vt
    Mat Qw;          // Q in the W basis
    Mat Lw;          // L in the W basis
    Mat Y;           // Exp_W(...) (chart, standard basis)
    SymEig eY2;      // M^1/2 Y M^1/2 (for the power 1/theta)
    // backward
    Mat gCt, gVt;    // gradients in the G basis
    Mat gYw, gLw;    // gradients in the W basis
    Mat gZ;          // gradient for Z
    Mat part1, part1_M, part2;  // per-sample contributions to shared gradients (R = G^1/2, M^1/2, M^-1/2)
    double gf = 0;
};

class Layer {
public:
    Layer(Call &c, bool backward) : c_(c), backward_(backward) {
        const auto X = c.in("X");
        N_ = X.dim(0);
        n_ = X.dim(1);
        threads_ = c.threads();
        theta_ = c.f64("theta");
        shift_ = c.f64("shift");
        eps_ = c.f64("eps");
        training_ = c.flag("training");
        reference_ = c.str("mode") == "reference";
        tol_ = c.f64("tol");
        max_iter_ = c.i64("max_iter");
        read_inputs();
    }

    /// Statistics and every sample's forward pass.
    void forward() {
        compute_stats_part1();
        parallel_for(N_, threads_, [&](int64_t i) { centre(S_[i], i); });
        if (training_ && !reference_ && !given_stats_) {
            double s = 0;
            for (int64_t i = 0; i < N_; ++i) s += S_[i].Z.trace() + G_.trace() - 2.0 * S_[i].Ct.trace();
            var_ = s / (static_cast<double>(N_) * theta_ * theta_);
        }
        f_ = shift_ / std::sqrt(var_ + eps_);
        if (!std::isfinite(f_))
            fail(GEOMRT_EINVAL, c_.method() + ": the scale shift / sqrt(var + eps) = " + fmt(f_) +
                                    " is not finite (var = " + fmt(var_) + ", eps = " + fmt(eps_) + ")");
        parallel_for(N_, threads_, [&](int64_t i) { rest(S_[i]); });
    }

    void write_forward_outputs() {
        double *Y = c_.out_f64("Y", {N_, n_, n_});
        parallel_for(N_, threads_, [&](int64_t i) {
            const Mat out = output(S_[i]);
            if (!out.allFinite())
                fail(GEOMRT_EINVAL, c_.method() + ": the output for " + item("X", i) + " is not finite (the deformed "
                                                  "matrices are too ill-conditioned for double precision)");
            store(out, Y + i * n_ * n_);
        });
        store(G_, c_.out_f64("batch_mean", {n_, n_}));
        c_.scalar("batch_var", var_);
        if (training_ && has_rm_) {
            // Running statistics move only in training mode: the mean along the BW geodesic.
            const double t = c_.f64("momentum");
            const SymEig &e = eRM_;
            const Mat R = common::matfun(e, common::Sqrt{}), Ri = common::matfun(e, common::InvSqrt{});
            SymEig eh = common::sym_eig(symmetrize(R * G_ * R));
            for (Eigen::Index k = 0; k < eh.values.size(); ++k) eh.values(k) = std::max(eh.values(k), 0.0);
            const Mat T = symmetrize(Ri * common::matfun(eh, common::Sqrt{}) * Ri);
            const Mat E = (1.0 - t) * Mat::Identity(n_, n_) + t * T;
            store(symmetrize(E * RM_ * E), c_.in("running_mean").f64_mut());
            double *rv = c_.in("running_var").f64_mut();
            *rv = (1.0 - t) * *rv + t * var_;
        }
    }

    void backward() {
        const bool stats_grad = training_ && c_.flag("through_stats");
        const auto gYin = c_.in("grad_Y");
        // Phase A: from grad_Y back to the chart point (local part), the bias and the scale.
        parallel_for(N_, threads_, [&](int64_t i) {
            backward_local(S_[i], load(gYin.f64() + i * n_ * n_, n_));
        });
        double gf = 0;
        for (int64_t i = 0; i < N_; ++i) gf += S_[i].gf;
        const double sv = std::sqrt(var_ + eps_);
        const double g_shift = gf / sv;
        const double g_var = stats_grad ? -0.5 * gf * shift_ / (sv * sv * sv) : 0.0;
        const double cv = g_var / (static_cast<double>(N_) * theta_ * theta_);

        // Phase B: centering step back to Z (and to G when the statistics are differentiated).
        const Mat I = Mat::Identity(n_, n_);
        parallel_for(N_, threads_, [&](int64_t i) {
            Sample &s = S_[i];
            if (stats_grad && !reference_) s.gCt -= 2.0 * cv * I;  // variance about G: -2 tr C_i
            const Mat gH = frechet(s.eH, common::Sqrt{}, s.gCt);
            s.gZ = eG_.from_basis(sb_.asDiagonal() * gH * sb_.asDiagonal());
            if (stats_grad) {
                if (reference_) {
                    if (s.eZ.vectors.size() == 0) s.eZ = common::sym_eig(s.Z);
                    s.gZ += cv * (I - common::matfun(s.eZ, common::InvSqrt{}));
                } else {
                    s.gZ += cv * I;
                }
                // gradient for R = G^1/2 (G basis): from -2R and from H = R Z R
                s.part1 = -2.0 * s.gVt + gH * sb_.asDiagonal() * s.Zt + s.Zt * sb_.asDiagonal() * gH;
            }
        });
        if (stats_grad) stats_backward(cv);

        // Phase C: Z back to X and M.
        double *gXout = c_.out_f64("grad_X", {N_, n_, n_});
        parallel_for(N_, threads_, [&](int64_t i) {
            Sample &s = S_[i];
            const Mat gXt = Mih_ * s.gZ * Mih_;
            s.part2 = s.gZ * Mih_ * s.Xt + s.Xt * Mih_ * s.gZ;
            const Mat gX = theta_ == 1.0 ? symmetrize(gXt) : frechet(s.eX, common::Power{theta_}, gXt);
            store(gX, gXout + i * n_ * n_);
        });

        // Shared gradients, summed in batch order (the same for any thread count).
        Mat gMh = Mat::Zero(n_, n_), gMih = Mat::Zero(n_, n_), gWtw = Mat::Zero(n_, n_);
        for (int64_t i = 0; i < N_; ++i) {
            gMh += S_[i].part1_M;
            gMih += S_[i].part2;
            gWtw += S_[i].gYw + S_[i].Lw * S_[i].gYw * S_[i].Lw;
        }
        gWtw += spectral_grad_W();
        const Mat gWt = eWt_.from_basis(symmetrize(gWtw));
        const Mat gWth = Mih_ * gWt * Mih_;
        gMih += gWt * Mih_ * Wth_ + Wth_ * Mih_ * gWt;
        const Mat gW = theta_ == 1.0 ? symmetrize(gWth) : frechet(eW_, common::Power{theta_}, gWth);
        const Mat gM = frechet(eM_, common::Sqrt{}, symmetrize(gMh)) + frechet(eM_, common::InvSqrt{}, symmetrize(gMih));
        bool finite = gW.allFinite() && gM.allFinite() && std::isfinite(g_shift);
        for (int64_t i = 0; i < N_ && finite; ++i)
            finite = Eigen::Map<const Vec>(gXout + i * n_ * n_, n_ * n_).allFinite();
        if (!finite)
            fail(GEOMRT_EINVAL, c_.method() + ": the gradient is not finite: the deformed matrices (M^-1/2 X^theta "
                                              "M^-1/2, the output before the power 1/theta) are too ill-conditioned "
                                              "for double precision; lower theta or condition the input");
        store(gW, c_.out_f64("grad_weight", {n_, n_}));
        store(symmetrize(gM), c_.out_f64("grad_M", {n_, n_}));
        c_.scalar("grad_shift", g_shift);
    }

private:
    // ------------------------------------------------------------------ inputs
    void read_inputs() {
        const auto X = c_.in("X");
        S_.assign(static_cast<size_t>(N_), Sample());
        // M (identity when absent: its gradient is still returned).
        if (c_.has("M")) {
            const Mat M = checked_symmetric(c_, "input 'M'", c_.in("M").f64(), n_);
            eM_ = checked_spd_eig(c_, "input 'M'", M);
            Mh_ = common::matfun(eM_, common::Sqrt{});
            Mih_ = common::matfun(eM_, common::InvSqrt{});
            M_identity_ = false;
        } else {
            eM_ = common::sym_eig(Mat::Identity(n_, n_));
            Mh_ = Mih_ = Mat::Identity(n_, n_);
            M_identity_ = true;
        }
        // weight
        const Mat W = checked_symmetric(c_, "input 'weight'", c_.in("weight").f64(), n_);
        eW_ = checked_spd_eig(c_, "input 'weight'", W);
        Wth_ = theta_ == 1.0 ? W : common::matfun(eW_, common::Power{theta_});
        const Mat Wt = M_identity_ ? Wth_ : symmetrize(Mih_ * Wth_ * Mih_);
        eWt_ = common::sym_eig(Wt);
        if (!eWt_.ok || !(eWt_.min() > 0))
            fail(GEOMRT_EINVAL, c_.method() + ": the bias M^-1/2 weight^theta M^-1/2 is numerically singular");
        const Vec &a = eWt_.values;
        Phi_.resize(n_, n_);
        for (int64_t j = 0; j < n_; ++j)
            for (int64_t i = 0; i < n_; ++i) Phi_(i, j) = std::sqrt(0.5 * (a(i) + a(j)));
        // running statistics
        has_rm_ = c_.has("running_mean") && c_.has("running_var");
        if (c_.has("running_mean") != c_.has("running_var"))
            fail(GEOMRT_EINVAL, c_.method() + ": pass both running_mean and running_var, or neither");
        if (has_rm_) {
            RM_ = checked_symmetric(c_, "input 'running_mean'", c_.in("running_mean").f64(), n_);
            eRM_ = checked_spd_eig(c_, "input 'running_mean'", RM_);
            RV_ = c_.in("running_var").f64()[0];
            if (!(RV_ >= 0) || !std::isfinite(RV_))
                fail(GEOMRT_EINVAL, c_.method() + ": input 'running_var' must be finite and >= 0, got " + fmt(RV_));
        } else if (!training_) {
            fail(GEOMRT_EINVAL, c_.method() + ": training=false normalizes with the running statistics: pass "
                                              "running_mean and running_var");
        }
        // batch statistics handed over from the forward pass (backward, training, through_stats=false)
        if (has_input("batch_mean") != has_input("batch_var"))
            fail(GEOMRT_EINVAL, c_.method() + ": pass both batch_mean and batch_var, or neither");
        if (has_input("batch_mean") && training_ && !c_.flag("through_stats")) {
            BM_ = checked_symmetric(c_, "input 'batch_mean'", c_.in("batch_mean").f64(), n_);
            checked_spd_eig(c_, "input 'batch_mean'", BM_, false);
            BV_ = c_.in("batch_var").f64()[0];
            if (!(BV_ >= 0) || !std::isfinite(BV_))
                fail(GEOMRT_EINVAL, c_.method() + ": input 'batch_var' must be finite and >= 0, got " + fmt(BV_));
            given_stats_ = true;
        }
        // samples: one eigendecomposition each, reused for the power, the checks and the gradient
        parallel_for(N_, threads_, [&](int64_t i) {
            Sample &s = S_[i];
            const std::string what = item("X", i);
            const Mat Xi = checked_symmetric(c_, what, X.f64() + i * n_ * n_, n_);
            s.eX = checked_spd_eig(c_, what, Xi, theta_ != 1.0);  // theta = 1: eigenvalues suffice (check, variance)
            s.Xt = theta_ == 1.0 ? Xi : common::matfun(s.eX, common::Power{theta_});
            s.Z = M_identity_ ? s.Xt : symmetrize(Mih_ * s.Xt * Mih_);
        });
    }

    // ------------------------------------------------------------------ statistics
    void compute_stats_part1() {
        const std::vector<double> w(static_cast<size_t>(N_), 1.0 / static_cast<double>(N_));
        std::vector<Mat> Z(static_cast<size_t>(N_));
        for (int64_t i = 0; i < N_; ++i) Z[i] = S_[i].Z;
        if (!training_) {
            G_ = RM_;
            var_ = RV_;
        } else if (given_stats_) {
            G_ = BM_;
            var_ = BV_;
        } else if (reference_) {
            // One fixed-point step from the arithmetic mean; variance about the identity.
            G0_ = Mat::Zero(n_, n_);
            for (int64_t i = 0; i < N_; ++i) G0_ += Z[i];
            G0_ = symmetrize(G0_ / static_cast<double>(N_));
            if (!phi_step(G0_, Z, w, threads_, ref_))
                fail(GEOMRT_EINVAL, c_.method() + ": the arithmetic mean of the batch is numerically singular");
            G_ = ref_.out;
            const bool need_eZ = !M_identity_;
            std::vector<double> d2(static_cast<size_t>(N_));
            parallel_for(N_, threads_, [&](int64_t i) {
                Sample &s = S_[i];
                if (need_eZ) {
                    s.eZ = common::sym_eig(s.Z);
                } else {
                    s.eZ = s.eX;
                    if (theta_ != 1.0) {
                        const double th = theta_;
                        s.eZ.values = s.eX.values.unaryExpr([th](double l) { return std::pow(l, th); });
                    }
                }
                double tr = 0;
                for (Eigen::Index k = 0; k < n_; ++k) tr += std::sqrt(std::max(s.eZ.values(k), 0.0));
                d2[i] = s.Z.trace() + static_cast<double>(n_) - 2.0 * tr;
            });
            double sum = 0;
            for (double v : d2) sum += v;
            var_ = sum / (static_cast<double>(N_) * theta_ * theta_);
        } else {
            const BarycenterResult r = barycenter(c_, Z, w, tol_, max_iter_, threads_, false);
            G_ = r.G;
            var_ = 0;  // computed after the centering step (it needs tr (G^1/2 Z G^1/2)^1/2)
        }
        eG_ = common::sym_eig(G_);
        if (!eG_.ok || !(eG_.min() > 0))
            fail(GEOMRT_EINVAL, c_.method() + ": the batch mean is numerically singular (smallest eigenvalue " +
                                    fmt(eG_.min()) + ")");
        const Vec &b = eG_.values;
        sb_ = b.cwiseSqrt();
        Psi_.resize(n_, n_);
        for (int64_t j = 0; j < n_; ++j)
            for (int64_t i = 0; i < n_; ++i) Psi_(i, j) = std::sqrt(2.0 * (1.0 / b(i) + 1.0 / b(j)));
        O_ = eG_.vectors.transpose() * eWt_.vectors;
    }

    /// Backward through the statistics (training, through_stats): G's gradient to every Z_i.
    void stats_backward(double cv) {
        const std::vector<double> w(static_cast<size_t>(N_), 1.0 / static_cast<double>(N_));
        // gradient for R = G^1/2 and the transport's dependence on G, in G's basis
        Mat gR = Mat::Zero(n_, n_);
        for (int64_t i = 0; i < N_; ++i) gR += S_[i].part1;
        const Vec &b = eG_.values;
        Mat gGt = common::divided_differences(b, common::Sqrt{}).cwiseProduct(symmetrize(gR));
        gGt += spectral_grad(b, Psi_, [](double x, double y, double fx, double fy) { return -2.0 / (x * y * (fx + fy)); },
                             [&](int64_t i) -> const Mat & { return S_[i].gVt; },
                             [&](int64_t i) -> const Mat & { return S_[i].Ct; });
        if (!reference_) gGt += cv * static_cast<double>(N_) * Mat::Identity(n_, n_);  // tr G in each d^2
        const Mat gG = eG_.from_basis(symmetrize(gGt));
        std::vector<Mat> Z(static_cast<size_t>(N_)), gZ(static_cast<size_t>(N_), Mat::Zero(n_, n_));
        for (int64_t i = 0; i < N_; ++i) Z[i] = S_[i].Z;
        if (reference_) {
            Mat gG0 = Mat::Zero(n_, n_);
            phi_vjp(ref_, Z, w, gG, threads_, &gG0, &gZ);
            for (int64_t i = 0; i < N_; ++i) S_[i].gZ += gZ[i] + gG0 / static_cast<double>(N_);
        } else {
            // G = Phi(G, Z) at the fixed point: lambda = gG + J_G^T lambda (Neumann series), then J_Z^T lambda.
            PhiStep st;
            if (!phi_step(G_, Z, w, threads_, st))
                fail(GEOMRT_EINTERNAL, c_.method() + ": the batch mean became singular in the backward pass");
            Mat lambda = gG;
            double change = std::numeric_limits<double>::infinity();
            int64_t it = 0;
            for (; it < max_iter_ && !(change < tol_); ++it) {
                Mat next = gG;
                phi_vjp(st, Z, w, lambda, threads_, &next, nullptr);
                const double nn = next.norm();
                change = nn > 0 ? (next - lambda).norm() / nn : 0.0;
                lambda = next;
            }
            if (!(change < tol_))
                fail(GEOMRT_ENOCONVERGE, c_.method() + ": the adjoint of the barycenter fixed point did not converge "
                                                       "in max_iter=" + std::to_string(max_iter_) +
                                                       " iterations (relative change " + fmt(change) + ")");
            phi_vjp(st, Z, w, lambda, threads_, nullptr, &gZ);
            for (int64_t i = 0; i < N_; ++i) S_[i].gZ += gZ[i];
        }
    }

    // ------------------------------------------------------------------ per-sample forward
    void centre(Sample &s, int64_t i) {
        s.Zt = eG_.to_basis(s.Z);
        const Mat H = symmetrize(sb_.asDiagonal() * s.Zt * sb_.asDiagonal());
        s.eH = common::sym_eig(H);
        if (!s.eH.ok || !(s.eH.min() > 0))
            fail(GEOMRT_EINVAL, c_.method() + ": " + item("X", i) + " is numerically singular after the deformation "
                                "(M^-1/2 X^theta M^-1/2 has condition number beyond 1e16): lower theta or condition "
                                "the input");
        for (Eigen::Index k = 0; k < n_; ++k) s.eH.values(k) = std::max(s.eH.values(k), 0.0);
        s.Ct = common::matfun(s.eH, common::Sqrt{});
        s.Vt = Psi_.cwiseProduct(s.Ct);
        s.Vt.diagonal() -= 2.0 * sb_;
    }

    void rest(Sample &s) {
        // q(S) = 2 (|(1 - f) I + f |S|| - I) is f (2S - 2I) = f Vt when S and (1 - f) I + f S are positive
        // definite (two Cholesky tests); only otherwise is S decomposed for the absolute values.
        const Mat Sm = Mat::Identity(n_, n_) + 0.5 * s.Vt;
        s.linear = Eigen::LLT<Mat>(Sm).info() == Eigen::Success &&
                   ((f_ >= 0 && f_ <= 1) ||
                    Eigen::LLT<Mat>((1.0 - f_) * Mat::Identity(n_, n_) + f_ * Sm).info() == Eigen::Success);
        Mat Qt;
        if (s.linear) {
            Qt = f_ * s.Vt;
        } else {
            const ScaleFn q{f_};
            s.eS = common::sym_eig(Sm);
            Qt = s.eS.apply([&](double v) { return q.val(v); });
        }
        s.Qw = O_.transpose() * Qt * O_;
        s.Lw = s.Qw.cwiseQuotient(2.0 * Phi_);  // Chi = 1 / sqrt(2 (a_i + a_j)) = 1 / (2 Phi)
        const Vec &a = eWt_.values;
        Mat Yw = Phi_.cwiseProduct(s.Qw) + s.Lw * a.asDiagonal() * s.Lw;
        Yw.diagonal() += a;
        s.Y = symmetrize(eWt_.from_basis(Yw));
    }

    Mat output(Sample &s) {
        const Mat Y2 = M_identity_ ? s.Y : symmetrize(Mh_ * s.Y * Mh_);
        if (theta_ == 1.0) return Y2;
        s.eY2 = common::sym_eig(Y2);
        for (Eigen::Index k = 0; k < n_; ++k) s.eY2.values(k) = std::max(s.eY2.values(k), 0.0);
        return common::matfun(s.eY2, common::Power{1.0 / theta_});
    }

    // ------------------------------------------------------------------ per-sample backward
    void backward_local(Sample &s, const Mat &gOut) {
        const Mat Y2 = M_identity_ ? s.Y : symmetrize(Mh_ * s.Y * Mh_);
        Mat gY2;
        if (theta_ == 1.0) {
            gY2 = symmetrize(gOut);
        } else {
            s.eY2 = common::sym_eig(Y2);
            for (Eigen::Index k = 0; k < n_; ++k) s.eY2.values(k) = std::max(s.eY2.values(k), 0.0);
            gY2 = frechet(s.eY2, common::Power{1.0 / theta_}, symmetrize(gOut));
        }
        const Mat gY = Mh_ * gY2 * Mh_;
        s.part1_M = gY2 * Mh_ * s.Y + s.Y * Mh_ * gY2;
        const Vec &a = eWt_.values;
        s.gYw = eWt_.to_basis(gY);
        s.gLw = symmetrize(s.gYw * s.Lw * a.asDiagonal() + a.asDiagonal() * s.Lw * s.gYw);
        const Mat gQw = Phi_.cwiseProduct(s.gYw) + s.gLw.cwiseQuotient(2.0 * Phi_);
        const Mat gQt = O_ * gQw * O_.transpose();
        if (s.linear) {
            s.gf = gQt.cwiseProduct(s.Vt).sum();
            s.gVt = f_ * symmetrize(gQt);
        } else {
            const ScaleFn q{f_};
            const Mat gE = s.eS.to_basis(gQt);
            s.gf = 0;
            for (Eigen::Index k = 0; k < n_; ++k) s.gf += gE(k, k) * q.d_df(s.eS.values(k));
            const Mat gS = symmetrize(s.eS.from_basis(common::divided_differences(s.eS.values, q).cwiseProduct(gE)));
            s.gVt = 0.5 * gS;
        }
        s.gCt = Psi_.cwiseProduct(s.gVt);
    }

    /// Gradient (in the base point's eigenbasis) of sum_s T_phi(Q_s) against gradients Gamma_s, where
    /// T_phi(Q) = P (Phi o (P^T Q P)) P^T for the base point A = P diag(a) P^T:
    ///   g_ik = Y_ik + Y_ki,  Y_ik = sum_j dd(a_k, a_i; a_j) sum_s Gamma_s(i,j) Q_s(k,j)
    /// with dd(x, y; c) = (phi(x, c) - phi(y, c)) / (x - y) (limit d phi / dx): the first-order
    /// perturbation of eigenvalues and eigenvectors combined into divided differences.
    template <class DD, class GetG, class GetQ>
    Mat spectral_grad(const Vec &a, const Mat &Phi, DD dd, GetG gam, GetQ qp) const {
        std::vector<Mat> Yj(static_cast<size_t>(n_));
        parallel_for(n_, threads_, [&](int64_t j) {
            Mat Gj(n_, N_), Qj(n_, N_);
            for (int64_t s = 0; s < N_; ++s) {
                Gj.col(s) = gam(s).col(j);
                Qj.col(s) = qp(s).col(j);
            }
            Mat T = Gj * Qj.transpose();  // T(i,k) = sum_s Gamma_s(i,j) Q_s(k,j)
            for (int64_t k = 0; k < n_; ++k)
                for (int64_t i = 0; i < n_; ++i) T(i, k) *= dd(a(k), a(i), Phi(k, j), Phi(i, j));
            Yj[j] = std::move(T);
        });
        Mat Y = Mat::Zero(n_, n_);
        for (int64_t j = 0; j < n_; ++j) Y += Yj[j];
        return Y + Y.transpose();
    }

    /// The bias's dependence on W (W basis): through Q' = T_phi(Q) and L = T_chi(Q).
    Mat spectral_grad_W() const {
        const Vec &a = eWt_.values;
        // phi(x, c) = sqrt((x + c)/2): dd = 1 / (2 (phi_x + phi_y))
        Mat g = spectral_grad(a, Phi_, [](double, double, double fx, double fy) { return 0.5 / (fx + fy); },
                              [&](int64_t s) -> const Mat & { return S_[s].gYw; },
                              [&](int64_t s) -> const Mat & { return S_[s].Qw; });
        // chi(x, c) = 1 / sqrt(2 (x + c)) = 1 / (2 phi): dd = -1 / (4 phi_x phi_y (phi_x + phi_y))
        g += spectral_grad(a, Phi_, [](double, double, double fx, double fy) { return -0.25 / (fx * fy * (fx + fy)); },
                           [&](int64_t s) -> const Mat & { return S_[s].gLw; },
                           [&](int64_t s) -> const Mat & { return S_[s].Qw; });
        return g;
    }

    bool has_input(const char *name) const {
        for (const auto &slot : {"batch_mean", "batch_var"})
            if (std::string(slot) == name) return backward_ && c_.has(name);
        return c_.has(name);
    }

    Call &c_;
    bool backward_ = false, given_stats_ = false;
    Mat BM_;
    double BV_ = 0;
    int64_t N_ = 0, n_ = 0, max_iter_ = 0;
    int threads_ = 1;
    double theta_ = 1, shift_ = 1, eps_ = 1e-5, tol_ = 1e-12;
    bool training_ = true, reference_ = true, has_rm_ = false, M_identity_ = true;
    std::vector<Sample> S_;
    SymEig eM_, eW_, eWt_, eG_, eRM_;
    Mat Mh_, Mih_, Wth_, Phi_, Psi_, O_, G_, G0_, RM_;
    Vec sb_;
    PhiStep ref_;
    double var_ = 0, f_ = 1, RV_ = 1;
};

void batchnorm_forward_body(Call &c) {
    Layer layer(c, false);
    layer.forward();
    layer.write_forward_outputs();
}

void batchnorm_backward_body(Call &c) {
    Layer layer(c, true);
    layer.forward();
    layer.backward();
}

const unsigned kMat = GEOMRT_IO_ALLOW_NONFINITE;  // finiteness checked by the method, naming the batch index

sdk::MethodBuilder &common_io(sdk::MethodBuilder &m, bool forward) {
    m.input("X", "batch of SPD matrices (N x n x n)", GEOMRT_DTYPE_F64, 3, "N,n,n", kMat)
        .input("weight", "the learnable SPD bias (n x n), in the same space as X (the layer uses M^-1/2 weight^theta "
                         "M^-1/2)", GEOMRT_DTYPE_F64, 2, "n,n", kMat)
        .input("M", "optional SPD metric matrix of the generalized BW geometry (n x n); default the identity (grad_M "
                    "is returned at M = I then)", GEOMRT_DTYPE_F64, 2, "n,n", GEOMRT_IO_OPTIONAL | kMat);
    if (forward)
        m.input("running_mean", "running mean (n x n, SPD, in the chart M^-1/2 X^theta M^-1/2; start from the "
                                "identity), updated in place in training mode; required when training=false",
                GEOMRT_DTYPE_F64, 2, "n,n", GEOMRT_IO_OPTIONAL | GEOMRT_IO_INPLACE | kMat)
            .input("running_var", "running variance (scalar, >= 0; start from 1), updated in place in training mode; "
                                  "required when training=false",
                   GEOMRT_DTYPE_F64, 0, "", GEOMRT_IO_OPTIONAL | GEOMRT_IO_INPLACE | kMat);
    else
        m.input("running_mean", "running mean as passed to the forward pass (read only; needed when training=false)",
                GEOMRT_DTYPE_F64, 2, "n,n", GEOMRT_IO_OPTIONAL | kMat)
            .input("running_var", "running variance as passed to the forward pass (read only; needed when "
                                  "training=false)", GEOMRT_DTYPE_F64, 0, "", GEOMRT_IO_OPTIONAL | kMat);
    m.param_f64("shift", "the learnable scale s: tangent vectors at I are multiplied by s / sqrt(var + eps); default "
                         "1, any real", "1")
        .param_f64("theta", "matrix-power deformation: the layer works on X^theta and returns Y^(1/theta); default 1, "
                            "range (0, inf)", "1", 0.0, std::numeric_limits<double>::infinity(), GEOMRT_PARAM_MIN_EXCLUSIVE)
        .param_bool("training", "true: normalize with the batch statistics (and, forward, update the running ones); "
                                "false: with running_mean and running_var; default true", "true")
        .param_f64("momentum", "running-statistics step: running_mean moves to the point at t = momentum on the BW "
                               "geodesic towards the batch mean, running_var <- (1 - momentum) running_var + momentum "
                               "var; default 0.1, range [0, 1]", "0.1", 0.0, 1.0)
        .param_f64("eps", "added to the variance before the square root; default 1e-5, range [0, inf)", "1e-5", 0.0)
        .param_enum("mode", "reference (default): the batch mean is ONE fixed-point step from the arithmetic mean and "
                            "the variance is the mean squared distance to the identity, as the authors' code computes "
                            "them; converged: the barycenter iterated to tol and the Frechet variance about it, as the "
                            "paper describes", "reference", "reference|converged")
        .param_f64("tol", "mode=converged: relative Frobenius change at which the barycenter iteration (and, backward "
                          "with through_stats, its adjoint) stops; default 1e-12, range (0, inf)", "1e-12", 0.0,
                   std::numeric_limits<double>::infinity(), GEOMRT_PARAM_MIN_EXCLUSIVE)
        .param_i64("max_iter", "mode=converged: iteration limit of the barycenter (and adjoint) iteration; default "
                               "1000, range [1, inf)", "1000", 1);
    return m;
}

const char *kLayerDoc =
    "Per sample, in the chart Z = M^-1/2 X^theta M^-1/2 with G the batch mean, v the variance, W = M^-1/2 "
    "weight^theta M^-1/2 and f = shift / sqrt(v + eps): centre C = Exp_I(PT_{G->I} Log_G Z); scale S = Exp_I(f "
    "Log_I C); bias Y = Exp_W(PT_{I->W} Log_I S); output (M^1/2 Y M^1/2)^(1/theta). BW maps: Log_P X = (PX)^1/2 + "
    "(XP)^1/2 - 2P, Exp_P V = P + V + L P L with P L + L P = V (solved in P's eigenbasis), Log_I X = 2 X^1/2 - 2I, "
    "Exp_I V = I + V + V^2/4 (so Log_I Exp_I V = 2|I + V/2| - 2I, evaluated with the absolute value as the "
    "reference does), PT_{P->I} scales U^T V U by sqrt(2/(l_i + l_j)). Statistics (training=true): mode=reference "
    "(default) takes the batch mean as ONE fixed-point step G = G0^-1/2 (mean_i (G0^1/2 Z_i G0^1/2)^1/2)^2 G0^-1/2 "
    "from the arithmetic mean G0 and the variance as mean_i d_BW^2(Z_i, I) / theta^2 (distance to the identity, "
    "not to the mean), reproducing the authors' reference code (GBWBN); mode=converged iterates the fixed point to "
    "tol (the barycenter, as the paper describes it) and takes the Frechet variance mean_i d_BW^2(Z_i, G) / "
    "theta^2. training=false uses running_mean (in the chart) and running_var instead. Inputs must be finite, "
    "symmetric (relative 1e-10) and positive definite (smallest eigenvalue above 1e-12 x the largest); errors name "
    "the input and the batch index. Each matrix is decomposed once and threads run over the batch. ";

}  // namespace

void register_batchnorm(sdk::Plugin &plugin) {
    {
        auto m = plugin.method("spd.batchnorm_forward", batchnorm_forward_body);
        m.summary("SPD batch normalization under the (generalized, power-deformed) Bures-Wasserstein geometry: "
                  "forward pass.")
            .description(std::string(kLayerDoc) +
                         "Outputs: Y (N x n x n), batch_mean (n x n, in the chart) and batch_var (the statistics "
                         "used: the batch's in training mode, the running ones otherwise). In training mode with "
                         "running_mean and running_var given, running_mean moves to the point at t = momentum on the "
                         "BW geodesic from it to batch_mean, and running_var <- (1 - momentum) running_var + momentum "
                         "batch_var (in place, written only if the call succeeds); in eval mode they are not changed.")
            .citation(spd_citation());
        common_io(m, true);
        m.output("Y", "normalized batch (N x n x n)", GEOMRT_DTYPE_F64, 3, "N,n,n")
            .output("batch_mean", "mean used (n x n, chart coordinates)", GEOMRT_DTYPE_F64, 2, "n,n")
            .scalar("batch_var", "variance used");
    }
    {
        auto m = plugin.method("spd.batchnorm_backward", batchnorm_backward_body);
        m.summary("SPD batch normalization under the (generalized, power-deformed) Bures-Wasserstein geometry: "
                  "exact gradients.")
            .description(std::string(kLayerDoc) +
                         "Given grad_Y (the gradient of a loss with respect to Y), returns the gradients of that loss "
                         "for X, weight, M and shift. Matrix gradients are the symmetric matrices G with dL = <G, dA> "
                         "for symmetric perturbations dA. through_stats=false (default) treats the batch mean and "
                         "variance as constants (as the reference code does); through_stats=true differentiates "
                         "through them as well (mode=reference: through the one fixed-point step and the variance; "
                         "mode=converged: through the fixed point by implicit differentiation, its adjoint solved by "
                         "the same iteration to tol). Derivatives of matrix functions use Daleckii-Krein divided "
                         "differences with the limit f'(l) for equal eigenvalues, computed without cancellation for "
                         "close ones, so repeated eigenvalues (M = I), tiny eigengaps and condition numbers up to 1e8 "
                         "give accurate, finite gradients. The forward pass is recomputed (the call is stateless). "
                         "Running statistics are read, never written.")
            .citation(spd_citation());
        common_io(m, false);
        m.input("grad_Y", "gradient of the loss for Y (N x n x n; symmetrized)", GEOMRT_DTYPE_F64, 3, "N,n,n")
            .input("batch_mean", "optional: batch_mean as returned by the forward pass; with batch_var, in training "
                                 "mode with through_stats=false, used instead of recomputing the statistics (saves "
                                 "one eigendecomposition per matrix); ignored otherwise", GEOMRT_DTYPE_F64, 2, "n,n",
                   GEOMRT_IO_OPTIONAL | kMat)
            .input("batch_var", "optional: batch_var as returned by the forward pass (see batch_mean)", GEOMRT_DTYPE_F64,
                   0, "", GEOMRT_IO_OPTIONAL | kMat)
            .param_bool("through_stats", "differentiate through the batch mean and variance (training mode); default "
                                         "false (they are constants, as in the reference)", "false")
            .output("grad_X", "gradient for X (N x n x n, symmetric)", GEOMRT_DTYPE_F64, 3, "N,n,n")
            .output("grad_weight", "gradient for weight (n x n, symmetric)", GEOMRT_DTYPE_F64, 2, "n,n")
            .output("grad_M", "gradient for M (n x n, symmetric; at M = I when M is not given)", GEOMRT_DTYPE_F64, 2,
                    "n,n")
            .scalar("grad_shift", "gradient for shift");
    }
}

}  // namespace spd
}  // namespace geomrt
