// fl.multi_metrics: invariants, float32 vs float64, singular covariance, strided input, many blocks.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "fl_helpers.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

/// K clients around a global model: benign updates share a direction, `bad` clients scale and shift it.
flt::Call federation(uint64_t seed, int64_t K, int64_t d, const std::vector<int64_t> &bad) {
    std::mt19937_64 g(seed);
    flt::Call c;
    c.K = K;
    c.d = d;
    const auto w0 = flt::gaussian(g, d), base = flt::gaussian(g, d, 0.0, 0.1);
    c.W.resize(static_cast<size_t>(K * d));
    for (int64_t i = 0; i < K; ++i) {
        const bool b = std::find(bad.begin(), bad.end(), i) != bad.end();
        const auto noise = flt::gaussian(g, d, 0.0, b ? 0.02 : 0.05);
        for (int64_t j = 0; j < d; ++j) c.W[i * d + j] = w0[j] + (b ? 3.0 : 1.0) * base[j] + noise[j] + (b && j % 7 == 0 ? 0.3 : 0.0);
    }
    c.vecs["w0"] = w0;
    return c;
}

}  // namespace

TEST_CASE("multi_metrics: permuting the clients permutes the scores and features", "[fl][multi_metrics]") {
    auto rt = gt::plugins_runtime();
    const int64_t K = 12, d = 700;
    auto c = federation(7, K, d, {3, 8});
    c.params["relative"] = "true";
    const auto o = flt::run(rt.get(), "fl.multi_metrics", c);
    std::vector<int64_t> perm(K);
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), std::mt19937_64(3));
    auto p = c;
    for (int64_t i = 0; i < K; ++i) std::copy(c.W.begin() + perm[i] * d, c.W.begin() + (perm[i] + 1) * d, p.W.begin() + i * d);
    const auto q = flt::run(rt.get(), "fl.multi_metrics", p);
    for (int64_t i = 0; i < K; ++i) {
        CHECK_THAT(q["scores"][i], WithinRel(o["scores"][perm[i]], 1e-9));
        for (int k = 0; k < 3; ++k) CHECK_THAT(q["features"][i * 3 + k], WithinRel(o["features"][perm[i] * 3 + k], 1e-9));
    }
    std::vector<double> mapped;
    for (double i : q["kept"]) mapped.push_back(static_cast<double>(perm[static_cast<int64_t>(i)]));
    std::sort(mapped.begin(), mapped.end());
    CHECK(mapped == o["kept"]);
    for (int64_t j = 0; j < d; ++j) CHECK_THAT(q["aggregate"][j], WithinAbs(o["aggregate"][j], 1e-12));
    // the attackers (3, 8) are not kept
    for (double k : o["kept"]) CHECK((k != 3 && k != 8));
}

TEST_CASE("multi_metrics: scaling every client leaves the scores unchanged and scales the aggregate", "[fl][multi_metrics]") {
    auto rt = gt::plugins_runtime();
    auto c = federation(11, 10, 300, {0});
    c.vecs.clear();
    const auto o = flt::run(rt.get(), "fl.multi_metrics", c);
    auto s = c;
    for (auto &x : s.W) x *= 4.0;
    const auto q = flt::run(rt.get(), "fl.multi_metrics", s);
    CHECK(q["kept"] == o["kept"]);
    for (size_t i = 0; i < o["scores"].size(); ++i) CHECK_THAT(q["scores"][i], WithinRel(o["scores"][i], 1e-8));
    for (size_t i = 0; i < o["features"].size(); i += 3) {
        CHECK_THAT(q["features"][i], WithinRel(o["features"][i], 1e-8));          // cosine: scale-free
        CHECK_THAT(q["features"][i + 1], WithinRel(4 * o["features"][i + 1], 1e-12));  // Manhattan
        CHECK_THAT(q["features"][i + 2], WithinRel(4 * o["features"][i + 2], 1e-12));  // norm gap
    }
    for (size_t j = 0; j < o["aggregate"].size(); ++j) CHECK_THAT(q["aggregate"][j], WithinRel(4 * o["aggregate"][j], 1e-14));
}

TEST_CASE("multi_metrics: identical clients give zero scores, and identical benign clients outvote the attackers", "[fl][multi_metrics]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(5);
    const int64_t K = 10, d = 50;
    const auto w = flt::gaussian(g, d);
    flt::Call c;
    c.K = K;
    c.d = d;
    for (int64_t i = 0; i < K; ++i) c.W.insert(c.W.end(), w.begin(), w.end());
    auto o = flt::run(rt.get(), "fl.multi_metrics", c);  // all features 0: the covariance is zero
    for (double s : o["scores"]) CHECK(s == 0.0);
    CHECK(o["kept"] == std::vector<double>{0, 1, 2});
    for (int64_t j = 0; j < d; ++j) CHECK_THAT(o["aggregate"][j], WithinRel(w[j], 1e-15));
    // two attackers among eight identical benign clients
    for (int64_t i : {4, 7})
        for (int64_t j = 0; j < d; ++j) c.W[i * d + j] = w[j] * (i == 4 ? 2.5 : -1.0) + 0.1 * j;
    o = flt::run(rt.get(), "fl.multi_metrics", c);
    for (double k : o["kept"]) CHECK((k != 4 && k != 7));
    for (int64_t j = 0; j < d; ++j) CHECK_THAT(o["aggregate"][j], WithinRel(w[j], 1e-14));
}

TEST_CASE("multi_metrics: float32 and float64 inputs keep the same clients", "[fl][multi_metrics]") {
    auto rt = gt::plugins_runtime();
    // d spans 40 column blocks (more than the 16 chunks) and K = 30 is padded to 32 rows in the kernels
    auto c = federation(21, 30, 20000, {1, 5, 17, 22});
    c.params["relative"] = "true";  // features on the updates W - w0
    for (const char *variant : {"code", "paper"}) {
        c.params["variant"] = variant;
        c.f32 = false;
        const auto a = flt::run(rt.get(), "fl.multi_metrics", c);
        c.f32 = true;
        const auto b = flt::run(rt.get(), "fl.multi_metrics", c);
        INFO(variant);
        CHECK(a["kept"] == b["kept"]);
        CHECK(b.dtype.at("aggregate") == GEOMRT_DTYPE_F32);
        for (size_t i = 0; i < a["scores"].size(); ++i) CHECK_THAT(b["scores"][i], WithinRel(a["scores"][i], 1e-4));
        for (size_t j = 0; j < a["aggregate"].size(); j += 97) CHECK_THAT(b["aggregate"][j], WithinAbs(a["aggregate"][j], 1e-5));
    }
}

TEST_CASE("fl methods read a column-major W without a copy and give the same result", "[fl][strided]") {
    auto rt = gt::plugins_runtime();
    auto c = federation(31, 9, 1100, {2});
    c.vecs.clear();
    for (bool f32 : {false, true}) {
        c.f32 = f32;
        for (const char *m : {"fl.multi_metrics", "fl.krum", "fl.median", "fl.geometric_median", "fl.fedavg"}) {
            c.colmajor = false;
            const auto a = flt::run(rt.get(), m, c);
            c.colmajor = true;
            const auto b = flt::run(rt.get(), m, c);
            INFO(m << " f32=" << f32);
            CHECK(a.v == b.v);
        }
    }
}
