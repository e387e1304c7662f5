// ot.atomtype_w1 against brute force, an optimality certificate and the metric axioms; ot.farthest_point_sampling
// against hand-derived orders and the distance-matrix path.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <numeric>

#include "../../common.hpp"

using namespace gt;

namespace {

using I64 = std::vector<int64_t>;

void set_i64(geomrt_args *a, const char *name, const I64 &v) {
    int64_t shape[1] = {static_cast<int64_t>(v.size())};
    REQUIRE(geomrt_args_set_tensor(a, name, GEOMRT_DTYPE_I64, v.data(), 1, shape, nullptr) == GEOMRT_OK);
}

I64 ivec(const geomrt_result *r, const char *name) {
    geomrt_tensor_view t;
    REQUIRE(geomrt_result_tensor(r, name, &t) == GEOMRT_OK);
    REQUIRE(t.dtype == GEOMRT_DTYPE_I64);
    const int64_t *p = static_cast<const int64_t *>(t.data);
    return I64(p, p + t.numel);
}

struct AW {
    double cost = 0;
    std::vector<double> per_type;
    I64 type_ids, matching;
};

AW atomtype_w1(geomrt_runtime *rt, const Mat &x, const Mat &y, const I64 &types, const I64 *types_y = nullptr,
               const char *combine = nullptr, int threads = 0) {
    auto a = new_args();
    set_mat(a.get(), "x", x);
    set_mat(a.get(), "y", y);
    set_i64(a.get(), "types", types);
    if (types_y) set_i64(a.get(), "types_y", *types_y);
    if (combine) REQUIRE(geomrt_args_set_param_string(a.get(), "combine", combine) == GEOMRT_OK);
    auto r = invoke(rt, "ot.atomtype_w1", a.get(), threads);
    return {scalar(r.get(), "cost"), vec(r.get(), "per_type"), ivec(r.get(), "type_ids"), ivec(r.get(), "matching")};
}

double dist(const Mat &x, int64_t i, const Mat &y, int64_t j) {
    double s = 0;
    for (int64_t k = 0; k < x.cols; ++k) s += (x(i, k) - y(j, k)) * (x(i, k) - y(j, k));
    return std::sqrt(s);
}

/// Atoms of each type, in increasing type order.
std::map<int64_t, I64> atoms_by_type(const I64 &types) {
    std::map<int64_t, I64> m;
    for (size_t i = 0; i < types.size(); ++i) m[types[i]].push_back(static_cast<int64_t>(i));
    return m;
}

/// min over all bijections of the mean distance, by enumerating permutations.
double brute_force_w1(const Mat &x, const Mat &y, const I64 &ix, const I64 &iy) {
    I64 p(iy.size());
    std::iota(p.begin(), p.end(), int64_t(0));
    double best = std::numeric_limits<double>::infinity();
    do {
        double s = 0;
        for (size_t a = 0; a < ix.size(); ++a) s += dist(x, ix[a], y, iy[p[a]]);
        best = std::min(best, s);
    } while (std::next_permutation(p.begin(), p.end()));
    return best / static_cast<double>(ix.size());
}

/// The reference code's matching beyond 8 atoms: each atom of x in turn takes its nearest free atom of y.
double greedy_w1(const Mat &x, const Mat &y, const I64 &ix, const I64 &iy, I64 *match = nullptr) {
    std::vector<bool> used(iy.size(), false);
    double total = 0;
    for (int64_t i : ix) {
        size_t best = 0;
        double bc = std::numeric_limits<double>::infinity();
        for (size_t b = 0; b < iy.size(); ++b)
            if (!used[b] && dist(x, i, y, iy[b]) < bc) {
                bc = dist(x, i, y, iy[b]);
                best = b;
            }
        used[best] = true;
        total += bc;
        if (match) (*match)[i] = iy[best];
    }
    return total / static_cast<double>(ix.size());
}

Mat rows_of(const Mat &x, const I64 &idx) {
    Mat r(static_cast<int64_t>(idx.size()), x.cols);
    for (size_t i = 0; i < idx.size(); ++i)
        for (int64_t k = 0; k < x.cols; ++k) r(static_cast<int64_t>(i), k) = x(idx[i], k);
    return r;
}

/// Optimality certificate of a matching within one type, independent of any solver: a bijection is an optimal
/// assignment iff no cyclic exchange lowers its cost, i.e. the graph with arcs a -> b of weight
/// |x_a - y_match(b)| - |x_a - y_match(a)| (atom a takes the partner of atom b) has no negative cycle.
/// Bellman-Ford from a virtual source; returns the largest improvement found in an m-th round (0 if none).
double cyclic_exchange_gain(const Mat &x, const Mat &y, const I64 &ix, const I64 &match) {
    const size_t m = ix.size();
    std::vector<double> pot(m, 0.0);
    double gain = 0;
    for (size_t round = 0; round <= m; ++round) {
        gain = 0;
        for (size_t a = 0; a < m; ++a)
            for (size_t b = 0; b < m; ++b) {
                const double w = dist(x, ix[a], y, match[ix[b]]) - dist(x, ix[a], y, match[ix[a]]);
                // relax b -> a: potentials are shortest path lengths ending at each atom
                if (pot[b] + w < pot[a] - 1e-12) {
                    gain = std::max(gain, pot[a] - (pot[b] + w));
                    pot[a] = pot[b] + w;
                }
            }
        if (gain == 0) break;
    }
    return gain;
}

/// A random molecule-like configuration: n atoms in a box of side `box`.
Mat random_config(std::mt19937_64 &g, int64_t n, double box = 3.0) {
    Mat x = uniform_points(g, n, 3);
    for (auto &v : x.v) v *= box;
    return x;
}

/// Shuffle the atoms of y within each type (the types array stays valid for the result).
Mat permute_within_types(std::mt19937_64 &g, const Mat &y, const I64 &types, I64 *where = nullptr) {
    Mat r = y;
    I64 dst(types.size());
    std::iota(dst.begin(), dst.end(), int64_t(0));
    for (auto &kv : atoms_by_type(types)) {
        I64 p = kv.second;
        std::shuffle(p.begin(), p.end(), g);
        for (size_t a = 0; a < p.size(); ++a) dst[kv.second[a]] = p[a];
    }
    for (int64_t i = 0; i < y.rows; ++i)
        for (int64_t k = 0; k < y.cols; ++k) r(dst[i], k) = y(i, k);
    if (where) *where = dst;  // atom i of y is atom dst[i] of r
    return r;
}

// a small molecule: 2 C, 6 H, 1 O (ethanol)
const I64 kEthanol = {6, 6, 8, 1, 1, 1, 1, 1, 1};

struct Fps {
    I64 indices;
    std::vector<double> min_distances;
    double coverage_radius = 0;
};

Fps fps_from(geomrt_runtime *rt, geomrt_args *a, int threads = 0) {
    auto r = invoke(rt, "ot.farthest_point_sampling", a, threads);
    return {ivec(r.get(), "indices"), vec(r.get(), "min_distances"), scalar(r.get(), "coverage_radius")};
}

Fps fps_D(geomrt_runtime *rt, const Mat &D, int64_t k, const I64 *seeds = nullptr, int64_t start = -1) {
    auto a = new_args();
    set_mat(a.get(), "D", D);
    REQUIRE(geomrt_args_set_param_i64(a.get(), "k", k) == GEOMRT_OK);
    if (seeds) set_i64(a.get(), "seeds", *seeds);
    if (start >= 0) REQUIRE(geomrt_args_set_param_i64(a.get(), "start", start) == GEOMRT_OK);
    return fps_from(rt, a.get());
}

/// N configurations of n atoms in d dimensions as one N x n x d array.
struct Configs {
    std::vector<double> flat;
    int64_t shape[3] = {0, 0, 0};
    explicit Configs(const std::vector<Mat> &cfgs) {
        shape[0] = static_cast<int64_t>(cfgs.size());
        shape[1] = cfgs[0].rows;
        shape[2] = cfgs[0].cols;
        for (const auto &c : cfgs) flat.insert(flat.end(), c.v.begin(), c.v.end());
    }
};

void set_configs(geomrt_args *a, const Configs &c) {
    REQUIRE(geomrt_args_set_f64(a, "configs", c.flat.data(), 3, c.shape) == GEOMRT_OK);
}

Mat line_D(int64_t N) {
    Mat D(N, N);
    for (int64_t i = 0; i < N; ++i)
        for (int64_t j = 0; j < N; ++j) D(i, j) = std::fabs(static_cast<double>(i - j));
    return D;
}

}  // namespace

TEST_CASE("atomtype_w1 is zero for a copy with same-type atoms permuted and invariant to such permutations",
          "[ot][atomtype]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(1);
    const I64 types = {1, 6, 1, 8, 1, 6, 1, 1, 7, 1, 6, 1, 1, 1, 8, 1};
    for (int trial = 0; trial < 10; ++trial) {
        Mat x = random_config(g, 16), y = random_config(g, 16);
        I64 where;
        Mat xp = permute_within_types(g, x, types, &where);
        AW self = atomtype_w1(rt.get(), x, xp, types);
        CHECK(self.cost == 0.0);
        CHECK(self.matching == where);  // atom i of x sits at atom where[i] of the copy
        CHECK(self.type_ids == I64{1, 6, 7, 8});
        const AW base = atomtype_w1(rt.get(), x, y, types);
        REQUIRE(base.per_type.size() == 4);
        CHECK(base.cost > 0);
        Mat yp = permute_within_types(g, y, types);
        const AW perm = atomtype_w1(rt.get(), x, yp, types);
        CHECK(perm.cost == Approx(base.cost).epsilon(1e-13));
        for (size_t t = 0; t < 4; ++t) CHECK(perm.per_type[t] == Approx(base.per_type[t]).epsilon(1e-13));
        // permuting x within types too
        const AW both = atomtype_w1(rt.get(), permute_within_types(g, x, types), yp, types);
        CHECK(both.cost == Approx(base.cost).epsilon(1e-13));
        // y listing its atoms in an arbitrary order, described by types_y
        I64 order(16);
        std::iota(order.begin(), order.end(), int64_t(0));
        std::shuffle(order.begin(), order.end(), g);
        Mat ys = rows_of(y, order);
        I64 ty(16);
        for (size_t i = 0; i < 16; ++i) ty[i] = types[order[i]];
        const AW shuffled = atomtype_w1(rt.get(), x, ys, types, &ty);
        CHECK(shuffled.cost == Approx(base.cost).epsilon(1e-13));
        for (int64_t i = 0; i < 16; ++i) CHECK(ty[shuffled.matching[i]] == types[i]);
    }
}

TEST_CASE("atomtype_w1 of a configuration translated by c is |c| per type", "[ot][atomtype]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(2);
    for (int trial = 0; trial < 5; ++trial) {
        Mat x = random_config(g, 9);
        const double c[3] = {0.3 * trial - 0.5, 0.25, -1.5 + trial};
        const double norm = std::sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2]);
        Mat y = x;
        for (int64_t i = 0; i < 9; ++i)
            for (int k = 0; k < 3; ++k) y(i, k) += c[k];
        const AW s = atomtype_w1(rt.get(), x, y, kEthanol);
        REQUIRE(s.per_type.size() == 3);
        for (double w : s.per_type) CHECK(w == Approx(norm).epsilon(1e-12));
        CHECK(s.cost == Approx(3 * norm).epsilon(1e-12));
        CHECK(atomtype_w1(rt.get(), x, y, kEthanol, nullptr, "max").cost == Approx(norm).epsilon(1e-12));
    }
    // one atom per type: the displacement of each atom
    Mat x(2, 3), y(2, 3);
    x.v = {0, 0, 0, 1, 1, 1};
    y.v = {3, 4, 0, 1, 1, 2};
    const AW s = atomtype_w1(rt.get(), x, y, {8, 1});
    CHECK(s.type_ids == I64{1, 8});
    CHECK(s.per_type == std::vector<double>{1.0, 5.0});
    CHECK(s.cost == 6.0);
    CHECK(s.matching == I64{0, 1});
}

TEST_CASE("atomtype_w1 equals brute force over all permutations for types of up to 7 atoms", "[ot][atomtype]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(3);
    // counts 1, 2, 3, 4, 5, 7 with the atoms of each type spread over the configuration
    I64 types;
    const std::map<int64_t, int> counts = {{1, 7}, {5, 1}, {6, 5}, {7, 2}, {8, 4}, {16, 3}};
    for (auto &kv : counts)
        for (int i = 0; i < kv.second; ++i) types.push_back(kv.first);
    std::shuffle(types.begin(), types.end(), g);
    const int64_t n = static_cast<int64_t>(types.size());
    for (int trial = 0; trial < 6; ++trial) {
        Mat x = random_config(g, n), y = random_config(g, n, trial % 2 ? 3.0 : 1.0);
        const AW s = atomtype_w1(rt.get(), x, y, types);
        const AW m = atomtype_w1(rt.get(), x, y, types, nullptr, "max");
        REQUIRE(s.type_ids == I64{1, 5, 6, 7, 8, 16});
        CHECK(m.per_type == s.per_type);
        CHECK(m.matching == s.matching);
        double sum = 0, mx = 0;
        size_t t = 0;
        for (auto &kv : atoms_by_type(types)) {
            const double bf = brute_force_w1(x, y, kv.second, kv.second);
            CHECK(s.per_type[t] == Approx(bf).epsilon(1e-12));
            // the matching is a bijection within the type and achieves W1_t
            I64 img;
            double mc = 0;
            for (int64_t i : kv.second) {
                img.push_back(s.matching[i]);
                mc += dist(x, i, y, s.matching[i]);
            }
            std::sort(img.begin(), img.end());
            CHECK(img == kv.second);
            CHECK(mc / static_cast<double>(kv.second.size()) == Approx(bf).epsilon(1e-12));
            sum += bf;
            mx = std::max(mx, bf);
            ++t;
        }
        CHECK(s.cost == Approx(sum).epsilon(1e-12));
        CHECK(m.cost == Approx(mx).epsilon(1e-12));
        CHECK(m.cost == *std::max_element(s.per_type.begin(), s.per_type.end()));
        CHECK(m.cost < s.cost);
    }
}

TEST_CASE("atomtype_w1 is exact beyond 8 atoms per type where greedy nearest-neighbour matching is not",
          "[ot][atomtype]") {
    auto rt = ot_runtime();
    // Gadget on a line: x = {0, -1}, y = {-0.1, 10}. Greedy (atom 0 first) takes -0.1 and leaves 10 to atom 1:
    // 0.1 + 11 = 11.1; the optimum crosses: 10 + 0.9 = 10.9. Five gadgets 100 apart along z: 10 atoms of one type.
    const int gadgets = 5;
    Mat x(2 * gadgets, 3), y(2 * gadgets, 3);
    for (int k = 0; k < gadgets; ++k) {
        x(2 * k, 0) = 0;
        x(2 * k + 1, 0) = -1;
        y(2 * k, 0) = -0.1;
        y(2 * k + 1, 0) = 10;
        for (int a = 0; a < 2; ++a) {
            x(2 * k + a, 2) = 100.0 * k;
            y(2 * k + a, 2) = 100.0 * k;
        }
    }
    const I64 types(2 * gadgets, 6);
    I64 all(2 * gadgets);
    std::iota(all.begin(), all.end(), int64_t(0));
    I64 greedy_match(2 * gadgets, -1);
    const double greedy = greedy_w1(x, y, all, all, &greedy_match);
    CHECK(greedy == Approx(11.1 / 2).epsilon(1e-12));
    CHECK(cyclic_exchange_gain(x, y, all, greedy_match) > 0.1);  // the certificate rejects the greedy matching
    const AW s = atomtype_w1(rt.get(), x, y, types);
    CHECK(s.cost == Approx(10.9 / 2).epsilon(1e-12));
    CHECK(cyclic_exchange_gain(x, y, all, s.matching) == 0.0);
    CHECK(s.cost < greedy - 0.09);
    for (int k = 0; k < gadgets; ++k) {
        CHECK(s.matching[2 * k] == 2 * k + 1);
        CHECK(s.matching[2 * k + 1] == 2 * k);
    }

    // Random types of 20 and 60 atoms: the matching admits no improving cyclic exchange and achieves per_type;
    // greedy is worse there too.
    std::mt19937_64 g(4);
    for (int trial = 0; trial < 4; ++trial) {
        I64 t;
        for (int i = 0; i < 60; ++i) t.push_back(1);
        for (int i = 0; i < 20; ++i) t.push_back(6);
        std::shuffle(t.begin(), t.end(), g);
        Mat a = random_config(g, 80), b = random_config(g, 80);
        const AW r = atomtype_w1(rt.get(), a, b, t);
        size_t k = 0;
        for (auto &kv : atoms_by_type(t)) {
            I64 img;
            for (int64_t i : kv.second) img.push_back(r.matching[i]);
            std::sort(img.begin(), img.end());
            CHECK(img == kv.second);  // a bijection within the type
            CHECK(cyclic_exchange_gain(a, b, kv.second, r.matching) == 0.0);
            double mc = 0;
            for (int64_t i : kv.second) mc += dist(a, i, b, r.matching[i]);
            CHECK(r.per_type[k] == Approx(mc / static_cast<double>(kv.second.size())).epsilon(1e-12));
            CHECK(greedy_w1(a, b, kv.second, kv.second) > r.per_type[k]);
            ++k;
        }
    }
}

TEST_CASE("atomtype_w1 is symmetric and satisfies the triangle inequality", "[ot][atomtype]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(5);
    std::normal_distribution<double> nd(0.0, 0.3);
    const I64 types = {6, 6, 6, 1, 1, 1, 1, 1, 1, 1, 1, 8, 8, 7};
    for (int trial = 0; trial < 15; ++trial) {
        Mat x = random_config(g, 14, 2.0), y = x, z = x;
        for (auto &v : y.v) v += nd(g);
        for (auto &v : z.v) v += (trial % 3 == 0 ? 5.0 : 1.0) * nd(g);
        if (trial % 2) y = permute_within_types(g, y, types);
        for (const char *how : {"sum", "max"}) {
            INFO(how);
            const double xy = atomtype_w1(rt.get(), x, y, types, nullptr, how).cost;
            const double yx = atomtype_w1(rt.get(), y, x, types, nullptr, how).cost;
            const double yz = atomtype_w1(rt.get(), y, z, types, nullptr, how).cost;
            const double xz = atomtype_w1(rt.get(), x, z, types, nullptr, how).cost;
            CHECK(xy == Approx(yx).epsilon(1e-12));
            CHECK(xz <= xy + yz + 1e-12);
            CHECK(xy <= xz + yz + 1e-12);
            CHECK(yz <= xy + xz + 1e-12);
        }
    }
}

TEST_CASE("atomtype_w1 and farthest_point_sampling give identical results with 1 and 2 threads",
          "[ot][atomtype][threads]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(6);
    // two large types so that atomtype_w1 solves them in parallel
    I64 types;
    for (int i = 0; i < 90; ++i) types.push_back(i % 3 == 0 ? 6 : 1);
    Mat x = random_config(g, 90, 6.0), y = random_config(g, 90, 6.0);
    const AW a1 = atomtype_w1(rt.get(), x, y, types, nullptr, nullptr, 1);
    const AW a2 = atomtype_w1(rt.get(), x, y, types, nullptr, nullptr, 2);
    CHECK(a1.cost == a2.cost);
    CHECK(a1.per_type == a2.per_type);
    CHECK(a1.matching == a2.matching);

    std::vector<Mat> cfgs;
    for (int i = 0; i < 40; ++i) cfgs.push_back(random_config(g, 9));
    const Configs cf(cfgs);
    Fps f[2];
    for (int t = 0; t < 2; ++t) {
        auto a = new_args();
        set_configs(a.get(), cf);
        set_i64(a.get(), "types", kEthanol);
        REQUIRE(geomrt_args_set_param_i64(a.get(), "k", 12) == GEOMRT_OK);
        f[t] = fps_from(rt.get(), a.get(), t + 1);
    }
    CHECK(f[0].indices == f[1].indices);
    CHECK(f[0].min_distances == f[1].min_distances);
    CHECK(f[0].coverage_radius == f[1].coverage_radius);
}

TEST_CASE("atomtype_w1 rejects bad input with a clear error and leaves the caller's buffers untouched",
          "[ot][atomtype][errors]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(7);
    Mat x = random_config(g, 9), y = random_config(g, 9);
    for (auto &v : y.v) v -= 10;  // negative coordinates are fine
    const Mat x0 = x, y0 = y;
    I64 types = kEthanol;
    const I64 types0 = types;
    CHECK(atomtype_w1(rt.get(), x, y, types).cost > 0);
    const double nan = std::numeric_limits<double>::quiet_NaN();
    struct Case {
        const char *what;
        std::function<void(geomrt_args *)> setup;
        int code;
        const char *part;
    };
    const auto xy = [&](geomrt_args *a) {
        set_mat(a, "x", x);
        set_mat(a, "y", y);
    };
    std::vector<Case> cases = {
        {"no types", [&](geomrt_args *a) { xy(a); }, GEOMRT_EINVAL, "missing required input 'types'"},
        {"types too short", [&](geomrt_args *a) { xy(a); static I64 t(8, 1); set_i64(a, "types", t); }, GEOMRT_ESHAPE,
         "input 'types'"},
        {"types_y too long", [&](geomrt_args *a) { xy(a); set_i64(a, "types", types); static I64 t(10, 1);
             set_i64(a, "types_y", t); }, GEOMRT_ESHAPE, "input 'types_y'"},
        {"y with fewer atoms", [&](geomrt_args *a) { set_mat(a, "x", x); static Mat y8(8, 3); set_mat(a, "y", y8);
             set_i64(a, "types", types); }, GEOMRT_ESHAPE, "input 'y'"},
        {"y in 2-D", [&](geomrt_args *a) { set_mat(a, "x", x); static Mat y2(9, 2); set_mat(a, "y", y2);
             set_i64(a, "types", types); }, GEOMRT_ESHAPE, "dimension 'd'"},
        {"types_y with other counts", [&](geomrt_args *a) { xy(a); set_i64(a, "types", types);
             static I64 t = {6, 8, 8, 1, 1, 1, 1, 1, 1}; set_i64(a, "types_y", t); }, GEOMRT_EINVAL,
         "atom type 6 occurs 2 times in 'types' but 1 times in 'types_y'"},
        {"types_y with another type", [&](geomrt_args *a) { xy(a); set_i64(a, "types", types);
             static I64 t = {6, 6, 8, 1, 1, 1, 1, 1, 7}; set_i64(a, "types_y", t); }, GEOMRT_EINVAL,
         "atom type 1 occurs 6 times in 'types' but 5 times in 'types_y'"},
        {"float types", [&](geomrt_args *a) { xy(a); static std::vector<double> t(9, 1.0); set_vec(a, "types", t); },
         GEOMRT_EDTYPE, "input 'types' must be int64"},
        {"NaN coordinate", [&](geomrt_args *a) { static Mat xn; xn = x; xn(4, 1) = nan; set_mat(a, "x", xn);
             set_mat(a, "y", y); set_i64(a, "types", types); }, GEOMRT_EINVAL, "non-finite"},
        {"overflowing distance", [&](geomrt_args *a) { static Mat xb; xb = x; xb(3, 0) = 1e300; set_mat(a, "x", xb);
             set_mat(a, "y", y); set_i64(a, "types", types); }, GEOMRT_EINVAL, "overflows"},
        {"bad combine", [&](geomrt_args *a) { xy(a); set_i64(a, "types", types);
             geomrt_args_set_param_string(a, "combine", "mean"); }, GEOMRT_EINVAL, "must be one of"},
    };
    for (const auto &c : cases) {
        INFO(c.what);
        auto a = new_args();
        c.setup(a.get());
        std::string msg;
        CHECK(invoke_fails(rt.get(), "ot.atomtype_w1", a.get(), &msg) == c.code);
        INFO(msg);
        CHECK(msg.find(c.part) != std::string::npos);
        CHECK(msg.rfind("ot.atomtype_w1", 0) == 0);
    }
    CHECK(x.v == x0.v);
    CHECK(y.v == y0.v);
    CHECK(types == types0);
}

TEST_CASE("farthest_point_sampling on points of a line gives the known farthest-point order", "[ot][atomtype][fps]") {
    auto rt = ot_runtime();
    const Mat D = line_D(9);  // points 0..8 on a line
    const Fps all = fps_D(rt.get(), D, 9);
    CHECK(all.indices == I64{0, 8, 4, 2, 6, 1, 3, 5, 7});
    CHECK(all.min_distances == std::vector<double>{0, 8, 4, 2, 2, 1, 1, 1, 1});
    CHECK(all.coverage_radius == 0.0);
    const Fps five = fps_D(rt.get(), D, 5);
    CHECK(five.indices == I64{0, 8, 4, 2, 6});
    CHECK(five.coverage_radius == 1.0);
    const Fps one = fps_D(rt.get(), D, 1);
    CHECK(one.indices == I64{0});
    CHECK(one.min_distances == std::vector<double>{0});
    CHECK(one.coverage_radius == 8.0);
    // from the middle: the tie between 0 and 8 goes to the smaller index
    const Fps mid = fps_D(rt.get(), D, 9, nullptr, 4);
    CHECK(mid.indices == I64{4, 0, 8, 2, 6, 1, 3, 5, 7});
    CHECK(mid.min_distances == std::vector<double>{0, 4, 4, 2, 2, 1, 1, 1, 1});
}

TEST_CASE("farthest_point_sampling starts from the given seeds", "[ot][atomtype][fps]") {
    auto rt = ot_runtime();
    const Mat D = line_D(9);
    const I64 seeds = {3, 7};
    const Fps f = fps_D(rt.get(), D, 5, &seeds, 0);  // start is ignored when seeds are given
    CHECK(f.indices == I64{3, 7, 0, 5, 1});
    CHECK(f.min_distances == std::vector<double>{0, 4, 3, 2, 1});
    CHECK(f.coverage_radius == 1.0);
    // as many seeds as k: the seeds, in their order
    const I64 s3 = {8, 2, 5};
    const Fps g3 = fps_D(rt.get(), D, 3, &s3);
    CHECK(g3.indices == s3);
    CHECK(g3.min_distances == std::vector<double>{0, 6, 3});
    CHECK(g3.coverage_radius == 2.0);
    // k = N selects every point once
    std::mt19937_64 g(8);
    Mat R = uniform_points(g, 30, 2), P(30, 30);
    for (int64_t i = 0; i < 30; ++i)
        for (int64_t j = 0; j < 30; ++j) P(i, j) = dist(R, i, R, j);
    const Fps every = fps_D(rt.get(), P, 30, &s3);
    I64 sorted = every.indices;
    std::sort(sorted.begin(), sorted.end());
    I64 ref(30);
    std::iota(ref.begin(), ref.end(), int64_t(0));
    CHECK(sorted == ref);
    CHECK(every.coverage_radius == 0.0);
    for (size_t i = 4; i < 30; ++i) CHECK(every.min_distances[i] <= every.min_distances[i - 1]);
}

TEST_CASE("farthest_point_sampling of configurations equals the distance-matrix result from atomtype_w1",
          "[ot][atomtype][fps]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(9);
    std::normal_distribution<double> nd(0.0, 0.4);
    const Mat base = random_config(g, 9);
    std::vector<Mat> cfgs;
    for (int i = 0; i < 14; ++i) {
        Mat c = permute_within_types(g, base, kEthanol);
        for (auto &v : c.v) v += nd(g);
        cfgs.push_back(c);
    }
    cfgs.push_back(cfgs[3]);  // a duplicate: distance 0
    const int64_t N = static_cast<int64_t>(cfgs.size());
    const Configs cf(cfgs);
    for (const char *how : {"sum", "max"}) {
        INFO(how);
        Mat D(N, N);
        for (int64_t i = 0; i < N; ++i)
            for (int64_t j = 0; j < N; ++j)
                D(i, j) = i == j ? 0.0 : atomtype_w1(rt.get(), cfgs[i], cfgs[j], kEthanol, nullptr, how).cost;
        for (int variant = 0; variant < 3; ++variant) {
            const I64 seeds = {11, 2};
            const int64_t k = variant == 2 ? N : 7;
            auto a = new_args();
            set_configs(a.get(), cf);
            set_i64(a.get(), "types", kEthanol);
            REQUIRE(geomrt_args_set_param_i64(a.get(), "k", k) == GEOMRT_OK);
            REQUIRE(geomrt_args_set_param_string(a.get(), "combine", how) == GEOMRT_OK);
            if (variant == 1) set_i64(a.get(), "seeds", seeds);
            if (variant == 2) REQUIRE(geomrt_args_set_param_i64(a.get(), "start", 5) == GEOMRT_OK);
            const Fps fc = fps_from(rt.get(), a.get());
            const Fps fd = variant == 1 ? fps_D(rt.get(), D, k, &seeds)
                                        : fps_D(rt.get(), D, k, nullptr, variant == 2 ? 5 : 0);
            CHECK(fc.indices == fd.indices);
            CHECK(fc.min_distances == fd.min_distances);
            CHECK(fc.coverage_radius == fd.coverage_radius);
            if (variant == 2) CHECK(fc.min_distances.back() == 0.0);  // the duplicate comes last
        }
    }
}

TEST_CASE("farthest_point_sampling rejects bad input with a clear error", "[ot][atomtype][fps][errors]") {
    auto rt = ot_runtime();
    Mat D = line_D(6);
    const Mat D0 = D;
    std::mt19937_64 g(10);
    const Configs cfgs({random_config(g, 9), random_config(g, 9), random_config(g, 9)});
    struct Case {
        const char *what;
        std::function<void(geomrt_args *)> setup;
        int code;
        const char *part;
    };
    const auto k = [](geomrt_args *a, int64_t v) { geomrt_args_set_param_i64(a, "k", v); };
    std::vector<Case> cases = {
        {"nothing", [&](geomrt_args *a) { k(a, 2); }, GEOMRT_EINVAL, "missing input"},
        {"no k", [&](geomrt_args *a) { set_mat(a, "D", D); }, GEOMRT_EINVAL, "missing required parameter 'k'"},
        {"k = 0", [&](geomrt_args *a) { set_mat(a, "D", D); k(a, 0); }, GEOMRT_EINVAL, "'k'"},
        {"k > N", [&](geomrt_args *a) { set_mat(a, "D", D); k(a, 7); }, GEOMRT_EINVAL,
         "parameter 'k' = 7 exceeds the number of rows of 'D' N = 6"},
        {"k > N configs", [&](geomrt_args *a) { set_configs(a, cfgs); set_i64(a, "types", kEthanol); k(a, 4); },
         GEOMRT_EINVAL, "exceeds the number of configurations N = 3"},
        {"start out of range", [&](geomrt_args *a) { set_mat(a, "D", D); k(a, 2);
             geomrt_args_set_param_i64(a, "start", 6); }, GEOMRT_EINVAL, "parameter 'start' index 6 is out of range"},
        {"seed out of range", [&](geomrt_args *a) { set_mat(a, "D", D); k(a, 3); static I64 s = {1, -1};
             set_i64(a, "seeds", s); }, GEOMRT_EINVAL, "input 'seeds' index -1 is out of range [0, 6)"},
        {"duplicate seed", [&](geomrt_args *a) { set_mat(a, "D", D); k(a, 3); static I64 s = {1, 1};
             set_i64(a, "seeds", s); }, GEOMRT_EINVAL, "twice"},
        {"more seeds than k", [&](geomrt_args *a) { set_mat(a, "D", D); k(a, 2); static I64 s = {1, 2, 3};
             set_i64(a, "seeds", s); }, GEOMRT_EINVAL, "more than k = 2"},
        {"float seeds", [&](geomrt_args *a) { set_mat(a, "D", D); k(a, 2); static std::vector<double> s = {1};
             set_vec(a, "seeds", s); }, GEOMRT_EDTYPE, "input 'seeds' must be int64"},
        {"D not square", [&](geomrt_args *a) { static Mat R(6, 5); set_mat(a, "D", R); k(a, 2); }, GEOMRT_ESHAPE,
         "dimension 'N'"},
        {"D not symmetric", [&](geomrt_args *a) { static Mat A; A = D; A(1, 4) += 1e-6; set_mat(a, "D", A); k(a, 2); },
         GEOMRT_EINVAL, "must be a symmetric distance matrix"},
        {"D negative", [&](geomrt_args *a) { static Mat A; A = D; A(1, 4) = A(4, 1) = -1; set_mat(a, "D", A);
             k(a, 2); }, GEOMRT_EINVAL, "negative entry"},
        {"D and configs", [&](geomrt_args *a) { static const Mat D3 = line_D(3); set_mat(a, "D", D3);
             set_configs(a, cfgs); set_i64(a, "types", kEthanol); k(a, 2); }, GEOMRT_EINVAL, "not both"},
        {"configs without types", [&](geomrt_args *a) { set_configs(a, cfgs); k(a, 2); }, GEOMRT_EINVAL,
         "give 'types'"},
        {"D with types", [&](geomrt_args *a) { set_mat(a, "D", D); set_i64(a, "types", kEthanol); k(a, 2); },
         GEOMRT_EINVAL, "only used with 'configs'"},
        {"configs of rank 2", [&](geomrt_args *a) { set_mat(a, "configs", D); k(a, 2); }, GEOMRT_ESHAPE, "rank 3"},
        {"types of the wrong length", [&](geomrt_args *a) { set_configs(a, cfgs); static I64 t(8, 1);
             set_i64(a, "types", t); k(a, 2); }, GEOMRT_ESHAPE, "dimension 'n'"},
    };
    for (const auto &c : cases) {
        INFO(c.what);
        auto a = new_args();
        c.setup(a.get());
        std::string msg;
        CHECK(invoke_fails(rt.get(), "ot.farthest_point_sampling", a.get(), &msg) == c.code);
        INFO(msg);
        CHECK(msg.find(c.part) != std::string::npos);
        CHECK(msg.rfind("ot.farthest_point_sampling", 0) == 0);
    }
    CHECK(D.v == D0.v);
}

TEST_CASE("farthest_point_sampling stops with GEOMRT_ECANCELLED when the cancel flag is set", "[ot][atomtype][fps]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(11);
    std::vector<Mat> cfgs;
    for (int i = 0; i < 20; ++i) cfgs.push_back(random_config(g, 9));
    const Configs cf(cfgs);
    auto a = new_args();
    set_configs(a.get(), cf);
    set_i64(a.get(), "types", kEthanol);
    REQUIRE(geomrt_args_set_param_i64(a.get(), "k", 5) == GEOMRT_OK);
    volatile int flag = 1;
    geomrt_call_options o = GEOMRT_CALL_OPTIONS_INIT;
    o.cancel_flag = &flag;
    geomrt_result *r = nullptr;
    CHECK(geomrt_invoke(&r, rt.get(), "ot.farthest_point_sampling", a.get(), &o) == GEOMRT_ECANCELLED);
    CHECK(r == nullptr);
}
