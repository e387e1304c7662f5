// Methods that exercise the R binding's conversions: strided and any-rank inputs, int64 and
// float32 data both ways, rank-3 arrays, in-place state and progress/cancel. Loaded only by
// the R tests (bindings/swig/r/tests).
#include <chrono>
#include <thread>
#include <vector>

#include <geomrt/plugin.hpp>

using geomrt::sdk::Call;

namespace {

// Reports the shape and strides it received (the host passes strided data as is) and the sum
// of the elements, read through the strides in row-major order.
void layout(Call &c) {
    auto x = c.in("x");
    const int nd = x.ndim();
    int64_t *shape = c.out_i64("shape", {nd});
    int64_t *strides = c.out_i64("strides", {nd});
    std::vector<int64_t> idx(nd, 0);
    for (int k = 0; k < nd; ++k) {
        shape[k] = x.dim(k);
        strides[k] = x.stride(k);
    }
    double s = 0;
    const int64_t n = x.numel();
    for (int64_t t = 0; t < n; ++t) {
        int64_t off = 0;
        for (int k = 0; k < nd; ++k) off += idx[k] * x.stride(k);
        s += x.f64()[off];
        for (int k = nd - 1; k >= 0; --k) {
            if (++idx[k] < x.dim(k)) break;
            idx[k] = 0;
        }
    }
    c.scalar("sum", s);
}

// int64 and float32 inputs come back as they were received.
void types(Call &c) {
    auto i = c.in("i");
    int64_t *io = c.out_i64("i_out", {i.dim(0)});
    int64_t s = 0;
    for (int64_t k = 0; k < i.dim(0); ++k) {
        io[k] = i.i64()[k];
        s += i.i64()[k];
    }
    c.scalar_i64("i_sum", s);
    if (c.has("f")) {
        auto f = c.in("f");
        auto *fo = static_cast<float *>(c.out("f_out", GEOMRT_DTYPE_F32, {f.dim(0)}));
        for (int64_t k = 0; k < f.dim(0); ++k) fo[k] = f.f32()[k];
    }
}

// A rank-3 array: returned as is (y) and flattened in row-major order (flat).
void cube(Call &c) {
    auto x = c.in("x");
    const int64_t a = x.dim(0), b = x.dim(1), d = x.dim(2);
    double *y = c.out_f64("y", {a, b, d});
    double *flat = c.out_f64("flat", {a * b * d});
    for (int64_t k = 0; k < a * b * d; ++k) y[k] = flat[k] = x.f64()[k];
}

// In-place state: adds delta to every entry of `state` (float64) and 1 to every entry of
// `counts` (int64, optional); fails after writing when asked to.
void state(Call &c) {
    auto st = c.in("state");
    for (int64_t k = 0; k < st.numel(); ++k) st.f64_mut()[k] += c.f64("delta");
    if (c.has("counts")) {
        auto n = c.in("counts");
        auto *p = const_cast<int64_t *>(n.i64());
        for (int64_t k = 0; k < n.numel(); ++k) p[k] += 1;
    }
    if (c.flag("fail")) geomrt::sdk::fail(GEOMRT_EINVAL, "rtest.state: asked to fail");
    c.scalar("first", st.numel() ? st.f64()[0] : 0.0);
}

// Runs `steps` steps of `sleep_us` each, reporting progress; stops when cancelled.
void slow(Call &c) {
    const int64_t steps = c.i64("steps");
    int64_t k = 0;
    for (; k < steps; ++k) {
        c.progress(static_cast<double>(k) / steps, k, 0.0);
        std::this_thread::sleep_for(std::chrono::microseconds(c.i64("sleep_us")));
    }
    c.scalar_i64("done", k);
}

// Row sums of a sparse matrix, and its transpose as a sparse output.
void sparse(Call &c) {
    auto A = c.in("A");
    const int64_t r = A.dim(0), k = A.dim(1);
    double *rs = c.out_f64("rowsum", {r});
    for (int64_t i = 0; i < r; ++i)
        for (int64_t e = A.indptr()[i]; e < A.indptr()[i + 1]; ++e) rs[i] += A.values()[e];
    auto T = c.out_sparse("T", k, r, A.nnz());
    for (int64_t e = 0; e < A.nnz(); ++e) T.indptr[A.indices()[e] + 1]++;
    for (int64_t j = 0; j < k; ++j) T.indptr[j + 1] += T.indptr[j];
    std::vector<int64_t> pos(T.indptr, T.indptr + k);
    for (int64_t i = 0; i < r; ++i)
        for (int64_t e = A.indptr()[i]; e < A.indptr()[i + 1]; ++e) {
            const int64_t q = pos[A.indices()[e]]++;
            T.indices[q] = i;
            T.values[q] = A.values()[e];
        }
}

}  // namespace

GEOMRT_PLUGIN("rtest", "1.0") {
    plugin.method("rtest.layout", layout)
        .summary("shape, strides and sum of a strided input").citation("none")
        .input("x", "any float64 tensor", GEOMRT_DTYPE_F64, -1, "", GEOMRT_IO_STRIDED | GEOMRT_IO_ALLOW_EMPTY)
        .output("shape", "shape received", GEOMRT_DTYPE_I64, 1, "")
        .output("strides", "strides received (elements)", GEOMRT_DTYPE_I64, 1, "")
        .scalar("sum", "sum of the elements");
    plugin.method("rtest.types", types)
        .summary("int64 and float32 round trip").citation("none")
        .input("i", "int64 vector", GEOMRT_DTYPE_I64, 1, "n")
        .input("f", "float32 vector", GEOMRT_DTYPE_F32, 1, "m", GEOMRT_IO_OPTIONAL)
        .output("i_out", "copy of i", GEOMRT_DTYPE_I64, 1, "n")
        .output("f_out", "copy of f", GEOMRT_DTYPE_F32, 1, "m", GEOMRT_IO_OPTIONAL)
        .scalar_i64("i_sum", "sum of i");
    plugin.method("rtest.cube", cube)
        .summary("rank-3 round trip").citation("none")
        .input("x", "rank-3 array", GEOMRT_DTYPE_F64, 3, "a,b,c")
        .output("y", "copy of x", GEOMRT_DTYPE_F64, 3, "a,b,c")
        .output("flat", "x in row-major order", GEOMRT_DTYPE_F64, 1, "");
    plugin.method("rtest.state", state)
        .summary("in-place state").citation("none")
        .input("state", "float64 state", GEOMRT_DTYPE_F64, -1, "", GEOMRT_IO_INPLACE)
        .input("counts", "int64 counters", GEOMRT_DTYPE_I64, -1, "", GEOMRT_IO_INPLACE | GEOMRT_IO_OPTIONAL)
        .param_f64("delta", "increment", "1")
        .param_bool("fail", "fail after writing", "false")
        .scalar("first", "first entry of the new state");
    plugin.method("rtest.sparse", sparse)
        .summary("sparse input and output").citation("none")
        .sparse_input("A", "sparse matrix", "r,k")
        .output("rowsum", "row sums", GEOMRT_DTYPE_F64, 1, "r")
        .sparse_output("T", "transpose", "k,r");
    plugin.method("rtest.slow", slow)
        .summary("a long call that reports progress").citation("none")
        .param_i64("steps", "steps", "100", 0)
        .param_i64("sleep_us", "microseconds per step", "1000", 0)
        .scalar_i64("done", "steps done");
}
