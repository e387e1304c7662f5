// fl.foolsgold: down-weight clients whose vectors point the same way (sybils).
#include <algorithm>
#include <cmath>

#include "fl_methods.hpp"
#include "stream.hpp"

namespace geomrt {
namespace fl {

namespace {

void foolsgold_body(Call &c) {
    const View W = client_matrix(c);
    const int64_t K = W.rows;
    if (K < 2)
        sdk::fail(GEOMRT_ESHAPE, c.method() + ": input 'W' has K = " + std::to_string(K) + " client; FoolsGold needs K >= 2");
    PassSpec spec;
    const PassResult r = stream_pass(c, W, spec);
    std::vector<double> nrm(static_cast<size_t>(K));
    for (int64_t i = 0; i < K; ++i) nrm[i] = std::sqrt(std::max(0.0, r.g(i, i)));
    // cs_ij = cos(w_i, w_j) for i != j, 0 on the diagonal (cosine similarity minus the identity).
    std::vector<double> cs(static_cast<size_t>(K * K), 0.0), maxcs(static_cast<size_t>(K), -1e300);
    for (int64_t i = 0; i < K; ++i)
        for (int64_t j = 0; j < K; ++j) {
            if (i != j && nrm[i] > 0 && nrm[j] > 0) cs[i * K + j] = r.g(i, j) / (nrm[i] * nrm[j]);
        }
    for (int64_t i = 0; i < K; ++i) maxcs[i] = *std::max_element(cs.begin() + i * K, cs.begin() + (i + 1) * K);
    // Pardoning: scale down similarities to clients that are themselves more similar to someone.
    for (int64_t i = 0; i < K; ++i)
        for (int64_t j = 0; j < K; ++j)
            if (i != j && maxcs[i] < maxcs[j]) cs[i * K + j] *= maxcs[i] / maxcs[j];
    std::vector<double> wv(static_cast<size_t>(K));
    double top = 0;
    for (int64_t i = 0; i < K; ++i) {
        const double m = *std::max_element(cs.begin() + i * K, cs.begin() + (i + 1) * K);
        wv[i] = std::min(1.0, std::max(0.0, 1.0 - m));
        top = std::max(top, wv[i]);
    }
    for (double &w : wv) {
        if (!(top > 0)) {
            w = 0;
            continue;
        }
        w /= top;
        if (w == 1.0) w = 0.99;
        w = w > 0 ? std::log(w / (1.0 - w)) + 0.5 : 0.0;  // logit, log(0) -> weight 0
        w = std::min(1.0, std::max(0.0, w));
    }
    double total = 0;
    for (double w : wv) total += w;
    std::vector<double> coef(static_cast<size_t>(K), 0.0);
    if (total > 0)
        for (int64_t i = 0; i < K; ++i) coef[i] = wv[i] / total;
    combine_rows(c, W, coef, View(), false);
    write_vec(c, "weights", wv);
}

}  // namespace

void register_foolsgold(sdk::Plugin &plugin) {
    auto m = plugin.method("fl.foolsgold", foolsgold_body);
    m.summary("FoolsGold: weight clients by how dissimilar their vectors are from every other client's.")
        .description(
            "cs_ij = cos(w_i, w_j) (i != j; 0 for a zero row), v_i = max_j cs_ij; pardoning cs_ij <- cs_ij v_i / v_j "
            "where v_i < v_j; wv_i = clip(1 - max_j cs_ij, 0, 1), rescaled by max wv, 1 -> 0.99, then "
            "wv_i = clip(ln(wv_i / (1 - wv_i)) + 0.5, 0, 1). aggregate = sum wv_i w_i / sum wv_i (the zero vector if "
            "every weight is 0, e.g. all clients parallel). Stateless: pass accumulated update histories as W for the "
            "original memory variant. Errors: K < 2; a row with NaN or Inf (the message names the client).")
        .citation("C. Fung, C. J. M. Yoon, I. Beschastnikh, \"The limitations of federated learning in sybil "
                  "settings\", RAID 2020, Algorithm 1 (as in the Multi-metrics authors' defense.py).");
    client_inputs(m);
    aggregate_output(m, "FoolsGold-weighted mean");
    m.output("weights", "FoolsGold weight of each client (K), in [0, 1], not normalized", GEOMRT_DTYPE_F64, 1, "K");
}

}  // namespace fl
}  // namespace geomrt
