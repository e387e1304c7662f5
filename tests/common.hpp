// Helpers shared by the tests: RAII wrappers over the C API and a seeded generator.
#ifndef GEOMRT_TESTS_COMMON_HPP
#define GEOMRT_TESTS_COMMON_HPP

#include <cstdint>
#include <deque>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <catch2/catch.hpp>
#include <geomrt/geomrt.h>

namespace gt {

struct RtDel { void operator()(geomrt_runtime *p) const { geomrt_runtime_free(p); } };
struct ArgsDel { void operator()(geomrt_args *p) const { geomrt_args_free(p); } };
struct ResDel { void operator()(geomrt_result *p) const { geomrt_result_free(p); } };
using Runtime = std::unique_ptr<geomrt_runtime, RtDel>;
using Args = std::unique_ptr<geomrt_args, ArgsDel>;
using Result = std::unique_ptr<geomrt_result, ResDel>;

/// A runtime that loads only the given paths (no environment, no default directories).
inline Runtime runtime_with(std::vector<std::string> paths) {
    std::vector<const char *> p;
    for (auto &s : paths) p.push_back(s.c_str());
    geomrt_runtime_options o = GEOMRT_RUNTIME_OPTIONS_INIT;
    o.plugin_paths = p.data();
    o.n_plugin_paths = p.size();
    o.no_default_search = 1;
    geomrt_runtime *rt = nullptr;
    REQUIRE(geomrt_runtime_new(&rt, &o) == GEOMRT_OK);
    return Runtime(rt);
}

inline Runtime ot_runtime() { return runtime_with({GEOMRT_OT_PLUGIN_DIR}); }
/// A runtime with every plugin of the build tree (GEOMRT_OT_PLUGIN_DIR is the build's plugin directory).
inline Runtime plugins_runtime() { return runtime_with({GEOMRT_OT_PLUGIN_DIR}); }

inline Args new_args() {
    geomrt_args *a = nullptr;
    REQUIRE(geomrt_args_new(&a) == GEOMRT_OK);
    return Args(a);
}

/// Row-major matrix holder.
struct Mat {
    int64_t rows = 0, cols = 0;
    std::vector<double> v;
    Mat() = default;
    Mat(int64_t r, int64_t c) : rows(r), cols(c), v(static_cast<size_t>(r * c)) {}
    double &operator()(int64_t i, int64_t j) { return v[i * cols + j]; }
    double operator()(int64_t i, int64_t j) const { return v[i * cols + j]; }
};

/// Args borrow their tensors: temporaries passed here are kept alive until the test program exits.
inline std::vector<double> &keep(std::vector<double> &&v) {
    static std::deque<std::vector<double>> store;
    store.push_back(std::move(v));
    return store.back();
}
inline void set_mat(geomrt_args *a, const char *name, const Mat &m);
inline void set_mat(geomrt_args *a, const char *name, Mat &&m) {
    const std::vector<double> &data = keep(std::move(m.v));
    int64_t shape[2] = {m.rows, m.cols};
    REQUIRE(geomrt_args_set_f64(a, name, data.data(), 2, shape) == GEOMRT_OK);
}
inline void set_vec(geomrt_args *a, const char *name, std::vector<double> &&v) {
    const std::vector<double> &data = keep(std::move(v));
    int64_t shape[1] = {static_cast<int64_t>(data.size())};
    REQUIRE(geomrt_args_set_f64(a, name, data.data(), 1, shape) == GEOMRT_OK);
}
inline void set_mat(geomrt_args *a, const char *name, const Mat &m) {
    int64_t shape[2] = {m.rows, m.cols};
    REQUIRE(geomrt_args_set_f64(a, name, m.v.data(), 2, shape) == GEOMRT_OK);
}
inline void set_vec(geomrt_args *a, const char *name, const std::vector<double> &v) {
    int64_t shape[1] = {static_cast<int64_t>(v.size())};
    REQUIRE(geomrt_args_set_f64(a, name, v.data(), 1, shape) == GEOMRT_OK);
}

inline Mat uniform_points(std::mt19937_64 &g, int64_t n, int64_t d) {
    std::uniform_real_distribution<double> u(0.0, 1.0);
    Mat x(n, d);
    for (auto &e : x.v) e = u(g);
    return x;
}
inline std::vector<double> random_weights(std::mt19937_64 &g, int64_t n) {
    std::uniform_real_distribution<double> u(0.1, 1.0);
    std::vector<double> w(static_cast<size_t>(n));
    double s = 0;
    for (auto &e : w) s += (e = u(g));
    for (auto &e : w) e /= s;
    return w;
}
inline Mat sqdist(const Mat &x, const Mat &y) {
    Mat M(x.rows, y.rows);
    for (int64_t i = 0; i < x.rows; ++i)
        for (int64_t j = 0; j < y.rows; ++j) {
            double s = 0;
            for (int64_t k = 0; k < x.cols; ++k) s += (x(i, k) - y(j, k)) * (x(i, k) - y(j, k));
            M(i, j) = s;
        }
    return M;
}

inline Result invoke(geomrt_runtime *rt, const char *method, geomrt_args *args, int threads = 0) {
    geomrt_call_options o = GEOMRT_CALL_OPTIONS_INIT;
    o.num_threads = threads;
    geomrt_result *r = nullptr;
    int rc = geomrt_invoke(&r, rt, method, args, &o);
    INFO(method << ": " << geomrt_last_error());
    REQUIRE(rc == GEOMRT_OK);
    return Result(r);
}

/// Invoke expecting failure; returns the code and checks the result pointer stays NULL.
inline int invoke_fails(geomrt_runtime *rt, const char *method, geomrt_args *args, std::string *msg = nullptr) {
    geomrt_result *r = reinterpret_cast<geomrt_result *>(0x1);
    int rc = geomrt_invoke(&r, rt, method, args, nullptr);
    CHECK(r == nullptr);
    if (rc == GEOMRT_OK) geomrt_result_free(r);
    if (msg) *msg = geomrt_last_error();
    return rc;
}

inline double scalar(const geomrt_result *r, const char *name) {
    double v = 0;
    INFO(name << ": " << geomrt_last_error());
    REQUIRE(geomrt_result_scalar(r, name, &v) == GEOMRT_OK);
    return v;
}
inline std::vector<double> vec(const geomrt_result *r, const char *name) {
    geomrt_tensor_view t;
    REQUIRE(geomrt_result_tensor(r, name, &t) == GEOMRT_OK);
    REQUIRE(t.dtype == GEOMRT_DTYPE_F64);
    const double *p = static_cast<const double *>(t.data);
    return std::vector<double>(p, p + t.numel);
}
/// Any output (dense or sparse) as a dense row-major f64 matrix.
inline std::vector<double> dense(const geomrt_result *r, const char *name, int64_t n) {
    std::vector<double> out(static_cast<size_t>(n));
    REQUIRE(geomrt_result_copy_f64(r, name, out.data(), n) == GEOMRT_OK);
    return out;
}

}  // namespace gt

#endif
