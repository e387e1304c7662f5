// softmax.safe_step: the controller's closed form, its edge cases and its bad input.
#include "softmax_helpers.hpp"

using namespace gt;
using namespace st;

namespace {

struct Step {
    double r, lr_eff, r_eff, limited;
};

Step safe_step(geomrt_runtime *rt, double rho, double lr, double p, double safety = -1) {
    auto args = new_args();
    REQUIRE(geomrt_args_set_param_f64(args.get(), "rho", rho) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_f64(args.get(), "lr", lr) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_f64(args.get(), "step_norm", p) == GEOMRT_OK);
    if (safety >= 0) REQUIRE(geomrt_args_set_param_f64(args.get(), "safety", safety) == GEOMRT_OK);
    auto r = invoke(rt, "softmax.safe_step", args.get());
    return {scalar(r.get(), "r"), scalar(r.get(), "lr_eff"), scalar(r.get(), "r_eff"), scalar(r.get(), "limited")};
}

}  // namespace

TEST_CASE("softmax.safe_step keeps steps inside the radius and shortens longer ones to it", "[softmax][safe_step]") {
    auto rt = plugins_runtime();
    // Inside: r = 0.1 * 5 / 2 = 0.25, nothing changes.
    Step s = safe_step(rt.get(), 2.0, 0.1, 5.0);
    CHECK(s.r == Approx(0.25).epsilon(1e-16));
    CHECK(s.lr_eff == 0.1);
    CHECK(s.r_eff == Approx(0.25).epsilon(1e-16));
    CHECK(s.limited == 0);
    // Outside: r = 10 * 5 / 2 = 25; lr_eff = rho / |p| = 0.4 and the step taken is the radius.
    s = safe_step(rt.get(), 2.0, 10.0, 5.0);
    CHECK(s.r == Approx(25.0).epsilon(1e-16));
    CHECK(s.lr_eff == Approx(0.4).epsilon(1e-16));
    CHECK(s.r_eff == Approx(1.0).epsilon(1e-15));
    CHECK(s.limited == 1);
    // A safety factor leaves a margin: r_eff = safety.
    s = safe_step(rt.get(), 2.0, 10.0, 5.0, 0.5);
    CHECK(s.lr_eff == Approx(0.2).epsilon(1e-16));
    CHECK(s.r_eff == Approx(0.5).epsilon(1e-15));
    // Exactly on the radius: not limited.
    s = safe_step(rt.get(), 2.0, 0.4, 5.0);
    CHECK(s.limited == 0);
    CHECK(s.lr_eff == 0.4);
    // The lrspike rule of the paper's experiment: lr_eff = rho / |p| if lr |p| > rho else lr, for many values.
    for (double rho : {1e-3, 0.3, 7.0})
        for (double lr : {1e-4, 1e-2, 1.0, 30.0})
            for (double p : {0.01, 1.0, 50.0}) {
                s = safe_step(rt.get(), rho, lr, p);
                const double expect = lr * p > rho ? rho / p : lr;
                CHECK(s.lr_eff == Approx(expect).epsilon(1e-15));
                CHECK(s.r_eff <= 1.0 + 1e-15);
                CHECK(s.r == Approx(lr * p / rho).epsilon(1e-15));
            }
}

TEST_CASE("softmax.safe_step edge cases give numbers, never NaN", "[softmax][safe_step][zero]") {
    auto rt = plugins_runtime();
    // Infinite radius (zero spread): no limit.
    Step s = safe_step(rt.get(), kInf, 3.0, 2.0);
    CHECK(s.r == 0.0);
    CHECK(s.lr_eff == 3.0);
    CHECK(s.r_eff == 0.0);
    CHECK(s.limited == 0);
    // Zero step direction: r = 0 whatever the radius, also for rho = 0 and rho = inf.
    for (double rho : {0.0, 1.0, kInf}) {
        s = safe_step(rt.get(), rho, 3.0, 0.0);
        CHECK(s.r == 0.0);
        CHECK(s.lr_eff == 3.0);
        CHECK(s.r_eff == 0.0);
    }
    // Zero learning rate.
    s = safe_step(rt.get(), 0.0, 0.0, 2.0);
    CHECK(s.r == 0.0);
    CHECK(s.lr_eff == 0.0);
    CHECK(s.r_eff == 0.0);
    CHECK(s.limited == 0);
    // Zero radius forbids a nonzero step.
    s = safe_step(rt.get(), 0.0, 0.5, 2.0);
    CHECK(s.r == kInf);
    CHECK(s.lr_eff == 0.0);
    CHECK(s.r_eff == 0.0);
    CHECK(s.limited == 1);
}

TEST_CASE("softmax.safe_step rejects bad parameters with clear errors", "[softmax][safe_step][bad]") {
    auto rt = plugins_runtime();
    struct Case {
        double rho, lr, p, safety;
        const char *param, *word;
    };
    const double nan = std::nan("");
    const Case cases[] = {
        {1, -0.1, 1, 1, "'lr'", ">= 0"},          {1, 0.1, -2, 1, "'step_norm'", ">= 0"},
        {-1, 0.1, 1, 1, "'rho'", ">= 0"},         {nan, 0.1, 1, 1, "'rho'", "NaN"},
        {1, nan, 1, 1, "'lr'", "NaN"},            {1, 0.1, nan, 1, "'step_norm'", "NaN"},
        {1, kInf, 1, 1, "'lr'", "finite"},        {1, 0.1, kInf, 1, "'step_norm'", "finite"},
        {1, 0.1, 1, 0, "'safety'", "> 0"},        {1, 0.1, 1, -1, "'safety'", "> 0"},
        {-kInf, 0.1, 1, 1, "'rho'", ">= 0"},
    };
    for (const auto &c : cases) {
        auto args = new_args();
        REQUIRE(geomrt_args_set_param_f64(args.get(), "rho", c.rho) == GEOMRT_OK);
        REQUIRE(geomrt_args_set_param_f64(args.get(), "lr", c.lr) == GEOMRT_OK);
        REQUIRE(geomrt_args_set_param_f64(args.get(), "step_norm", c.p) == GEOMRT_OK);
        REQUIRE(geomrt_args_set_param_f64(args.get(), "safety", c.safety) == GEOMRT_OK);
        std::string msg;
        CHECK(invoke_fails(rt.get(), "softmax.safe_step", args.get(), &msg) == GEOMRT_EINVAL);
        INFO(msg);
        CHECK(msg.find("softmax.safe_step") != std::string::npos);
        CHECK(msg.find(c.param) != std::string::npos);
        CHECK(msg.find(c.word) != std::string::npos);
    }
    // Missing required parameters name themselves.
    auto args = new_args();
    REQUIRE(geomrt_args_set_param_f64(args.get(), "rho", 1.0) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_f64(args.get(), "lr", 1.0) == GEOMRT_OK);
    std::string msg;
    CHECK(invoke_fails(rt.get(), "softmax.safe_step", args.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("'step_norm'") != std::string::npos);
}

TEST_CASE("softmax.radius then softmax.safe_step: the step taken never leaves the radius", "[softmax][safe_step]") {
    auto rt = plugins_runtime();
    std::mt19937_64 g(21);
    std::normal_distribution<double> nd;
    const int64_t B = 16, K = 10;
    std::vector<double> z(B * K), a(B * K);
    for (auto &v : z) v = 2 * nd(g);
    for (auto &v : a) v = nd(g);
    auto args = new_args();
    set_f64(args.get(), "logits", z, B, K);
    set_f64(args.get(), "jvp", a, B, K);
    auto r = invoke(rt.get(), "softmax.radius", args.get());
    const double rho = scalar(r.get(), "rho_batch");
    for (double lr : {1e-3, 1e-1, 1e1, 1e3}) {
        const Step s = safe_step(rt.get(), rho, lr, 4.0);
        CHECK(s.lr_eff * 4.0 <= rho * (1 + 1e-15));
        CHECK(s.r_eff <= 1 + 1e-15);
        CHECK(s.limited == (lr * 4.0 > rho ? 1 : 0));
    }
}
