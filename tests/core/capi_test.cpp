// The C API entry points: versions, errors, NULL and bad arguments, introspection, results.
#include <cmath>
#include <cstring>

#include "../common.hpp"

using namespace gt;

TEST_CASE("version functions agree with the header", "[capi]") {
    int ma = -1, mi = -1, pa = -1;
    geomrt_version_numbers(&ma, &mi, &pa);
    CHECK(ma == GEOMRT_VERSION_MAJOR);
    CHECK(mi == GEOMRT_VERSION_MINOR);
    CHECK(pa == GEOMRT_VERSION_PATCH);
    CHECK(std::string(geomrt_version()) == GEOMRT_VERSION_STRING);
    geomrt_version_numbers(nullptr, nullptr, nullptr);
}

TEST_CASE("error names cover every code and last_error is never NULL", "[capi]") {
    for (int c = 0; c >= GEOMRT_EINTERNAL; --c) CHECK(std::string(geomrt_error_name(c)).rfind("GEOMRT_", 0) == 0);
    CHECK(std::string(geomrt_error_name(-999)) == "GEOMRT_UNKNOWN_ERROR");
    CHECK(geomrt_last_error() != nullptr);
}

TEST_CASE("NULL arguments give GEOMRT_EINVAL with a message naming the function", "[capi]") {
    CHECK(geomrt_runtime_new(nullptr, nullptr) == GEOMRT_EINVAL);
    CHECK(std::string(geomrt_last_error()).find("geomrt_runtime_new") != std::string::npos);
    CHECK(geomrt_last_error_code() == GEOMRT_EINVAL);
    CHECK(geomrt_args_new(nullptr) == GEOMRT_EINVAL);
    geomrt_result *r = nullptr;
    CHECK(geomrt_invoke(&r, nullptr, "ot.emd", nullptr, nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_invoke(nullptr, nullptr, "ot.emd", nullptr, nullptr) == GEOMRT_EINVAL);
    auto rt = runtime_with({});
    CHECK(geomrt_invoke(&r, rt.get(), nullptr, nullptr, nullptr) == GEOMRT_EINVAL);
    const geomrt_method *m = nullptr;
    CHECK(geomrt_method_find(&m, nullptr, "x") == GEOMRT_EINVAL);
    CHECK(geomrt_method_find(&m, rt.get(), nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_method_find(nullptr, rt.get(), "x") == GEOMRT_EINVAL);
    CHECK(geomrt_method_at(&m, nullptr, 0) == GEOMRT_EINVAL);
    CHECK(geomrt_runtime_load_plugin(nullptr, "x") == GEOMRT_EINVAL);
    CHECK(geomrt_runtime_load_plugin(rt.get(), nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_runtime_plugin_report_at(nullptr, 0, nullptr, nullptr, nullptr, nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_method_count(nullptr) == 0);
    CHECK(geomrt_runtime_plugin_report_count(nullptr) == 0);
    CHECK(std::string(geomrt_method_name(nullptr)).empty());
    CHECK(geomrt_method_input_count(nullptr) == 0);
    geomrt_slot_info si;
    geomrt_param_info pi;
    CHECK(geomrt_method_input(nullptr, 0, &si) == GEOMRT_EINVAL);
    CHECK(geomrt_method_output(nullptr, 0, &si) == GEOMRT_EINVAL);
    CHECK(geomrt_method_param(nullptr, 0, &pi) == GEOMRT_EINVAL);
    // free functions accept NULL
    geomrt_runtime_free(nullptr);
    geomrt_args_free(nullptr);
    geomrt_result_free(nullptr);
    geomrt_args_clear(nullptr);
}

TEST_CASE("args setters reject bad tensors and parameters", "[capi]") {
    auto a = new_args();
    double x[4] = {1, 2, 3, 4};
    int64_t shape[2] = {2, 2}, neg[2] = {2, -1};
    CHECK(geomrt_args_set_tensor(nullptr, "x", GEOMRT_DTYPE_F64, x, 2, shape, nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_args_set_tensor(a.get(), nullptr, GEOMRT_DTYPE_F64, x, 2, shape, nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_args_set_tensor(a.get(), "", GEOMRT_DTYPE_F64, x, 2, shape, nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_args_set_tensor(a.get(), "x", 99, x, 2, shape, nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, x, -1, shape, nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, x, 2, nullptr, nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, x, 2, neg, nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, nullptr, 2, shape, nullptr) == GEOMRT_EINVAL);
    CHECK(std::string(geomrt_last_error()).find("data is NULL") != std::string::npos);
    CHECK(geomrt_args_set_inplace(a.get(), "x", GEOMRT_DTYPE_F64, nullptr, 2, shape, nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_args_set_sparse(a.get(), "A", 2, 2, 1, nullptr, nullptr, nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_args_set_param_f64(a.get(), nullptr, 1.0) == GEOMRT_EINVAL);
    CHECK(geomrt_args_set_param_i64(nullptr, "x", 1) == GEOMRT_EINVAL);
    CHECK(geomrt_args_set_param_bool(a.get(), "", 1) == GEOMRT_EINVAL);
    CHECK(geomrt_args_set_param_string(a.get(), "x", nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_F64, x, 2, shape, nullptr) == GEOMRT_OK);
    CHECK(geomrt_last_error_code() == GEOMRT_OK);
    CHECK(std::string(geomrt_last_error()).empty());
}

TEST_CASE("runtime options with an unknown version are refused", "[capi]") {
    geomrt_runtime_options o = GEOMRT_RUNTIME_OPTIONS_INIT;
    o.version = 99;
    geomrt_runtime *rt = reinterpret_cast<geomrt_runtime *>(0x1);
    CHECK(geomrt_runtime_new(&rt, &o) == GEOMRT_EVERSION);
    CHECK(rt == nullptr);
    o.version = GEOMRT_RUNTIME_OPTIONS_VERSION;
    o.n_plugin_paths = 2;
    CHECK(geomrt_runtime_new(&rt, &o) == GEOMRT_EINVAL);
}

TEST_CASE("introspection describes every slot and parameter of a method", "[capi]") {
    auto rt = runtime_with({GEOMRT_TEST_GOOD_DIR});
    REQUIRE(geomrt_method_count(rt.get()) == 9);
    const geomrt_method *m = nullptr;
    REQUIRE(geomrt_method_at(&m, rt.get(), 0) == GEOMRT_OK);
    CHECK(std::string(geomrt_method_name(m)) == "test.accumulate");  // sorted by name
    CHECK(geomrt_method_at(&m, rt.get(), 9) == GEOMRT_ENOTFOUND);
    CHECK(m == nullptr);
    CHECK(geomrt_method_find(&m, rt.get(), "nope.nope") == GEOMRT_ENOTFOUND);
    REQUIRE(geomrt_method_find(&m, rt.get(), "test.echo") == GEOMRT_OK);
    CHECK(std::string(geomrt_method_summary(m)) == "copy x and sum it");
    CHECK(std::string(geomrt_method_citation(m)) == "none");
    CHECK(std::string(geomrt_method_plugin(m)).find("geomrt_test_plugin") != std::string::npos);
    REQUIRE(geomrt_method_input_count(m) == 2);
    geomrt_slot_info s;
    REQUIRE(geomrt_method_input(m, 1, &s) == GEOMRT_OK);
    CHECK(std::string(s.name) == "w");
    CHECK(std::string(s.shape) == "n");
    CHECK(s.ndim == 1);
    CHECK((s.flags & GEOMRT_IO_OPTIONAL) != 0);
    CHECK(geomrt_method_input(m, 2, &s) == GEOMRT_ENOTFOUND);
    REQUIRE(geomrt_method_output_count(m) == 3);
    REQUIRE(geomrt_method_output(m, 0, &s) == GEOMRT_OK);
    CHECK(std::string(s.name) == "y");
    CHECK(geomrt_method_output(m, 3, &s) == GEOMRT_ENOTFOUND);
    REQUIRE(geomrt_method_param_count(m) == 1);
    geomrt_param_info p;
    REQUIRE(geomrt_method_param(m, 0, &p) == GEOMRT_OK);
    CHECK(std::string(p.name) == "scale");
    CHECK(p.type == GEOMRT_PARAM_F64);
    CHECK(std::string(p.default_value) == "1.5");
    CHECK(p.min == 0.0);
    CHECK(p.max == 10.0);
    CHECK((p.flags & GEOMRT_PARAM_MIN_EXCLUSIVE) != 0);
    CHECK(p.required == 0);
    CHECK(geomrt_method_param(m, 1, &p) == GEOMRT_ENOTFOUND);
    std::string json = geomrt_method_json(m);
    CHECK(json.find("\"name\":\"test.echo\"") != std::string::npos);
    CHECK(json.find("\"min_exclusive\":true") != std::string::npos);
    REQUIRE(geomrt_method_find(&m, rt.get(), "test.params") == GEOMRT_OK);
    REQUIRE(geomrt_method_param(m, 3, &p) == GEOMRT_OK);
    CHECK(p.type == GEOMRT_PARAM_ENUM);
    CHECK(std::string(p.choices) == "fast|exact");
    REQUIRE(geomrt_method_param(m, 0, &p) == GEOMRT_OK);
    CHECK(p.required == 1);
}

TEST_CASE("results expose dense, scalar and sparse outputs with their owners' memory", "[capi]") {
    auto rt = runtime_with({GEOMRT_TEST_GOOD_DIR});
    auto a = new_args();
    Mat x(2, 3);
    for (int k = 0; k < 6; ++k) x.v[k] = k + 1;
    set_mat(a.get(), "x", x);
    auto r = invoke(rt.get(), "test.echo", a.get());
    REQUIRE(geomrt_result_count(r.get()) == 3);
    CHECK(std::string(geomrt_result_name(r.get(), 0)) == "y");
    CHECK(geomrt_result_name(r.get(), 3) == nullptr);
    CHECK(geomrt_result_has(r.get(), "sum") == 1);
    CHECK(geomrt_result_has(r.get(), "nope") == 0);
    CHECK(scalar(r.get(), "sum") == 21.0);
    CHECK(scalar(r.get(), "scale") == 1.5);
    geomrt_tensor_view t;
    REQUIRE(geomrt_result_tensor(r.get(), "y", &t) == GEOMRT_OK);
    CHECK(t.ndim == 2);
    CHECK(t.shape[0] == 2);
    CHECK(t.shape[1] == 3);
    CHECK(t.numel == 6);
    CHECK(static_cast<const double *>(t.data)[5] == 6.0);
    CHECK(geomrt_result_kind(r.get(), "y") == GEOMRT_KIND_DENSE);
    CHECK(geomrt_result_kind(r.get(), "zzz") == GEOMRT_ENOTFOUND);
    double v;
    CHECK(geomrt_result_scalar(r.get(), "y", &v) == GEOMRT_ESHAPE);
    CHECK(geomrt_result_scalar(r.get(), "nope", &v) == GEOMRT_ENOTFOUND);
    CHECK(std::string(geomrt_last_error()).find("outputs are: y, sum, scale") != std::string::npos);
    geomrt_sparse_view sv;
    CHECK(geomrt_result_sparse(r.get(), "y", &sv) == GEOMRT_EDTYPE);
    double small[3];
    CHECK(geomrt_result_copy_f64(r.get(), "y", small, 3) == GEOMRT_ESHAPE);
    CHECK(geomrt_result_tensor(nullptr, "y", &t) == GEOMRT_EINVAL);
    CHECK(geomrt_result_tensor(r.get(), "y", nullptr) == GEOMRT_EINVAL);
}

TEST_CASE("sparse inputs are validated and sparse outputs come back in CSR form", "[capi][sparse]") {
    auto rt = runtime_with({GEOMRT_TEST_GOOD_DIR});
    auto a = new_args();
    // A = [[1, 0, 2], [0, 3, 0]]
    int64_t indptr[3] = {0, 2, 3}, indices[3] = {0, 2, 1};
    double values[3] = {1, 2, 3};
    REQUIRE(geomrt_args_set_sparse(a.get(), "A", 2, 3, 3, indptr, indices, values) == GEOMRT_OK);
    auto r = invoke(rt.get(), "test.sparse", a.get());
    CHECK(vec(r.get(), "rowsum") == std::vector<double>{3, 3});
    geomrt_sparse_view sv;
    REQUIRE(geomrt_result_sparse(r.get(), "T", &sv) == GEOMRT_OK);
    CHECK(sv.rows == 3);
    CHECK(sv.cols == 2);
    CHECK(sv.nnz == 3);
    CHECK(dense(r.get(), "T", 6) == std::vector<double>{1, 0, 0, 3, 2, 0});
    CHECK(geomrt_result_kind(r.get(), "T") == GEOMRT_KIND_SPARSE);
    geomrt_tensor_view t;
    CHECK(geomrt_result_tensor(r.get(), "T", &t) == GEOMRT_EDTYPE);

    int64_t bad_col[3] = {0, 5, 1};
    REQUIRE(geomrt_args_set_sparse(a.get(), "A", 2, 3, 3, indptr, bad_col, values) == GEOMRT_OK);
    std::string msg;
    CHECK(invoke_fails(rt.get(), "test.sparse", a.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("column index 5") != std::string::npos);
    int64_t bad_ptr[3] = {0, 3, 2};
    REQUIRE(geomrt_args_set_sparse(a.get(), "A", 2, 3, 3, bad_ptr, indices, values) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.sparse", a.get()) == GEOMRT_EINVAL);
    double negative[3] = {1, -2, 3};
    REQUIRE(geomrt_args_set_sparse(a.get(), "A", 2, 3, 3, indptr, indices, negative) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.sparse", a.get()) == GEOMRT_EINVAL);
    double x[6] = {0};
    int64_t shape[2] = {2, 3};
    REQUIRE(geomrt_args_set_f64(a.get(), "A", x, 2, shape) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "test.sparse", a.get(), &msg) == GEOMRT_EDTYPE);
    CHECK(msg.find("sparse CSR") != std::string::npos);
}

TEST_CASE("a method that throws or forgets an output reports an internal error", "[capi]") {
    auto rt = runtime_with({GEOMRT_TEST_GOOD_DIR});
    std::string msg;
    CHECK(invoke_fails(rt.get(), "test.throws", nullptr, &msg) == GEOMRT_EINTERNAL);
    CHECK(msg.find("boom") != std::string::npos);
    CHECK(invoke_fails(rt.get(), "test.forgets_output", nullptr, &msg) == GEOMRT_EINTERNAL);
    CHECK(msg.find("did not produce output 'x'") != std::string::npos);
}

namespace {
struct ProgressLog {
    int calls = 0;
    int64_t last_iter = -1;
    int cancel_at = -1;
};
int on_progress(void *user, double fraction, int64_t iteration, double residual) {
    auto *p = static_cast<ProgressLog *>(user);
    ++p->calls;
    p->last_iter = iteration;
    CHECK(fraction >= 0.0);
    CHECK(residual > 0.0);
    return p->cancel_at >= 0 && iteration >= p->cancel_at;
}
}  // namespace

TEST_CASE("progress callbacks run and can cancel; a cancel flag stops a call", "[capi][progress]") {
    auto rt = runtime_with({GEOMRT_TEST_GOOD_DIR});
    auto a = new_args();
    REQUIRE(geomrt_args_set_param_i64(a.get(), "steps", 50) == GEOMRT_OK);
    ProgressLog log;
    geomrt_call_options o = GEOMRT_CALL_OPTIONS_INIT;
    o.progress = on_progress;
    o.progress_user = &log;
    geomrt_result *r = nullptr;
    REQUIRE(geomrt_invoke(&r, rt.get(), "test.progress", a.get(), &o) == GEOMRT_OK);
    CHECK(log.calls == 50);
    CHECK(log.last_iter == 49);
    CHECK(scalar(r, "done") == 50);
    geomrt_result_free(r);

    log = ProgressLog();
    log.cancel_at = 10;
    CHECK(geomrt_invoke(&r, rt.get(), "test.progress", a.get(), &o) == GEOMRT_ECANCELLED);
    CHECK(r == nullptr);
    CHECK(log.calls == 11);

    volatile int flag = 1;
    geomrt_call_options o2 = GEOMRT_CALL_OPTIONS_INIT;
    o2.cancel_flag = &flag;
    CHECK(geomrt_invoke(&r, rt.get(), "test.progress", a.get(), &o2) == GEOMRT_ECANCELLED);
    o2.version = 7;
    CHECK(geomrt_invoke(&r, rt.get(), "test.progress", a.get(), &o2) == GEOMRT_EVERSION);
    o2.version = GEOMRT_CALL_OPTIONS_VERSION;
    o2.num_threads = -2;
    CHECK(geomrt_invoke(&r, rt.get(), "test.progress", a.get(), &o2) == GEOMRT_EINVAL);
}
