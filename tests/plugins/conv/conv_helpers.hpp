// Helpers for the conv tests: a problem description, random inputs, calls in f32 or f64, and a
// direct patch-loop reference of the forward and backward passes (written independently of
// the plugin's im2col + GEMM path).
#ifndef GEOMRT_TESTS_CONV_HELPERS_HPP
#define GEOMRT_TESTS_CONV_HELPERS_HPP

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "common.hpp"

namespace ct {

struct Case {
    std::string sim = "dot";
    int64_t N = 2, C = 4, H = 7, W = 6, O = 4, kh = 3, kw = 3;
    int64_t stride = 1, padding = 0, dilation = 1, groups = 1;
    int64_t p = 2;
    double lambda = 0.3;
    bool bias = true;
    int64_t Ho() const { return (H + 2 * padding - dilation * (kh - 1) - 1) / stride + 1; }
    int64_t Wo() const { return (W + 2 * padding - dilation * (kw - 1) - 1) / stride + 1; }
    bool uses_a() const { return sim == "wl2" || sim == "wl1"; }
    bool uses_gamma() const { return sim == "gauss"; }
    bool uses_c() const { return sim == "poly"; }
};

/// The tensors of one problem (float64 master copies).
struct Inputs {
    std::map<std::string, std::vector<double>> t;
    std::map<std::string, std::vector<int64_t>> shape;
};

inline Inputs random_inputs(const Case &c, uint64_t seed) {
    std::mt19937_64 g(seed);
    std::uniform_real_distribution<double> u(-1.0, 1.0), pos(0.2, 1.5);
    Inputs in;
    auto add = [&](const std::string &name, std::vector<int64_t> shape, bool positive, double scale) {
        int64_t n = 1;
        for (auto d : shape) n *= d;
        std::vector<double> v(static_cast<size_t>(n));
        for (auto &e : v) e = positive ? pos(g) : scale * u(g);
        in.t[name] = v;
        in.shape[name] = shape;
    };
    const int64_t cg = c.C / c.groups;
    add("x", {c.N, c.C, c.H, c.W}, false, 1.0);
    add("weight", {c.O, cg, c.kh, c.kw}, false, c.sim == "gauss" ? 0.5 : 0.6);
    if (c.uses_a()) add("a", {c.O, cg, c.kh, c.kw}, true, 1.0);
    if (c.uses_gamma()) {
        add("gamma", {c.O}, true, 1.0);
        for (auto &e : in.t["gamma"]) e *= 0.1;  // exp(-gamma d) away from 0 for d ~ K
    }
    if (c.uses_c()) add("c", {c.O}, false, 0.5);
    if (c.bias) add("bias", {c.O}, false, 0.5);
    add("grad_out", {c.N, c.O, c.Ho(), c.Wo()}, false, 1.0);
    return in;
}

/// Keeps converted f32 copies alive while args borrow them.
struct Holder {
    std::vector<std::vector<float>> f32;
};

inline void set_params(geomrt_args *a, const Case &c) {
    REQUIRE(geomrt_args_set_param_string(a, "similarity", c.sim.c_str()) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_i64(a, "p", c.p) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_f64(a, "lambda", c.lambda) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_i64(a, "stride", c.stride) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_i64(a, "padding", c.padding) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_i64(a, "dilation", c.dilation) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_i64(a, "groups", c.groups) == GEOMRT_OK);
}

/// Args for a call: every tensor in `in` except grad_out unless backward.
inline gt::Args make_args(const Case &c, const Inputs &in, bool backward, int dtype, Holder &h) {
    gt::Args a = gt::new_args();
    for (const auto &kv : in.t) {
        if (kv.first == "grad_out" && !backward) continue;
        const auto &s = in.shape.at(kv.first);
        if (dtype == GEOMRT_DTYPE_F64) {
            REQUIRE(geomrt_args_set_tensor(a.get(), kv.first.c_str(), GEOMRT_DTYPE_F64, kv.second.data(),
                                           static_cast<int>(s.size()), s.data(), nullptr) == GEOMRT_OK);
        } else {
            h.f32.emplace_back(kv.second.begin(), kv.second.end());
            REQUIRE(geomrt_args_set_tensor(a.get(), kv.first.c_str(), GEOMRT_DTYPE_F32, h.f32.back().data(),
                                           static_cast<int>(s.size()), s.data(), nullptr) == GEOMRT_OK);
        }
    }
    set_params(a.get(), c);
    return a;
}

/// An output as float64 (whatever its dtype), checking the dtype first.
inline std::vector<double> output(const geomrt_result *r, const char *name, int dtype) {
    geomrt_tensor_view t;
    INFO(name);
    REQUIRE(geomrt_result_tensor(r, name, &t) == GEOMRT_OK);
    REQUIRE(t.dtype == dtype);
    std::vector<double> v(static_cast<size_t>(t.numel));
    for (int64_t i = 0; i < t.numel; ++i)
        v[i] = dtype == GEOMRT_DTYPE_F64 ? static_cast<const double *>(t.data)[i]
                                         : static_cast<const float *>(t.data)[i];
    return v;
}

inline bool has_output(const geomrt_result *r, const char *name) {
    geomrt_tensor_view t;
    return geomrt_result_tensor(r, name, &t) == GEOMRT_OK;
}

inline std::vector<double> forward(geomrt_runtime *rt, const Case &c, const Inputs &in, int dtype = GEOMRT_DTYPE_F64,
                                   int threads = 0) {
    Holder h;
    auto a = make_args(c, in, false, dtype, h);
    auto r = gt::invoke(rt, "conv.generalized2d_forward", a.get(), threads);
    return output(r.get(), "out", dtype);
}

const char *const kGradNames[] = {"x", "weight", "a", "gamma", "c", "bias"};

/// Backward outputs keyed by the input they differentiate ("x", "weight", ...).
inline std::map<std::string, std::vector<double>> backward(geomrt_runtime *rt, const Case &c, const Inputs &in,
                                                           int dtype = GEOMRT_DTYPE_F64, int threads = 0) {
    Holder h;
    auto a = make_args(c, in, true, dtype, h);
    auto r = gt::invoke(rt, "conv.generalized2d_backward", a.get(), threads);
    std::map<std::string, std::vector<double>> g;
    for (const char *n : kGradNames) {
        const std::string out = "grad_" + std::string(n);
        const bool expected = in.t.count(n) > 0;
        INFO(out);
        REQUIRE(has_output(r.get(), out.c_str()) == expected);
        if (expected) g[n] = output(r.get(), out.c_str(), dtype);
    }
    return g;
}

/// Direct patch loop: out[n, o, i, j] and the gradients of sum(grad_out * out).
struct Reference {
    std::vector<double> out;
    std::map<std::string, std::vector<double>> grad;
};

inline Reference reference(const Case &c, const Inputs &in) {
    const auto &x = in.t.at("x"), &w = in.t.at("weight"), &go = in.t.at("grad_out");
    const std::vector<double> none;
    const auto &a = in.t.count("a") ? in.t.at("a") : none;
    const auto &gm = in.t.count("gamma") ? in.t.at("gamma") : none;
    const auto &cc = in.t.count("c") ? in.t.at("c") : none;
    const auto &b = in.t.count("bias") ? in.t.at("bias") : none;
    const int64_t cg = c.C / c.groups, og = c.O / c.groups, Ho = c.Ho(), Wo = c.Wo(), K = cg * c.kh * c.kw;
    Reference R;
    R.out.assign(static_cast<size_t>(c.N * c.O * Ho * Wo), 0.0);
    for (const auto &kv : in.t)
        if (kv.first != "grad_out") R.grad[kv.first].assign(kv.second.size(), 0.0);
    std::vector<double> xv(K), ds_dx(K), ds_dw(K), ds_da(K);
    std::vector<int64_t> xi(K);
    for (int64_t n = 0; n < c.N; ++n)
        for (int64_t o = 0; o < c.O; ++o)
            for (int64_t i = 0; i < Ho; ++i)
                for (int64_t j = 0; j < Wo; ++j) {
                    const int64_t g = o / og;
                    int64_t k = 0;
                    for (int64_t ci = 0; ci < cg; ++ci)
                        for (int64_t u = 0; u < c.kh; ++u)
                            for (int64_t v = 0; v < c.kw; ++v, ++k) {
                                const int64_t iy = i * c.stride - c.padding + u * c.dilation;
                                const int64_t ix = j * c.stride - c.padding + v * c.dilation;
                                const bool inside = iy >= 0 && iy < c.H && ix >= 0 && ix < c.W;
                                xi[k] = inside ? ((n * c.C + g * cg + ci) * c.H + iy) * c.W + ix : -1;
                                xv[k] = inside ? x[xi[k]] : 0.0;
                            }
                    const double *wo = &w[o * K];
                    double z = 0, d = 0, s = 0;
                    for (k = 0; k < K; ++k) {
                        z += wo[k] * xv[k];
                        d += (xv[k] - wo[k]) * (xv[k] - wo[k]);
                    }
                    double dgamma = 0, dc = 0;
                    if (c.sim == "dot") {
                        s = z;
                        for (k = 0; k < K; ++k) ds_dx[k] = wo[k], ds_dw[k] = xv[k];
                    } else if (c.sim == "poly") {
                        s = std::pow(z + cc[o], static_cast<double>(c.p));
                        const double f = c.p * std::pow(z + cc[o], static_cast<double>(c.p - 1));
                        for (k = 0; k < K; ++k) ds_dx[k] = f * wo[k], ds_dw[k] = f * xv[k];
                        dc = f;
                    } else if (c.sim == "gauss") {
                        s = std::exp(-gm[o] * d);
                        for (k = 0; k < K; ++k) {
                            ds_dx[k] = -gm[o] * s * 2 * (xv[k] - wo[k]);
                            ds_dw[k] = -ds_dx[k];
                        }
                        dgamma = -d * s;
                    } else if (c.sim == "mix") {
                        s = c.lambda * z - (1 - c.lambda) * d;
                        for (k = 0; k < K; ++k) {
                            ds_dx[k] = c.lambda * wo[k] - (1 - c.lambda) * 2 * (xv[k] - wo[k]);
                            ds_dw[k] = c.lambda * xv[k] + (1 - c.lambda) * 2 * (xv[k] - wo[k]);
                        }
                    } else if (c.sim == "wl2") {
                        for (k = 0; k < K; ++k) {
                            const double e = xv[k] - wo[k], ak = a[o * K + k];
                            s -= ak * e * e;
                            ds_dx[k] = -2 * ak * e;
                            ds_dw[k] = 2 * ak * e;
                            ds_da[k] = -e * e;
                        }
                    } else {  // wl1
                        for (k = 0; k < K; ++k) {
                            const double e = xv[k] - wo[k], ak = a[o * K + k];
                            const double sg = e > 0 ? 1.0 : (e < 0 ? -1.0 : 0.0);
                            s -= ak * std::fabs(e);
                            ds_dx[k] = -ak * sg;
                            ds_dw[k] = ak * sg;
                            ds_da[k] = -std::fabs(e);
                        }
                    }
                    const int64_t oi = ((n * c.O + o) * Ho + i) * Wo + j;
                    R.out[oi] = s + (b.empty() ? 0.0 : b[o]);
                    const double gv = go[oi];
                    for (k = 0; k < K; ++k) {
                        if (xi[k] >= 0) R.grad["x"][xi[k]] += gv * ds_dx[k];
                        R.grad["weight"][o * K + k] += gv * ds_dw[k];
                        if (c.uses_a()) R.grad["a"][o * K + k] += gv * ds_da[k];
                    }
                    if (c.uses_gamma()) R.grad["gamma"][o] += gv * dgamma;
                    if (c.uses_c()) R.grad["c"][o] += gv * dc;
                    if (!b.empty()) R.grad["bias"][o] += gv;
                }
    return R;
}

/// max |a - b| / (max |b| + floor)
inline double rel_err(const std::vector<double> &a, const std::vector<double> &b, double floor = 1e-12) {
    REQUIRE(a.size() == b.size());
    double num = 0, den = floor;
    for (size_t i = 0; i < a.size(); ++i) {
        num = std::max(num, std::fabs(a[i] - b[i]));
        den = std::max(den, std::fabs(b[i]));
    }
    return num / den;
}

}  // namespace ct

#endif
