// Scratch memory of the plugin ABI 1.1: per-call blocks, reuse across calls, bounds, threads,
// and compatibility both ways (a 1.0 plugin on this host, an SDK plugin on a 1.0 host).
#include <dlfcn.h>

#include <atomic>
#include <cstddef>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include <geomrt/plugin.h>

#include "../common.hpp"

using namespace gt;

namespace {

constexpr int64_t MiB = int64_t(1) << 20;

struct FillResult {
    double sum = 0;
    int64_t intact = 0, address = 0, first_address = 0, aligned64 = 0, host_scratch = 0;
};

int64_t scalar_i64(geomrt_result *r, const char *name) {
    double v = 0;
    REQUIRE(geomrt_result_scalar(r, name, &v) == GEOMRT_OK);
    return static_cast<int64_t>(v);
}

FillResult fill_and_sum(geomrt_runtime *rt, const std::vector<double> &x, int64_t bytes, int64_t yields = 0,
                        bool release_first = false, bool touch = true) {
    Args a = new_args();
    int64_t shape[1] = {static_cast<int64_t>(x.size())};
    REQUIRE(geomrt_args_set_f64(a.get(), "x", x.data(), 1, shape) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_i64(a.get(), "bytes", bytes) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_i64(a.get(), "yields", yields) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_bool(a.get(), "release_first", release_first) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_bool(a.get(), "touch", touch) == GEOMRT_OK);
    geomrt_result *r = nullptr;
    REQUIRE(geomrt_invoke(&r, rt, "scratchtest.fill_and_sum", a.get(), nullptr) == GEOMRT_OK);
    Result keep(r);
    FillResult f;
    REQUIRE(geomrt_result_scalar(r, "sum", &f.sum) == GEOMRT_OK);
    f.intact = scalar_i64(r, "intact");
    f.address = scalar_i64(r, "address");
    f.first_address = scalar_i64(r, "first_address");
    f.aligned64 = scalar_i64(r, "aligned64");
    f.host_scratch = scalar_i64(r, "host_scratch");
    return f;
}

/// sum_k (x[k % n] + k) over the doubles of a block of `bytes` bytes (exact for integer x).
double expected_sum(const std::vector<double> &x, int64_t bytes) {
    const int64_t count = bytes / 8, n = static_cast<int64_t>(x.size());
    double s = 0;
    for (int64_t k = 0; k < count; ++k) s += x[k % n] + static_cast<double>(k);
    return s;
}

void cache_stats(geomrt_runtime *rt, size_t &count, size_t &bytes) {
    size_t limit = 0;
    REQUIRE(geomrt_runtime_scratch_cache_stats(rt, &count, &bytes, &limit) == GEOMRT_OK);
}

}  // namespace

TEST_CASE("a scratch block is the call's own, aligned, and reused by the next call of the runtime",
          "[core][scratch]") {
    Runtime rt = runtime_with({GEOMRT_TEST_SCRATCH_DIR});
    const std::vector<double> x = {1, 2, 3, 4, 5};
    REQUIRE(geomrt_runtime_set_scratch_cache(rt.get(), size_t(64) * MiB) == GEOMRT_OK);

    // Small blocks come from the heap and are not kept.
    FillResult s = fill_and_sum(rt.get(), x, 4096);
    CHECK(s.host_scratch == 1);
    CHECK(s.intact == 1);
    CHECK(s.aligned64 == 1);
    CHECK(s.sum == expected_sum(x, 4096));
    size_t count = 9, bytes = 9;
    cache_stats(rt.get(), count, bytes);
    CHECK(count == 0);
    CHECK(bytes == 0);

    // A large block stays mapped after the call, and the next call of that size gets it back.
    const int64_t big = 8 * MiB;
    FillResult a = fill_and_sum(rt.get(), x, big);
    CHECK(a.intact == 1);
    CHECK(a.sum == expected_sum(x, big));
    CHECK(a.address % (2 * MiB) == 0);  // 2 MiB aligned (huge pages)
    cache_stats(rt.get(), count, bytes);
    CHECK(count == 1);
    CHECK(bytes == size_t(big));
    FillResult b = fill_and_sum(rt.get(), x, big - 1000);  // a little smaller: same block
    CHECK(b.address == a.address);
    CHECK(b.intact == 1);
    CHECK(b.sum == expected_sum(x, big - 1000));
    // Far smaller requests do not take a block more than twice their size.
    FillResult c = fill_and_sum(rt.get(), x, 4 * MiB - 8);
    CHECK(c.address != a.address);

    // A block given back early (scratch_release) is reused within the same call.
    FillResult r = fill_and_sum(rt.get(), x, big, 0, true);
    CHECK(r.address == r.first_address);
    CHECK(r.intact == 1);
}

TEST_CASE("the scratch cache keeps at most 4 blocks and its byte bound, least recently used out first",
          "[core][scratch]") {
    Runtime rt = runtime_with({GEOMRT_TEST_SCRATCH_DIR});
    const std::vector<double> x = {1};
    REQUIRE(geomrt_runtime_set_scratch_cache(rt.get(), size_t(1) << 30) == GEOMRT_OK);
    // Sizes that cannot serve each other (each more than twice the previous): 5 distinct blocks.
    const int64_t sizes[] = {4 * MiB, 9 * MiB, 19 * MiB, 39 * MiB, 79 * MiB};
    for (int64_t b : sizes) fill_and_sum(rt.get(), x, b, 0, false, false);
    size_t count = 0, bytes = 0;
    cache_stats(rt.get(), count, bytes);
    CHECK(count == 4);  // the 4 MiB block, used least recently, went first
    CHECK(bytes == size_t((10 + 20 + 40 + 80) * MiB));  // mapped sizes round up to 2 MiB

    // Lowering the bound frees idle blocks now, least recently used first.
    REQUIRE(geomrt_runtime_set_scratch_cache(rt.get(), size_t(100) * MiB) == GEOMRT_OK);
    cache_stats(rt.get(), count, bytes);
    CHECK(count == 1);
    CHECK(bytes == size_t(80 * MiB));
    // A block larger than the bound is never kept.
    fill_and_sum(rt.get(), x, 101 * MiB, 0, false, false);
    cache_stats(rt.get(), count, bytes);
    CHECK(count == 1);
    CHECK(bytes == size_t(80 * MiB));
    // Bound 0: nothing is kept.
    REQUIRE(geomrt_runtime_set_scratch_cache(rt.get(), 0) == GEOMRT_OK);
    cache_stats(rt.get(), count, bytes);
    CHECK(count == 0);
    FillResult f = fill_and_sum(rt.get(), x, 8 * MiB);
    CHECK(f.intact == 1);
    cache_stats(rt.get(), count, bytes);
    CHECK(count == 0);
    CHECK(bytes == 0);

    CHECK(geomrt_runtime_set_scratch_cache(nullptr, 0) == GEOMRT_EINVAL);
    CHECK(geomrt_runtime_scratch_cache_stats(nullptr, &count, &bytes, nullptr) == GEOMRT_EINVAL);
}

TEST_CASE("concurrent calls never share a scratch block and give exact results", "[core][scratch][threads]") {
    Runtime rt = runtime_with({GEOMRT_TEST_SCRATCH_DIR});
    const int threads = 4, rounds = 12;
    const int64_t bytes = 4 * MiB + 4096;  // mapped and cached blocks
    std::atomic<int> bad{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
        pool.emplace_back([&, t] {
            const std::vector<double> x = {double(t + 1), double(10 * t), double(-t)};
            const double want = expected_sum(x, bytes);
            for (int r = 0; r < rounds; ++r) {
                Args a = new_args();
                int64_t shape[1] = {3};
                geomrt_args_set_f64(a.get(), "x", x.data(), 1, shape);
                geomrt_args_set_param_i64(a.get(), "bytes", bytes);
                geomrt_args_set_param_i64(a.get(), "yields", 200);
                geomrt_result *res = nullptr;
                if (geomrt_invoke(&res, rt.get(), "scratchtest.fill_and_sum", a.get(), nullptr) != GEOMRT_OK) {
                    ++bad;
                    continue;
                }
                double sum = 0, intact = 0;
                geomrt_result_scalar(res, "sum", &sum);
                geomrt_result_scalar(res, "intact", &intact);
                if (sum != want || intact != 1) ++bad;
                geomrt_result_free(res);
            }
        });
    }
    for (auto &th : pool) th.join();
    CHECK(bad.load() == 0);
    size_t count = 0, b = 0;
    cache_stats(rt.get(), count, b);
    CHECK(count >= 1);
    CHECK(count <= 4);
}

TEST_CASE("ot.sinkhorn from several threads with reused kernels gives results identical to one thread",
          "[core][scratch][threads][ot]") {
    // n = 800: a float64 kernel of 5 MB, a mapped scratch block the runtime keeps between calls.
    Runtime rt = ot_runtime();
    const int64_t n = 800;
    std::mt19937_64 gen(7);
    std::uniform_real_distribution<double> U(0, 1);
    std::vector<double> xs(n * 2), xt(n * 2);
    for (auto &v : xs) v = U(gen);
    for (auto &v : xt) v = U(gen) + 0.2;
    auto solve = [&](geomrt_runtime *r, std::vector<double> &plan) -> double {
        Args a = new_args();
        int64_t shape[2] = {n, 2};
        REQUIRE(geomrt_args_set_f64(a.get(), "xs", xs.data(), 2, shape) == GEOMRT_OK);
        REQUIRE(geomrt_args_set_f64(a.get(), "xt", xt.data(), 2, shape) == GEOMRT_OK);
        REQUIRE(geomrt_args_set_param_f64(a.get(), "reg", 0.05) == GEOMRT_OK);
        geomrt_call_options o = GEOMRT_CALL_OPTIONS_INIT;
        o.num_threads = 1;
        geomrt_result *res = nullptr;
        if (geomrt_invoke(&res, r, "ot.sinkhorn", a.get(), &o) != GEOMRT_OK) return -1;
        Result keep(res);
        double cost = -1;
        geomrt_result_scalar(res, "cost", &cost);
        plan.assign(static_cast<size_t>(n * n), 0.0);
        if (geomrt_result_copy_f64(res, "plan", plan.data(), n * n) != GEOMRT_OK) return -1;
        return cost;
    };
    std::vector<double> plan_ref;
    Runtime fresh = ot_runtime();
    REQUIRE(geomrt_runtime_set_scratch_cache(fresh.get(), 0) == GEOMRT_OK);  // a new mapping every call
    const double ref = solve(fresh.get(), plan_ref);
    REQUIRE(ref > 0);

    std::atomic<int> bad{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < 3; ++t) {
        pool.emplace_back([&] {
            for (int r = 0; r < 2; ++r) {
                std::vector<double> plan;
                const double cost = solve(rt.get(), plan);
                if (cost != ref || plan != plan_ref) ++bad;
            }
        });
    }
    for (auto &th : pool) th.join();
    CHECK(bad.load() == 0);
    size_t count = 0, bytes = 0;
    cache_stats(rt.get(), count, bytes);
    CHECK(count >= 1);  // the kernels stayed mapped for later calls
    std::vector<double> plan;
    CHECK(solve(rt.get(), plan) == ref);  // and a later call on reused memory agrees
    CHECK(plan == plan_ref);
}

TEST_CASE("a plugin built against plugin ABI 1.0 loads and runs in this host", "[core][scratch][abi]") {
    Runtime rt = runtime_with({GEOMRT_TEST_ABI10_DIR});
    REQUIRE(geomrt_runtime_plugin_report_count(rt.get()) == 1);
    int status = -1;
    const char *name = nullptr, *reason = nullptr;
    REQUIRE(geomrt_runtime_plugin_report_at(rt.get(), 0, nullptr, &status, &name, &reason) == GEOMRT_OK);
    CHECK(status == GEOMRT_PLUGIN_LOADED);
    CHECK(std::string(name) == "abi10");
    CHECK(std::string(reason).empty());

    const std::vector<double> x = {1, 2, 3, 4};
    Args a = new_args();
    int64_t shape[1] = {4};
    REQUIRE(geomrt_args_set_f64(a.get(), "x", x.data(), 1, shape) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_f64(a.get(), "scale", 0.5) == GEOMRT_OK);
    geomrt_result *r = nullptr;
    REQUIRE(geomrt_invoke(&r, rt.get(), "abi10.cumsum", a.get(), nullptr) == GEOMRT_OK);
    Result keep(r);
    double y[4] = {0, 0, 0, 0}, total = 0;
    REQUIRE(geomrt_result_copy_f64(r, "y", y, 4) == GEOMRT_OK);
    CHECK(y[0] == 1);
    CHECK(y[1] == 3);
    CHECK(y[2] == 6);
    CHECK(y[3] == 10);
    REQUIRE(geomrt_result_scalar(r, "total", &total) == GEOMRT_OK);
    CHECK(total == 5);

    // Progress and cancellation, 1.0 host functions, work as before.
    geomrt_call_options o = GEOMRT_CALL_OPTIONS_INIT;
    o.progress = [](void *, double, int64_t it, double) -> int { return it >= 1; };
    geomrt_result *r2 = nullptr;
    CHECK(geomrt_invoke(&r2, rt.get(), "abi10.cumsum", a.get(), &o) == GEOMRT_ECANCELLED);
    CHECK(r2 == nullptr);
}

namespace {

// A host of ABI 1.0 (or a 1.1 host whose scratch fails), imitated by the test: it loads a
// plugin's entry point and runs one method, as an older libgeomrt would.
struct FakeMethod {
    std::string name;
    std::vector<std::string> outputs, params;
    geomrt_method_fn fn = nullptr;
    void *user = nullptr;
};
struct FakeRegistrar {
    uint32_t declared_major = 0, declared_minor = 99;
    std::vector<FakeMethod> methods;
};
struct FakeCall {
    std::vector<std::vector<double>> out;  // one buffer per output
    std::string error;
    int code = GEOMRT_OK;
};

int fake_declare(geomrt_registrar *reg, const char *, const char *, uint32_t major, uint32_t minor) {
    auto *r = reinterpret_cast<FakeRegistrar *>(reg);
    r->declared_major = major;
    r->declared_minor = minor;
    return minor <= 0 ? GEOMRT_OK : GEOMRT_EVERSION;  // what a 1.0 host accepts
}
int fake_register(geomrt_registrar *reg, const geomrt_method_desc *d) {
    FakeMethod m;
    m.name = d->name;
    for (size_t i = 0; i < d->n_outputs; ++i) m.outputs.push_back(d->outputs[i].name);
    for (size_t i = 0; i < d->n_params; ++i) m.params.push_back(d->params[i].name);
    m.fn = d->fn;
    m.user = d->user;
    reinterpret_cast<FakeRegistrar *>(reg)->methods.push_back(m);
    return GEOMRT_OK;
}
int fake_output_dense(void *ctx, size_t index, int, int ndim, const int64_t *shape, void **data) {
    auto *c = static_cast<FakeCall *>(ctx);
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) n *= shape[i];
    c->out.at(index).assign(static_cast<size_t>(n) + 1, 0.0);
    *data = c->out[index].data();
    return GEOMRT_OK;
}
int fake_output_sparse(void *, size_t, int64_t, int64_t, int64_t, int64_t **, int64_t **, double **) {
    return GEOMRT_EINTERNAL;
}
int fake_progress(void *, double, int64_t, double) { return 0; }
int fake_cancelled(void *) { return 0; }
void fake_set_error(void *ctx, int code, const char *msg) {
    auto *c = static_cast<FakeCall *>(ctx);
    c->code = code;
    c->error = msg ? msg : "";
}
int failing_scratch(void *, size_t, void **data) {
    *data = nullptr;
    return GEOMRT_ENOMEM;
}
int failing_release(void *, void *) { return GEOMRT_EINVAL; }

}  // namespace

TEST_CASE("a plugin built with the current SDK runs on an ABI 1.0 host, with scratch from the SDK",
          "[core][scratch][abi]") {
    const std::string path = std::string(GEOMRT_TEST_SCRATCH_DIR) + "/libgeomrt_scratch_plugin.so";
    void *lib = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    REQUIRE(lib != nullptr);
    auto init = reinterpret_cast<geomrt_plugin_init_fn>(dlsym(lib, GEOMRT_PLUGIN_ENTRY));
    REQUIRE(init != nullptr);

    geomrt_host_api host;
    std::memset(&host, 0, sizeof host);
    host.struct_size = offsetof(geomrt_host_api, scratch);  // the 1.0 table ends at set_error
    host.abi_major = 1;
    host.abi_minor = 0;
    host.declare_plugin = fake_declare;
    host.register_method = fake_register;
    host.output_dense = fake_output_dense;
    host.output_sparse = fake_output_sparse;
    host.progress = fake_progress;
    host.cancelled = fake_cancelled;
    host.set_error = fake_set_error;
    CHECK_FALSE(GEOMRT_HOST_HAS(&host, scratch));

    FakeRegistrar reg;
    REQUIRE(init(&host, reinterpret_cast<geomrt_registrar *>(&reg)) == GEOMRT_OK);
    CHECK(reg.declared_major == 1);
    CHECK(reg.declared_minor == 0);  // the SDK asks only for what it needs
    REQUIRE(reg.methods.size() == 1);
    const FakeMethod &m = reg.methods[0];
    REQUIRE(m.params == std::vector<std::string>{"bytes", "yields", "release_first", "touch"});

    const std::vector<double> x = {3, 1, 2};
    const int64_t xshape[1] = {3}, xstrides[1] = {1};
    geomrt_tensor in;
    std::memset(&in, 0, sizeof in);
    in.present = 1;
    in.kind = GEOMRT_KIND_DENSE;
    in.dtype = GEOMRT_DTYPE_F64;
    in.ndim = 1;
    in.shape = xshape;
    in.strides = xstrides;
    in.data = const_cast<double *>(x.data());
    auto run = [&](const geomrt_host_api *h, int64_t bytes, bool release_first, FakeCall &call) {
        geomrt_param_value p[4];
        std::memset(p, 0, sizeof p);
        p[0].type = GEOMRT_PARAM_I64, p[0].i = bytes, p[0].f = static_cast<double>(bytes);
        p[1].type = GEOMRT_PARAM_I64;
        p[2].type = GEOMRT_PARAM_BOOL, p[2].i = release_first;
        p[3].type = GEOMRT_PARAM_BOOL, p[3].i = 1;
        geomrt_invocation inv;
        std::memset(&inv, 0, sizeof inv);
        inv.struct_size = sizeof inv;
        inv.inputs = &in;
        inv.n_inputs = 1;
        inv.params = p;
        inv.n_params = 4;
        inv.num_threads = 1;
        inv.ctx = &call;
        inv.host = h;
        call.out.assign(m.outputs.size(), {});
        return m.fn(m.user, &inv);
    };
    auto out = [&](FakeCall &call, const char *name, bool is_i64 = true) {
        for (size_t i = 0; i < m.outputs.size(); ++i) {
            if (m.outputs[i] != name) continue;
            if (!is_i64) return call.out[i].at(0);
            int64_t v = 0;
            std::memcpy(&v, call.out[i].data(), sizeof v);
            return static_cast<double>(v);
        }
        FAIL("no output " << name);
        return 0.0;
    };
    const int64_t bytes = 5 * MiB;
    FakeCall call;
    REQUIRE(run(&host, bytes, true, call) == GEOMRT_OK);
    CHECK(out(call, "host_scratch") == 0);
    CHECK(out(call, "intact") == 1);
    CHECK(out(call, "aligned64") == 1);
    CHECK(out(call, "sum", false) == expected_sum(x, bytes));
    CHECK(out(call, "first_address") != 0);

    // A 1.1 table whose scratch fails: the method fails with the host's code and a message.
    geomrt_host_api host11 = host;
    host11.struct_size = sizeof(geomrt_host_api);
    host11.abi_minor = 1;
    host11.scratch = failing_scratch;
    host11.scratch_release = failing_release;
    FakeCall fails;
    CHECK(run(&host11, bytes, false, fails) == GEOMRT_ENOMEM);
    CHECK(fails.error.find("scratchtest.fill_and_sum") != std::string::npos);
    CHECK(fails.error.find("scratch memory") != std::string::npos);
    // geomrt plugins are never unloaded (their OpenMP threads may outlive a handle); neither is this one.
}
