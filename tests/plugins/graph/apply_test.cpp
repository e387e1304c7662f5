// graph.kernel_apply: K Y without forming K agrees with the dense kernel times Y; errors.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "graph_util.hpp"

using namespace gt;

namespace {

std::vector<double> matmul(const std::vector<double> &K, const std::vector<double> &Y, int64_t n, int64_t b) {
    std::vector<double> out(static_cast<size_t>(n * b), 0.0);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t k = 0; k < n; ++k)
            for (int64_t j = 0; j < b; ++j) out[i * b + j] += K[i * n + k] * Y[k * b + j];
    return out;
}

Result apply(geomrt_runtime *rt, const Csr &A, const std::vector<double> &Y, int64_t b,
             const std::vector<std::pair<std::string, std::string>> &params) {
    Args a = new_args();
    set_csr(a.get(), "A", A);
    int64_t shape[2] = {A.n, b};
    REQUIRE(geomrt_args_set_f64(a.get(), "Y", Y.data(), 2, shape) == GEOMRT_OK);
    for (auto &p : params) geomrt_args_set_param_string(a.get(), p.first.c_str(), p.second.c_str());
    return invoke(rt, "graph.kernel_apply", a.get());
}

}  // namespace

TEST_CASE("kernel_apply equals the dense kernel times Y for every matrix-free kernel", "[graph][kernel_apply]") {
    auto rt = plugins_runtime();
    const int64_t n = 300, b = 3;
    const std::vector<double> A = random_partition(rt.get(), n, 3, 0.08, 0.01, 21);
    const Csr As = to_csr(A, n);
    std::mt19937_64 g(2);
    std::normal_distribution<double> nd;
    std::vector<double> Y(static_cast<size_t>(n * b));
    for (auto &v : Y) v = nd(g);
    for (const char *fam : {"heat", "nheat", "comm", "forest", "pwalk", "ct"})
        for (const char *alpha : {"0.3", "0.8"}) {
            INFO(fam << " alpha " << alpha);
            Result dense_k = graph_kernel(rt.get(), A, n, {{"kernel", fam}, {"alpha", alpha}});
            const std::vector<double> want = matmul(vec(dense_k.get(), "K"), Y, n, b);
            Result r = apply(rt.get(), As, Y, b, {{"kernel", fam}, {"alpha", alpha}});
            CHECK(rel_err(vec(r.get(), "KY"), want) < 1e-8);
            CHECK(scalar(r.get(), "iterations") > 0);
            CHECK_THAT(scalar(r.get(), "t_value"), Catch::Matchers::WithinRel(vec(dense_k.get(), "t_values")[0], 1e-9));
        }
}

TEST_CASE("kernel_apply: columns of a block converge on their own (zero, invariant, scaled columns)",
          "[graph][kernel_apply]") {
    // The columns run side by side with one block product per step; each keeps its own recurrence
    // and stops on its own. Column 1 is zero, column 2 the constant vector (L 1 = 0: Lanczos finds
    // an invariant subspace at once for heat; K 1 = 1 for forest), column 3 a tiny multiple of
    // column 0. Each column must equal the single-column call and the dense product.
    auto rt = plugins_runtime();
    const int64_t n = 200, b = 4;
    const std::vector<double> A = random_partition(rt.get(), n, 2, 0.1, 0.02, 5);
    const Csr As = to_csr(A, n);
    std::mt19937_64 g(8);
    std::normal_distribution<double> nd;
    std::vector<double> Y(static_cast<size_t>(n * b));
    for (int64_t i = 0; i < n; ++i) {
        Y[i * b + 0] = nd(g);
        Y[i * b + 1] = 0.0;
        Y[i * b + 2] = 1.0;
        Y[i * b + 3] = 1e-3 * Y[i * b + 0];
    }
    for (const char *fam : {"heat", "comm", "forest", "ct"}) {
        INFO(fam);
        Result dense_k = graph_kernel(rt.get(), A, n, {{"kernel", fam}, {"alpha", "0.6"}});
        const std::vector<double> want = matmul(vec(dense_k.get(), "K"), Y, n, b);
        Result r = apply(rt.get(), As, Y, b, {{"kernel", fam}, {"alpha", "0.6"}});
        const std::vector<double> got = vec(r.get(), "KY");
        CHECK(rel_err(got, want) < 1e-8);
        for (int64_t c = 0; c < b; ++c) {
            INFO("column " << c);
            std::vector<double> y1(static_cast<size_t>(n)), g1(static_cast<size_t>(n)), w1(static_cast<size_t>(n));
            for (int64_t i = 0; i < n; ++i) y1[i] = Y[i * b + c], g1[i] = got[i * b + c], w1[i] = want[i * b + c];
            Result one = apply(rt.get(), As, y1, 1, {{"kernel", fam}, {"alpha", "0.6"}});
            const std::vector<double> o1 = vec(one.get(), "KY");
            if (c == 1 || (c == 2 && std::string(fam) == "ct")) {  // zero; L^+ 1 = 0
                for (double v : g1) CHECK(v == 0.0);
                continue;
            }
            CHECK(rel_err(g1, o1) < 1e-12);
            CHECK(rel_err(g1, w1) < 1e-8);
        }
    }
}

TEST_CASE("kernel_apply of ct on a disconnected graph is the pseudo-inverse", "[graph][kernel_apply]") {
    auto rt = plugins_runtime();
    const int64_t n = 7, b = 2;
    std::vector<double> A(49, 0.0);
    auto edge = [&](int i, int j, double w) { A[i * 7 + j] = A[j * 7 + i] = w; };
    edge(0, 1, 1.0), edge(1, 2, 2.0), edge(0, 2, 0.5), edge(3, 4, 1.0), edge(4, 5, 1.5), edge(3, 5, 1.0);
    const std::vector<double> Y = {1, 2, -1, 0.5, 3, 1, 0, 0, 2, -2, 1, 1, 4, -3};
    Result dense_k = graph_kernel(rt.get(), A, n, {{"kernel", "ct"}});
    Result r = apply(rt.get(), to_csr(A, n), Y, b, {{"kernel", "ct"}});
    CHECK(rel_err(vec(r.get(), "KY"), matmul(vec(dense_k.get(), "K"), Y, n, b)) < 1e-9);
}

TEST_CASE("kernel_apply rejects what it cannot do, with clear messages", "[graph][kernel_apply][errors]") {
    auto rt = plugins_runtime();
    const int64_t n = 50;
    const std::vector<double> A = random_partition(rt.get(), n, 2, 0.3, 0.05, 1);
    const Csr As = to_csr(A, n);
    std::vector<double> Y(static_cast<size_t>(n), 1.0);
    Y[3] = -2;
    auto fails = [&](std::vector<std::pair<std::string, std::string>> params, int64_t rows, int code, const char *needle) {
        Args a = new_args();
        set_csr(a.get(), "A", As);
        int64_t shape[2] = {rows, 1};
        REQUIRE(geomrt_args_set_f64(a.get(), "Y", Y.data(), 2, shape) == GEOMRT_OK);
        for (auto &p : params) geomrt_args_set_param_string(a.get(), p.first.c_str(), p.second.c_str());
        std::string msg;
        CHECK(invoke_fails(rt.get(), "graph.kernel_apply", a.get(), &msg) == code);
        INFO(msg);
        CHECK_THAT(msg, Catch::Matchers::Contains("graph.kernel_apply") && Catch::Matchers::Contains(needle));
    };
    fails({{"kernel", "sct"}}, n, GEOMRT_EINVAL, "kernel");
    fails({{"kernel", "forest"}, {"alpha", "0.9"}, {"max_iter", "1"}}, n, GEOMRT_ENOCONVERGE, "max_iter");
    fails({{"kernel", "heat"}, {"t", "50"}, {"max_iter", "2"}}, n, GEOMRT_ENOCONVERGE, "Lanczos");
    fails({{"kernel", "heat"}}, n - 1, GEOMRT_ESHAPE, "'Y'");
    fails({{"kernel", "pwalk"}, {"t", "1"}}, n, GEOMRT_EINVAL, "1/rho");
    fails({{"kernel", "comm"}, {"t", "100"}}, n, GEOMRT_EINVAL, "overflows");
}
