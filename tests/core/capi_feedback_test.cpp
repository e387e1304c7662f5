// C API additions asked for by the binding authors: copied inputs, result kinds apart from
// error codes, output docs from a result, and the cancel flag's contract.
#include <atomic>
#include <chrono>
#include <climits>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "../common.hpp"

using namespace gt;

namespace {

Runtime test_runtime() { return runtime_with({GEOMRT_TEST_GOOD_DIR}); }

geomrt_result *invoke_ok(geomrt_runtime *rt, const char *method, geomrt_args *a) {
    geomrt_result *r = nullptr;
    const int rc = geomrt_invoke(&r, rt, method, a, nullptr);
    INFO(geomrt_last_error());
    REQUIRE(rc == GEOMRT_OK);
    return r;
}

}  // namespace

TEST_CASE("geomrt_args_set_tensor_copy copies strided input contiguous, so the caller may free it at once",
          "[core][capi][copy]") {
    Runtime rt = test_runtime();
    Args a = new_args();
    // A column-major 3 x 2 matrix (strides {1, 3}): rows (1 2) (3 4) (5 6).
    std::vector<double> colmajor = {1, 3, 5, 2, 4, 6};
    const int64_t shape[2] = {3, 2}, strides[2] = {1, 3};
    REQUIRE(geomrt_args_set_tensor_copy(a.get(), "x", GEOMRT_DTYPE_F64, colmajor.data(), 2, shape, strides) ==
            GEOMRT_OK);
    colmajor.assign(colmajor.size(), -99.0);  // the caller's memory changes (or is freed): no effect
    colmajor.clear();
    colmajor.shrink_to_fit();
    Result r(invoke_ok(rt.get(), "test.echo", a.get()));
    double y[6];
    REQUIRE(geomrt_result_copy_f64(r.get(), "y", y, 6) == GEOMRT_OK);
    for (int k = 0; k < 6; ++k) CHECK(y[k] == k + 1);
    double sum = 0;
    REQUIRE(geomrt_result_scalar(r.get(), "sum", &sum) == GEOMRT_OK);
    CHECK(sum == 21);

    // A method that reads strides itself sees the copy's C-contiguous strides.
    Result rs(invoke_ok(rt.get(), "test.strided", a.get()));
    double st[2];
    REQUIRE(geomrt_result_copy_f64(rs.get(), "strides", st, 2) == GEOMRT_OK);
    CHECK(st[0] == 2);
    CHECK(st[1] == 1);

    // Negative strides count from data (element 0): reversed rows of a row-major buffer.
    const std::vector<double> rows = {1, 2, 3, 4, 5, 6};
    const int64_t back[2] = {-2, 1};
    REQUIRE(geomrt_args_set_tensor_copy(a.get(), "x", GEOMRT_DTYPE_F64, rows.data() + 4, 2, shape, back) ==
            GEOMRT_OK);
    Result rb(invoke_ok(rt.get(), "test.echo", a.get()));
    REQUIRE(geomrt_result_copy_f64(rb.get(), "y", y, 6) == GEOMRT_OK);
    const double want[6] = {5, 6, 3, 4, 1, 2};
    for (int k = 0; k < 6; ++k) CHECK(y[k] == want[k]);

    // Copied and borrowed inputs mix; an in-place slot still needs geomrt_args_set_inplace.
    const std::vector<double> w = {10, 20, 30};
    const int64_t wshape[1] = {3};
    REQUIRE(geomrt_args_set_f64(a.get(), "w", w.data(), 1, wshape) == GEOMRT_OK);
    Result rw(invoke_ok(rt.get(), "test.echo", a.get()));
    REQUIRE(geomrt_result_scalar(rw.get(), "sum", &sum) == GEOMRT_OK);
    CHECK(sum == 81);
    Args st_args = new_args();
    const double state[2] = {1, 2};
    const int64_t sshape[1] = {2};
    REQUIRE(geomrt_args_set_tensor_copy(st_args.get(), "state", GEOMRT_DTYPE_F64, state, 1, sshape, nullptr) ==
            GEOMRT_OK);
    geomrt_result *bad = nullptr;
    CHECK(geomrt_invoke(&bad, rt.get(), "test.accumulate", st_args.get(), nullptr) == GEOMRT_EINVAL);
    CHECK(std::string(geomrt_last_error()).find("geomrt_args_set_inplace") != std::string::npos);
}

TEST_CASE("geomrt_args_set_tensor_copy copies every dtype and rank 0", "[core][capi][copy]") {
    Runtime rt = test_runtime();
    Args a = new_args();
    // Rank 0 (shape may be NULL), int64 and float32: a wrong dtype reaches the method's check,
    // whose message shows the copy kept the caller's dtype.
    const double scalar = 4.5;
    CHECK(geomrt_args_set_tensor_copy(a.get(), "x", GEOMRT_DTYPE_F64, &scalar, 0, nullptr, nullptr) == GEOMRT_OK);
    const int64_t iv[4] = {1, 2, 3, 4};
    const int64_t shape[2] = {2, 2};
    REQUIRE(geomrt_args_set_tensor_copy(a.get(), "x", GEOMRT_DTYPE_I64, iv, 2, shape, nullptr) == GEOMRT_OK);
    geomrt_result *r = nullptr;
    CHECK(geomrt_invoke(&r, rt.get(), "test.echo", a.get(), nullptr) == GEOMRT_EDTYPE);
    CHECK(std::string(geomrt_last_error()).find("int64") != std::string::npos);
    const float fv[4] = {1, 2, 3, 4};
    const int64_t tstrides[2] = {1, 2};  // transposed float32
    REQUIRE(geomrt_args_set_tensor_copy(a.get(), "x", GEOMRT_DTYPE_F32, fv, 2, shape, tstrides) == GEOMRT_OK);
    CHECK(geomrt_invoke(&r, rt.get(), "test.echo", a.get(), nullptr) == GEOMRT_EDTYPE);
    CHECK(std::string(geomrt_last_error()).find("float32") != std::string::npos);
}

TEST_CASE("geomrt_args_set_tensor_copy rejects bad input and keeps the earlier value", "[core][capi][copy]") {
    Runtime rt = test_runtime();
    Args a = new_args();
    const std::vector<double> x = {1, 2, 3, 4};
    const int64_t shape[2] = {2, 2};
    REQUIRE(geomrt_args_set_tensor_copy(a.get(), "x", GEOMRT_DTYPE_F64, x.data(), 2, shape, nullptr) == GEOMRT_OK);

    const char *fn = "geomrt_args_set_tensor_copy";
    auto fails = [&](int want, const void *data, int ndim, const int64_t *sh, const int64_t *st, int dtype,
                     const char *part) {
        CHECK(geomrt_args_set_tensor_copy(a.get(), "x", dtype, data, ndim, sh, st) == want);
        const std::string msg = geomrt_last_error();
        CHECK(msg.find(fn) != std::string::npos);
        CHECK(msg.find(part) != std::string::npos);
    };
    const int64_t neg[2] = {2, -1};
    fails(GEOMRT_EINVAL, x.data(), 2, neg, nullptr, GEOMRT_DTYPE_F64, "negative extent");
    fails(GEOMRT_EINVAL, nullptr, 2, shape, nullptr, GEOMRT_DTYPE_F64, "data is NULL");
    fails(GEOMRT_EINVAL, x.data(), 2, nullptr, nullptr, GEOMRT_DTYPE_F64, "shape is NULL");
    fails(GEOMRT_EINVAL, x.data(), 2, shape, nullptr, 77, "unknown dtype");
    fails(GEOMRT_EINVAL, x.data(), 40, shape, nullptr, GEOMRT_DTYPE_F64, "ndim");
    const int64_t huge[2] = {3037000500, 3037000500};  // product overflows int64
    fails(GEOMRT_EINVAL, x.data(), 2, huge, nullptr, GEOMRT_DTYPE_F64, "overflows");
    const int64_t wild[2] = {INT64_MAX / 2, 1};  // offsets beyond int64
    fails(GEOMRT_EINVAL, x.data(), 2, shape, wild, GEOMRT_DTYPE_F64, "overflow");
    CHECK(geomrt_args_set_tensor_copy(nullptr, "x", GEOMRT_DTYPE_F64, x.data(), 2, shape, nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_args_set_tensor_copy(a.get(), "", GEOMRT_DTYPE_F64, x.data(), 2, shape, nullptr) == GEOMRT_EINVAL);
    // An empty tensor needs no data.
    const int64_t empty[2] = {0, 2};
    Args e = new_args();
    CHECK(geomrt_args_set_tensor_copy(e.get(), "x", GEOMRT_DTYPE_F64, nullptr, 2, empty, nullptr) == GEOMRT_OK);

    // Every failure above left the first value in place.
    Result r(invoke_ok(rt.get(), "test.echo", a.get()));
    double sum = 0;
    REQUIRE(geomrt_result_scalar(r.get(), "sum", &sum) == GEOMRT_OK);
    CHECK(sum == 10);
}

TEST_CASE("geomrt_args_set_sparse_copy copies the CSR arrays", "[core][capi][copy]") {
    Runtime rt = test_runtime();
    Args a = new_args();
    // [[1, 0, 2], [0, 3, 0]]
    std::vector<int64_t> indptr = {0, 2, 3}, indices = {0, 2, 1};
    std::vector<double> values = {1, 2, 3};
    REQUIRE(geomrt_args_set_sparse_copy(a.get(), "A", 2, 3, 3, indptr.data(), indices.data(), values.data()) ==
            GEOMRT_OK);
    std::fill(indptr.begin(), indptr.end(), 77);
    std::fill(indices.begin(), indices.end(), 99);
    std::fill(values.begin(), values.end(), -1.0);
    Result r(invoke_ok(rt.get(), "test.sparse", a.get()));
    double rs[2];
    REQUIRE(geomrt_result_copy_f64(r.get(), "rowsum", rs, 2) == GEOMRT_OK);
    CHECK(rs[0] == 3);
    CHECK(rs[1] == 3);
    double T[6];
    REQUIRE(geomrt_result_copy_f64(r.get(), "T", T, 6) == GEOMRT_OK);
    const double want[6] = {1, 0, 0, 3, 2, 0};
    for (int k = 0; k < 6; ++k) CHECK(T[k] == want[k]);

    CHECK(geomrt_args_set_sparse_copy(a.get(), "A", 2, 3, 3, nullptr, indices.data(), values.data()) ==
          GEOMRT_EINVAL);
    CHECK(std::string(geomrt_last_error()).find("geomrt_args_set_sparse_copy") != std::string::npos);
    CHECK(geomrt_args_set_sparse_copy(a.get(), "A", -1, 3, 3, indptr.data(), indices.data(), values.data()) ==
          GEOMRT_EINVAL);
    CHECK(geomrt_args_set_sparse_copy(a.get(), "A", 2, 3, 3, indptr.data(), nullptr, values.data()) == GEOMRT_EINVAL);
    CHECK(geomrt_args_set_sparse_copy(a.get(), "A", INT64_MAX / 4, 3, 3, indptr.data(), indices.data(),
                                      values.data()) == GEOMRT_EINVAL);
    CHECK(std::string(geomrt_last_error()).find("too large") != std::string::npos);
}

TEST_CASE("geomrt_result_info gives kind, dtype and rank with an error code apart", "[core][capi][result]") {
    Runtime rt = test_runtime();
    Args a = new_args();
    std::vector<int64_t> indptr = {0, 1}, indices = {1};
    std::vector<double> values = {2};
    REQUIRE(geomrt_args_set_sparse(a.get(), "A", 1, 2, 1, indptr.data(), indices.data(), values.data()) == GEOMRT_OK);
    Result r(invoke_ok(rt.get(), "test.sparse", a.get()));
    int kind = 0, dtype = 0, ndim = -1;
    REQUIRE(geomrt_result_info(r.get(), "T", &kind, &dtype, &ndim) == GEOMRT_OK);
    CHECK(kind == GEOMRT_KIND_SPARSE);
    CHECK(dtype == GEOMRT_DTYPE_F64);
    CHECK(ndim == 2);
    REQUIRE(geomrt_result_info(r.get(), "rowsum", &kind, &dtype, &ndim) == GEOMRT_OK);
    CHECK(kind == GEOMRT_KIND_DENSE);
    CHECK(dtype == GEOMRT_DTYPE_F64);
    CHECK(ndim == 1);
    CHECK(geomrt_result_info(r.get(), "rowsum", nullptr, nullptr, nullptr) == GEOMRT_OK);

    Args p = new_args();
    REQUIRE(geomrt_args_set_param_f64(p.get(), "f", 0.5) == GEOMRT_OK);
    Result rp(invoke_ok(rt.get(), "test.params", p.get()));
    REQUIRE(geomrt_result_info(rp.get(), "i", &kind, &dtype, &ndim) == GEOMRT_OK);
    CHECK(kind == GEOMRT_KIND_DENSE);
    CHECK(dtype == GEOMRT_DTYPE_I64);
    CHECK(ndim == 0);

    kind = dtype = ndim = 123;
    CHECK(geomrt_result_info(r.get(), "nope", &kind, &dtype, &ndim) == GEOMRT_ENOTFOUND);
    CHECK(kind == 123);  // untouched
    CHECK(dtype == 123);
    CHECK(ndim == 123);
    CHECK(std::string(geomrt_last_error()).find("geomrt_result_info: no output named 'nope'") != std::string::npos);
    CHECK(geomrt_result_info(nullptr, "T", &kind, nullptr, nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_result_info(r.get(), nullptr, &kind, nullptr, nullptr) == GEOMRT_EINVAL);
    // The old single-int form still works (kind or negative error).
    CHECK(geomrt_result_kind(r.get(), "T") == GEOMRT_KIND_SPARSE);
    CHECK(geomrt_result_kind(r.get(), "nope") == GEOMRT_ENOTFOUND);
}

TEST_CASE("geomrt_result_doc gives the descriptor's doc of an output, also after the runtime is freed",
          "[core][capi][result]") {
    geomrt_result *raw = nullptr;
    std::string declared;
    {
        Runtime rt = test_runtime();
        const geomrt_method *m = nullptr;
        REQUIRE(geomrt_method_find(&m, rt.get(), "test.echo") == GEOMRT_OK);
        geomrt_slot_info info;
        REQUIRE(geomrt_method_output(m, 0, &info) == GEOMRT_OK);
        REQUIRE(std::string(info.name) == "y");
        declared = info.doc;
        Args a = new_args();
        const std::vector<double> x = {1, 2};
        const int64_t shape[2] = {1, 2};
        REQUIRE(geomrt_args_set_f64(a.get(), "x", x.data(), 2, shape) == GEOMRT_OK);
        raw = invoke_ok(rt.get(), "test.echo", a.get());
    }
    Result r(raw);
    const char *doc = nullptr;
    REQUIRE(geomrt_result_doc(r.get(), "y", &doc) == GEOMRT_OK);
    CHECK(std::string(doc) == declared);
    CHECK(std::string(doc) == "copy of x");
    REQUIRE(geomrt_result_doc(r.get(), "sum", &doc) == GEOMRT_OK);
    CHECK(std::string(doc) == "sum of x and w");

    doc = "stale";
    CHECK(geomrt_result_doc(r.get(), "nope", &doc) == GEOMRT_ENOTFOUND);
    CHECK(doc == nullptr);
    CHECK(std::string(geomrt_last_error()).find("no output named 'nope'") != std::string::npos);
    CHECK(geomrt_result_doc(r.get(), "y", nullptr) == GEOMRT_EINVAL);
    CHECK(geomrt_result_doc(nullptr, "y", &doc) == GEOMRT_EINVAL);
}

TEST_CASE("the cancel flag set with an atomic store from another thread stops a running call",
          "[core][capi][cancel]") {
    Runtime rt = test_runtime();
    // The documented contract: any thread stores nonzero with an atomic store (relaxed suffices).
    std::atomic<int> flag{0};
    static_assert(sizeof(std::atomic<int>) == sizeof(int), "atomic<int> is laid out as int");
    geomrt_call_options o = GEOMRT_CALL_OPTIONS_INIT;
    o.cancel_flag = reinterpret_cast<const volatile int *>(&flag);
    Args a = new_args();
    REQUIRE(geomrt_args_set_param_i64(a.get(), "steps", 100000) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_i64(a.get(), "sleep_us", 100) == GEOMRT_OK);
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
        flag.store(1, std::memory_order_relaxed);
    });
    geomrt_result *r = nullptr;
    const int rc = geomrt_invoke(&r, rt.get(), "test.progress", a.get(), &o);
    canceller.join();
    CHECK(rc == GEOMRT_ECANCELLED);
    CHECK(r == nullptr);
    CHECK(flag.load() == 1);  // geomrt only reads the flag
    // Set before the call: it never starts.
    CHECK(geomrt_invoke(&r, rt.get(), "test.progress", a.get(), &o) == GEOMRT_ECANCELLED);
    CHECK(std::string(geomrt_last_error()).find("cancelled before it started") != std::string::npos);
}
