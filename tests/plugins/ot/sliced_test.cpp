// ot.sliced_wasserstein, ot.max_sliced_wasserstein, ot.vmf_sliced_wasserstein and
// ot.hadamard_rotation: POT values, exact 1-D cases, the control variates' variance reduction,
// the vMF sampler's law, and the structured rotation's algebra and marginals.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "../../common.hpp"
#include "reference.hpp"
#include "../../../plugins/ot/hadamard.hpp"
#include "../../../plugins/ot/sliced_random.hpp"

using namespace gt;

namespace {

// ------------------------------------------------------------------ helpers

struct SW {
    double cost, cost_p, se, alpha;
    std::vector<double> dirs, proj;
};

struct Opt {
    int64_t L = 50;
    double p = 2;
    int64_t seed = 0;
    const char *cv = "none";
    const char *source = "gaussian";
    int64_t hadamard_dim = 0;
    int threads = 0;
    const std::vector<double> *a = nullptr, *b = nullptr;
};

void set_i64(geomrt_args *a, const char *k, int64_t v) { REQUIRE(geomrt_args_set_param_i64(a, k, v) == GEOMRT_OK); }
void set_f64(geomrt_args *a, const char *k, double v) { REQUIRE(geomrt_args_set_param_f64(a, k, v) == GEOMRT_OK); }
void set_str(geomrt_args *a, const char *k, const char *v) {
    REQUIRE(geomrt_args_set_param_string(a, k, v) == GEOMRT_OK);
}

SW sw(geomrt_runtime *rt, const Mat &xs, const Mat &xt, const Opt &o) {
    auto args = new_args();
    set_mat(args.get(), "xs", xs);
    set_mat(args.get(), "xt", xt);
    if (o.a) set_vec(args.get(), "a", *o.a);
    if (o.b) set_vec(args.get(), "b", *o.b);
    set_i64(args.get(), "n_projections", o.L);
    set_f64(args.get(), "p", o.p);
    set_i64(args.get(), "seed", o.seed);
    set_str(args.get(), "control_variate", o.cv);
    set_str(args.get(), "projections", o.source);
    set_i64(args.get(), "hadamard_dim", o.hadamard_dim);
    auto r = invoke(rt, "ot.sliced_wasserstein", args.get(), o.threads);
    return {scalar(r.get(), "cost"), scalar(r.get(), "cost_p"), scalar(r.get(), "std_error"),
            scalar(r.get(), "cv_coefficient"), vec(r.get(), "directions"), vec(r.get(), "projected_costs")};
}

struct MaxSW {
    double cost, cost_p;
    std::vector<double> theta;
};

MaxSW max_sw(geomrt_runtime *rt, const Mat &xs, const Mat &xt, int64_t seed = 0, int threads = 0,
             const std::vector<double> *a = nullptr, const std::vector<double> *b = nullptr) {
    auto args = new_args();
    set_mat(args.get(), "xs", xs);
    set_mat(args.get(), "xt", xt);
    if (a) set_vec(args.get(), "a", *a);
    if (b) set_vec(args.get(), "b", *b);
    set_i64(args.get(), "seed", seed);
    auto r = invoke(rt, "ot.max_sliced_wasserstein", args.get(), threads);
    return {scalar(r.get(), "cost"), scalar(r.get(), "cost_p"), vec(r.get(), "theta")};
}

struct VDSW {
    double cost, cost_p, se;
    std::vector<double> location;
};

VDSW vdsw(geomrt_runtime *rt, const Mat &xs, const Mat &xt, double kappa, int64_t n_final = 500, int64_t seed = 0,
          int threads = 0) {
    auto args = new_args();
    set_mat(args.get(), "xs", xs);
    set_mat(args.get(), "xt", xt);
    set_f64(args.get(), "kappa", kappa);
    set_i64(args.get(), "n_final_projections", n_final);
    set_i64(args.get(), "seed", seed);
    auto r = invoke(rt, "ot.vmf_sliced_wasserstein", args.get(), threads);
    return {scalar(r.get(), "cost"), scalar(r.get(), "cost_p"), scalar(r.get(), "std_error"),
            vec(r.get(), "location")};
}

std::vector<double> rotate(geomrt_runtime *rt, const Mat &x, int64_t seed, int64_t blocks = 1, int threads = 0);

/// W_p (and W_p^p) of two 1-D samples through ot.wasserstein_1d.
double w1d_p(geomrt_runtime *rt, const std::vector<double> &x, const std::vector<double> &y, double p,
             const std::vector<double> *a = nullptr, const std::vector<double> *b = nullptr) {
    auto args = new_args();
    set_vec(args.get(), "xs", x);
    set_vec(args.get(), "xt", y);
    if (a) set_vec(args.get(), "a", *a);
    if (b) set_vec(args.get(), "b", *b);
    set_f64(args.get(), "p", p);
    auto r = invoke(rt, "ot.wasserstein_1d", args.get());
    return scalar(r.get(), "cost_p");
}

std::vector<double> project(const Mat &x, const double *theta) {
    std::vector<double> out(static_cast<size_t>(x.rows));
    for (int64_t i = 0; i < x.rows; ++i) {
        double s = 0;
        for (int64_t k = 0; k < x.cols; ++k) s += x(i, k) * theta[k];
        out[i] = s;
    }
    return out;
}

/// Gaussian cloud: mean mu, coordinates scaled by sd and then mixed by a fixed rotation-like map.
Mat gaussian_cloud(std::mt19937_64 &g, int64_t n, const std::vector<double> &mu, const std::vector<double> &sd) {
    std::normal_distribution<double> nd;
    const int64_t d = static_cast<int64_t>(mu.size());
    Mat x(n, d);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < d; ++k) x(i, k) = mu[k] + sd[k] * nd(g);
    return x;
}

double mean_of(const std::vector<double> &v) {
    double s = 0;
    for (double x : v) s += x;
    return s / static_cast<double>(v.size());
}
double var_of(const std::vector<double> &v) {
    const double m = mean_of(v);
    double s = 0;
    for (double x : v) s += (x - m) * (x - m);
    return s / static_cast<double>(v.size() - 1);
}

/// Cases of tests/data/sliced_reference.txt (made by make_sliced_reference.py with POT 0.8.2).
struct RefSW {
    std::string name;
    int64_t n = 0, m = 0, d = 0;
    double p = 0, value = 0, se = 0;
    std::map<std::string, std::vector<double>> arrays;
};

std::vector<RefSW> load_sliced_reference() {
    auto header = [](std::istream &in, RefSW &c) { in >> c.name >> c.n >> c.m >> c.d >> c.p; };
    auto out = read_cases<RefSW>("sliced_reference.txt", header, {{"value", &RefSW::value}, {"se", &RefSW::se}});
    REQUIRE(out.size() >= 4);
    return out;
}

Mat as_mat(const std::vector<double> &v, int64_t rows, int64_t cols) {
    Mat x(rows, cols);
    x.v = v;
    return x;
}

/// A_d(kappa) = I_{d/2}(kappa) / I_{d/2-1}(kappa), the mean resultant length of vMF(., kappa) on
/// S^{d-1}, by the Gauss continued fraction I_nu/I_{nu-1} = 1/(2 nu/x + I_{nu+1}/I_nu) evaluated
/// from a deep level upwards.
double bessel_ratio_A(int64_t d, double kappa) {
    const double nu = 0.5 * static_cast<double>(d);
    double r = 0;  // I_{nu+K+1}/I_{nu+K} ~ 0 deep down
    for (int k = 20000; k >= 0; --k) r = 1.0 / (2.0 * (nu + k) / kappa + r);
    return r;
}

}  // namespace

// ------------------------------------------------------------------ ot.sliced_wasserstein

TEST_CASE("sliced_wasserstein agrees with POT's sliced_wasserstein_distance for many directions",
          "[ot][sliced][pot]") {
    auto rt = ot_runtime();
    for (const auto &c : load_sliced_reference()) {
        INFO(c.name);
        const Mat xs = as_mat(c.arrays.at("xs"), c.n, c.d), xt = as_mat(c.arrays.at("xt"), c.m, c.d);
        const bool uniform = c.name.find("uniform") != std::string::npos;
        for (const char *cv : {"none", "lower", "upper"}) {
            INFO("control_variate=" << cv);
            Opt o;
            o.L = 20000;
            o.p = c.p;
            o.seed = 7;
            o.cv = cv;
            if (!uniform) {
                o.a = &c.arrays.at("a");
                o.b = &c.arrays.at("b");
            }
            const SW r = sw(rt.get(), xs, xt, o);
            // POT's value is the mean of 5 x 20000 directions; both are Monte Carlo estimates of the
            // same SW_p^p: within 4 combined standard errors and 1% of SW_p.
            const double tol = 4.0 * std::sqrt(r.se * r.se + c.se * c.se);
            CHECK(std::fabs(r.cost_p - c.value) <= tol);
            CHECK(r.cost == Approx(std::pow(c.value, 1.0 / c.p)).epsilon(0.01));
            CHECK(r.cost == Approx(std::pow(r.cost_p, 1.0 / c.p)).epsilon(1e-14));
        }
    }
}

TEST_CASE("sliced_wasserstein projected costs are the exact 1-D costs along its directions", "[ot][sliced]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(11);
    // Sizes cover the comparison sort (< 1024 points) and both radix sorts.
    for (int64_t n : {37, 1500, 70000}) {
        const int64_t m = n == 37 ? 52 : n + 13, d = 4;
        Mat xs = uniform_points(g, n, d), xt = uniform_points(g, m, d);
        for (auto &v : xt.v) v = 2 * v * v - 0.3;
        auto a = random_weights(g, n), b = random_weights(g, m);
        for (bool weighted : {false, true}) {
            for (double p : {1.0, 2.0, 2.5}) {
                INFO("n=" << n << " weighted=" << weighted << " p=" << p);
                Opt o;
                o.L = 4;
                o.p = p;
                o.seed = 3;
                if (weighted) {
                    o.a = &a;
                    o.b = &b;
                }
                const SW r = sw(rt.get(), xs, xt, o);
                REQUIRE(r.dirs.size() == static_cast<size_t>(4 * d));
                double mean = 0;
                for (int l = 0; l < 4; ++l) {
                    const double *th = &r.dirs[l * d];
                    double norm = 0;
                    for (int k = 0; k < d; ++k) norm += th[k] * th[k];
                    CHECK(norm == Approx(1.0).epsilon(1e-14));
                    const double ref = w1d_p(rt.get(), project(xs, th), project(xt, th), p, weighted ? &a : nullptr,
                                             weighted ? &b : nullptr);
                    CHECK(r.proj[l] == Approx(ref).epsilon(1e-11));
                    mean += r.proj[l] / 4;
                }
                CHECK(r.cost_p == Approx(mean).epsilon(1e-14));
                CHECK(r.alpha == 0.0);
            }
        }
    }
}

TEST_CASE("sliced_wasserstein in one dimension is W_p for any direction", "[ot][sliced]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(12);
    std::normal_distribution<double> nd;
    Mat x(40, 1), y(65, 1);
    for (auto &v : x.v) v = nd(g);
    for (auto &v : y.v) v = 0.5 * nd(g) * nd(g) + 1;
    auto a = random_weights(g, 40), b = random_weights(g, 65);
    // Unnormalized weights: the method normalizes them.
    std::vector<double> a3 = a;
    for (auto &v : a3) v *= 3;
    for (double p : {1.0, 1.5, 2.0, 3.0}) {
        INFO("p=" << p);
        const double exact = w1d_p(rt.get(), x.v, y.v, p, &a, &b);
        for (const char *cv : {"none", "lower", "upper"}) {
            Opt o;
            o.L = 5;
            o.p = p;
            o.cv = cv;
            o.a = &a3;
            o.b = &b;
            const SW r = sw(rt.get(), x, y, o);
            CHECK(r.cost_p == Approx(exact).epsilon(1e-12));
            CHECK(r.cost == Approx(std::pow(exact, 1.0 / p)).epsilon(1e-12));
            CHECK(r.se <= 1e-12 * exact);  // every direction (+1 or -1) gives the same value
            for (double t : r.dirs) CHECK(std::fabs(t) == Approx(1.0).epsilon(1e-15));
        }
    }
}

TEST_CASE("sliced_wasserstein is symmetric, zero for identical clouds and reproducible for any thread count",
          "[ot][sliced]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(13);
    Mat xs = uniform_points(g, 300, 6), xt = uniform_points(g, 200, 6);
    for (auto &v : xt.v) v = v * v;
    auto a = random_weights(g, 300), b = random_weights(g, 200);
    for (const char *source : {"gaussian", "hadamard"})
        for (const char *cv : {"none", "lower", "upper"}) {
            INFO(source << " " << cv);
            Opt o;
            o.L = 64;
            o.cv = cv;
            o.source = source;
            o.seed = 99;
            o.a = &a;
            o.b = &b;
            o.threads = 1;
            const SW r1 = sw(rt.get(), xs, xt, o);
            for (int threads : {2, 3, 8}) {
                o.threads = threads;
                const SW r = sw(rt.get(), xs, xt, o);
                CHECK(r.cost_p == r1.cost_p);  // bit for bit
                CHECK(r.se == r1.se);
                CHECK(r.proj == r1.proj);
            }
            o.seed = 100;
            CHECK(sw(rt.get(), xs, xt, o).cost_p != r1.cost_p);
            o.seed = 99;
            Opt s = o;
            s.a = &b;
            s.b = &a;
            CHECK(sw(rt.get(), xt, xs, s).cost_p == Approx(r1.cost_p).epsilon(1e-14));
            // Identical clouds (different weights would be a different measure): exactly 0.
            Opt z = o;
            z.b = &a;
            const SW r0 = sw(rt.get(), xs, xs, z);
            CHECK(r0.cost == 0.0);
            CHECK(r0.cost_p == 0.0);
        }
}

TEST_CASE("sliced_wasserstein control variates cut the variance of SW_2^2 at least tenfold in d = 10",
          "[ot][sliced][cv]") {
    // Two Gaussian-like clouds in d = 10 (n = m = 500) with different means (|Delta| ~ 2) and
    // covariances, L = 100 directions, 40 seeds. Measured here: the variance of the SW_2^2
    // estimate is 30x smaller with the lower control variate and 4.1x smaller with the upper one
    // (with a mean shift of norm 1 instead: 3.6x and 2.5x; of norm 4: 750x and 32x).
    auto rt = ot_runtime();
    std::mt19937_64 g(14);
    const int64_t d = 10;
    std::vector<double> mu1(d, 0.0), mu2(d), sd1(d), sd2(d);
    for (int64_t k = 0; k < d; ++k) {
        mu2[k] = 0.1 * (k + 1);  // a mean shift of norm ~2
        sd1[k] = 1.0;
        sd2[k] = 0.5 + 0.15 * k;  // and different covariances
    }
    const Mat xs = gaussian_cloud(g, 500, mu1, sd1), xt = gaussian_cloud(g, 500, mu2, sd2);
    std::map<std::string, std::vector<double>> est;
    for (int64_t seed = 0; seed < 40; ++seed)
        for (const char *cv : {"none", "lower", "upper"}) {
            Opt o;
            o.L = 100;
            o.seed = seed;
            o.cv = cv;
            est[cv].push_back(sw(rt.get(), xs, xt, o).cost_p);
        }
    Opt o;
    o.L = 20000;
    o.cv = "lower";
    o.seed = 12345;
    const SW ref = sw(rt.get(), xs, xt, o);
    const double vn = var_of(est["none"]), vl = var_of(est["lower"]), vu = var_of(est["upper"]);
    std::printf("[sliced] d=10, L=100, 40 seeds: variance of SW_2^2: none %.3e, lower %.3e (%.1fx less), upper "
                "%.3e (%.1fx less); SW_2^2 = %.5f +- %.1e\n",
                vn, vl, vn / vl, vu, vn / vu, ref.cost_p, ref.se);
    CHECK(vn / vl >= 10.0);
    CHECK(vn / vu >= 2.0);
    // All three are unbiased: their means over the seeds agree with the high-accuracy value.
    for (const auto &kv : est) {
        INFO(kv.first);
        CHECK(std::fabs(mean_of(kv.second) - ref.cost_p) <= 4.0 * std::sqrt(var_of(kv.second) / 40.0) + 4 * ref.se);
    }
    // The reported standard error matches the spread over seeds (within a factor 1.6).
    for (const char *cv : {"none", "lower", "upper"}) {
        Opt q;
        q.L = 100;
        q.cv = cv;
        const double se = sw(rt.get(), xs, xt, q).se;
        INFO(cv << ": reported " << se << ", observed " << std::sqrt(var_of(est[cv])));
        CHECK(se / std::sqrt(var_of(est[cv])) == Approx(1.0).margin(0.6));
    }
}

TEST_CASE("sliced_wasserstein with Hadamard directions is close to the Gaussian estimate", "[ot][sliced][hadamard]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(15);
    for (int64_t d : {3, 16, 100}) {
        std::vector<double> mu1(d, 0.0), mu2(d), sd1(d, 1.0), sd2(d);
        for (int64_t k = 0; k < d; ++k) {
            mu2[k] = (k % 3 == 0) ? 0.8 : -0.2;
            sd2[k] = 0.3 + 1.7 * static_cast<double>(k % 4) / 3.0;
        }
        const Mat xs = gaussian_cloud(g, 400, mu1, sd1), xt = gaussian_cloud(g, 300, mu2, sd2);
        Opt o;
        o.L = 20000;
        o.cv = "upper";  // a lower-noise Gaussian reference
        const SW gauss = sw(rt.get(), xs, xt, o);
        o.cv = "none";
        o.source = "hadamard";
        const SW had = sw(rt.get(), xs, xt, o);
        std::printf("[sliced] d=%lld L=20000: SW_2 gaussian (upper CV) %.5f (se of SW_2^2 %.1e), hadamard %.5f "
                    "(se %.1e): %+.2f%%\n",
                    static_cast<long long>(d), gauss.cost, gauss.se, had.cost, had.se,
                    100.0 * (had.cost / gauss.cost - 1.0));
        INFO("d=" << d);
        CHECK(had.cost == Approx(gauss.cost).epsilon(0.01));
        // Every Hadamard direction is a unit vector.
        for (int64_t l = 0; l < 50; ++l) {
            double s = 0;
            for (int64_t k = 0; k < d; ++k) s += had.dirs[l * d + k] * had.dirs[l * d + k];
            CHECK(s == Approx(1.0).epsilon(1e-13));
        }
        if (d == 16) {
            // With hadamard_dim = d the rows of each block are orthonormal.
            o.hadamard_dim = 16;
            o.L = 32;
            const SW blk = sw(rt.get(), xs, xt, o);
            for (int64_t i = 0; i < 32; ++i)
                for (int64_t j = 0; j < 32; ++j) {
                    if (i / 16 != j / 16) continue;
                    double s = 0;
                    for (int64_t k = 0; k < d; ++k) s += blk.dirs[i * d + k] * blk.dirs[j * d + k];
                    CHECK(s == Approx(i == j ? 1.0 : 0.0).margin(1e-14));
                }
        }
    }
}

TEST_CASE("sliced_wasserstein Hadamard directions are the normalized rows of hadamard_rotation's R",
          "[ot][sliced][hadamard]") {
    // Direction r of block 0 is R_{r, 0..d-1}/|R_{r, 0..d-1}| for the R that ot.hadamard_rotation
    // builds from the same seed, so (R x)_r = |R_{r,.}| theta_r.x: positive for x = theta_r and 0 for
    // x orthogonal to theta_r. d = 20 with n2 = 32 takes the columns path, d = 2100 (n2 = 4096) the
    // row-by-row path.
    auto rt = ot_runtime();
    std::mt19937_64 g(17);
    std::normal_distribution<double> nd;
    for (int64_t d : {20, 2100}) {
        INFO("d=" << d);
        const Mat xs = uniform_points(g, 30, d), xt = uniform_points(g, 30, d);
        Opt o;
        o.L = 5;
        o.source = "hadamard";
        o.seed = 4242;
        o.hadamard_dim = d == 20 ? 32 : 0;
        const SW r = sw(rt.get(), xs, xt, o);
        for (int64_t l = 0; l < 5; ++l) {
            Mat x(2, d);
            double dot = 0, nn = 0;
            for (int64_t k = 0; k < d; ++k) {
                x(0, k) = r.dirs[l * d + k];
                x(1, k) = nd(g);
                dot += x(1, k) * x(0, k);
            }
            for (int64_t k = 0; k < d; ++k) {
                x(1, k) -= dot * x(0, k);
                nn += x(1, k) * x(1, k);
            }
            const auto y = rotate(rt.get(), x, 4242);
            const int64_t n = static_cast<int64_t>(y.size()) / 2;
            CHECK(y[l] > 0);
            CHECK(y[l] <= 1 + 1e-12);
            CHECK(std::fabs(y[n + l]) <= 1e-12 * std::sqrt(nn));
        }
    }
}

TEST_CASE("sliced_wasserstein rejects bad input", "[ot][sliced][errors]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(16);
    const Mat xs = uniform_points(g, 20, 3), xt = uniform_points(g, 30, 3);
    std::string msg;
    auto base = [&] {
        auto args = new_args();
        set_mat(args.get(), "xs", xs);
        set_mat(args.get(), "xt", xt);
        return args;
    };
    {
        auto args = base();
        set_f64(args.get(), "p", 0.5);
        CHECK(invoke_fails(rt.get(), "ot.sliced_wasserstein", args.get(), &msg) == GEOMRT_EINVAL);
    }
    {
        auto args = base();
        set_i64(args.get(), "n_projections", 0);
        CHECK(invoke_fails(rt.get(), "ot.sliced_wasserstein", args.get(), &msg) == GEOMRT_EINVAL);
    }
    {
        auto args = base();
        const Mat xt4 = uniform_points(g, 30, 4);  // args keep pointers: inputs must outlive the call
        set_mat(args.get(), "xt", xt4);
        CHECK(invoke_fails(rt.get(), "ot.sliced_wasserstein", args.get(), &msg) == GEOMRT_ESHAPE);
        CHECK(msg.find("dimension 'd'") != std::string::npos);
    }
    {
        auto args = base();
        Mat bad = xs;
        bad(3, 1) = std::numeric_limits<double>::quiet_NaN();
        set_mat(args.get(), "xs", bad);
        CHECK(invoke_fails(rt.get(), "ot.sliced_wasserstein", args.get(), &msg) == GEOMRT_EINVAL);
        CHECK(msg.find("non-finite") != std::string::npos);
    }
    {
        auto args = base();
        std::vector<double> a(20, 0.05);
        a[4] = -0.01;
        set_vec(args.get(), "a", a);
        CHECK(invoke_fails(rt.get(), "ot.sliced_wasserstein", args.get(), &msg) == GEOMRT_EINVAL);
        const std::vector<double> zero(20, 0.0), shorter(19, 1.0);
        set_vec(args.get(), "a", zero);
        CHECK(invoke_fails(rt.get(), "ot.sliced_wasserstein", args.get(), &msg) == GEOMRT_EINVAL);
        CHECK(msg.find("sum to 0") != std::string::npos);
        set_vec(args.get(), "a", shorter);
        CHECK(invoke_fails(rt.get(), "ot.sliced_wasserstein", args.get(), &msg) == GEOMRT_ESHAPE);
    }
    {
        auto args = base();
        set_str(args.get(), "projections", "hadamard");
        set_i64(args.get(), "hadamard_dim", 48);
        CHECK(invoke_fails(rt.get(), "ot.sliced_wasserstein", args.get(), &msg) == GEOMRT_EINVAL);
        CHECK(msg.find("power of two") != std::string::npos);
        set_i64(args.get(), "hadamard_dim", 2);  // < d
        CHECK(invoke_fails(rt.get(), "ot.sliced_wasserstein", args.get(), &msg) == GEOMRT_EINVAL);
    }
    {
        auto args = base();
        int rc = geomrt_args_set_param_string(args.get(), "control_variate", "middle");
        if (rc == GEOMRT_OK) rc = invoke_fails(rt.get(), "ot.sliced_wasserstein", args.get(), &msg);
        CHECK(rc == GEOMRT_EINVAL);
    }
    {
        auto args = base();
        std::vector<float> xf(xs.v.begin(), xs.v.end());
        const int64_t shape[2] = {20, 3};
        REQUIRE(geomrt_args_set_tensor(args.get(), "xs", GEOMRT_DTYPE_F32, xf.data(), 2, shape, nullptr) ==
                GEOMRT_OK);
        CHECK(invoke_fails(rt.get(), "ot.sliced_wasserstein", args.get(), &msg) == GEOMRT_EDTYPE);
    }
    {
        auto args = new_args();
        set_mat(args.get(), "xs", xs);
        CHECK(invoke_fails(rt.get(), "ot.sliced_wasserstein", args.get(), &msg) != GEOMRT_OK);
    }
    // The other sliced methods check their parameters the same way.
    struct Bad {
        const char *method, *param;
        double value;
    };
    for (const Bad &b : {Bad{"ot.max_sliced_wasserstein", "lr", 0.0}, Bad{"ot.max_sliced_wasserstein", "n_restarts", 0},
                         Bad{"ot.max_sliced_wasserstein", "tol", -1.0}, Bad{"ot.vmf_sliced_wasserstein", "kappa", 0.0},
                         Bad{"ot.vmf_sliced_wasserstein", "n_projections", 0},
                         Bad{"ot.vmf_sliced_wasserstein", "n_final_projections", 0}}) {
        INFO(b.method << " " << b.param << "=" << b.value);
        auto args = base();
        if (std::string(b.param) == "n_restarts" || std::string(b.param).find("projections") != std::string::npos)
            set_i64(args.get(), b.param, static_cast<int64_t>(b.value));
        else
            set_f64(args.get(), b.param, b.value);
        CHECK(invoke_fails(rt.get(), b.method, args.get(), &msg) == GEOMRT_EINVAL);
    }
    {
        auto args = base();
        Mat bad = xt;
        bad(0, 0) = std::numeric_limits<double>::infinity();
        set_mat(args.get(), "xt", bad);
        CHECK(invoke_fails(rt.get(), "ot.max_sliced_wasserstein", args.get(), &msg) == GEOMRT_EINVAL);
        CHECK(invoke_fails(rt.get(), "ot.vmf_sliced_wasserstein", args.get(), &msg) == GEOMRT_EINVAL);
    }
}

// ------------------------------------------------------------------ ot.max_sliced_wasserstein

TEST_CASE("max_sliced_wasserstein finds the axis along which two clouds differ", "[ot][sliced][maxsw]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(21);
    std::normal_distribution<double> nd;
    // d = 2: xt = (2u, v) from xs = (u, v); along theta the coupling (u, v) -> (2u, v) costs
    // theta_0^2 E u^2 <= E u^2 = W_2^2 along e_0, so the maximum is e_0 with value W_2(u, 2u).
    Mat xs(300, 2), xt(300, 2);
    for (int64_t i = 0; i < 300; ++i) {
        xs(i, 0) = nd(g);
        xs(i, 1) = 1.5 * nd(g);
        xt(i, 0) = 2 * xs(i, 0);
        xt(i, 1) = xs(i, 1);
    }
    std::vector<double> u(300), u2(300);
    for (int64_t i = 0; i < 300; ++i) {
        u[i] = xs(i, 0);
        u2[i] = xt(i, 0);
    }
    const double exact = w1d_p(rt.get(), u, u2, 2.0);
    const MaxSW r = max_sw(rt.get(), xs, xt);
    CHECK(std::fabs(r.theta[0]) > 1 - 1e-6);
    CHECK(r.theta[0] > 0);  // canonical sign
    CHECK(r.cost_p == Approx(exact).epsilon(1e-9));
    CHECK(r.cost == Approx(std::sqrt(exact)).epsilon(1e-9));

    // A translation in d = 5: W_2(theta) = |theta.t|, so max-SW_2 = |t| along t/|t|.
    Mat ys = uniform_points(g, 200, 5), yt = ys;
    const double t[5] = {0.3, -1.2, 0.5, 0.0, 2.0};
    double tn = 0;
    for (double v : t) tn += v * v;
    tn = std::sqrt(tn);
    for (int64_t i = 0; i < 200; ++i)
        for (int k = 0; k < 5; ++k) yt(i, k) += t[k];
    const MaxSW s = max_sw(rt.get(), ys, yt, 4);
    CHECK(s.cost == Approx(tn).epsilon(1e-9));
    double dot = 0;
    for (int k = 0; k < 5; ++k) dot += s.theta[k] * t[k] / tn;
    CHECK(std::fabs(dot) > 1 - 1e-9);
}

TEST_CASE("max_sliced_wasserstein is at least SW_2 and W_2 along every direction SW tried", "[ot][sliced][maxsw]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(22);
    for (int64_t d : {2, 5, 20}) {
        Mat xs = uniform_points(g, 250, d), xt = uniform_points(g, 180, d);
        for (auto &v : xt.v) v = 1.5 * v * v;
        auto a = random_weights(g, 250), b = random_weights(g, 180);
        for (bool weighted : {false, true}) {
            INFO("d=" << d << " weighted=" << weighted);
            const auto *pa = weighted ? &a : nullptr, *pb = weighted ? &b : nullptr;
            Opt o;
            o.L = 500;
            o.a = pa;
            o.b = pb;
            const SW s = sw(rt.get(), xs, xt, o);
            const MaxSW r = max_sw(rt.get(), xs, xt, 1, 0, pa, pb);
            CHECK(r.cost >= s.cost);
            CHECK(r.cost_p >= *std::max_element(s.proj.begin(), s.proj.end()));
            // The reported value is W_2^2 along the reported (unit) direction.
            double norm = 0;
            for (double v : r.theta) norm += v * v;
            CHECK(norm == Approx(1.0).epsilon(1e-14));
            const double along = w1d_p(rt.get(), project(xs, r.theta.data()), project(xt, r.theta.data()), 2.0, pa, pb);
            CHECK(r.cost_p == Approx(along).epsilon(1e-11));
            // Deterministic for any thread count.
            const MaxSW r1 = max_sw(rt.get(), xs, xt, 1, 1, pa, pb);
            CHECK(r1.cost_p == r.cost_p);
            CHECK(r1.theta == r.theta);
        }
    }
}

// ------------------------------------------------------------------ ot.vmf_sliced_wasserstein

TEST_CASE("vmf_sliced_wasserstein lies between SW_2 and max-SW_2 and tends to each as kappa varies",
          "[ot][sliced][vdsw]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(31);
    const Mat xs = gaussian_cloud(g, 400, {0, 0, 0, 0}, {1, 1, 1, 1});
    const Mat xt = gaussian_cloud(g, 350, {1, 0, 0, 0.5}, {1, 2, 0.5, 1});
    Opt o;
    o.L = 20000;
    o.cv = "upper";
    const SW s = sw(rt.get(), xs, xt, o);
    const MaxSW m = max_sw(rt.get(), xs, xt);
    std::printf("[sliced] d=4: SW_2 %.5f, max-SW_2 %.5f, v-DSW_2:", s.cost, m.cost);
    double prev = 0;
    for (double kappa : {0.01, 1.0, 10.0, 100.0, 1e4}) {
        const VDSW v = vdsw(rt.get(), xs, xt, kappa, 5000);
        std::printf(" kappa=%g %.5f", kappa, v.cost);
        INFO("kappa=" << kappa);
        double norm = 0;
        for (double e : v.location) norm += e * e;
        CHECK(norm == Approx(1.0).epsilon(1e-14));
        // SW_2^2 <= v-DSW^2 <= max-SW^2 up to the Monte Carlo error of the final estimate.
        CHECK(v.cost_p >= s.cost_p - 4 * (v.se + s.se));
        CHECK(v.cost_p <= m.cost_p + 4 * v.se);
        CHECK(v.cost_p >= prev - 4 * v.se);  // grows with kappa
        prev = v.cost_p;
        if (kappa == 0.01) CHECK(std::fabs(v.cost_p - s.cost_p) <= 4 * (v.se + s.se));
        if (kappa == 1e4) CHECK(v.cost == Approx(m.cost).epsilon(0.005));
    }
    std::printf("\n");
    // Deterministic for any thread count.
    const VDSW a = vdsw(rt.get(), xs, xt, 10.0, 500, 5, 1), b = vdsw(rt.get(), xs, xt, 10.0, 500, 5, 3);
    CHECK(a.cost_p == b.cost_p);
    CHECK(a.location == b.location);
}

TEST_CASE("vmf_sliced_wasserstein of a translation and in one dimension", "[ot][sliced][vdsw]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(32);
    // xt = xs + t: W_2^2(theta) = (theta.t)^2 and the best location is t/|t| for every kappa.
    Mat xs = uniform_points(g, 100, 3), xt = xs;
    for (int64_t i = 0; i < 100; ++i) xt(i, 2) += 2.0;
    const VDSW v = vdsw(rt.get(), xs, xt, 50.0, 2000);
    CHECK(std::fabs(v.location[2]) > 0.999);
    // E[(theta.e)^2] for vMF on S^2: 1 - 2 A_3(kappa)/kappa.
    const double A = bessel_ratio_A(3, 50.0);
    CHECK(v.cost_p == Approx(4.0 * (1.0 - 2.0 * A / 50.0)).epsilon(0.01));
    // d = 1.
    Mat x1(30, 1), y1(45, 1);
    for (auto &e : x1.v) e = std::normal_distribution<double>()(g);
    for (auto &e : y1.v) e = 3 * std::normal_distribution<double>()(g);
    const VDSW one = vdsw(rt.get(), x1, y1, 5.0);
    CHECK(one.cost_p == Approx(w1d_p(rt.get(), x1.v, y1.v, 2.0)).epsilon(1e-12));
    CHECK(one.location == std::vector<double>{1.0});
}

TEST_CASE("the vMF sampler's mean resultant length is A_d(kappa) = I_{d/2}(kappa)/I_{d/2-1}(kappa)",
          "[ot][sliced][vdsw][vmf]") {
    using geomrt::ot::sliced::Rng;
    using geomrt::ot::sliced::VmfSampler;
    // The continued fraction against closed forms: A_3 = coth k - 1/k, A_2 = I_1/I_0.
    for (double k : {0.3, 1.0, 10.0, 200.0})
        CHECK(bessel_ratio_A(3, k) == Approx(1.0 / std::tanh(k) - 1.0 / k).epsilon(1e-12));
    CHECK(bessel_ratio_A(2, 2.0) == Approx(std::cyl_bessel_i(1.0, 2.0) / std::cyl_bessel_i(0.0, 2.0)).epsilon(1e-12));
    struct C {
        int64_t d;
        double kappa;
        int n;
    };
    for (const C c : {C{2, 2.0, 200000}, C{3, 1.0, 400000}, C{3, 10.0, 200000}, C{10, 5.0, 200000},
                      C{10, 1000.0, 100000}, C{50, 100.0, 50000}, C{200, 20.0, 20000}}) {
        INFO("d=" << c.d << " kappa=" << c.kappa);
        VmfSampler vmf(c.d, c.kappa);
        Rng rng(c.d * 1000 + static_cast<int64_t>(c.kappa));
        std::vector<double> e(c.d), theta(c.d), gbuf(c.d), mean(c.d, 0.0);
        for (int64_t k = 0; k < c.d; ++k) e[k] = (k % 2 ? -1.0 : 1.0) / std::sqrt(static_cast<double>(c.d));
        double sw = 0, sw2 = 0, max_err = 0;
        for (int i = 0; i < c.n; ++i) {
            const double w = vmf.sample(rng, e.data(), theta.data(), gbuf.data());
            double norm = 0, dot = 0;
            for (int64_t k = 0; k < c.d; ++k) {
                norm += theta[k] * theta[k];
                dot += theta[k] * e[k];
                mean[k] += theta[k] / c.n;
            }
            max_err = std::max({max_err, std::fabs(norm - 1.0), std::fabs(dot - w)});
            sw += w;
            sw2 += w * w;
        }
        CHECK(max_err <= 1e-13);  // unit vectors, with theta.e = w
        const double A = bessel_ratio_A(c.d, c.kappa), mw = sw / c.n;
        const double se = std::sqrt((sw2 / c.n - mw * mw) / c.n);
        CHECK(mw == Approx(A).epsilon(0.01));
        CHECK(std::fabs(mw - A) <= 4 * se + 1e-12);
        // The mean direction is A e: the tangent part averages out.
        double perp = 0;
        for (int64_t k = 0; k < c.d; ++k) perp += (mean[k] - mw * e[k]) * (mean[k] - mw * e[k]);
        CHECK(std::sqrt(perp) <= 5.0 * std::sqrt(static_cast<double>(c.d) / c.n));
    }
    // d = 3: w has density kappa e^{kappa w} / (2 sinh kappa) on [-1, 1]; Kolmogorov distance.
    for (double kappa : {0.5, 4.0, 40.0}) {
        VmfSampler vmf(3, kappa);
        Rng rng(77);
        const int n = 100000;
        std::vector<double> w(n);
        for (auto &x : w) x = vmf.sample_w(rng, nullptr);
        std::sort(w.begin(), w.end());
        double ks = 0;
        for (int i = 0; i < n; ++i) {
            const double F = std::expm1(kappa * (w[i] + 1)) / std::expm1(2 * kappa);
            const double lo = static_cast<double>(i) / n, hi = static_cast<double>(i + 1) / n;
            ks = std::max({ks, std::fabs(F - lo), std::fabs(F - hi)});
        }
        INFO("kappa=" << kappa << " KS=" << ks);
        CHECK(ks < 1.63 / std::sqrt(static_cast<double>(n)));  // the 1% critical value
    }
}

// ------------------------------------------------------------------ ot.hadamard_rotation

namespace {
std::vector<double> rotate(geomrt_runtime *rt, const Mat &x, int64_t seed, int64_t blocks, int threads) {
    auto args = new_args();
    set_mat(args.get(), "x", x);
    set_i64(args.get(), "seed", seed);
    set_i64(args.get(), "n_blocks", blocks);
    auto r = invoke(rt, "ot.hadamard_rotation", args.get(), threads);
    return vec(r.get(), "y");
}
}  // namespace

TEST_CASE("the in-place Walsh-Hadamard transform applied twice is n times the identity", "[ot][sliced][hadamard]") {
    namespace h = geomrt::ot::hadamard;
    std::mt19937_64 g(41);
    std::normal_distribution<double> nd;
    for (int64_t n = 1; n <= (int64_t(1) << 16); n *= 2) {
        std::vector<double> x(n), y;
        for (auto &v : x) v = nd(g);
        y = x;
        h::fwht(y.data(), n);
        // Against the definition H_ij = (-1)^popcount(i & j) for small n.
        if (n <= 256)
            for (int64_t i = 0; i < n; ++i) {
                double s = 0;
                for (int64_t j = 0; j < n; ++j) s += (__builtin_popcountll(i & j) % 2 ? -1.0 : 1.0) * x[j];
                CHECK(y[i] == Approx(s).margin(1e-12 * n));
            }
        h::fwht(y.data(), n);
        double err = 0;
        for (int64_t i = 0; i < n; ++i) err = std::max(err, std::fabs(y[i] / n - x[i]));
        INFO("n=" << n);
        CHECK(err <= 1e-14 * std::log2(2.0 * n) * 4);
    }
    // Timing on 2^20 doubles (best of 20), printed for the record.
    const int64_t n = int64_t(1) << 20;
    std::vector<double> x(n), x0;
    for (auto &v : x) v = nd(g);
    x0 = x;
    double best = 1e9;
    for (int r = 0; r < 20; ++r) {
        const auto t0 = std::chrono::steady_clock::now();
        h::fwht(x.data(), n);
        const auto t1 = std::chrono::steady_clock::now();
        best = std::min(best, std::chrono::duration<double, std::milli>(t1 - t0).count());
        for (auto &v : x) v *= 1.0 / 1024.0;  // H/sqrt(n) is orthogonal: keep the scale
    }
    std::printf("[sliced] in-place FWHT of 2^20 doubles: best of 20 %.2f ms\n", best);
    double err = 0;  // 20 orthogonal involutions H/sqrt(n): back to x0
    for (int64_t i = 0; i < n; ++i) err = std::max(err, std::fabs(x[i] - x0[i]));
    CHECK(err < 1e-11);
}

TEST_CASE("hadamard_rotation preserves norms and is orthogonal", "[ot][sliced][hadamard]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(42);
    std::normal_distribution<double> nd;
    for (int64_t d : {1, 3, 16, 100, 1024}) {
        const int64_t n = geomrt::ot::hadamard::next_pow2(d);
        INFO("d=" << d);
        Mat x(7, d);
        for (auto &v : x.v) v = nd(g) * 1e3;
        const auto y = rotate(rt.get(), x, 5, 3);
        REQUIRE(y.size() == static_cast<size_t>(7 * 3 * n));
        for (int64_t i = 0; i < 7; ++i) {
            double nx = 0;
            for (int64_t k = 0; k < d; ++k) nx += x(i, k) * x(i, k);
            for (int64_t b = 0; b < 3; ++b) {
                double ny = 0;
                for (int64_t k = 0; k < n; ++k) ny += y[(i * 3 + b) * n + k] * y[(i * 3 + b) * n + k];
                CHECK(std::sqrt(ny) == Approx(std::sqrt(nx)).epsilon(1e-12));
            }
        }
        // Block 0 of a stack is the single-block rotation of the same seed.
        const auto y1 = rotate(rt.get(), x, 5, 1);
        for (int64_t i = 0; i < 7; ++i)
            for (int64_t k = 0; k < n; ++k) CHECK(y1[i * n + k] == y[(i * 3) * n + k]);
        // Same for any thread count; another seed gives another rotation.
        CHECK(rotate(rt.get(), x, 5, 3, 1) == y);
        if (d > 1) CHECK(rotate(rt.get(), x, 6, 3) != y);
    }
    // R^T R = I on the basis vectors: the images of e_0..e_{d-1} are orthonormal, and for
    // d = n they form an orthogonal matrix (R R^T = I as well).
    for (int64_t d : {10, 32}) {
        const int64_t n = geomrt::ot::hadamard::next_pow2(d);
        Mat I(d, d);
        for (int64_t k = 0; k < d; ++k) I(k, k) = 1.0;
        const auto Y = rotate(rt.get(), I, 9);  // row k = R e_k
        for (int64_t i = 0; i < d; ++i)
            for (int64_t j = 0; j < d; ++j) {
                double s = 0;
                for (int64_t k = 0; k < n; ++k) s += Y[i * n + k] * Y[j * n + k];
                CHECK(s == Approx(i == j ? 1.0 : 0.0).margin(1e-14));
            }
        if (d == n)
            for (int64_t i = 0; i < n; ++i)
                for (int64_t j = 0; j < n; ++j) {
                    double s = 0;
                    for (int64_t k = 0; k < d; ++k) s += Y[k * n + i] * Y[k * n + j];
                    CHECK(s == Approx(i == j ? 1.0 : 0.0).margin(1e-14));
                }
    }
}

TEST_CASE("hadamard_rotation coordinates are distributed like those of a uniform rotation",
          "[ot][sliced][hadamard]") {
    // A fixed unit vector x in d = n = 256, rotated with 3000 seeds. For a uniform rotation each
    // coordinate t of U x has density proportional to (1 - t^2)^((n-3)/2): mean 0, variance 1/n.
    // Measured here: Kolmogorov distance of the first coordinate 0.013 for a generic dense x
    // (sampling noise alone is ~0.016), 0.05 for x = e_0, whose image is a scaled Walsh
    // transform of random signs and so takes few distinct values.
    auto rt = ot_runtime();
    const int64_t n = 256, S = 3000;
    // Exact CDF of a uniform rotation's coordinate, by Simpson's rule on a fine grid.
    const int G = 40000;
    std::vector<double> grid(G + 1), cdf(G + 1, 0.0);
    for (int i = 0; i <= G; ++i) grid[i] = -1.0 + 2.0 * i / G;
    auto dens = [&](double t) { return std::pow(std::max(0.0, 1 - t * t), 0.5 * (n - 3)); };
    for (int i = 1; i <= G; ++i) {
        const double a = grid[i - 1], b = grid[i];
        cdf[i] = cdf[i - 1] + (b - a) / 6 * (dens(a) + 4 * dens(0.5 * (a + b)) + dens(b));
    }
    for (auto &v : cdf) v /= cdf[G];
    auto F = [&](double t) {
        const double pos = (t + 1) / 2 * G;
        const int i = std::min(G - 1, std::max(0, static_cast<int>(pos)));
        return cdf[i] + (cdf[i + 1] - cdf[i]) * (pos - i);
    };
    std::mt19937_64 g(43);
    std::normal_distribution<double> nd;
    Mat dense(1, n), e0(1, n);
    double s = 0;
    for (auto &v : dense.v) {
        v = nd(g);
        s += v * v;
    }
    for (auto &v : dense.v) v /= std::sqrt(s);
    e0(0, 0) = 1.0;
    for (const auto *x : {&dense, &e0}) {
        std::vector<double> first(S), all;
        for (int64_t seed = 0; seed < S; ++seed) {
            const auto y = rotate(rt.get(), *x, seed + 1000);
            first[seed] = y[0];
            all.insert(all.end(), y.begin(), y.begin() + 8);
        }
        // Mean 0 and variance 1/n for several coordinates (pooled).
        CHECK(std::fabs(mean_of(all)) <= 4.0 / std::sqrt(n * static_cast<double>(all.size())));
        CHECK(var_of(all) * n == Approx(1.0).epsilon(0.06));
        std::sort(first.begin(), first.end());
        double ks = 0;
        for (int64_t i = 0; i < S; ++i) {
            const double f = F(first[i]);
            const double lo = static_cast<double>(i) / S, hi = static_cast<double>(i + 1) / S;
            ks = std::max({ks, std::fabs(f - lo), std::fabs(f - hi)});
        }
        std::printf("[sliced] hadamard_rotation n=256, %lld seeds, %s input: Kolmogorov distance of y_0 to a "
                    "uniform rotation's coordinate %.4f\n",
                    static_cast<long long>(S), x == &dense ? "dense" : "e_0", ks);
        CHECK(ks < (x == &dense ? 0.04 : 0.1));
    }
}

TEST_CASE("hadamard_rotation rejects bad input", "[ot][sliced][hadamard][errors]") {
    auto rt = ot_runtime();
    std::string msg;
    Mat x(2, 3);
    x(1, 1) = std::numeric_limits<double>::infinity();
    auto args = new_args();
    set_mat(args.get(), "x", x);
    CHECK(invoke_fails(rt.get(), "ot.hadamard_rotation", args.get(), &msg) == GEOMRT_EINVAL);
    x(1, 1) = 0;
    set_mat(args.get(), "x", x);
    set_i64(args.get(), "n_blocks", 0);
    CHECK(invoke_fails(rt.get(), "ot.hadamard_rotation", args.get(), &msg) == GEOMRT_EINVAL);
    auto args2 = new_args();
    const std::vector<double> flat = {1.0, 2.0};
    set_vec(args2.get(), "x", flat);
    CHECK(invoke_fails(rt.get(), "ot.hadamard_rotation", args2.get(), &msg) == GEOMRT_ESHAPE);
}

TEST_CASE("sliced_wasserstein (common directions) satisfies the triangle inequality on random triples",
          "[ot][sliced]") {
    // With the same directions (same seed, no control variate) the estimate is the L_p average over
    // directions of 1-D W_p distances, each a metric, so it is a (pseudo)metric itself.
    auto rt = ot_runtime();
    std::mt19937_64 g(31);
    for (int trial = 0; trial < 6; ++trial) {
        const Mat x = uniform_points(g, 40, 4), y = uniform_points(g, 55, 4), z = uniform_points(g, 33, 4);
        const auto wx = random_weights(g, 40), wy = random_weights(g, 55), wz = random_weights(g, 33);
        for (double p : {1.0, 2.0})
            for (const char *source : {"gaussian", "hadamard"}) {
                INFO("trial " << trial << " p " << p << " " << source);
                Opt o;
                o.p = p;
                o.seed = 5 + trial;
                o.source = source;
                auto d = [&](const Mat &s, const std::vector<double> &ws, const Mat &t, const std::vector<double> &wt) {
                    Opt q = o;
                    q.a = &ws;
                    q.b = &wt;
                    return sw(rt.get(), s, t, q).cost;
                };
                const double xy = d(x, wx, y, wy), yz = d(y, wy, z, wz), xz = d(x, wx, z, wz);
                CHECK(xz <= xy + yz + 1e-12);
                CHECK(xy <= xz + d(z, wz, y, wy) + 1e-12);
                CHECK(d(y, wy, x, wx) == Approx(xy).epsilon(1e-13));
            }
    }
}

TEST_CASE("max-SW and v-DSW are symmetric, zero for identical clouds, and max-SW is a metric on random triples",
          "[ot][sliced][maxsw][vdsw]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(57);
    for (int trial = 0; trial < 4; ++trial) {
        INFO("trial " << trial);
        const Mat x = uniform_points(g, 60, 2), y = uniform_points(g, 45, 2), z = uniform_points(g, 50, 2);
        const auto wx = random_weights(g, 60), wy = random_weights(g, 45), wz = random_weights(g, 50);
        auto msw = [&](const Mat &s, const std::vector<double> &ws, const Mat &t, const std::vector<double> &wt) {
            return max_sw(rt.get(), s, t, 3, 0, &ws, &wt).cost;
        };
        const double xy = msw(x, wx, y, wy), yz = msw(y, wy, z, wz), xz = msw(x, wx, z, wz);
        CHECK(msw(y, wy, x, wx) == Approx(xy).epsilon(1e-9));
        // In d = 2 the restarts find the global maximum, so the triangle inequality holds to the ascent's accuracy.
        CHECK(xz <= (xy + yz) * (1 + 1e-9));
        CHECK(xy <= (xz + yz) * (1 + 1e-9));
        CHECK(msw(x, wx, x, wx) == 0.0);
        CHECK(vdsw(rt.get(), x, x, 10.0).cost == 0.0);
        // v-DSW is a Monte Carlo estimate after a stochastic ascent: swapping the clouds changes the rounding
        // of the ascent steps and so the final location slightly; symmetric to sampling accuracy.
        const VDSW v1 = vdsw(rt.get(), x, y, 10.0, 500, 4), v2 = vdsw(rt.get(), y, x, 10.0, 500, 4);
        CHECK(v2.cost == Approx(v1.cost).epsilon(1e-3));
        CHECK(v1.cost > 0);
    }
}
