// graph.random_partition: the random partition graph G(N, m, p_in, p_out) of Ivashkin & Chebotarev
// (a planted-partition stochastic block model): N nodes in m classes of (nearly) equal size, an edge
// between two nodes of one class with probability p_in and between classes with p_out, independently.
#include <cmath>
#include <string>
#include <vector>

#include "graph_common.hpp"
#include "graph_methods.hpp"

namespace geomrt {
namespace graph {

namespace {

/// Appends to `out` the j in [lo, hi) picked independently with probability p, by geometric skips
/// (O(1 + expected picks) draws).
void bernoulli_range(Rng &rng, int64_t lo, int64_t hi, double p, std::vector<int64_t> &out) {
    if (p <= 0 || lo >= hi) return;
    if (p >= 1) {
        for (int64_t j = lo; j < hi; ++j) out.push_back(j);
        return;
    }
    const double lq = std::log1p(-p);
    int64_t j = lo - 1;
    for (;;) {
        const double u = rng.uniform();
        const double skip = std::floor(std::log1p(-u) / lq);
        if (skip >= static_cast<double>(hi - j)) return;
        j += 1 + static_cast<int64_t>(skip);
        if (j >= hi) return;
        out.push_back(j);
    }
}

void random_partition_body(Call &c) {
    const int64_t n = c.i64("n"), m = c.i64("classes");
    const double p_in = c.f64("p_in"), p_out = c.f64("p_out");
    if (m > n)
        fail(GEOMRT_EINVAL, c.method() + ": parameter 'classes' = " + std::to_string(m) + " exceeds 'n' = " +
                                std::to_string(n));
    Rng rng(static_cast<uint64_t>(c.i64("seed")));
    std::vector<int64_t> cls(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) cls[i] = i * m / n;  // contiguous classes of nearly equal size
    // first node of the next class
    std::vector<int64_t> first_after(static_cast<size_t>(m), n);
    for (int64_t i = n - 1; i >= 0; --i)
        if (cls[i] > 0) first_after[cls[i] - 1] = i;
    std::vector<std::vector<int64_t>> upper(static_cast<size_t>(n));
    std::vector<int64_t> deg(static_cast<size_t>(n), 0);
    std::vector<int64_t> picks;
    for (int64_t i = 0; i < n; ++i) {
        picks.clear();
        const int64_t split = first_after[cls[i]];
        bernoulli_range(rng, i + 1, split, p_in, picks);
        bernoulli_range(rng, split, n, p_out, picks);
        for (int64_t j : picks) {
            ++deg[i];
            ++deg[j];
        }
        upper[i] = picks;
    }
    int64_t nnz = 0;
    for (int64_t d : deg) nnz += d;
    sdk::SparseOut A = c.out_sparse("A", n, n, nnz);
    A.indptr[0] = 0;
    for (int64_t i = 0; i < n; ++i) A.indptr[i + 1] = A.indptr[i] + deg[i];
    std::vector<int64_t> cur(A.indptr, A.indptr + n);
    // Row r receives its lower entries (from smaller i, in increasing order) before its own upper
    // entries, so columns come out sorted.
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j : upper[i]) {
            A.indices[cur[i]] = j;
            A.values[cur[i]++] = 1.0;
            A.indices[cur[j]] = i;
            A.values[cur[j]++] = 1.0;
        }
    int64_t *lab = c.out_i64("labels", {n});
    for (int64_t i = 0; i < n; ++i) lab[i] = cls[i];
}

}  // namespace

void register_random_partition(sdk::Plugin &plugin) {
    plugin.method("graph.random_partition", random_partition_body)
        .summary("Random partition graph G(N, m, p_in, p_out): m planted classes, edges inside with p_in, across with p_out.")
        .description(
            "The graph model of Ivashkin & Chebotarev: n nodes split into 'classes' classes of sizes that differ "
            "by at most one (node i is in class floor(i classes / n)); each pair of nodes is joined "
            "independently, with probability p_in inside a class and p_out across classes. Sampled in "
            "O(n + edges) by geometric skips from a seeded generator. Outputs: A, the symmetric 0/1 "
            "adjacency as a sparse CSR matrix (sorted columns, no self-loops), and labels (the classes).")
        .citation("V. Ivashkin, P. Chebotarev, Do logarithmic proximity measures outperform plain ones in graph "
                  "clustering?, arXiv:1605.01046 (2016), section 3")
        .sparse_output("A", "adjacency matrix (n x n, 0/1, symmetric)", "*,*")
        .output("labels", "class of each node, 0..classes-1", GEOMRT_DTYPE_I64, 1, "*")
        .param_i64("n", "number of nodes (N)", nullptr, 1, 100000000)
        .param_i64("classes", "number of classes (m), 1 <= classes <= n", "2", 1, 100000000)
        .param_f64("p_in", "edge probability inside a class, in [0, 1]", nullptr, 0.0, 1.0)
        .param_f64("p_out", "edge probability between classes, in [0, 1]", nullptr, 0.0, 1.0)
        .param_i64("seed", "seed of the generator", "0", 0);
}

}  // namespace graph
}  // namespace geomrt
