// fl.geometric_median: the weighted geometric median by Weiszfeld's algorithm (RFA).
#include <algorithm>
#include <cmath>

#include "fl_methods.hpp"
#include "stream.hpp"

namespace geomrt {
namespace fl {

namespace {

void geometric_median_body(Call &c) {
    const View W = client_matrix(c);
    const int64_t K = W.rows, max_iter = c.i64("iterations");
    const double tol = c.f64("tol"), eps = c.f64("eps");
    std::vector<double> alpha = sample_counts(c, K);
    double total = 0;
    for (double a : alpha) total += a;
    for (double &a : alpha) a /= total;

    // Every Weiszfeld iterate is a convex combination z = sum_j b_j w_j of the clients, so the
    // whole iteration runs on the Gram matrix of W - w_0: |z - w_i|^2 = b'Gb - 2 (Gb)_i + G_ii.
    PassSpec spec;
    spec.shift_row0 = true;
    const PassResult r = stream_pass(c, W, spec);
    auto distances = [&](const std::vector<double> &b, std::vector<double> &dist) {
        std::vector<double> gb(static_cast<size_t>(K), 0.0);
        double bgb = 0;
        for (int64_t i = 0; i < K; ++i) {
            for (int64_t j = 0; j < K; ++j) gb[i] += r.g(i, j) * b[j];
            bgb += b[i] * gb[i];
        }
        double obj = 0;
        for (int64_t i = 0; i < K; ++i) {
            dist[i] = std::sqrt(std::max(0.0, bgb - 2.0 * gb[i] + r.g(i, i)));
            obj += alpha[i] * dist[i];
        }
        return obj;
    };
    std::vector<double> b = alpha, dist(static_cast<size_t>(K));
    double obj = distances(b, dist);
    int64_t it = 0;
    while (it < max_iter) {
        ++it;
        const double prev = obj;
        double s = 0;
        for (int64_t i = 0; i < K; ++i) s += (b[i] = alpha[i] / std::max(eps, dist[i]));
        for (double &v : b) v /= s;
        obj = distances(b, dist);
        if (std::fabs(prev - obj) <= tol * obj) break;
    }
    combine_rows(c, W, b, View(), false);
    write_vec(c, "weights", b);
    c.scalar("objective", obj);
    c.scalar_i64("iterations_run", it);
}

}  // namespace

void register_geometric_median(sdk::Plugin &plugin) {
    auto m = plugin.method("fl.geometric_median", geometric_median_body);
    m.summary("Weighted geometric median of the client vectors (Weiszfeld's algorithm, as in RFA).")
        .description(
            "Minimizes sum_i alpha_i |z - w_i|_2 with alpha = n / sum n. Starts at the weighted mean; each iteration "
            "sets beta_i = alpha_i / max(eps, |z - w_i|) and z = sum beta_i w_i / sum beta_i, and stops after "
            "'iterations' iterations or when the objective changes by at most tol times its value. The iterates are "
            "convex combinations of the clients, so after one pass over W (a Gram matrix of W - w_0 in f64) the "
            "iterations cost O(K^2) each, and a second pass forms the aggregate. Outputs the final weights beta / "
            "sum beta, the objective and the number of iterations run. Errors: a row with NaN or Inf (the message "
            "names the client).")
        .citation("K. Pillutla, S. M. Kakade, Z. Harchaoui, \"Robust aggregation for federated learning\", IEEE "
                  "Trans. Signal Processing 70, 2022 (RFA, Algorithm 2: smoothed Weiszfeld); E. Weiszfeld, Tohoku "
                  "Math. J. 43, 1937.");
    client_inputs(m)
        .param_i64("iterations", "maximum number of Weiszfeld iterations", "100", 0, 1e9)
        .param_f64("tol", "stop when the objective changes by at most tol times its value", "1e-6", 0.0, 1.0)
        .param_f64("eps", "smoothing: distances below eps count as eps (same units as W)", "1e-5", 0.0, 1e300,
                   GEOMRT_PARAM_MIN_EXCLUSIVE);
    aggregate_output(m, "weighted geometric median");
    m.output("weights", "final Weiszfeld weight of each client (K), summing to 1", GEOMRT_DTYPE_F64, 1, "K")
        .scalar("objective", "sum_i alpha_i |aggregate - w_i|_2 at the returned point")
        .scalar_i64("iterations_run", "number of Weiszfeld iterations run");
}

}  // namespace fl
}  // namespace geomrt
