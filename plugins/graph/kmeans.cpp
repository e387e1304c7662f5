// graph.kernel_kmeans: k-means in the feature space of a kernel (Lloyd iterations on
// ||phi_i - m_c||^2 = K_ii - 2/|c| sum_{j in c} K_ij + 1/|c|^2 sum_{j,l in c} K_jl), k-means++
// initialization (Arthur & Vassilvitskii 2007), the best of n_init seeded restarts.
#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "graph_common.hpp"
#include "graph_methods.hpp"

namespace geomrt {
namespace graph {

namespace {

struct Run {
    std::vector<int64_t> labels;
    double inertia = std::numeric_limits<double>::infinity();
    int64_t iterations = 0;
};

/// Squared feature-space distances of every point to every cluster mean for the given labels
/// (dist: n x k; +inf for an empty cluster) and the cluster sizes.
void cluster_distances(const double *K, int64_t n, int64_t k, const std::vector<int64_t> &lab, std::vector<double> &S,
                       std::vector<double> &dist, std::vector<int64_t> &size) {
    size.assign(static_cast<size_t>(k), 0);
    for (int64_t i = 0; i < n; ++i) ++size[lab[i]];
    // S = K Z for the n x k cluster indicator Z: one matrix product (BLAS dgemm).
    Eigen::MatrixXd Z = Eigen::MatrixXd::Zero(n, k);
    for (int64_t i = 0; i < n; ++i) Z(i, lab[i]) = 1.0;
    S.resize(static_cast<size_t>(n * k));
    Eigen::Map<Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> Sm(S.data(), n, k);
    Sm.noalias() = Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(K, n, n) * Z;
    std::vector<double> g(static_cast<size_t>(k), 0.0);
    for (int64_t i = 0; i < n; ++i) g[lab[i]] += S[static_cast<size_t>(i * k + lab[i])];
    dist.assign(static_cast<size_t>(n * k), std::numeric_limits<double>::infinity());
    for (int64_t i = 0; i < n; ++i)
        for (int64_t c = 0; c < k; ++c) {
            if (size[c] == 0) continue;
            const double s = static_cast<double>(size[c]);
            dist[static_cast<size_t>(i * k + c)] = K[i * n + i] - 2.0 * S[static_cast<size_t>(i * k + c)] / s + g[c] / (s * s);
        }
}

Run one_run(const double *K, int64_t n, int64_t k, int64_t max_iter, uint64_t seed) {
    Rng rng(seed);
    // k-means++ on the points themselves: the next centre is drawn with probability proportional
    // to the squared feature-space distance to the nearest centre chosen so far.
    std::vector<int64_t> centres;
    centres.push_back(rng.below(n));
    std::vector<double> near(static_cast<size_t>(n), std::numeric_limits<double>::infinity());
    std::vector<int64_t> lab(static_cast<size_t>(n), 0);
    for (int64_t c = 0;; ++c) {
        const int64_t z = centres.back();
        for (int64_t i = 0; i < n; ++i) {
            const double d = std::max(0.0, K[i * n + i] + K[z * n + z] - 2.0 * K[i * n + z]);
            if (d < near[i]) {
                near[i] = d;
                lab[i] = c;
            }
        }
        if (c + 1 == k) break;
        double total = 0;
        for (int64_t i = 0; i < n; ++i) total += near[i];
        int64_t pick = -1;
        if (total > 0) {
            double u = rng.uniform() * total, acc = 0;
            for (int64_t i = 0; i < n; ++i) {
                acc += near[i];
                if (near[i] > 0) pick = i;
                if (acc > u && near[i] > 0) break;
            }
        }
        if (pick < 0) {  // every point coincides with a centre: take any point not chosen yet
            for (int64_t i = 0; i < n && pick < 0; ++i)
                if (std::find(centres.begin(), centres.end(), i) == centres.end()) pick = i;
        }
        centres.push_back(pick);
        near[pick] = 0;
        lab[pick] = c + 1;
    }
    for (int64_t c = 0; c < k; ++c) lab[centres[c]] = c;
    Run r;
    std::vector<double> S, dist;
    std::vector<int64_t> size;
    for (int64_t it = 0; it < max_iter; ++it) {
        cluster_distances(K, n, k, lab, S, dist, size);
        std::vector<int64_t> next(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) {
            int64_t best = lab[i];
            for (int64_t c = 0; c < k; ++c)
                if (dist[static_cast<size_t>(i * k + c)] < dist[static_cast<size_t>(i * k + best)]) best = c;
            next[i] = best;
        }
        // An emptied cluster takes the point farthest from its own mean (as scikit-learn does).
        std::vector<int64_t> cnt(static_cast<size_t>(k), 0);
        for (int64_t i = 0; i < n; ++i) ++cnt[next[i]];
        for (int64_t c = 0; c < k; ++c) {
            if (cnt[c] > 0) continue;
            int64_t far = -1;
            double fd = -std::numeric_limits<double>::infinity();
            for (int64_t i = 0; i < n; ++i) {
                const double d = dist[static_cast<size_t>(i * k + next[i])];
                if (cnt[next[i]] > 1 && d > fd) {
                    fd = d;
                    far = i;
                }
            }
            if (far < 0) break;
            --cnt[next[far]];
            next[far] = c;
            ++cnt[c];
        }
        r.iterations = it + 1;
        const bool same = next == lab;
        lab.swap(next);
        if (same) break;
    }
    cluster_distances(K, n, k, lab, S, dist, size);
    r.inertia = 0;
    for (int64_t i = 0; i < n; ++i) r.inertia += dist[static_cast<size_t>(i * k + lab[i])];
    r.labels = lab;
    return r;
}

void kernel_kmeans_body(Call &c) {
    const auto Kt = c.in("K");
    const int64_t n = Kt.dim(0), k = c.i64("k"), n_init = c.i64("n_init"), max_iter = c.i64("max_iter");
    if (k > n)
        fail(GEOMRT_EINVAL, c.method() + ": parameter 'k' = " + std::to_string(k) + " exceeds the number of points n = " +
                                std::to_string(n));
    check_symmetric_kernel(c, "K", Kt.f64(), n);
    const uint64_t seed = static_cast<uint64_t>(c.i64("seed"));
    std::vector<Run> runs(static_cast<size_t>(n_init));
    const int threads = n * n * n_init > 200000 ? static_cast<int>(std::min<int64_t>(c.threads(), n_init)) : 1;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (int64_t r = 0; r < n_init; ++r)
        runs[r] = one_run(Kt.f64(), n, k, max_iter, seed * 0x9E3779B97F4A7C15ull + static_cast<uint64_t>(r) * 7919u + 1u);
    size_t best = 0;
    for (size_t r = 1; r < runs.size(); ++r)
        if (runs[r].inertia < runs[best].inertia) best = r;
    int64_t *lab = c.out_i64("labels", {n});
    std::copy(runs[best].labels.begin(), runs[best].labels.end(), lab);
    c.scalar("inertia", runs[best].inertia);
    c.scalar_i64("iterations", runs[best].iterations);
}

}  // namespace

void register_kernel_kmeans(sdk::Plugin &plugin) {
    plugin.method("graph.kernel_kmeans", kernel_kmeans_body)
        .summary("Kernel k-means (k-means++ initialization, best of n_init seeded restarts).")
        .description(
            "Minimizes the within-cluster sum of squared feature-space distances "
            "sum_i ||phi_i - m_c(i)||^2 = sum_i (K_ii - 2/|c| sum_{j in c} K_ij + 1/|c|^2 sum_{j,l in c} K_jl) "
            "by Lloyd iterations, given only the kernel K (n x n, symmetric; need not be positive "
            "semidefinite, as the logarithmic kernels are not). Each restart starts from k-means++ centres "
            "(points drawn with probability proportional to the squared distance to the nearest centre so "
            "far); an emptied cluster takes the point farthest from its mean. Iterates until the labels stop "
            "changing or max_iter. Outputs: labels (0..k-1) and inertia of the restart with the lowest "
            "inertia, and its iteration count. Results depend only on seed (not on the number of threads).")
        .citation("[1] V. Ivashkin, P. Chebotarev, Do logarithmic proximity measures outperform plain ones in graph "
                  "clustering?, arXiv:1605.01046 (2016); [2] I. S. Dhillon, Y. Guan, B. Kulis, Kernel k-means, "
                  "spectral clustering and normalized cuts, KDD 2004; [3] D. Arthur, S. Vassilvitskii, k-means++: "
                  "the advantages of careful seeding, SODA 2007")
        .input("K", "kernel matrix (n x n, symmetric)", GEOMRT_DTYPE_F64, 2, "n,n")
        .output("labels", "cluster of each point, 0..k-1", GEOMRT_DTYPE_I64, 1, "n")
        .scalar("inertia", "within-cluster sum of squared feature-space distances of the best restart")
        .scalar_i64("iterations", "Lloyd iterations of the best restart")
        .param_i64("k", "number of clusters, 1 <= k <= n", nullptr, 1)
        .param_i64("n_init", "number of restarts (k-means++ seeds); the lowest inertia wins", "10", 1, 100000)
        .param_i64("max_iter", "maximum Lloyd iterations per restart", "300", 1)
        .param_i64("seed", "seed of the random initializations", "0", 0);
}

}  // namespace graph
}  // namespace geomrt
