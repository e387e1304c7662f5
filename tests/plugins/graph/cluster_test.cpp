// graph.kernel_kmeans, graph.ward, graph.adjusted_rand_index, graph.random_partition: hand-computed
// cases, scikit-learn's adjusted_rand_score values, invariants, bad input, concurrent calls.
#include <cmath>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "graph_util.hpp"

using namespace gt;

namespace {

/// Linear kernel K = X X^T of row-major points X (n x d).
std::vector<double> linear_kernel(const std::vector<double> &X, int64_t n, int64_t d) {
    std::vector<double> K(static_cast<size_t>(n * n));
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j) {
            double s = 0;
            for (int64_t k = 0; k < d; ++k) s += X[i * d + k] * X[j * d + k];
            K[i * n + j] = s;
        }
    return K;
}

Result kmeans(geomrt_runtime *rt, const std::vector<double> &K, int64_t n, int64_t k, int64_t seed = 0, int threads = 0,
              int64_t n_init = 10) {
    Args a = new_args();
    set_square(a.get(), "K", K, n);
    geomrt_args_set_param_i64(a.get(), "k", k);
    geomrt_args_set_param_i64(a.get(), "seed", seed);
    geomrt_args_set_param_i64(a.get(), "n_init", n_init);
    return invoke(rt, "graph.kernel_kmeans", a.get(), threads);
}

Result ward(geomrt_runtime *rt, const std::vector<double> &K, int64_t n, int64_t k) {
    Args a = new_args();
    set_square(a.get(), "K", K, n);
    geomrt_args_set_param_i64(a.get(), "k", k);
    return invoke(rt, "graph.ward", a.get());
}

double ari(geomrt_runtime *rt, const std::vector<int64_t> &x, const std::vector<int64_t> &y) {
    Args a = new_args();
    set_labels(a.get(), "labels_true", x);
    set_labels(a.get(), "labels_pred", y);
    Result r = invoke(rt, "graph.adjusted_rand_index", a.get());
    return scalar(r.get(), "ari");
}

std::vector<int64_t> as_labels(const std::vector<double> &v) { return std::vector<int64_t>(v.begin(), v.end()); }

}  // namespace

TEST_CASE("kernel k-means: two groups on a line with hand-computed inertia, and k = 1 and k = n", "[graph][kmeans]") {
    auto rt = plugins_runtime();
    const std::vector<double> x = {0, 0.1, 0.2, 5, 5.1, 5.2};
    const std::vector<double> K = linear_kernel(x, 6, 1);
    Result r = kmeans(rt.get(), K, 6, 2);
    const std::vector<int64_t> lab = labels(r.get(), "labels");
    CHECK(lab[0] == lab[1]);
    CHECK(lab[1] == lab[2]);
    CHECK(lab[3] == lab[4]);
    CHECK(lab[4] == lab[5]);
    CHECK(lab[0] != lab[3]);
    CHECK_THAT(scalar(r.get(), "inertia"), Catch::Matchers::WithinRel(0.04, 1e-9));  // 2 x (0.01 + 0 + 0.01)
    // k = 1: the total sum of squares about the mean 2.6
    double ss = 0;
    for (double v : x) ss += (v - 2.6) * (v - 2.6);
    Result one = kmeans(rt.get(), K, 6, 1);
    CHECK_THAT(scalar(one.get(), "inertia"), Catch::Matchers::WithinRel(ss, 1e-12));
    Result all = kmeans(rt.get(), K, 6, 6);
    CHECK(std::fabs(scalar(all.get(), "inertia")) < 1e-12);
}

TEST_CASE("kernel k-means recovers three blobs, is seeded and thread-count independent", "[graph][kmeans][threads]") {
    auto rt = plugins_runtime();
    std::mt19937_64 g(9);
    std::normal_distribution<double> nd(0.0, 0.3);
    const int64_t n = 150;
    std::vector<double> X(static_cast<size_t>(n * 2));
    std::vector<int64_t> truth(static_cast<size_t>(n));
    const double cx[3] = {0, 4, 0}, cy[3] = {0, 0, 4};
    for (int64_t i = 0; i < n; ++i) {
        truth[i] = i % 3;
        X[i * 2] = cx[i % 3] + nd(g);
        X[i * 2 + 1] = cy[i % 3] + nd(g);
    }
    const std::vector<double> K = linear_kernel(X, n, 2);
    Result r1 = kmeans(rt.get(), K, n, 3, 5, 1);
    CHECK(ari(rt.get(), truth, labels(r1.get(), "labels")) == 1.0);
    Result r2 = kmeans(rt.get(), K, n, 3, 5, 2);
    CHECK(labels(r1.get(), "labels") == labels(r2.get(), "labels"));
    CHECK(scalar(r1.get(), "inertia") == scalar(r2.get(), "inertia"));
    // concurrent calls agree with the serial one
    std::vector<std::vector<int64_t>> par(6);
    std::vector<double> inert(6);
    std::vector<std::thread> th;
    for (int i = 0; i < 6; ++i)
        th.emplace_back([&, i] {
            Result r = kmeans(rt.get(), K, n, 3, 5, 2);
            par[i] = labels(r.get(), "labels");
            inert[i] = scalar(r.get(), "inertia");
        });
    for (auto &t : th) t.join();
    for (int i = 0; i < 6; ++i) {
        CHECK(par[i] == labels(r1.get(), "labels"));
        CHECK(inert[i] == scalar(r1.get(), "inertia"));
    }
    // more restarts never do worse than one
    Result single = kmeans(rt.get(), K, n, 3, 5, 1, 1);
    CHECK(scalar(r1.get(), "inertia") <= scalar(single.get(), "inertia") + 1e-9);
}

TEST_CASE("Ward on a kernel: hand-computed merges of four points on a line", "[graph][ward]") {
    auto rt = plugins_runtime();
    const std::vector<double> x = {0, 1, 3, 7};
    const std::vector<double> K = linear_kernel(x, 4, 1);
    Result r = ward(rt.get(), K, 4, 2);
    CHECK(labels(r.get(), "labels") == std::vector<int64_t>{0, 0, 0, 1});
    const std::vector<double> h = vec(r.get(), "heights");
    REQUIRE(h.size() == 3);
    // {0},{1}: 1/2; {0,1},{3}: (2/3) 2.5^2; {0,1,3},{7}: (3/4) (7 - 4/3)^2
    CHECK_THAT(h[0], Catch::Matchers::WithinRel(0.5, 1e-12));
    CHECK_THAT(h[1], Catch::Matchers::WithinRel(2.0 / 3.0 * 6.25, 1e-12));
    CHECK_THAT(h[2], Catch::Matchers::WithinRel(0.75 * (17.0 / 3) * (17.0 / 3), 1e-12));
    Result r3 = ward(rt.get(), K, 4, 3);
    CHECK(labels(r3.get(), "labels") == std::vector<int64_t>{0, 0, 1, 2});
}

TEST_CASE("Ward's merge costs add up to the total sum of squares and recover blobs", "[graph][ward]") {
    auto rt = plugins_runtime();
    std::mt19937_64 g(4);
    std::normal_distribution<double> nd(0.0, 1.0);
    const int64_t n = 60, d = 3;
    std::vector<double> X(static_cast<size_t>(n * d));
    std::vector<int64_t> truth(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        truth[i] = i / 20;
        for (int64_t k = 0; k < d; ++k) X[i * d + k] = nd(g) * 0.4 + (k == truth[i] ? 6.0 : 0.0);
    }
    const std::vector<double> K = linear_kernel(X, n, d);
    double ss = 0;
    for (int64_t k = 0; k < d; ++k) {
        double m = 0;
        for (int64_t i = 0; i < n; ++i) m += X[i * d + k] / n;
        for (int64_t i = 0; i < n; ++i) ss += (X[i * d + k] - m) * (X[i * d + k] - m);
    }
    Result r = ward(rt.get(), K, n, 3);
    double total = 0;
    const std::vector<double> h = vec(r.get(), "heights");
    for (size_t i = 0; i < h.size(); ++i) {
        total += h[i];
        if (i) CHECK(h[i] >= h[i - 1]);
    }
    CHECK_THAT(total, Catch::Matchers::WithinRel(ss, 1e-10));
    CHECK(ari(rt.get(), truth, labels(r.get(), "labels")) == 1.0);
}

TEST_CASE("Ward terminates on a kernel that is symmetric only to rounding, with near-tied costs", "[graph][ward]") {
    // Regression: the study's plain kernels at large t are constant up to the last bits, with K_ij and
    // K_ji differing by one ulp; the nearest-neighbour chain then cycled and grew without bound.
    auto rt = plugins_runtime();
    const int64_t n = 150;
    std::mt19937_64 g(1);
    std::uniform_int_distribution<int> bit(-1, 1);
    const double u = std::nextafter(64.0, 100.0) - 64.0;
    std::vector<double> K(static_cast<size_t>(n * n));
    for (double &v : K) v = 64.0 + u * bit(g);
    Result r = ward(rt.get(), K, n, 2);
    const std::vector<int64_t> lab = labels(r.get(), "labels");
    REQUIRE(lab.size() == static_cast<size_t>(n));
    int64_t ones = 0;
    for (int64_t l : lab) {
        CHECK((l == 0 || l == 1));
        ones += l;
    }
    CHECK(ones >= 1);
    CHECK(ones <= n - 1);
    const std::vector<double> h = vec(r.get(), "heights");
    REQUIRE(h.size() == static_cast<size_t>(n - 1));
    for (double v : h) CHECK(std::fabs(v) < 1e-10);  // every cost is rounding noise of a constant kernel
}

TEST_CASE("adjusted Rand index matches scikit-learn's adjusted_rand_score", "[graph][ari]") {
    auto rt = plugins_runtime();
    for (int i = 0; graph_ref().count("ari_value_" + std::to_string(i)); ++i) {
        INFO("case " << i);
        const std::vector<int64_t> a = as_labels(gt::ref("ari_true_" + std::to_string(i)));
        const std::vector<int64_t> b = as_labels(gt::ref("ari_pred_" + std::to_string(i)));
        const double want = gt::ref("ari_value_" + std::to_string(i))[0];
        CHECK(std::fabs(ari(rt.get(), a, b) - want) < 1e-12);
        CHECK(std::fabs(ari(rt.get(), b, a) - want) < 1e-12);  // symmetric
    }
}

TEST_CASE("random partition graphs: symmetric 0/1, class sizes, edge densities, seeded", "[graph][random_partition]") {
    auto rt = plugins_runtime();
    const int64_t n = 301;
    std::vector<int64_t> lab;
    const std::vector<double> A = random_partition(rt.get(), n, 3, 0.3, 0.05, 12, &lab);
    std::vector<int64_t> size(3, 0);
    for (int64_t v : lab) ++size[v];
    CHECK(size == std::vector<int64_t>{101, 100, 100});
    double in_e = 0, in_p = 0, out_e = 0, out_p = 0;
    for (int64_t i = 0; i < n; ++i) {
        CHECK(A[i * n + i] == 0.0);
        for (int64_t j = i + 1; j < n; ++j) {
            REQUIRE(A[i * n + j] == A[j * n + i]);
            REQUIRE((A[i * n + j] == 0.0 || A[i * n + j] == 1.0));
            if (lab[i] == lab[j]) in_e += A[i * n + j], in_p += 1;
            else out_e += A[i * n + j], out_p += 1;
        }
    }
    // within 5 standard deviations of the binomial means
    CHECK(std::fabs(in_e - 0.3 * in_p) < 5 * std::sqrt(in_p * 0.3 * 0.7));
    CHECK(std::fabs(out_e - 0.05 * out_p) < 5 * std::sqrt(out_p * 0.05 * 0.95));
    CHECK(random_partition(rt.get(), n, 3, 0.3, 0.05, 12) == A);
    CHECK(random_partition(rt.get(), n, 3, 0.3, 0.05, 13) != A);
    // p = 1 inside and 0 across gives disjoint cliques
    const std::vector<double> C = random_partition(rt.get(), 9, 3, 1.0, 0.0, 1);
    for (int64_t i = 0; i < 9; ++i)
        for (int64_t j = 0; j < 9; ++j) CHECK(C[i * 9 + j] == (i != j && i / 3 == j / 3 ? 1.0 : 0.0));
}

TEST_CASE("clustering methods reject bad input with clear messages", "[graph][errors]") {
    auto rt = plugins_runtime();
    const std::vector<double> x = {0, 1, 3, 7};
    const std::vector<double> K = linear_kernel(x, 4, 1);
    auto fails = [&](const char *method, const std::vector<double> &Km, int64_t rows, int64_t cols,
                     std::vector<std::pair<std::string, std::string>> params, int code, const char *needle) {
        Args a = new_args();
        int64_t shape[2] = {rows, cols};
        REQUIRE(geomrt_args_set_f64(a.get(), "K", Km.data(), 2, shape) == GEOMRT_OK);
        for (auto &p : params) geomrt_args_set_param_string(a.get(), p.first.c_str(), p.second.c_str());
        std::string msg;
        CHECK(invoke_fails(rt.get(), method, a.get(), &msg) == code);
        INFO(msg);
        CHECK_THAT(msg, Catch::Matchers::Contains(method) && Catch::Matchers::Contains(needle));
    };
    for (const char *m : {"graph.kernel_kmeans", "graph.ward"}) {
        fails(m, K, 4, 4, {{"k", "5"}}, GEOMRT_EINVAL, "exceeds");
        fails(m, K, 4, 4, {{"k", "0"}}, GEOMRT_EINVAL, "'k'");
        std::vector<double> asym = K;
        asym[1] += 1;
        fails(m, asym, 4, 4, {{"k", "2"}}, GEOMRT_EINVAL, "symmetric");
        std::vector<double> nan = K;
        nan[3] = std::nan("");
        fails(m, nan, 4, 4, {{"k", "2"}}, GEOMRT_EINVAL, "'K'");
        fails(m, std::vector<double>(K.begin(), K.begin() + 12), 3, 4, {{"k", "2"}}, GEOMRT_ESHAPE, "'K'");
    }
    fails("graph.kernel_kmeans", K, 4, 4, {{"k", "2"}, {"n_init", "0"}}, GEOMRT_EINVAL, "n_init");
    {
        Args a = new_args();
        set_labels(a.get(), "labels_true", {0, 1, 1});
        set_labels(a.get(), "labels_pred", {0, 1});
        std::string msg;
        CHECK(invoke_fails(rt.get(), "graph.adjusted_rand_index", a.get(), &msg) == GEOMRT_ESHAPE);
        CHECK_THAT(msg, Catch::Matchers::Contains("labels_pred"));
    }
    {
        Args a = new_args();
        geomrt_args_set_param_i64(a.get(), "n", 3);
        geomrt_args_set_param_i64(a.get(), "classes", 4);
        geomrt_args_set_param_f64(a.get(), "p_in", 0.5);
        geomrt_args_set_param_f64(a.get(), "p_out", 0.1);
        std::string msg;
        CHECK(invoke_fails(rt.get(), "graph.random_partition", a.get(), &msg) == GEOMRT_EINVAL);
        CHECK_THAT(msg, Catch::Matchers::Contains("classes"));
        geomrt_args_set_param_i64(a.get(), "classes", 2);
        geomrt_args_set_param_f64(a.get(), "p_in", 1.5);
        CHECK(invoke_fails(rt.get(), "graph.random_partition", a.get(), &msg) == GEOMRT_EINVAL);
        CHECK_THAT(msg, Catch::Matchers::Contains("p_in"));
    }
    CHECK(K == linear_kernel(x, 4, 1));
}
