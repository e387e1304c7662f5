// The Sinkhorn inner kernels (plugins/ot/scaling_kernels.cpp, compiled into this test): accuracy
// of the exponential, the scaling sweep against a direct computation, and bit-identical results
// between the portable and the AVX2 versions.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

#include "scaling_kernels.hpp"

using geomrt::ot::kernels::exp_nonpositive;
using geomrt::ot::kernels::Isa;
using geomrt::ot::kernels::scale_rows;

namespace {

bool same_bits(const std::vector<double> &x, const std::vector<double> &y) {
    return x.size() == y.size() && std::memcmp(x.data(), y.data(), x.size() * sizeof(double)) == 0;
}

}  // namespace

TEST_CASE("exp kernel: accurate to a few ulp on [-708, 0], exactly 0 below", "[ot][kernels]") {
    std::mt19937_64 rng(7);
    std::uniform_real_distribution<double> U(-708.0, 0.0), S(-1.0, 0.0);
    std::vector<double> x;
    for (int k = 0; k < 20000; ++k) x.push_back(U(rng));
    for (int k = 0; k < 20000; ++k) x.push_back(S(rng));  // the range that dominates kernels
    for (double v : {0.0, -0.0, -1e-300, -0.5 * std::log(2.0), -std::log(2.0), -1.0, -700.0, -707.999, -708.0})
        x.push_back(v);
    x.push_back(-708.5);
    x.push_back(-1e6);
    x.push_back(-std::numeric_limits<double>::infinity());
    for (Isa isa : {Isa::Best, Isa::Portable}) {
        std::vector<double> y(x);
        const double s = exp_nonpositive(y.data(), static_cast<int64_t>(y.size()), isa);
        double worst = 0, naive = 0;
        for (size_t k = 0; k < x.size(); ++k) {
            naive += y[k];
            if (x[k] < -708.0) {
                REQUIRE(y[k] == 0.0);
                continue;
            }
            const double e = std::exp(x[k]);
            worst = std::max(worst, std::fabs(y[k] - e) / e);
        }
        INFO("isa " << (isa == Isa::Best ? geomrt::ot::kernels::isa() : "portable") << " worst rel. error " << worst);
        CHECK(worst <= 4 * std::numeric_limits<double>::epsilon());
        CHECK(std::fabs(s - naive) <= 1e-13 * naive);
    }
}

TEST_CASE("scaling sweep: u = a / (K v) and column sums of diag(u) K, for float and double kernels",
          "[ot][kernels]") {
    std::mt19937_64 rng(3);
    std::uniform_real_distribution<double> U(0.01, 1.0);
    for (int64_t rows : {1, 3, 4, 11}) {
        for (int64_t m : {1, 5, 8, 37, 64}) {
            std::vector<double> K(static_cast<size_t>(rows * m)), v(m), a(rows);
            for (double &k : K) k = U(rng);
            for (double &x : v) x = U(rng);
            for (double &x : a) x = U(rng);
            std::vector<float> Kf(K.begin(), K.end());
            for (int pass = 0; pass < 2; ++pass) {
                std::vector<double> u(rows, -1.0), col(m, 0.0), uref(rows), cref(m, 0.0);
                const bool ok = pass == 0 ? scale_rows(K.data(), rows, m, v.data(), a.data(), u.data(), col.data())
                                          : scale_rows(Kf.data(), rows, m, v.data(), a.data(), u.data(), col.data());
                REQUIRE(ok);
                for (int64_t i = 0; i < rows; ++i) {
                    double r = 0;
                    for (int64_t j = 0; j < m; ++j)
                        r += (pass == 0 ? K[i * m + j] : static_cast<double>(Kf[i * m + j])) * v[j];
                    uref[i] = a[i] / r;
                    for (int64_t j = 0; j < m; ++j)
                        cref[j] += uref[i] * (pass == 0 ? K[i * m + j] : static_cast<double>(Kf[i * m + j]));
                }
                for (int64_t i = 0; i < rows; ++i) CHECK(u[i] == Approx(uref[i]).epsilon(1e-14));
                for (int64_t j = 0; j < m; ++j) CHECK(col[j] == Approx(cref[j]).epsilon(1e-14));
            }
        }
    }
}

TEST_CASE("scaling sweep: a row with no mass is reported and leaves u alone", "[ot][kernels]") {
    const int64_t rows = 6, m = 9;
    std::vector<double> K(rows * m, 0.5), v(m, 1.0), a(rows, 1.0), u(rows, 7.0), col(m, 0.0);
    for (int64_t j = 0; j < m; ++j) K[2 * m + j] = 0.0;  // row 2 (inside a group of four)
    for (int64_t j = 0; j < m; ++j) K[5 * m + j] = 0.0;  // row 5 (in the tail)
    CHECK_FALSE(scale_rows(K.data(), rows, m, v.data(), a.data(), u.data(), col.data()));
    CHECK(u[2] == 7.0);
    CHECK(u[5] == 7.0);
    CHECK(u[0] == Approx(1.0 / 4.5).epsilon(1e-15));
    for (int64_t j = 0; j < m; ++j) CHECK(col[j] == Approx(4 * 0.5 / 4.5).epsilon(1e-14));
}

TEST_CASE("kernels: the AVX2 and portable versions give bit-identical results", "[ot][kernels]") {
    INFO("this CPU runs the " << geomrt::ot::kernels::isa() << " kernels");
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> U(1e-6, 1.0), X(-60.0, 0.0);
    const int64_t rows = 23, m = 1003;  // neither a multiple of 4 rows nor of 8 columns
    std::vector<double> K(static_cast<size_t>(rows * m)), v(m), a(rows);
    for (double &k : K) k = U(rng);
    for (double &x : v) x = U(rng);
    for (double &x : a) x = U(rng);
    std::vector<float> Kf(K.begin(), K.end());
    std::vector<double> u1(rows), u2(rows), c1(m, 0.0), c2(m, 0.0);
    REQUIRE(scale_rows(K.data(), rows, m, v.data(), a.data(), u1.data(), c1.data(), 1.0, nullptr, Isa::Best));
    REQUIRE(scale_rows(K.data(), rows, m, v.data(), a.data(), u2.data(), c2.data(), 1.0, nullptr, Isa::Portable));
    CHECK(same_bits(u1, u2));
    CHECK(same_bits(c1, c2));
    std::fill(c1.begin(), c1.end(), 0.0);
    std::fill(c2.begin(), c2.end(), 0.0);
    REQUIRE(scale_rows(Kf.data(), rows, m, v.data(), a.data(), u1.data(), c1.data(), 1.0, nullptr, Isa::Best));
    REQUIRE(scale_rows(Kf.data(), rows, m, v.data(), a.data(), u2.data(), c2.data(), 1.0, nullptr, Isa::Portable));
    CHECK(same_bits(u1, u2));
    CHECK(same_bits(c1, c2));
    std::vector<double> x(m);
    for (double &t : x) t = X(rng);
    std::vector<double> e1(x), e2(x);
    const double s1 = exp_nonpositive(e1.data(), m, Isa::Best), s2 = exp_nonpositive(e2.data(), m, Isa::Portable);
    CHECK(same_bits(e1, e2));
    CHECK(std::memcmp(&s1, &s2, sizeof s1) == 0);
}
