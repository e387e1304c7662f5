// ot.sinkhorn against POT's sinkhorn_log, the Gibbs form of its plan, and the exact cost as reg -> 0.
#include <cmath>
#include <limits>

#include "entropic.hpp"
#include "reference.hpp"

using namespace gt;

namespace {

double max_of(const Mat &M) {
    double m = 0;
    for (double v : M.v) m = std::max(m, v);
    return m;
}

void check_marginals(const std::vector<double> &P, int64_t n, int64_t m, const std::vector<double> &a,
                     const std::vector<double> &b, double tol) {
    for (double p : P) REQUIRE(std::isfinite(p));
    CHECK(l1_marginal_error(P, n, m, a, b) <= tol);
}

}  // namespace

TEST_CASE("sinkhorn matches POT's sinkhorn_log transport cost", "[ot][sinkhorn][pot]") {
    auto rt = ot_runtime();
    for (const auto &c : load_reference("ot.sinkhorn")) {
        INFO(c.name);
        auto M = sqdist(c.xs(), c.xt());
        auto args = problem(M, c.arrays.at("a"), c.arrays.at("b"), c.param);
        REQUIRE(geomrt_args_set_param_f64(args.get(), "tol", 1e-12) == GEOMRT_OK);
        auto r = invoke(rt.get(), "ot.sinkhorn", args.get());
        CHECK(scalar(r.get(), "cost") == Approx(c.value).epsilon(1e-8));
        check_marginals(dense(r.get(), "plan", c.n * c.m), c.n, c.m, c.arrays.at("a"), c.arrays.at("b"), 1e-11);
        CHECK(scalar(r.get(), "marginal_error") <= 1e-12);
        // the same problem from point clouds
        auto pa = new_args();
        const Mat xs = c.xs(), xt = c.xt();
        set_mat(pa.get(), "xs", xs);
        set_mat(pa.get(), "xt", xt);
        set_vec(pa.get(), "a", c.arrays.at("a"));
        set_vec(pa.get(), "b", c.arrays.at("b"));
        REQUIRE(geomrt_args_set_param_f64(pa.get(), "reg", c.param) == GEOMRT_OK);
        REQUIRE(geomrt_args_set_param_f64(pa.get(), "tol", 1e-12) == GEOMRT_OK);
        auto r2 = invoke(rt.get(), "ot.sinkhorn", pa.get());
        CHECK(scalar(r2.get(), "cost") == Approx(c.value).epsilon(1e-8));
    }
}

TEST_CASE("sinkhorn's plan is the Gibbs kernel of its potentials and its objective is consistent", "[ot][sinkhorn]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(4);
    Mat M = sqdist(uniform_points(g, 25, 2), uniform_points(g, 30, 2));
    auto a = random_weights(g, 25), b = random_weights(g, 30);
    const double reg = 0.02;
    auto args = problem(M, a, b, reg);
    auto r = invoke(rt.get(), "ot.sinkhorn", args.get());
    auto P = dense(r.get(), "plan", 25 * 30);
    auto f = vec(r.get(), "f"), gg = vec(r.get(), "g");
    double tc = 0, ent = 0;
    for (int64_t i = 0; i < 25; ++i)
        for (int64_t j = 0; j < 30; ++j) {
            const double p = P[i * 30 + j];
            CHECK(p == Approx(std::exp((f[i] + gg[j] - M(i, j)) / reg)).epsilon(1e-9));
            tc += p * M(i, j);
            ent += p * std::log(p);
        }
    CHECK(scalar(r.get(), "cost") == Approx(tc).epsilon(1e-12));
    CHECK(scalar(r.get(), "entropic_cost") == Approx(tc + reg * ent).epsilon(1e-12));
    CHECK(scalar(r.get(), "iterations") >= 1);
    // Dual objective: a.f + b.g - reg * sum P equals the primal objective + reg at the optimum (sum P = 1).
    double dual = 0, mass = 0;
    for (int64_t i = 0; i < 25; ++i) dual += a[i] * f[i];
    for (int64_t j = 0; j < 30; ++j) dual += b[j] * gg[j];
    for (double p : P) mass += p;
    CHECK(dual - reg * mass == Approx(tc + reg * ent - reg).epsilon(1e-8));
}

TEST_CASE("sinkhorn converges without NaN for reg down to 1e-4 x max cost and approaches emd", "[ot][sinkhorn]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(9);
    Mat M = sqdist(uniform_points(g, 40, 2), uniform_points(g, 40, 2));
    auto a = random_weights(g, 40), b = random_weights(g, 40);
    auto ea = problem(M, a, b, 1.0);
    REQUIRE(geomrt_args_set_param_f64(ea.get(), "reg", 1.0) == GEOMRT_OK);
    auto emd_args = new_args();
    set_mat(emd_args.get(), "M", M);
    set_vec(emd_args.get(), "a", a);
    set_vec(emd_args.get(), "b", b);
    const double exact = scalar(invoke(rt.get(), "ot.emd", emd_args.get()).get(), "cost");
    double prev_gap = std::numeric_limits<double>::infinity();
    for (double rel : {1e-1, 1e-2, 1e-3, 1e-4}) {
        INFO("reg = " << rel << " x max cost");
        const double reg = rel * max_of(M);
        auto args = problem(M, a, b, reg);
        REQUIRE(geomrt_args_set_param_i64(args.get(), "max_iter", 2000000) == GEOMRT_OK);
        auto r = invoke(rt.get(), "ot.sinkhorn", args.get());
        const double cost = scalar(r.get(), "cost");
        REQUIRE(std::isfinite(cost));
        check_marginals(dense(r.get(), "plan", 1600), 40, 40, a, b, 1e-8);
        for (double v : vec(r.get(), "f")) REQUIRE(std::isfinite(v));
        const double gap = cost - exact;
        CHECK(gap >= -1e-9 * exact);  // the entropic plan is feasible, so it cannot beat the optimum
        CHECK(gap <= prev_gap + 1e-12);
        prev_gap = gap;
    }
    CHECK(prev_gap <= 1e-3 * exact);
}

TEST_CASE("sinkhorn results do not depend on the thread count, annealing or over-relaxation",
          "[ot][sinkhorn][threads]") {
    // 1100 x 960 > 2^20 kernel entries: large enough for the solver to use its threads.
    auto rt = ot_runtime();
    std::mt19937_64 g(12);
    const int64_t n = 1100, m = 960;
    Mat M = sqdist(uniform_points(g, n, 2), uniform_points(g, m, 2));
    const auto wa = random_weights(g, n), wb = random_weights(g, m);
    auto args = problem(M, wa, wb, 0.01);
    auto r1 = invoke(rt.get(), "ot.sinkhorn", args.get(), 1);
    const auto P1 = dense(r1.get(), "plan", n * m);
    for (int threads : {2, 3}) {
        auto r = invoke(rt.get(), "ot.sinkhorn", args.get(), threads);
        CHECK(dense(r.get(), "plan", n * m) == P1);  // bit for bit
        CHECK(scalar(r.get(), "cost") == scalar(r1.get(), "cost"));
        CHECK(scalar(r.get(), "iterations") == scalar(r1.get(), "iterations"));
    }
    REQUIRE(geomrt_args_set_param_f64(args.get(), "reg", 1e-3) == GEOMRT_OK);  // below range/256: annealing runs
    auto r2 = invoke(rt.get(), "ot.sinkhorn", args.get());
    REQUIRE(geomrt_args_set_param_bool(args.get(), "anneal", 1) == GEOMRT_OK);
    auto r3 = invoke(rt.get(), "ot.sinkhorn", args.get());
    REQUIRE(geomrt_args_set_param_bool(args.get(), "overrelaxation", 0) == GEOMRT_OK);
    auto r4 = invoke(rt.get(), "ot.sinkhorn", args.get());
    CHECK(scalar(r3.get(), "cost") == Approx(scalar(r2.get(), "cost")).epsilon(1e-7));
    CHECK(scalar(r4.get(), "cost") == Approx(scalar(r2.get(), "cost")).epsilon(1e-7));
}

TEST_CASE("sinkhorn's over-relaxation reaches the plain solution in far fewer iterations, rows exact",
          "[ot][sinkhorn]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(21);
    const int64_t n = 90, m = 70;
    Mat M = sqdist(uniform_points(g, n, 2), uniform_points(g, m, 2));
    const auto a = random_weights(g, n), b = random_weights(g, m);
    for (double rel : {5e-2, 5e-3, 1e-3}) {
        INFO("reg = " << rel << " x max cost");
        auto args = problem(M, a, b, rel * max_of(M));
        REQUIRE(geomrt_args_set_param_i64(args.get(), "max_iter", 1000000) == GEOMRT_OK);
        auto fast = invoke(rt.get(), "ot.sinkhorn", args.get());
        REQUIRE(geomrt_args_set_param_bool(args.get(), "overrelaxation", 0) == GEOMRT_OK);
        auto plain = invoke(rt.get(), "ot.sinkhorn", args.get());
        const double kf = scalar(fast.get(), "iterations"), kp = scalar(plain.get(), "iterations");
        INFO("iterations: over-relaxed " << kf << ", plain " << kp);
        CHECK(kf <= kp);
        if (rel <= 5e-3) CHECK(kf * 3 <= kp);
        const auto Pf = dense(fast.get(), "plan", n * m), Pp = dense(plain.get(), "plan", n * m);
        double diff = 0;
        for (int64_t q = 0; q < n * m; ++q) diff += std::fabs(Pf[q] - Pp[q]);
        CHECK(diff <= 1e-7);
        // The last iterations are plain ones: rows are exact, the columns within tol.
        CHECK(row_l1_error(Pf, n, m, a) <= 1e-14);
        CHECK(col_l1_error(Pf, n, m, b) <= 1e-9 + 1e-14);
        CHECK(scalar(fast.get(), "marginal_error") <= 1e-9);
    }
}

TEST_CASE("sinkhorn gives zero-mass points empty plan rows", "[ot][sinkhorn]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(6);
    Mat M = sqdist(uniform_points(g, 8, 2), uniform_points(g, 7, 2));
    std::vector<double> a = {0.2, 0.0, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1}, b(7, 1.0 / 7);
    auto args = problem(M, a, b, 0.05);
    auto r = invoke(rt.get(), "ot.sinkhorn", args.get());
    auto P = dense(r.get(), "plan", 56);
    for (int j = 0; j < 7; ++j) CHECK(P[1 * 7 + j] == 0.0);
    check_marginals(P, 8, 7, a, b, 1e-8);
    CHECK(vec(r.get(), "f")[1] == -std::numeric_limits<double>::infinity());
}

TEST_CASE("sinkhorn reports non-convergence and rejects bad input without touching the caller's memory",
          "[ot][sinkhorn][errors]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(8);
    Mat M = sqdist(uniform_points(g, 30, 2), uniform_points(g, 30, 2));
    auto a = random_weights(g, 30), b = random_weights(g, 30);
    const Mat M0 = M;
    std::string msg;
    auto args = problem(M, a, b, 1e-3);
    REQUIRE(geomrt_args_set_param_i64(args.get(), "max_iter", 3) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "ot.sinkhorn", args.get(), &msg) == GEOMRT_ENOCONVERGE);
    CHECK(msg.find("max_iter") != std::string::npos);
    CHECK(M.v == M0.v);
    check_bad_entropic_inputs(rt.get(), "ot.sinkhorn");
    auto zero_tol = problem(M, a, b, 0.1);
    REQUIRE(geomrt_args_set_param_f64(zero_tol.get(), "tol", 0.0) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "ot.sinkhorn", zero_tol.get()) == GEOMRT_EINVAL);
    auto bad_precision = problem(M, a, b, 0.1);
    REQUIRE(geomrt_args_set_param_string(bad_precision.get(), "precision", "float16") == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "ot.sinkhorn", bad_precision.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("float16") != std::string::npos);
}

TEST_CASE("sinkhorn with a float32 or mixed kernel reaches the float64 solution", "[ot][sinkhorn]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(21);
    Mat M = sqdist(uniform_points(g, 120, 2), uniform_points(g, 100, 2));
    const auto a = random_weights(g, 120), b = random_weights(g, 100);
    auto args = problem(M, a, b, 0.01);
    auto r64 = invoke(rt.get(), "ot.sinkhorn", args.get());
    const double c64 = scalar(r64.get(), "cost");
    REQUIRE(geomrt_args_set_param_string(args.get(), "precision", "mixed") == GEOMRT_OK);
    auto rmx = invoke(rt.get(), "ot.sinkhorn", args.get());
    CHECK(scalar(rmx.get(), "cost") == Approx(c64).epsilon(1e-9));
    CHECK(scalar(rmx.get(), "marginal_error") <= 1e-9);
    check_marginals(dense(rmx.get(), "plan", 12000), 120, 100, a, b, 2e-9);
    REQUIRE(geomrt_args_set_param_string(args.get(), "precision", "float32") == GEOMRT_OK);
    auto r32 = invoke(rt.get(), "ot.sinkhorn", args.get());
    CHECK(scalar(r32.get(), "cost") == Approx(c64).epsilon(1e-6));
    check_marginals(dense(r32.get(), "plan", 12000), 120, 100, a, b, 2e-9);
}

TEST_CASE("sinkhorn on a symmetric problem uses one potential and converges where alternating Sinkhorn crawls",
          "[ot][sinkhorn][symmetric]") {
    // A cloud against itself (a = b, C = C^T): the self-terms of Sinkhorn divergences.
    auto rt = ot_runtime();
    std::mt19937_64 g(77);
    const int64_t n = 40;
    const Mat x = uniform_points(g, n, 2);
    const Mat C = sqdist(x, x);
    const std::vector<double> a(n, 1.0 / n);
    auto args = new_args();
    set_mat(args.get(), "xs", x);
    set_mat(args.get(), "xt", x);
    REQUIRE(geomrt_args_set_param_f64(args.get(), "reg", 1e-3 * max_of(C)) == GEOMRT_OK);
    auto r = invoke(rt.get(), "ot.sinkhorn", args.get());
    const int64_t k = static_cast<int64_t>(scalar(r.get(), "iterations"));
    INFO("symmetric iterations " << k);
    CHECK(k <= 100);
    const auto P = dense(r.get(), "plan", n * n);
    CHECK(row_l1_error(P, n, n, a) <= 1e-9);
    CHECK(col_l1_error(P, n, n, a) <= 1e-9);
    CHECK(scalar(r.get(), "marginal_error") <= 1e-9);
    CHECK(vec(r.get(), "f") == vec(r.get(), "g"));
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < i; ++j) CHECK(P[i * n + j] == Approx(P[j * n + i]).epsilon(1e-14));
    // The same problem given as a cost matrix takes the same path.
    auto margs = problem(C, a, a, 1e-3 * max_of(C));
    auto rm = invoke(rt.get(), "ot.sinkhorn", margs.get());
    CHECK(scalar(rm.get(), "cost") == Approx(scalar(r.get(), "cost")).epsilon(1e-12));
    // The alternating iteration does not get there in 20x as many iterations.
    REQUIRE(geomrt_args_set_param_bool(args.get(), "symmetric", 0) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_i64(args.get(), "max_iter", 20 * k) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "ot.sinkhorn", args.get()) == GEOMRT_ENOCONVERGE);
    // Threads: bit-identical (600^2 > 2^18 entries, so the solver uses them).
    const Mat big = uniform_points(g, 600, 2);
    auto bargs = new_args();
    set_mat(bargs.get(), "xs", big);
    set_mat(bargs.get(), "xt", big);
    REQUIRE(geomrt_args_set_param_f64(bargs.get(), "reg", 1e-3) == GEOMRT_OK);
    auto b1 = invoke(rt.get(), "ot.sinkhorn", bargs.get(), 1), b2 = invoke(rt.get(), "ot.sinkhorn", bargs.get(), 2);
    CHECK(dense(b1.get(), "plan", 600 * 600) == dense(b2.get(), "plan", 600 * 600));
    // float32 kernel: converges too, to the float64 solution within the kernel's rounding.
    REQUIRE(geomrt_args_set_param_bool(args.get(), "symmetric", 1) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_string(args.get(), "precision", "float32") == GEOMRT_OK);
    auto r32 = invoke(rt.get(), "ot.sinkhorn", args.get());
    CHECK(scalar(r32.get(), "cost") == Approx(scalar(r.get(), "cost")).epsilon(1e-6));
}

TEST_CASE("sinkhorn's symmetric path agrees with the alternating one on a permuted copy", "[ot][sinkhorn][symmetric]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(78);
    const int64_t n = 120;
    const Mat x = uniform_points(g, n, 3);
    std::vector<int64_t> perm(n);
    for (int64_t i = 0; i < n; ++i) perm[i] = (i * 37 + 11) % n;  // 37 is coprime with 120
    Mat y(n, 3);
    for (int64_t i = 0; i < n; ++i)
        for (int k = 0; k < 3; ++k) y(i, k) = x(perm[i], k);
    const auto w = random_weights(g, n);
    std::vector<double> wy(n);
    for (int64_t i = 0; i < n; ++i) wy[i] = w[perm[i]];
    auto sym = new_args(), alt = new_args();
    set_mat(sym.get(), "xs", x);
    set_mat(sym.get(), "xt", x);
    set_vec(sym.get(), "a", w);
    set_vec(sym.get(), "b", w);
    set_mat(alt.get(), "xs", x);
    set_mat(alt.get(), "xt", y);
    set_vec(alt.get(), "a", w);
    set_vec(alt.get(), "b", wy);
    for (auto *args : {sym.get(), alt.get()}) {
        REQUIRE(geomrt_args_set_param_f64(args, "reg", 0.05) == GEOMRT_OK);
        REQUIRE(geomrt_args_set_param_f64(args, "tol", 1e-11) == GEOMRT_OK);
    }
    auto rs = invoke(rt.get(), "ot.sinkhorn", sym.get());
    auto ra = invoke(rt.get(), "ot.sinkhorn", alt.get());
    CHECK(scalar(rs.get(), "cost") == Approx(scalar(ra.get(), "cost")).epsilon(1e-9));
    CHECK(scalar(rs.get(), "entropic_cost") == Approx(scalar(ra.get(), "entropic_cost")).epsilon(1e-9));
    const auto Ps = dense(rs.get(), "plan", n * n), Pa = dense(ra.get(), "plan", n * n);
    double diff = 0;
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j) diff += std::fabs(Ps[i * n + perm[j]] - Pa[i * n + j]);
    CHECK(diff <= 1e-9);
    // Potentials are unique up to a constant shift (f + c, g - c): compare differences.
    const auto fs = vec(rs.get(), "f"), fa = vec(ra.get(), "f");
    for (int64_t i = 1; i < n; ++i) CHECK(fs[i] - fs[0] == Approx(fa[i] - fa[0]).margin(1e-9));
}
