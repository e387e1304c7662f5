// Helpers of the graph plugin's tests: the reference file (made by tests/data/make_graph_reference.py),
// graphs as dense or CSR inputs, typed outputs, and a dense direct kernel by Eigen.
#ifndef GEOMRT_TESTS_GRAPH_UTIL_HPP
#define GEOMRT_TESTS_GRAPH_UTIL_HPP

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "common.hpp"

namespace gt {

/// tests/data/graph_reference.txt: "<name> <count> <values...>" per line.
inline const std::map<std::string, std::vector<double>> &graph_ref() {
    static std::map<std::string, std::vector<double>> m = [] {
        std::map<std::string, std::vector<double>> r;
        std::ifstream in(std::string(GEOMRT_TEST_DATA_DIR) + "/graph_reference.txt");
        REQUIRE(in.good());
        std::string line;
        while (std::getline(in, line)) {
            if (line.empty() || line[0] == '#') continue;
            std::istringstream s(line);
            std::string name;
            size_t count = 0;
            s >> name >> count;
            std::vector<double> v(count);
            for (auto &x : v) s >> x;
            r[name] = v;
        }
        return r;
    }();
    return m;
}
inline const std::vector<double> &ref(const std::string &name) {
    INFO("reference " << name);
    REQUIRE(graph_ref().count(name) == 1);
    return graph_ref().at(name);
}

/// A CSR matrix kept alive for the args that borrow it.
struct Csr {
    int64_t n = 0;
    std::vector<int64_t> ptr, idx;
    std::vector<double> val;
};
inline Csr to_csr(const std::vector<double> &A, int64_t n) {
    Csr c;
    c.n = n;
    c.ptr.push_back(0);
    for (int64_t i = 0; i < n; ++i) {
        for (int64_t j = 0; j < n; ++j)
            if (A[i * n + j] != 0) {
                c.idx.push_back(j);
                c.val.push_back(A[i * n + j]);
            }
        c.ptr.push_back(static_cast<int64_t>(c.idx.size()));
    }
    return c;
}
inline void set_csr(geomrt_args *a, const char *name, const Csr &c) {
    REQUIRE(geomrt_args_set_sparse(a, name, c.n, c.n, static_cast<int64_t>(c.idx.size()), c.ptr.data(), c.idx.data(),
                                   c.val.data()) == GEOMRT_OK);
}
inline void set_square(geomrt_args *a, const char *name, const std::vector<double> &m, int64_t n) {
    int64_t shape[2] = {n, n};
    REQUIRE(geomrt_args_set_f64(a, name, m.data(), 2, shape) == GEOMRT_OK);
}
inline void set_labels(geomrt_args *a, const char *name, const std::vector<int64_t> &v) {
    int64_t shape[1] = {static_cast<int64_t>(v.size())};
    REQUIRE(geomrt_args_set_tensor(a, name, GEOMRT_DTYPE_I64, v.data(), 1, shape, nullptr) == GEOMRT_OK);
}
inline std::vector<int64_t> labels(const geomrt_result *r, const char *name) {
    geomrt_tensor_view t;
    REQUIRE(geomrt_result_tensor(r, name, &t) == GEOMRT_OK);
    REQUIRE(t.dtype == GEOMRT_DTYPE_I64);
    const int64_t *p = static_cast<const int64_t *>(t.data);
    return std::vector<int64_t>(p, p + t.numel);
}
inline std::vector<int64_t> shape_of(const geomrt_result *r, const char *name) {
    geomrt_tensor_view t;
    REQUIRE(geomrt_result_tensor(r, name, &t) == GEOMRT_OK);
    return std::vector<int64_t>(t.shape, t.shape + t.ndim);
}

/// Largest |a - b| relative to the largest |b|.
inline double rel_err(const std::vector<double> &a, const std::vector<double> &b) {
    REQUIRE(a.size() == b.size());
    double num = 0, den = 0;
    for (size_t i = 0; i < a.size(); ++i) {
        num = std::max(num, std::fabs(a[i] - b[i]));
        den = std::max(den, std::fabs(b[i]));
    }
    return num / std::max(den, 1e-300);
}

/// D = (k 1^T + 1 k^T - K - K^T) / 2 (the reference formula).
inline std::vector<double> distance_of(const std::vector<double> &K, int64_t n) {
    std::vector<double> D(K.size());
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j)
            D[i * n + j] = 0.5 * (K[i * n + i] + K[j * n + j] - K[i * n + j] - K[j * n + i]);
    return D;
}

/// graph.kernel on a dense adjacency with string parameters; the result.
inline Result graph_kernel(geomrt_runtime *rt, const std::vector<double> &A, int64_t n,
                           const std::vector<std::pair<std::string, std::string>> &params, int threads = 0) {
    Args a = new_args();
    set_square(a.get(), "A", A, n);
    for (const auto &p : params) REQUIRE(geomrt_args_set_param_string(a.get(), p.first.c_str(), p.second.c_str()) == GEOMRT_OK);
    return invoke(rt, "graph.kernel", a.get(), threads);
}

/// graph.random_partition as a dense adjacency and labels.
inline std::vector<double> random_partition(geomrt_runtime *rt, int64_t n, int64_t classes, double p_in, double p_out,
                                            int64_t seed, std::vector<int64_t> *lab = nullptr) {
    Args a = new_args();
    REQUIRE(geomrt_args_set_param_i64(a.get(), "n", n) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_i64(a.get(), "classes", classes) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_f64(a.get(), "p_in", p_in) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_f64(a.get(), "p_out", p_out) == GEOMRT_OK);
    REQUIRE(geomrt_args_set_param_i64(a.get(), "seed", seed) == GEOMRT_OK);
    Result r = invoke(rt, "graph.random_partition", a.get());
    if (lab) *lab = labels(r.get(), "labels");
    return dense(r.get(), "A", n * n);
}

}  // namespace gt

#endif
