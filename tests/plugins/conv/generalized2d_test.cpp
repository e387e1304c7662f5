// Tests of conv.generalized2d_forward / conv.generalized2d_backward against a direct patch loop,
// torch-style direct convolution, central finite differences, f32 vs f64, bad input and threads.
#include <cmath>
#include <cstring>
#include <thread>

#include "conv_helpers.hpp"

using ct::Case;

namespace {

const char *const kSims[] = {"dot", "poly", "gauss", "wl2", "wl1", "mix"};

/// Geometries: plain, stride 2 + padding, dilation 2 + padding, groups 2 with all three.
std::vector<Case> geometries(const std::string &sim) {
    std::vector<Case> out;
    Case c;
    c.sim = sim;
    out.push_back(c);
    c.stride = 2, c.padding = 1;
    out.push_back(c);
    c.stride = 1, c.dilation = 2, c.padding = 2;
    out.push_back(c);
    c.stride = 2, c.padding = 1, c.dilation = 2, c.groups = 2, c.kh = 2, c.kw = 3;
    out.push_back(c);
    c = Case();
    c.sim = sim, c.groups = 4, c.O = 8, c.bias = false, c.padding = 1;  // depthwise-like
    out.push_back(c);
    return out;
}

}  // namespace

TEST_CASE("conv dot equals a direct convolution to rounding", "[conv][forward]") {
    auto rt = gt::plugins_runtime();
    for (const Case &c : geometries("dot")) {
        const auto in = ct::random_inputs(c, 11);
        // Direct convolution written as torch.nn.functional.conv2d defines it (separate from the reference).
        const auto &x = in.t.at("x"), &w = in.t.at("weight");
        const std::vector<double> b = c.bias ? in.t.at("bias") : std::vector<double>();
        const int64_t cg = c.C / c.groups, og = c.O / c.groups;
        std::vector<double> want(static_cast<size_t>(c.N * c.O * c.Ho() * c.Wo()));
        for (int64_t n = 0; n < c.N; ++n)
            for (int64_t o = 0; o < c.O; ++o)
                for (int64_t i = 0; i < c.Ho(); ++i)
                    for (int64_t j = 0; j < c.Wo(); ++j) {
                        double s = c.bias ? b[o] : 0.0;
                        for (int64_t ci = 0; ci < cg; ++ci)
                            for (int64_t u = 0; u < c.kh; ++u)
                                for (int64_t v = 0; v < c.kw; ++v) {
                                    const int64_t iy = i * c.stride - c.padding + u * c.dilation;
                                    const int64_t ix = j * c.stride - c.padding + v * c.dilation;
                                    if (iy < 0 || iy >= c.H || ix < 0 || ix >= c.W) continue;
                                    s += w[((o * cg + ci) * c.kh + u) * c.kw + v] *
                                         x[((n * c.C + (o / og) * cg + ci) * c.H + iy) * c.W + ix];
                                }
                        want[((n * c.O + o) * c.Ho() + i) * c.Wo() + j] = s;
                    }
        INFO("stride " << c.stride << " padding " << c.padding << " dilation " << c.dilation << " groups " << c.groups);
        CHECK(ct::rel_err(ct::forward(rt.get(), c, in), want) < 1e-14);
    }
}

TEST_CASE("conv every similarity matches a direct patch loop, forward and backward", "[conv][forward][backward]") {
    auto rt = gt::plugins_runtime();
    for (const char *sim : kSims) {
        for (Case c : geometries(sim)) {
            for (int64_t p : {2, 3}) {
                if (p == 3 && c.sim != "poly") continue;
                c.p = p;
                const auto in = ct::random_inputs(c, 23);
                const auto ref = ct::reference(c, in);
                INFO(sim << " p " << p << " stride " << c.stride << " padding " << c.padding << " dilation "
                         << c.dilation << " groups " << c.groups);
                CHECK(ct::rel_err(ct::forward(rt.get(), c, in), ref.out) < 1e-12);
                const auto g = ct::backward(rt.get(), c, in);
                for (const auto &kv : ref.grad) {
                    INFO("grad_" << kv.first);
                    CHECK(ct::rel_err(g.at(kv.first), kv.second) < 1e-12);
                }
            }
        }
    }
}

TEST_CASE("conv handles many output positions (several chunks, ragged tails)", "[conv][forward][backward]") {
    // 61 x 59 with padding 1 and 3x3 kernels: 3599 positions; Og K = 8 x 18 splits them in chunks.
    auto rt = gt::plugins_runtime();
    for (const char *sim : kSims) {
        Case c;
        c.sim = sim, c.N = 2, c.C = 2, c.H = 61, c.W = 59, c.O = 8, c.padding = 1;
        const auto in = ct::random_inputs(c, 5);
        const auto ref = ct::reference(c, in);
        INFO(sim);
        CHECK(ct::rel_err(ct::forward(rt.get(), c, in), ref.out) < 1e-12);
        const auto g = ct::backward(rt.get(), c, in);
        for (const auto &kv : ref.grad) {
            INFO("grad_" << kv.first);
            CHECK(ct::rel_err(g.at(kv.first), kv.second) < 1e-11);
        }
    }
}

TEST_CASE("conv gradients match central finite differences in f64", "[conv][backward]") {
    auto rt = gt::plugins_runtime();
    for (const char *sim : kSims) {
        Case c;
        c.sim = sim, c.N = 2, c.C = 4, c.H = 6, c.W = 7, c.O = 4, c.kh = 3, c.kw = 2;
        c.stride = 2, c.padding = 1, c.dilation = 2, c.groups = 2, c.p = 3;
        auto in = ct::random_inputs(c, 77);
        const auto g = ct::backward(rt.get(), c, in);
        const auto &go = in.t.at("grad_out");
        auto loss = [&](const ct::Inputs &v) {
            const auto out = ct::forward(rt.get(), c, v, GEOMRT_DTYPE_F64, 1);
            double s = 0;
            for (size_t i = 0; i < out.size(); ++i) s += go[i] * out[i];
            return s;
        };
        for (const auto &kv : g) {
            const double h = 1e-6;
            std::vector<double> fd(kv.second.size());
            for (size_t i = 0; i < fd.size(); ++i) {
                ct::Inputs v = in;
                v.t[kv.first][i] += h;
                const double up = loss(v);
                v.t[kv.first][i] -= 2 * h;
                fd[i] = (up - loss(v)) / (2 * h);
            }
            INFO(sim << ": grad_" << kv.first);
            CHECK(ct::rel_err(kv.second, fd, 1e-3) < 1e-6);
        }
    }
}

TEST_CASE("conv f32 agrees with f64", "[conv][f32]") {
    auto rt = gt::plugins_runtime();
    for (const char *sim : kSims) {
        Case c;
        c.sim = sim, c.N = 3, c.C = 4, c.H = 9, c.W = 8, c.O = 6, c.stride = 2, c.padding = 1, c.groups = 2;
        auto in = ct::random_inputs(c, 3);
        for (auto &kv : in.t)
            for (auto &e : kv.second) e = static_cast<float>(e);  // same inputs in both precisions
        INFO(sim);
        CHECK(ct::rel_err(ct::forward(rt.get(), c, in, GEOMRT_DTYPE_F32), ct::forward(rt.get(), c, in)) < 2e-5);
        const auto g32 = ct::backward(rt.get(), c, in, GEOMRT_DTYPE_F32);
        const auto g64 = ct::backward(rt.get(), c, in);
        for (const auto &kv : g64) {
            INFO("grad_" << kv.first);
            CHECK(ct::rel_err(g32.at(kv.first), kv.second) < 2e-5);
        }
    }
}

TEST_CASE("conv wl1 uses the subgradient 0 where x equals w (padding taps with w = 0)", "[conv][backward]") {
    auto rt = gt::plugins_runtime();
    Case c;
    c.sim = "wl1", c.N = 1, c.C = 1, c.H = 4, c.W = 4, c.O = 2, c.padding = 1, c.bias = false;
    auto in = ct::random_inputs(c, 9);
    for (auto &e : in.t["weight"]) e = 0.0;  // every padding tap sits exactly at the kink
    in.t["x"][5] = 0.0;                      // and one interior pixel too
    const auto ref = ct::reference(c, in);   // the reference uses sgn(0) = 0
    const auto g = ct::backward(rt.get(), c, in);
    CHECK(ct::rel_err(g.at("weight"), ref.grad.at("weight")) < 1e-13);
    CHECK(ct::rel_err(g.at("x"), ref.grad.at("x")) < 1e-13);
}

namespace {

std::string fails(geomrt_runtime *rt, const Case &c, const ct::Inputs &in, bool backward, int want,
                  int dtype = GEOMRT_DTYPE_F64) {
    ct::Holder h;
    auto a = ct::make_args(c, in, backward, dtype, h);
    std::string msg;
    const char *m = backward ? "conv.generalized2d_backward" : "conv.generalized2d_forward";
    CHECK(gt::invoke_fails(rt, m, a.get(), &msg) == want);
    CHECK(msg.find(m) == 0);
    return msg;
}

}  // namespace

TEST_CASE("conv rejects bad input with clear errors and leaves the caller's arrays untouched", "[conv][errors]") {
    auto rt = gt::plugins_runtime();
    for (bool bwd : {false, true}) {
        Case c;
        c.sim = "wl2";
        const auto good = ct::random_inputs(c, 1);
        {  // weight with the wrong channel count
            auto in = good;
            in.shape["weight"][1] = 3;
            in.t["weight"].resize(4 * 3 * 9);
            in.shape["a"] = in.shape["weight"];
            in.t["a"].assign(4 * 3 * 9, 1.0);
            const auto msg = fails(rt.get(), c, in, bwd, GEOMRT_ESHAPE);
            CHECK(msg.find("'weight' has 3 channels per template") != std::string::npos);
            CHECK(msg.find("4 were expected") != std::string::npos);
        }
        {  // groups not dividing C
            Case g = c;
            g.groups = 3;
            const auto msg = fails(rt.get(), g, good, bwd, GEOMRT_EINVAL);
            CHECK(msg.find("groups = 3 does not divide the 4 channels of input 'x'") != std::string::npos);
        }
        {  // groups dividing C but not O
            Case g = c;
            g.groups = 4, g.O = 6;
            auto in = ct::random_inputs(g, 1);
            g.groups = 4;
            in.shape["weight"] = {6, 1, 3, 3};
            in.t["weight"].resize(54);
            in.shape["a"] = in.shape["weight"];
            in.t["a"].assign(54, 1.0);
            const auto msg = fails(rt.get(), g, in, bwd, GEOMRT_EINVAL);
            CHECK(msg.find("does not divide the 6 templates of input 'weight'") != std::string::npos);
        }
        {  // kernel larger than the padded input
            Case k = c;
            k.kh = 9;
            auto in = ct::random_inputs(c, 1);
            in.shape["weight"][2] = 9;
            in.t["weight"].assign(4 * 4 * 9 * 3, 0.1);
            in.shape["a"] = in.shape["weight"];
            in.t["a"].assign(4 * 4 * 9 * 3, 1.0);
            const auto msg = fails(rt.get(), c, in, bwd, GEOMRT_ESHAPE);
            CHECK(msg.find("larger than the input 'x' (7x6) padded by 0") != std::string::npos);
        }
        {  // NaN in x (and in grad_out for the backward pass)
            auto in = good;
            in.t["x"][17] = std::nan("");
            const auto copy = in.t["x"];
            const auto msg = fails(rt.get(), c, in, bwd, GEOMRT_EINVAL);
            CHECK(msg.find("'x'") != std::string::npos);
            CHECK(std::memcmp(copy.data(), in.t["x"].data(), copy.size() * sizeof(double)) == 0);
            if (bwd) {
                auto in2 = good;
                in2.t["grad_out"][3] = INFINITY;
                CHECK(fails(rt.get(), c, in2, bwd, GEOMRT_EINVAL).find("'grad_out'") != std::string::npos);
            }
        }
        {  // a missing for wl2, a given to dot, gamma missing for gauss, negative a
            auto in = good;
            in.t.erase("a");
            in.shape.erase("a");
            CHECK(fails(rt.get(), c, in, bwd, GEOMRT_EINVAL).find("similarity 'wl2' needs input 'a'") !=
                  std::string::npos);
            Case d = c;
            d.sim = "dot";
            CHECK(fails(rt.get(), d, good, bwd, GEOMRT_EINVAL).find("input 'a' is not used by similarity 'dot'") !=
                  std::string::npos);
            Case gs = c;
            gs.sim = "gauss";
            CHECK(fails(rt.get(), gs, in, bwd, GEOMRT_EINVAL).find("needs input 'gamma'") != std::string::npos);
            auto neg = good;
            neg.t["a"][0] = -1.0;
            CHECK(fails(rt.get(), c, neg, bwd, GEOMRT_EINVAL).find("'a'") != std::string::npos);
        }
        {  // mixed dtypes
            ct::Holder h;
            auto a = ct::make_args(c, good, bwd, GEOMRT_DTYPE_F32, h);
            const auto &w = good.t.at("weight");
            const auto &s = good.shape.at("weight");
            REQUIRE(geomrt_args_set_tensor(a.get(), "weight", GEOMRT_DTYPE_F64, w.data(), 4, s.data(), nullptr) ==
                    GEOMRT_OK);
            std::string msg;
            CHECK(gt::invoke_fails(rt.get(), bwd ? "conv.generalized2d_backward" : "conv.generalized2d_forward",
                                   a.get(), &msg) == GEOMRT_EDTYPE);
            CHECK(msg.find("input 'weight' is f64 but 'x' is f32") != std::string::npos);
            // int64 is neither f32 nor f64
            std::vector<int64_t> xi(good.t.at("x").size(), 1);
            const auto &xs = good.shape.at("x");
            REQUIRE(geomrt_args_set_tensor(a.get(), "x", GEOMRT_DTYPE_I64, xi.data(), 4, xs.data(), nullptr) ==
                    GEOMRT_OK);
            CHECK(gt::invoke_fails(rt.get(), bwd ? "conv.generalized2d_backward" : "conv.generalized2d_forward",
                                   a.get(), &msg) == GEOMRT_EDTYPE);
            CHECK(msg.find("must be float64 or float32") != std::string::npos);
        }
        {  // an empty batch
            auto in = good;
            in.shape["x"][0] = 0;
            in.shape["grad_out"][0] = 0;
            CHECK(fails(rt.get(), c, in, bwd, GEOMRT_ESHAPE).find("'x' is empty") != std::string::npos);
        }
        if (bwd) {  // grad_out of the wrong spatial shape
            auto in = good;
            in.shape["grad_out"] = {2, 4, 4, 4};
            in.t["grad_out"].assign(2 * 4 * 4 * 4, 1.0);
            CHECK(fails(rt.get(), c, in, true, GEOMRT_ESHAPE).find("'grad_out' has shape 2x4x4x4 but the output is 2x4x5x4") !=
                  std::string::npos);
        }
    }
}

TEST_CASE("conv forward reports overflow of the polynomial form", "[conv][errors]") {
    auto rt = gt::plugins_runtime();
    Case c;
    c.sim = "poly", c.p = 16;
    auto in = ct::random_inputs(c, 4);
    for (auto &e : in.t["c"]) e = 1e3;
    const auto msg = fails(rt.get(), c, in, false, GEOMRT_EINVAL, GEOMRT_DTYPE_F32);
    CHECK(msg.find("non-finite") != std::string::npos);
}

TEST_CASE("conv results do not depend on the thread count and are the same from concurrent callers",
          "[conv][threads]") {
    auto rt = gt::plugins_runtime();
    for (const char *sim : kSims) {
        Case c;
        // 16 x 32 x 400 x 18 multiply-adds: large enough for a team of 3 threads.
        c.sim = sim, c.N = 16, c.C = 4, c.H = 20, c.W = 20, c.O = 32, c.padding = 1, c.groups = 2;
        const auto in = ct::random_inputs(c, 8);
        for (int dtype : {GEOMRT_DTYPE_F32, GEOMRT_DTYPE_F64}) {
            const auto f1 = ct::forward(rt.get(), c, in, dtype, 1);
            const auto g1 = ct::backward(rt.get(), c, in, dtype, 1);
            std::vector<std::vector<double>> fs(4);
            std::vector<std::map<std::string, std::vector<double>>> gs(4);
            std::vector<std::thread> th;
            for (int t = 0; t < 4; ++t)
                th.emplace_back([&, t] {
                    // Catch assertions are not thread-safe: compute here, check on the main thread.
                    ct::Holder h;
                    auto af = ct::make_args(c, in, false, dtype, h);
                    auto ab = ct::make_args(c, in, true, dtype, h);
                    geomrt_call_options o = GEOMRT_CALL_OPTIONS_INIT;
                    o.num_threads = 1 + t;
                    geomrt_result *r = nullptr;
                    if (geomrt_invoke(&r, rt.get(), "conv.generalized2d_forward", af.get(), &o) == GEOMRT_OK) {
                        geomrt_tensor_view v;
                        geomrt_result_tensor(r, "out", &v);
                        for (int64_t i = 0; i < v.numel; ++i)
                            fs[t].push_back(dtype == GEOMRT_DTYPE_F64 ? static_cast<const double *>(v.data)[i]
                                                                      : static_cast<const float *>(v.data)[i]);
                        geomrt_result_free(r);
                    }
                    if (geomrt_invoke(&r, rt.get(), "conv.generalized2d_backward", ab.get(), &o) == GEOMRT_OK) {
                        for (const char *n : ct::kGradNames) {
                            geomrt_tensor_view v;
                            if (geomrt_result_tensor(r, ("grad_" + std::string(n)).c_str(), &v) != GEOMRT_OK) continue;
                            auto &dst = gs[t][n];
                            for (int64_t i = 0; i < v.numel; ++i)
                                dst.push_back(dtype == GEOMRT_DTYPE_F64 ? static_cast<const double *>(v.data)[i]
                                                                        : static_cast<const float *>(v.data)[i]);
                        }
                        geomrt_result_free(r);
                    }
                });
            for (auto &t : th) t.join();
            INFO(sim << (dtype == GEOMRT_DTYPE_F32 ? " f32" : " f64"));
            for (int t = 0; t < 4; ++t) {
                CHECK(fs[t] == f1);
                CHECK(gs[t] == g1);
            }
        }
    }
}

TEST_CASE("conv descriptors cite the paper and accept f32 and f64", "[conv][descriptor]") {
    auto rt = gt::plugins_runtime();
    for (const char *name : {"conv.generalized2d_forward", "conv.generalized2d_backward"}) {
        const geomrt_method *m = nullptr;
        REQUIRE(geomrt_method_find(&m, rt.get(), name) == GEOMRT_OK);
        CHECK(std::string(geomrt_method_citation(m)).find("Ghiasi-Shirazi") != std::string::npos);
        const std::string json = geomrt_method_json(m);
        CHECK(json.find("\"any_float\":true") != std::string::npos);
    }
}
