// ot.emd against closed forms, POT's ot.emd2, and the optimality certificate of its duals.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "reference.hpp"

using namespace gt;

namespace {

struct EmdOut {
    double cost;
    std::vector<double> plan, alpha, beta;
    int64_t nnz;
};

EmdOut run_emd(geomrt_runtime *rt, geomrt_args *a, int64_t n, int64_t m, int threads = 0) {
    auto r = invoke(rt, "ot.emd", a, threads);
    geomrt_sparse_view sv;
    REQUIRE(geomrt_result_sparse(r.get(), "plan", &sv) == GEOMRT_OK);
    REQUIRE(sv.rows == n);
    REQUIRE(sv.cols == m);
    return {scalar(r.get(), "cost"), dense(r.get(), "plan", n * m), vec(r.get(), "alpha"), vec(r.get(), "beta"),
            sv.nnz};
}

/// Marginals, dual feasibility, complementary slackness, strong duality and centring.
void check_certificate(const EmdOut &o, const Mat &C, const std::vector<double> &a, const std::vector<double> &b) {
    const int64_t n = C.rows, m = C.cols;
    double cmax = 0;
    for (double v : C.v) cmax = std::max(cmax, std::fabs(v));
    double primal = 0, dual = 0, aa = 0, bb = 0;
    for (int64_t i = 0; i < n; ++i) {
        double row = 0;
        for (int64_t j = 0; j < m; ++j) {
            const double p = o.plan[i * m + j];
            row += p;
            primal += p * C(i, j);
            CHECK(p >= 0);
            CHECK(o.alpha[i] + o.beta[j] <= C(i, j) + 1e-9 * cmax);
            if (p > 1e-14) CHECK(std::fabs(o.alpha[i] + o.beta[j] - C(i, j)) <= 1e-9 * cmax);
        }
        CHECK(row == Approx(a[i]).margin(1e-12));
        aa += o.alpha[i] * a[i];
    }
    for (int64_t j = 0; j < m; ++j) {
        double col = 0;
        for (int64_t i = 0; i < n; ++i) col += o.plan[i * m + j];
        CHECK(col == Approx(b[j]).margin(1e-12));
        bb += o.beta[j] * b[j];
    }
    dual = aa + bb;
    CHECK(o.cost == Approx(primal).epsilon(1e-12));
    CHECK(dual == Approx(primal).epsilon(1e-10).margin(1e-13));
    CHECK(aa == Approx(bb).margin(1e-9 * std::max(1.0, cmax)));  // centred potentials
}

}  // namespace

TEST_CASE("emd of a translated pair of points costs the squared shift", "[ot][emd]") {
    auto rt = ot_runtime();
    auto a = new_args();
    Mat xs(2, 2), xt(2, 2);
    xs.v = {0, 0, 1, 0};
    xt.v = {1, 1, 0, 1};  // shifted by (0, 1), listed in the other order
    set_mat(a.get(), "xs", xs);
    set_mat(a.get(), "xt", xt);
    auto o = run_emd(rt.get(), a.get(), 2, 2);
    CHECK(o.cost == 1.0);
    CHECK(o.plan == std::vector<double>{0, 0.5, 0.5, 0});
    REQUIRE(geomrt_args_set_param_string(a.get(), "metric", "cityblock") == GEOMRT_OK);
    CHECK(run_emd(rt.get(), a.get(), 2, 2).cost == 1.0);
    REQUIRE(geomrt_args_set_param_string(a.get(), "assignment_fast_path", "true") == GEOMRT_OK);
    CHECK(run_emd(rt.get(), a.get(), 2, 2).cost == 1.0);
}

TEST_CASE("emd splits mass by hand-computed amounts", "[ot][emd]") {
    auto rt = ot_runtime();
    auto a = new_args();
    // Two sources with masses 0.7, 0.3 and one target: everything goes to it.
    Mat M(2, 1);
    M.v = {2.0, 5.0};
    set_mat(a.get(), "M", M);
    set_vec(a.get(), "a", {0.7, 0.3});
    set_vec(a.get(), "b", {1.0});
    auto o = run_emd(rt.get(), a.get(), 2, 1);
    CHECK(o.cost == Approx(0.7 * 2 + 0.3 * 5).epsilon(1e-15));
    // A 2x2 problem where the cheap diagonal cannot take everything.
    Mat M2(2, 2);
    M2.v = {0, 1, 3, 0};
    geomrt_args_clear(a.get());
    set_mat(a.get(), "M", M2);
    set_vec(a.get(), "a", {0.8, 0.2});
    set_vec(a.get(), "b", {0.5, 0.5});
    o = run_emd(rt.get(), a.get(), 2, 2);
    CHECK(o.cost == Approx(0.3).epsilon(1e-15));  // 0.5 stays, 0.3 moves 0->1 at cost 1
    CHECK(o.plan[0] == Approx(0.5));
    CHECK(o.plan[1] == Approx(0.3));
    CHECK(o.plan[3] == Approx(0.2));
    check_certificate(o, M2, {0.8, 0.2}, {0.5, 0.5});
}

TEST_CASE("emd agrees with POT's ot.emd2 to 1e-9 relative up to n = m = 2000", "[ot][emd][pot]") {
    auto rt = ot_runtime();
    for (const auto &c : load_reference("ot.emd")) {
        INFO(c.name);
        auto a = new_args();
        Mat xs = c.xs(), xt = c.xt();
        set_mat(a.get(), "xs", xs);
        set_mat(a.get(), "xt", xt);
        set_vec(a.get(), "a", c.arrays.at("a"));
        set_vec(a.get(), "b", c.arrays.at("b"));
        REQUIRE(geomrt_args_set_param_string(a.get(), "metric", c.metric.c_str()) == GEOMRT_OK);
        if (c.metric == "minkowski") REQUIRE(geomrt_args_set_param_f64(a.get(), "p", c.param) == GEOMRT_OK);
        auto r = invoke(rt.get(), "ot.emd", a.get());
        CHECK(scalar(r.get(), "cost") == Approx(c.value).epsilon(1e-9));
        geomrt_sparse_view sv;
        REQUIRE(geomrt_result_sparse(r.get(), "plan", &sv) == GEOMRT_OK);
        CHECK(sv.nnz <= c.n + c.m - 1);
        if (c.n * c.m <= 200000) {
            // Same problem through an explicit cost matrix, with the full optimality certificate.
            Mat M(c.n, c.m);
            for (int64_t i = 0; i < c.n; ++i)
                for (int64_t j = 0; j < c.m; ++j) {
                    double s = 0;
                    for (int64_t k = 0; k < c.d; ++k) {
                        const double t = std::fabs(xs(i, k) - xt(j, k));
                        if (c.metric == "sqeuclidean" || c.metric == "euclidean") s += t * t;
                        else if (c.metric == "cityblock") s += t;
                        else s += std::pow(t, c.param);
                    }
                    if (c.metric == "euclidean") s = std::sqrt(s);
                    if (c.metric == "minkowski") s = std::pow(s, 1.0 / c.param);
                    M(i, j) = s;
                }
            auto am = new_args();
            set_mat(am.get(), "M", M);
            set_vec(am.get(), "a", c.arrays.at("a"));
            set_vec(am.get(), "b", c.arrays.at("b"));
            auto o = run_emd(rt.get(), am.get(), c.n, c.m);
            CHECK(o.cost == Approx(c.value).epsilon(1e-9));
            CHECK(o.nnz <= c.n + c.m - 1);
            check_certificate(o, M, c.arrays.at("a"), c.arrays.at("b"));
        }
    }
}

TEST_CASE("emd is symmetric and gives zero between identical clouds", "[ot][emd]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(3);
    Mat x = uniform_points(g, 40, 3), y = uniform_points(g, 55, 3);
    auto wx = random_weights(g, 40), wy = random_weights(g, 55);
    auto a1 = new_args(), a2 = new_args(), a3 = new_args();
    set_mat(a1.get(), "xs", x);
    set_mat(a1.get(), "xt", y);
    set_vec(a1.get(), "a", wx);
    set_vec(a1.get(), "b", wy);
    set_mat(a2.get(), "xs", y);
    set_mat(a2.get(), "xt", x);
    set_vec(a2.get(), "a", wy);
    set_vec(a2.get(), "b", wx);
    CHECK(run_emd(rt.get(), a1.get(), 40, 55).cost == Approx(run_emd(rt.get(), a2.get(), 55, 40).cost).epsilon(1e-13));
    set_mat(a3.get(), "xs", x);
    set_mat(a3.get(), "xt", x);
    set_vec(a3.get(), "a", wx);
    set_vec(a3.get(), "b", wx);
    CHECK(run_emd(rt.get(), a3.get(), 40, 40).cost == Approx(0.0).margin(1e-15));
}

TEST_CASE("emd with 1 and 2 threads gives identical results", "[ot][emd][threads]") {
    // 2048 x 2048 = 2^22 arcs: large enough for the network simplex to use its worker threads.
    auto rt = ot_runtime();
    std::mt19937_64 g(11);
    Mat x = uniform_points(g, 2048, 2), y = uniform_points(g, 2048, 2);
    auto a = new_args();
    set_mat(a.get(), "xs", x);
    set_mat(a.get(), "xt", y);
    const auto wa = random_weights(g, 2048);
    set_vec(a.get(), "a", wa);
    auto r1 = invoke(rt.get(), "ot.emd", a.get(), 1);
    auto r2 = invoke(rt.get(), "ot.emd", a.get(), 2);
    CHECK(scalar(r1.get(), "cost") == scalar(r2.get(), "cost"));
    CHECK(vec(r1.get(), "alpha") == vec(r2.get(), "alpha"));
    geomrt_sparse_view s1, s2;
    REQUIRE(geomrt_result_sparse(r1.get(), "plan", &s1) == GEOMRT_OK);
    REQUIRE(geomrt_result_sparse(r2.get(), "plan", &s2) == GEOMRT_OK);
    REQUIRE(s1.nnz == s2.nnz);
    CHECK(std::equal(s1.values, s1.values + s1.nnz, s2.values));
    CHECK(std::equal(s1.indices, s1.indices + s1.nnz, s2.indices));
}

TEST_CASE("emd handles zero-mass points", "[ot][emd]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(5);
    Mat x = uniform_points(g, 20, 2), y = uniform_points(g, 15, 2);
    auto wa = random_weights(g, 20), wb = random_weights(g, 15);
    wa[3] = 0;
    wb[0] = 0;
    double s = 0;
    for (double v : wb) s += v;
    for (double &v : wb) v /= s;
    s = 0;
    for (double v : wa) s += v;
    for (double &v : wa) v /= s;
    auto a = new_args();
    auto M = sqdist(x, y);
    set_mat(a.get(), "M", M);
    set_vec(a.get(), "a", wa);
    set_vec(a.get(), "b", wb);
    auto o = run_emd(rt.get(), a.get(), 20, 15);
    check_certificate(o, M, wa, wb);
}

TEST_CASE("emd rejects bad input with a clear error and leaves the caller's buffers untouched", "[ot][emd][errors]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(1);
    Mat x = uniform_points(g, 6, 2), y = uniform_points(g, 5, 2);
    auto M = sqdist(x, y);
    std::vector<double> wa(6, 1.0 / 6), wb(5, 0.2);
    const Mat x0 = x, M0 = M;
    const auto wa0 = wa, wb0 = wb;
    struct Case {
        const char *what;
        std::function<void(geomrt_args *)> setup;
        int code;
        const char *part;
    };
    const double nan = std::numeric_limits<double>::quiet_NaN();
    std::vector<Case> cases = {
        {"nothing", [&](geomrt_args *) {}, GEOMRT_EINVAL, "give a cost matrix 'M'"},
        {"M and xs", [&](geomrt_args *a) { set_mat(a, "M", M); set_mat(a, "xs", x); set_mat(a, "xt", y); },
         GEOMRT_EINVAL, "not both"},
        {"xs only", [&](geomrt_args *a) { set_mat(a, "xs", x); }, GEOMRT_EINVAL, "'xt'"},
        {"unequal masses", [&](geomrt_args *a) { set_mat(a, "M", M); static std::vector<double> w(6, 0.2); set_vec(a, "a", w); },
         GEOMRT_EINVAL, "total masses"},
        {"negative mass", [&](geomrt_args *a) {
             set_mat(a, "M", M);
             static std::vector<double> w;
             w = wa; w[0] = -w[0]; w[1] += 2 * wa[0];
             set_vec(a, "a", w); }, GEOMRT_EINVAL, "negative entry"},
        {"zero mass", [&](geomrt_args *a) { set_mat(a, "M", M); static std::vector<double> z(6, 0.0); set_vec(a, "a", z); },
         GEOMRT_EINVAL, "sum to 0"},
        {"a wrong length", [&](geomrt_args *a) { set_mat(a, "M", M); set_vec(a, "a", wb); }, GEOMRT_ESHAPE,
         "input 'M' has 6 entries along axis 0 but input 'a' has 5"},
        {"dimension mismatch", [&](geomrt_args *a) { set_mat(a, "xs", x); static Mat y3(5, 3); set_mat(a, "xt", y3); },
         GEOMRT_ESHAPE, "dimension 'd'"},
        {"NaN in M", [&](geomrt_args *a) { static Mat Mn; Mn = M; Mn(2, 3) = nan; set_mat(a, "M", Mn); }, GEOMRT_EINVAL,
         "input 'M' has a NaN at (2, 3)"},
        {"Inf in xs", [&](geomrt_args *a) { static Mat xi; xi = x; xi(1, 1) = INFINITY; set_mat(a, "xs", xi); set_mat(a, "xt", y); },
         GEOMRT_EINVAL, "non-finite"},
        {"float32 M", [&](geomrt_args *a) {
             static std::vector<float> f(30, 1.0f);
             int64_t s[2] = {6, 5};
             geomrt_args_set_tensor(a, "M", GEOMRT_DTYPE_F32, f.data(), 2, s, nullptr); }, GEOMRT_EDTYPE, "float64"},
        {"empty", [&](geomrt_args *a) { int64_t s[2] = {0, 5}; geomrt_args_set_f64(a, "M", M.v.data(), 2, s); },
         GEOMRT_ESHAPE, "empty"},
        {"bad metric", [&](geomrt_args *a) { set_mat(a, "M", M); geomrt_args_set_param_string(a, "metric", "cosine"); },
         GEOMRT_EINVAL, "must be one of"},
        {"p below 1", [&](geomrt_args *a) { set_mat(a, "M", M); geomrt_args_set_param_f64(a, "p", 0.5); },
         GEOMRT_EINVAL, "parameter 'p'"},
    };
    for (const auto &c : cases) {
        INFO(c.what);
        auto a = new_args();
        c.setup(a.get());
        std::string msg;
        CHECK(invoke_fails(rt.get(), "ot.emd", a.get(), &msg) == c.code);
        CHECK(msg.find(c.part) != std::string::npos);
        CHECK(msg.rfind("ot.emd", 0) == 0);
    }
    CHECK(x.v == x0.v);
    CHECK(M.v == M0.v);
    CHECK(wa == wa0);
    CHECK(wb == wb0);
}

TEST_CASE("emd stops with GEOMRT_ECANCELLED when the cancel flag is set", "[ot][emd]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(2);
    Mat x = uniform_points(g, 50, 2), y = uniform_points(g, 40, 2);
    auto a = new_args();
    set_mat(a.get(), "xs", x);
    set_mat(a.get(), "xt", y);
    volatile int flag = 1;
    geomrt_call_options o = GEOMRT_CALL_OPTIONS_INIT;
    o.cancel_flag = &flag;
    geomrt_result *r = nullptr;
    CHECK(geomrt_invoke(&r, rt.get(), "ot.emd", a.get(), &o) == GEOMRT_ECANCELLED);
    CHECK(r == nullptr);
}

TEST_CASE("emd's W_1 and W_2 satisfy the triangle inequality on random triples", "[ot][emd]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(41);
    auto dist = [&](const Mat &s, const std::vector<double> &ws, const Mat &t, const std::vector<double> &wt,
                    const char *metric) {
        auto a = new_args();
        set_mat(a.get(), "xs", s);
        set_mat(a.get(), "xt", t);
        set_vec(a.get(), "a", ws);
        set_vec(a.get(), "b", wt);
        REQUIRE(geomrt_args_set_param_string(a.get(), "metric", metric) == GEOMRT_OK);
        const double c = scalar(invoke(rt.get(), "ot.emd", a.get()).get(), "cost");
        return std::string(metric) == "sqeuclidean" ? std::sqrt(c) : c;  // W_2 = sqrt of the sqeuclidean cost
    };
    for (int trial = 0; trial < 8; ++trial) {
        const Mat x = uniform_points(g, 30, 3), y = uniform_points(g, 45, 3), z = uniform_points(g, 38, 3);
        const auto wx = random_weights(g, 30), wy = random_weights(g, 45), wz = random_weights(g, 38);
        for (const char *metric : {"euclidean", "sqeuclidean", "cityblock"}) {
            INFO("trial " << trial << " metric " << metric);
            const double xy = dist(x, wx, y, wy, metric), yz = dist(y, wy, z, wz, metric),
                         xz = dist(x, wx, z, wz, metric);
            CHECK(xz <= xy + yz + 1e-12);
            CHECK(xy <= xz + yz + 1e-12);
            CHECK(yz <= xy + xz + 1e-12);
            CHECK(xy > 0);
        }
    }
}
