// fl.median and fl.trimmed_mean: coordinate-wise robust statistics of the client vectors.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

#include "fl_methods.hpp"
#include "kernels.hpp"
#include "stream.hpp"

namespace geomrt {
namespace fl {

namespace {

/// out[col] = stat(K values of column col), streaming over column blocks on c.threads() threads.
template <class Stat>
void columnwise(const Call &c, const View &W, Stat stat) {
    const int64_t K = W.rows, d = W.cols;
    void *out = c.out("aggregate", W.dtype, {d});
    const int64_t nb = (d + kBlock - 1) / kBlock, nch = std::max<int64_t>(1, std::min<int64_t>(nb, 64));
    const int64_t none = std::numeric_limits<int64_t>::max();
    std::atomic<int64_t> bad_row{none};
    std::atomic<int> stop{0};
    const int threads = static_cast<int>(std::min<int64_t>(c.threads(), nch));
#pragma omp parallel num_threads(threads)
    {
        std::vector<double> blk, col;
        try {
            blk.resize(static_cast<size_t>(K * kBlock));
            col.resize(static_cast<size_t>(K));
        } catch (...) {
            stop = 2;
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t ch = 0; ch < nch; ++ch) {
            for (int64_t b = ch * nb / nch; b < (ch + 1) * nb / nch; ++b) {
                if (stop.load() || c.cancelled()) {
                    if (!stop.load()) stop = 1;
                    break;
                }
                const int64_t c0 = b * kBlock, len = std::min(kBlock, d - c0);
                bool finite = true;
                for (int64_t r = 0; r < K; ++r) {
                    double *x = blk.data() + r * kBlock;
                    W.row_f64(r, c0, len, x);
                    bool ok = true;
                    for (int64_t k = 0; k < len; ++k) ok &= std::isfinite(x[k]);
                    if (!ok) {
                        finite = false;
                        int64_t cur = bad_row.load();
                        while (r < cur && !bad_row.compare_exchange_weak(cur, r)) {
                        }
                    }
                }
                if (!finite) continue;
                for (int64_t k = 0; k < len; ++k) {
                    for (int64_t r = 0; r < K; ++r) col[r] = blk[r * kBlock + k];
                    const double v = stat(col.data());
                    if (W.dtype == GEOMRT_DTYPE_F64) static_cast<double *>(out)[c0 + k] = v;
                    else static_cast<float *>(out)[c0 + k] = static_cast<float>(v);
                }
            }
        }
    }
    if (bad_row.load() != none) fail_nonfinite(c, bad_row.load());
    if (stop.load() == 1) sdk::fail(GEOMRT_ECANCELLED, c.method() + ": cancelled by the caller");
    if (stop.load() == 2) throw std::bad_alloc();
}

void median_body(Call &c) {
    const View W = client_matrix(c);
    const int64_t K = W.rows, h = K / 2;
    columnwise(c, W, [K, h](double *v) {
        std::nth_element(v, v + h, v + K);
        if (K % 2 == 1) return v[h];
        const double lo = *std::max_element(v, v + h);  // the h smallest lie before v[h]
        return 0.5 * (lo + v[h]);
    });
}

void trimmed_mean_body(Call &c) {
    const View W = client_matrix(c);
    const int64_t K = W.rows;
    const int64_t b = static_cast<int64_t>(std::floor(c.f64("beta") * static_cast<double>(K) + 1e-9));
    if (K - 2 * b < 1)
        sdk::fail(GEOMRT_ESHAPE, c.method() + ": input 'W' has K = " + std::to_string(K) + " clients; trimming " +
                                     std::to_string(b) + " from each side (beta = " + std::to_string(c.f64("beta")) +
                                     ") leaves none");
    columnwise(c, W, [K, b](double *v) {
        if (b > 0) {
            std::nth_element(v, v + b, v + K);              // b smallest in v[0, b)
            std::nth_element(v + b, v + (K - b), v + K);    // b largest in v[K - b, K)
        }
        double s = 0;
        for (int64_t k = b; k < K - b; ++k) s += v[k];
        return s / static_cast<double>(K - 2 * b);
    });
}

}  // namespace

void register_coordinate(sdk::Plugin &plugin) {
    auto m = plugin.method("fl.median", median_body);
    m.summary("Coordinate-wise median of the client vectors.")
        .description("aggregate[c] = median of W[0..K-1][c] for every coordinate c; for even K the mean of the two "
                     "middle values. Unweighted (sample counts are ignored). One pass over W in column blocks, "
                     "O(K d) expected time. Errors: a row with NaN or Inf (the message names the client).")
        .citation("D. Yin, Y. Chen, K. Ramchandran, P. Bartlett, \"Byzantine-robust distributed learning: towards "
                  "optimal statistical rates\", ICML 2018, Sec. 3 (coordinate-wise median).");
    client_inputs(m);
    aggregate_output(m, "coordinate-wise median");

    auto t = plugin.method("fl.trimmed_mean", trimmed_mean_body);
    t.summary("Coordinate-wise trimmed mean of the client vectors.")
        .description("For every coordinate, drop the b = floor(beta K) largest and b smallest of the K values and "
                     "average the K - 2b others (unweighted). beta = 0 is the plain mean. Errors: K - 2b < 1; a row "
                     "with NaN or Inf (the message names the client).")
        .citation("D. Yin, Y. Chen, K. Ramchandran, P. Bartlett, \"Byzantine-robust distributed learning: towards "
                  "optimal statistical rates\", ICML 2018, Sec. 3 (coordinate-wise trimmed mean).");
    client_inputs(t).param_f64("beta", "fraction trimmed from each side, in [0, 0.5)", "0.1", 0.0, 0.5,
                               GEOMRT_PARAM_MAX_EXCLUSIVE);
    aggregate_output(t, "coordinate-wise trimmed mean");
}

}  // namespace fl
}  // namespace geomrt
