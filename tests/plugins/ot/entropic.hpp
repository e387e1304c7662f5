// Helpers shared by the tests of the entropic OT methods (inputs a, b, M or xs/xt, parameter reg):
// building a problem, and the bad inputs each method must reject with a clear error code and
// message, leaving the caller's arrays untouched.
#ifndef GEOMRT_TESTS_OT_ENTROPIC_HPP
#define GEOMRT_TESTS_OT_ENTROPIC_HPP

#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "../../common.hpp"

namespace gt {

/// Arguments M, a, b and reg. The args borrow M, a and b: they must outlive the call.
inline Args problem(const Mat &M, const std::vector<double> &a, const std::vector<double> &b, double reg) {
    auto args = new_args();
    set_mat(args.get(), "M", M);
    set_vec(args.get(), "a", a);
    set_vec(args.get(), "b", b);
    REQUIRE(geomrt_args_set_param_f64(args.get(), "reg", reg) == GEOMRT_OK);
    return args;
}

/// L1 errors of the row sums of a dense n x m plan against a, and of its column sums against b.
inline double row_l1_error(const std::vector<double> &P, int64_t n, int64_t m, const std::vector<double> &a) {
    double err = 0;
    for (int64_t i = 0; i < n; ++i) {
        double s = 0;
        for (int64_t j = 0; j < m; ++j) s += P[i * m + j];
        err += std::fabs(s - a[i]);
    }
    return err;
}
inline double col_l1_error(const std::vector<double> &P, int64_t n, int64_t m, const std::vector<double> &b) {
    double err = 0;
    for (int64_t j = 0; j < m; ++j) {
        double s = 0;
        for (int64_t i = 0; i < n; ++i) s += P[i * m + j];
        err += std::fabs(s - b[j]);
    }
    return err;
}
inline double l1_marginal_error(const std::vector<double> &P, int64_t n, int64_t m, const std::vector<double> &a,
                                const std::vector<double> &b) {
    return row_l1_error(P, n, m, a) + col_l1_error(P, n, m, b);
}

inline void check_bad_entropic_inputs(geomrt_runtime *rt, const char *method) {
    INFO("method " << method);
    std::mt19937_64 g(8);
    Mat M = sqdist(uniform_points(g, 30, 2), uniform_points(g, 30, 2));
    const auto a = random_weights(g, 30), b = random_weights(g, 30);
    const Mat M0 = M;
    const std::vector<double> a0 = a, b0 = b;
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
    auto negative = problem(M, neg, b, 0.1);
    CHECK(invoke_fails(rt, method, negative.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("negative") != std::string::npos);
    std::vector<double> half = b;
    for (double &v : half) v *= 0.5;
    auto unequal = problem(M, a, half, 0.1);
    CHECK(invoke_fails(rt, method, unequal.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("total masses") != std::string::npos);
    Mat Mn = M;
    Mn(0, 0) = std::numeric_limits<double>::quiet_NaN();
    auto nan_cost = problem(Mn, a, b, 0.1);
    CHECK(invoke_fails(rt, method, nan_cost.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("input 'M' has a NaN at (0, 0)") != std::string::npos);
    std::vector<double> an = a;
    an[3] = std::numeric_limits<double>::infinity();
    auto inf_weight = problem(M, an, b, 0.1);
    CHECK(invoke_fails(rt, method, inf_weight.get()) == GEOMRT_EINVAL);
    const std::vector<double> b29(29, 1.0 / 29);
    auto short_b = problem(M, a, b29, 0.1);
    CHECK(invoke_fails(rt, method, short_b.get()) == GEOMRT_ESHAPE);
    auto both = problem(M, a, b, 0.1);
    set_mat(both.get(), "xs", M);
    CHECK(invoke_fails(rt, method, both.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("not both") != std::string::npos);
    const std::vector<double> zeros(30, 0.0);
    auto no_mass = problem(M, zeros, zeros, 0.1);
    CHECK(invoke_fails(rt, method, no_mass.get()) == GEOMRT_EINVAL);
    CHECK(M.v == M0.v);
    CHECK(a == a0);
    CHECK(b == b0);
}

}  // namespace gt

#endif
