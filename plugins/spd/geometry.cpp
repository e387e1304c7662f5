// spd.bw_distance, spd.log_map, spd.exp_map, spd.geodesic, spd.transport: the (generalized,
// power-deformed) Bures-Wasserstein geometry of SPD matrices, batched.
//   d^2(P, Q) = tr P + tr Q - 2 tr (P^1/2 Q P^1/2)^1/2
//   Log_P X = (P X)^1/2 + (X P)^1/2 - 2 P,   Exp_P V = P + V + L P L with P L + L P = V
//   gamma(t) = ((1 - t) I + t T) A ((1 - t) I + t T),  T = A^-1/2 (A^1/2 B A^1/2)^1/2 A^-1/2
//   transport P -> I scales U^T V U by sqrt(2 / (l_i + l_j)) (P = U diag(l) U^T); I -> P by the inverse.
#include <cmath>
#include <string>
#include <vector>

#include "geomrt_common/bures.hpp"
#include "spd_core.hpp"
#include "spd_methods.hpp"

namespace geomrt {
namespace spd {

namespace {

/// Batch sizes and the chart of a call whose first matrix batch input is `first`.
struct Batch {
    int64_t B, n;
    Chart chart;
};
Batch batch_of(Call &c, const char *first) {
    const auto t = c.in(first);
    Batch b{t.dim(0), t.dim(1), Chart()};
    b.chart = read_chart(c, b.n);
    return b;
}

/// Chart image Z of SPD batch element i of `name`, and its eigendecomposition when asked.
Mat chart_point(Call &c, const Batch &b, const char *name, int64_t i, SymEig *eZ = nullptr) {
    const std::string what = item(name, i);
    const Mat X = checked_symmetric(c, what, c.in(name).f64() + i * b.n * b.n, b.n);
    const SymEig eX = checked_spd_eig(c, what, X);
    if (!b.chart.has_M && eZ) {
        *eZ = eX;
        if (b.chart.theta != 1.0) {
            const double th = b.chart.theta;
            eZ->values = eX.values.unaryExpr([th](double l) { return std::pow(l, th); });
        }
        return eZ->compose(eZ->values);
    }
    Mat Z = b.chart.to_chart(eX);
    if (eZ) *eZ = common::sym_eig(Z);
    return Z;
}

Mat tangent(Call &c, const Batch &b, const char *name, int64_t i) {
    return checked_symmetric(c, "input '" + std::string(name) + "'[" + std::to_string(i) + "]",
                             c.in(name).f64() + i * b.n * b.n, b.n);
}

void bw_distance_body(Call &c) {
    const Batch b = batch_of(c, "X");
    double *d = c.out_f64("distance", {b.B});
    parallel_for(b.B, c.threads(), [&](int64_t i) {
        SymEig ex, ey;
        chart_point(c, b, "X", i, &ex);
        chart_point(c, b, "Y", i, &ey);
        const Mat rx = common::matfun(ex, common::Sqrt{}), ry = common::matfun(ey, common::Sqrt{});
        d[i] = std::sqrt(std::max(common::bures_sq_from_roots(rx, ry), 0.0)) / b.chart.theta;
    });
}

void log_map_body(Call &c) {
    const Batch b = batch_of(c, "P");
    double *V = c.out_f64("V", {b.B, b.n, b.n});
    parallel_for(b.B, c.threads(), [&](int64_t i) {
        SymEig ep;
        const Mat P = chart_point(c, b, "P", i, &ep);
        const Mat X = chart_point(c, b, "X", i);
        const Mat R = common::matfun(ep, common::Sqrt{}), Ri = common::matfun(ep, common::InvSqrt{});
        // (P X)^1/2 = R (R X R)^1/2 R^-1; Log = (PX)^1/2 + (XP)^1/2 - 2P.
        SymEig eh = common::sym_eig(symmetrize(R * X * R));
        for (Eigen::Index k = 0; k < eh.values.size(); ++k) eh.values(k) = std::max(eh.values(k), 0.0);
        const Mat C1 = R * common::matfun(eh, common::Sqrt{}) * Ri;
        store(symmetrize(C1 + C1.transpose() - 2.0 * P), V + i * b.n * b.n);
    });
}

void exp_map_body(Call &c) {
    const Batch b = batch_of(c, "P");
    double *X = c.out_f64("X", {b.B, b.n, b.n});
    parallel_for(b.B, c.threads(), [&](int64_t i) {
        SymEig ep;
        const Mat P = chart_point(c, b, "P", i, &ep);
        const Mat V = tangent(c, b, "V", i);
        const Mat L = common::lyapunov(ep, V);
        const Mat E = Mat::Identity(b.n, b.n) + L;  // Exp_P V = (I + L) P (I + L)
        store(b.chart.from_chart(symmetrize(E * P * E)), X + i * b.n * b.n);
    });
}

void geodesic_body(Call &c) {
    const Batch b = batch_of(c, "A");
    const double t = c.f64("t");
    double *X = c.out_f64("X", {b.B, b.n, b.n});
    parallel_for(b.B, c.threads(), [&](int64_t i) {
        SymEig ea;
        const Mat A = chart_point(c, b, "A", i, &ea);
        const Mat Bm = chart_point(c, b, "B", i);
        const Mat R = common::matfun(ea, common::Sqrt{}), Ri = common::matfun(ea, common::InvSqrt{});
        SymEig eh = common::sym_eig(symmetrize(R * Bm * R));
        for (Eigen::Index k = 0; k < eh.values.size(); ++k) eh.values(k) = std::max(eh.values(k), 0.0);
        const Mat T = symmetrize(Ri * common::matfun(eh, common::Sqrt{}) * Ri);  // optimal map A -> B
        const Mat E = (1.0 - t) * Mat::Identity(b.n, b.n) + t * T;
        store(b.chart.from_chart(symmetrize(E * A * E)), X + i * b.n * b.n);
    });
}

void transport_body(Call &c) {
    const Batch b = batch_of(c, "P");
    const bool to_identity = c.str("direction") == "to_identity";
    double *W = c.out_f64("W", {b.B, b.n, b.n});
    parallel_for(b.B, c.threads(), [&](int64_t i) {
        SymEig ep;
        chart_point(c, b, "P", i, &ep);
        Mat Vt = ep.to_basis(tangent(c, b, "V", i));
        for (int64_t q = 0; q < b.n; ++q)
            for (int64_t p = 0; p < b.n; ++p) {
                const double s = std::sqrt(0.5 * (ep.values(p) + ep.values(q)));
                Vt(p, q) = to_identity ? Vt(p, q) / s : Vt(p, q) * s;
            }
        store(symmetrize(ep.from_basis(Vt)), W + i * b.n * b.n);
    });
}

const unsigned kSpd = GEOMRT_IO_ALLOW_NONFINITE;  // finiteness is checked by the method, naming the batch index

}  // namespace

void register_geometry(sdk::Plugin &plugin) {
    const std::string checks =
        "Every matrix must be finite and symmetric to a relative 1e-10 of its largest entry ((A + A^T)/2 is used); "
        "points must be positive definite (smallest eigenvalue above 1e-12 x the largest); errors name the input and "
        "the batch index. Threads run over the batch.";
    {
        auto m = plugin.method("spd.bw_distance", bw_distance_body);
        m.summary("Bures-Wasserstein distance between two batches of SPD matrices.")
            .description(std::string("distance[i] = d_BW(Z(X_i), Z(Y_i)) / theta with d_BW^2(P, Q) = tr P + tr Q - "
                                     "2 tr (P^1/2 Q P^1/2)^1/2, evaluated as ||P^1/2 - Q^1/2 U||_F^2 with U the polar "
                                     "factor of Q^1/2 P^1/2 (no cancellation for P close to Q; the same code as "
                                     "ot.gaussian_w2). With theta = 1 and no M this is the Bures distance. ") +
                         chart_doc() + checks)
            .citation(spd_citation())
            .input("X", "batch of SPD matrices (B x n x n)", GEOMRT_DTYPE_F64, 3, "B,n,n", kSpd)
            .input("Y", "batch of SPD matrices (B x n x n)", GEOMRT_DTYPE_F64, 3, "B,n,n", kSpd)
            .output("distance", "the B distances (not squared)", GEOMRT_DTYPE_F64, 1, "B");
        chart_params(m);
    }
    {
        auto m = plugin.method("spd.log_map", log_map_body);
        m.summary("Riemannian logarithm Log_P X of the Bures-Wasserstein geometry (batched).")
            .description(std::string("V_i = Log_P X = (P X)^1/2 + (X P)^1/2 - 2 P with P = Z(P_i), X = Z(X_i), "
                                     "computed as R (R X R)^1/2 R^-1 + its transpose - 2 P (R = P^1/2). The inverse of "
                                     "spd.exp_map. ") + chart_doc() + checks)
            .citation(spd_citation())
            .input("P", "base points, SPD (B x n x n)", GEOMRT_DTYPE_F64, 3, "B,n,n", kSpd)
            .input("X", "points, SPD (B x n x n)", GEOMRT_DTYPE_F64, 3, "B,n,n", kSpd)
            .output("V", "tangent vectors at P, symmetric (B x n x n), in the chart", GEOMRT_DTYPE_F64, 3, "B,n,n");
        chart_params(m);
    }
    {
        auto m = plugin.method("spd.exp_map", exp_map_body);
        m.summary("Riemannian exponential Exp_P V of the Bures-Wasserstein geometry (batched).")
            .description(std::string("X_i = Exp_P V = P + V + L P L where L solves the Lyapunov equation P L + L P = V "
                                     "(in P's eigenbasis: L_ij = V_ij / (l_i + l_j)); computed as (I + L) P (I + L), "
                                     "positive semidefinite by construction. Inverse of spd.log_map for V in its "
                                     "image (I + L positive definite). ") + chart_doc() + checks)
            .citation(spd_citation())
            .input("P", "base points, SPD (B x n x n)", GEOMRT_DTYPE_F64, 3, "B,n,n", kSpd)
            .input("V", "tangent vectors at P, symmetric (B x n x n), in the chart", GEOMRT_DTYPE_F64, 3, "B,n,n", kSpd)
            .output("X", "the points Exp_P V (B x n x n)", GEOMRT_DTYPE_F64, 3, "B,n,n");
        chart_params(m);
    }
    {
        auto m = plugin.method("spd.geodesic", geodesic_body);
        m.summary("Point at parameter t on the Bures-Wasserstein geodesic from A to B (batched).")
            .description(std::string("X_i = gamma(t) = ((1 - t) I + t T) A ((1 - t) I + t T) with T = A^-1/2 (A^1/2 B "
                                     "A^1/2)^1/2 A^-1/2 the optimal map from A to B (equal to (1-t)^2 A + t^2 B + t(1-t) "
                                     "((AB)^1/2 + (BA)^1/2)); gamma(0) = A, gamma(1) = B; t outside [0, 1] extends the "
                                     "curve (a positive semidefinite result by construction). ") + chart_doc() + checks)
            .citation(spd_citation())
            .input("A", "start points, SPD (B x n x n)", GEOMRT_DTYPE_F64, 3, "B,n,n", kSpd)
            .input("B", "end points, SPD (B x n x n)", GEOMRT_DTYPE_F64, 3, "B,n,n", kSpd)
            .param_f64("t", "curve parameter: 0 gives A, 1 gives B; default 0.5 (any real)", "0.5")
            .output("X", "points on the geodesics (B x n x n)", GEOMRT_DTYPE_F64, 3, "B,n,n");
        chart_params(m);
    }
    {
        auto m = plugin.method("spd.transport", transport_body);
        m.summary("Parallel transport of tangent vectors between P and the identity (batched).")
            .description(std::string("With P = U diag(l) U^T: direction=to_identity maps V at P to U ((U^T V U)_ij "
                                     "sqrt(2 / (l_i + l_j))) U^T at I; from_identity maps V at I to U ((U^T V U)_ij "
                                     "sqrt((l_i + l_j) / 2)) U^T at P. The two are inverse to each other. ") +
                         chart_doc() + checks)
            .citation(spd_citation())
            .input("P", "points, SPD (B x n x n)", GEOMRT_DTYPE_F64, 3, "B,n,n", kSpd)
            .input("V", "tangent vectors, symmetric (B x n x n), in the chart", GEOMRT_DTYPE_F64, 3, "B,n,n", kSpd)
            .param_enum("direction", "to_identity (V at P -> at I, default) or from_identity (V at I -> at P)",
                        "to_identity", "to_identity|from_identity")
            .output("W", "transported tangent vectors (B x n x n)", GEOMRT_DTYPE_F64, 3, "B,n,n");
        chart_params(m);
    }
}

}  // namespace spd
}  // namespace geomrt
