// softmax.jvp_linear: against the product written out, finite differences of a two-layer network
// chained through the method, float32 inputs, and bad input.
#include "softmax_helpers.hpp"

using namespace gt;
using namespace st;

namespace {

std::vector<double> randn(std::mt19937_64 &g, size_t n, double s = 1.0) {
    std::normal_distribution<double> nd;
    std::vector<double> v(n);
    for (auto &x : v) x = s * nd(g);
    return v;
}

/// y = X M^T + bias (B x K), written out.
std::vector<double> affine(const std::vector<double> &X, const std::vector<double> &M, const std::vector<double> *bias,
                           int64_t B, int64_t D, int64_t K) {
    std::vector<double> y(B * K, 0.0);
    for (int64_t b = 0; b < B; ++b)
        for (int64_t k = 0; k < K; ++k) {
            double s = bias ? (*bias)[k] : 0.0;
            for (int64_t d = 0; d < D; ++d) s += X[b * D + d] * M[k * D + d];
            y[b * K + k] = s;
        }
    return y;
}

void set_vec1(geomrt_args *a, const char *name, const std::vector<double> &v) {
    int64_t shape[1] = {static_cast<int64_t>(v.size())};
    REQUIRE(geomrt_args_set_f64(a, name, v.data(), 1, shape) == GEOMRT_OK);
}

}  // namespace

TEST_CASE("softmax.jvp_linear computes X V^T + v_bias (+ dX W^T)", "[softmax][jvp_linear]") {
    auto rt = plugins_runtime();
    std::mt19937_64 g(31);
    const int64_t B = 6, D = 5, K = 4;
    const auto X = randn(g, B * D), V = randn(g, K * D), vb = randn(g, K), W = randn(g, K * D), dX = randn(g, B * D);
    auto args = new_args();
    set_f64(args.get(), "X", X, B, D);
    set_f64(args.get(), "V", V, K, D);
    auto r = invoke(rt.get(), "softmax.jvp_linear", args.get());
    const auto expect0 = affine(X, V, nullptr, B, D, K);
    auto a0 = vec(r.get(), "a");
    REQUIRE(a0.size() == expect0.size());
    for (size_t i = 0; i < a0.size(); ++i) CHECK(a0[i] == Approx(expect0[i]).epsilon(1e-14).margin(1e-15));

    set_vec1(args.get(), "v_bias", vb);
    set_f64(args.get(), "W", W, K, D);
    set_f64(args.get(), "dX", dX, B, D);
    r = invoke(rt.get(), "softmax.jvp_linear", args.get());
    const auto e1 = affine(X, V, &vb, B, D, K), e2 = affine(dX, W, nullptr, B, D, K);
    const auto a1 = vec(r.get(), "a");
    for (size_t i = 0; i < a1.size(); ++i) CHECK(a1[i] == Approx(e1[i] + e2[i]).epsilon(1e-13).margin(1e-14));

    // float32 inputs: widened to float64, the same numbers as float64 inputs holding the same values.
    std::vector<float> Xf(X.begin(), X.end()), Vf(V.begin(), V.end());
    std::vector<double> Xr(Xf.begin(), Xf.end()), Vr(Vf.begin(), Vf.end());
    auto a32 = new_args(), a64 = new_args();
    set_f32(a32.get(), "X", Xf, B, D);
    set_f32(a32.get(), "V", Vf, K, D);
    set_f64(a64.get(), "X", Xr, B, D);
    set_f64(a64.get(), "V", Vr, K, D);
    CHECK(vec(invoke(rt.get(), "softmax.jvp_linear", a32.get()).get(), "a") ==
          vec(invoke(rt.get(), "softmax.jvp_linear", a64.get()).get(), "a"));
}

TEST_CASE("softmax.jvp_linear chained through a ReLU network matches finite differences of its logits",
          "[softmax][jvp_linear]") {
    auto rt = plugins_runtime();
    std::mt19937_64 g(32);
    const int64_t B = 8, D = 6, H = 7, K = 3;
    const auto X = randn(g, B * D), W1 = randn(g, H * D, 0.5), b1 = randn(g, H, 0.1), W2 = randn(g, K * H, 0.5),
               b2 = randn(g, K, 0.1);
    const auto V1 = randn(g, H * D), c1 = randn(g, H), V2 = randn(g, K * H), c2 = randn(g, K);
    auto logits = [&](double t) {
        std::vector<double> w1(W1), bb1(b1), w2(W2), bb2(b2);
        for (size_t i = 0; i < w1.size(); ++i) w1[i] += t * V1[i];
        for (size_t i = 0; i < bb1.size(); ++i) bb1[i] += t * c1[i];
        for (size_t i = 0; i < w2.size(); ++i) w2[i] += t * V2[i];
        for (size_t i = 0; i < bb2.size(); ++i) bb2[i] += t * c2[i];
        auto h = affine(X, w1, &bb1, B, D, H);
        for (auto &v : h) v = std::max(v, 0.0);
        return affine(h, w2, &bb2, B, H, K);
    };
    // Forward mode through the method: layer 1 (input fixed), ReLU mask, layer 2 (input moving).
    auto args = new_args();
    set_f64(args.get(), "X", X, B, D);
    set_f64(args.get(), "V", V1, H, D);
    set_vec1(args.get(), "v_bias", c1);
    auto dh = vec(invoke(rt.get(), "softmax.jvp_linear", args.get()).get(), "a");
    auto h = affine(X, W1, &b1, B, D, H);
    for (size_t i = 0; i < h.size(); ++i) {
        if (h[i] <= 0) dh[i] = 0;
        h[i] = std::max(h[i], 0.0);
    }
    auto args2 = new_args();
    set_f64(args2.get(), "X", h, B, H);
    set_f64(args2.get(), "V", V2, K, H);
    set_vec1(args2.get(), "v_bias", c2);
    set_f64(args2.get(), "W", W2, K, H);
    set_f64(args2.get(), "dX", dh, B, H);
    const auto a = vec(invoke(rt.get(), "softmax.jvp_linear", args2.get()).get(), "a");
    const double eps = 1e-6;
    const auto zp = logits(eps), zm = logits(-eps);
    for (size_t i = 0; i < a.size(); ++i) CHECK(a[i] == Approx((zp[i] - zm[i]) / (2 * eps)).epsilon(1e-6).margin(1e-7));
}

TEST_CASE("softmax.jvp_linear rejects bad input with clear errors", "[softmax][jvp_linear][bad]") {
    auto rt = plugins_runtime();
    std::mt19937_64 g(33);
    const auto X = randn(g, 12), V = randn(g, 8), W = randn(g, 8);
    std::string msg;
    {  // D of V differs from D of X.
        auto args = new_args();
        set_f64(args.get(), "X", X, 3, 4);
        set_f64(args.get(), "V", V, 4, 2);
        CHECK(invoke_fails(rt.get(), "softmax.jvp_linear", args.get(), &msg) == GEOMRT_ESHAPE);
        CHECK(msg.find("softmax.jvp_linear") != std::string::npos);
        CHECK(msg.find("'V'") != std::string::npos);
    }
    {  // W without dX.
        auto args = new_args();
        set_f64(args.get(), "X", X, 3, 4);
        set_f64(args.get(), "V", V, 2, 4);
        set_f64(args.get(), "W", W, 2, 4);
        CHECK(invoke_fails(rt.get(), "softmax.jvp_linear", args.get(), &msg) == GEOMRT_EINVAL);
        CHECK(msg.find("'dX'") != std::string::npos);
    }
    {  // NaN in X; bias of the wrong length.
        auto Xn = X;
        Xn[5] = std::nan("");
        auto args = new_args();
        set_f64(args.get(), "X", Xn, 3, 4);
        set_f64(args.get(), "V", V, 2, 4);
        CHECK(invoke_fails(rt.get(), "softmax.jvp_linear", args.get(), &msg) == GEOMRT_EINVAL);
        CHECK(msg.find("'X'") != std::string::npos);
        CHECK(std::isnan(Xn[5]));
        auto args2 = new_args();
        set_f64(args2.get(), "X", X, 3, 4);
        set_f64(args2.get(), "V", V, 2, 4);
        const std::vector<double> bias3 = {1.0, 2.0, 3.0};
        set_vec1(args2.get(), "v_bias", bias3);
        CHECK(invoke_fails(rt.get(), "softmax.jvp_linear", args2.get(), &msg) == GEOMRT_ESHAPE);
        CHECK(msg.find("'v_bias'") != std::string::npos);
    }
}
