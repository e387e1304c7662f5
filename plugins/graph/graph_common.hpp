// Shared pieces of the graph plugin: reading the adjacency matrix (dense or sparse CSR) with
// its checks, connected components, the seeded random generator, and checks of kernel inputs.
#ifndef GEOMRT_PLUGINS_GRAPH_COMMON_HPP
#define GEOMRT_PLUGINS_GRAPH_COMMON_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <utility>
#include <string>
#include <vector>

#include <geomrt/plugin.hpp>

namespace geomrt {
namespace graph {

using sdk::Call;
using sdk::fail;

/// An undirected weighted graph in CSR form (symmetric; duplicates summed; rows sorted).
struct Csr {
    int64_t n = 0;
    std::vector<int64_t> ptr, idx;
    std::vector<double> val;
    int64_t nnz() const { return static_cast<int64_t>(idx.size()); }
    std::vector<double> degrees() const {
        std::vector<double> d(static_cast<size_t>(n), 0.0);
        for (int64_t i = 0; i < n; ++i)
            for (int64_t k = ptr[i]; k < ptr[i + 1]; ++k) d[i] += val[k];
        return d;
    }
    /// y = A x
    void apply(const double *x, double *y) const {
        for (int64_t i = 0; i < n; ++i) {
            double s = 0;
            for (int64_t k = ptr[i]; k < ptr[i + 1]; ++k) s += val[k] * x[idx[k]];
            y[i] = s;
        }
    }
    /// Y = A X for row-major n x b blocks: one pass over the graph for all b columns.
    void apply_block(const double *X, double *Y, int64_t b, int threads) const {
#pragma omp parallel for num_threads(threads) schedule(static, 256) if (threads > 1)
        for (int64_t i = 0; i < n; ++i) {
            double *y = Y + i * b;
            for (int64_t c = 0; c < b; ++c) y[c] = 0;
            for (int64_t k = ptr[i]; k < ptr[i + 1]; ++k) {
                const double v = val[k];
                const double *x = X + idx[k] * b;
                for (int64_t c = 0; c < b; ++c) y[c] += v * x[c];
            }
        }
    }
};

inline std::string entry(int64_t i, int64_t j) { return "[" + std::to_string(i) + "," + std::to_string(j) + "]"; }

inline std::string num(double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.6g", v);
    return b;
}

/// The adjacency input `name` (dense f64 or sparse CSR, n x n, nonnegative: the host checked
/// shape, finiteness and signs) as a symmetric CSR graph; fails with a message naming the first
/// asymmetric pair. Explicit zeros are dropped.
inline Csr read_graph(const Call &c, const char *name) {
    const auto A = c.in(name);
    const std::string where = c.method() + ": input '" + name + "'";
    Csr g;
    const int64_t n = A.dim(0);
    if (A.dim(1) != n)
        fail(GEOMRT_ESHAPE, where + " must be a square adjacency matrix, got " + std::to_string(A.dim(0)) + " x " +
                                std::to_string(A.dim(1)));
    g.n = n;
    g.ptr.assign(static_cast<size_t>(n + 1), 0);
    if (A.sparse()) {
        // Sum duplicates within each row: sort each row's entries by column (rows that are already
        // strictly increasing, as scipy's canonical CSR and graph.random_partition give, are copied).
        std::vector<std::pair<int64_t, double>> row;
        const int64_t *ip = A.indptr(), *ix = A.indices();
        const double *iv = A.values();
        g.idx.reserve(static_cast<size_t>(ip[n] - ip[0]));
        g.val.reserve(static_cast<size_t>(ip[n] - ip[0]));
        for (int64_t i = 0; i < n; ++i) {
            bool sorted = true;
            for (int64_t k = ip[i] + 1; k < ip[i + 1] && sorted; ++k) sorted = ix[k - 1] < ix[k];
            if (sorted) {
                for (int64_t k = ip[i]; k < ip[i + 1]; ++k)
                    if (iv[k] != 0) {
                        g.idx.push_back(ix[k]);
                        g.val.push_back(iv[k]);
                    }
                g.ptr[i + 1] = static_cast<int64_t>(g.idx.size());
                continue;
            }
            row.clear();
            for (int64_t k = ip[i]; k < ip[i + 1]; ++k) row.emplace_back(ix[k], iv[k]);
            std::sort(row.begin(), row.end(),
                      [](const std::pair<int64_t, double> &a, const std::pair<int64_t, double> &b) { return a.first < b.first; });
            for (size_t k = 0; k < row.size();) {
                int64_t j = row[k].first;
                double s = 0;
                while (k < row.size() && row[k].first == j) s += row[k++].second;
                if (s != 0) {
                    g.idx.push_back(j);
                    g.val.push_back(s);
                }
            }
            g.ptr[i + 1] = static_cast<int64_t>(g.idx.size());
        }
    } else {
        const double *a = A.f64();
        for (int64_t i = 0; i < n; ++i) {
            for (int64_t j = 0; j < n; ++j)
                if (a[i * n + j] != 0) {
                    g.idx.push_back(j);
                    g.val.push_back(a[i * n + j]);
                }
            g.ptr[i + 1] = static_cast<int64_t>(g.idx.size());
        }
    }
    // Symmetry: every stored (i, j) must have a matching (j, i) (relative 1e-12).
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t k = g.ptr[i]; k < g.ptr[i + 1]; ++k) {
            const int64_t j = g.idx[k];
            if (j < i) continue;
            // find (j, i) in row j
            const int64_t lo = g.ptr[j], hi = g.ptr[j + 1];
            const int64_t *b = g.idx.data();
            const int64_t *f = std::lower_bound(b + lo, b + hi, i);
            const double back = (f != b + hi && *f == i) ? g.val[f - b] : 0.0;
            const double v = g.val[k];
            if (std::fabs(v - back) > 1e-12 * std::max(std::fabs(v), std::fabs(back)))
                fail(GEOMRT_EINVAL, where + " must be symmetric (an undirected graph): A" + entry(i, j) + " = " + num(v) +
                                        " but A" + entry(j, i) + " = " + num(back));
        }
    }
    return g;
}

/// Connected components (label per node) and their number.
inline int64_t components(const Csr &g, std::vector<int64_t> &comp) {
    comp.assign(static_cast<size_t>(g.n), -1);
    int64_t nc = 0;
    std::vector<int64_t> stack;
    for (int64_t s = 0; s < g.n; ++s) {
        if (comp[s] >= 0) continue;
        comp[s] = nc;
        stack.push_back(s);
        while (!stack.empty()) {
            const int64_t u = stack.back();
            stack.pop_back();
            for (int64_t k = g.ptr[u]; k < g.ptr[u + 1]; ++k)
                if (comp[g.idx[k]] < 0) {
                    comp[g.idx[k]] = nc;
                    stack.push_back(g.idx[k]);
                }
        }
        ++nc;
    }
    return nc;
}

/// Seeded generator (SplitMix64): the same stream on every platform.
class Rng {
public:
    explicit Rng(uint64_t seed) : s_(seed) {}
    uint64_t next() {
        uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
        return z ^ (z >> 31);
    }
    /// Uniform in [0, 1).
    double uniform() { return static_cast<double>(next() >> 11) * (1.0 / 9007199254740992.0); }
    /// Uniform integer in [0, m).
    int64_t below(int64_t m) { return static_cast<int64_t>(uniform() * static_cast<double>(m)); }

private:
    uint64_t s_;
};

/// Checks a square kernel matrix input (n x n): symmetric to relative 1e-10 of its largest entry.
inline void check_symmetric_kernel(const Call &c, const char *name, const double *K, int64_t n) {
    double mx = 0;
    for (int64_t i = 0; i < n * n; ++i) mx = std::max(mx, std::fabs(K[i]));
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = i + 1; j < n; ++j)
            if (std::fabs(K[i * n + j] - K[j * n + i]) > 1e-10 * mx)
                fail(GEOMRT_EINVAL, c.method() + ": input '" + name + "' must be a symmetric kernel matrix: " + name +
                                        entry(i, j) + " = " + num(K[i * n + j]) + " but " + name + entry(j, i) + " = " +
                                        num(K[j * n + i]));
}

}  // namespace graph
}  // namespace geomrt

#endif
