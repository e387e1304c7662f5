// fl.multi_metrics: the Multi-metrics backdoor-robust aggregator (Huang et al., ICCV 2023),
// in the variant of the authors' code (default) and the variant of the paper.
#include <algorithm>
#include <cmath>

#include <Eigen/Dense>

#include "fl_methods.hpp"
#include "stream.hpp"

namespace geomrt {
namespace fl {

namespace {

/// s_i = t_i^T Sigma^+ t_i for the rows t_i of T (K x 3), Sigma = covariance with ddof 1.
/// The pseudo-inverse is taken in correlation scale: features with (relative) zero variance
/// are left out, and eigenvalues of the correlation matrix of the others below 1e-10 are
/// treated as zero. Where Sigma is invertible this equals t^T Sigma^-1 t.
std::vector<double> quadratic_scores(const Eigen::MatrixXd &T) {
    const int64_t K = T.rows();
    const Eigen::RowVectorXd mean = T.colwise().mean();
    const Eigen::MatrixXd C = T.rowwise() - mean;
    const Eigen::Matrix3d S = (C.transpose() * C) / static_cast<double>(K - 1);
    std::vector<int> act;
    for (int k = 0; k < 3; ++k) {
        const double scale = T.col(k).cwiseAbs().maxCoeff();
        if (S(k, k) > 0 && std::sqrt(S(k, k)) > 1e-12 * scale) act.push_back(k);
    }
    std::vector<double> s(static_cast<size_t>(K), 0.0);
    if (act.empty()) return s;
    const int a = static_cast<int>(act.size());
    Eigen::MatrixXd R(a, a);
    Eigen::VectorXd sd(a);
    for (int p = 0; p < a; ++p) sd(p) = std::sqrt(S(act[p], act[p]));
    for (int p = 0; p < a; ++p)
        for (int q = 0; q < a; ++q) R(p, q) = S(act[p], act[q]) / (sd(p) * sd(q));
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(R);
    const Eigen::VectorXd lam = es.eigenvalues();
    const Eigen::MatrixXd V = es.eigenvectors();
    for (int64_t i = 0; i < K; ++i) {
        Eigen::VectorXd z(a);
        for (int p = 0; p < a; ++p) z(p) = T(i, act[p]) / sd(p);
        const Eigen::VectorXd y = V.transpose() * z;
        double q = 0;
        for (int p = 0; p < a; ++p)
            if (lam(p) > 1e-10 * lam.maxCoeff()) q += y(p) * y(p) / lam(p);
        s[i] = q;
    }
    return s;
}

double cosine(double dot, double na, double nb) { return (na > 0 && nb > 0) ? dot / (na * nb) : 0.0; }

void multi_metrics_body(Call &c) {
    const View W = client_matrix(c);
    const View w0 = optional_vector(c, "w0");
    const int64_t K = W.rows;
    const std::string variant = c.str("variant");
    const bool relative = c.flag("relative"), paper = variant == "paper";
    const double p = c.f64("keep_fraction");
    const int64_t keep = static_cast<int64_t>(std::floor(p * static_cast<double>(K) + 1e-9));
    if (K < 2 || keep < 1)
        sdk::fail(GEOMRT_ESHAPE, c.method() + ": input 'W' has K = " + std::to_string(K) +
                                     " clients; the method needs K >= 2 and floor(keep_fraction * K) >= 1 (keep_fraction = " +
                                     std::to_string(p) + ")");
    if ((paper || relative) && !w0.present())
        sdk::fail(GEOMRT_EINVAL, c.method() + ": input 'w0' (the global model) is required when variant = 'paper' or "
                                              "relative = true");
    const std::vector<double> n = sample_counts(c, K);

    Eigen::MatrixXd T = Eigen::MatrixXd::Zero(K, 3);  // columns: cos, manhattan, length
    if (!paper) {
        PassSpec spec;
        spec.manhattan = true;
        if (relative) spec.shift = w0;
        const PassResult r = stream_pass(c, W, spec);
        std::vector<double> nrm(static_cast<size_t>(K));
        for (int64_t i = 0; i < K; ++i) nrm[i] = std::sqrt(std::max(0.0, r.g(i, i)));
        for (int64_t i = 0; i < K; ++i)
            for (int64_t j = 0; j < K; ++j) {
                if (i == j) continue;
                const double cd = 1.0 - cosine(r.g(i, j), nrm[i], nrm[j]);
                T(i, 0) += cd * cd;
                T(i, 1) += r.m(i, j);
                T(i, 2) += std::fabs(nrm[i] - nrm[j]);
            }
    } else {
        PassSpec spec;
        spec.shift = w0;
        spec.row_l1 = true;
        spec.extra.push_back(w0);
        const PassResult r = stream_pass(c, W, spec);
        std::vector<double> f_cos(static_cast<size_t>(K)), f_l1(r.row_l1), f_l2(static_cast<size_t>(K));
        const double g00 = r.g(K, K), n0 = std::sqrt(std::max(0.0, g00));
        for (int64_t i = 0; i < K; ++i) {
            f_l2[i] = std::sqrt(std::max(0.0, r.g(i, i)));
            const double dot = r.g(i, K) + g00;  // w0 . w_i
            const double ni = std::sqrt(std::max(0.0, r.g(i, i) + 2.0 * r.g(i, K) + g00));
            f_cos[i] = cosine(dot, n0, ni);
        }
        for (int64_t i = 0; i < K; ++i)
            for (int64_t j = 0; j < K; ++j) {
                T(i, 0) += std::fabs(f_cos[i] - f_cos[j]);
                T(i, 1) += std::fabs(f_l1[i] - f_l1[j]);
                T(i, 2) += std::fabs(f_l2[i] - f_l2[j]);
            }
    }
    std::vector<double> scores = quadratic_scores(T);
    if (paper)
        for (double &s : scores) s = std::sqrt(std::max(0.0, s));
    const std::vector<int64_t> kept = lowest(scores, keep);
    double total = 0;
    for (int64_t i : kept) total += n[i];
    if (!(total > 0))
        sdk::fail(GEOMRT_EINVAL, c.method() + ": the kept clients have sample counts 'n' summing to zero; expected a "
                                              "positive total");
    std::vector<double> coef(static_cast<size_t>(K), 0.0);
    for (int64_t i : kept) coef[i] = n[i] / total;
    combine_rows(c, W, coef, relative ? w0 : View(), false);
    write_vec(c, "scores", scores);
    write_kept(c, kept);
    double *f = c.out_f64("features", {K, 3});
    for (int64_t i = 0; i < K; ++i)
        for (int k = 0; k < 3; ++k) f[i * 3 + k] = T(i, k);
}

}  // namespace

void register_multi_metrics(sdk::Plugin &plugin) {
    auto m = plugin.method("fl.multi_metrics", multi_metrics_body);
    m.summary("Multi-metrics robust aggregation: keep the clients whose cosine, Manhattan and norm features are most typical.")
        .description(
            "Each client i gets a feature vector t_i in R^3 (columns cos, manhattan, length), the covariance Sigma of "
            "the K feature vectors is estimated (ddof 1), each client is scored s_i = t_i^T Sigma^-1 t_i (uncentred, "
            "as in the authors' code), the floor(keep_fraction K) clients with the lowest scores are kept (ties: lower "
            "index first), and aggregate = sum_kept n_i w_i / sum_kept n_i. "
            "variant = 'code' (default, the authors' defense.py): t_i = sum_{j != i} ((1 - cos(w_i, w_j))^2, "
            "|w_i - w_j|_1, | |w_i|_2 - |w_j|_2 |) on the rows of W (or on W - w0 when relative = true); a zero row has "
            "cosine 0 with every other row. variant = 'paper' (the paper's page): per-client metrics relative to the "
            "global model w0, c_i = cos(w0, w_i), l1_i = |w_i - w0|_1, l2_i = |w_i - w0|_2, features "
            "t_i = sum_j (|c_i - c_j|, |l1_i - l1_j|, |l2_i - l2_j|), score sqrt(t_i^T Sigma^-1 t_i); O(K d). "
            "relative = true: the aggregate is w0 + sum_kept n_i (w_i - w0) / sum_kept n_i (features on W - w0 in "
            "the code variant). Singular covariance (K <= 3, identical clients, a constant feature): Sigma^-1 is "
            "replaced by the pseudo-inverse taken in correlation scale (features of zero variance dropped, "
            "correlation eigenvalues below 1e-10 treated as zero); it equals Sigma^-1 whenever Sigma is invertible. "
            "Cost: one pass over W in column blocks: the dot products through one Gram matrix (f64), the Manhattan "
            "distances by a vectorized tile kernel (f32 lanes per 512-column block, summed in f64), O(K^2 d) "
            "arithmetic and no K x d temporary. Errors: K < 2 or floor(keep_fraction K) < 1; a row with NaN or Inf "
            "(the message names the client).")
        .citation("S. Huang, Y. Li, C. Chen, L. Shi, Y. Gao, \"Multi-metrics adaptively identifies backdoors in "
                  "Federated learning\", ICCV 2023, Sec. 3 (and the authors' code, defense.py, class Multi_metrics).");
    client_inputs(m)
        .input("w0", "global model of the round (d); required for variant 'paper' and relative = true",
               GEOMRT_DTYPE_F64, 1, "d", GEOMRT_IO_OPTIONAL | GEOMRT_IO_ACCEPT_F32)
        .param_enum("variant", "'code' (the authors' code, pairwise features) or 'paper' (features relative to w0)",
                    "code", "code|paper")
        .param_f64("keep_fraction", "fraction of clients kept, floor(keep_fraction K) of them; in (0, 1]", "0.3", 0.0,
                   1.0, GEOMRT_PARAM_MIN_EXCLUSIVE)
        .param_bool("relative", "features on the updates W - w0 and aggregate w0 + mean of the kept updates", "false");
    aggregate_output(m, "sample-weighted mean of the kept clients");
    m.output("scores", "score of each client (K); lower is more typical", GEOMRT_DTYPE_F64, 1, "K")
        .output("kept", "indices of the kept clients, ascending (floor(keep_fraction K))", GEOMRT_DTYPE_I64, 1, "*")
        .output("features", "feature vectors (K x 3): columns cos, manhattan, length", GEOMRT_DTYPE_F64, 2, "K,3");
}

}  // namespace fl
}  // namespace geomrt
