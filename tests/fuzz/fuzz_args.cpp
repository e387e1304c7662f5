// fuzz_args -- libFuzzer target for argument construction and invocation through the C API.
//
// The input bytes are a program: fill the harness's buffer, set dense tensors (any dtype, rank,
// shape, strides and offset, including extreme extents and strides), in-place tensors, sparse
// matrices and parameters of every type under the names the loaded methods declare, clear the
// arguments, and invoke a method of the ot plugin or of the test fixture plugin. Checked on
// every step, besides ASan/UBSan findings:
//  - geomrt_args_set_tensor/_inplace/_sparse accept exactly the layouts an independent 128-bit
//    computation calls valid (sizes and offset ranges within int64, no address wrap-around) and
//    refuse the others with GEOMRT_EINVAL. Layouts that are valid but reach outside the
//    harness's buffer are never passed (the library cannot know the caller's buffer);
//  - a failed invoke returns a NULL result and leaves the caller's memory byte for byte as it
//    was (read-only inputs are never written, in-place ones only on success);
//  - a call cancelled through the cancel flag (by the program, or by the harness's watchdog when
//    a solve runs past a second: iterative solvers on degenerate data may legitimately take
//    their whole iteration budget) fails with GEOMRT_ECANCELLED under the same rules;
//  - a successful result is consistent: numel = product of the shape, CSR structure valid,
//    geomrt_result_copy_f64 works with exactly numel elements and refuses one fewer.
#include <geomrt/geomrt.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#ifndef GEOMRT_FUZZ_PLUGIN_DIRS
#error "GEOMRT_FUZZ_PLUGIN_DIRS must name the plugin directories (ot and the test fixture), ':'-separated"
#endif

namespace {

#define CHECK_OR_TRAP(cond)                                                                        \
    do {                                                                                         \
        if (!(cond)) {                                                                           \
            std::fprintf(stderr, "fuzz_args: check failed: %s (line %d); last error: %s\n", #cond, \
                         __LINE__, geomrt_last_error());                                          \
            __builtin_trap();                                                                    \
        }                                                                                        \
    } while (0)

constexpr int64_t kI64Max = std::numeric_limits<int64_t>::max();
constexpr int64_t kI64Min = std::numeric_limits<int64_t>::min();
constexpr size_t kPool = 1024;     // 8-byte words of caller memory
constexpr int64_t kMaxNumel = 4096;  // larger (valid) tensors are not passed: they would only be slow

alignas(64) uint64_t pool[kPool];
uint64_t shadow[kPool];

/// The input bytes, consumed front to back; zeros once exhausted.
struct Bytes {
    const uint8_t *p;
    size_t n;
    uint8_t u8() { return n ? (--n, *p++) : 0; }
    uint16_t u16() { return static_cast<uint16_t>(u8() | (u8() << 8)); }
    size_t pick(size_t k) { return k ? u8() % k : 0; }
};

const double kDoubles[] = {0.0, 1.0, -1.0, 0.5, 2.0, 3.0, 0.25, 1e-3, 100.0, 2.5, 1e300, -1e300,
                           1e-300, 4.6e18, 9.3e18, -0.0, std::nan(""), INFINITY, -INFINITY, 0.1, 7.0};
const int64_t kInts[] = {0, 1, 2, 3, 5, 7, 64, -1, kI64Min, kI64Max, int64_t(1) << 62, int64_t(1) << 40, 3037000500};
const int64_t kExtremeExtents[] = {3037000500, int64_t(1) << 61, int64_t(1) << 62, kI64Max, -1, int64_t(1) << 31,
                                   int64_t(1) << 40, kI64Min};
const int64_t kExtremeStrides[] = {kI64Max, kI64Min, int64_t(1) << 61, -(int64_t(1) << 61), int64_t(1) << 40,
                                   3037000500, -3037000500, int64_t(1) << 59};
const char *const kStrings[] = {"2.5", "abc", "", "1e19", "nan", "true", "false", "0", "7", "-1", "1e-3", "inf",
                                "0x10", " 3", "3 ", "1e308", "9223372036854775807", "64"};
// Iteration budgets and sleeps: large values are valid and only make a call long.
const std::set<std::string> kBudgets = {"max_iter", "max_newton", "max_cg", "n_sinkhorn", "steps", "sleep_us"};
// Sizes the fixture's test.alloc allocates eagerly (sparse rows and entries): values the host must
// accept but that commit gigabytes are left out; small ones and ones that overflow stay in.
const std::set<std::string> kEagerSizes = {"rows", "nnz"};
bool big_but_valid(const std::string &name, double v) {
    // up to 2^60: beyond, the host refuses the size before allocating; below, ASan's operator
    // new would report a failed allocation as a crash instead of throwing std::bad_alloc
    return kEagerSizes.count(name) && v > double(1 << 20) && v < 0x1p60;
}

struct World {
    geomrt_runtime *rt = nullptr;
    std::vector<std::string> methods, inputs, params, strings;
};

World &world() {
    static World w = [] {
        World x;
        std::vector<std::string> dirs;
        std::string all = GEOMRT_FUZZ_PLUGIN_DIRS, cur;
        for (size_t i = 0; i <= all.size(); ++i) {
            if (i == all.size() || all[i] == ':') {
                if (!cur.empty()) dirs.push_back(cur);
                cur.clear();
            } else {
                cur += all[i];
            }
        }
        std::vector<const char *> ptrs;
        for (auto &d : dirs) ptrs.push_back(d.c_str());
        geomrt_runtime_options o = GEOMRT_RUNTIME_OPTIONS_INIT;
        o.plugin_paths = ptrs.data();
        o.n_plugin_paths = ptrs.size();
        o.no_default_search = 1;
        CHECK_OR_TRAP(geomrt_runtime_new(&x.rt, &o) == GEOMRT_OK);
        std::set<std::string> in, par, str(std::begin(kStrings), std::end(kStrings));
        for (size_t i = 0; i < geomrt_method_count(x.rt); ++i) {
            const geomrt_method *m = nullptr;
            CHECK_OR_TRAP(geomrt_method_at(&m, x.rt, i) == GEOMRT_OK);
            x.methods.push_back(geomrt_method_name(m));
            for (size_t k = 0; k < geomrt_method_input_count(m); ++k) {
                geomrt_slot_info s;
                CHECK_OR_TRAP(geomrt_method_input(m, k, &s) == GEOMRT_OK);
                in.insert(s.name);
            }
            for (size_t k = 0; k < geomrt_method_param_count(m); ++k) {
                geomrt_param_info p;
                CHECK_OR_TRAP(geomrt_method_param(m, k, &p) == GEOMRT_OK);
                par.insert(p.name);
                std::string c = p.choices;
                for (size_t a = 0, b; a <= c.size(); a = b + 1) {
                    b = c.find('|', a);
                    if (b == std::string::npos) b = c.size();
                    if (b > a) str.insert(c.substr(a, b - a));
                }
            }
        }
        CHECK_OR_TRAP(x.methods.size() >= 10);  // the ot plugin and the fixture both loaded
        in.insert("no_such_input");
        par.insert("no_such_param");
        x.inputs.assign(in.begin(), in.end());
        x.params.assign(par.begin(), par.end());
        x.strings.assign(str.begin(), str.end());
        return x;
    }();
    return w;
}

// Watchdog: cancels the running call through its cancel flag once its deadline has passed.
using Clock = std::chrono::steady_clock;
volatile int g_cancel = 0;
std::atomic<int64_t> g_deadline{0};  // steady-clock nanoseconds; 0 = no call running

void start_watchdog() {
    static std::once_flag once;
    std::call_once(once, [] {
        std::thread([] {
            for (;;) {
                std::this_thread::sleep_for(std::chrono::milliseconds(20));
                const int64_t d = g_deadline.load();
                if (d != 0 && Clock::now().time_since_epoch().count() > d) g_cancel = 1;
            }
        }).detach();
    });
}

int64_t now_ns() { return Clock::now().time_since_epoch().count(); }
int64_t g_input_deadline = 0;  // after it, an input's remaining invokes are skipped

void store_value(size_t i, size_t sel) {
    const size_t nd = sizeof kDoubles / sizeof kDoubles[0];
    sel %= nd + 9;
    if (sel < nd) {
        std::memcpy(&pool[i], &kDoubles[sel], 8);
    } else {
        const int64_t v = static_cast<int64_t>(sel - nd) - 1;  // -1 .. 7
        std::memcpy(&pool[i], &v, 8);
    }
}

using i128 = __int128;

/// What the setters must answer for a dense layout, computed independently in 128 bits.
enum class Verdict { Ok, Invalid, Skip };

Verdict judge_dense(int dtype, int ndim, const int64_t *shape, const int64_t *strides, const void *data) {
    const int64_t es = dtype == GEOMRT_DTYPE_F32 ? 4 : (dtype == GEOMRT_DTYPE_F64 || dtype == GEOMRT_DTYPE_I64) ? 8 : 0;
    if (es == 0 || ndim < 0 || ndim > 32) return Verdict::Invalid;
    i128 span = es, numel = 1;
    for (int i = 0; i < ndim; ++i) {
        if (shape[i] < 0) return Verdict::Invalid;
        span *= shape[i] > 1 ? shape[i] : 1;
        if (span > kI64Max) return Verdict::Invalid;
        numel *= shape[i];
    }
    if (numel == 0) return Verdict::Ok;
    if (!data) return Verdict::Invalid;
    i128 lo = 0, hi = 0;
    if (strides) {
        for (int i = 0; i < ndim; ++i) {
            if (shape[i] <= 1) continue;
            const i128 reach = static_cast<i128>(strides[i]) * (shape[i] - 1) * es;
            if (reach > kI64Max || reach < kI64Min) return Verdict::Invalid;
            (reach < 0 ? lo : hi) += reach;
            if (lo < kI64Min || hi > kI64Max) return Verdict::Invalid;
        }
    } else {
        hi = (numel - 1) * es;
    }
    const i128 p = static_cast<i128>(reinterpret_cast<uintptr_t>(data));
    if (p + lo < 0 || p + hi + es > static_cast<i128>(std::numeric_limits<uintptr_t>::max()))
        return Verdict::Invalid;
    // Valid for the library; usable only if it stays inside the harness's buffer.
    const i128 base = static_cast<i128>(reinterpret_cast<uintptr_t>(pool));
    if (numel > kMaxNumel || p + lo < base || p + hi + es > base + static_cast<i128>(sizeof pool)) return Verdict::Skip;
    return Verdict::Ok;
}

int64_t extent(Bytes &b) {
    const uint8_t v = b.u8();
    if (v < 232) return v % 6;
    return kExtremeExtents[v % (sizeof kExtremeExtents / sizeof kExtremeExtents[0])];
}

int64_t stride(Bytes &b) {
    const uint8_t v = b.u8();
    if (v < 232) return static_cast<int64_t>(v % 13) - 6;
    return kExtremeStrides[v % (sizeof kExtremeStrides / sizeof kExtremeStrides[0])];
}

void op_dense(Bytes &b, geomrt_args *args, bool inplace) {
    World &w = world();
    const std::string &name = w.inputs[b.pick(w.inputs.size())];
    static const int dtypes[] = {GEOMRT_DTYPE_F64, GEOMRT_DTYPE_F64, GEOMRT_DTYPE_F64, GEOMRT_DTYPE_F32,
                                 GEOMRT_DTYPE_I64, GEOMRT_DTYPE_I64, 0, 9};
    const int dtype = dtypes[b.pick(8)];
    const uint8_t r = b.u8();
    const int ndim = r < 240 ? r % 5 : (r % 2 ? 33 : -1);
    int64_t shape[4] = {0, 0, 0, 0}, strides[4] = {0, 0, 0, 0};
    const int nd = ndim >= 0 && ndim <= 4 ? ndim : 0;
    for (int i = 0; i < nd; ++i) shape[i] = extent(b);
    const bool has_strides = b.u8() % 2;
    if (has_strides)
        for (int i = 0; i < nd; ++i) strides[i] = stride(b);
    const uint16_t off = b.u16();
    const size_t es = dtype == GEOMRT_DTYPE_F32 ? 4 : 8;
    char *base = reinterpret_cast<char *>(pool);
    void *data = (off & 0x8000) ? nullptr : base + (off % (sizeof pool / es)) * es;
    if (ndim > 4) {  // rank 33: the setters must refuse it before reading the shape
        CHECK_OR_TRAP((inplace ? geomrt_args_set_inplace(args, name.c_str(), dtype, data, ndim, shape, nullptr)
                               : geomrt_args_set_tensor(args, name.c_str(), dtype, data, ndim, shape, nullptr)) ==
                      GEOMRT_EINVAL);
        return;
    }
    const int64_t *sp = has_strides ? strides : nullptr;
    const Verdict v = judge_dense(dtype, ndim, shape, sp, data);
    if (v == Verdict::Skip) return;
    const int rc = inplace ? geomrt_args_set_inplace(args, name.c_str(), dtype, data, ndim, shape, sp)
                           : geomrt_args_set_tensor(args, name.c_str(), dtype, data, ndim, shape, sp);
    CHECK_OR_TRAP(rc == (v == Verdict::Ok ? GEOMRT_OK : GEOMRT_EINVAL));
    CHECK_OR_TRAP((rc == GEOMRT_OK) == (geomrt_last_error()[0] == '\0'));
}

void op_sparse(Bytes &b, geomrt_args *args) {
    World &w = world();
    const std::string &name = w.inputs[b.pick(w.inputs.size())];
    const int64_t rows = extent(b), cols = extent(b), nnz = extent(b);
    const size_t o1 = b.pick(kPool), o2 = b.pick(kPool), o3 = b.pick(kPool);
    const int64_t *ip = reinterpret_cast<const int64_t *>(pool);
    const double *dp = reinterpret_cast<const double *>(pool);
    bool invalid = rows < 0 || cols < 0 || nnz < 0;
    if (!invalid) {
        const i128 cells = static_cast<i128>(rows) * cols;
        invalid = cells > kI64Max || rows >= kI64Max / 8 || nnz > kI64Max / 8;
    }
    if (!invalid && (o1 + static_cast<size_t>(rows) + 1 > kPool || o2 + static_cast<size_t>(nnz) > kPool ||
                     o3 + static_cast<size_t>(nnz) > kPool))
        return;  // valid, but beyond the harness's buffer
    const int rc = geomrt_args_set_sparse(args, name.c_str(), rows, cols, nnz, ip + (invalid ? 0 : o1),
                                          ip + (invalid ? 0 : o2), dp + (invalid ? 0 : o3));
    CHECK_OR_TRAP(rc == (invalid ? GEOMRT_EINVAL : GEOMRT_OK));
}

void op_param(Bytes &b, geomrt_args *args) {
    World &w = world();
    const std::string &name = w.params[b.pick(w.params.size())];
    const bool budget = kBudgets.count(name) != 0;
    switch (b.pick(4)) {
    case 0: {
        double v = kDoubles[b.pick(sizeof kDoubles / sizeof kDoubles[0])];
        if (budget && v > 300) return;
        if ((name == "sleep_us" && v > 0) || big_but_valid(name, v)) return;
        CHECK_OR_TRAP(geomrt_args_set_param_f64(args, name.c_str(), v) == GEOMRT_OK);
        break;
    }
    case 1: {
        int64_t v = kInts[b.pick(sizeof kInts / sizeof kInts[0])];
        if (budget && v > 300) return;
        if ((name == "sleep_us" && v > 0) || big_but_valid(name, static_cast<double>(v))) return;
        CHECK_OR_TRAP(geomrt_args_set_param_i64(args, name.c_str(), v) == GEOMRT_OK);
        break;
    }
    case 2: CHECK_OR_TRAP(geomrt_args_set_param_bool(args, name.c_str(), b.u8() % 3) == GEOMRT_OK); break;
    default: {
        const std::string &s = w.strings[b.pick(w.strings.size())];
        if (budget || name == "sleep_us" || kEagerSizes.count(name)) {
            char *end = nullptr;
            const double v = std::strtod(s.c_str(), &end);
            if (end != s.c_str() && v > 0 && ((budget && v > 300) || name == "sleep_us" || big_but_valid(name, v)))
                return;
        }
        CHECK_OR_TRAP(geomrt_args_set_param_string(args, name.c_str(), s.c_str()) == GEOMRT_OK);
        break;
    }
    }
}

void check_result(const geomrt_result *res) {
    for (size_t i = 0; i < geomrt_result_count(res); ++i) {
        const char *name = geomrt_result_name(res, i);
        CHECK_OR_TRAP(name && geomrt_result_has(res, name));
        const int kind = geomrt_result_kind(res, name);
        if (kind == GEOMRT_KIND_DENSE) {
            geomrt_tensor_view t;
            CHECK_OR_TRAP(geomrt_result_tensor(res, name, &t) == GEOMRT_OK);
            i128 n = 1;
            for (int d = 0; d < t.ndim; ++d) {
                CHECK_OR_TRAP(t.shape[d] >= 0);
                n *= t.shape[d];
            }
            CHECK_OR_TRAP(n == t.numel);
            if (t.numel > (int64_t(1) << 20)) continue;
            std::vector<double> buf(static_cast<size_t>(t.numel) + 1);
            CHECK_OR_TRAP(geomrt_result_copy_f64(res, name, buf.data(), t.numel) == GEOMRT_OK);
            if (t.numel > 0) CHECK_OR_TRAP(geomrt_result_copy_f64(res, name, buf.data(), t.numel - 1) == GEOMRT_ESHAPE);
            double s;
            CHECK_OR_TRAP((geomrt_result_scalar(res, name, &s) == GEOMRT_OK) == (t.numel == 1));
        } else {
            CHECK_OR_TRAP(kind == GEOMRT_KIND_SPARSE);
            geomrt_sparse_view v;
            CHECK_OR_TRAP(geomrt_result_sparse(res, name, &v) == GEOMRT_OK);
            CHECK_OR_TRAP(v.rows >= 0 && v.cols >= 0 && v.nnz >= 0);
            CHECK_OR_TRAP(v.indptr[0] == 0 && v.indptr[v.rows] == v.nnz);
            for (int64_t r = 0; r < v.rows; ++r) CHECK_OR_TRAP(v.indptr[r] <= v.indptr[r + 1]);
            for (int64_t k = 0; k < v.nnz; ++k) CHECK_OR_TRAP(v.indices[k] >= 0 && v.indices[k] < v.cols);
            const i128 cells = static_cast<i128>(v.rows) * v.cols;
            if (cells > (int64_t(1) << 20)) continue;
            std::vector<double> buf(static_cast<size_t>(cells) + 1);
            CHECK_OR_TRAP(geomrt_result_copy_f64(res, name, buf.data(), static_cast<int64_t>(cells)) == GEOMRT_OK);
        }
    }
}

void op_invoke(Bytes &b, geomrt_args *args) {
    World &w = world();
    const std::string &method = w.methods[b.pick(w.methods.size())];
    geomrt_call_options opts = GEOMRT_CALL_OPTIONS_INIT;
    opts.num_threads = 1;
    const uint8_t mode = b.u8();
    if (now_ns() > g_input_deadline) return;
    const bool cancel = mode % 16 == 15;  // cancelled by the program before the call
    g_cancel = cancel;
    opts.cancel_flag = &g_cancel;
    std::memcpy(shadow, pool, sizeof pool);
    geomrt_result *res = reinterpret_cast<geomrt_result *>(uintptr_t(1));
    g_deadline = now_ns() + 1000000000;
    const int rc = geomrt_invoke(&res, w.rt, method.c_str(), mode % 32 == 31 ? nullptr : args, &opts);
    g_deadline = 0;
    if (rc != GEOMRT_OK) {
        CHECK_OR_TRAP(rc < 0 && res == nullptr);
        CHECK_OR_TRAP(geomrt_last_error_code() == rc && geomrt_last_error()[0] != '\0');
        CHECK_OR_TRAP(std::memcmp(shadow, pool, sizeof pool) == 0);  // caller memory untouched
        if (g_cancel) CHECK_OR_TRAP(rc != GEOMRT_EINTERNAL);
        return;
    }
    CHECK_OR_TRAP(res != nullptr && !cancel);
    check_result(res);
    geomrt_result_free(res);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    World &w = world();
    (void)w;
    start_watchdog();
    g_input_deadline = now_ns() + int64_t(8) * 1000000000;
    Bytes b{data, size};
    const uint8_t seed = b.u8();
    for (size_t i = 0; i < kPool; ++i) store_value(i, seed + i * 7 + (i >> 3));
    geomrt_args *args = nullptr;
    CHECK_OR_TRAP(geomrt_args_new(&args) == GEOMRT_OK);
    for (int step = 0; step < 48 && b.n > 0; ++step) {
        switch (b.pick(10)) {
        case 0: {  // fill a region of the buffer with one value
            const size_t at = b.pick(kPool), len = b.u8() % 64, sel = b.u8();
            for (size_t i = at; i < at + len && i < kPool; ++i) store_value(i, sel);
            break;
        }
        case 1:
        case 2: op_dense(b, args, false); break;
        case 3: op_dense(b, args, true); break;
        case 4: op_sparse(b, args); break;
        case 5:
        case 6: op_param(b, args); break;
        case 7:
        case 8: op_invoke(b, args); break;
        default: geomrt_args_clear(args); break;
        }
    }
    geomrt_args_free(args);
    return 0;
}
