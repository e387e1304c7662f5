// Bad input that used to crash or be silently accepted: overflowing shapes and strides,
// impossible output sizes, in-place misuse, NULL plugin paths, double loads, unbounded
// size parameters. Each case asserts the error code, a message fragment, and that the
// caller's memory is untouched.
#include <cmath>
#include <cstring>
#include <limits>
#include <set>

#include "../common.hpp"

using namespace gt;

// Huge malloc/calloc requests must come back as NULL (hence GEOMRT_ENOMEM) under ASan too,
// instead of ASan's default report-and-abort (its operator new still aborts: see below).
// Default visibility: the build hides symbols, and the sanitizer runtime must find this one.
extern "C" __attribute__((visibility("default"), used)) const char *__asan_default_options() {
    return "allocator_may_return_null=1";
}

namespace {

Runtime test_rt() { return runtime_with({GEOMRT_TEST_GOOD_DIR}); }

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

bool has(const std::string &msg, const char *fragment) {
    INFO("message: " << msg);
    return msg.find(fragment) != std::string::npos;
}

int set_fails(int rc, std::string *msg) {
    *msg = geomrt_last_error();
    CHECK(geomrt_last_error_code() == rc);
    return rc;
}

std::vector<double> invoke_echo(geomrt_runtime *rt, geomrt_args *a) {
    geomrt_result *r = nullptr;
    INFO(geomrt_last_error());
    REQUIRE(geomrt_invoke(&r, rt, "test.echo", a, nullptr) == GEOMRT_OK);
    Result res(r);
    return vec(r, "y");
}

}  // namespace

TEST_CASE("shapes whose element or byte count overflows int64 are rejected when set", "[badinput]") {
    auto a = new_args();
    double buf[4] = {1, 2, 3, 4};
    std::string msg;
    const int64_t square[2] = {3037000500, 3037000500};  // product > 2^63
    CHECK(set_fails(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, buf, 2, square, nullptr), &msg) ==
          GEOMRT_EINVAL);
    CHECK(has(msg, "geomrt_args_set_tensor: input 'x': shape (3037000500, 3037000500) is too large"));
    const int64_t tall[2] = {int64_t(1) << 61, 6};  // 2^61 x 6 overflows; x 8 bytes too
    CHECK(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, buf, 2, tall, nullptr) == GEOMRT_EINVAL);
    CHECK(has(geomrt_last_error(), "overflows int64"));
    const int64_t bytes[1] = {int64_t(1) << 61};  // count fits, bytes (x 8) do not
    CHECK(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, buf, 1, bytes, nullptr) == GEOMRT_EINVAL);
    const int64_t empty_but_huge[3] = {0, int64_t(1) << 62, 4};  // no elements, but strides would overflow
    CHECK(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, buf, 3, empty_but_huge, nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_args_set_inplace(a.get(), "x", GEOMRT_DTYPE_F64, buf, 2, square, nullptr) == GEOMRT_EINVAL);
    const int64_t neg[2] = {2, -1};
    CHECK(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, buf, 2, neg, nullptr) == GEOMRT_EINVAL);
    CHECK(has(geomrt_last_error(), "negative extent -1 along axis 1"));
    CHECK(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, buf, 33, square, nullptr) == GEOMRT_EINVAL);
    // a failed set leaves an earlier value of the name in place, and the caller's buffer as it was
    auto rt = test_rt();
    const int64_t s22[2] = {2, 2};
    REQUIRE(geomrt_args_set_f64(a.get(), "x", buf, 2, s22) == GEOMRT_OK);
    CHECK(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, buf, 2, square, nullptr) == GEOMRT_EINVAL);
    CHECK(invoke_echo(rt.get(), a.get()) == std::vector<double>{1, 2, 3, 4});
    CHECK(std::vector<double>(buf, buf + 4) == std::vector<double>{1, 2, 3, 4});
}

TEST_CASE("strides whose offset range overflows or wraps the address space are rejected", "[badinput]") {
    auto a = new_args();
    double buf[6] = {1, 2, 3, 4, 5, 6};
    std::string msg;
    const int64_t s3[1] = {3}, s23[2] = {2, 3};
    const int64_t huge[1] = {kMax};
    CHECK(set_fails(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, buf, 1, s3, huge), &msg) == GEOMRT_EINVAL);
    CHECK(has(msg, "input 'x': stride 9223372036854775807 along axis 0 with shape (3,) addresses offsets beyond"));
    const int64_t big[1] = {int64_t(1) << 61};  // 2 x 2^61 elements x 8 bytes overflows
    CHECK(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, buf, 1, s3, big) == GEOMRT_EINVAL);
    const int64_t most_negative[1] = {std::numeric_limits<int64_t>::min()};
    CHECK(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, buf, 1, s3, most_negative) == GEOMRT_EINVAL);
    const int64_t sum_overflows[2] = {int64_t(1) << 59, int64_t(1) << 59};  // each axis fits, the sum does not
    const int64_t s99[2] = {9, 9};
    CHECK(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, buf, 2, s99, sum_overflows) == GEOMRT_EINVAL);
    // negative strides from a pointer near address 0 would wrap below it
    const double *low = reinterpret_cast<const double *>(uintptr_t(64));
    const int64_t back[1] = {-100};
    CHECK(set_fails(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, low, 1, s3, back), &msg) == GEOMRT_EINVAL);
    CHECK(has(msg, "input 'x': strides address memory outside the address space"));
    // a contiguous tensor that would run past the top of the address space
    const double *top = reinterpret_cast<const double *>(std::numeric_limits<uintptr_t>::max() - 63);
    const int64_t s100[1] = {100};
    CHECK(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, top, 1, s100, nullptr) == GEOMRT_EINVAL);
    CHECK(has(geomrt_last_error(), "runs past the end of the address space"));
    // Strides of extent-1 axes never move the offset: any value is accepted, and ignored.
    auto rt = test_rt();
    const int64_t s13[2] = {1, 3}, ignored[2] = {kMax, 1};
    REQUIRE(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, buf, 2, s13, ignored) == GEOMRT_OK);
    CHECK(invoke_echo(rt.get(), a.get()) == std::vector<double>{1, 2, 3});
    // Zero strides (broadcast) are fine for a read-only input.
    const int64_t bcast[2] = {0, 1};
    REQUIRE(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, buf, 2, s23, bcast) == GEOMRT_OK);
    CHECK(invoke_echo(rt.get(), a.get()) == std::vector<double>{1, 2, 3, 1, 2, 3});
    CHECK(std::vector<double>(buf, buf + 6) == std::vector<double>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("negative strides are supported: data points at element (0, ..., 0)", "[badinput]") {
    auto rt = test_rt();
    auto a = new_args();
    double buf[6] = {1, 2, 3, 4, 5, 6};
    const int64_t s23[2] = {2, 3};
    const int64_t reversed[2] = {-3, -1};  // numpy's x[::-1, ::-1] of a 2 x 3 array
    REQUIRE(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, buf + 5, 2, s23, reversed) == GEOMRT_OK);
    CHECK(invoke_echo(rt.get(), a.get()) == std::vector<double>{6, 5, 4, 3, 2, 1});
    const int64_t cols_reversed[2] = {3, -1};  // x[:, ::-1]
    REQUIRE(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, buf + 2, 2, s23, cols_reversed) == GEOMRT_OK);
    CHECK(invoke_echo(rt.get(), a.get()) == std::vector<double>{3, 2, 1, 6, 5, 4});
    // A method reading strided data itself sees the negative strides.
    geomrt_result *r = nullptr;
    REQUIRE(geomrt_invoke(&r, rt.get(), "test.strided", a.get(), nullptr) == GEOMRT_OK);
    Result res(r);
    CHECK(dense(r, "strides", 2) == std::vector<double>{3, -1});
    // In-place state through negative strides is written back through them.
    auto b = new_args();
    double state[3] = {10, 20, 30};
    const int64_t s3[1] = {3}, back[1] = {-1};
    REQUIRE(geomrt_args_set_inplace(b.get(), "state", GEOMRT_DTYPE_F64, state + 2, 1, s3, back) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_f64(b.get(), "delta", 1.0) == GEOMRT_OK);
    geomrt_result *r2 = nullptr;
    REQUIRE(geomrt_invoke(&r2, rt.get(), "test.accumulate", b.get(), nullptr) == GEOMRT_OK);
    geomrt_result_free(r2);
    CHECK(std::vector<double>(state, state + 3) == std::vector<double>{11, 21, 31});
    CHECK(std::vector<double>(buf, buf + 6) == std::vector<double>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("sparse inputs whose size overflows are rejected when set", "[badinput]") {
    auto a = new_args();
    const int64_t indptr[2] = {0, 0};
    CHECK(geomrt_args_set_sparse(a.get(), "A", int64_t(1) << 32, int64_t(1) << 32, 0, indptr, nullptr, nullptr) ==
          GEOMRT_EINVAL);
    CHECK(has(geomrt_last_error(), "input 'A': size 4294967296 x 4294967296 with 0 entries is too large"));
    CHECK(geomrt_args_set_sparse(a.get(), "A", kMax, 1, 0, indptr, nullptr, nullptr) == GEOMRT_EINVAL);
    const double one = 1;
    CHECK(geomrt_args_set_sparse(a.get(), "A", 1, 1, kMax, indptr, indptr, &one) == GEOMRT_EINVAL);
}

TEST_CASE("outputs of impossible sizes fail with ENOMEM naming the output", "[badinput]") {
    auto rt = test_rt();
    auto a = new_args();
    std::string msg;
    auto alloc = [&](int64_t rows, int64_t cols, int64_t nnz, bool sparse) {
        geomrt_args_clear(a.get());
        REQUIRE(geomrt_args_set_param_i64(a.get(), "rows", rows) == GEOMRT_OK);
        REQUIRE(geomrt_args_set_param_i64(a.get(), "cols", cols) == GEOMRT_OK);
        REQUIRE(geomrt_args_set_param_i64(a.get(), "nnz", nnz) == GEOMRT_OK);
        REQUIRE(geomrt_args_set_param_bool(a.get(), "sparse", sparse) == GEOMRT_OK);
        geomrt_result *r = nullptr;
        const int rc = geomrt_invoke(&r, rt.get(), "test.alloc", a.get(), nullptr);
        msg = geomrt_last_error();
        CHECK((rc == GEOMRT_OK) == (r != nullptr));
        geomrt_result_free(r);
        return rc;
    };
    CHECK(alloc(3, 4, 0, false) == GEOMRT_OK);  // control
    CHECK(alloc(3037000500, 3037000500, 0, false) == GEOMRT_ENOMEM);
    CHECK(has(msg, "test.alloc: output 'y' of shape (3037000500, 3037000500) cannot be allocated: its element count "
                   "overflows int64"));
    CHECK(alloc(int64_t(1) << 61, 6, 0, false) == GEOMRT_ENOMEM);
    CHECK(alloc(int64_t(1) << 61, 2, 0, false) == GEOMRT_ENOMEM);  // 2^62 elements: the bytes overflow
    CHECK(has(msg, "its size in bytes overflows int64"));
    CHECK(alloc(int64_t(1) << 22, int64_t(1) << 22, 0, false) == GEOMRT_ENOMEM);  // 128 TiB: beyond the address space
    CHECK(has(msg, "output 'y' of shape (4194304, 4194304) cannot be allocated: out of memory"));
    CHECK(alloc(-1, 3, 0, false) == GEOMRT_EINTERNAL);  // a plugin bug, named as such
    CHECK(has(msg, "output 'y' of shape (-1, 3) has a negative extent"));
    CHECK(alloc(3, 4, 5, true) == GEOMRT_OK);
    const int64_t big = int64_t(1) << 62;
    CHECK(alloc(big, big, 0, true) == GEOMRT_ENOMEM);
    CHECK(has(msg, "test.alloc: sparse output 'S' (4611686018427387904 x 4611686018427387904, 0 entries) cannot be "
                   "allocated: its size overflows int64"));
#if !defined(__SANITIZE_ADDRESS__)  // ASan's operator new reports a failed allocation and exits instead of throwing
    CHECK(alloc(1, 1, int64_t(1) << 45, true) == GEOMRT_ENOMEM);  // 256 TiB of indices
    CHECK(has(msg, "sparse output 'S'"));
#endif
    CHECK(alloc(2, 2, big, true) == GEOMRT_ENOMEM);
    // a plugin that leaves a sparse output inconsistent fails the call (found by fuzz_args)
    CHECK(alloc(3, 0, 2, true) == GEOMRT_EINTERNAL);
    CHECK(has(msg, "test.alloc: sparse output 'S' is not a valid CSR matrix (indptr must start at 0 and end at nnz = "
                   "2): a bug in the plugin"));
    CHECK(alloc(big, 1, 0, true) == GEOMRT_ENOMEM);  // rows + 1 row pointers
}

TEST_CASE("in-place and read-only slots must be set with the matching function", "[badinput]") {
    auto rt = ot_runtime();
    auto a = new_args();
    std::string msg;
    double xs[4] = {0, 0, 1, 1}, xt[4] = {0, 1, 1, 0};
    const int64_t s22[2] = {2, 2};
    REQUIRE(geomrt_args_set_inplace(a.get(), "xs", GEOMRT_DTYPE_F64, xs, 2, s22, nullptr) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_f64(a.get(), "xt", xt, 2, s22) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "ot.emd", a.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg == "ot.emd: input 'xs' is read-only (not updated in place): pass it with geomrt_args_set_tensor, not "
                 "geomrt_args_set_inplace");
    CHECK(std::vector<double>(xs, xs + 4) == std::vector<double>{0, 0, 1, 1});
    REQUIRE(geomrt_args_set_f64(a.get(), "xs", xs, 2, s22) == GEOMRT_OK);
    geomrt_result *r = nullptr;
    CHECK(geomrt_invoke(&r, rt.get(), "ot.emd", a.get(), nullptr) == GEOMRT_OK);
    geomrt_result_free(r);

    // the converse: an in-place slot given as a plain borrowed tensor
    auto trt = test_rt();
    auto b = new_args();
    double state[2] = {5, 6};
    const int64_t s2[1] = {2};
    REQUIRE(geomrt_args_set_f64(b.get(), "state", state, 1, s2) == GEOMRT_OK);
    CHECK(invoke_fails(trt.get(), "test.accumulate", b.get(), &msg) == GEOMRT_EINVAL);
    CHECK(has(msg, "test.accumulate: input 'state' is updated in place: pass it with geomrt_args_set_inplace"));
    CHECK(std::vector<double>(state, state + 2) == std::vector<double>{5, 6});
}

TEST_CASE("a NULL entry in plugin_paths is an error, not skipped", "[badinput]") {
    const char *paths[3] = {GEOMRT_TEST_GOOD_DIR, nullptr, GEOMRT_OT_PLUGIN_DIR};
    geomrt_runtime_options o = GEOMRT_RUNTIME_OPTIONS_INIT;
    o.plugin_paths = paths;
    o.n_plugin_paths = 3;
    o.no_default_search = 1;
    geomrt_runtime *rt = reinterpret_cast<geomrt_runtime *>(0x1);
    CHECK(geomrt_runtime_new(&rt, &o) == GEOMRT_EINVAL);
    CHECK(rt == nullptr);
    CHECK(std::string(geomrt_last_error()) == "geomrt_runtime_new: plugin_paths[1] is NULL (n_plugin_paths = 3)");
    o.n_plugin_paths = 1;  // the entries before it are fine
    REQUIRE(geomrt_runtime_new(&rt, &o) == GEOMRT_OK);
    geomrt_runtime_free(rt);
}

TEST_CASE("loading a plugin file twice is refused, by any path to it", "[badinput]") {
    auto rt = runtime_with({});
    const std::string good = std::string(GEOMRT_TEST_GOOD_DIR) + "/libgeomrt_test_plugin.so";
    REQUIRE(geomrt_runtime_load_plugin(rt.get(), good.c_str()) == GEOMRT_OK);
    const size_t methods = geomrt_method_count(rt.get()), reports = geomrt_runtime_plugin_report_count(rt.get());
    CHECK(geomrt_runtime_load_plugin(rt.get(), good.c_str()) == GEOMRT_EPLUGIN);
    CHECK(has(geomrt_last_error(), "libgeomrt_test_plugin.so is already loaded (plugin 'test')"));
    const std::string other_spelling = std::string(GEOMRT_TEST_GOOD_DIR) + "/../good/./libgeomrt_test_plugin.so";
    CHECK(geomrt_runtime_load_plugin(rt.get(), other_spelling.c_str()) == GEOMRT_EPLUGIN);
    // a directory loads only what is new: nothing here, and that is not an error
    CHECK(geomrt_runtime_load_plugin(rt.get(), GEOMRT_TEST_GOOD_DIR) == GEOMRT_OK);
    CHECK(geomrt_method_count(rt.get()) == methods);
    CHECK(geomrt_runtime_plugin_report_count(rt.get()) == reports);
    // a file rejected earlier is tried (and rejected) again, not silently accepted
    CHECK(geomrt_runtime_load_plugin(rt.get(), "/no/such/plugin.so") == GEOMRT_ENOTFOUND);
    CHECK(geomrt_runtime_load_plugin(rt.get(), "/no/such/plugin.so") == GEOMRT_ENOTFOUND);
    CHECK(has(geomrt_last_error(), "/no/such/plugin.so: no such file or directory"));
    const std::string broken = std::string(GEOMRT_TEST_BROKEN_DIR) + "/libbroken_no_entry.so";
    CHECK(geomrt_runtime_load_plugin(rt.get(), broken.c_str()) == GEOMRT_EPLUGIN);
    CHECK(geomrt_runtime_load_plugin(rt.get(), broken.c_str()) == GEOMRT_EPLUGIN);
    CHECK(has(geomrt_last_error(), "missing entry point"));
}

TEST_CASE("geomrt_method_json_get reports NULL arguments; geomrt_method_json documents its fallback", "[badinput]") {
    auto rt = test_rt();
    const geomrt_method *m = nullptr;
    REQUIRE(geomrt_method_find(&m, rt.get(), "test.echo") == GEOMRT_OK);
    const char *json = reinterpret_cast<const char *>(0x1);
    REQUIRE(geomrt_method_json_get(&json, m) == GEOMRT_OK);
    CHECK(json == geomrt_method_json(m));
    CHECK(has(json, "\"name\":\"test.echo\""));
    CHECK(geomrt_method_json_get(nullptr, m) == GEOMRT_EINVAL);
    CHECK(std::string(geomrt_last_error()) == "geomrt_method_json_get: out is NULL");
    CHECK(geomrt_method_json_get(&json, nullptr) == GEOMRT_EINVAL);
    CHECK(json == nullptr);
    CHECK(has(geomrt_last_error(), "geomrt_method_json_get: method is NULL"));
    CHECK(std::string(geomrt_method_json(nullptr)) == "{}");
}

TEST_CASE("an i64 parameter given a fractional value is an error, as a number or as text", "[badinput]") {
    auto rt = test_rt();
    auto a = new_args();
    std::string msg;
    REQUIRE(geomrt_args_set_param_f64(a.get(), "f", 0.5) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_f64(a.get(), "i", 2.5) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.params", a.get(), &msg) == GEOMRT_EDTYPE);
    CHECK(msg == "test.params: parameter 'i' must be an integer, got 2.5");
    REQUIRE(geomrt_args_set_param_string(a.get(), "i", "2.5") == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.params", a.get(), &msg) == GEOMRT_EDTYPE);
    CHECK(msg == "test.params: parameter 'i' must be an integer, got 2.5");
    REQUIRE(geomrt_args_set_param_f64(a.get(), "i", 1e-300) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.params", a.get(), &msg) == GEOMRT_EDTYPE);
    REQUIRE(geomrt_args_set_param_bool(a.get(), "i", 1) == GEOMRT_OK);  // another kind: EDTYPE
    CHECK(invoke_fails(rt.get(), "test.params", a.get(), &msg) == GEOMRT_EDTYPE);
    REQUIRE(geomrt_args_set_param_f64(a.get(), "i", 3.0) == GEOMRT_OK);  // integral: accepted
    geomrt_result *r = nullptr;
    REQUIRE(geomrt_invoke(&r, rt.get(), "test.params", a.get(), nullptr) == GEOMRT_OK);
    CHECK(scalar(r, "i") == 3.0);
    geomrt_result_free(r);
}

TEST_CASE("size-like parameters of the ot methods are bounded before any allocation", "[badinput]") {
    auto rt = ot_runtime();
    std::string msg;
    Mat xs(3, 2), xt(4, 2);
    for (size_t i = 0; i < xs.v.size(); ++i) xs.v[i] = 0.1 * static_cast<double>(i);
    for (size_t i = 0; i < xt.v.size(); ++i) xt.v[i] = 0.3 * static_cast<double>(i);
    struct Case {
        const char *method, *param;
    };
    const Case cases[] = {{"ot.sliced_wasserstein", "n_projections"},
                          {"ot.sliced_wasserstein", "hadamard_dim"},
                          {"ot.max_sliced_wasserstein", "n_restarts"},
                          {"ot.vmf_sliced_wasserstein", "n_projections"},
                          {"ot.vmf_sliced_wasserstein", "n_final_projections"},
                          {"ot.hadamard_rotation", "n_blocks"}};
    for (const Case &c : cases) {
        for (int64_t v : {int64_t(4611686018427387904), kMax, int64_t(1) << 40}) {
            auto a = new_args();
            if (std::string(c.method) == "ot.hadamard_rotation") {
                set_mat(a.get(), "x", xs);
            } else {
                set_mat(a.get(), "xs", xs);
                set_mat(a.get(), "xt", xt);
            }
            if (std::string(c.param) == "hadamard_dim")
                REQUIRE(geomrt_args_set_param_string(a.get(), "projections", "hadamard") == GEOMRT_OK);
            REQUIRE(geomrt_args_set_param_i64(a.get(), c.param, v) == GEOMRT_OK);
            INFO(c.method << " " << c.param << " = " << v);
            CHECK(invoke_fails(rt.get(), c.method, a.get(), &msg) == GEOMRT_EINVAL);
            CHECK(has(msg, (std::string(c.method) + ": parameter '" + c.param + "' must be in [").c_str()));
        }
    }
    // Every i64 parameter of every ot method is either bounded to a sane size or named here as
    // one that sizes nothing (a seed, an iteration budget, an index checked against the input).
    const std::set<std::string> unbounded_ok = {"seed", "max_iter", "max_newton", "max_cg", "n_sinkhorn", "start", "k"};
    for (size_t i = 0; i < geomrt_method_count(rt.get()); ++i) {
        const geomrt_method *m = nullptr;
        REQUIRE(geomrt_method_at(&m, rt.get(), i) == GEOMRT_OK);
        for (size_t k = 0; k < geomrt_method_param_count(m); ++k) {
            geomrt_param_info p;
            REQUIRE(geomrt_method_param(m, k, &p) == GEOMRT_OK);
            if (p.type != GEOMRT_PARAM_I64 || p.max <= 1.1e9) continue;
            INFO(geomrt_method_name(m) << ": parameter '" << p.name << "' is unbounded (max " << p.max << ")");
            CHECK(unbounded_ok.count(p.name) == 1);
        }
    }
}

TEST_CASE("ot.monge_gap with costs overflowing to infinity is an error, not an endless schedule", "[badinput]") {
    // found by fuzz_args: an infinite cost range made the epsilon-scaling schedule grow without end
    auto rt = ot_runtime();
    auto a = new_args();
    std::string msg;
    Mat x(3, 2), y(3, 2);
    x.v = {0, 0, 1e300, 0, 0, 1};
    y.v = {0.5, 0.5, 2, 1, 1, 2};
    set_mat(a.get(), "x", x);
    set_mat(a.get(), "y", y);
    REQUIRE(geomrt_args_set_param_f64(a.get(), "reg", 0.1) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "ot.monge_gap", a.get(), &msg) == GEOMRT_EINVAL);
    CHECK(has(msg, "ot.monge_gap: the cost c(x_i, y_j) overflows to infinity"));
}
