// ot.monge_gap: POT 0.8.2's sinkhorn_log as reference, and the bracket
//   M0 + eps (H(a) + 1) <= gap <= M0 + eps (2 H(a) + 1)
// where M0 = sum a_i c(x_i, T x_i) - (exact OT cost, from ot.emd) is the unregularized Monge gap and
// H(a) = -sum a_i log a_i. The lower end uses the exact optimal plan in the entropic objective, the
// upper end that a coupling of a with itself has entropy at most 2 H(a). For an optimal map M0 = 0.
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <string>
#include <vector>

#include "reference.hpp"

using namespace gt;

namespace {

struct Gap {
    double gap, disp, went, reg;
    int64_t iterations;
};

// The args borrow x, y and a: they must outlive the call.
Args gap_args(const Mat &x, const Mat &y, const std::vector<double> *a = nullptr, double reg = 0) {
    auto args = new_args();
    set_mat(args.get(), "x", x);
    set_mat(args.get(), "y", y);
    if (a) set_vec(args.get(), "a", *a);
    if (reg > 0) REQUIRE(geomrt_args_set_param_f64(args.get(), "reg", reg) == GEOMRT_OK);
    return args;
}

Gap read_gap(const geomrt_result *r) {
    return Gap{scalar(r, "gap"), scalar(r, "displacement_cost"), scalar(r, "entropic_cost"), scalar(r, "reg_used"),
               static_cast<int64_t>(scalar(r, "iterations"))};
}

Gap monge_gap(geomrt_runtime *rt, const Mat &x, const Mat &y, const std::vector<double> *a = nullptr,
              double reg = 0, const char *metric = nullptr, int threads = 0) {
    auto args = gap_args(x, y, a, reg);
    if (metric) REQUIRE(geomrt_args_set_param_string(args.get(), "metric", metric) == GEOMRT_OK);
    auto r = invoke(rt, "ot.monge_gap", args.get(), threads);
    return read_gap(r.get());
}

Mat map_points(const Mat &x, double (*f)(const double *, int)) {
    Mat y(x.rows, x.cols);
    for (int64_t i = 0; i < x.rows; ++i)
        for (int k = 0; k < x.cols; ++k) y(i, k) = f(&x.v[i * x.cols], k);
    return y;
}

double entropy(const std::vector<double> &a) {
    double h = 0;
    for (double v : a)
        if (v > 0) h -= v * std::log(v);
    return h;
}

/// Exact OT cost between sum a_i delta_{x_i} and sum a_i delta_{y_i} (ot.emd).
double exact_cost(geomrt_runtime *rt, const Mat &x, const Mat &y, const std::vector<double> &a, bool euclid) {
    Mat M = sqdist(x, y);
    if (euclid)
        for (double &v : M.v) v = std::sqrt(v);
    auto args = new_args();
    set_mat(args.get(), "M", M);
    set_vec(args.get(), "a", a);
    set_vec(args.get(), "b", a);
    return scalar(invoke(rt, "ot.emd", args.get()).get(), "cost");
}

/// Check M0 + eps (H + 1) <= gap <= M0 + eps (2H + 1) up to `slack`.
void check_bracket(const Gap &g, double M0, double H, double slack) {
    INFO("gap " << g.gap << ", M0 " << M0 << ", eps " << g.reg << ", H(a) " << H);
    CHECK(g.gap >= M0 + g.reg * (H + 1) - slack);
    CHECK(g.gap <= M0 + g.reg * (2 * H + 1) + slack);
}

double population_std(const Mat &C) {
    double mean = 0, dev = 0;
    for (double v : C.v) mean += v;
    mean /= static_cast<double>(C.v.size());
    for (double v : C.v) dev += (v - mean) * (v - mean);
    return std::sqrt(dev / static_cast<double>(C.v.size()));
}

}  // namespace

TEST_CASE("monge_gap matches POT's sinkhorn_log entropic cost and defaults reg to 0.05 x std of the costs", "[ot][monge_gap][pot]") {
    auto rt = ot_runtime();
    for (const auto &c : load_gaussian_reference("ot.monge_gap")) {
        INFO(c.name);
        const auto &a = c.arrays.at("a");
        const int64_t n = static_cast<int64_t>(a.size()), d = static_cast<int64_t>(c.arrays.at("x").size()) / n;
        Mat x(n, d), y(n, d);
        x.v = c.arrays.at("x");
        y.v = c.arrays.at("y");
        auto args = gap_args(x, y, &a, c.scalars.at("reg"));
        REQUIRE(geomrt_args_set_param_f64(args.get(), "tol", 1e-13) == GEOMRT_OK);
        const Gap g = read_gap(invoke(rt.get(), "ot.monge_gap", args.get()).get());
        CHECK(g.disp == Approx(c.scalars.at("displacement_cost")).epsilon(1e-14));
        CHECK(g.went == Approx(c.scalars.at("entropic_cost")).margin(1e-11));
        CHECK(g.gap == Approx(c.scalars.at("gap")).epsilon(1e-10));
        CHECK(g.reg == c.scalars.at("reg"));
        const Gap gd = monge_gap(rt.get(), x, y, &a);
        CHECK(gd.reg == Approx(c.scalars.at("default_reg")).epsilon(1e-13));
    }
}

TEST_CASE("monge_gap of an optimal map is only the entropic bias, which vanishes as reg -> 0", "[ot][monge_gap]") {
    // Optimal maps on samples (M0 = 0): a translation (for |x-y|^2 and |x-y|) and x -> A x with A symmetric
    // positive definite (the gradient of x^T A x / 2, Brenier). Tested bound: eps (log n + 1) <= gap <=
    // eps (2 log n + 1), so the gap decreases linearly with eps.
    auto rt = ot_runtime();
    std::mt19937_64 g(301);
    const int64_t n = 60;
    Mat x = uniform_points(g, n, 2);
    for (int64_t i = 0; i < n; ++i) x(i, 1) *= 2.0;
    const double H = std::log(static_cast<double>(n));
    Mat shifted = x, linear(n, 2);
    for (int64_t i = 0; i < n; ++i) {
        shifted(i, 0) += 0.3;
        shifted(i, 1) -= 0.7;
        linear(i, 0) = 1.5 * x(i, 0) + 0.4 * x(i, 1);
        linear(i, 1) = 0.4 * x(i, 0) + 0.8 * x(i, 1);
    }
    struct Case {
        const char *name;
        const Mat *y;
        const char *metric;
    };
    for (const Case &c : {Case{"translation, sqeuclidean", &shifted, "sqeuclidean"},
                          Case{"translation, euclidean", &shifted, "euclidean"},
                          Case{"symmetric positive definite linear map", &linear, "sqeuclidean"}}) {
        INFO(c.name);
        const bool euclid = std::string(c.metric) == "euclidean";
        // The exact OT cost equals the displacement cost: the map is optimal on the samples.
        const Gap g0 = monge_gap(rt.get(), x, *c.y, nullptr, 0, c.metric);
        const std::vector<double> a(n, 1.0 / n);
        CHECK(exact_cost(rt.get(), x, *c.y, a, euclid) == Approx(g0.disp).epsilon(1e-12));
        check_bracket(g0, 0.0, H, 1e-8);
        double prev = std::numeric_limits<double>::infinity();
        // Sinkhorn needs many more iterations once reg drops below the nearest-neighbour costs (the plan of an
        // optimal map is then close to a permutation): 0.25 x the default is about 200 iterations here
        // (over-relaxed; plain Sinkhorn needs about 2,500).
        for (double scale : {1.0, 0.5, 0.25}) {
            const double reg = scale * g0.reg;
            INFO("reg = " << reg);
            const Gap gr = monge_gap(rt.get(), x, *c.y, nullptr, reg, c.metric);
            check_bracket(gr, 0.0, H, 1e-8);
            CHECK(gr.gap < prev);
            prev = gr.gap;
        }
        CHECK(prev <= 0.25 * g0.reg * (2 * H + 1) + 1e-8);
    }
}

TEST_CASE("monge_gap of non-optimal maps is the unregularized gap plus the entropic bias", "[ot][monge_gap]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(302);
    const int64_t n = 50;
    Mat x = uniform_points(g, n, 2);
    for (int64_t i = 0; i < n; ++i) x(i, 0) = 2.0 * x(i, 0) + 1.0;  // [1,3] x [0,1]: not rotation symmetric
    const auto a = random_weights(g, n);
    const double H = entropy(a);
    // Rotation by 90 degrees, a permutation of the points, and a nonlinear map.
    Mat rot(n, 2), perm(n, 2);
    std::vector<int64_t> pi(n);
    std::iota(pi.begin(), pi.end(), 0);
    std::shuffle(pi.begin(), pi.end(), g);
    for (int64_t i = 0; i < n; ++i) {
        rot(i, 0) = -x(i, 1);
        rot(i, 1) = x(i, 0);
        perm(i, 0) = x(pi[i], 0);
        perm(i, 1) = x(pi[i], 1);
    }
    const Mat wave = map_points(x, [](const double *p, int k) { return k == 0 ? -p[0] * p[0] : p[1] + std::sin(6 * p[0]); });
    // An optimal map of the same cloud for comparison.
    Mat shift = x;
    for (auto &v : shift.v) v += 0.5;
    const Gap opt0 = monge_gap(rt.get(), x, shift, &a);
    const Gap opt = monge_gap(rt.get(), x, shift, &a, 0.25 * opt0.reg);
    const std::vector<std::pair<const char *, const Mat *>> maps = {
        {"rotation", &rot}, {"permutation", &perm}, {"nonlinear", &wave}};
    for (const auto &yc : maps) {
        INFO(yc.first);
        const Mat &y = *yc.second;
        const Gap gm = monge_gap(rt.get(), x, y, &a);
        const double M0 = gm.disp - exact_cost(rt.get(), x, y, a, false);
        CHECK(M0 > 0.02);
        check_bracket(gm, M0, H, 1e-8);
        const Gap gs = monge_gap(rt.get(), x, y, &a, 0.2 * gm.reg);  // smaller reg: closer to M0
        check_bracket(gs, M0, H, 1e-8);
        CHECK(std::fabs(gs.gap - M0) < std::fabs(gm.gap - M0));
        CHECK(gm.gap > 0);
    }
    // At the same reg the rotation's gap is several times the optimal map's (pure entropic bias).
    const Gap gr = monge_gap(rt.get(), x, rot, &a, opt.reg);
    INFO("optimal map " << opt.gap << ", rotation " << gr.gap << ", reg " << opt.reg);
    check_bracket(opt, 0.0, H, 1e-8);
    CHECK(gr.gap > 4 * opt.gap);
}

TEST_CASE("monge_gap is positive for random maps of random clouds", "[ot][monge_gap]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(303);
    std::normal_distribution<double> N(0.0, 1.0);
    for (int rep = 0; rep < 8; ++rep) {
        const int64_t n = 20 + 5 * rep, d = 1 + rep % 3;
        INFO("rep " << rep << ": n = " << n << ", d = " << d);
        const Mat x = uniform_points(g, n, d);
        Mat y(n, d);
        for (auto &v : y.v) v = N(g);
        const auto a = rep % 2 ? random_weights(g, n) : std::vector<double>(n, 1.0 / n);
        const Gap gm = monge_gap(rt.get(), x, y, &a);
        const double M0 = gm.disp - exact_cost(rt.get(), x, y, a, false);
        CHECK(M0 >= -1e-12);
        CHECK(gm.gap > 0);
        check_bracket(gm, M0, entropy(a), 1e-8);
    }
}

TEST_CASE("monge_gap leaves out zero-weight points and does not depend on the thread count", "[ot][monge_gap]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(304);
    const int64_t n = 30;
    const Mat x = uniform_points(g, n, 2), y = uniform_points(g, n, 2);
    auto a = random_weights(g, n);
    std::vector<int64_t> kept;
    for (int64_t i = 0; i < n; ++i) {
        if (i % 4 == 1) a[i] = 0;
        else kept.push_back(i);
    }
    Mat xs(static_cast<int64_t>(kept.size()), 2), ys = xs;
    std::vector<double> as;
    for (size_t k = 0; k < kept.size(); ++k) {
        for (int c = 0; c < 2; ++c) {
            xs(k, c) = x(kept[k], c);
            ys(k, c) = y(kept[k], c);
        }
        as.push_back(a[kept[k]]);
    }
    const Gap full = monge_gap(rt.get(), x, y, &a, 0.05), sub = monge_gap(rt.get(), xs, ys, &as, 0.05);
    CHECK(full.gap == Approx(sub.gap).epsilon(1e-8));
    CHECK(full.disp == Approx(sub.disp).epsilon(1e-14));

    // 1100 x 1100 kernel: above the solver's parallel threshold.
    const Mat X = uniform_points(g, 1100, 2), Y = uniform_points(g, 1100, 2);
    const Gap t1 = monge_gap(rt.get(), X, Y, nullptr, 0, nullptr, 1);
    const Gap t2 = monge_gap(rt.get(), X, Y, nullptr, 0, nullptr, 2);
    CHECK(t1.gap == t2.gap);
    CHECK(t1.reg == t2.reg);
    CHECK(t1.reg == Approx(0.05 * population_std(sqdist(X, Y))).epsilon(1e-12));
}

TEST_CASE("monge_gap rejects bad input and reports non-convergence without touching the caller's memory",
          "[ot][monge_gap][errors]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(305);
    const char *method = "ot.monge_gap";
    Mat x = uniform_points(g, 20, 2), y = uniform_points(g, 20, 2);
    std::vector<double> a = random_weights(g, 20);
    const Mat x0 = x, y0 = y;
    const auto a0 = a;
    std::string msg;

    const Mat y3 = uniform_points(g, 20, 3), y21 = uniform_points(g, 21, 2);
    auto s1 = gap_args(x, y3);
    CHECK(invoke_fails(rt.get(), method, s1.get(), &msg) == GEOMRT_ESHAPE);
    auto s2 = gap_args(x, y21);
    CHECK(invoke_fails(rt.get(), method, s2.get(), &msg) == GEOMRT_ESHAPE);
    const std::vector<double> a19(19, 1.0 / 19);
    auto s3 = gap_args(x, y, &a19);
    CHECK(invoke_fails(rt.get(), method, s3.get(), &msg) == GEOMRT_ESHAPE);

    Mat xn = x;
    xn(3, 1) = std::numeric_limits<double>::infinity();
    auto e1 = gap_args(xn, y);
    CHECK(invoke_fails(rt.get(), method, e1.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("non-finite") != std::string::npos);

    std::vector<double> neg = a;
    neg[0] = -0.1;
    auto e2 = gap_args(x, y, &neg);
    CHECK(invoke_fails(rt.get(), method, e2.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("negative") != std::string::npos);

    const std::vector<double> zeros(20, 0.0);
    auto e3 = gap_args(x, y, &zeros);
    CHECK(invoke_fails(rt.get(), method, e3.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("sum to 0") != std::string::npos);

    auto e4 = gap_args(x, y, &a, -1.0);
    REQUIRE(geomrt_args_set_param_f64(e4.get(), "reg", -1.0) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), method, e4.get(), &msg) == GEOMRT_EINVAL);

    auto e5 = gap_args(x, y);
    REQUIRE(geomrt_args_set_param_string(e5.get(), "metric", "cityblock") == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), method, e5.get(), &msg) == GEOMRT_EINVAL);

    // One point: the cost matrix is constant, so the default reg would be 0.
    Mat x1(1, 2), y1(1, 2);
    y1(0, 0) = 1.0;
    auto e6 = gap_args(x1, y1);
    CHECK(invoke_fails(rt.get(), method, e6.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("give reg > 0") != std::string::npos);
    const Gap one = monge_gap(rt.get(), x1, y1, nullptr, 0.1);  // explicit reg: gap = eps (H(a) + 1) = eps
    CHECK(one.gap == Approx(0.1).epsilon(1e-14));

    auto e7 = gap_args(x, y, &a, 1e-3);
    REQUIRE(geomrt_args_set_param_i64(e7.get(), "max_iter", 2) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), method, e7.get(), &msg) == GEOMRT_ENOCONVERGE);
    CHECK(msg.find("max_iter=2") != std::string::npos);

    CHECK(x.v == x0.v);
    CHECK(y.v == y0.v);
    CHECK(a == a0);
}
