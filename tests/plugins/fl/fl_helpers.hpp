// Helpers of the fl tests: calling an fl method on a K x d matrix of either dtype, reading outputs.
#ifndef GEOMRT_TESTS_FL_HELPERS_HPP
#define GEOMRT_TESTS_FL_HELPERS_HPP

#include <map>
#include <string>
#include <vector>

#include "../../common.hpp"

namespace flt {

/// Outputs of one call, converted to f64 (kept as f64 too).
struct Out {
    std::map<std::string, std::vector<double>> v;
    std::map<std::string, int> dtype;
    const std::vector<double> &operator[](const std::string &k) const { return v.at(k); }
};

/// One call's inputs: W (row-major K x d, f64 or f32 copy, optional strides) and other inputs, params as text.
struct Call {
    std::vector<double> W;
    int64_t K = 0, d = 0;
    bool f32 = false;
    bool colmajor = false;  // pass W column-major (strides {1, K})
    std::map<std::string, std::vector<double>> vecs;  // w0, server_update, n (f64)
    std::map<std::string, std::string> params;
    int threads = 0;
};

inline void set_inputs(geomrt_args *a, const Call &c, std::vector<float> &w32, std::vector<double> &w64) {
    int64_t shape[2] = {c.K, c.d};
    int64_t cm[2] = {1, c.K};
    const bool cmaj = c.colmajor;
    if (c.f32) w32.resize(c.W.size());
    w64.resize(c.W.size());
    for (int64_t i = 0; i < c.K; ++i)
        for (int64_t j = 0; j < c.d; ++j) {
            const size_t src = static_cast<size_t>(i * c.d + j), dst = cmaj ? static_cast<size_t>(j * c.K + i) : src;
            w64[dst] = c.W[src];
            if (c.f32) w32[dst] = static_cast<float>(c.W[src]);
        }
    const void *p = c.f32 ? static_cast<const void *>(w32.data()) : static_cast<const void *>(w64.data());
    REQUIRE(geomrt_args_set_tensor(a, "W", c.f32 ? GEOMRT_DTYPE_F32 : GEOMRT_DTYPE_F64, p, 2, shape,
                                   cmaj ? cm : nullptr) == GEOMRT_OK);
    for (const auto &kv : c.vecs) {
        int64_t s[1] = {static_cast<int64_t>(kv.second.size())};
        REQUIRE(geomrt_args_set_tensor(a, kv.first.c_str(), GEOMRT_DTYPE_F64, kv.second.data(), 1, s, nullptr) ==
                GEOMRT_OK);
    }
    for (const auto &kv : c.params) REQUIRE(geomrt_args_set_param_string(a, kv.first.c_str(), kv.second.c_str()) == GEOMRT_OK);
}

inline Out run(geomrt_runtime *rt, const char *method, const Call &c) {
    auto args = gt::new_args();
    std::vector<float> w32;
    std::vector<double> w64;
    set_inputs(args.get(), c, w32, w64);
    auto res = gt::invoke(rt, method, args.get(), c.threads);
    Out o;
    for (size_t i = 0; i < geomrt_result_count(res.get()); ++i) {
        const char *name = geomrt_result_name(res.get(), i);
        geomrt_tensor_view t;
        REQUIRE(geomrt_result_tensor(res.get(), name, &t) == GEOMRT_OK);
        std::vector<double> v(static_cast<size_t>(t.numel));
        if (t.numel) REQUIRE(geomrt_result_copy_f64(res.get(), name, v.data(), t.numel) == GEOMRT_OK);
        o.v[name] = v;
        o.dtype[name] = t.dtype;
    }
    return o;
}

/// Invoke expecting failure; returns the code and sets *msg.
inline int fails(geomrt_runtime *rt, const char *method, const Call &c, std::string *msg) {
    auto args = gt::new_args();
    std::vector<float> w32;
    std::vector<double> w64;
    set_inputs(args.get(), c, w32, w64);
    return gt::invoke_fails(rt, method, args.get(), msg);
}

inline std::vector<double> gaussian(std::mt19937_64 &g, size_t n, double mean = 0.0, double sd = 1.0) {
    std::normal_distribution<double> N(mean, sd);
    std::vector<double> v(n);
    for (auto &x : v) x = N(g);
    return v;
}

}  // namespace flt

#endif
