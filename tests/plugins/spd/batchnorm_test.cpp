// spd.batchnorm_forward / spd.batchnorm_backward: hand-computed diagonal (commuting) cases and
// running statistics, reference values of the authors' algorithm (tests/data/spd_reference.txt,
// made by make_spd_reference.py with a torch re-implementation and autograd), gradients against
// central finite differences (theta in {0.5, 1, 2}, M = I and general, repeated, near-repeated
// eigenvalues, condition numbers up to 1e8, both through_stats), bad input, threads.
#include <cmath>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "spd_helpers.hpp"

using namespace st;

namespace {

Layer make_layer(std::mt19937_64 &g, int64_t N, int64_t n, double theta, bool withM, const std::string &mode,
                 bool through_stats, double spread = 1.0) {
    Layer L;
    for (int64_t i = 0; i < N; ++i) L.X.push_back(random_spd(g, n, spread));
    L.weight = random_spd(g, n, 0.5);
    L.has_M = withM;
    if (withM) L.M = random_spd(g, n, 0.5);
    L.num = {{"theta", theta}, {"shift", 1.3}};
    L.str = {{"mode", mode}, {"through_stats", through_stats ? "true" : "false"}};
    return L;
}

Batch random_grad(std::mt19937_64 &g, int64_t N, int64_t n) {
    Batch b;
    for (int64_t i = 0; i < N; ++i) b.push_back(random_sym(g, n));
    return b;
}

double loss(geomrt_runtime *rt, const Layer &L, const Batch &gY) { return inner(forward(rt, L).Y, gY); }

/// Compare analytic directional derivatives with central differences of the forward pass.
/// For through_stats=false the statistics are frozen: the difference runs in eval mode with the
/// running statistics set to the batch ones.
void check_gradients(geomrt_runtime *rt, std::mt19937_64 &g, Layer L, double h, double rtol, bool relative_dirs = false) {
    const int64_t N = static_cast<int64_t>(L.X.size()), n = L.X[0].rows();
    const Batch gY = random_grad(g, N, n);
    const bool ts = L.str["through_stats"] == "true";
    const Backward b = backward(rt, L, gY);
    for (const auto &x : b.gX) REQUIRE(x.allFinite());
    REQUIRE(b.gW.allFinite());
    REQUIRE(b.gM.allFinite());
    REQUIRE(std::isfinite(b.gs));
    for (const auto &x : b.gX) CHECK(max_abs(x - x.transpose()) == 0.0);
    Layer F = L;
    if (!ts) {
        const Forward f = forward(rt, L);
        F.has_running = true;
        F.running_mean = f.batch_mean;
        F.running_var = f.batch_var;
        F.str["training"] = "false";
        // eval mode with the batch statistics gives the same gradients as frozen statistics, and so does
        // training mode with the forward pass's statistics handed over
        Layer T = L;
        T.has_batch = true;
        T.batch_mean = f.batch_mean;
        T.batch_var = f.batch_var;
        for (const Layer *other : {&F, &T}) {
            const Backward be = backward(rt, *other, gY);
            for (int64_t i = 0; i < N; ++i) CHECK(rel_err(be.gX[i], b.gX[i]) < 1e-12);
            CHECK(rel_err(be.gW, b.gW) < 1e-12);
            CHECK(rel_err(be.gM, b.gM) < 1e-12);
            CHECK(std::fabs(be.gs - b.gs) <= 1e-12 * std::max(1.0, std::fabs(b.gs)));
        }
    }
    auto fd = [&](auto perturb) {
        Layer p = F, m = F;
        perturb(p, h);
        perturb(m, -h);
        return (loss(rt, p, gY) - loss(rt, m, gY)) / (2 * h);
    };
    // X
    Batch D;
    for (int64_t i = 0; i < N; ++i) {
        const EMat E = random_sym(g, n);
        D.push_back(relative_dirs ? EMat(sqrtm(L.X[i]) * E * sqrtm(L.X[i])) : EMat(E * max_abs(L.X[i])));
    }
    const double dX = fd([&](Layer &l, double s) {
        for (int64_t i = 0; i < N; ++i) l.X[i] += s * D[i];
    });
    INFO("theta " << L.num["theta"] << " mode " << L.str["mode"] << " through_stats " << ts);
    CHECK(std::fabs(dX - inner(b.gX, D)) <= rtol * std::max(1.0, std::fabs(dX)));
    // weight
    const EMat DW = random_sym(g, n) * max_abs(L.weight);
    const double dW = fd([&](Layer &l, double s) { l.weight += s * DW; });
    CHECK(std::fabs(dW - b.gW.cwiseProduct(DW).sum()) <= rtol * std::max(1.0, std::fabs(dW)));
    // M (around the identity when not given)
    const EMat M0 = L.has_M ? L.M : EMat::Identity(n, n);
    const EMat DM = random_sym(g, n);
    const double dM = fd([&](Layer &l, double s) {
        l.has_M = true;
        l.M = M0 + s * DM;
    });
    CHECK(std::fabs(dM - b.gM.cwiseProduct(DM).sum()) <= rtol * std::max(1.0, std::fabs(dM)));
    // shift
    const double ds = fd([&](Layer &l, double s) { l.num["shift"] += s; });
    CHECK(std::fabs(ds - b.gs) <= rtol * std::max(1.0, std::fabs(ds)));
}

}  // namespace

TEST_CASE("batchnorm forward on diagonal (commuting) matrices matches the hand-computed layer", "[spd][batchnorm]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(21);
    std::uniform_real_distribution<double> u(0.3, 3.0);
    const int64_t N = 4, n = 3;
    for (double theta : {1.0, 0.5, 2.0})
        for (const char *mode : {"reference", "converged"})
            for (bool withM : {false, true}) {
                Layer L;
                EMat x(N, n);
                EVec w(n), m(n), rm(n);
                for (int64_t i = 0; i < N; ++i)
                    for (int64_t k = 0; k < n; ++k) x(i, k) = u(g);
                for (int64_t k = 0; k < n; ++k) {
                    w(k) = u(g);
                    m(k) = withM ? u(g) : 1.0;
                    rm(k) = u(g);
                }
                for (int64_t i = 0; i < N; ++i) L.X.push_back(EVec(x.row(i)).asDiagonal());
                L.weight = w.asDiagonal();
                L.has_M = withM;
                L.M = m.asDiagonal();
                L.has_running = true;
                L.running_mean = rm.asDiagonal();
                L.running_var = 0.8;
                const double shift = 1.7, t = 0.1, eps = 1e-5;
                L.num = {{"theta", theta}, {"shift", shift}};
                L.str = {{"mode", mode}};
                const Forward f = forward(rt.get(), L);
                // by hand: z = x^theta / m, G = (mean sqrt z)^2, var, f, q, y = (sqrt w' + q/2)^2, out = (m y)^(1/theta)
                EVec G(n);
                for (int64_t k = 0; k < n; ++k) {
                    double s = 0;
                    for (int64_t i = 0; i < N; ++i) s += std::sqrt(std::pow(x(i, k), theta) / m(k)) / N;
                    G(k) = s * s;
                }
                double var = 0;
                for (int64_t i = 0; i < N; ++i)
                    for (int64_t k = 0; k < n; ++k) {
                        const double rz = std::sqrt(std::pow(x(i, k), theta) / m(k));
                        const double c = std::string(mode) == "reference" ? 1.0 : std::sqrt(G(k));
                        var += (rz - c) * (rz - c) / (N * theta * theta);
                    }
                const double fs = shift / std::sqrt(var + eps);
                INFO("theta " << theta << " mode " << mode << " M " << withM);
                CHECK_THAT(f.batch_var, Catch::Matchers::WithinRel(var, 1e-12));
                CHECK(rel_err(f.batch_mean, EMat(G.asDiagonal())) < 1e-13);
                for (int64_t i = 0; i < N; ++i) {
                    EVec want(n);
                    for (int64_t k = 0; k < n; ++k) {
                        const double rz = std::sqrt(std::pow(x(i, k), theta) / m(k));
                        const double uu = std::fabs(1 + rz - std::sqrt(G(k)));
                        const double q = 2 * std::fabs(1 + fs * (uu - 1)) - 2;
                        const double wp = std::pow(w(k), theta) / m(k);
                        const double y = std::pow(std::sqrt(wp) + q / 2, 2);
                        want(k) = std::pow(m(k) * y, 1.0 / theta);
                    }
                    CHECK(rel_err(f.Y[i], EMat(want.asDiagonal())) < 1e-12);
                }
                EVec rmn(n);
                for (int64_t k = 0; k < n; ++k) rmn(k) = std::pow((1 - t) * std::sqrt(rm(k)) + t * std::sqrt(G(k)), 2);
                CHECK(rel_err(f.new_running_mean, EMat(rmn.asDiagonal())) < 1e-13);
                CHECK_THAT(f.new_running_var, Catch::Matchers::WithinRel(0.9 * 0.8 + 0.1 * var, 1e-13));
            }
}

TEST_CASE("running statistics move only in training mode and eval mode normalizes with them", "[spd][batchnorm]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(22);
    Layer L = make_layer(g, 5, 3, 1.0, false, "reference", false);
    L.has_running = true;
    L.running_mean = random_spd(g, 3);
    L.running_var = 0.6;
    L.num["momentum"] = 0.25;
    const Forward tr = forward(rt.get(), L);
    CHECK(rel_err(tr.new_running_mean, L.running_mean) > 1e-3);
    CHECK_THAT(tr.new_running_var, Catch::Matchers::WithinRel(0.75 * 0.6 + 0.25 * tr.batch_var, 1e-14));
    // the new running mean is the point at t = 0.25 on the geodesic (spd.geodesic)
    auto a = gt::new_args();
    set_batch(a.get(), "A", {L.running_mean});
    set_batch(a.get(), "B", {tr.batch_mean});
    REQUIRE(geomrt_args_set_param_f64(a.get(), "t", 0.25) == GEOMRT_OK);
    auto r = gt::invoke(rt.get(), "spd.geodesic", a.get());
    CHECK(rel_err(tr.new_running_mean, get_batch(r.get(), "X")[0]) < 1e-13);
    L.str["training"] = "false";
    const Forward ev = forward(rt.get(), L);
    CHECK(rel_err(ev.new_running_mean, L.running_mean) == 0.0);
    CHECK(ev.new_running_var == L.running_var);
    CHECK(rel_err(ev.batch_mean, L.running_mean) == 0.0);
    // eval with the batch statistics reproduces the training output
    L.running_mean = tr.batch_mean;
    L.running_var = tr.batch_var;
    const Forward ev2 = forward(rt.get(), L);
    for (size_t i = 0; i < L.X.size(); ++i) CHECK(rel_err(ev2.Y[i], tr.Y[i]) < 1e-13);
}

TEST_CASE("mode=reference reproduces the reference algorithm (values and autograd gradients) to 1e-10", "[spd][batchnorm][reference]") {
    auto rt = gt::plugins_runtime();
    std::ifstream in(std::string(GEOMRT_TEST_DATA_DIR) + "/spd_reference.txt");
    REQUIRE(in.good());
    std::string tok;
    int cases = 0;
    while (in >> tok) {
        REQUIRE(tok == "case");
        std::string name;
        int64_t N, n;
        double theta, shift;
        int training, has_M;
        in >> name >> N >> n >> theta >> shift >> training >> has_M;
        std::map<std::string, std::vector<double>> arr;
        while (in >> tok && tok != "end") {
            size_t cnt;
            in >> cnt;
            std::vector<double> v(cnt);
            for (auto &x : v) in >> x;
            arr[tok] = v;
        }
        auto mat = [&](const std::string &k, int64_t off = 0) {
            return EMat(Eigen::Map<const RowMat>(arr.at(k).data() + off, n, n));
        };
        auto batch = [&](const std::string &k) {
            Batch b;
            for (int64_t i = 0; i < N; ++i) b.push_back(mat(k, i * n * n));
            return b;
        };
        Layer L;
        L.X = batch("X");
        L.weight = mat("weight");
        L.has_M = has_M != 0;
        if (L.has_M) L.M = mat("M");
        L.has_running = true;
        L.running_mean = mat("running_mean");
        L.running_var = arr.at("running_var")[0];
        L.num = {{"theta", theta}, {"shift", shift}};
        L.str = {{"mode", "reference"}, {"training", training ? "true" : "false"}};
        INFO("case " << name);
        const Forward f = forward(rt.get(), L);
        const Batch Y = batch("Y");
        for (int64_t i = 0; i < N; ++i) CHECK(max_abs(f.Y[i] - Y[i]) <= 1e-10 * std::max(1.0, max_abs(Y[i])));
        CHECK(max_abs(f.batch_mean - mat("batch_mean")) <= 1e-10);
        CHECK(std::fabs(f.batch_var - arr.at("batch_var")[0]) <= 1e-10);
        CHECK(max_abs(f.new_running_mean - mat("new_running_mean")) <= 1e-10);
        CHECK(std::fabs(f.new_running_var - arr.at("new_running_var")[0]) <= 1e-10);
        const Batch gY = batch("grad_Y");
        for (int ts = 0; ts < 2; ++ts) {
            L.str["through_stats"] = ts ? "true" : "false";
            const Backward b = backward(rt.get(), L, gY);
            const std::string s = std::to_string(ts);
            const Batch gX = batch("gX" + s);
            for (int64_t i = 0; i < N; ++i) CHECK(max_abs(b.gX[i] - gX[i]) <= 1e-10 * std::max(1.0, max_abs(gX[i])));
            CHECK(max_abs(b.gW - mat("gW" + s)) <= 1e-10 * std::max(1.0, max_abs(mat("gW" + s))));
            if (L.has_M) CHECK(max_abs(b.gM - mat("gM" + s)) <= 1e-10 * std::max(1.0, max_abs(mat("gM" + s))));
            CHECK(std::fabs(b.gs - arr.at("gs" + s)[0]) <= 1e-10 * std::max(1.0, std::fabs(arr.at("gs" + s)[0])));
        }
        ++cases;
    }
    CHECK(cases == 12);
}

TEST_CASE("batchnorm gradients match central differences for theta in {0.5, 1, 2}, M = I and general, both modes", "[spd][batchnorm][gradient]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(23);
    for (double theta : {0.5, 1.0, 2.0})
        for (bool withM : {false, true})
            for (const char *mode : {"reference", "converged"})
                for (bool ts : {false, true}) check_gradients(rt.get(), g, make_layer(g, 4, 4, theta, withM, mode, ts), 1e-5, 1e-7);
    // a large scale (shift 6): I + V/2 or (1 - f) I + f (I + V/2) indefinite for some samples, where the
    // layer takes absolute values of eigenvalues (piecewise linear divided differences)
    for (bool ts : {false, true}) {
        Layer L = make_layer(g, 6, 4, 1.0, false, "reference", ts, 1.5);
        L.num["shift"] = 6.0;
        check_gradients(rt.get(), g, L, 1e-6, 1e-7);
    }
}

TEST_CASE("batchnorm gradients stay exact with repeated eigenvalues (X = c I, weight = I, M = I)", "[spd][batchnorm][gradient]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(24);
    for (double theta : {0.5, 1.0, 2.0})
        for (bool ts : {false, true}) {
            Layer L;
            for (int i = 0; i < 4; ++i) L.X.push_back((1.0 + 0.3 * i) * EMat::Identity(4, 4));
            L.X[3] = with_spectrum(g, (EVec(4) << 1.0, 1.0, 2.0, 2.0).finished());  // repeated pairs
            L.weight = EMat::Identity(4, 4);
            L.num = {{"theta", theta}, {"shift", 0.9}};
            L.str = {{"mode", "reference"}, {"through_stats", ts ? "true" : "false"}};
            check_gradients(rt.get(), g, L, 1e-5, 1e-7);
            // the reference zeroes 0/0 and gets a diagonal grad_M at M = I; ours has off-diagonal entries
            const Backward b = backward(rt.get(), L, random_grad(g, 4, 4));
            CHECK(max_abs(EMat(b.gM - EMat(b.gM.diagonal().asDiagonal()))) > 1e-3);
        }
}

TEST_CASE("batchnorm gradients with eigengaps near 1e-7 and condition numbers up to 1e8", "[spd][batchnorm][gradient]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(25);
    for (bool ts : {false, true}) {
        Layer L = make_layer(g, 4, 4, 1.0, false, "reference", ts);
        for (auto &x : L.X) x = with_spectrum(g, (EVec(4) << 1.0, 1.0 + 1e-7, 2.0, 3.0).finished());
        L.weight = with_spectrum(g, (EVec(4) << 0.5, 0.5 + 1e-7, 0.5 + 2e-7, 1.0).finished());
        check_gradients(rt.get(), g, L, 1e-5, 1e-7);
    }
    for (double theta : {0.5, 1.0, 2.0})
        for (double cond : {1e4, 1e8})
            for (bool ts : {false, true}) {
                Layer L = make_layer(g, 4, 4, theta, false, "reference", ts);
                for (auto &x : L.X) x = conditioned_spd(g, 4, cond);
                const double chart_cond = std::pow(cond, std::max(theta, 1.0));
                if (chart_cond > 1e12) {
                    // X^2 with cond(X) = 1e8 is beyond double precision: a clear error or finite gradients, never NaN
                    auto a = gt::new_args();
                    std::vector<double> rm;
                    double rv;
                    L.fill(a.get(), &rm, &rv, false);
                    set_batch(a.get(), "grad_Y", random_grad(g, 4, 4));
                    geomrt_result *r = nullptr;
                    if (geomrt_invoke(&r, rt.get(), "spd.batchnorm_backward", a.get(), nullptr) == GEOMRT_OK) {
                        const Batch gX = get_batch(r, "grad_X");
                        for (const auto &x : gX) CHECK(x.allFinite());
                        geomrt_result_free(r);
                    } else {
                        CHECK_THAT(std::string(geomrt_last_error()), Catch::Matchers::Contains("ill-conditioned") ||
                                                                         Catch::Matchers::Contains("singular"));
                    }
                    continue;
                }
                // differences relative to the matrices (directions X^1/2 E X^1/2); rounding of the forward pass
                // grows with the condition number of the deformed matrices, so the tolerance does too.
                check_gradients(rt.get(), g, L, 1e-4, chart_cond > 1e5 ? 1e-5 : 1e-7, true);
            }
}

TEST_CASE("batchnorm rejects bad input with a clear error and leaves running statistics untouched", "[spd][batchnorm][errors]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(26);
    const Layer base = make_layer(g, 4, 3, 1.0, false, "reference", false);
    auto expect_fail = [&](Layer L, const char *method, int code, const std::vector<std::string> &parts) {
        if (std::string(method) == "spd.batchnorm_forward") L.str.erase("through_stats");
        auto a = gt::new_args();
        std::vector<double> rm;
        double rv = 0;
        L.fill(a.get(), &rm, &rv, std::string(method) == "spd.batchnorm_forward");
        if (std::string(method) == "spd.batchnorm_backward") set_batch(a.get(), "grad_Y", random_grad(g, 4, 3));
        const std::vector<double> rm0 = rm;
        const double rv0 = rv;
        std::string msg;
        CHECK(gt::invoke_fails(rt.get(), method, a.get(), &msg) == code);
        INFO(msg);
        for (const auto &p : parts) CHECK_THAT(msg, Catch::Matchers::Contains(p));
        CHECK(rm == rm0);
        CHECK(rv == rv0);
    };
    for (const char *method : {"spd.batchnorm_forward", "spd.batchnorm_backward"}) {
        Layer L = base;
        L.has_running = true;
        L.running_mean = EMat::Identity(3, 3);
        L.X[2](0, 1) += 1e-3;
        expect_fail(L, method, GEOMRT_EINVAL, {method, "'X'[2]", "not symmetric"});
        L = base;
        L.has_running = true;
        L.running_mean = EMat::Identity(3, 3);
        L.X[1] = with_spectrum(g, (EVec(3) << -0.1, 1.0, 2.0).finished());
        expect_fail(L, method, GEOMRT_EINVAL, {"'X'[1]", "not positive definite"});
        L.X[1] = base.X[1];
        L.X[3](2, 2) = std::numeric_limits<double>::infinity();
        expect_fail(L, method, GEOMRT_EINVAL, {"'X'[3]", "non-finite"});
        L = base;
        L.weight = with_spectrum(g, (EVec(3) << 0.0, 1.0, 2.0).finished());
        expect_fail(L, method, GEOMRT_EINVAL, {"'weight'", "not positive definite"});
        L = base;
        L.str["training"] = "false";
        expect_fail(L, method, GEOMRT_EINVAL, {"running_mean"});
        L.has_running = true;
        L.running_mean = EMat::Identity(3, 3);
        L.running_var = -1.0;
        expect_fail(L, method, GEOMRT_EINVAL, {"running_var"});
        L = base;
        L.weight = EMat::Identity(4, 4);
        expect_fail(L, method, GEOMRT_ESHAPE, {"weight"});
        L = base;
        L.str["mode"] = "average";
        expect_fail(L, method, GEOMRT_EINVAL, {"mode"});
    }
}

TEST_CASE("batchnorm results do not depend on the thread count (concurrent calls too)", "[spd][batchnorm][threads]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(27);
    Layer L = make_layer(g, 12, 5, 0.5, true, "converged", true);
    const Batch gY = random_grad(g, 12, 5);
    const Backward b1 = backward(rt.get(), L, gY, 1);
    const Backward b4 = backward(rt.get(), L, gY, 4);
    for (size_t i = 0; i < b1.gX.size(); ++i) CHECK(max_abs(b1.gX[i] - b4.gX[i]) == 0.0);
    CHECK(max_abs(b1.gW - b4.gW) == 0.0);
    CHECK(max_abs(b1.gM - b4.gM) == 0.0);
    CHECK(b1.gs == b4.gs);
    std::vector<gt::Args> args;
    for (int t = 0; t < 3; ++t) {
        args.push_back(gt::new_args());
        std::vector<double> rm;
        double rv;
        L.fill(args.back().get(), &rm, &rv, false);
        set_batch(args.back().get(), "grad_Y", gY);
    }
    std::vector<geomrt_result *> res(3, nullptr);
    std::vector<std::thread> ts;
    for (int t = 0; t < 3; ++t)
        ts.emplace_back([&, t] {
            geomrt_call_options o = GEOMRT_CALL_OPTIONS_INIT;
            o.num_threads = 2;
            if (geomrt_invoke(&res[t], rt.get(), "spd.batchnorm_backward", args[t].get(), &o) != GEOMRT_OK) res[t] = nullptr;
        });
    for (auto &t : ts) t.join();
    for (auto *r : res) {
        REQUIRE(r != nullptr);
        const Batch gX = get_batch(r, "grad_X");
        for (size_t i = 0; i < gX.size(); ++i) CHECK(max_abs(gX[i] - b1.gX[i]) == 0.0);
        geomrt_result_free(r);
    }
}
