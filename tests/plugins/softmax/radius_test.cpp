// softmax.radius against closed forms, the complex zeros of the partition function located
// numerically, float32 vs float64, edge sizes, zero spreads, bad input and threads.
#include <algorithm>
#include <atomic>
#include <complex>
#include <cstring>
#include <random>
#include <thread>

#include "softmax_helpers.hpp"

using namespace gt;
using namespace st;

namespace {

struct Data {
    int64_t B = 0, K = 0;
    std::vector<double> z, a;
};

Data logit_data(uint64_t seed, int64_t B, int64_t K, double zscale = 3.0, double ascale = 1.0) {
    std::mt19937_64 g(seed);
    std::normal_distribution<double> nd;
    Data d;
    d.B = B;
    d.K = K;
    d.z.resize(static_cast<size_t>(B * K));
    d.a.resize(static_cast<size_t>(B * K));
    for (auto &v : d.z) v = zscale * nd(g);
    for (auto &v : d.a) v = ascale * nd(g);
    return d;
}

double row_spread(const std::vector<double> &x, int64_t b, int64_t K) {
    const auto first = x.begin() + b * K;
    const auto mm = std::minmax_element(first, first + K);
    return *mm.second - *mm.first;
}

Result radius(geomrt_runtime *rt, const Data &d, bool with_jvp, int threads = 0) {
    auto args = new_args();
    set_f64(args.get(), "logits", d.z, d.B, d.K);
    if (with_jvp) set_f64(args.get(), "jvp", d.a, d.B, d.K);
    return invoke(rt, "softmax.radius", args.get(), threads);
}

/// Newton's method on f(tau) = 1 + exp(-(delta + Delta tau)) in complex arithmetic from `start`.
std::complex<double> binary_zero(double delta, double Delta, std::complex<double> start) {
    using C = std::complex<double>;
    C t = start;
    for (int it = 0; it < 100; ++it) {
        const C e = std::exp(-(delta + Delta * t));
        const C f = 1.0 + e, df = -Delta * e;
        const C step = f / df;
        t -= step;
        if (std::abs(step) < 1e-16 * std::max(1.0, std::abs(t))) break;
    }
    return t;
}

}  // namespace

TEST_CASE("softmax.radius gives pi / spread per sample and the minimum over the batch", "[softmax][radius]") {
    auto rt = plugins_runtime();
    const Data d = logit_data(1, 7, 5);
    auto r = radius(rt.get(), d, true);
    const auto delta_a = vec(r.get(), "delta_a"), rho = vec(r.get(), "rho"), rho_logit = vec(r.get(), "rho_logit");
    REQUIRE(delta_a.size() == 7);
    double rmin = kInf, mean_spread = 0;
    for (int64_t b = 0; b < d.B; ++b) {
        const double sa = row_spread(d.a, b, d.K), sz = row_spread(d.z, b, d.K);
        CHECK(delta_a[b] == sa);
        CHECK(rho[b] == kPi / sa);
        CHECK(rho_logit[b] == kPi / sz);
        rmin = std::min(rmin, kPi / sa);
        mean_spread += sz / d.B;
    }
    CHECK(scalar(r.get(), "rho_batch") == rmin);
    // The set-level radius is pi over the largest spread.
    CHECK(scalar(r.get(), "rho_batch") == kPi / *std::max_element(delta_a.begin(), delta_a.end()));
    CHECK(scalar(r.get(), "rho_logit_mean") == Approx(kPi / mean_spread).epsilon(1e-14));
    CHECK_FALSE(has(r.get(), "rho_binary"));  // K = 5

    // Without the JVP: only the JVP-free radii, and rho_batch from them.
    auto r2 = radius(rt.get(), d, false);
    CHECK_FALSE(has(r2.get(), "rho"));
    CHECK_FALSE(has(r2.get(), "delta_a"));
    CHECK_FALSE(has(r2.get(), "rho_binary"));
    const auto rl = vec(r2.get(), "rho_logit");
    CHECK(rl == rho_logit);
    CHECK(scalar(r2.get(), "rho_batch") == *std::min_element(rl.begin(), rl.end()));
}

TEST_CASE("softmax.radius: the binary radius is the distance to the complex zero of 1 + exp(-(delta + Delta tau))",
          "[softmax][radius][binary]") {
    auto rt = plugins_runtime();
    Data d = logit_data(2, 40, 2, 4.0, 2.0);
    d.z[0] = 0.3;  // sample 0: delta = 0, where rho_binary = rho
    d.z[1] = 0.3;
    auto r = radius(rt.get(), d, true);
    const auto rb = vec(r.get(), "rho_binary"), rho = vec(r.get(), "rho");
    REQUIRE(rb.size() == 40);
    CHECK(rb[0] == Approx(rho[0]).epsilon(1e-15));
    for (int64_t b = 0; b < d.B; ++b) {
        const double delta = d.z[2 * b + 1] - d.z[2 * b], Delta = d.a[2 * b + 1] - d.a[2 * b];
        INFO("sample " << b << ": delta = " << delta << ", Delta = " << Delta);
        // Newton from points on the imaginary axis of w = delta + Delta tau (Im w in (0, 2 pi) and (-2 pi, 0)),
        // mapped to tau; keep the nearest zero it finds.
        double nearest = kInf;
        for (double im : {0.5, 1.5, 2.5, 3.5, 4.5, 5.5, -0.5, -1.5, -2.5, -3.5, -4.5, -5.5}) {
            const std::complex<double> start = (std::complex<double>(0.7, im) - delta) / Delta;
            const std::complex<double> t = binary_zero(delta, Delta, start);
            const std::complex<double> f = 1.0 + std::exp(-(delta + Delta * t));
            if (std::abs(f) < 1e-9) nearest = std::min(nearest, std::abs(t));
        }
        REQUIRE(std::isfinite(nearest));
        CHECK(rb[b] == Approx(nearest).epsilon(1e-10));
        CHECK(rb[b] == Approx(std::sqrt(delta * delta + kPi * kPi) / std::fabs(Delta)).epsilon(1e-15));
        // The multiclass bound pi / Delta_a never exceeds the exact binary radius.
        CHECK(rho[b] <= rb[b] * (1 + 1e-15));
    }
}

TEST_CASE("softmax.radius: pi / Delta_a is a lower bound on |tau| at every zero of the partition function",
          "[softmax][radius]") {
    auto rt = plugins_runtime();
    for (int64_t K : {3, 4, 6}) {
        const Data d = logit_data(10 + K, 6, K, 1.5, 1.0);
        auto r = radius(rt.get(), d, true);
        const auto rho = vec(r.get(), "rho");
        for (int64_t b = 0; b < d.B; ++b) {
            std::vector<double> z(d.z.begin() + b * K, d.z.begin() + (b + 1) * K);
            std::vector<double> a(d.a.begin() + b * K, d.a.begin() + (b + 1) * K);
            int found = 0;
            const double nearest = nearest_zero(z, a, 4 * rho[b], &found);
            INFO("K = " << K << ", sample " << b << ", rho = " << rho[b] << ", nearest zero " << nearest);
            REQUIRE(found > 0);
            CHECK(nearest >= rho[b] * (1 - 1e-12));
            // ... and not a loose one: the nearest zero lies within a few radii.
            CHECK(nearest <= 4 * std::sqrt(2.0) * rho[b]);
        }
    }
}

TEST_CASE("softmax.radius: float32 inputs give the float64 results for the same values", "[softmax][radius][f32]") {
    auto rt = plugins_runtime();
    for (int64_t K : {2, 10, 37}) {
        Data d = logit_data(3 + K, 9, K);
        std::vector<float> zf(d.z.size()), af(d.a.size());
        for (size_t i = 0; i < zf.size(); ++i) {
            zf[i] = static_cast<float>(d.z[i]);
            af[i] = static_cast<float>(d.a[i]);
            d.z[i] = zf[i];  // the same values in both precisions
            d.a[i] = af[i];
        }
        auto r64 = radius(rt.get(), d, true);
        const char *outs[] = {"delta_a", "rho", "rho_logit"};
        for (int mix = 0; mix < 3; ++mix) {  // f32/f32, f32 logits + f64 jvp, f64 logits + f32 jvp
            auto args = new_args();
            if (mix < 2) set_f32(args.get(), "logits", zf, d.B, K);
            else set_f64(args.get(), "logits", d.z, d.B, K);
            if (mix == 1) set_f64(args.get(), "jvp", d.a, d.B, K);
            else set_f32(args.get(), "jvp", af, d.B, K);
            auto r32 = invoke(rt.get(), "softmax.radius", args.get());
            for (const char *o : outs) CHECK(vec(r32.get(), o) == vec(r64.get(), o));
            CHECK(scalar(r32.get(), "rho_batch") == scalar(r64.get(), "rho_batch"));
            CHECK(scalar(r32.get(), "rho_logit_mean") == scalar(r64.get(), "rho_logit_mean"));
            CHECK(has(r32.get(), "rho_binary") == (K == 2));
            if (K == 2) CHECK(vec(r32.get(), "rho_binary") == vec(r64.get(), "rho_binary"));
        }
    }
}

TEST_CASE("softmax.radius on B = 1, K = 2 matches the hand computation", "[softmax][radius]") {
    auto rt = plugins_runtime();
    Data d;
    d.B = 1;
    d.K = 2;
    d.z = {0.5, -1.0};  // delta = z_1 - z_0 = -1.5
    d.a = {2.0, -1.0};  // Delta = -3
    auto r = radius(rt.get(), d, true);
    CHECK(vec(r.get(), "delta_a")[0] == 3.0);
    CHECK(vec(r.get(), "rho")[0] == Approx(kPi / 3).epsilon(1e-16));
    CHECK(vec(r.get(), "rho_binary")[0] == Approx(std::sqrt(2.25 + kPi * kPi) / 3).epsilon(1e-15));
    CHECK(vec(r.get(), "rho_logit")[0] == Approx(kPi / 1.5).epsilon(1e-16));
    CHECK(scalar(r.get(), "rho_batch") == Approx(kPi / 3).epsilon(1e-16));
}

TEST_CASE("softmax.radius on large K finds extremes in every lane and in the tail", "[softmax][radius]") {
    auto rt = plugins_runtime();
    const int64_t K = 100003;  // not a multiple of the 16 lanes
    const int64_t positions[][2] = {{0, K - 1}, {K - 1, 0}, {17, 5}, {K - 2, K - 3}, {31, 48}};
    for (int f32 = 0; f32 < 2; ++f32)
        for (const auto &pos : positions) {
            Data d = logit_data(7, 2, K, 0.1, 0.1);
            for (auto &v : d.z) v = std::max(-1.0, std::min(1.0, v));
            for (auto &v : d.a) v = std::max(-1.0, std::min(1.0, v));
            d.z[pos[0]] = 5.0;   // row 0: max at pos[0], min at pos[1]
            d.z[pos[1]] = -2.0;
            d.a[K + pos[1]] = 4.0;  // row 1 of the JVP: max at pos[1], min at pos[0]
            d.a[K + pos[0]] = -3.0;
            auto args = new_args();
            std::vector<float> zf(d.z.begin(), d.z.end()), af(d.a.begin(), d.a.end());
            if (f32) {
                set_f32(args.get(), "logits", zf, 2, K);
                set_f32(args.get(), "jvp", af, 2, K);
            } else {
                set_f64(args.get(), "logits", d.z, 2, K);
                set_f64(args.get(), "jvp", d.a, 2, K);
            }
            auto r = invoke(rt.get(), "softmax.radius", args.get());
            INFO("f32 " << f32 << " positions " << pos[0] << ", " << pos[1]);
            CHECK(vec(r.get(), "rho_logit")[0] == kPi / 7.0);
            CHECK(vec(r.get(), "delta_a")[1] == 7.0);
            CHECK(scalar(r.get(), "rho_batch") == kPi / 7.0);
        }
}

TEST_CASE("softmax.radius: a zero spread gives an infinite radius in every output, never NaN",
          "[softmax][radius][zero]") {
    auto rt = plugins_runtime();
    for (int64_t K : {2, 5}) {
        Data d;
        d.B = 3;
        d.K = K;
        d.z.assign(static_cast<size_t>(3 * K), 1.25);  // equal logits in every row
        d.a.assign(static_cast<size_t>(3 * K), -0.5);  // a direction that shifts every logit alike
        for (int64_t j = 0; j < K; ++j) d.a[2 * K + j] = 2.0 + 0.0;
        auto r = radius(rt.get(), d, true);
        for (const char *o : {"delta_a"})
            for (double v : vec(r.get(), o)) CHECK(v == 0.0);
        for (const char *o : {"rho", "rho_logit"})
            for (double v : vec(r.get(), o)) CHECK(v == kInf);
        if (K == 2)
            for (double v : vec(r.get(), "rho_binary")) CHECK(v == kInf);
        CHECK(scalar(r.get(), "rho_batch") == kInf);
        CHECK(scalar(r.get(), "rho_logit_mean") == kInf);
        auto r2 = radius(rt.get(), d, false);
        CHECK(scalar(r2.get(), "rho_batch") == kInf);

        // One sample with a spread: the batch radius is finite and comes from it.
        d.a[K + 1] = 0.5;
        auto r3 = radius(rt.get(), d, true);
        const auto rho = vec(r3.get(), "rho");
        CHECK(rho[0] == kInf);
        CHECK(rho[1] == kPi / 1.0);
        CHECK(scalar(r3.get(), "rho_batch") == kPi);
        if (K == 2) CHECK(vec(r3.get(), "rho_binary")[1] == Approx(kPi / 1.0).epsilon(1e-15));  // delta = 0

        // The controller takes the infinite radius: no limit, r = 0.
        auto args = new_args();
        REQUIRE(geomrt_args_set_param_f64(args.get(), "rho", scalar(r.get(), "rho_batch")) == GEOMRT_OK);
        REQUIRE(geomrt_args_set_param_f64(args.get(), "lr", 0.1) == GEOMRT_OK);
        REQUIRE(geomrt_args_set_param_f64(args.get(), "step_norm", 3.0) == GEOMRT_OK);
        auto s = invoke(rt.get(), "softmax.safe_step", args.get());
        CHECK(scalar(s.get(), "r") == 0.0);
        CHECK(scalar(s.get(), "lr_eff") == 0.1);
        CHECK(scalar(s.get(), "r_eff") == 0.0);
        CHECK(scalar(s.get(), "limited") == 0.0);
    }
}

TEST_CASE("softmax.radius rejects bad input with clear errors and leaves the caller's arrays alone",
          "[softmax][radius][bad]") {
    auto rt = plugins_runtime();
    const Data good = logit_data(5, 4, 6);
    auto expect = [&](const Data &d, int code, const std::vector<std::string> &words, bool f32 = false,
                      int64_t jrows = -1, int64_t jcols = -1) {
        const Data before = d;
        std::vector<float> zf(d.z.begin(), d.z.end()), af(d.a.begin(), d.a.end());
        auto args = new_args();
        if (f32) {
            set_f32(args.get(), "logits", zf, d.B, d.K);
            set_f32(args.get(), "jvp", af, jrows < 0 ? d.B : jrows, jcols < 0 ? d.K : jcols);
        } else {
            set_f64(args.get(), "logits", d.z, d.B, d.K);
            set_f64(args.get(), "jvp", d.a, jrows < 0 ? d.B : jrows, jcols < 0 ? d.K : jcols);
        }
        std::string msg;
        CHECK(invoke_fails(rt.get(), "softmax.radius", args.get(), &msg) == code);
        INFO(msg);
        CHECK(msg.find("softmax.radius") != std::string::npos);
        for (const auto &w : words) CHECK(msg.find(w) != std::string::npos);
        // Bitwise, since the arrays hold NaN on purpose.
        CHECK(std::memcmp(d.z.data(), before.z.data(), d.z.size() * sizeof(double)) == 0);
        CHECK(std::memcmp(d.a.data(), before.a.data(), d.a.size() * sizeof(double)) == 0);
    };
    for (int f32 = 0; f32 < 2; ++f32) {
        Data d = good;
        d.z[1 * 6 + 3] = std::nan("");
        expect(d, GEOMRT_EINVAL, {"'logits'", "non-finite", "row 1", "column 3"}, f32);
        d = good;
        d.z[3 * 6 + 5] = -kInf;
        expect(d, GEOMRT_EINVAL, {"'logits'", "row 3", "column 5"}, f32);
        d = good;
        d.a[2 * 6 + 0] = kInf;
        expect(d, GEOMRT_EINVAL, {"'jvp'", "row 2", "column 0"}, f32);
        d = good;
        d.a[0] = std::nan("");
        d.z[0] = 1e300 * 1e10;  // +inf: logits are reported first within a row
        expect(d, GEOMRT_EINVAL, {"'logits'", "row 0", "column 0"}, f32);
    }
    // K < 2.
    Data one;
    one.B = 3;
    one.K = 1;
    one.z = {1, 2, 3};
    one.a = {1, 2, 3};
    expect(one, GEOMRT_ESHAPE, {"'logits'", "K >= 2"});
    // Mismatched shapes between logits and jvp.
    Data wide = good;
    wide.a.resize(4 * 7, 0.5);
    expect(wide, GEOMRT_ESHAPE, {"'jvp'", "7"}, false, 4, 7);
    Data tall = good;
    tall.a.resize(5 * 6, 0.5);
    expect(tall, GEOMRT_ESHAPE, {"'jvp'", "5"}, false, 5, 6);

    // Rank, dtype and emptiness are checked by the host from the descriptor.
    {
        auto args = new_args();
        int64_t shape[1] = {6};
        REQUIRE(geomrt_args_set_f64(args.get(), "logits", good.z.data(), 1, shape) == GEOMRT_OK);
        std::string msg;
        CHECK(invoke_fails(rt.get(), "softmax.radius", args.get(), &msg) == GEOMRT_ESHAPE);
        CHECK(msg.find("'logits'") != std::string::npos);
    }
    {
        auto args = new_args();
        std::vector<int64_t> zi(24, 1);
        int64_t shape[2] = {4, 6};
        REQUIRE(geomrt_args_set_tensor(args.get(), "logits", GEOMRT_DTYPE_I64, zi.data(), 2, shape, nullptr) ==
                GEOMRT_OK);
        std::string msg;
        CHECK(invoke_fails(rt.get(), "softmax.radius", args.get(), &msg) == GEOMRT_EDTYPE);
        CHECK(msg.find("float64 or float32") != std::string::npos);
    }
    {
        auto args = new_args();
        int64_t shape[2] = {0, 6};
        REQUIRE(geomrt_args_set_f64(args.get(), "logits", good.z.data(), 2, shape) == GEOMRT_OK);
        CHECK(invoke_fails(rt.get(), "softmax.radius", args.get()) == GEOMRT_ESHAPE);
    }
    {
        auto args = new_args();  // no logits at all
        std::string msg;
        CHECK(invoke_fails(rt.get(), "softmax.radius", args.get(), &msg) != GEOMRT_OK);
        CHECK(msg.find("logits") != std::string::npos);
    }
}

TEST_CASE("softmax.radius gives identical results from several threads at once and with any thread count",
          "[softmax][radius][threads]") {
    auto rt = plugins_runtime();
    // 2048 x 2048 logits plus JVP = 2^23 entries: the size from which rows are split over threads.
    Data d;
    d.B = 2048;
    d.K = 2048;
    d.z.resize(static_cast<size_t>(d.B * d.K));
    d.a.resize(d.z.size());
    std::mt19937_64 g(9);
    for (size_t i = 0; i < d.z.size(); ++i) {
        d.z[i] = static_cast<double>(g() >> 40) * 0x1p-20;  // exact in float32 too
        d.a[i] = static_cast<double>(g() >> 40) * 0x1p-22;
    }
    std::vector<float> zf(d.z.begin(), d.z.end()), af(d.a.begin(), d.a.end());
    // Plain C calls, no Catch2 macros: they run on several threads at once (an empty vector means failure).
    auto run = [&](int threads, bool f32) {
        std::vector<double> out;
        geomrt_args *args = nullptr;
        if (geomrt_args_new(&args) != GEOMRT_OK) return out;
        const int64_t shape[2] = {d.B, d.K};
        const int dt = f32 ? GEOMRT_DTYPE_F32 : GEOMRT_DTYPE_F64;
        const void *z = f32 ? static_cast<const void *>(zf.data()) : d.z.data();
        const void *a = f32 ? static_cast<const void *>(af.data()) : d.a.data();
        geomrt_result *r = nullptr;
        geomrt_call_options o = GEOMRT_CALL_OPTIONS_INIT;
        o.num_threads = threads;
        if (geomrt_args_set_tensor(args, "logits", dt, z, 2, shape, nullptr) == GEOMRT_OK &&
            geomrt_args_set_tensor(args, "jvp", dt, a, 2, shape, nullptr) == GEOMRT_OK &&
            geomrt_invoke(&r, rt.get(), "softmax.radius", args, &o) == GEOMRT_OK) {
            for (const char *name : {"rho", "rho_logit", "rho_batch"}) {
                geomrt_tensor_view t;
                if (geomrt_result_tensor(r, name, &t) != GEOMRT_OK) {
                    out.clear();
                    break;
                }
                const double *p = static_cast<const double *>(t.data);
                out.insert(out.end(), p, p + t.numel);
            }
        }
        geomrt_result_free(r);
        geomrt_args_free(args);
        return out;
    };
    const auto ref64 = run(1, false), ref32 = run(1, true);
    REQUIRE(ref64.size() == 2 * 2048 + 1);
    CHECK(ref32 == ref64);
    for (int t : {2, 3, 4}) {
        CHECK(run(t, false) == ref64);
        CHECK(run(t, true) == ref32);
    }
    std::vector<std::vector<double>> got(6);
    std::vector<std::thread> pool;
    for (int i = 0; i < 6; ++i) pool.emplace_back([&, i] { got[i] = run(i % 2 ? 2 : 0, i % 3 == 0); });
    for (auto &th : pool) th.join();
    for (int i = 0; i < 6; ++i) CHECK(got[i] == (i % 3 == 0 ? ref32 : ref64));
}
