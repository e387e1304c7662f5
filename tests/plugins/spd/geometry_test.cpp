// spd.bw_distance, log_map, exp_map, geodesic, transport, barycenter: closed forms for commuting
// matrices and n = 1, the Log/Exp inverse pair, geodesic endpoints and midpoint, the transport round
// trip, barycenters of one and of commuting matrices, agreement with ot.gaussian_w2, bad input.
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "spd_helpers.hpp"

using namespace st;

namespace {

gt::Result call2(geomrt_runtime *rt, const char *method, const char *n1, const Batch &a, const char *n2,
                 const Batch &b, const std::map<std::string, std::string> &params = {}, const EMat *M = nullptr,
                 int threads = 0) {
    auto args = gt::new_args();
    set_batch(args.get(), n1, a);
    set_batch(args.get(), n2, b);
    if (M) set_matrix(args.get(), "M", *M);
    for (const auto &kv : params) REQUIRE(geomrt_args_set_param_string(args.get(), kv.first.c_str(), kv.second.c_str()) == GEOMRT_OK);
    return gt::invoke(rt, method, args.get(), threads);
}

EMat diag(std::initializer_list<double> v) {
    EVec d(static_cast<Eigen::Index>(v.size()));
    Eigen::Index k = 0;
    for (double x : v) d(k++) = x;
    return d.asDiagonal();
}

EMat powm(const EMat &A, double p) {
    Eigen::SelfAdjointEigenSolver<EMat> es(A);
    return es.eigenvectors() * es.eigenvalues().array().pow(p).matrix().asDiagonal() * es.eigenvectors().transpose();
}

}  // namespace

TEST_CASE("bw_distance of commuting matrices is ||A^1/2 - B^1/2||_F, scaled by 1/theta on A^theta", "[spd][geometry]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(1);
    const EMat Q = random_orthogonal(g, 4);
    const EMat A = Q * diag({0.5, 1.0, 2.0, 7.0}) * Q.transpose(), B = Q * diag({3.0, 0.2, 2.0, 1.5}) * Q.transpose();
    for (double theta : {1.0, 0.5, 2.0}) {
        auto r = call2(rt.get(), "spd.bw_distance", "X", {A}, "Y", {B}, {{"theta", std::to_string(theta)}});
        double s = 0;
        const double a[] = {0.5, 1.0, 2.0, 7.0}, b[] = {3.0, 0.2, 2.0, 1.5};
        for (int k = 0; k < 4; ++k) s += std::pow(std::pow(a[k], theta / 2) - std::pow(b[k], theta / 2), 2);
        CHECK_THAT(gt::vec(r.get(), "distance")[0], Catch::Matchers::WithinRel(std::sqrt(s) / theta, 1e-12));
    }
}

TEST_CASE("bw_distance with M equals the distance of M^-1/2 X M^-1/2", "[spd][geometry]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(2);
    const EMat M = random_spd(g, 3), A = random_spd(g, 3), B = random_spd(g, 3);
    const EMat Mi = powm(M, -0.5);
    auto r1 = call2(rt.get(), "spd.bw_distance", "X", {A}, "Y", {B}, {}, &M);
    auto r2 = call2(rt.get(), "spd.bw_distance", "X", {EMat(Mi * A * Mi)}, "Y", {EMat(Mi * B * Mi)});
    CHECK_THAT(gt::vec(r1.get(), "distance")[0], Catch::Matchers::WithinRel(gt::vec(r2.get(), "distance")[0], 1e-12));
}

TEST_CASE("bw_distance agrees with ot.gaussian_w2 (same means)", "[spd][geometry][ot]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(3);
    for (int64_t n : {1, 3, 8}) {
        Batch A, B;
        for (int k = 0; k < 5; ++k) {
            A.push_back(random_spd(g, n, 2.0));
            B.push_back(k == 4 ? A.back() : random_spd(g, n, 2.0));
        }
        auto r = call2(rt.get(), "spd.bw_distance", "X", A, "Y", B);
        const auto d = gt::vec(r.get(), "distance");
        for (int k = 0; k < 5; ++k) {
            auto a = gt::new_args();
            gt::set_vec(a.get(), "m1", std::vector<double>(static_cast<size_t>(n), 0.0));
            gt::set_vec(a.get(), "m2", std::vector<double>(static_cast<size_t>(n), 0.0));
            set_matrix(a.get(), "S1", A[k]);
            set_matrix(a.get(), "S2", B[k]);
            auto ro = gt::invoke(rt.get(), "ot.gaussian_w2", a.get());
            CHECK(std::fabs(d[k] - gt::scalar(ro.get(), "cost")) <= 1e-12 * std::max(1.0, d[k]));
        }
        CHECK(d[4] < 1e-7);  // identical inputs: 0 to rounding (no cancellation in the sum-of-squares form)
    }
}

TEST_CASE("n = 1: log, exp, geodesic and transport in closed form", "[spd][geometry]") {
    auto rt = gt::plugins_runtime();
    const double p = 2.0, x = 5.0;
    auto lg = call2(rt.get(), "spd.log_map", "P", {EMat::Constant(1, 1, p)}, "X", {EMat::Constant(1, 1, x)});
    const double v = get_batch(lg.get(), "V")[0](0, 0);
    CHECK_THAT(v, Catch::Matchers::WithinRel(2 * std::sqrt(p * x) - 2 * p, 1e-14));
    auto ex = call2(rt.get(), "spd.exp_map", "P", {EMat::Constant(1, 1, p)}, "V", {EMat::Constant(1, 1, v)});
    CHECK_THAT(get_batch(ex.get(), "X")[0](0, 0), Catch::Matchers::WithinRel(x, 1e-14));
    auto ge = call2(rt.get(), "spd.geodesic", "A", {EMat::Constant(1, 1, p)}, "B", {EMat::Constant(1, 1, x)},
                    {{"t", "0.3"}});
    CHECK_THAT(get_batch(ge.get(), "X")[0](0, 0),
               Catch::Matchers::WithinRel(std::pow(0.7 * std::sqrt(p) + 0.3 * std::sqrt(x), 2), 1e-14));
    auto tr = call2(rt.get(), "spd.transport", "P", {EMat::Constant(1, 1, p)}, "V", {EMat::Constant(1, 1, v)});
    CHECK_THAT(get_batch(tr.get(), "W")[0](0, 0), Catch::Matchers::WithinRel(v / std::sqrt(p), 1e-14));
}

TEST_CASE("log_map and exp_map are inverse to each other (theta, M)", "[spd][geometry]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(4);
    const EMat M = random_spd(g, 4, 0.5);
    for (double theta : {1.0, 0.5, 2.0})
        for (bool withM : {false, true}) {
            Batch P, X;
            for (int k = 0; k < 4; ++k) {
                P.push_back(random_spd(g, 4));
                X.push_back(random_spd(g, 4));
            }
            const std::map<std::string, std::string> th{{"theta", std::to_string(theta)}};
            auto lg = call2(rt.get(), "spd.log_map", "P", P, "X", X, th, withM ? &M : nullptr);
            const Batch V = get_batch(lg.get(), "V");
            auto ex = call2(rt.get(), "spd.exp_map", "P", P, "V", V, th, withM ? &M : nullptr);
            const Batch X2 = get_batch(ex.get(), "X");
            for (int k = 0; k < 4; ++k) CHECK(rel_err(X2[k], X[k]) < 1e-12);
            // Log_P P = 0
            auto l0 = call2(rt.get(), "spd.log_map", "P", P, "X", P, th, withM ? &M : nullptr);
            for (const auto &v : get_batch(l0.get(), "V")) CHECK(max_abs(v) < 1e-12);
        }
}

TEST_CASE("log_map at the identity is 2 X^1/2 - 2I and commuting matrices give 2 (PX)^1/2 - 2P", "[spd][geometry]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(5);
    const EMat X = random_spd(g, 3);
    auto r = call2(rt.get(), "spd.log_map", "P", {EMat::Identity(3, 3)}, "X", {X});
    CHECK(rel_err(get_batch(r.get(), "V")[0], EMat(2 * sqrtm(X) - 2 * EMat::Identity(3, 3))) < 1e-13);
    const EMat Q = random_orthogonal(g, 3);
    const EMat P = Q * diag({1.0, 4.0, 0.25}) * Q.transpose(), Y = Q * diag({9.0, 1.0, 1.0}) * Q.transpose();
    auto r2 = call2(rt.get(), "spd.log_map", "P", {P}, "X", {Y});
    const EMat want = Q * diag({2 * 3.0 - 2, 2 * 2.0 - 8, 2 * 0.5 - 0.5}) * Q.transpose();
    CHECK(rel_err(get_batch(r2.get(), "V")[0], want) < 1e-13);
    // Exp_I V = I + V + V^2/4
    const EMat V = random_sym(g, 3);
    auto r3 = call2(rt.get(), "spd.exp_map", "P", {EMat::Identity(3, 3)}, "V", {V});
    CHECK(rel_err(get_batch(r3.get(), "X")[0], EMat(EMat::Identity(3, 3) + V + V * V / 4)) < 1e-13);
}

TEST_CASE("geodesic: endpoints, midpoint equidistant, BW distance splits as t and 1 - t", "[spd][geometry]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(6);
    const EMat M = random_spd(g, 5, 0.5);
    for (double theta : {1.0, 0.5, 2.0}) {
        const EMat A = random_spd(g, 5), B = random_spd(g, 5);
        const std::string th = std::to_string(theta);
        for (const char *t : {"0", "1"}) {
            auto r = call2(rt.get(), "spd.geodesic", "A", {A}, "B", {B}, {{"t", t}, {"theta", th}}, &M);
            CHECK(rel_err(get_batch(r.get(), "X")[0], std::string(t) == "0" ? A : B) < 1e-12);
        }
        auto mid = call2(rt.get(), "spd.geodesic", "A", {A}, "B", {B}, {{"t", "0.25"}, {"theta", th}}, &M);
        const EMat C = get_batch(mid.get(), "X")[0];
        auto d = call2(rt.get(), "spd.bw_distance", "X", {A, C, A}, "Y", {C, B, B}, {{"theta", th}}, &M);
        const auto dv = gt::vec(d.get(), "distance");
        CHECK_THAT(dv[0], Catch::Matchers::WithinRel(0.25 * dv[2], 1e-10));
        CHECK_THAT(dv[1], Catch::Matchers::WithinRel(0.75 * dv[2], 1e-10));
    }
    // commuting: ((1-t) A^1/2 + t B^1/2)^2
    const EMat Q = random_orthogonal(g, 3);
    const EMat A = Q * diag({1.0, 4.0, 9.0}) * Q.transpose(), B = Q * diag({4.0, 1.0, 1.0}) * Q.transpose();
    auto r = call2(rt.get(), "spd.geodesic", "A", {A}, "B", {B});
    CHECK(rel_err(get_batch(r.get(), "X")[0], EMat(Q * diag({2.25, 2.25, 4.0}) * Q.transpose())) < 1e-13);
}

TEST_CASE("transport to the identity and back is the identity map; at I it does nothing", "[spd][geometry]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(7);
    Batch P, V;
    for (int k = 0; k < 3; ++k) {
        P.push_back(random_spd(g, 4, 2.0));
        V.push_back(random_sym(g, 4));
    }
    auto to = call2(rt.get(), "spd.transport", "P", P, "V", V);
    auto back = call2(rt.get(), "spd.transport", "P", P, "V", get_batch(to.get(), "W"), {{"direction", "from_identity"}});
    const Batch W = get_batch(back.get(), "W");
    for (int k = 0; k < 3; ++k) CHECK(rel_err(W[k], V[k]) < 1e-13);
    auto at_i = call2(rt.get(), "spd.transport", "P", {EMat::Identity(4, 4)}, "V", {V[0]});
    CHECK(rel_err(get_batch(at_i.get(), "W")[0], V[0]) < 1e-15);
    // isometry: <V, V>_P = tr(L_P[V] V)/2 equals |W|_F^2/... at I: <W, W>_I = tr(W W)/4 x 2
    // (the BW metric at P is g_P(V, V) = (1/2) tr(L_P[V] V) with P L + L P = V; at I it is tr(V^2)/4).
    const EMat Pm = P[0];
    Eigen::SelfAdjointEigenSolver<EMat> es(Pm);
    EMat Vt = es.eigenvectors().transpose() * V[0] * es.eigenvectors();
    double gP = 0;
    for (int i = 0; i < 4; ++i)
        for (int j = 0; j < 4; ++j) gP += 0.5 * Vt(i, j) * Vt(i, j) / (es.eigenvalues()(i) + es.eigenvalues()(j));
    const EMat W0 = get_batch(to.get(), "W")[0];
    CHECK_THAT(W0.squaredNorm() / 4, Catch::Matchers::WithinRel(gP, 1e-12));
}

TEST_CASE("barycenter of one matrix is that matrix; of commuting matrices (sum w_i A_i^1/2)^2", "[spd][barycenter]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(8);
    const EMat A = random_spd(g, 4, 2.0);
    auto a = gt::new_args();
    set_batch(a.get(), "X", {A});
    auto r = gt::invoke(rt.get(), "spd.barycenter", a.get());
    CHECK(rel_err(get_matrix(r.get(), "mean"), A) < 1e-13);
    const EMat Q = random_orthogonal(g, 3);
    Batch X = {EMat(Q * diag({1.0, 4.0, 9.0}) * Q.transpose()), EMat(Q * diag({4.0, 1.0, 1.0}) * Q.transpose()),
               EMat(Q * diag({16.0, 0.25, 4.0}) * Q.transpose())};
    const std::vector<double> w = {0.5, 0.25, 0.25};
    for (double theta : {1.0, 0.5, 2.0}) {
        auto b = gt::new_args();
        set_batch(b.get(), "X", X);
        gt::set_vec(b.get(), "w", std::vector<double>{2.0, 1.0, 1.0});  // normalized to w
        REQUIRE(geomrt_args_set_param_f64(b.get(), "theta", theta) == GEOMRT_OK);
        auto rb = gt::invoke(rt.get(), "spd.barycenter", b.get());
        const double d[3][3] = {{1, 4, 9}, {4, 1, 1}, {16, 0.25, 4}};
        EVec m(3);
        for (int k = 0; k < 3; ++k) {
            double s = 0;
            for (int i = 0; i < 3; ++i) s += w[i] * std::pow(d[i][k], theta / 2);
            m(k) = std::pow(s * s, 1.0 / theta);
        }
        CHECK(rel_err(get_matrix(rb.get(), "mean"), EMat(Q * m.asDiagonal() * Q.transpose())) < 1e-11);
        CHECK(gt::scalar(rb.get(), "residual") < 1e-12);
    }
}

TEST_CASE("barycenter satisfies G = sum_i w_i (G^1/2 X_i G^1/2)^1/2 and matches ot.gaussian_barycenter", "[spd][barycenter][ot]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(9);
    Batch X;
    for (int k = 0; k < 6; ++k) X.push_back(random_spd(g, 5, 1.5));
    auto a = gt::new_args();
    set_batch(a.get(), "X", X);
    auto r = gt::invoke(rt.get(), "spd.barycenter", a.get());
    const EMat G = get_matrix(r.get(), "mean");
    const EMat R = sqrtm(G);
    EMat S = EMat::Zero(5, 5);
    for (const auto &x : X) S += sqrtm(R * x * R) / 6.0;
    CHECK(rel_err(S, G) < 1e-11);
    auto b = gt::new_args();
    gt::Mat means(6, 5);
    gt::set_mat(b.get(), "means", means);
    set_batch(b.get(), "covs", X);
    auto ro = gt::invoke(rt.get(), "ot.gaussian_barycenter", b.get());
    CHECK(rel_err(get_matrix(ro.get(), "cov"), G) < 1e-11);
}

TEST_CASE("geometry methods reject bad input naming the batch index", "[spd][geometry][errors]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(10);
    Batch X = {random_spd(g, 3), random_spd(g, 3), random_spd(g, 3)};
    const Batch Y = X;
    std::string msg;
    {
        Batch bad = X;
        bad[1](0, 2) += 0.1;
        auto a = gt::new_args();
        set_batch(a.get(), "X", bad);
        set_batch(a.get(), "Y", Y);
        CHECK(gt::invoke_fails(rt.get(), "spd.bw_distance", a.get(), &msg) == GEOMRT_EINVAL);
        CHECK_THAT(msg, Catch::Matchers::Contains("spd.bw_distance") && Catch::Matchers::Contains("'X'[1]") &&
                            Catch::Matchers::Contains("not symmetric"));
    }
    {
        Batch bad = X;
        bad[2] = with_spectrum(g, EVec::LinSpaced(3, -1.0, 2.0));
        auto a = gt::new_args();
        set_batch(a.get(), "P", Y);
        set_batch(a.get(), "X", bad);
        CHECK(gt::invoke_fails(rt.get(), "spd.log_map", a.get(), &msg) == GEOMRT_EINVAL);
        CHECK_THAT(msg, Catch::Matchers::Contains("'X'[2]") && Catch::Matchers::Contains("not positive definite"));
    }
    {
        Batch bad = X;
        bad[0](1, 1) = std::nan("");
        auto a = gt::new_args();
        set_batch(a.get(), "A", bad);
        set_batch(a.get(), "B", Y);
        CHECK(gt::invoke_fails(rt.get(), "spd.geodesic", a.get(), &msg) == GEOMRT_EINVAL);
        CHECK_THAT(msg, Catch::Matchers::Contains("'A'[0]") && Catch::Matchers::Contains("non-finite"));
    }
    {
        auto a = gt::new_args();
        set_batch(a.get(), "X", X);
        set_batch(a.get(), "Y", {random_spd(g, 4), random_spd(g, 4), random_spd(g, 4)});
        CHECK(gt::invoke_fails(rt.get(), "spd.bw_distance", a.get(), &msg) == GEOMRT_ESHAPE);
    }
    {
        auto a = gt::new_args();
        set_batch(a.get(), "X", X);
        set_batch(a.get(), "Y", Y);
        REQUIRE(geomrt_args_set_param_f64(a.get(), "theta", 0.0) == GEOMRT_OK);
        CHECK(gt::invoke_fails(rt.get(), "spd.bw_distance", a.get(), &msg) == GEOMRT_EINVAL);
    }
    {
        auto a = gt::new_args();
        set_batch(a.get(), "X", X);
        set_batch(a.get(), "Y", Y);
        set_matrix(a.get(), "M", EMat(-EMat::Identity(3, 3)));
        CHECK(gt::invoke_fails(rt.get(), "spd.bw_distance", a.get(), &msg) == GEOMRT_EINVAL);
        CHECK_THAT(msg, Catch::Matchers::Contains("'M'"));
    }
    {
        auto a = gt::new_args();
        set_batch(a.get(), "X", X);
        gt::set_vec(a.get(), "w", std::vector<double>{0.0, 0.0, 0.0});
        CHECK(gt::invoke_fails(rt.get(), "spd.barycenter", a.get(), &msg) == GEOMRT_EINVAL);
    }
}

TEST_CASE("geometry results do not depend on the thread count or on concurrent calls", "[spd][geometry][threads]") {
    auto rt = gt::plugins_runtime();
    std::mt19937_64 g(11);
    Batch A, B;
    for (int k = 0; k < 16; ++k) {
        A.push_back(random_spd(g, 6));
        B.push_back(random_spd(g, 6));
    }
    auto r1 = call2(rt.get(), "spd.log_map", "P", A, "X", B, {}, nullptr, 1);
    const Batch want = get_batch(r1.get(), "V");
    std::vector<gt::Args> args;
    for (int t = 0; t < 4; ++t) {
        args.push_back(gt::new_args());
        set_batch(args.back().get(), "P", A);
        set_batch(args.back().get(), "X", B);
    }
    std::vector<geomrt_result *> res(4, nullptr);
    std::vector<std::thread> ts;
    for (int t = 0; t < 4; ++t)
        ts.emplace_back([&, t] {
            geomrt_call_options o = GEOMRT_CALL_OPTIONS_INIT;
            o.num_threads = 3;
            if (geomrt_invoke(&res[t], rt.get(), "spd.log_map", args[t].get(), &o) != GEOMRT_OK) res[t] = nullptr;
        });
    for (auto &t : ts) t.join();
    std::vector<Batch> got;
    for (auto *r : res) {
        REQUIRE(r != nullptr);
        got.push_back(get_batch(r, "V"));
        geomrt_result_free(r);
    }
    for (const auto &b : got) {
        REQUIRE(b.size() == want.size());
        for (size_t k = 0; k < b.size(); ++k) CHECK((b[k] - want[k]).cwiseAbs().maxCoeff() == 0.0);
    }
}
