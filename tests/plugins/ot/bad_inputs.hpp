// Bad-input checks shared by the entropic OT methods (inputs a, b, M or xs/xt, parameter reg):
// each must fail with a clear error code and message and leave the caller's arrays untouched.
#ifndef GEOMRT_TESTS_OT_BAD_INPUTS_HPP
#define GEOMRT_TESTS_OT_BAD_INPUTS_HPP

#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../../common.hpp"

namespace gt {

inline void check_bad_entropic_inputs(geomrt_runtime *rt, const char *method) {
    INFO("method " << method);
    std::mt19937_64 g(8);
    Mat M = sqdist(uniform_points(g, 30, 2), uniform_points(g, 30, 2));
    const auto a = random_weights(g, 30), b = random_weights(g, 30);
    const Mat M0 = M;
    const std::vector<double> a0 = a, b0 = b;
    auto problem = [&](const Mat &C, const std::vector<double> &wa, const std::vector<double> &wb) {
        auto args = new_args();
        set_mat(args.get(), "M", C);
        set_vec(args.get(), "a", wa);
        set_vec(args.get(), "b", wb);
        REQUIRE(geomrt_args_set_param_f64(args.get(), "reg", 0.1) == GEOMRT_OK);
        return args;
    };
    std::string msg;
    auto noreg = new_args();
    set_mat(noreg.get(), "M", M);
    CHECK(invoke_fails(rt, method, noreg.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("missing required parameter 'reg'") != std::string::npos);
    for (double bad : {0.0, -1.0, std::numeric_limits<double>::quiet_NaN()}) {
        INFO("reg = " << bad);
        REQUIRE(geomrt_args_set_param_f64(noreg.get(), "reg", bad) == GEOMRT_OK);
        CHECK(invoke_fails(rt, method, noreg.get(), &msg) == GEOMRT_EINVAL);
        CHECK(msg.find("reg") != std::string::npos);
    }
    std::vector<double> neg = a;
    neg[0] = -0.5;
    auto negative = problem(M, neg, b);
    CHECK(invoke_fails(rt, method, negative.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("negative") != std::string::npos);
    std::vector<double> half = b;
    for (double &v : half) v *= 0.5;
    auto unequal = problem(M, a, half);
    CHECK(invoke_fails(rt, method, unequal.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("total masses") != std::string::npos);
    Mat Mn = M;
    Mn(0, 0) = std::numeric_limits<double>::quiet_NaN();
    auto nan_cost = problem(Mn, a, b);
    CHECK(invoke_fails(rt, method, nan_cost.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("non-finite") != std::string::npos);
    std::vector<double> an = a;
    an[3] = std::numeric_limits<double>::infinity();
    auto inf_weight = problem(M, an, b);
    CHECK(invoke_fails(rt, method, inf_weight.get()) == GEOMRT_EINVAL);
    const std::vector<double> b29(29, 1.0 / 29);
    auto short_b = problem(M, a, b29);
    CHECK(invoke_fails(rt, method, short_b.get()) == GEOMRT_ESHAPE);
    auto both = problem(M, a, b);
    set_mat(both.get(), "xs", M);
    CHECK(invoke_fails(rt, method, both.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("not both") != std::string::npos);
    const std::vector<double> zeros(30, 0.0);
    auto no_mass = problem(M, zeros, zeros);
    CHECK(invoke_fails(rt, method, no_mass.get()) == GEOMRT_EINVAL);
    CHECK(M.v == M0.v);
    CHECK(a == a0);
    CHECK(b == b0);
}

}  // namespace gt

#endif
