// ot.gaussian_w2 and ot.gaussian_barycenter: closed forms, the defining identities, POT 0.8.2's
// linear Monge map and high-precision (mpmath) references from tests/data/gaussian_reference.txt.
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "reference.hpp"

using namespace gt;

namespace {

// ------------------------------------------------------------------ small dense linear algebra (test-only)
Mat identity(int64_t d) {
    Mat I(d, d);
    for (int64_t i = 0; i < d; ++i) I(i, i) = 1;
    return I;
}
Mat matmul(const Mat &A, const Mat &B) {
    Mat C(A.rows, B.cols);
    for (int64_t i = 0; i < A.rows; ++i)
        for (int64_t k = 0; k < A.cols; ++k)
            for (int64_t j = 0; j < B.cols; ++j) C(i, j) += A(i, k) * B(k, j);
    return C;
}
Mat transpose(const Mat &A) {
    Mat T(A.cols, A.rows);
    for (int64_t i = 0; i < A.rows; ++i)
        for (int64_t j = 0; j < A.cols; ++j) T(j, i) = A(i, j);
    return T;
}
Mat add(const Mat &A, const Mat &B, double beta = 1.0) {
    Mat C = A;
    for (size_t k = 0; k < C.v.size(); ++k) C.v[k] += beta * B.v[k];
    return C;
}
double frob(const Mat &A) {
    double s = 0;
    for (double v : A.v) s += v * v;
    return std::sqrt(s);
}
double rel_diff(const Mat &A, const Mat &B) { return frob(add(A, B, -1.0)) / std::max(frob(B), 1e-300); }
double trace(const Mat &A) {
    double s = 0;
    for (int64_t i = 0; i < A.rows; ++i) s += A(i, i);
    return s;
}
Mat from_vec(int64_t r, int64_t c, const std::vector<double> &v) {
    Mat M(r, c);
    M.v = v;
    return M;
}

/// Symmetric eigendecomposition S = V diag(l) V^T by cyclic Jacobi rotations (independent of Eigen).
void jacobi_eig(Mat S, std::vector<double> &l, Mat &V) {
    const int64_t d = S.rows;
    V = identity(d);
    for (int sweep = 0; sweep < 100; ++sweep) {
        double off = 0;
        for (int64_t p = 0; p < d; ++p)
            for (int64_t q = p + 1; q < d; ++q) off += S(p, q) * S(p, q);
        if (off <= 1e-34 * frob(S) * frob(S)) break;
        for (int64_t p = 0; p < d; ++p)
            for (int64_t q = p + 1; q < d; ++q) {
                if (S(p, q) == 0) continue;
                const double theta = (S(q, q) - S(p, p)) / (2 * S(p, q));
                const double t = (theta >= 0 ? 1.0 : -1.0) / (std::fabs(theta) + std::sqrt(theta * theta + 1));
                const double c = 1 / std::sqrt(t * t + 1), s = t * c;
                for (int64_t k = 0; k < d; ++k) {
                    const double skp = S(k, p), skq = S(k, q);
                    S(k, p) = c * skp - s * skq;
                    S(k, q) = s * skp + c * skq;
                }
                for (int64_t k = 0; k < d; ++k) {
                    const double spk = S(p, k), sqk = S(q, k);
                    S(p, k) = c * spk - s * sqk;
                    S(q, k) = s * spk + c * sqk;
                }
                for (int64_t k = 0; k < d; ++k) {
                    const double vkp = V(k, p), vkq = V(k, q);
                    V(k, p) = c * vkp - s * vkq;
                    V(k, q) = s * vkp + c * vkq;
                }
            }
    }
    l.resize(d);
    for (int64_t i = 0; i < d; ++i) l[i] = S(i, i);
}

/// f(S) = V diag(f(l)) V^T for symmetric S.
Mat sym_fun(const Mat &S, const std::function<double(double)> &f) {
    std::vector<double> l;
    Mat V;
    jacobi_eig(S, l, V);
    Mat F(S.rows, S.cols);
    for (int64_t i = 0; i < S.rows; ++i)
        for (int64_t j = 0; j < S.cols; ++j)
            for (int64_t k = 0; k < S.rows; ++k) F(i, j) += V(i, k) * f(l[k]) * V(j, k);
    return F;
}
Mat sqrtm(const Mat &S) {
    return sym_fun(S, [](double x) { return std::sqrt(std::max(x, 0.0)); });
}

/// Cholesky succeeds (strictly positive pivots) iff a symmetric matrix is positive definite.
bool is_positive_definite(const Mat &A) {
    const int64_t d = A.rows;
    Mat L(d, d);
    for (int64_t j = 0; j < d; ++j) {
        double s = A(j, j);
        for (int64_t k = 0; k < j; ++k) s -= L(j, k) * L(j, k);
        if (!(s > 0)) return false;
        L(j, j) = std::sqrt(s);
        for (int64_t i = j + 1; i < d; ++i) {
            double t = A(i, j);
            for (int64_t k = 0; k < j; ++k) t -= L(i, k) * L(j, k);
            L(i, j) = t / L(j, j);
        }
    }
    return true;
}

Mat random_orthogonal(std::mt19937_64 &g, int64_t d) {
    std::normal_distribution<double> N(0.0, 1.0);
    Mat Q(d, d);
    for (auto &e : Q.v) e = N(g);
    for (int64_t j = 0; j < d; ++j) {  // Gram-Schmidt on the columns, twice for orthogonality to rounding
        for (int pass = 0; pass < 2; ++pass)
            for (int64_t k = 0; k < j; ++k) {
                double dp = 0;
                for (int64_t i = 0; i < d; ++i) dp += Q(i, j) * Q(i, k);
                for (int64_t i = 0; i < d; ++i) Q(i, j) -= dp * Q(i, k);
            }
        double nrm = 0;
        for (int64_t i = 0; i < d; ++i) nrm += Q(i, j) * Q(i, j);
        nrm = std::sqrt(nrm);
        for (int64_t i = 0; i < d; ++i) Q(i, j) /= nrm;
    }
    return Q;
}

/// Q diag(l) Q^T, exactly symmetric.
Mat with_spectrum(const Mat &Q, const std::vector<double> &l) {
    const int64_t d = Q.rows;
    Mat S(d, d);
    for (int64_t i = 0; i < d; ++i)
        for (int64_t j = 0; j <= i; ++j) {
            double s = 0;
            for (int64_t k = 0; k < d; ++k) s += Q(i, k) * l[k] * Q(j, k);
            S(i, j) = S(j, i) = s;
        }
    return S;
}

/// Random SPD matrix with eigenvalues log-uniform in [lo, hi].
Mat random_spd(std::mt19937_64 &g, int64_t d, double lo = 0.1, double hi = 10.0) {
    std::uniform_real_distribution<double> u(std::log(lo), std::log(hi));
    std::vector<double> l(d);
    for (auto &e : l) e = std::exp(u(g));
    return with_spectrum(random_orthogonal(g, d), l);
}

std::vector<double> random_vec(std::mt19937_64 &g, int64_t d, double sd = 1.0) {
    std::normal_distribution<double> N(0.0, sd);
    std::vector<double> v(d);
    for (auto &e : v) e = N(g);
    return v;
}

// ------------------------------------------------------------------ calls
struct W2 {
    double cost, cost_sq, bures_sq;
    Mat A;
    std::vector<double> b;
};

// The args borrow the arrays: they must outlive the call.
Args w2_args(const std::vector<double> &m1, const Mat &S1, const std::vector<double> &m2, const Mat &S2) {
    auto args = new_args();
    set_vec(args.get(), "m1", m1);
    set_mat(args.get(), "S1", S1);
    set_vec(args.get(), "m2", m2);
    set_mat(args.get(), "S2", S2);
    return args;
}

W2 gaussian_w2(geomrt_runtime *rt, const std::vector<double> &m1, const Mat &S1, const std::vector<double> &m2,
               const Mat &S2, bool map = true) {
    auto args = w2_args(m1, S1, m2, S2);
    if (!map) REQUIRE(geomrt_args_set_param_bool(args.get(), "map", 0) == GEOMRT_OK);
    auto r = invoke(rt, "ot.gaussian_w2", args.get());
    const int64_t d = static_cast<int64_t>(m1.size());
    return W2{scalar(r.get(), "cost"), scalar(r.get(), "cost_sq"), scalar(r.get(), "bures_sq"),
              from_vec(d, d, vec(r.get(), "A")), vec(r.get(), "b")};
}

struct Bary {
    std::vector<double> mean;
    Mat cov;
    int64_t iterations;
};

void set_covs(geomrt_args *a, const std::vector<Mat> &covs, std::vector<double> &flat) {
    const int64_t k = static_cast<int64_t>(covs.size()), d = covs[0].rows;
    flat.clear();
    for (const auto &C : covs) flat.insert(flat.end(), C.v.begin(), C.v.end());
    int64_t shape[3] = {k, d, d};
    REQUIRE(geomrt_args_set_f64(a, "covs", flat.data(), 3, shape) == GEOMRT_OK);
}

Args bary_args(const Mat &means, const std::vector<Mat> &covs, const std::vector<double> *w,
               std::vector<double> &flat) {
    auto args = new_args();
    set_mat(args.get(), "means", means);
    set_covs(args.get(), covs, flat);
    if (w) set_vec(args.get(), "weights", *w);
    return args;
}

Bary barycenter(geomrt_runtime *rt, const Mat &means, const std::vector<Mat> &covs,
                const std::vector<double> *w = nullptr) {
    std::vector<double> flat;
    auto args = bary_args(means, covs, w, flat);
    auto r = invoke(rt, "ot.gaussian_barycenter", args.get());
    const int64_t it = static_cast<int64_t>(scalar(r.get(), "iterations"));
    const int64_t d = means.cols;
    return Bary{vec(r.get(), "mean"), from_vec(d, d, vec(r.get(), "cov")), it};
}

double sqnorm_diff(const std::vector<double> &x, const std::vector<double> &y) {
    double s = 0;
    for (size_t i = 0; i < x.size(); ++i) s += (x[i] - y[i]) * (x[i] - y[i]);
    return s;
}

}  // namespace

// ====================================================================== ot.gaussian_w2

TEST_CASE("gaussian_w2 matches the closed form for commuting covariances", "[ot][gaussian]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(101);
    std::uniform_real_distribution<double> u(0.05, 20.0);
    for (int64_t d : {2, 4, 7}) {
        INFO("d = " << d);
        const Mat Q = random_orthogonal(g, d);
        std::vector<double> s1(d), s2(d), ratio(d);
        double bures = 0;
        for (int64_t i = 0; i < d; ++i) {
            s1[i] = u(g);
            s2[i] = u(g);
            ratio[i] = std::sqrt(s2[i] / s1[i]);
            bures += (std::sqrt(s1[i]) - std::sqrt(s2[i])) * (std::sqrt(s1[i]) - std::sqrt(s2[i]));
        }
        const auto m1 = random_vec(g, d), m2 = random_vec(g, d);
        const W2 r = gaussian_w2(rt.get(), m1, with_spectrum(Q, s1), m2, with_spectrum(Q, s2));
        const double expected = sqnorm_diff(m1, m2) + bures;
        CHECK(r.cost_sq == Approx(expected).epsilon(1e-13));
        CHECK(r.cost == Approx(std::sqrt(expected)).epsilon(1e-13));
        CHECK(r.bures_sq == Approx(bures).epsilon(1e-12));
        const Mat A = with_spectrum(Q, ratio);
        CHECK(rel_diff(r.A, A) <= 1e-13);
        // b = m2 - A m1
        for (int64_t i = 0; i < d; ++i) {
            double Am1 = 0;
            for (int64_t j = 0; j < d; ++j) Am1 += A(i, j) * m1[j];
            CHECK(r.b[i] == Approx(m2[i] - Am1).margin(1e-13));
        }
    }
}

TEST_CASE("gaussian_w2 in one dimension is |m1 - m2|^2 + (sd1 - sd2)^2 with the map scaling by sd2/sd1",
          "[ot][gaussian]") {
    auto rt = ot_runtime();
    Mat S1(1, 1), S2(1, 1);
    S1(0, 0) = 2.25;  // sd 1.5
    S2(0, 0) = 0.16;  // sd 0.4
    const W2 r = gaussian_w2(rt.get(), {1.0}, S1, {-2.0}, S2);
    CHECK(r.cost_sq == Approx(9.0 + 1.1 * 1.1).epsilon(1e-15));
    CHECK(r.cost == Approx(std::sqrt(9.0 + 1.21)).epsilon(1e-15));
    CHECK(r.A(0, 0) == Approx(0.4 / 1.5).epsilon(1e-15));
    CHECK(r.b[0] == Approx(-2.0 - 0.4 / 1.5).epsilon(1e-15));
}

TEST_CASE("gaussian_w2 between a Gaussian and itself is 0 and its map is the identity", "[ot][gaussian]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(102);
    for (int64_t d : {1, 3, 6, 12}) {
        INFO("d = " << d);
        const Mat S = random_spd(g, d, 1e-2, 1e2);
        const auto m = random_vec(g, d, 5.0);
        const W2 r = gaussian_w2(rt.get(), m, S, m, S);
        // The Bures term is a sum of squares (no cancellation): zero to rounding, even after the square root.
        CHECK(r.cost <= 1e-12 * std::sqrt(trace(S)));
        CHECK(r.cost_sq >= 0.0);
        CHECK(rel_diff(r.A, identity(d)) <= 1e-11);
        for (double v : r.b) CHECK(std::fabs(v) <= 1e-10);
    }
}

TEST_CASE("gaussian_w2's map is symmetric positive definite, pushes S1 to S2 and costs W_2^2", "[ot][gaussian]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(103);
    for (int rep = 0; rep < 10; ++rep) {
        const int64_t d = 2 + rep % 6;
        INFO("rep " << rep << ", d = " << d);
        const Mat S1 = random_spd(g, d, 1e-2, 1e2), S2 = random_spd(g, d, 1e-3, 1e1);
        const auto m1 = random_vec(g, d), m2 = random_vec(g, d);
        const W2 r = gaussian_w2(rt.get(), m1, S1, m2, S2);
        CHECK(r.A.v == transpose(r.A).v);
        CHECK(is_positive_definite(r.A));
        CHECK(rel_diff(matmul(matmul(r.A, S1), r.A), S2) <= 1e-11);
        // E|T(X) - X|^2 for X ~ N(m1, S1) with T(x) = A x + b: the map's cost is the optimum.
        const Mat AI = add(r.A, identity(d), -1.0);
        double mean_part = 0;
        for (int64_t i = 0; i < d; ++i) {
            double t = r.b[i];
            for (int64_t j = 0; j < d; ++j) t += AI(i, j) * m1[j];
            mean_part += t * t;
        }
        const double map_cost = mean_part + trace(matmul(matmul(AI, S1), AI));
        CHECK(map_cost == Approx(r.cost_sq).epsilon(1e-10));
        // ... and the trace formula with an independent square root (Jacobi) gives the same distance.
        const Mat R1 = sqrtm(S1);
        const double trace_form =
            sqnorm_diff(m1, m2) + trace(S1) + trace(S2) - 2 * trace(sqrtm(matmul(matmul(R1, S2), R1)));
        CHECK(r.cost_sq == Approx(trace_form).epsilon(1e-11));
    }
}

TEST_CASE("gaussian_w2 is symmetric and satisfies the triangle inequality", "[ot][gaussian]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(104);
    int checked = 0;
    for (int rep = 0; rep < 25; ++rep) {
        const int64_t d = 1 + rep % 4;
        std::vector<Mat> S;
        std::vector<std::vector<double>> m;
        for (int i = 0; i < 3; ++i) {
            S.push_back(random_spd(g, d, 1e-2, 1e1));
            m.push_back(random_vec(g, d, 0.3));
        }
        const double w01 = gaussian_w2(rt.get(), m[0], S[0], m[1], S[1]).cost;
        const double w10 = gaussian_w2(rt.get(), m[1], S[1], m[0], S[0]).cost;
        const double w12 = gaussian_w2(rt.get(), m[1], S[1], m[2], S[2]).cost;
        const double w02 = gaussian_w2(rt.get(), m[0], S[0], m[2], S[2]).cost;
        CHECK(w01 == Approx(w10).epsilon(1e-12));
        CHECK(w02 <= w01 + w12 + 1e-12);
        CHECK(w01 <= w02 + w12 + 1e-12);
        ++checked;
    }
    CHECK(checked == 25);
}

TEST_CASE("gaussian_w2 matches POT 0.8.2's linear Monge map and a 50-digit evaluation", "[ot][gaussian][pot]") {
    auto rt = ot_runtime();
    for (const auto &c : load_gaussian_reference("ot.gaussian_w2")) {
        INFO(c.name);
        const int64_t d = static_cast<int64_t>(c.arrays.at("m1").size());
        const Mat S1 = from_vec(d, d, c.arrays.at("S1")), S2 = from_vec(d, d, c.arrays.at("S2"));
        const W2 r = gaussian_w2(rt.get(), c.arrays.at("m1"), S1, c.arrays.at("m2"), S2);
        CHECK(r.cost_sq == Approx(c.scalars.at("hp_cost_sq")).epsilon(1e-13));
        CHECK(r.cost_sq == Approx(c.scalars.at("cost_sq")).epsilon(1e-12));  // POT: tr(A Cs) form
        CHECK(rel_diff(r.A, from_vec(d, d, c.arrays.at("hp_A"))) <= 1e-12);
        CHECK(rel_diff(r.A, from_vec(d, d, c.arrays.at("A"))) <= 1e-10);  // POT: scipy sqrtm + inv
        const auto &pb = c.arrays.at("b");
        for (int64_t i = 0; i < d; ++i) CHECK(r.b[i] == Approx(pb[i]).margin(1e-10));
    }
}

TEST_CASE("gaussian_w2 computes distances between singular covariances with map=false", "[ot][gaussian]") {
    auto rt = ot_runtime();
    Mat S1(2, 2), S2(2, 2);
    S1(0, 0) = 1.0;  // degenerate: supported on the x axis
    S2(0, 0) = 4.0;
    const W2 r = gaussian_w2(rt.get(), {0.0, 0.0}, S1, {0.0, 1.0}, S2, false);
    CHECK(r.cost_sq == Approx(1.0 + 1.0).epsilon(1e-15));
    for (double v : r.A.v) CHECK(std::isnan(v));
    for (double v : r.b) CHECK(std::isnan(v));
    // A rank-1 covariance formed in floating point (eigenvalues of order -1e-17) is accepted.
    std::mt19937_64 g(105);
    const auto v = random_vec(g, 3);
    Mat R(3, 3);
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) R(i, j) = v[i] * v[j];
    const Mat S = random_spd(g, 3);
    const W2 rr = gaussian_w2(rt.get(), {0, 0, 0}, R, {0, 0, 0}, S, false);
    // (S^1/2 v v^T S^1/2)^1/2 has trace sqrt(v^T S v). (Square roots of the rounded eigenvalues of the rank-1
    // product S^1/2 R S^1/2, about 1e-16, would add errors of 1e-8.)
    double vSv = 0;
    for (int i = 0; i < 3; ++i)
        for (int j = 0; j < 3; ++j) vSv += v[i] * S(i, j) * v[j];
    const double expected = trace(R) + trace(S) - 2 * std::sqrt(vSv);
    CHECK(rr.cost_sq == Approx(expected).epsilon(1e-13));
    // With S1 positive definite and S2 singular the map exists (it is singular).
    const W2 r2 = gaussian_w2(rt.get(), {0, 0, 0}, S, {1, 1, 1}, R);
    CHECK(rel_diff(matmul(matmul(r2.A, S), r2.A), R) <= 1e-10);
    CHECK(r2.cost_sq == Approx(3.0 + expected).epsilon(1e-13));
}

TEST_CASE("gaussian_w2 rejects bad input with clear messages without touching the caller's memory",
          "[ot][gaussian][errors]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(106);
    Mat S1 = random_spd(g, 3), S2 = random_spd(g, 3);
    std::vector<double> m1 = random_vec(g, 3), m2 = random_vec(g, 3);
    const Mat S1c = S1, S2c = S2;
    const auto m1c = m1, m2c = m2;
    std::string msg;

    Mat ns = S1;
    ns(0, 2) += 1e-3;
    auto a1 = w2_args(m1, ns, m2, S2);
    CHECK(invoke_fails(rt.get(), "ot.gaussian_w2", a1.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("ot.gaussian_w2") != std::string::npos);
    CHECK(msg.find("'S1' is not symmetric") != std::string::npos);
    CHECK(msg.find("relative tolerance 1e-10") != std::string::npos);

    Mat indef = S2;
    indef(1, 1) = -2.0;
    auto a2 = w2_args(m1, S1, m2, indef);
    CHECK(invoke_fails(rt.get(), "ot.gaussian_w2", a2.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("'S2' is not positive semidefinite") != std::string::npos);

    Mat sing(3, 3);
    sing(0, 0) = 1.0;
    sing(1, 1) = 1.0;
    auto a3 = w2_args(m1, sing, m2, S2);
    CHECK(invoke_fails(rt.get(), "ot.gaussian_w2", a3.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("'S1' is not positive definite") != std::string::npos);
    CHECK(msg.find("map=false") != std::string::npos);

    Mat nan = S1;
    nan(1, 1) = std::numeric_limits<double>::quiet_NaN();
    auto a4 = w2_args(m1, nan, m2, S2);
    CHECK(invoke_fails(rt.get(), "ot.gaussian_w2", a4.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("non-finite") != std::string::npos);

    const std::vector<double> m_short = {0.0, 1.0};  // args borrow their arrays until the call
    auto a5 = w2_args(m_short, S1, m_short, S2);       // m has 2 entries, S is 3 x 3
    CHECK(invoke_fails(rt.get(), "ot.gaussian_w2", a5.get(), &msg) == GEOMRT_ESHAPE);
    Mat rect(3, 2);
    auto a6 = w2_args(m1, S1, m2, rect);  // not square
    CHECK(invoke_fails(rt.get(), "ot.gaussian_w2", a6.get(), &msg) == GEOMRT_ESHAPE);

    CHECK(S1.v == S1c.v);
    CHECK(S2.v == S2c.v);
    CHECK(m1 == m1c);
    CHECK(m2 == m2c);
    CHECK(ns(0, 2) == S1c(0, 2) + 1e-3);
}

// ====================================================================== ot.gaussian_barycenter

TEST_CASE("gaussian_barycenter of commuting covariances squares the weighted mean of their square roots",
          "[ot][gaussian][barycenter]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(201);
    std::uniform_real_distribution<double> u(0.01, 50.0);
    const int64_t d = 4, k = 6;
    const Mat Q = random_orthogonal(g, d);
    std::vector<Mat> covs;
    std::vector<std::vector<double>> spectra;
    Mat means(k, d);
    for (auto &e : means.v) e = u(g);
    for (int64_t i = 0; i < k; ++i) {
        std::vector<double> s(d);
        for (auto &e : s) e = u(g);
        spectra.push_back(s);
        covs.push_back(with_spectrum(Q, s));
    }
    const auto w = random_weights(g, k);
    const Bary b = barycenter(rt.get(), means, covs, &w);
    std::vector<double> root(d, 0.0), mean(d, 0.0);
    for (int64_t i = 0; i < k; ++i)
        for (int64_t j = 0; j < d; ++j) {
            root[j] += w[i] * std::sqrt(spectra[i][j]);
            mean[j] += w[i] * means(i, j);
        }
    for (auto &e : root) e *= e;
    CHECK(rel_diff(b.cov, with_spectrum(Q, root)) <= 1e-12);
    for (int64_t j = 0; j < d; ++j) CHECK(b.mean[j] == Approx(mean[j]).epsilon(1e-14));
}

TEST_CASE("gaussian_barycenter in one dimension averages the standard deviations", "[ot][gaussian][barycenter]") {
    auto rt = ot_runtime();
    Mat means(3, 1);
    means.v = {0.0, 3.0, -1.0};
    std::vector<Mat> covs(3, Mat(1, 1));
    covs[0](0, 0) = 1.0;
    covs[1](0, 0) = 9.0;
    covs[2](0, 0) = 0.25;
    const std::vector<double> w = {0.2, 0.3, 0.5};
    const Bary b = barycenter(rt.get(), means, covs, &w);
    const double sd = 0.2 * 1.0 + 0.3 * 3.0 + 0.5 * 0.5;
    CHECK(b.cov(0, 0) == Approx(sd * sd).epsilon(1e-14));
    CHECK(b.mean[0] == Approx(0.9 - 0.5).epsilon(1e-15));
    // Default weights are uniform.
    const Bary bu = barycenter(rt.get(), means, covs);
    CHECK(bu.cov(0, 0) == Approx(std::pow((1.0 + 3.0 + 0.5) / 3, 2)).epsilon(1e-14));
}

TEST_CASE("gaussian_barycenter of identical Gaussians is that Gaussian after one iteration",
          "[ot][gaussian][barycenter]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(202);
    const Mat S = random_spd(g, 5, 1e-2, 1e2);
    Mat means(4, 5);
    for (int64_t i = 0; i < 4; ++i)
        for (int64_t j = 0; j < 5; ++j) means(i, j) = static_cast<double>(j);
    const Bary b = barycenter(rt.get(), means, std::vector<Mat>(4, S));
    CHECK(rel_diff(b.cov, S) <= 1e-13);
    CHECK(b.iterations == 1);
    for (int64_t j = 0; j < 5; ++j) CHECK(b.mean[j] == Approx(static_cast<double>(j)).margin(1e-15));
}

TEST_CASE("gaussian_barycenter solves its fixed-point equation and the mean of the maps to it is the identity",
          "[ot][gaussian][barycenter]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(203);
    for (int64_t d : {2, 5, 9}) {
        INFO("d = " << d);
        const int64_t k = 10;
        std::vector<Mat> covs;
        for (int64_t i = 0; i < k; ++i) covs.push_back(random_spd(g, d, 1e-2, 1e2));
        Mat means(k, d);
        const auto w = random_weights(g, k);
        const Bary b = barycenter(rt.get(), means, covs, &w);
        // S = sum_i w_i (S^1/2 C_i S^1/2)^1/2, with square roots by Jacobi rotations (independent of the plugin).
        const Mat R = sqrtm(b.cov);
        Mat F(d, d);
        for (int64_t i = 0; i < k; ++i) F = add(F, sqrtm(matmul(matmul(R, covs[i]), R)), w[i]);
        CHECK(rel_diff(F, b.cov) <= 1e-10);
        // Equivalently sum_i w_i A_i = I for the Monge maps A_i from the barycenter to the inputs.
        Mat Abar(d, d);
        const std::vector<double> zero(d, 0.0);
        for (int64_t i = 0; i < k; ++i) Abar = add(Abar, gaussian_w2(rt.get(), zero, b.cov, zero, covs[i]).A, w[i]);
        CHECK(rel_diff(Abar, identity(d)) <= 1e-10);
    }
}

TEST_CASE("gaussian_barycenter matches a 40-digit reference in fewer iterations than the plain fixed point",
          "[ot][gaussian][barycenter][pot]") {
    auto rt = ot_runtime();
    for (const auto &c : load_gaussian_reference("ot.gaussian_barycenter")) {
        const auto &w = c.arrays.at("weights");
        const int64_t k = static_cast<int64_t>(w.size());
        const int64_t d = static_cast<int64_t>(c.arrays.at("means").size()) / k;
        const Mat means = from_vec(k, d, c.arrays.at("means"));
        std::vector<Mat> covs;
        for (int64_t i = 0; i < k; ++i) {
            std::vector<double> v(c.arrays.at("covs").begin() + i * d * d,
                                  c.arrays.at("covs").begin() + (i + 1) * d * d);
            covs.push_back(from_vec(d, d, v));
        }
        const Bary b = barycenter(rt.get(), means, covs, &w);
        const double plain = c.scalars.at("it_plain"), ae = c.scalars.at("it_ae");
        INFO(c.name << ": iterations " << b.iterations << " (NumPy Alvarez-Esteban " << ae << ", plain " << plain
                    << ")");
        CHECK(rel_diff(b.cov, from_vec(d, d, c.arrays.at("hp_cov"))) <= 1e-11);
        const auto &hm = c.arrays.at("hp_mean");
        for (int64_t j = 0; j < d; ++j) CHECK(b.mean[j] == Approx(hm[j]).margin(1e-14));
        CHECK(b.iterations <= ae + 2);
        CHECK(b.iterations < plain);
    }
}

TEST_CASE("gaussian_barycenter leaves out zero-weight Gaussians", "[ot][gaussian][barycenter]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(204);
    std::vector<Mat> covs = {random_spd(g, 3), random_spd(g, 3), random_spd(g, 3)};
    Mat means(3, 3);
    for (auto &e : means.v) e = random_vec(g, 1)[0];
    const std::vector<double> w3 = {1.0, 3.0, 0.0}, w2 = {0.25, 0.75};
    const Bary b3 = barycenter(rt.get(), means, covs, &w3);
    Mat means2(2, 3);
    std::copy(means.v.begin(), means.v.begin() + 6, means2.v.begin());
    const Bary b2 = barycenter(rt.get(), means2, {covs[0], covs[1]}, &w2);
    CHECK(rel_diff(b3.cov, b2.cov) <= 1e-14);
    for (int j = 0; j < 3; ++j) CHECK(b3.mean[j] == Approx(b2.mean[j]).margin(1e-15));
}

TEST_CASE("gaussian_barycenter rejects bad input and reports non-convergence without touching the caller's memory",
          "[ot][gaussian][barycenter][errors]") {
    auto rt = ot_runtime();
    std::mt19937_64 g(205);
    std::vector<Mat> covs = {random_spd(g, 3), random_spd(g, 3, 1e-3, 1e3), random_spd(g, 3)};
    Mat means(3, 3);
    const auto covs0 = covs;
    std::vector<double> flat;
    std::string msg;
    const char *method = "ot.gaussian_barycenter";

    std::vector<Mat> bad = covs;
    bad[1](2, 2) = -50.0;
    auto a1 = bary_args(means, bad, nullptr, flat);
    CHECK(invoke_fails(rt.get(), method, a1.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("covs[1] is not positive semidefinite") != std::string::npos);

    bad = covs;
    bad[2](0, 1) += 0.5;
    auto a2 = bary_args(means, bad, nullptr, flat);
    CHECK(invoke_fails(rt.get(), method, a2.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("covs[2] is not symmetric") != std::string::npos);

    const std::vector<double> zeros = {0.0, 0.0, 0.0};
    auto a3 = bary_args(means, covs, &zeros, flat);
    CHECK(invoke_fails(rt.get(), method, a3.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("sum to 0") != std::string::npos);

    const std::vector<double> neg = {0.5, -0.1, 0.6};
    auto a4 = bary_args(means, covs, &neg, flat);
    CHECK(invoke_fails(rt.get(), method, a4.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("negative") != std::string::npos);

    bad = covs;
    bad[0](1, 1) = std::numeric_limits<double>::quiet_NaN();
    auto a5 = bary_args(means, bad, nullptr, flat);
    CHECK(invoke_fails(rt.get(), method, a5.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("non-finite") != std::string::npos);

    std::vector<Mat> singular(3, Mat(3, 3));
    for (int i = 0; i < 3; ++i) singular[i](i, i) = 1.0;  // each rank 1, their sum is definite
    auto a6 = bary_args(means, singular, nullptr, flat);
    CHECK(invoke_fails(rt.get(), method, a6.get(), &msg) == GEOMRT_EINVAL);
    CHECK(msg.find("positive definite") != std::string::npos);

    Mat means2(3, 2);  // d = 2 against 3 x 3 covariances
    auto a7 = bary_args(means2, covs, nullptr, flat);
    CHECK(invoke_fails(rt.get(), method, a7.get(), &msg) == GEOMRT_ESHAPE);
    Mat means4(4, 3);  // k = 4 against 3 covariances
    auto a8 = bary_args(means4, covs, nullptr, flat);
    CHECK(invoke_fails(rt.get(), method, a8.get(), &msg) == GEOMRT_ESHAPE);

    auto a9 = bary_args(means, covs, nullptr, flat);
    REQUIRE(geomrt_args_set_param_i64(a9.get(), "max_iter", 2) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), method, a9.get(), &msg) == GEOMRT_ENOCONVERGE);
    CHECK(msg.find("max_iter=2") != std::string::npos);
    CHECK(msg.find("tol") != std::string::npos);
    REQUIRE(geomrt_args_set_param_f64(a9.get(), "tol", 0.0) == GEOMRT_OK);
    CHECK(invoke_fails(rt.get(), method, a9.get(), &msg) == GEOMRT_EINVAL);

    for (size_t i = 0; i < covs.size(); ++i) CHECK(covs[i].v == covs0[i].v);
    CHECK(bad[0](0, 0) == covs0[0](0, 0));
}
