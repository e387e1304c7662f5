// Hand-computed cases for every fl method.
#include <cmath>

#include "fl_helpers.hpp"

using Catch::Matchers::WithinAbs;
using Catch::Matchers::WithinRel;

namespace {

flt::Call matrix(int64_t K, int64_t d, std::vector<double> w) {
    flt::Call c;
    c.K = K;
    c.d = d;
    c.W = std::move(w);
    return c;
}

}  // namespace

TEST_CASE("multi_metrics scores a one-dimensional case by hand, through the pseudo-inverse", "[fl][multi_metrics]") {
    // d = 1, positive values: every cosine is 1 (cos feature constant, dropped), and the Manhattan and
    // length features coincide: t = (0, m, m) with m = (12, 10, 10, 24); the covariance is singular and the
    // pseudo-inverse score is m_i^2 / var(m), var = 136 / 3 (ddof 1).
    auto rt = gt::plugins_runtime();
    for (bool f32 : {false, true}) {
        auto c = matrix(4, 1, {1, 2, 3, 10});
        c.f32 = f32;
        c.params["keep_fraction"] = "0.5";
        c.vecs["n"] = {1, 3, 1, 1};
        auto o = flt::run(rt.get(), "fl.multi_metrics", c);
        const double m[4] = {12, 10, 10, 24};
        for (int i = 0; i < 4; ++i) {
            CHECK_THAT(o["scores"][i], WithinRel(m[i] * m[i] * 3.0 / 136.0, 1e-12));
            CHECK(o["features"][i * 3 + 0] == 0.0);
            CHECK_THAT(o["features"][i * 3 + 1], WithinRel(m[i], 1e-12));
            CHECK_THAT(o["features"][i * 3 + 2], WithinRel(m[i], 1e-12));
        }
        CHECK(o["kept"] == std::vector<double>{1, 2});
        CHECK(o.dtype.at("aggregate") == (f32 ? GEOMRT_DTYPE_F32 : GEOMRT_DTYPE_F64));
        CHECK_THAT(o["aggregate"][0], WithinRel(2.25, 1e-7));  // (3 * 2 + 1 * 3) / 4
    }
}

TEST_CASE("multi_metrics features match their definitions in two dimensions", "[fl][multi_metrics]") {
    // Three clients (1,0), (0,1), (1,1): cosines 0, 1/sqrt2, 1/sqrt2; norms 1, 1, sqrt2.
    auto rt = gt::plugins_runtime();
    auto c = matrix(3, 2, {1, 0, 0, 1, 1, 1});
    c.params["keep_fraction"] = "0.34";
    auto o = flt::run(rt.get(), "fl.multi_metrics", c);
    const double a = std::pow(1 - 1 / std::sqrt(2.0), 2), s2 = std::sqrt(2.0);
    const double t[3][3] = {{1 + a, 2 + 1, s2 - 1}, {1 + a, 2 + 1, s2 - 1}, {2 * a, 1 + 1, 2 * (s2 - 1)}};
    for (int i = 0; i < 3; ++i)
        for (int k = 0; k < 3; ++k) CHECK_THAT(o["features"][i * 3 + k], WithinRel(t[i][k], 1e-12));
    // K = 3: the covariance of 3 feature vectors is singular; scores stay finite and the kept client is the lowest.
    for (double s : o["scores"]) CHECK(std::isfinite(s));
    REQUIRE(o["kept"].size() == 1);
}

TEST_CASE("fedavg is the sample-weighted mean", "[fl][fedavg]") {
    auto rt = gt::plugins_runtime();
    auto c = matrix(3, 2, {1, 2, 3, 4, 5, 6});
    c.vecs["n"] = {1, 2, 1};
    auto o = flt::run(rt.get(), "fl.fedavg", c);
    CHECK_THAT(o["aggregate"][0], WithinRel(3.0, 1e-15));
    CHECK_THAT(o["aggregate"][1], WithinRel(4.0, 1e-15));
    CHECK(o["weights"] == std::vector<double>{0.25, 0.5, 0.25});
}

TEST_CASE("krum and multi_krum pick the clients with the closest neighbours", "[fl][krum]") {
    // Rows (x, x), x = 0, 1, 2, 3, 100; f = 1 -> 2 nearest; squared distances are 2 (x_i - x_j)^2.
    auto rt = gt::plugins_runtime();
    auto c = matrix(5, 2, {0, 0, 1, 1, 2, 2, 3, 3, 100, 100});
    c.params["f"] = "1";
    auto o = flt::run(rt.get(), "fl.krum", c);
    const std::vector<double> s = {10, 4, 4, 10, 2 * (97 * 97 + 98 * 98)};
    for (int i = 0; i < 5; ++i) CHECK_THAT(o["scores"][i], WithinRel(s[i], 1e-12));
    CHECK(o["kept"] == std::vector<double>{1});
    CHECK(o["aggregate"] == std::vector<double>{1, 1});
    c.params["m"] = "3";
    c.vecs["n"] = {1, 1, 2, 1, 1};
    o = flt::run(rt.get(), "fl.multi_krum", c);
    CHECK(o["kept"] == std::vector<double>{0, 1, 2});
    CHECK_THAT(o["aggregate"][0], WithinRel(1.25, 1e-15));
    c.params.erase("m");  // default m = K - f = 4: all but the outlier
    o = flt::run(rt.get(), "fl.multi_krum", c);
    CHECK(o["kept"] == std::vector<double>{0, 1, 2, 3});
}

TEST_CASE("median and trimmed_mean work coordinate by coordinate", "[fl][median][trimmed_mean]") {
    auto rt = gt::plugins_runtime();
    auto c = matrix(4, 3, {1, -5, 0, 7, 2, 0, 3, 9, 1, -2, 4, 1});
    auto o = flt::run(rt.get(), "fl.median", c);
    CHECK(o["aggregate"] == std::vector<double>{2, 3, 0.5});  // even K: mean of the two middle values
    c = matrix(5, 2, {1, 10, 2, -1, 100, 3, -50, 4, 5, 5});
    o = flt::run(rt.get(), "fl.median", c);
    CHECK(o["aggregate"] == std::vector<double>{2, 4});
    c.params["beta"] = "0.2";  // drop 1 from each side
    o = flt::run(rt.get(), "fl.trimmed_mean", c);
    CHECK_THAT(o["aggregate"][0], WithinRel((1 + 2 + 5) / 3.0, 1e-15));
    CHECK_THAT(o["aggregate"][1], WithinRel((3 + 4 + 5) / 3.0, 1e-15));
    c.params["beta"] = "0";
    o = flt::run(rt.get(), "fl.trimmed_mean", c);
    CHECK_THAT(o["aggregate"][0], WithinRel(58 / 5.0, 1e-15));
}

TEST_CASE("geometric_median finds the centre of a square and a weighted one-dimensional median", "[fl][geometric_median]") {
    auto rt = gt::plugins_runtime();
    auto c = matrix(4, 2, {0, 0, 2, 0, 0, 2, 2, 2});
    auto o = flt::run(rt.get(), "fl.geometric_median", c);
    CHECK_THAT(o["aggregate"][0], WithinAbs(1.0, 1e-12));
    CHECK_THAT(o["aggregate"][1], WithinAbs(1.0, 1e-12));
    CHECK_THAT(o["objective"][0], WithinRel(std::sqrt(2.0), 1e-12));
    // Two points 0 and 1 with weights 3 : 1: the minimizer of 3|z| + |z - 1| is z = 0.
    c = matrix(2, 1, {0, 1});
    c.vecs["n"] = {3, 1};
    c.params["iterations"] = "500";
    c.params["tol"] = "0";
    c.params["eps"] = "1e-12";
    o = flt::run(rt.get(), "fl.geometric_median", c);
    CHECK_THAT(o["aggregate"][0], WithinAbs(0.0, 1e-9));
    CHECK_THAT(o["weights"][0], WithinAbs(1.0, 1e-9));
    CHECK(o["iterations_run"][0] > 10);  // stops once the objective no longer changes (tol = 0)
}

TEST_CASE("foolsgold gives sybils zero weight", "[fl][foolsgold]") {
    // Two identical clients (1, 0) and an orthogonal one: cs = 1 between the sybils, 0 otherwise;
    // wv = (0, 0, 1) -> logit(0.99) + 0.5 clipped to 1.
    auto rt = gt::plugins_runtime();
    auto c = matrix(3, 2, {1, 0, 1, 0, 0, 1});
    auto o = flt::run(rt.get(), "fl.foolsgold", c);
    CHECK(o["weights"] == std::vector<double>{0, 0, 1});
    CHECK(o["aggregate"] == std::vector<double>{0, 1});
}

TEST_CASE("fltrust weights rescaled updates by their clipped cosine to the server update", "[fl][fltrust]") {
    auto rt = gt::plugins_runtime();
    auto c = matrix(4, 2, {2, 0, 0, 3, -1, 0, 1, 1});
    c.vecs["server_update"] = {1, 0};
    auto o = flt::run(rt.get(), "fl.fltrust", c);
    const double r = 1 / std::sqrt(2.0);
    CHECK_THAT(o["scores"][0], WithinRel(1.0, 1e-15));
    CHECK(o["scores"][1] == 0.0);
    CHECK(o["scores"][2] == 0.0);
    CHECK_THAT(o["scores"][3], WithinRel(r, 1e-15));
    // (1 * (1, 0) + r * (r, r)) / (1 + r)
    CHECK_THAT(o["aggregate"][0], WithinRel(1.5 / (1 + r), 1e-14));
    CHECK_THAT(o["aggregate"][1], WithinRel(0.5 / (1 + r), 1e-14));
    CHECK_THAT(o["weights"][3], WithinRel(r / (1 + r), 1e-14));
}
