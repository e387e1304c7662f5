// graph.kernel, graph.kernel_to_distance, graph.distance_to_kernel: against the direct dense formulas
// (tests/data/graph_reference.txt from NumPy/SciPy/NetworkX), alpha mappings, scans, special graphs,
// the large-t logarithmic regime, bad input and concurrent calls.
#include <Eigen/Dense>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "graph_util.hpp"

using namespace gt;

namespace {

const int64_t N = 10;  // nodes of the reference graph

std::string fmt(double v) {
    char b[40];
    std::snprintf(b, sizeof b, "%.17g", v);
    return b;
}

/// Two triangles {0,1,2}, {3,4,5} and an isolated node 6.
std::vector<double> two_triangles_and_isolated(int64_t &n) {
    n = 7;
    std::vector<double> A(49, 0.0);
    auto edge = [&](int i, int j, double w) { A[i * 7 + j] = A[j * 7 + i] = w; };
    edge(0, 1, 1.0), edge(1, 2, 2.0), edge(0, 2, 0.5), edge(3, 4, 1.0), edge(4, 5, 1.5), edge(3, 5, 1.0);
    return A;
}

Eigen::MatrixXd laplacian(const std::vector<double> &A, int64_t n) {
    Eigen::MatrixXd L = -Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(A.data(), n, n);
    for (int64_t i = 0; i < n; ++i) {
        double d = 0;
        for (int64_t j = 0; j < n; ++j) d += A[i * n + j];
        L(i, i) = d - A[i * n + i];
    }
    return L;
}

std::vector<double> flat(const Eigen::MatrixXd &M) {
    std::vector<double> v(static_cast<size_t>(M.size()));
    for (int64_t i = 0; i < M.rows(); ++i)
        for (int64_t j = 0; j < M.cols(); ++j) v[i * M.cols() + j] = M(i, j);
    return v;
}

}  // namespace

TEST_CASE("every kernel matches its direct dense formula, dense and sparse A", "[graph][kernel]") {
    auto rt = plugins_runtime();
    const std::vector<double> &A = ref("A");
    const Csr As = to_csr(A, N);
    const char *families[] = {"pwalk", "forest", "heat", "nheat", "comm", "ct", "sct", "spct", "rsp", "fe"};
    for (const char *fam : families)
        for (const char *alpha : {"0.3", "0.7"})
            for (bool lg : {false, true}) {
                const std::string key = std::string(lg ? "logK_" : "K_") + fam + "_" + alpha;
                if (!graph_ref().count(key)) continue;  // log is undefined for ct, spct, rsp, fe
                const std::vector<double> &Kref = ref(key);
                for (bool sparse : {false, true}) {
                    INFO(key << (sparse ? " (sparse A)" : " (dense A)"));
                    Args a = new_args();
                    if (sparse) set_csr(a.get(), "A", As);
                    else set_square(a.get(), "A", A, N);
                    geomrt_args_set_param_string(a.get(), "kernel", fam);
                    geomrt_args_set_param_string(a.get(), "alpha", alpha);
                    geomrt_args_set_param_bool(a.get(), "log", lg);
                    Result r = invoke(rt.get(), "graph.kernel", a.get());
                    CHECK(shape_of(r.get(), "K") == std::vector<int64_t>{N, N});
                    const std::vector<double> K = vec(r.get(), "K"), D = vec(r.get(), "D");
                    CHECK(rel_err(K, Kref) < 1e-10);
                    CHECK(rel_err(D, distance_of(Kref, N)) < 1e-9);
                }
            }
}

TEST_CASE("a CSR adjacency with unsorted rows, duplicates and explicit zeros gives the kernel of its sum",
          "[graph][kernel]") {
    auto rt = plugins_runtime();
    const std::vector<double> &A = ref("A");
    const Csr As = to_csr(A, N);
    // Same matrix: every row reversed, its first stored entry split in two halves, a stored zero.
    Csr Bs;
    Bs.n = N;
    Bs.ptr.push_back(0);
    for (int64_t i = 0; i < N; ++i) {
        const int64_t lo = As.ptr[i], hi = As.ptr[i + 1];
        for (int64_t k = hi - 1; k >= lo; --k) {
            const bool split = k == lo;
            Bs.idx.push_back(As.idx[k]);
            Bs.val.push_back(split ? 0.5 * As.val[k] : As.val[k]);
            if (split) {
                Bs.idx.push_back(As.idx[k]);
                Bs.val.push_back(0.5 * As.val[k]);
            }
        }
        Bs.idx.push_back(i);  // explicit zero on the diagonal
        Bs.val.push_back(0.0);
        Bs.ptr.push_back(static_cast<int64_t>(Bs.idx.size()));
    }
    for (const char *fam : {"forest", "comm"}) {
        INFO(fam);
        std::vector<double> K[2];
        for (int v = 0; v < 2; ++v) {
            Args a = new_args();
            set_csr(a.get(), "A", v ? Bs : As);
            geomrt_args_set_param_string(a.get(), "kernel", fam);
            geomrt_args_set_param_f64(a.get(), "alpha", 0.3);
            Result r = invoke(rt.get(), "graph.kernel", a.get());
            K[v] = vec(r.get(), "K");
        }
        CHECK(rel_err(K[0], gt::ref(std::string("K_") + fam + "_0.3")) < 1e-10);
        CHECK(rel_err(K[1], K[0]) < 1e-13);
    }
}

TEST_CASE("communicability and resistance distance agree with NetworkX", "[graph][kernel]") {
    auto rt = plugins_runtime();
    const std::vector<double> &B = ref("B");
    Result comm = graph_kernel(rt.get(), B, N, {{"kernel", "comm"}, {"t", "1"}});
    CHECK(rel_err(vec(comm.get(), "K"), ref("nx_communicability")) < 1e-12);
    // D of ct is half the resistance distance: (L+_ii + L+_jj - 2 L+_ij) / 2.
    Result ct = graph_kernel(rt.get(), B, N, {{"kernel", "ct"}});
    std::vector<double> R = vec(ct.get(), "D");
    for (auto &v : R) v *= 2;
    CHECK(rel_err(R, ref("nx_resistance")) < 1e-12);
}

TEST_CASE("alpha is mapped as pygkernels maps it, and a scan equals single calls", "[graph][kernel]") {
    auto rt = plugins_runtime();
    const std::vector<double> &A = ref("A");
    const double rho = ref("rho")[0];
    const std::vector<double> alphas = {0.1, 0.45, 0.9};
    struct Map {
        const char *fam;
        double (*f)(double a, double rho);
    };
    const Map maps[] = {
        {"pwalk", [](double a, double r) { return a / r; }},
        {"forest", [](double a, double) { return 0.5 * a / (1 - a); }},
        {"heat", [](double a, double) { return 0.5 * a / (1 - a); }},
        {"nheat", [](double a, double) { return 0.5 * a / (1 - a); }},
        {"comm", [](double a, double) { return 0.5 * a / (1 - a); }},
        {"sct", [](double a, double) { return 0.5 * a / (1 - a); }},
        {"rsp", [](double a, double) { return (1 - a) / a; }},
        {"fe", [](double a, double) { return (1 - a) / a; }},
        {"spct", [](double a, double) { return a; }},
    };
    for (const Map &m : maps)
        for (bool lg : {false, true}) {
            const std::string fam = m.fam;
            if (lg && (fam == "rsp" || fam == "fe" || fam == "spct")) continue;
            INFO(fam << (lg ? " log" : ""));
            Args a = new_args();
            set_square(a.get(), "A", A, N);
            set_vec(a.get(), "alphas", alphas);
            geomrt_args_set_param_string(a.get(), "kernel", m.fam);
            geomrt_args_set_param_bool(a.get(), "log", lg);
            Result scan = invoke(rt.get(), "graph.kernel", a.get());
            REQUIRE(shape_of(scan.get(), "K") == std::vector<int64_t>{3, N, N});
            REQUIRE(shape_of(scan.get(), "D") == std::vector<int64_t>{3, N, N});
            const std::vector<double> K = vec(scan.get(), "K"), D = vec(scan.get(), "D"), t = vec(scan.get(), "t_values");
            for (size_t i = 0; i < alphas.size(); ++i) {
                CHECK_THAT(t[i], Catch::Matchers::WithinRel(m.f(alphas[i], rho), 1e-12));
                Result one = graph_kernel(rt.get(), A, N,
                                          {{"kernel", fam}, {"alpha", fmt(alphas[i])}, {"log", lg ? "true" : "false"}});
                const std::vector<double> K1 = vec(one.get(), "K"), D1 = vec(one.get(), "D");
                CHECK(rel_err(std::vector<double>(K.begin() + i * N * N, K.begin() + (i + 1) * N * N), K1) < 1e-11);
                CHECK(rel_err(std::vector<double>(D.begin() + i * N * N, D.begin() + (i + 1) * N * N), D1) < 1e-10);
                // the raw parameter gives the same kernel
                Result raw = graph_kernel(rt.get(), A, N,
                                          {{"kernel", fam}, {"t", fmt(m.f(alphas[i], rho))}, {"log", lg ? "true" : "false"}});
                CHECK(rel_err(vec(raw.get(), "K"), K1) < 1e-11);
            }
        }
}

TEST_CASE("pwalk needs t < 1/rho", "[graph][kernel]") {
    auto rt = plugins_runtime();
    const std::vector<double> &A = ref("A");
    const double rho = ref("rho")[0];
    Result ok = graph_kernel(rt.get(), A, N, {{"kernel", "pwalk"}, {"t", fmt(0.99 / rho)}});
    Eigen::MatrixXd M = Eigen::MatrixXd::Identity(N, N) -
                        (0.99 / rho) * Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(A.data(), N, N);
    CHECK(rel_err(vec(ok.get(), "K"), flat(M.inverse())) < 1e-9);
    for (double f : {1.0, 1.5}) {
        Args a = new_args();
        set_square(a.get(), "A", A, N);
        geomrt_args_set_param_string(a.get(), "kernel", "pwalk");
        geomrt_args_set_param_f64(a.get(), "t", f / rho);
        std::string msg;
        CHECK(invoke_fails(rt.get(), "graph.kernel", a.get(), &msg) == GEOMRT_EINVAL);
        CHECK_THAT(msg, Catch::Matchers::Contains("graph.kernel") && Catch::Matchers::Contains("1/rho"));
    }
}

TEST_CASE("disconnected graphs and isolated nodes: plain kernels defined, log and path kernels clear errors",
          "[graph][kernel]") {
    auto rt = plugins_runtime();
    int64_t n = 0;
    const std::vector<double> A = two_triangles_and_isolated(n);
    const Eigen::MatrixXd L = laplacian(A, n);
    const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(n, n);
    const double t = 0.8;
    // forest (Cholesky path) and as part of a scan (eigendecomposition path)
    Result f = graph_kernel(rt.get(), A, n, {{"kernel", "forest"}, {"t", fmt(t)}});
    CHECK(rel_err(vec(f.get(), "K"), flat((I + t * L).inverse())) < 1e-12);
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(L);
    Eigen::VectorXd e = (-t * es.eigenvalues()).array().exp();
    Result h = graph_kernel(rt.get(), A, n, {{"kernel", "heat"}, {"t", fmt(t)}});
    const std::vector<double> Kh = vec(h.get(), "K");
    CHECK(rel_err(Kh, flat(es.eigenvectors() * e.asDiagonal() * es.eigenvectors().transpose())) < 1e-12);
    CHECK(std::fabs(Kh[6 * n + 6] - 1.0) < 1e-14);  // the isolated node keeps its heat
    CHECK(std::fabs(Kh[0 * n + 3]) < 1e-14);        // nothing flows between components
    // ct: the pseudo-inverse (zero on the null space of L: one direction per component)
    Eigen::VectorXd inv = es.eigenvalues();
    for (int64_t k = 0; k < n; ++k) inv(k) = k < 3 ? 0.0 : 1.0 / inv(k);
    Result ct = graph_kernel(rt.get(), A, n, {{"kernel", "ct"}});
    CHECK(rel_err(vec(ct.get(), "K"), flat(es.eigenvectors() * inv.asDiagonal() * es.eigenvectors().transpose())) < 1e-11);
    // nheat: L_sym has a zero row at the isolated node, so K_66 = 1
    Result nh = graph_kernel(rt.get(), A, n, {{"kernel", "nheat"}, {"t", "2"}});
    CHECK(std::fabs(vec(nh.get(), "K")[6 * n + 6] - 1.0) < 1e-14);
    for (const char *fam : {"pwalk", "comm", "sct"}) {
        INFO(fam);
        Result r = graph_kernel(rt.get(), A, n, {{"kernel", fam}, {"alpha", "0.4"}});
        for (double v : vec(r.get(), "K")) CHECK(std::isfinite(v));
    }
    // undefined cases
    for (auto p : std::vector<std::pair<std::string, bool>>{
             {"forest", true}, {"comm", true}, {"pwalk", true}, {"heat", true}, {"spct", false}, {"rsp", false}, {"fe", false}}) {
        INFO(p.first << (p.second ? " log" : ""));
        Args a = new_args();
        set_square(a.get(), "A", A, n);
        geomrt_args_set_param_string(a.get(), "kernel", p.first.c_str());
        geomrt_args_set_param_bool(a.get(), "log", p.second);
        std::string msg;
        CHECK(invoke_fails(rt.get(), "graph.kernel", a.get(), &msg) == GEOMRT_EINVAL);
        CHECK_THAT(msg, Catch::Matchers::Contains("disconnected"));
    }
}

TEST_CASE("D from graph.kernel equals kernel_to_distance of K and distance_to_kernel inverts it", "[graph][kernel]") {
    auto rt = plugins_runtime();
    const std::vector<double> &A = ref("A");
    for (const char *fam : {"pwalk", "forest", "heat", "nheat", "comm", "ct", "sct", "spct", "rsp", "fe"}) {
        INFO(fam);
        Result r = graph_kernel(rt.get(), A, N, {{"kernel", fam}, {"alpha", "0.5"}});
        const std::vector<double> K = vec(r.get(), "K"), D = vec(r.get(), "D");
        Args a = new_args();
        set_square(a.get(), "K", K, N);
        Result d = invoke(rt.get(), "graph.kernel_to_distance", a.get());
        CHECK(rel_err(vec(d.get(), "D"), D) < 1e-12);
        // distance_to_kernel(2 D) = H K H
        std::vector<double> D2 = D;
        for (auto &v : D2) v *= 2;
        Args b = new_args();
        set_square(b.get(), "D", D2, N);
        Result k = invoke(rt.get(), "graph.distance_to_kernel", b.get());
        Eigen::MatrixXd H = Eigen::MatrixXd::Identity(N, N) - Eigen::MatrixXd::Constant(N, N, 1.0 / N);
        Eigen::MatrixXd Km = Eigen::Map<const Eigen::Matrix<double, -1, -1, Eigen::RowMajor>>(K.data(), N, N);
        CHECK(rel_err(vec(k.get(), "K"), flat(H * Km * H)) < 1e-11);
    }
    // a stack k x n x n converts each matrix
    Args a = new_args();
    set_square(a.get(), "A", A, N);
    set_vec(a.get(), "alphas", std::vector<double>{0.2, 0.6});
    geomrt_args_set_param_string(a.get(), "kernel", "heat");
    Result s = invoke(rt.get(), "graph.kernel", a.get());
    const std::vector<double> K = vec(s.get(), "K");
    Args b = new_args();
    int64_t shape[3] = {2, N, N};
    REQUIRE(geomrt_args_set_f64(b.get(), "K", K.data(), 3, shape) == GEOMRT_OK);
    Result d = invoke(rt.get(), "graph.kernel_to_distance", b.get());
    CHECK(shape_of(d.get(), "D") == std::vector<int64_t>{2, N, N});
    CHECK(rel_err(vec(d.get(), "D"), vec(s.get(), "D")) < 1e-12);
}

namespace {

double ari(geomrt_runtime *rt, const std::vector<int64_t> &x, const std::vector<int64_t> &y) {
    Args a = new_args();
    set_labels(a.get(), "labels_true", x);
    set_labels(a.get(), "labels_pred", y);
    Result r = invoke(rt, "graph.adjusted_rand_index", a.get());
    return scalar(r.get(), "ari");
}

/// Kernel k-means (k = 2) on the centred kernel of a distance: -1/2 H (2D) H.
std::vector<int64_t> cluster_on_distance(geomrt_runtime *rt, std::vector<double> D, int64_t n) {
    for (auto &v : D) v *= 2;
    Args a = new_args();
    set_square(a.get(), "D", D, n);
    Result k = invoke(rt, "graph.distance_to_kernel", a.get());
    const std::vector<double> K = vec(k.get(), "K");
    Args b = new_args();
    set_square(b.get(), "K", K, n);
    geomrt_args_set_param_i64(b.get(), "k", 2);
    geomrt_args_set_param_i64(b.get(), "seed", 3);
    Result r = invoke(rt, "graph.kernel_kmeans", b.get());
    return labels(r.get(), "labels");
}

}  // namespace

TEST_CASE("logarithmic kernels at large t: D keeps the classes where the naive float64 formula loses them",
          "[graph][kernel][numerics]") {
    auto rt = plugins_runtime();
    const int64_t n = 600;
    std::vector<int64_t> truth;
    const std::vector<double> A = random_partition(rt.get(), n, 2, 0.1, 0.02, 4, &truth);
    for (const char *fam : {"comm", "heat"}) {
        INFO(fam);
        Result lg = graph_kernel(rt.get(), A, n, {{"kernel", fam}, {"log", "true"}, {"t", "4.5"}});
        const std::vector<double> K = vec(lg.get(), "K"), D = vec(lg.get(), "D");
        double kmax = 0, dmax = 0;
        for (double v : K) kmax = std::max(kmax, std::fabs(v));
        for (double v : D) dmax = std::max(dmax, std::fabs(v));
        CHECK(kmax > 1.0);
        CHECK(dmax < 1e-16 * kmax);  // the informative part lies below float64 resolution of the entries
        CHECK(dmax > 0);
        CHECK(ari(rt.get(), truth, cluster_on_distance(rt.get(), D, n)) > 0.95);
        // Naive: the plain kernel in float64, then its elementwise logarithm and the distance formula.
        Result plain = graph_kernel(rt.get(), A, n, {{"kernel", fam}, {"t", "4.5"}});
        std::vector<double> logK = vec(plain.get(), "K");
        for (auto &v : logK) v = std::log(v);
        const std::vector<double> Dnaive = distance_of(logK, n);
        double naive_max = 0;
        for (double v : Dnaive) naive_max = std::max(naive_max, std::fabs(v));
        CHECK(naive_max > 100 * dmax);  // rounding noise, not the distances
        CHECK(std::fabs(ari(rt.get(), truth, cluster_on_distance(rt.get(), Dnaive, n))) < 0.2);
    }
}

TEST_CASE("graph.kernel rejects bad input with clear messages and leaves it untouched", "[graph][kernel][errors]") {
    auto rt = plugins_runtime();
    const std::vector<double> &A0 = ref("A");
    std::vector<double> A = A0;
    auto fails = [&](const std::vector<double> &Am, int64_t rows, int64_t cols,
                     std::vector<std::pair<std::string, std::string>> params, int code, const char *needle,
                     const std::vector<double> *alphas = nullptr) {
        Args a = new_args();
        int64_t shape[2] = {rows, cols};
        REQUIRE(geomrt_args_set_f64(a.get(), "A", Am.data(), 2, shape) == GEOMRT_OK);
        if (alphas) set_vec(a.get(), "alphas", *alphas);
        for (auto &p : params) geomrt_args_set_param_string(a.get(), p.first.c_str(), p.second.c_str());
        std::string msg;
        CHECK(invoke_fails(rt.get(), "graph.kernel", a.get(), &msg) == code);
        INFO(msg);
        CHECK_THAT(msg, Catch::Matchers::Contains("graph.kernel") && Catch::Matchers::Contains(needle));
    };
    std::vector<double> asym = A0;
    asym[1] += 0.5;
    fails(asym, N, N, {{"kernel", "forest"}}, GEOMRT_EINVAL, "symmetric");
    std::vector<double> neg = A0;
    neg[2] = neg[20] = -1;
    fails(neg, N, N, {{"kernel", "forest"}}, GEOMRT_EINVAL, "negative");
    std::vector<double> nan = A0;
    nan[5] = std::nan("");
    fails(nan, N, N, {{"kernel", "forest"}}, GEOMRT_EINVAL, "'A'");
    fails(std::vector<double>(A0.begin(), A0.begin() + 90), 9, 10, {{"kernel", "forest"}}, GEOMRT_ESHAPE, "'A'");
    fails(A0, N, N, {{"kernel", "forest"}, {"alpha", "1"}}, GEOMRT_EINVAL, "alpha");
    fails(A0, N, N, {{"kernel", "forest"}, {"t", "-1"}}, GEOMRT_EINVAL, "'t'");
    fails(A0, N, N, {{"kernel", "bogus"}}, GEOMRT_EINVAL, "kernel");
    fails(A0, N, N, {{"kernel", "ct"}, {"log", "true"}}, GEOMRT_EINVAL, "negative entries");
    fails(A0, N, N, {{"kernel", "rsp"}, {"log", "true"}}, GEOMRT_EINVAL, "negative entries");
    fails(A0, N, N, {{"kernel", "spct"}, {"t", "2"}}, GEOMRT_EINVAL, "[0, 1]");
    fails(A0, N, N, {{"kernel", "comm"}, {"t", "400"}}, GEOMRT_EINVAL, "overflows");
    const std::vector<double> bad_alphas = {0.5, 1.2}, good_alphas = {0.5};
    fails(A0, N, N, {{"kernel", "heat"}}, GEOMRT_EINVAL, "alphas", &bad_alphas);
    fails(A0, N, N, {{"kernel", "heat"}, {"t", "1"}}, GEOMRT_EINVAL, "not both", &good_alphas);
    // the kernel parameter is required
    {
        Args a = new_args();
        set_square(a.get(), "A", A0, N);
        std::string msg;
        CHECK(invoke_fails(rt.get(), "graph.kernel", a.get(), &msg) != GEOMRT_OK);
        CHECK_THAT(msg, Catch::Matchers::Contains("kernel"));
    }
    // a graph without edges: pwalk's alpha mapping is undefined, the raw t is fine
    const std::vector<double> empty(16, 0.0);
    fails(empty, 4, 4, {{"kernel", "pwalk"}}, GEOMRT_EINVAL, "no edges");
    Result id = graph_kernel(rt.get(), empty, 4, {{"kernel", "pwalk"}, {"t", "0.3"}});
    CHECK(vec(id.get(), "K") == std::vector<double>{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1});
    CHECK(A == A0);
    CHECK(bad_alphas == std::vector<double>{0.5, 1.2});
}

TEST_CASE("graph.kernel from several threads at once gives identical results", "[graph][kernel][threads]") {
    auto rt = plugins_runtime();
    const std::vector<double> &A = ref("A");
    const std::vector<double> alphas = {0.2, 0.5, 0.8};
    auto run = [&](const char *fam, bool lg, int threads) {
        Args a = new_args();
        set_square(a.get(), "A", A, N);
        set_vec(a.get(), "alphas", alphas);
        geomrt_args_set_param_string(a.get(), "kernel", fam);
        geomrt_args_set_param_bool(a.get(), "log", lg);
        Result r = invoke(rt.get(), "graph.kernel", a.get(), threads);
        std::vector<double> out = vec(r.get(), "K");
        const std::vector<double> D = vec(r.get(), "D");
        out.insert(out.end(), D.begin(), D.end());
        return out;
    };
    const char *fams[] = {"comm", "forest", "spct", "rsp"};
    std::vector<std::vector<double>> serial;
    for (int i = 0; i < 4; ++i) serial.push_back(run(fams[i], i < 2, 1));
    std::vector<std::vector<double>> par(8);
    std::vector<std::thread> th;
    for (int i = 0; i < 8; ++i) th.emplace_back([&, i] { par[i] = run(fams[i % 4], i % 4 < 2, 2); });
    for (auto &x : th) x.join();
    for (int i = 0; i < 8; ++i) CHECK(par[i] == serial[i % 4]);
}
