// fl.fltrust: trust scores from the cosine to a server update computed on a clean root data set.
#include <algorithm>
#include <cmath>

#include "fl_methods.hpp"
#include "stream.hpp"

namespace geomrt {
namespace fl {

namespace {

void fltrust_body(Call &c) {
    const View W = client_matrix(c);
    const View g0 = optional_vector(c, "server_update");
    const int64_t K = W.rows;
    PassSpec spec;
    spec.extra.push_back(g0);
    const PassResult r = stream_pass(c, W, spec);
    const double n0 = std::sqrt(std::max(0.0, r.g(K, K)));
    std::vector<double> ts(static_cast<size_t>(K), 0.0), wt(static_cast<size_t>(K), 0.0), coef(static_cast<size_t>(K), 0.0);
    double total = 0;
    for (int64_t i = 0; i < K; ++i) {
        const double ni = std::sqrt(std::max(0.0, r.g(i, i)));
        if (ni > 0 && n0 > 0) ts[i] = std::max(0.0, r.g(i, K) / (ni * n0));
        total += ts[i];
    }
    if (total > 0)
        for (int64_t i = 0; i < K; ++i) {
            wt[i] = ts[i] / total;
            if (ts[i] > 0) coef[i] = wt[i] * n0 / std::sqrt(r.g(i, i));
        }
    combine_rows(c, W, coef, View(), false);
    write_vec(c, "scores", ts);
    write_vec(c, "weights", wt);
}

}  // namespace

void register_fltrust(sdk::Plugin &plugin) {
    auto m = plugin.method("fl.fltrust", fltrust_body);
    m.summary("FLTrust: weight each client update by its ReLU-clipped cosine to the server's update, after "
              "rescaling it to the server update's norm.")
        .description(
            "The rows of W are client updates g_i, server_update is g_0. Trust score TS_i = max(0, cos(g_i, g_0)) "
            "(0 for a zero row); aggregate = sum_i TS_i (|g_0| / |g_i|) g_i / sum_i TS_i, the zero vector when every "
            "score is 0. scores = TS, weights = TS / sum TS. Errors: a row with NaN or Inf (the message names the "
            "client).")
        .citation("X. Cao, M. Fang, J. Liu, N. Z. Gong, \"FLTrust: Byzantine-robust federated learning via trust "
                  "bootstrapping\", NDSS 2021, Algorithm 1 and Eq. (5)-(6).");
    client_inputs(m).input("server_update", "the server's update on its clean root data set (d)", GEOMRT_DTYPE_F64,
                           1, "d", GEOMRT_IO_ACCEPT_F32);
    aggregate_output(m, "trust-weighted mean of the rescaled updates");
    m.output("scores", "trust score of each client (K), max(0, cosine)", GEOMRT_DTYPE_F64, 1, "K")
        .output("weights", "normalized trust scores (K), summing to 1 (all 0 when every score is 0)", GEOMRT_DTYPE_F64,
                1, "K");
}

}  // namespace fl
}  // namespace geomrt
