// fl.krum and fl.multi_krum: the client(s) closest to their K - f - 2 nearest neighbours.
#include <algorithm>
#include <cmath>

#include "fl_methods.hpp"
#include "stream.hpp"

namespace geomrt {
namespace fl {

namespace {

/// Krum scores: for each client, the sum of squared distances to its K - f - 2 nearest others.
std::vector<double> krum_scores(const Call &c, const View &W, int64_t f) {
    const int64_t K = W.rows;
    if (K <= 2 * f + 2)
        sdk::fail(GEOMRT_ESHAPE, c.method() + ": input 'W' has K = " + std::to_string(K) + " clients but f = " +
                                     std::to_string(f) + " needs K > 2f + 2 = " + std::to_string(2 * f + 2));
    PassSpec spec;
    spec.shift_row0 = true;  // distances only: centring on a client keeps the Gram entries small
    const PassResult r = stream_pass(c, W, spec);
    std::vector<double> scores(static_cast<size_t>(K)), d;
    for (int64_t i = 0; i < K; ++i) {
        d.clear();
        for (int64_t j = 0; j < K; ++j)
            if (j != i) d.push_back(std::max(0.0, r.g(i, i) + r.g(j, j) - 2.0 * r.g(i, j)));
        const int64_t nb = K - f - 2;
        std::nth_element(d.begin(), d.begin() + (nb - 1), d.end());
        double s = 0;
        for (int64_t k = 0; k < nb; ++k) s += d[k];
        scores[i] = s;
    }
    return scores;
}

void krum_body(Call &c) {
    const View W = client_matrix(c);
    const std::vector<double> scores = krum_scores(c, W, c.i64("f"));
    const std::vector<int64_t> kept = lowest(scores, 1);
    std::vector<double> coef(static_cast<size_t>(W.rows), 0.0);
    coef[kept[0]] = 1.0;
    combine_rows(c, W, coef, View(), false);
    write_vec(c, "scores", scores);
    write_kept(c, kept);
}

void multi_krum_body(Call &c) {
    const View W = client_matrix(c);
    const int64_t K = W.rows, f = c.i64("f");
    int64_t m = c.i64("m");
    if (m == 0) m = K - f;
    if (m > K)
        sdk::fail(GEOMRT_EINVAL, c.method() + ": parameter 'm' = " + std::to_string(m) + " exceeds the K = " +
                                     std::to_string(K) + " clients");
    const std::vector<double> n = sample_counts(c, K);
    const std::vector<double> scores = krum_scores(c, W, f);
    const std::vector<int64_t> kept = lowest(scores, m);
    double total = 0;
    for (int64_t i : kept) total += n[i];
    if (!(total > 0))
        sdk::fail(GEOMRT_EINVAL, c.method() + ": the selected clients have sample counts 'n' summing to zero");
    std::vector<double> coef(static_cast<size_t>(K), 0.0);
    for (int64_t i : kept) coef[i] = n[i] / total;
    combine_rows(c, W, coef, View(), false);
    write_vec(c, "scores", scores);
    write_kept(c, kept);
}

const char *kCitation =
    "P. Blanchard, E. M. El Mhamdi, R. Guerraoui, J. Stainer, \"Machine learning with adversaries: Byzantine tolerant "
    "gradient descent\", NeurIPS 2017, Sec. 4 (Krum and Multi-Krum).";

}  // namespace

void register_krum(sdk::Plugin &plugin) {
    auto k = plugin.method("fl.krum", krum_body);
    k.summary("Krum: the client whose K - f - 2 nearest neighbours are closest.")
        .description("score_i = sum of |w_i - w_j|_2^2 over the K - f - 2 clients j != i nearest to i; the client "
                     "with the lowest score (ties: lower index) is the aggregate. Squared distances come from one Gram "
                     "matrix of W - w_0 (row 0) accumulated in f64 in one pass. Errors: K <= 2f + 2; a row with NaN "
                     "or Inf (the message names the client).")
        .citation(kCitation);
    client_inputs(k).param_i64("f", "number of Byzantine clients tolerated; K > 2f + 2", "1", 0, 1e9);
    aggregate_output(k, "the selected client's vector");
    k.output("scores", "Krum score of each client (K)", GEOMRT_DTYPE_F64, 1, "K")
        .output("kept", "index of the selected client (1 entry)", GEOMRT_DTYPE_I64, 1, "*");

    auto m = plugin.method("fl.multi_krum", multi_krum_body);
    m.summary("Multi-Krum: the sample-weighted mean of the m clients with the lowest Krum scores.")
        .description("Krum scores as in fl.krum (computed once), the m lowest kept (ties: lower index), aggregate = "
                     "sum_kept n_i w_i / sum_kept n_i. m = 0 means K - f. Errors: K <= 2f + 2; m > K; a row with "
                     "NaN or Inf (the message names the client).")
        .citation(kCitation);
    client_inputs(m)
        .param_i64("f", "number of Byzantine clients tolerated; K > 2f + 2", "1", 0, 1e9)
        .param_i64("m", "number of clients averaged; 0 = K - f", "0", 0, 1e9);
    aggregate_output(m, "sample-weighted mean of the selected clients");
    m.output("scores", "Krum score of each client (K)", GEOMRT_DTYPE_F64, 1, "K")
        .output("kept", "indices of the selected clients, ascending (m)", GEOMRT_DTYPE_I64, 1, "*");
}

}  // namespace fl
}  // namespace geomrt
