// ot.wasserstein_1d against POT/SciPy values, closed forms and the metric axioms.
#include <cmath>
#include <limits>

#include "reference.hpp"

using namespace gt;

namespace {
struct W {
    double cost, cost_p;
};
W w1d(geomrt_runtime *rt, const std::vector<double> &x, const std::vector<double> &y, double p,
      const std::vector<double> *a = nullptr, const std::vector<double> *b = nullptr) {
    auto args = new_args();
    set_vec(args.get(), "xs", x);
    set_vec(args.get(), "xt", y);
    if (a) set_vec(args.get(), "a", *a);
    if (b) set_vec(args.get(), "b", *b);
    REQUIRE(geomrt_args_set_param_f64(args.get(), "p", p) == GEOMRT_OK);
    auto r = invoke(rt, "ot.wasserstein_1d", args.get());
    return {scalar(r.get(), "cost"), scalar(r.get(), "cost_p")};
}
}  // namespace

TEST_CASE("wasserstein_1d matches POT's wasserstein_1d (W_p^p) and SciPy for p = 1", "[ot][w1d][pot]") {
    auto rt = ot_runtime();
    for (const auto &c : load_reference("ot.wasserstein_1d")) {
        INFO(c.name);
        auto w = w1d(rt.get(), c.arrays.at("xs"), c.arrays.at("xt"), c.param, &c.arrays.at("a"), &c.arrays.at("b"));
        CHECK(w.cost_p == Approx(c.value).epsilon(1e-12));
        CHECK(w.cost == Approx(std::pow(c.value, 1.0 / c.param)).epsilon(1e-12));
    }
}

TEST_CASE("wasserstein_1d of a translated sample is the shift for every p", "[ot][w1d]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(1);
    std::normal_distribution<double> nd;
    std::vector<double> x(100), y(100);
    for (int i = 0; i < 100; ++i) {
        x[i] = nd(g);
        y[i] = x[i] + 0.75;
    }
    for (double p : {1.0, 1.5, 2.0, 3.0}) CHECK(w1d(rt.get(), x, y, p).cost == Approx(0.75).epsilon(1e-13));
    CHECK(w1d(rt.get(), x, x, 2.0).cost == 0.0);
    // Two Diracs at distance 3 with masses split: W_1 = 3.
    CHECK(w1d(rt.get(), {0.0}, {3.0}, 1.0).cost == 3.0);
    // delta_0 vs (delta_0 + delta_1)/2: W_p^p = 1/2.
    CHECK(w1d(rt.get(), {0.0}, {0.0, 1.0}, 2.0).cost_p == Approx(0.5).epsilon(1e-15));
    std::vector<double> wa = {0.25, 0.75}, wb = {1.0};
    // (0.25 at 0, 0.75 at 4) to 1 at 1: W_1 = 0.25*1 + 0.75*3.
    CHECK(w1d(rt.get(), {0.0, 4.0}, {1.0}, 1.0, &wa, &wb).cost == Approx(2.5).epsilon(1e-15));
}

TEST_CASE("wasserstein_1d is symmetric and satisfies the triangle inequality", "[ot][w1d]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(2);
    std::normal_distribution<double> nd;
    for (int trial = 0; trial < 20; ++trial) {
        std::vector<double> x(30 + trial), y(25), z(40);
        for (auto &v : x) v = nd(g);
        for (auto &v : y) v = 2 * nd(g) + 1;
        for (auto &v : z) v = nd(g) - 1;
        auto wx = random_weights(g, static_cast<int64_t>(x.size()));
        auto wy = random_weights(g, 25), wz = random_weights(g, 40);
        for (double p : {1.0, 2.0}) {
            const double xy = w1d(rt.get(), x, y, p, &wx, &wy).cost;
            CHECK(xy == Approx(w1d(rt.get(), y, x, p, &wy, &wx).cost).epsilon(1e-13));
            const double yz = w1d(rt.get(), y, z, p, &wy, &wz).cost, xz = w1d(rt.get(), x, z, p, &wx, &wz).cost;
            CHECK(xz <= xy + yz + 1e-12);
        }
    }
}

TEST_CASE("wasserstein_1d rejects bad input", "[ot][w1d][errors]") {
    auto rt = ot_runtime();
    std::string msg;
    auto args = new_args();
    std::vector<double> x = {0, 1, std::numeric_limits<double>::quiet_NaN()}, y = {0, 1};
    set_vec(args.get(), "xs", x);
    set_vec(args.get(), "xt", y);
    CHECK(invoke_fails(rt.get(), "ot.wasserstein_1d", args.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("input 'xs' has a non-finite value") != std::string::npos);
    x[2] = 2;
    std::vector<double> wneg = {0.5, 0.6, -0.1}, wzero = {0, 0, 0}, wshort = {1, 1};
    set_vec(args.get(), "xs", x);
    set_vec(args.get(), "a", wneg);
    CHECK(invoke_fails(rt.get(), "ot.wasserstein_1d", args.get(), &msg) == GEOMRT_EINVAL);
    set_vec(args.get(), "a", wzero);
    CHECK(invoke_fails(rt.get(), "ot.wasserstein_1d", args.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("sum to 0") != std::string::npos);
    set_vec(args.get(), "a", wshort);
    CHECK(invoke_fails(rt.get(), "ot.wasserstein_1d", args.get(), &msg) == GEOMRT_ESHAPE);
    auto args2 = new_args();
    set_vec(args2.get(), "xs", {});
    set_vec(args2.get(), "xt", y);
    CHECK(invoke_fails(rt.get(), "ot.wasserstein_1d", args2.get(), &msg) == GEOMRT_ESHAPE);
    auto args3 = new_args();
    set_vec(args3.get(), "xs", y);
    set_vec(args3.get(), "xt", y);
    REQUIRE(geomrt_args_set_param_f64(args3.get(), "p", 0.5) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "ot.wasserstein_1d", args3.get(), &msg) == GEOMRT_EINVAL);
}
