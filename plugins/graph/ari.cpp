// graph.adjusted_rand_index: agreement of two partitions corrected for chance (Hubert & Arabie 1985).
#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "graph_common.hpp"
#include "graph_methods.hpp"

namespace geomrt {
namespace graph {

namespace {

void ari_body(Call &c) {
    const auto a = c.in("labels_true"), b = c.in("labels_pred");
    const int64_t n = a.dim(0);
    // Contingency table over the distinct label values.
    std::map<int64_t, int64_t> ia, ib;
    for (int64_t i = 0; i < n; ++i) {
        ia.emplace(a.i64()[i], static_cast<int64_t>(ia.size()));
        ib.emplace(b.i64()[i], static_cast<int64_t>(ib.size()));
    }
    std::map<std::pair<int64_t, int64_t>, int64_t> cells;
    std::vector<int64_t> ra(ia.size(), 0), rb(ib.size(), 0);
    for (int64_t i = 0; i < n; ++i) {
        const int64_t x = ia[a.i64()[i]], y = ib[b.i64()[i]];
        ++cells[{x, y}];
        ++ra[x];
        ++rb[y];
    }
    // Pair counts: same cluster in both (tp), in pred only (fp), in true only (fn), in neither (tn).
    auto pairs = [](int64_t m) { return static_cast<long double>(m) * static_cast<long double>(m - 1) / 2; };
    long double sum_cells = 0, sum_a = 0, sum_b = 0;
    for (const auto &kv : cells) sum_cells += pairs(kv.second);
    for (int64_t v : ra) sum_a += pairs(v);
    for (int64_t v : rb) sum_b += pairs(v);
    const long double total = pairs(n);
    const long double tp = sum_cells, fp = sum_b - sum_cells, fn = sum_a - sum_cells;
    const long double tn = total - tp - fp - fn;
    double ari;
    if (fn == 0 && fp == 0) {
        ari = 1.0;  // identical partitions, including the all-in-one and all-singleton cases
    } else {
        ari = static_cast<double>(2 * (tp * tn - fn * fp) / ((tp + fn) * (fn + tn) + (tp + fp) * (fp + tn)));
    }
    c.scalar("ari", ari);
}

}  // namespace

void register_adjusted_rand_index(sdk::Plugin &plugin) {
    plugin.method("graph.adjusted_rand_index", ari_body)
        .summary("Adjusted Rand index of two partitions (1 = identical, about 0 = chance).")
        .description(
            "ARI = (RI - E[RI]) / (max RI - E[RI]) over the pairs of points, from the contingency table of the "
            "two labelings (any integer values; only equality matters): with tp, fp, fn, tn the pairs grouped "
            "together in both, in labels_pred only, in labels_true only and in neither, "
            "ARI = 2 (tp tn - fn fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn)); 1 when the partitions are "
            "identical (also when both put every point in one cluster, or each in its own), as scikit-learn's "
            "adjusted_rand_score.")
        .citation("L. Hubert, P. Arabie, Comparing partitions, Journal of Classification 2 (1985)")
        .input("labels_true", "reference labels (n)", GEOMRT_DTYPE_I64, 1, "n")
        .input("labels_pred", "labels to score (n)", GEOMRT_DTYPE_I64, 1, "n")
        .scalar("ari", "the adjusted Rand index, in [-1, 1]");
}

}  // namespace graph
}  // namespace geomrt
