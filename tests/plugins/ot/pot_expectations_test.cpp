// What POT users expect of the OT methods (issue 8, section 3), against the values POT 0.8.2
// computes (tests/data/make_pot_expectations.py -> pot_expectations.txt): +inf costs as forbidden
// pairs, float32-normalized masses, batched targets, POT's test_sinkhorn_stabilization problem,
// POT's Gaussian parameter names, the dense exact plan and the 1-D plan.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "reference.hpp"

using namespace gt;

namespace {

const double kInf = std::numeric_limits<double>::infinity();

void set_problem(geomrt_args *a, const ExpectCase &c, const Mat &M) {
    set_mat(a, "M", M);
    set_vec(a, "a", c.arrays.at("a"));
    set_vec(a, "b", c.arrays.at("b"));
}

/// b given as an m x k matrix (row-major).
void set_batch(geomrt_args *a, const std::vector<double> &B, int64_t m, int64_t k) {
    int64_t shape[2] = {m, k};
    REQUIRE(geomrt_args_set_f64(a, "b", B.data(), 2, shape) == GEOMRT_OK);
}

void set_param(geomrt_args *a, const char *name, const std::string &v) {
    REQUIRE(geomrt_args_set_param_string(a, name, v.c_str()) == GEOMRT_OK);
}

/// The squared-distance cost of POT's ot.utils.dist0(n): (i - j)^2.
Mat grid_cost(int64_t n) {
    Mat M(n, n);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j) M(i, j) = static_cast<double>((i - j) * (i - j));
    return M;
}

void check_plan(const std::vector<double> &P, const std::vector<double> &ref, const Mat &M, double tol) {
    REQUIRE(P.size() == ref.size());
    for (size_t k = 0; k < P.size(); ++k) {
        INFO("entry " << k);
        CHECK(P[k] == Approx(ref[k]).margin(tol));
        if (M.v[k] == kInf) CHECK(P[k] == 0.0);  // exactly nothing on a forbidden pair
    }
}

std::string fails_with(geomrt_runtime *rt, const char *method, geomrt_args *a, int code) {
    std::string msg;
    CHECK(invoke_fails(rt, method, a, &msg) == code);
    CHECK(msg.rfind(method, 0) == 0);
    return msg;
}

}  // namespace

TEST_CASE("+inf in M forbids a pair: ot.emd matches POT's plan on the allowed pairs", "[ot][pot][forbidden]") {
    auto rt = ot_runtime();
    for (const char *name : {"forbidden_small", "forbidden_medium"}) {
        INFO(name);
        const ExpectCase c = load_expectation("ot.emd", name);
        const Mat M = c.mat("M", c.n, c.m);
        auto a = new_args();
        set_problem(a.get(), c, M);
        set_param(a.get(), "dense_plan", "true");
        auto r = invoke(rt.get(), "ot.emd", a.get());
        CHECK(scalar(r.get(), "cost") == Approx(c.value).epsilon(1e-12));
        const auto P = dense(r.get(), "plan", c.n * c.m);
        check_plan(P, c.arrays.at("plan"), M, 1e-14);
        CHECK(vec(r.get(), "plan_dense") == P);  // the dense output is the sparse plan, entry for entry
        // Dual feasibility holds on the allowed pairs (forbidden ones constrain nothing).
        const auto al = vec(r.get(), "alpha"), be = vec(r.get(), "beta");
        for (int64_t i = 0; i < c.n; ++i)
            for (int64_t j = 0; j < c.m; ++j)
                if (M(i, j) != kInf) CHECK(al[i] + be[j] <= M(i, j) + 1e-12);
    }
}

TEST_CASE("+inf in M forbids a pair: ot.sinkhorn and SNS match POT's Sinkhorn", "[ot][pot][forbidden]") {
    auto rt = ot_runtime();
    for (const char *name : {"forbidden_small", "forbidden_medium"}) {
        const ExpectCase c = load_expectation("ot.sinkhorn", name);
        const Mat M = c.mat("M", c.n, c.m);
        for (const char *method : {"ot.sinkhorn", "ot.sinkhorn_newton_sparse"}) {
            for (const char *precision : {"float64", "float32"}) {
                if (std::string(method) != "ot.sinkhorn" && std::string(precision) != "float64") continue;
                INFO(name << " " << method << " " << precision);
                auto a = new_args();
                set_problem(a.get(), c, M);
                REQUIRE(geomrt_args_set_param_f64(a.get(), "reg", c.param) == GEOMRT_OK);
                if (std::string(method) == "ot.sinkhorn") set_param(a.get(), "precision", precision);
                auto r = invoke(rt.get(), method, a.get());
                const bool f32 = std::string(precision) == "float32";
                CHECK(scalar(r.get(), "cost") == Approx(c.value).epsilon(f32 ? 1e-6 : 1e-9));
                check_plan(dense(r.get(), "plan", c.n * c.m), c.arrays.at("plan"), M, f32 ? 1e-7 : 1e-10);
                CHECK(std::isfinite(scalar(r.get(), "entropic_cost")));
            }
        }
    }
}

TEST_CASE("infeasible problems with forbidden pairs, NaN and -inf in M are clear errors", "[ot][pot][forbidden][errors]") {
    auto rt = ot_runtime();
    const ExpectCase c = load_expectation("ot.emd", "forbidden_small");
    const Mat M = c.mat("M", c.n, c.m);
    const Mat M0 = M;
    Mat row = M, col = M, hall = M, nan = M, minus = M;
    for (int64_t j = 0; j < c.m; ++j) row(2, j) = kInf;
    for (int64_t i = 0; i < c.n; ++i) col(i, 4) = kInf;
    // Sources 0 and 1 may only go to target 0, which holds less mass than they do (Hall's condition).
    for (int64_t i = 0; i < 2; ++i) {
        hall(i, 0) = 1.0;
        for (int64_t j = 1; j < c.m; ++j) hall(i, j) = kInf;
    }
    for (int64_t i = 2; i < c.n; ++i) hall(i, 0) = kInf;
    REQUIRE(c.arrays.at("a")[0] + c.arrays.at("a")[1] > c.arrays.at("b")[0]);
    nan(1, 1) = std::numeric_limits<double>::quiet_NaN();
    minus(3, 2) = -kInf;
    struct Case {
        const Mat *M;
        int code;
        std::string part;
    };
    const std::vector<Case> cases = {
        {&row, GEOMRT_EINVAL, "infeasible problem: source 2 has mass a[2] > 0 but row 2 of 'M' is +inf"},
        {&col, GEOMRT_EINVAL, "infeasible problem: target 4 has mass in 'b' but column 4 of 'M' is +inf"},
        {&hall, GEOMRT_EINVAL, "infeasible problem: no transport plan from 'a' to 'b' avoids the forbidden (+inf)"},
        {&nan, GEOMRT_EINVAL, "input 'M' has a NaN at (1, 1)"},
        {&minus, GEOMRT_EINVAL, "input 'M' has -inf at (3, 2)"},
    };
    for (const char *method : {"ot.emd", "ot.sinkhorn", "ot.sinkhorn_newton_sparse"}) {
        for (const auto &k : cases) {
            INFO(method << ": " << k.part);
            auto a = new_args();
            set_problem(a.get(), c, *k.M);
            if (std::string(method) != "ot.emd") REQUIRE(geomrt_args_set_param_f64(a.get(), "reg", 0.1) == GEOMRT_OK);
            const std::string msg = fails_with(rt.get(), method, a.get(), k.code);
            CHECK(msg.find(k.part) != std::string::npos);
        }
    }
    // A row that is all +inf is fine where the source has no mass.
    std::vector<double> a2 = c.arrays.at("a");
    a2[3] += a2[2];
    a2[2] = 0;
    auto a = new_args();
    set_mat(a.get(), "M", row);
    set_vec(a.get(), "a", a2);
    set_vec(a.get(), "b", c.arrays.at("b"));
    auto r = invoke(rt.get(), "ot.emd", a.get());
    CHECK(std::isfinite(scalar(r.get(), "cost")));
    CHECK(M.v == M0.v);
}

TEST_CASE("masses normalized in float32 are accepted to a relative 1e-6, and rescaled", "[ot][pot][masses]") {
    auto rt = ot_runtime();
    const ExpectCase e = load_expectation("ot.emd", "float32_masses"), s = load_expectation("ot.sinkhorn", "float32_masses");
    const Mat M = e.mat("M", e.n, e.m);
    double sa = 0, sb = 0;
    for (double v : e.arrays.at("a")) sa += v;
    for (double v : e.arrays.at("b")) sb += v;
    REQUIRE(std::fabs(sa - sb) > 1e-9 * std::max(sa, sb));  // rejected by the former relative 1e-9
    REQUIRE(std::fabs(sa - sb) <= 1e-6 * std::max(sa, sb));
    {
        auto a = new_args();
        set_problem(a.get(), e, M);
        auto r = invoke(rt.get(), "ot.emd", a.get());
        CHECK(scalar(r.get(), "cost") == Approx(e.value).epsilon(1e-12));
        const auto P = dense(r.get(), "plan", e.n * e.m);
        for (int64_t i = 0; i < e.n; ++i) {  // rows keep a; b is rescaled to sum(a)
            double row = 0;
            for (int64_t j = 0; j < e.m; ++j) row += P[i * e.m + j];
            CHECK(row == Approx(e.arrays.at("a")[i]).margin(1e-15));
        }
    }
    for (const char *method : {"ot.sinkhorn", "ot.sinkhorn_newton_sparse"}) {
        INFO(method);
        auto a = new_args();
        set_problem(a.get(), s, M);
        REQUIRE(geomrt_args_set_param_f64(a.get(), "reg", s.param) == GEOMRT_OK);
        auto r = invoke(rt.get(), method, a.get());
        CHECK(scalar(r.get(), "cost") == Approx(s.value).epsilon(1e-9));
    }
    // Beyond the tolerance: the error, naming the rule.
    std::vector<double> far = e.arrays.at("b");
    for (double &v : far) v *= 1 + 3e-6;
    for (const char *method : {"ot.emd", "ot.sinkhorn"}) {
        auto a = new_args();
        set_mat(a.get(), "M", M);
        set_vec(a.get(), "a", e.arrays.at("a"));
        set_vec(a.get(), "b", far);
        if (std::string(method) != "ot.emd") REQUIRE(geomrt_args_set_param_f64(a.get(), "reg", 0.1) == GEOMRT_OK);
        const std::string msg = fails_with(rt.get(), method, a.get(), GEOMRT_EINVAL);
        CHECK(msg.find("the total masses of 'a' and 'b' differ") != std::string::npos);
        CHECK(msg.find("relative 1e-6") != std::string::npos);
    }
}

TEST_CASE("batched targets: b of shape m x k gives the k costs POT's emd2 and sinkhorn2 give", "[ot][pot][batched]") {
    auto rt = ot_runtime();
    const ExpectCase e = load_expectation("ot.emd", "batched"), s = load_expectation("ot.sinkhorn", "batched");
    const int64_t n = e.n, m = e.m;
    const std::vector<double> &B = e.arrays.at("b");
    const int64_t k = static_cast<int64_t>(B.size()) / m;
    REQUIRE(k == 4);
    const Mat M = e.mat("M", n, m);
    {
        auto a = new_args();
        set_mat(a.get(), "M", M);
        set_vec(a.get(), "a", e.arrays.at("a"));
        set_batch(a.get(), B, m, k);
        auto r = invoke(rt.get(), "ot.emd", a.get());
        const auto costs = vec(r.get(), "cost");
        REQUIRE(costs.size() == static_cast<size_t>(k));
        int64_t pivots = 0;
        for (int64_t t = 0; t < k; ++t) {
            CHECK(costs[t] == Approx(e.arrays.at("costs")[t]).epsilon(1e-12));
            // The same as solving column t alone.
            std::vector<double> bt(m);
            for (int64_t j = 0; j < m; ++j) bt[j] = B[j * k + t];
            auto one = new_args();
            set_mat(one.get(), "M", M);
            set_vec(one.get(), "a", e.arrays.at("a"));
            set_vec(one.get(), "b", std::move(bt));
            auto r1 = invoke(rt.get(), "ot.emd", one.get());
            CHECK(scalar(r1.get(), "cost") == costs[t]);
            double it = 0;
            REQUIRE(geomrt_result_scalar(r1.get(), "iterations", &it) == GEOMRT_OK);
            pivots += static_cast<int64_t>(it);
        }
        CHECK(scalar(r.get(), "iterations") == static_cast<double>(pivots));
        CHECK(geomrt_result_has(r.get(), "plan") == 0);
        CHECK(geomrt_result_has(r.get(), "alpha") == 0);
    }
    {
        auto a = new_args();
        set_mat(a.get(), "M", M);
        set_vec(a.get(), "a", s.arrays.at("a"));
        set_batch(a.get(), B, m, k);
        REQUIRE(geomrt_args_set_param_f64(a.get(), "reg", s.param) == GEOMRT_OK);
        auto r = invoke(rt.get(), "ot.sinkhorn", a.get());
        const auto costs = vec(r.get(), "cost"), ent = vec(r.get(), "entropic_cost");
        REQUIRE(costs.size() == static_cast<size_t>(k));
        REQUIRE(ent.size() == static_cast<size_t>(k));
        for (int64_t t = 0; t < k; ++t) {
            CHECK(costs[t] == Approx(s.arrays.at("costs")[t]).epsilon(1e-9));
            std::vector<double> bt(m);
            for (int64_t j = 0; j < m; ++j) bt[j] = B[j * k + t];
            auto one = new_args();
            set_mat(one.get(), "M", M);
            set_vec(one.get(), "a", s.arrays.at("a"));
            set_vec(one.get(), "b", std::move(bt));
            REQUIRE(geomrt_args_set_param_f64(one.get(), "reg", s.param) == GEOMRT_OK);
            auto r1 = invoke(rt.get(), "ot.sinkhorn", one.get());
            CHECK(ent[t] == Approx(scalar(r1.get(), "entropic_cost")).epsilon(1e-9));
        }
        CHECK(scalar(r.get(), "marginal_error") <= 1e-9);
        CHECK(geomrt_result_has(r.get(), "plan") == 0);
    }
}

TEST_CASE("batched targets reject bad shapes and options with clear errors", "[ot][pot][batched][errors]") {
    auto rt = ot_runtime();
    const ExpectCase e = load_expectation("ot.emd", "batched");
    const int64_t n = e.n, m = e.m, k = 4;
    const Mat M = e.mat("M", n, m);
    const std::vector<double> &B = e.arrays.at("b");
    const std::vector<double> B0 = B;
    auto base = [&](const char *method) {
        auto a = new_args();
        set_mat(a.get(), "M", M);
        set_vec(a.get(), "a", e.arrays.at("a"));
        if (std::string(method) != "ot.emd") REQUIRE(geomrt_args_set_param_f64(a.get(), "reg", 0.1) == GEOMRT_OK);
        return a;
    };
    for (const char *method : {"ot.emd", "ot.sinkhorn"}) {
        INFO(method);
        {  // rows of b must be the m targets
            auto a = base(method);
            int64_t shape[2] = {k, m};
            REQUIRE(geomrt_args_set_f64(a.get(), "b", B.data(), 2, shape) == GEOMRT_OK);
            CHECK(fails_with(rt.get(), method, a.get(), GEOMRT_ESHAPE).find("input 'b' has 4 entries along axis 0 but "
                                                                            "input 'M' has 25 columns") !=
                  std::string::npos);
        }
        {  // rank 3
            auto a = base(method);
            int64_t shape[3] = {m, 2, 2};
            REQUIRE(geomrt_args_set_f64(a.get(), "b", B.data(), 3, shape) == GEOMRT_OK);
            CHECK(fails_with(rt.get(), method, a.get(), GEOMRT_ESHAPE).find("a vector (m) or a matrix (m x k)") !=
                  std::string::npos);
        }
        {  // a vector of the wrong length
            auto a = base(method);
            set_vec(a.get(), "b", std::vector<double>(m + 1, 1.0 / (m + 1)));
            CHECK(fails_with(rt.get(), method, a.get(), GEOMRT_ESHAPE).find("input 'b' has 26 entries") !=
                  std::string::npos);
        }
        {  // one column with another total mass
            static std::vector<double> Bm;
            Bm = B;
            for (int64_t j = 0; j < m; ++j) Bm[j * k + 2] *= 1.5;
            auto a = base(method);
            set_batch(a.get(), Bm, m, k);
            CHECK(fails_with(rt.get(), method, a.get(), GEOMRT_EINVAL)
                      .find("the total masses of 'a' and column 2 of 'b' differ") != std::string::npos);
        }
        {  // a column with no mass
            static std::vector<double> Bz;
            Bz = B;
            for (int64_t j = 0; j < m; ++j) Bz[j * k + 3] = 0;
            auto a = base(method);
            set_batch(a.get(), Bz, m, k);
            CHECK(fails_with(rt.get(), method, a.get(), GEOMRT_EINVAL).find("column 3 of 'b' sum to 0") !=
                  std::string::npos);
        }
        {  // a negative entry (checked by the host whatever the rank)
            static std::vector<double> Bn;
            Bn = B;
            Bn[5] = -Bn[5];
            auto a = base(method);
            set_batch(a.get(), Bn, m, k);
            CHECK(fails_with(rt.get(), method, a.get(), GEOMRT_EINVAL).find("negative") != std::string::npos);
        }
        {  // an empty batch
            auto a = base(method);
            int64_t shape[2] = {m, 0};
            REQUIRE(geomrt_args_set_f64(a.get(), "b", B.data(), 2, shape) == GEOMRT_OK);
            CHECK(fails_with(rt.get(), method, a.get(), GEOMRT_ESHAPE).find("empty") != std::string::npos);
        }
    }
    {
        auto a = base("ot.emd");
        set_batch(a.get(), B, m, k);
        set_param(a.get(), "dense_plan", "true");
        CHECK(fails_with(rt.get(), "ot.emd", a.get(), GEOMRT_EINVAL).find("dense_plan=true needs a single") !=
              std::string::npos);
    }
    {
        auto a = base("ot.sinkhorn");
        set_batch(a.get(), B, m, k);
        set_param(a.get(), "precision", "float32");
        CHECK(fails_with(rt.get(), "ot.sinkhorn", a.get(), GEOMRT_EINVAL).find("precision=float64 only") !=
              std::string::npos);
    }
    {  // a forbidden pattern infeasible for one column only names that column
        static Mat Mi;
        Mi = M;
        static std::vector<double> Bc;
        Bc = B;
        for (int64_t i = 0; i < n; ++i) Mi(i, 3) = kInf;  // target 3 unreachable ...
        REQUIRE(B[3 * k + 1] == 0.0);                      // ... and without mass in column 1 only
        auto a = base("ot.sinkhorn");
        set_mat(a.get(), "M", Mi);  // replaces M
        set_batch(a.get(), Bc, m, k);
        CHECK(fails_with(rt.get(), "ot.sinkhorn", a.get(), GEOMRT_EINVAL)
                  .find("target 3 has mass in column 0 of 'b' but column 3 of 'M' is +inf") != std::string::npos);
    }
    CHECK(B == B0);
}

TEST_CASE("POT's test_sinkhorn_stabilization problem: converged where documented, a clear error below",
          "[ot][pot][stabilization]") {
    auto rt = ot_runtime();
    const Mat M = grid_cost(100);
    for (const char *name : {"stabilization_pot", "stabilization_issue"}) {
        INFO(name);
        const ExpectCase e = load_expectation("ot.emd", name), s = load_expectation("ot.sinkhorn", name);
        {
            auto a = new_args();
            set_problem(a.get(), e, M);
            auto r = invoke(rt.get(), "ot.emd", a.get());
            CHECK(scalar(r.get(), "cost") == Approx(e.value).epsilon(1e-12));
        }
        {  // reg = 1e-4 x max C: converged, POT's converged log-domain Sinkhorn value
            auto a = new_args();
            set_problem(a.get(), s, M);
            REQUIRE(geomrt_args_set_param_f64(a.get(), "reg", s.param) == GEOMRT_OK);
            auto r = invoke(rt.get(), "ot.sinkhorn", a.get());
            CHECK(scalar(r.get(), "cost") == Approx(s.value).epsilon(1e-8));
            CHECK(scalar(r.get(), "marginal_error") <= 1e-9);
        }
    }
    {  // issue 8's problem (means 20 and 60) converges at reg = 1e-5 (1e-9 x max C) to the exact cost
        const ExpectCase e = load_expectation("ot.emd", "stabilization_issue");
        auto a = new_args();
        set_problem(a.get(), e, M);
        REQUIRE(geomrt_args_set_param_f64(a.get(), "reg", 1e-5) == GEOMRT_OK);
        auto r = invoke(rt.get(), "ot.sinkhorn", a.get());
        CHECK(scalar(r.get(), "cost") == Approx(e.value).epsilon(1e-9));
    }
    {  // POT's own problem at reg = 1e-5 stalls: the error says why and what to use
        const ExpectCase e = load_expectation("ot.emd", "stabilization_pot");
        auto a = new_args();
        set_problem(a.get(), e, M);
        REQUIRE(geomrt_args_set_param_f64(a.get(), "reg", 1e-5) == GEOMRT_OK);
        set_param(a.get(), "max_iter", "3000");
        const std::string msg = fails_with(rt.get(), "ot.sinkhorn", a.get(), GEOMRT_ENOCONVERGE);
        CHECK(msg.find("reg = 1e-05 is 1e-09 x the cost range (9801)") != std::string::npos);
        CHECK(msg.find("use ot.emd") != std::string::npos);
    }
}

TEST_CASE("ot.gaussian_w2 takes POT's names ms, Cs, mt, Ct as well as m1, S1, m2, S2", "[ot][pot][gaussian]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(8);
    const int64_t d = 4;
    auto spd = [&]() {
        Mat A = uniform_points(g, d, d), S(d, d);
        for (int64_t i = 0; i < d; ++i)
            for (int64_t j = 0; j < d; ++j) {
                double s = i == j ? 0.5 : 0.0;
                for (int64_t k = 0; k < d; ++k) s += A(i, k) * A(j, k);
                S(i, j) = s;
            }
        return S;
    };
    const Mat S1 = spd(), S2 = spd();
    const Mat mu = uniform_points(g, 2, d);
    const std::vector<double> m1(mu.v.begin(), mu.v.begin() + d), m2(mu.v.begin() + d, mu.v.end());
    auto run = [&](const char *a1, const char *b1, const char *a2, const char *b2) {
        auto a = new_args();
        set_vec(a.get(), a1, m1);
        set_mat(a.get(), b1, S1);
        set_vec(a.get(), a2, m2);
        set_mat(a.get(), b2, S2);
        auto r = invoke(rt.get(), "ot.gaussian_w2", a.get());
        std::vector<double> out = {scalar(r.get(), "cost"), scalar(r.get(), "cost_sq"), scalar(r.get(), "bures_sq")};
        for (double v : vec(r.get(), "A")) out.push_back(v);
        for (double v : vec(r.get(), "b")) out.push_back(v);
        return out;
    };
    const auto ours = run("m1", "S1", "m2", "S2");
    CHECK(run("ms", "Cs", "mt", "Ct") == ours);  // identical, bit for bit
    CHECK(run("m1", "Cs", "mt", "S2") == ours);  // each pair independently
    CHECK(ours[0] > 0);
    {
        auto a = new_args();
        set_vec(a.get(), "m1", m1);
        set_vec(a.get(), "ms", m1);
        set_mat(a.get(), "S1", S1);
        set_vec(a.get(), "m2", m2);
        set_mat(a.get(), "S2", S2);
        CHECK(fails_with(rt.get(), "ot.gaussian_w2", a.get(), GEOMRT_EINVAL)
                  .find("inputs 'm1' and 'ms' are the same input") != std::string::npos);
    }
    {
        auto a = new_args();
        set_vec(a.get(), "ms", m1);
        set_mat(a.get(), "Cs", S1);
        set_vec(a.get(), "mt", m2);
        CHECK(fails_with(rt.get(), "ot.gaussian_w2", a.get(), GEOMRT_EINVAL)
                  .find("missing input 'S2' (or its POT name 'Ct')") != std::string::npos);
    }
    {  // dimensions tie across the spellings
        auto a = new_args();
        set_vec(a.get(), "ms", m1);
        set_mat(a.get(), "Cs", S1);
        set_vec(a.get(), "mt", std::vector<double>(d + 1, 0.0));
        set_mat(a.get(), "S2", S2);
        CHECK(fails_with(rt.get(), "ot.gaussian_w2", a.get(), GEOMRT_ESHAPE).find("dimension 'd'") != std::string::npos);
    }
    {  // the messages name the input as given
        static Mat bad;
        bad = S1;
        bad(0, 1) += 1.0;
        auto a = new_args();
        set_vec(a.get(), "ms", m1);
        set_mat(a.get(), "Cs", bad);
        set_vec(a.get(), "mt", m2);
        set_mat(a.get(), "Ct", S2);
        CHECK(fails_with(rt.get(), "ot.gaussian_w2", a.get(), GEOMRT_EINVAL).find("input 'Cs'") != std::string::npos);
    }
}

TEST_CASE("ot.wasserstein_1d returns POT's emd_1d plan (sparse, at most n + m - 1 entries)", "[ot][pot][w1d]") {
    auto rt = ot_runtime();
    for (const char *name : {"plan_small", "plan_medium"}) {
        INFO(name);
        const ExpectCase c = load_expectation("ot.wasserstein_1d", name);
        auto a = new_args();
        set_vec(a.get(), "xs", c.arrays.at("xs"));
        set_vec(a.get(), "xt", c.arrays.at("xt"));
        set_vec(a.get(), "a", c.arrays.at("a"));
        set_vec(a.get(), "b", c.arrays.at("b"));
        REQUIRE(geomrt_args_set_param_f64(a.get(), "p", 2.0) == GEOMRT_OK);
        {
            auto r = invoke(rt.get(), "ot.wasserstein_1d", a.get());
            CHECK(geomrt_result_has(r.get(), "plan") == 0);  // only when asked for
        }
        set_param(a.get(), "return_plan", "true");
        auto r = invoke(rt.get(), "ot.wasserstein_1d", a.get());
        CHECK(scalar(r.get(), "cost_p") == Approx(c.value).epsilon(1e-12));
        geomrt_sparse_view sv;
        REQUIRE(geomrt_result_sparse(r.get(), "plan", &sv) == GEOMRT_OK);
        CHECK(sv.rows == c.n);
        CHECK(sv.cols == c.m);
        CHECK(sv.nnz <= c.n + c.m - 1);
        const auto P = dense(r.get(), "plan", c.n * c.m);
        const auto &ref = c.arrays.at("plan");
        for (size_t k = 0; k < P.size(); ++k) CHECK(P[k] == Approx(ref[k]).margin(1e-15));
        // cost_p = <P, |x - y|^2>
        double s = 0;
        for (int64_t i = 0; i < c.n; ++i)
            for (int64_t j = 0; j < c.m; ++j) {
                const double dx = c.arrays.at("xs")[i] - c.arrays.at("xt")[j];
                s += P[i * c.m + j] * dx * dx;
            }
        CHECK(s == Approx(c.value).epsilon(1e-12));
    }
}
