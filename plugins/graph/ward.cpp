// graph.ward: Ward's agglomerative clustering in the feature space of a kernel. Merge costs
// Delta(i, j) = |i||j| / (|i| + |j|) ||m_i - m_j||^2 start at (K_ii + K_jj - 2 K_ij) / 2 for single
// points and follow the Lance-Williams recurrence
// Delta(k, i+j) = ((n_i + n_k) Delta(k, i) + (n_j + n_k) Delta(k, j) - n_k Delta(i, j)) / (n_i + n_j + n_k);
// merges are found by the nearest-neighbour chain (O(n^2) time), then applied in order of cost
// until k clusters remain.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "graph_common.hpp"
#include "graph_methods.hpp"

namespace geomrt {
namespace graph {

namespace {

struct Merge {
    int64_t a, b;
    double cost;
};

void ward_body(Call &c) {
    const auto Kt = c.in("K");
    const int64_t n = Kt.dim(0), k = c.i64("k");
    if (k > n)
        fail(GEOMRT_EINVAL, c.method() + ": parameter 'k' = " + std::to_string(k) + " exceeds the number of points n = " +
                                std::to_string(n));
    const double *K = Kt.f64();
    check_symmetric_kernel(c, "K", K, n);
    // d must be exactly symmetric: the nearest-neighbour chain terminates only then (a kernel that is
    // symmetric to rounding, e.g. K_ij and K_ji differing in the last bit, could otherwise make the
    // chain cycle among near-ties). Hence K_ij + K_ji, not 2 K_ij.
    std::vector<double> d(static_cast<size_t>(n * n));
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j <= i; ++j) {
            const double v = i == j ? 0.0 : 0.5 * (K[i * n + i] + K[j * n + j] - (K[i * n + j] + K[j * n + i]));
            if (!std::isfinite(v))
                fail(GEOMRT_EINVAL, c.method() + ": the distance between points " + std::to_string(j) + " and " +
                                        std::to_string(i) + " of kernel 'K' overflows float64 (K_ii + K_jj - 2 K_ij = " +
                                        num(2 * v) + "); scale the kernel down");
            d[i * n + j] = d[j * n + i] = v;
        }
    std::vector<double> size(static_cast<size_t>(n), 1.0);
    std::vector<char> active(static_cast<size_t>(n), 1);
    std::vector<Merge> merges;
    std::vector<int64_t> chain;
    std::vector<char> in_chain(static_cast<size_t>(n), 0);
    int64_t steps = 0;
    int64_t remaining = n;
    while (remaining > 1) {
        if (chain.empty())
            for (int64_t i = 0; i < n; ++i)
                if (active[i]) {
                    chain.push_back(i);
                    in_chain[i] = 1;
                    break;
                }
        const int64_t a = chain.back();
        const int64_t prev = chain.size() > 1 ? chain[chain.size() - 2] : -1;
        // nearest active neighbour of a; ties keep the previous chain element (guarantees progress)
        int64_t b = prev;
        double bd = prev >= 0 ? d[a * n + prev] : std::numeric_limits<double>::infinity();
        for (int64_t j = 0; j < n; ++j) {
            if (!active[j] || j == a) continue;
            if (d[a * n + j] < bd) {
                bd = d[a * n + j];
                b = j;
            }
        }
        if (b != prev) {
            if (b < 0 || ++steps > 8 * n * n + 64)
                fail(GEOMRT_EINTERNAL, c.method() + ": the nearest-neighbour chain did not close");
            // Ward's costs are reducible, so in exact arithmetic a chain never revisits a cluster;
            // rounding at near-ties can break that: cut the chain back to b's place then.
            if (in_chain[b]) {
                while (chain.back() != b) {
                    in_chain[chain.back()] = 0;
                    chain.pop_back();
                }
                continue;
            }
            chain.push_back(b);
            in_chain[b] = 1;
            continue;
        }
        // a and prev are reciprocal nearest neighbours: merge them into the lower index
        chain.pop_back();
        chain.pop_back();
        in_chain[a] = in_chain[b] = 0;
        const int64_t lo = std::min(a, b), hi = std::max(a, b);
        merges.push_back({lo, hi, bd});
        const double ni = size[lo], nj = size[hi];
        for (int64_t m = 0; m < n; ++m) {
            if (!active[m] || m == lo || m == hi) continue;
            const double nk = size[m];
            const double v = ((ni + nk) * d[m * n + lo] + (nj + nk) * d[m * n + hi] - nk * bd) / (ni + nj + nk);
            d[m * n + lo] = d[lo * n + m] = v;
        }
        size[lo] = ni + nj;
        active[hi] = 0;
        --remaining;
    }
    // Apply the n - k cheapest merges (in cost order; Ward's costs are monotone along a dendrogram).
    std::vector<size_t> order(merges.size());
    std::iota(order.begin(), order.end(), 0);
    std::stable_sort(order.begin(), order.end(), [&](size_t x, size_t y) { return merges[x].cost < merges[y].cost; });
    std::vector<int64_t> parent(static_cast<size_t>(n));
    std::iota(parent.begin(), parent.end(), 0);
    auto find = [&](int64_t x) {
        while (parent[x] != x) x = parent[x] = parent[parent[x]];
        return x;
    };
    for (int64_t m = 0; m < n - k; ++m) {
        const Merge &mg = merges[order[m]];
        const int64_t ra = find(mg.a), rb = find(mg.b);
        parent[std::max(ra, rb)] = std::min(ra, rb);
    }
    int64_t *lab = c.out_i64("labels", {n});
    std::vector<int64_t> id(static_cast<size_t>(n), -1);
    int64_t next = 0;
    for (int64_t i = 0; i < n; ++i) {
        const int64_t r = find(i);
        if (id[r] < 0) id[r] = next++;
        lab[i] = id[r];
    }
    double *h = c.out_f64("heights", {std::max<int64_t>(n - 1, 0)});
    for (size_t m = 0; m < order.size(); ++m) h[m] = merges[order[m]].cost;
}

}  // namespace

void register_ward(sdk::Plugin &plugin) {
    plugin.method("graph.ward", ward_body)
        .summary("Ward's hierarchical clustering on a kernel (Lance-Williams recurrence), cut at k clusters.")
        .description(
            "Agglomerative clustering that always merges the two clusters whose union least increases the "
            "within-cluster sum of squared feature-space distances, given only the kernel K (n x n, "
            "symmetric). The merge cost of two points is (K_ii + K_jj - 2 K_ij) / 2 and costs of merged "
            "clusters follow the Lance-Williams recurrence for Ward's method; merges are found by the "
            "nearest-neighbour chain in O(n^2) time and O(n^2) memory. Outputs: labels (0..k-1, numbered "
            "in order of first appearance) after the n - k cheapest merges, and the n - 1 merge costs "
            "(heights) in increasing order.")
        .citation("[1] V. Ivashkin, P. Chebotarev, Do logarithmic proximity measures outperform plain ones in graph "
                  "clustering?, arXiv:1605.01046 (2016); [2] J. H. Ward, Hierarchical grouping to optimize an "
                  "objective function, JASA 58 (1963); [3] G. N. Lance, W. T. Williams, A general theory of "
                  "classificatory sorting strategies, The Computer Journal 9 (1967)")
        .input("K", "kernel matrix (n x n, symmetric)", GEOMRT_DTYPE_F64, 2, "n,n")
        .output("labels", "cluster of each point, 0..k-1", GEOMRT_DTYPE_I64, 1, "n")
        .output("heights", "the n - 1 merge costs in increasing order", GEOMRT_DTYPE_F64, 1, "*")
        .param_i64("k", "number of clusters, 1 <= k <= n", nullptr, 1);
}

}  // namespace graph
}  // namespace geomrt
