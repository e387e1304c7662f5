// ot.sinkhorn_newton_sparse: the Lyapunov function's derivatives, agreement with ot.sinkhorn, the
// paper's random assignment case (iteration ratio against plain Sinkhorn), threads, zero masses, errors.
#include <algorithm>
#include <cmath>
#include <limits>

#include "../../../plugins/ot/sns_core.hpp"
#include "../../common.hpp"
#include "entropic.hpp"

using namespace gt;
namespace sns = geomrt::ot::sns;

namespace {

Mat uniform_cost(uint64_t seed, int64_t n, int64_t m) {
    std::mt19937_64 g(seed);
    std::uniform_real_distribution<double> u(0.0, 1.0);
    Mat C(n, m);
    for (auto &e : C.v) e = u(g);
    return C;
}

// A small problem and a point (f, g) near its optimum, for the derivative checks.
struct Small {
    int64_t n = 7, m = 6;
    double eps = 0.1;
    Mat C;
    std::vector<double> a, b, f, g;
    Small() {
        std::mt19937_64 r(3);
        C = sqdist(uniform_points(r, n, 2), uniform_points(r, m, 2));
        a = random_weights(r, n);
        b = random_weights(r, m);
        std::normal_distribution<double> nd(0.0, 0.05);
        f.resize(n);
        g.resize(m);
        for (auto &x : f) x = nd(r);
        for (auto &x : g) x = nd(r) - 0.2;
    }
    double L(const std::vector<double> &ff, const std::vector<double> &gg) const {
        return sns::lyapunov(n, m, C.v.data(), a.data(), b.data(), eps, ff.data(), gg.data());
    }
    std::vector<double> grad(const std::vector<double> &ff, const std::vector<double> &gg) const {
        std::vector<double> out(static_cast<size_t>(n + m));
        sns::lyapunov_gradient(n, m, C.v.data(), a.data(), b.data(), eps, ff.data(), gg.data(), out.data(),
                               out.data() + n);
        return out;
    }
};

}  // namespace

TEST_CASE("sns: the gradient of the Lyapunov function matches finite differences", "[ot][sns]") {
    Small s;
    const auto gr = s.grad(s.f, s.g);
    const double h = 1e-6;
    for (int64_t k = 0; k < s.n + s.m; ++k) {
        auto fp = s.f, gp = s.g, fm = s.f, gm = s.g;
        if (k < s.n) {
            fp[k] += h;
            fm[k] -= h;
        } else {
            gp[k - s.n] += h;
            gm[k - s.n] -= h;
        }
        const double fd = (s.L(fp, gp) - s.L(fm, gm)) / (2 * h);
        INFO("coordinate " << k);
        CHECK(fd == Approx(gr[k]).margin(1e-8));
    }
    // L is invariant along (1, -1), so the gradient sums to sum a - sum b = 0 along it.
    double along = 0;
    for (int64_t k = 0; k < s.n + s.m; ++k) along += k < s.n ? gr[k] : -gr[k];
    CHECK(std::fabs(along) <= 1e-14);
}

TEST_CASE("sns: the Hessian-vector product matches finite differences of the gradient", "[ot][sns]") {
    Small s;
    std::mt19937_64 r(5);
    std::normal_distribution<double> nd(0.0, 1.0);
    std::vector<double> vf(s.n), vg(s.m), hf(s.n), hg(s.m);
    for (auto &x : vf) x = nd(r);
    for (auto &x : vg) x = nd(r);
    sns::neg_hessian_vec(s.n, s.m, s.C.v.data(), s.eps, s.f.data(), s.g.data(), vf.data(), vg.data(), hf.data(),
                         hg.data());
    const double h = 1e-6;
    auto fp = s.f, gp = s.g, fm = s.f, gm = s.g;
    for (int64_t i = 0; i < s.n; ++i) {
        fp[i] += h * vf[i];
        fm[i] -= h * vf[i];
    }
    for (int64_t j = 0; j < s.m; ++j) {
        gp[j] += h * vg[j];
        gm[j] -= h * vg[j];
    }
    const auto gpv = s.grad(fp, gp), gmv = s.grad(fm, gm);
    for (int64_t k = 0; k < s.n + s.m; ++k) {
        const double fd = (gpv[k] - gmv[k]) / (2 * h);  // Hess v
        const double hv = k < s.n ? hf[k] : hg[k - s.n];
        INFO("coordinate " << k);
        CHECK(-fd == Approx(hv).epsilon(1e-6).margin(1e-8));
    }
    // The null direction (1, -1).
    std::vector<double> one(s.n, 1.0), mone(s.m, -1.0);
    sns::neg_hessian_vec(s.n, s.m, s.C.v.data(), s.eps, s.f.data(), s.g.data(), one.data(), mone.data(), hf.data(),
                         hg.data());
    for (double x : hf) CHECK(std::fabs(x) <= 1e-14);
    for (double x : hg) CHECK(std::fabs(x) <= 1e-14);
}

TEST_CASE("sns: the engine's sparse Hessian, selection and line-search increments", "[ot][sns]") {
    Small s;
    sns::Engine E(s.n, s.m, s.C.v.data(), s.a.data(), s.b.data(), s.eps, 1);
    E.set_potentials(s.f, s.g);
    const int64_t N = s.n + s.m;
    std::mt19937_64 r(6);
    std::normal_distribution<double> nd(0.0, 1.0);
    std::vector<double> v(N), Av(N), hf(s.n), hg(s.m);
    for (auto &x : v) x = nd(r);
    sns::neg_hessian_vec(s.n, s.m, s.C.v.data(), s.eps, s.f.data(), s.g.data(), v.data(), v.data() + s.n, hf.data(),
                         hg.data());
    // density 1 keeps every entry: eps * (-Hess L) exactly.
    auto H = E.sparsify(1.0);
    CHECK(H.nnz() == s.n * s.m);
    H.apply(v.data(), Av.data());
    for (int64_t k = 0; k < N; ++k) CHECK(Av[k] == Approx(s.eps * (k < s.n ? hf[k] : hg[k - s.n])).epsilon(1e-12));
    // density 3/(n m): the 3 largest entries plus every row's and column's largest.
    const auto &P = E.plan();
    auto Hs = E.sparsify(3.0 / (s.n * s.m));
    std::vector<double> sorted = P;
    std::sort(sorted.begin(), sorted.end(), std::greater<double>());
    std::vector<char> kept(static_cast<size_t>(s.n * s.m), 0);
    for (int64_t i = 0; i < s.n; ++i)
        for (int64_t k = Hs.indptr[i]; k < Hs.indptr[i + 1]; ++k) {
            kept[i * s.m + Hs.indices[k]] = 1;
            CHECK(Hs.vals[k] == P[i * s.m + Hs.indices[k]]);
        }
    for (int64_t k = 0; k < s.n * s.m; ++k)
        if (P[k] >= sorted[2]) CHECK(kept[k]);
    for (int64_t i = 0; i < s.n; ++i) {
        int64_t arg = 0;
        for (int64_t j = 1; j < s.m; ++j)
            if (P[i * s.m + j] > P[i * s.m + arg]) arg = j;
        CHECK(kept[i * s.m + arg]);
    }
    for (int64_t j = 0; j < s.m; ++j) {
        int64_t arg = 0;
        for (int64_t i = 1; i < s.n; ++i)
            if (P[i * s.m + j] > P[arg * s.m + j]) arg = i;
        CHECK(kept[arg * s.m + j]);
    }
    CHECK(Hs.nnz() <= 3 + s.n + s.m);
    // The sparse matrix is diagonally dominant and positive definite once entries are dropped: CG
    // solves it; the solution comes back projected off (1, -1), along which L is constant, so
    // H (x + c (1, -1)) = grad for some c.
    auto gr = s.grad(s.f, s.g);
    std::vector<double> x, Ax(N), v1(N, 1.0), Av1(N);
    for (int64_t k = s.n; k < N; ++k) v1[k] = -1.0;
    sns::Engine::solve(Hs, gr, x, 1e-14, 1000);
    Hs.apply(x.data(), Ax.data());
    Hs.apply(v1.data(), Av1.data());
    double along = 0, num = 0, den = 0;
    for (int64_t k = 0; k < N; ++k) {
        along += x[k] * v1[k];
        num += Av1[k] * (gr[k] - Ax[k]);
        den += Av1[k] * Av1[k];
    }
    CHECK(std::fabs(along) <= 1e-12);
    for (int64_t k = 0; k < N; ++k) CHECK(Ax[k] + num / den * Av1[k] == Approx(gr[k]).margin(1e-12));
    // The cancellation-free increment of L equals the plain difference for a moderate step.
    double gd = 0;
    std::vector<double> dx(s.n), dy(s.m), fn = s.f, gn = s.g;
    for (int64_t i = 0; i < s.n; ++i) dx[i] = 0.01 * nd(r);
    for (int64_t j = 0; j < s.m; ++j) dy[j] = 0.01 * nd(r);
    for (int64_t i = 0; i < s.n; ++i) gd += gr[i] * dx[i];
    for (int64_t j = 0; j < s.m; ++j) gd += gr[s.n + j] * dy[j];
    for (double t : {1.0, 0.25, 20.0}) {
        for (int64_t i = 0; i < s.n; ++i) fn[i] = s.f[i] + t * dx[i];
        for (int64_t j = 0; j < s.m; ++j) gn[j] = s.g[j] + t * dy[j];
        const double direct = s.L(fn, gn) - s.L(s.f, s.g);
        INFO("t = " << t);
        CHECK(E.trial(t, dx, dy, gd) == Approx(direct).epsilon(1e-9).margin(1e-15));
    }
    // ...and stays accurate where the plain difference is lost in rounding: for a tiny step the
    // increment is t gd - t^2 (dz^T A dz)/(2 eps) + O(t^3).
    const double t = 1e-7;
    std::vector<double> dz(N), Adz(N);
    std::copy(dx.begin(), dx.end(), dz.begin());
    std::copy(dy.begin(), dy.end(), dz.begin() + s.n);
    H.apply(dz.data(), Adz.data());
    double q = 0;
    for (int64_t k = 0; k < N; ++k) q += dz[k] * Adz[k];
    const double second = -t * t * q / (2 * s.eps);
    CHECK(E.trial(t, dx, dy, gd) - t * gd == Approx(second).epsilon(1e-5));
}

TEST_CASE("sns agrees with ot.sinkhorn and its plan is the Gibbs kernel of its potentials", "[ot][sns]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(21);
    const int64_t n = 60, m = 45;
    const Mat xs = uniform_points(g, n, 2), xt = uniform_points(g, m, 2);
    const Mat M = sqdist(xs, xt);
    const auto a = random_weights(g, n), b = random_weights(g, m);
    for (double reg : {0.05, 0.01}) {
        INFO("reg = " << reg);
        auto args = problem(M, a, b, reg);
        REQUIRE(geomrt_args_set_param_f64(args.get(), "tol", 1e-12) == GEOMRT_OK);
        auto rs = invoke(rt.get(), "ot.sinkhorn", args.get());
        auto rn = invoke(rt.get(), "ot.sinkhorn_newton_sparse", args.get());
        CHECK(scalar(rn.get(), "cost") == Approx(scalar(rs.get(), "cost")).epsilon(1e-8));
        CHECK(scalar(rn.get(), "entropic_cost") == Approx(scalar(rs.get(), "entropic_cost")).epsilon(1e-8));
        const auto Pn = dense(rn.get(), "plan", n * m), Ps = dense(rs.get(), "plan", n * m);
        for (int64_t k = 0; k < n * m; ++k) CHECK(Pn[k] == Approx(Ps[k]).epsilon(1e-6).margin(1e-12));
        const double err = scalar(rn.get(), "marginal_error");
        CHECK(err <= 1e-12);
        CHECK(l1_marginal_error(Pn, n, m, a, b) <= 2e-12);
        const auto f = vec(rn.get(), "f"), gg = vec(rn.get(), "g");
        double tc = 0;
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < m; ++j) {
                CHECK(Pn[i * m + j] == Approx(std::exp((f[i] + gg[j] - M(i, j)) / reg)).epsilon(1e-9));
                tc += Pn[i * m + j] * M(i, j);
            }
        CHECK(scalar(rn.get(), "cost") == Approx(tc).epsilon(1e-12));
        CHECK(scalar(rn.get(), "iterations") ==
              scalar(rn.get(), "sinkhorn_iterations") + scalar(rn.get(), "newton_iterations"));
        CHECK(scalar(rn.get(), "newton_iterations") >= 1);
        CHECK(scalar(rn.get(), "cg_iterations") >= scalar(rn.get(), "newton_iterations"));
        CHECK(scalar(rn.get(), "dense_passes") >= 2 + 2 * scalar(rn.get(), "sinkhorn_iterations") +
                                                     2 * scalar(rn.get(), "newton_iterations"));
        // the same problem from point clouds
        auto pa = new_args();
        set_mat(pa.get(), "xs", xs);
        set_mat(pa.get(), "xt", xt);
        set_vec(pa.get(), "a", a);
        set_vec(pa.get(), "b", b);
        REQUIRE(geomrt_args_set_param_f64(pa.get(), "reg", reg) == GEOMRT_OK);
        REQUIRE(geomrt_args_set_param_f64(pa.get(), "tol", 1e-12) == GEOMRT_OK);
        auto rp = invoke(rt.get(), "ot.sinkhorn_newton_sparse", pa.get());
        CHECK(scalar(rp.get(), "cost") == Approx(scalar(rs.get(), "cost")).epsilon(1e-8));
    }
}

TEST_CASE("sns: the paper's random assignment case needs 100x fewer iterations than Sinkhorn", "[ot][sns][paper]") {
    // Tang et al. (ICLR 2024): n = 500, cost with i.i.d. uniform [0, 1] entries, uniform weights,
    // eta = 1/reg = 1200; paper: Sinkhorn 56,199 iterations, SNS 29. Plain Sinkhorn's count varies a
    // lot between draws (about 3e3 to 7e4 at this size: it is slow when the entropic plan nearly
    // splits into weakly coupled blocks); this draw needs about 5e4, like the paper's. Running it to
    // the end takes too long for a unit test, so Sinkhorn gets 100x SNS's iteration count and must
    // still be short of the tolerance. bench/bench_sns.py runs both to the end.
    auto rt = ot_runtime();
    const int64_t n = 500;
    const Mat C = uniform_cost(1, n, n);
    const std::vector<double> w(n, 1.0 / n);
    auto args = problem(C, w, w, 1.0 / 1200);
    REQUIRE(geomrt_args_set_param_f64(args.get(), "tol", 1e-9) == GEOMRT_OK);
    auto rn = invoke(rt.get(), "ot.sinkhorn_newton_sparse", args.get());
    const int64_t k = static_cast<int64_t>(scalar(rn.get(), "iterations"));
    INFO("SNS: " << scalar(rn.get(), "sinkhorn_iterations") << " Sinkhorn + " << scalar(rn.get(), "newton_iterations")
                 << " Newton iterations");
    CHECK(k <= 40);
    CHECK(scalar(rn.get(), "marginal_error") <= 1e-9);
    CHECK(l1_marginal_error(dense(rn.get(), "plan", n * n), n, n, w, w) <= 1.1e-9);
    // The paper's baseline is plain Sinkhorn: no annealing, no over-relaxation.
    REQUIRE(geomrt_args_set_param_bool(args.get(), "anneal", 0) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_bool(args.get(), "overrelaxation", 0) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_i64(args.get(), "max_iter", 100 * k) == GEOMRT_OK);
    std::string msg;
    CHECK(invoke_fails(rt.get(), "ot.sinkhorn", args.get(), &msg) == GEOMRT_ENOCONVERGE);
    // The entropic plan's cost is close to the assignment optimum.
    auto ea = new_args();
    set_mat(ea.get(), "M", C);
    const double exact = scalar(invoke(rt.get(), "ot.emd", ea.get()).get(), "cost");
    const double cost = scalar(rn.get(), "cost");
    CHECK(cost >= exact - 1e-12);
    CHECK(cost <= exact + 1e-3);
    // The paper's own sparsity, lambda = 2/n, converges too, in more Newton steps.
    auto pa = problem(C, w, w, 1.0 / 1200);
    REQUIRE(geomrt_args_set_param_f64(pa.get(), "density", 2.0 / n) == GEOMRT_OK);
    auto rp = invoke(rt.get(), "ot.sinkhorn_newton_sparse", pa.get());
    CHECK(scalar(rp.get(), "marginal_error") <= 1e-9);
    CHECK(scalar(rp.get(), "cost") == Approx(cost).epsilon(1e-7));
}

TEST_CASE("sns: a smaller random assignment case against Sinkhorn run to the end", "[ot][sns][paper]") {
    // n = 150 with eta = 360 (eta/n as in the paper's case; at eta = 1200 plain Sinkhorn needs over
    // 1e6 iterations at this size). Sinkhorn's count over draws 0-5 of uniform_cost(seed, 150, 150):
    // 2599, 1998, 33519, 10333, 3686, 1226; SNS needs 25-26 on each. This is draw 3.
    auto rt = ot_runtime();
    const int64_t n = 150;
    const Mat C = uniform_cost(3, n, n);
    const std::vector<double> w(n, 1.0 / n);
    auto args = problem(C, w, w, 1.0 / 360);
    auto rn = invoke(rt.get(), "ot.sinkhorn_newton_sparse", args.get());
    REQUIRE(geomrt_args_set_param_bool(args.get(), "anneal", 0) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_bool(args.get(), "overrelaxation", 0) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_i64(args.get(), "max_iter", 1000000) == GEOMRT_OK);
    auto rs = invoke(rt.get(), "ot.sinkhorn", args.get());
    const double sk = scalar(rs.get(), "iterations"), k = scalar(rn.get(), "iterations");
    INFO("Sinkhorn " << sk << " iterations, SNS " << k);
    CHECK(sk >= 100 * k);
    CHECK(scalar(rn.get(), "cost") == Approx(scalar(rs.get(), "cost")).epsilon(1e-8));
    const auto Pn = dense(rn.get(), "plan", n * n), Ps = dense(rs.get(), "plan", n * n);
    double diff = 0;
    for (int64_t q = 0; q < n * n; ++q) diff += std::fabs(Pn[q] - Ps[q]);
    CHECK(diff <= 1e-8);
}

TEST_CASE("sns reaches marginal errors down to 1e-12 at eta = 1200", "[ot][sns]") {
    auto rt = ot_runtime();
    const int64_t n = 120, m = 90;
    const Mat C = uniform_cost(11, n, m);
    std::mt19937_64 g(12);
    const auto a = random_weights(g, n), b = random_weights(g, m);
    auto args = problem(C, a, b, 1.0 / 1200);
    REQUIRE(geomrt_args_set_param_f64(args.get(), "tol", 1e-12) == GEOMRT_OK);
    auto r = invoke(rt.get(), "ot.sinkhorn_newton_sparse", args.get());
    CHECK(scalar(r.get(), "marginal_error") <= 1e-12);
    const auto P = dense(r.get(), "plan", n * m);
    for (double p : P) REQUIRE(std::isfinite(p));
    CHECK(l1_marginal_error(P, n, m, a, b) <= 2e-12);
    CHECK(scalar(r.get(), "newton_iterations") <= 40);
}

TEST_CASE("sns results do not depend on the thread count", "[ot][sns][threads]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(13);
    const int64_t n = 220, m = 190;  // above the parallel threshold
    Mat M = sqdist(uniform_points(g, n, 2), uniform_points(g, m, 2));
    const auto a = random_weights(g, n), b = random_weights(g, m);
    auto args = problem(M, a, b, 0.002);
    auto r1 = invoke(rt.get(), "ot.sinkhorn_newton_sparse", args.get(), 1);
    auto r2 = invoke(rt.get(), "ot.sinkhorn_newton_sparse", args.get(), 2);
    CHECK(dense(r1.get(), "plan", n * m) == dense(r2.get(), "plan", n * m));
    CHECK(vec(r1.get(), "f") == vec(r2.get(), "f"));
    CHECK(vec(r1.get(), "g") == vec(r2.get(), "g"));
    for (const char *s : {"cost", "marginal_error", "newton_iterations", "cg_iterations", "dense_passes"})
        CHECK(scalar(r1.get(), s) == scalar(r2.get(), s));
    CHECK(scalar(r1.get(), "newton_iterations") >= 1);
}

TEST_CASE("sns gives zero-mass points empty plan rows and columns", "[ot][sns]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(6);
    Mat M = sqdist(uniform_points(g, 8, 2), uniform_points(g, 7, 2));
    std::vector<double> a = {0.2, 0.0, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1}, b = {0.2, 0.2, 0.0, 0.2, 0.2, 0.1, 0.1};
    auto args = problem(M, a, b, 0.01);
    REQUIRE(geomrt_args_set_param_f64(args.get(), "tol", 1e-12) == GEOMRT_OK);
    auto r = invoke(rt.get(), "ot.sinkhorn_newton_sparse", args.get());
    auto P = dense(r.get(), "plan", 56);
    for (int j = 0; j < 7; ++j) CHECK(P[1 * 7 + j] == 0.0);
    for (int i = 0; i < 8; ++i) CHECK(P[i * 7 + 2] == 0.0);
    CHECK(l1_marginal_error(P, 8, 7, a, b) <= 2e-12);
    CHECK(vec(r.get(), "f")[1] == -std::numeric_limits<double>::infinity());
    CHECK(vec(r.get(), "g")[2] == -std::numeric_limits<double>::infinity());
    auto rs = invoke(rt.get(), "ot.sinkhorn", args.get());
    CHECK(scalar(r.get(), "cost") == Approx(scalar(rs.get(), "cost")).epsilon(1e-8));
}

TEST_CASE("sns reports non-convergence and rejects bad input", "[ot][sns][errors]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(8);
    Mat M = sqdist(uniform_points(g, 30, 2), uniform_points(g, 30, 2));
    auto a = random_weights(g, 30), b = random_weights(g, 30);
    const Mat M0 = M;
    std::string msg;
    auto args = problem(M, a, b, 1e-3);
    REQUIRE(geomrt_args_set_param_i64(args.get(), "n_sinkhorn", 2) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_i64(args.get(), "max_newton", 0) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), "ot.sinkhorn_newton_sparse", args.get(), &msg) == GEOMRT_ENOCONVERGE);
    CHECK(msg.find("max_newton") != std::string::npos);
    for (const char *p : {"density", "cg_tol", "tol"}) {
        auto bp = problem(M, a, b, 0.1);
        REQUIRE(geomrt_args_set_param_f64(bp.get(), p, p[0] == 'd' ? 1.5 : 0.0) == GEOMRT_OK);
        INFO(p);
        CHECK(invoke_fails(rt.get(), "ot.sinkhorn_newton_sparse", bp.get()) == GEOMRT_EINVAL);
    }
    CHECK(M.v == M0.v);
    check_bad_entropic_inputs(rt.get(), "ot.sinkhorn_newton_sparse");
}
