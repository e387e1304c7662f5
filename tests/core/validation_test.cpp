// The host checks inputs and parameters against the descriptor before a method runs.
#include <cmath>
#include <limits>

#include "../common.hpp"

using namespace gt;

namespace {
Runtime test_rt() { return runtime_with({GEOMRT_TEST_GOOD_DIR}); }
}  // namespace

TEST_CASE("unknown methods, inputs and parameters are errors that list the valid names", "[validation]") {
    auto rt = test_rt();
    auto a = new_args();
    std::string msg;
    CHECK(invoke_fails(rt.get(), "test.nope", a.get(), &msg) == GEOMRT_ENOTFOUND);
    CHECK(msg.find("no method named 'test.nope'") != std::string::npos);
    Mat x(2, 2);
    set_mat(a.get(), "x", x);
    set_mat(a.get(), "z", x);
    CHECK(invoke_fails(rt.get(), "test.echo", a.get(), &msg) == GEOMRT_ENOTFOUND);
    CHECK(msg == "test.echo: unknown input 'z'; inputs are: x, w");
    geomrt_args_clear(a.get());
    set_mat(a.get(), "x", x);
    REQUIRE(geomrt_args_set_param_f64(a.get(), "scal", 2.0) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.echo", a.get(), &msg) == GEOMRT_ENOTFOUND);
    CHECK(msg == "test.echo: unknown parameter 'scal'; parameters are: scale");
}

TEST_CASE("missing inputs, wrong dtype, wrong rank and untied dimensions are rejected", "[validation]") {
    auto rt = test_rt();
    auto a = new_args();
    std::string msg;
    CHECK(invoke_fails(rt.get(), "test.echo", a.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("missing required input 'x'") != std::string::npos);
    float xf[4] = {1, 2, 3, 4};
    int64_t s22[2] = {2, 2};
    REQUIRE(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F32, xf, 2, s22, nullptr) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.echo", a.get(), &msg) == GEOMRT_EDTYPE);
    CHECK(msg == "test.echo: input 'x' must be float64, got float32");
    double x[6] = {1, 2, 3, 4, 5, 6};
    int64_t s6[1] = {6};
    REQUIRE(geomrt_args_set_f64(a.get(), "x", x, 1, s6) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.echo", a.get(), &msg) == GEOMRT_ESHAPE);
    CHECK(msg.find("must have rank 2") != std::string::npos);
    int64_t s23[2] = {2, 3};
    REQUIRE(geomrt_args_set_f64(a.get(), "x", x, 2, s23) == GEOMRT_OK);
    double w[3] = {1, 1, 1};
    int64_t s3[1] = {3};
    REQUIRE(geomrt_args_set_f64(a.get(), "w", w, 1, s3) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.echo", a.get(), &msg) == GEOMRT_ESHAPE);
    CHECK(msg.find("input 'w' has 3 entries along axis 0 but input 'x' has 2") != std::string::npos);
    CHECK(msg.find("dimension 'n'") != std::string::npos);
    int64_t s2[1] = {2};
    REQUIRE(geomrt_args_set_f64(a.get(), "w", w, 1, s2) == GEOMRT_OK);
    auto r = invoke(rt.get(), "test.echo", a.get());
    CHECK(scalar(r.get(), "sum") == 23.0);
}

TEST_CASE("NaN, Inf and empty inputs are rejected before the method runs", "[validation]") {
    auto rt = test_rt();
    auto a = new_args();
    std::string msg;
    int64_t s22[2] = {2, 2};
    double nanx[4] = {1, std::numeric_limits<double>::quiet_NaN(), 3, 4};
    REQUIRE(geomrt_args_set_f64(a.get(), "x", nanx, 2, s22) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.echo", a.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("non-finite value (nan) at flat index 1") != std::string::npos);
    double infx[4] = {1, 2, 3, -std::numeric_limits<double>::infinity()};
    REQUIRE(geomrt_args_set_f64(a.get(), "x", infx, 2, s22) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.echo", a.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("at flat index 3") != std::string::npos);
    int64_t s02[2] = {0, 2};
    REQUIRE(geomrt_args_set_f64(a.get(), "x", infx, 2, s02) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.echo", a.get(), &msg) == GEOMRT_ESHAPE);
    CHECK(msg.find("is empty") != std::string::npos);
}

TEST_CASE("parameters are converted, range-checked and defaulted", "[validation][params]") {
    auto rt = test_rt();
    auto a = new_args();
    std::string msg;
    CHECK(invoke_fails(rt.get(), "test.params", a.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("missing required parameter 'f'") != std::string::npos);
    REQUIRE(geomrt_args_set_param_f64(a.get(), "f", 0.25) == GEOMRT_OK);
    auto r = invoke(rt.get(), "test.params", a.get());
    CHECK(scalar(r.get(), "f") == 0.25);
    CHECK(scalar(r.get(), "i") == 7);  // default
    CHECK(scalar(r.get(), "b") == 0);
    CHECK(scalar(r.get(), "mode_len") == 4);  // "fast", ""

    REQUIRE(geomrt_args_set_param_string(a.get(), "f", "-0.5") == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_string(a.get(), "i", "42") == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_string(a.get(), "b", "true") == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_string(a.get(), "mode", "exact") == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_string(a.get(), "s", "ab") == GEOMRT_OK);
    r = invoke(rt.get(), "test.params", a.get());
    CHECK(scalar(r.get(), "f") == -0.5);
    CHECK(scalar(r.get(), "i") == 42);
    CHECK(scalar(r.get(), "b") == 1);
    CHECK(scalar(r.get(), "mode_len") == 205);

    REQUIRE(geomrt_args_set_param_i64(a.get(), "f", 1) == GEOMRT_OK);  // integer accepted for a float
    REQUIRE(geomrt_args_set_param_f64(a.get(), "i", 3.0) == GEOMRT_OK);  // integral float accepted for an int
    REQUIRE(geomrt_args_set_param_bool(a.get(), "b", 0) == GEOMRT_OK);
    r = invoke(rt.get(), "test.params", a.get());
    CHECK(scalar(r.get(), "f") == 1.0);
    CHECK(scalar(r.get(), "i") == 3);

    struct Bad {
        const char *name, *value;
        int code;
        const char *part;
    } bad[] = {
        {"f", "2", GEOMRT_EINVAL, "must be in [-1, 1], got 2"},
        {"f", "nan", GEOMRT_EINVAL, "is NaN"},
        {"f", "abc", GEOMRT_EINVAL, "'abc' is not a number"},
        {"i", "100", GEOMRT_EINVAL, "must be in [0, 100), got 100"},
        {"i", "2.5", GEOMRT_EDTYPE, "must be an integer"},
        {"b", "maybe", GEOMRT_EINVAL, "is not a boolean"},
        {"mode", "slow", GEOMRT_EINVAL, "must be one of fast|exact, got 'slow'"},
    };
    for (const auto &b : bad) {
        auto a2 = new_args();
        REQUIRE(geomrt_args_set_param_f64(a2.get(), "f", 0.0) == GEOMRT_OK);
        REQUIRE(geomrt_args_set_param_string(a2.get(), b.name, b.value) == GEOMRT_OK);
        INFO(b.name << "=" << b.value);
        CHECK(invoke_fails(rt.get(), "test.params", a2.get(), &msg) == b.code);
        CHECK_THAT(msg, Catch::Contains(b.part));
        CHECK(msg.find(std::string("parameter '") + b.name + "'") != std::string::npos);
    }
    auto a3 = new_args();
    REQUIRE(geomrt_args_set_param_bool(a3.get(), "f", 1) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.params", a3.get(), &msg) == GEOMRT_EDTYPE);
    REQUIRE(geomrt_args_set_param_f64(a3.get(), "f", 0.0) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_f64(a3.get(), "mode", 1.0) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.params", a3.get(), &msg) == GEOMRT_EDTYPE);
}

TEST_CASE("column-major input is copied to row-major for methods that need contiguous data", "[validation][strides]") {
    auto rt = test_rt();
    auto a = new_args();
    // The 2x3 matrix [[1,2,3],[4,5,6]] stored column-major, as R stores it.
    double colmajor[6] = {1, 4, 2, 5, 3, 6};
    int64_t shape[2] = {2, 3}, strides[2] = {1, 2};
    REQUIRE(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, colmajor, 2, shape, strides) == GEOMRT_OK);
    auto r = invoke(rt.get(), "test.echo", a.get());
    CHECK(vec(r.get(), "y") == std::vector<double>{1, 2, 3, 4, 5, 6});
    // A method declaring GEOMRT_IO_STRIDED receives the caller's strides without a copy.
    auto r2 = invoke(rt.get(), "test.strided", a.get());
    geomrt_tensor_view t;
    REQUIRE(geomrt_result_tensor(r2.get(), "strides", &t) == GEOMRT_OK);
    CHECK(static_cast<const int64_t *>(t.data)[0] == 1);
    CHECK(static_cast<const int64_t *>(t.data)[1] == 2);
    CHECK(scalar(r2.get(), "weighted") == 0 * 1 + 1 * 2 + 2 * 3 + 3 * 4 + 4 * 5 + 5 * 6);
    double out[6];
    REQUIRE(geomrt_result_copy_f64(r2.get(), "strides", out, 6) == GEOMRT_OK);
    CHECK(out[1] == 2.0);
}

TEST_CASE("in-place state is written on success and untouched on failure", "[validation][inplace]") {
    auto rt = test_rt();
    auto a = new_args();
    double state[3] = {1, 2, 3};
    int64_t shape[1] = {3};
    std::string msg;
    REQUIRE(geomrt_args_set_f64(a.get(), "state", state, 1, shape) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.accumulate", a.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("geomrt_args_set_inplace") != std::string::npos);
    REQUIRE(geomrt_args_set_inplace(a.get(), "state", GEOMRT_DTYPE_F64, state, 1, shape, nullptr) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_f64(a.get(), "delta", 0.5) == GEOMRT_OK);
    auto r = invoke(rt.get(), "test.accumulate", a.get());
    CHECK(scalar(r.get(), "total") == 7.5);
    CHECK(state[0] == 1.5);
    CHECK(state[2] == 3.5);
    REQUIRE(geomrt_args_set_param_bool(a.get(), "fail", 1) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.accumulate", a.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg == "test.accumulate: asked to fail");
    CHECK(state[0] == 1.5);  // untouched
    CHECK(state[1] == 2.5);
    // strided in-place state (every other element) is updated in place
    double wide[6] = {0, 100, 1, 100, 2, 100};
    int64_t stride[1] = {2};
    REQUIRE(geomrt_args_set_inplace(a.get(), "state", GEOMRT_DTYPE_F64, wide, 1, shape, stride) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_bool(a.get(), "fail", 0) == GEOMRT_OK);
    r = invoke(rt.get(), "test.accumulate", a.get());
    CHECK(wide[0] == 0.5);
    CHECK(wide[1] == 100);
    CHECK(wide[4] == 2.5);
}
