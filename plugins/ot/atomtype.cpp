// ot.atomtype_w1: distance between two molecular configurations as per-atom-type Wasserstein-1
// distances (exact assignment per type), combined by sum or max.
// ot.farthest_point_sampling: greedy k-center selection of diverse configurations, from a distance
// matrix or lazily from ot.atomtype_w1 between configurations.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <functional>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "assignment.hpp"
#include "common.hpp"
#include "ot_methods.hpp"

namespace geomrt {
namespace ot {

namespace {

enum class Combine { Sum, Max };

Combine parse_combine(const std::string &s) { return s == "max" ? Combine::Max : Combine::Sum; }

/// Atoms grouped by type: type g holds atoms xs[off[g] .. off[g+1]) of x and ys[...] of y, both
/// in increasing atom index; ids are the distinct types in increasing order.
struct TypeGroups {
    std::vector<int64_t> ids, off, xs, ys;
    int64_t size() const { return static_cast<int64_t>(ids.size()); }
    int64_t count(int64_t g) const { return off[g + 1] - off[g]; }
};

/// Atom indices 0..n-1 stably sorted by type.
std::vector<int64_t> sorted_by_type(const int64_t *types, int64_t n) {
    std::vector<int64_t> idx(static_cast<size_t>(n));
    std::iota(idx.begin(), idx.end(), int64_t(0));
    std::stable_sort(idx.begin(), idx.end(), [types](int64_t a, int64_t b) { return types[a] < types[b]; });
    return idx;
}

/// Group the atoms of x (types tx) and y (types ty, may equal tx); the multisets of types must agree.
TypeGroups group_types(const Call &c, const int64_t *tx, const int64_t *ty, int64_t n, const char *ty_name) {
    TypeGroups g;
    g.xs = sorted_by_type(tx, n);
    g.ys = (ty == tx) ? g.xs : sorted_by_type(ty, n);
    for (int64_t k = 0; k < n; ++k) {
        const int64_t a = tx[g.xs[k]], b = ty[g.ys[k]];
        if (a != b) {
            // the sorted type sequences first differ here: the smaller type occurs more often on its side
            const int64_t t = std::min(a, b);
            const int64_t cx = std::count(tx, tx + n, t), cy = std::count(ty, ty + n, t);
            fail(GEOMRT_EINVAL, c.method() + ": atom type " + std::to_string(t) + " occurs " + std::to_string(cx) +
                                    " times in 'types' but " + std::to_string(cy) + " times in '" + ty_name +
                                    "'; both configurations must have the same atoms (each type equally often)");
        }
        if (k == 0 || a != tx[g.xs[k - 1]]) {
            g.ids.push_back(a);
            g.off.push_back(k);
        }
    }
    g.off.push_back(n);
    return g;
}

/// Scratch memory of one thread.
struct Workspace {
    std::vector<double> C, u, v;
    std::vector<int64_t> perm;
};

enum class Status { Ok, Cancelled, Overflow };

inline double euclid(const double *a, const double *b, int64_t d) {
    double s = 0;
    for (int64_t k = 0; k < d; ++k) {
        const double t = a[k] - b[k];
        s += t * t;
    }
    return std::sqrt(s);
}

/// W1 of one type group g between configurations X and Y (n x d, row-major): the exact optimal
/// assignment cost divided by the number of atoms. Writes the matching of the group's x atoms
/// into match (if not null). Never throws Error (safe inside OpenMP regions apart from bad_alloc).
Status type_w1(const double *X, const double *Y, int64_t d, const TypeGroups &tg, int64_t g, Workspace &ws,
               double &w1, int64_t *match, const std::function<bool()> &stop) {
    const int64_t m = tg.count(g);
    const int64_t *xs = tg.xs.data() + tg.off[g], *ys = tg.ys.data() + tg.off[g];
    if (m == 1) {
        w1 = euclid(X + xs[0] * d, Y + ys[0] * d, d);
        if (match) match[xs[0]] = ys[0];
        return std::isfinite(w1) ? Status::Ok : Status::Overflow;
    }
    ws.C.resize(static_cast<size_t>(m * m));
    for (int64_t a = 0; a < m; ++a) {
        const double *xa = X + xs[a] * d;
        double *row = ws.C.data() + a * m;
        for (int64_t b = 0; b < m; ++b) row[b] = euclid(xa, Y + ys[b] * d, d);
    }
    for (double v : ws.C)
        if (!std::isfinite(v)) return Status::Overflow;
    if (!solve_assignment(m, ws.C.data(), ws.perm, ws.u, ws.v, stop)) return Status::Cancelled;
    double total = 0;
    for (int64_t a = 0; a < m; ++a) total += ws.C[a * m + ws.perm[a]];
    w1 = total / static_cast<double>(m);
    if (match)
        for (int64_t a = 0; a < m; ++a) match[xs[a]] = ys[ws.perm[a]];
    return Status::Ok;
}

double combine_types(const double *per_type, int64_t k, Combine how) {
    double r = 0;
    for (int64_t g = 0; g < k; ++g) r = (how == Combine::Sum) ? r + per_type[g] : std::max(r, per_type[g]);
    return r;
}

/// The combined distance between X and Y (types solved one after another; per_type has tg.size() entries).
Status atomtype_distance(const double *X, const double *Y, int64_t d, const TypeGroups &tg, Combine how,
                         Workspace &ws, double *per_type, double &dist, const std::function<bool()> &stop) {
    for (int64_t g = 0; g < tg.size(); ++g) {
        const Status st = type_w1(X, Y, d, tg, g, ws, per_type[g], nullptr, stop);
        if (st != Status::Ok) return st;
    }
    dist = combine_types(per_type, tg.size(), how);
    return Status::Ok;
}

[[noreturn]] void fail_status(const Call &c, Status st) {
    if (st == Status::Cancelled) fail(GEOMRT_ECANCELLED, c.method() + ": cancelled by the caller");
    fail(GEOMRT_EINVAL, c.method() + ": a distance between atoms overflows (coordinates of magnitude ~1e154 or "
                                     "more); rescale the coordinates");
}

/// Collects the first exception thrown inside an OpenMP region, to rethrow after it.
struct FirstError {
    std::exception_ptr e;
    template <class F>
    void run(F &&f) noexcept {
        try {
            f();
        } catch (...) {
#pragma omp critical(geomrt_atomtype_error)
            if (!e) e = std::current_exception();
        }
    }
    void rethrow() const {
        if (e) std::rethrow_exception(e);
    }
};

// ---------------------------------------------------------------------------------------------
// ot.atomtype_w1

void atomtype_w1_body(Call &c) {
    auto x = c.in("x"), y = c.in("y"), tx = c.in("types");
    const int64_t n = x.dim(0), d = x.dim(1);
    const bool has_ty = c.has("types_y");
    const int64_t *ty = has_ty ? c.in("types_y").i64() : tx.i64();
    const TypeGroups tg = group_types(c, tx.i64(), ty, n, "types_y");
    const int64_t k = tg.size();
    const Combine how = parse_combine(c.str("combine"));

    std::vector<double> per_type(static_cast<size_t>(k), 0.0);
    std::vector<int64_t> match(static_cast<size_t>(n), -1);
    std::vector<Status> status(static_cast<size_t>(k), Status::Ok);
    double work = 0;  // ~ sum of m^3 over the groups
    for (int64_t g = 0; g < k; ++g) work += std::pow(static_cast<double>(tg.count(g)), 3.0);
    const std::function<bool()> stop = [&c] { return c.cancelled(); };
    FirstError err;
    // Types are independent: solved in parallel when worthwhile (the result does not depend on it).
    const int threads = (k > 1 && work > 2e5) ? c.threads() : 1;
#pragma omp parallel num_threads(threads)
    {
        Workspace ws;
#pragma omp for schedule(dynamic, 1)
        for (int64_t g = 0; g < k; ++g)
            err.run([&] { status[g] = type_w1(x.f64(), y.f64(), d, tg, g, ws, per_type[g], match.data(), stop); });
    }
    err.rethrow();
    for (Status st : status)
        if (st != Status::Ok) fail_status(c, st);

    c.scalar("cost", combine_types(per_type.data(), k, how));
    std::copy(per_type.begin(), per_type.end(), c.out_f64("per_type", {k}));
    std::copy(tg.ids.begin(), tg.ids.end(), c.out_i64("type_ids", {k}));
    std::copy(match.begin(), match.end(), c.out_i64("matching", {n}));
}

// ---------------------------------------------------------------------------------------------
// ot.farthest_point_sampling

/// Checks D (N x N) is symmetric to a relative 1e-9 (the diagonal is not read).
void check_symmetric(const Call &c, const double *D, int64_t N) {
    for (int64_t i = 0; i < N; ++i)
        for (int64_t j = i + 1; j < N; ++j) {
            const double a = D[i * N + j], b = D[j * N + i];
            if (std::fabs(a - b) > 1e-9 * std::max(std::fabs(a), std::fabs(b))) {
                char buf[160];
                std::snprintf(buf, sizeof buf, "D[%lld,%lld] = %.17g but D[%lld,%lld] = %.17g",
                              static_cast<long long>(i), static_cast<long long>(j), a, static_cast<long long>(j),
                              static_cast<long long>(i), b);
                fail(GEOMRT_EINVAL, c.method() + ": input 'D' must be a symmetric distance matrix (to a relative "
                                                 "1e-9), but " + buf);
            }
        }
}

void fps_body(Call &c) {
    const bool hasD = c.has("D"), hasC = c.has("configs");
    if (hasD == hasC)
        fail(GEOMRT_EINVAL, c.method() + (hasD ? ": give either a distance matrix 'D' or configurations 'configs', "
                                                 "not both"
                                               : ": missing input: give a distance matrix 'D' (N x N) or "
                                                 "configurations 'configs' (N x n x d) with their atom 'types' (n)"));
    if (hasD && c.has("types"))
        fail(GEOMRT_EINVAL, c.method() + ": input 'types' is only used with 'configs'; with 'D' leave it out");
    if (hasC && !c.has("types"))
        fail(GEOMRT_EINVAL, c.method() + ": input 'configs' needs the atom types: give 'types' (n, int64)");

    const int64_t N = hasD ? c.in("D").dim(0) : c.in("configs").dim(0);
    const int64_t k = c.i64("k");
    if (k > N)
        fail(GEOMRT_EINVAL, c.method() + ": parameter 'k' = " + std::to_string(k) + " exceeds the number of " +
                                (hasD ? "rows of 'D'" : "configurations") + " N = " + std::to_string(N));

    // starting points
    std::vector<int64_t> seeds;
    if (c.has("seeds")) {
        auto s = c.in("seeds");
        seeds.assign(s.i64(), s.i64() + s.numel());
    } else {
        seeds.push_back(c.i64("start"));
    }
    const std::string seed_name = c.has("seeds") ? "input 'seeds'" : "parameter 'start'";
    if (static_cast<int64_t>(seeds.size()) > k)
        fail(GEOMRT_EINVAL, c.method() + ": " + seed_name + " has " + std::to_string(seeds.size()) +
                                " indices, more than k = " + std::to_string(k));
    std::vector<char> selected(static_cast<size_t>(N), 0);
    for (size_t i = 0; i < seeds.size(); ++i) {
        const int64_t s = seeds[i];
        if (s < 0 || s >= N)
            fail(GEOMRT_EINVAL, c.method() + ": " + seed_name + " index " + std::to_string(s) +
                                    " is out of range [0, " + std::to_string(N) + ")");
        if (selected[s])
            fail(GEOMRT_EINVAL, c.method() + ": " + seed_name + " lists index " + std::to_string(s) + " twice");
        selected[s] = 1;
    }
    std::fill(selected.begin(), selected.end(), 0);

    // distances from one configuration to all others (only the unselected ones are read)
    const double *D = nullptr;
    const double *X = nullptr;
    int64_t n = 0, d = 0;
    TypeGroups tg;
    Combine how = Combine::Sum;
    if (hasD) {
        D = c.in("D").f64();
        check_symmetric(c, D, N);
    } else {
        auto cf = c.in("configs");
        X = cf.f64();
        n = cf.dim(1);
        d = cf.dim(2);
        const int64_t *t = c.in("types").i64();
        tg = group_types(c, t, t, n, "types");
        how = parse_combine(c.str("combine"));
    }
    std::vector<double> row(static_cast<size_t>(N), 0.0);
    std::vector<Status> status(static_cast<size_t>(N), Status::Ok);
    const std::function<bool()> stop = [&c] { return c.cancelled(); };
    const int threads = c.threads();
    const auto fill_row = [&](int64_t s) {
        if (D) {
            std::copy(D + s * N, D + (s + 1) * N, row.begin());
            return;
        }
        FirstError err;
        const int64_t stride = n * d;
#pragma omp parallel num_threads(threads)
        {
            Workspace ws;
            std::vector<double> per_type(static_cast<size_t>(tg.size()));
#pragma omp for schedule(dynamic, 4)
            for (int64_t j = 0; j < N; ++j) {
                if (selected[j]) continue;
                err.run([&] {
                    status[j] = atomtype_distance(X + s * stride, X + j * stride, d, tg, how, ws, per_type.data(),
                                                  row[j], stop);
                });
            }
        }
        err.rethrow();
        for (int64_t j = 0; j < N; ++j)
            if (!selected[j] && status[j] != Status::Ok) fail_status(c, status[j]);
    };

    const double inf = std::numeric_limits<double>::infinity();
    std::vector<double> mind(static_cast<size_t>(N), inf);
    std::vector<int64_t> order;
    std::vector<double> picked_at;
    order.reserve(static_cast<size_t>(k));
    picked_at.reserve(static_cast<size_t>(k));
    const auto add = [&](int64_t s) {
        picked_at.push_back(order.empty() ? 0.0 : mind[s]);
        order.push_back(s);
        selected[s] = 1;
        if (static_cast<int64_t>(order.size()) == N) return;  // nothing left to update
        fill_row(s);
        for (int64_t j = 0; j < N; ++j)
            if (!selected[j]) mind[j] = std::min(mind[j], row[j]);
        c.progress(static_cast<double>(order.size()) / static_cast<double>(k), static_cast<int64_t>(order.size()),
                   picked_at.back());
    };
    for (int64_t s : seeds) add(s);
    while (static_cast<int64_t>(order.size()) < k) {
        int64_t best = -1;
        for (int64_t j = 0; j < N; ++j)
            if (!selected[j] && (best < 0 || mind[j] > mind[best])) best = j;  // ties: smallest index
        add(best);
    }
    double radius = 0;
    for (int64_t j = 0; j < N; ++j)
        if (!selected[j]) radius = std::max(radius, mind[j]);

    std::copy(order.begin(), order.end(), c.out_i64("indices", {k}));
    std::copy(picked_at.begin(), picked_at.end(), c.out_f64("min_distances", {k}));
    c.scalar("coverage_radius", radius);
}

const char *kCitationPaper =
    "[1] R. Goswami, H. Jonsson, Adaptive Pruning for Increased Robustness and Reduced Computational Overhead in "
    "Gaussian Process Accelerated Saddle Point Searches, ChemPhysChem 2025, doi:10.1002/cphc.202500730 (per-atom-type "
    "W1 distance and farthest-point pruning of the GP training set).";

}  // namespace

void register_atomtype(sdk::Plugin &plugin) {
    plugin.method("ot.atomtype_w1", atomtype_w1_body)
        .summary("Permutation-invariant distance between molecular configurations: per-atom-type W1, summed or "
                 "maximized.")
        .description(
            "For two configurations x, y of the same atoms (n x d coordinates, d = 3 for molecules) with atom types, "
            "and for each atom type t with n_t atoms: W1_t = (1/n_t) min over bijections pi between the type-t atoms "
            "of x and of y of sum_i |x_i - y_pi(i)| (Euclidean norm), the 1-Wasserstein distance between the uniform "
            "measures on the type's atom positions. The distance is cost = sum_t W1_t (combine = sum, the summation "
            "over atom types of [1]; a metric on configurations up to permutations of same-type atoms) or max_t W1_t "
            "(combine = max, as in the reference code of [1]). Every W1_t is solved exactly as a linear assignment "
            "problem by shortest augmenting paths [2], for any number of atoms (the reference code enumerates "
            "permutations up to 8 atoms and matches greedily beyond); a type with one atom contributes its "
            "displacement. Invariant to permuting same-type atoms, not to rotations or translations (moving every "
            "atom by c gives W1_t = |c|). Inputs: x, y (n x d); types (n, int64 labels) for the atoms of both, and "
            "types_y (n, int64) only when y lists its atoms in another order (each type must then occur equally "
            "often in types and types_y). Outputs: cost; per_type (k) W1_t for the k distinct types in increasing "
            "order; type_ids (k) those types; matching (n) the optimal matching, matching[i] = the atom of y "
            "assigned to atom i of x. Time O(sum_t n_t^3) worst case, memory O(max_t n_t^2); types are solved in "
            "parallel when large.")
        .citation(std::string(kCitationPaper) +
                  " [2] R. Jonker, A. Volgenant, A Shortest Augmenting Path Algorithm for Dense and Sparse Linear "
                  "Assignment Problems, Computing 38, 1987.")
        .input("x", "first configuration, one atom per row (n x d)", GEOMRT_DTYPE_F64, 2, "n,d")
        .input("y", "second configuration, one atom per row (n x d)", GEOMRT_DTYPE_F64, 2, "n,d")
        .input("types", "atom type of each atom (n, int64 labels, e.g. atomic numbers); of both x and y unless "
                        "types_y is given",
               GEOMRT_DTYPE_I64, 1, "n")
        .input("types_y", "atom types of y's atoms when y lists them in another order (n, int64); the same "
                          "multiset as types",
               GEOMRT_DTYPE_I64, 1, "n", GEOMRT_IO_OPTIONAL)
        .param_enum("combine", "how per-type distances combine: sum (of W1_t, [1]) or max (largest W1_t)", "sum",
                    "sum|max")
        .scalar("cost", "the distance: sum or max over types of W1_t")
        .output("per_type", "W1_t of each distinct type, in increasing type order (k)", GEOMRT_DTYPE_F64, 1, "k")
        .output("type_ids", "the distinct atom types in increasing order (k)", GEOMRT_DTYPE_I64, 1, "k")
        .output("matching", "optimal matching: matching[i] = index of the atom of y matched to atom i of x (n)",
                GEOMRT_DTYPE_I64, 1, "n");

    plugin.method("ot.farthest_point_sampling", fps_body)
        .summary("Select k geometrically diverse configurations by farthest-point sampling (greedy k-center).")
        .description(
            "Greedy farthest-point (k-center) selection [2]: starting from the seeds, repeatedly add the point "
            "with the largest minimum distance to the selected set (ties: smallest index) until k are selected. "
            "For a metric and one seed the coverage radius is at most twice the optimal k-center radius [2]. "
            "Distances come either from a symmetric distance matrix D (N x N, nonnegative, symmetric to a relative "
            "1e-9; its diagonal is not read), or are ot.atomtype_w1 distances between configurations (configs, "
            "N x n x d, with atom types, n) with the parameter combine, as in the pruning of the GP training set in "
            "[1]. These are computed lazily: only the distances from each selected configuration to the unselected "
            "ones, N*k assignment problems at most, in parallel over configurations (the result does not depend on "
            "the number of threads). Seeds: the input seeds (distinct indices, at most k) or else the single index "
            "start. Outputs: indices (k) in selection order; min_distances (k) the distance of each point to the "
            "points selected before it when it was selected (0 for the first; for later seeds their distance to "
            "the earlier seeds; nonincreasing from the first non-seed pick on); coverage_radius, the largest "
            "distance of an unselected point to the selected set (0 when k = N).")
        .citation(std::string(kCitationPaper) +
                  " [2] T. F. Gonzalez, Clustering to minimize the maximum intercluster distance, Theoretical "
                  "Computer Science 38, 293-306, 1985.")
        .input("D", "symmetric distance matrix (N x N); give either D or configs and types", GEOMRT_DTYPE_F64, 2,
               "N,N", GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE)
        .input("configs", "configurations, N of them with n atoms each in d dimensions (N x n x d)",
               GEOMRT_DTYPE_F64, 3, "N,n,d", GEOMRT_IO_OPTIONAL)
        .input("types", "atom type of each atom of the configurations (n, int64); required with configs",
               GEOMRT_DTYPE_I64, 1, "n", GEOMRT_IO_OPTIONAL)
        .input("seeds", "starting indices, distinct, at most k (s, int64); default: the parameter start",
               GEOMRT_DTYPE_I64, 1, "s", GEOMRT_IO_OPTIONAL)
        .param_i64("k", "number of points to select (1 <= k <= N)", nullptr, 1)
        .param_i64("start", "index of the first point when no seeds are given", "0", 0)
        .param_enum("combine", "with configs: how ot.atomtype_w1 combines the per-type distances", "sum", "sum|max")
        .output("indices", "selected indices in selection order (k)", GEOMRT_DTYPE_I64, 1, "k")
        .output("min_distances", "distance of each selected point to those selected before it (k; 0 for the first)",
                GEOMRT_DTYPE_F64, 1, "k")
        .scalar("coverage_radius", "max over unselected points of the distance to the selected set (0 if k = N)");
}

}  // namespace ot
}  // namespace geomrt
