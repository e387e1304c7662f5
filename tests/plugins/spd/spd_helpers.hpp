// Helpers of the spd tests: batches of Eigen matrices in and out of the C API, random SPD
// matrices with a chosen spectrum, and the forward/backward calls of the batch-norm layer.
#ifndef GEOMRT_TESTS_SPD_HELPERS_HPP
#define GEOMRT_TESTS_SPD_HELPERS_HPP

#include <cmath>
#include <map>
#include <random>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "common.hpp"

namespace st {

using EMat = Eigen::MatrixXd;
using EVec = Eigen::VectorXd;
using Batch = std::vector<EMat>;
using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

/// Row-major copy of a batch (kept alive by gt::keep).
inline const std::vector<double> &flat(const Batch &b) {
    std::vector<double> v;
    for (const auto &m : b) {
        RowMat r = m;
        v.insert(v.end(), r.data(), r.data() + r.size());
    }
    return gt::keep(std::move(v));
}
inline void set_batch(geomrt_args *a, const char *name, const Batch &b) {
    const auto &v = flat(b);
    int64_t shape[3] = {static_cast<int64_t>(b.size()), b[0].rows(), b[0].cols()};
    REQUIRE(geomrt_args_set_f64(a, name, v.data(), 3, shape) == GEOMRT_OK);
}
inline void set_matrix(geomrt_args *a, const char *name, const EMat &m) {
    const auto &v = flat(Batch{m});
    int64_t shape[2] = {m.rows(), m.cols()};
    REQUIRE(geomrt_args_set_f64(a, name, v.data(), 2, shape) == GEOMRT_OK);
}
inline Batch get_batch(const geomrt_result *r, const char *name) {
    geomrt_tensor_view t;
    REQUIRE(geomrt_result_tensor(r, name, &t) == GEOMRT_OK);
    REQUIRE(t.ndim == 3);
    const double *p = static_cast<const double *>(t.data);
    Batch b;
    for (int64_t i = 0; i < t.shape[0]; ++i)
        b.push_back(Eigen::Map<const RowMat>(p + i * t.shape[1] * t.shape[2], t.shape[1], t.shape[2]));
    return b;
}
inline EMat get_matrix(const geomrt_result *r, const char *name) {
    geomrt_tensor_view t;
    REQUIRE(geomrt_result_tensor(r, name, &t) == GEOMRT_OK);
    REQUIRE(t.ndim == 2);
    return Eigen::Map<const RowMat>(static_cast<const double *>(t.data), t.shape[0], t.shape[1]);
}

inline EMat random_orthogonal(std::mt19937_64 &g, int64_t n) {
    std::normal_distribution<double> N01;
    EMat A(n, n);
    for (int64_t i = 0; i < A.size(); ++i) A.data()[i] = N01(g);
    Eigen::HouseholderQR<EMat> qr(A);
    return qr.householderQ() * EMat::Identity(n, n);
}
/// Q diag(l) Q^T with a random orthogonal Q.
inline EMat with_spectrum(std::mt19937_64 &g, const EVec &l) {
    const EMat Q = random_orthogonal(g, l.size());
    EMat A = Q * l.asDiagonal() * Q.transpose();
    return 0.5 * (A + A.transpose());
}
/// Random SPD with eigenvalues exp(U(-spread, spread)).
inline EMat random_spd(std::mt19937_64 &g, int64_t n, double spread = 1.0) {
    std::uniform_real_distribution<double> u(-spread, spread);
    EVec l(n);
    for (int64_t i = 0; i < n; ++i) l(i) = std::exp(u(g));
    return with_spectrum(g, l);
}
/// SPD with eigenvalues log-spaced from 1/sqrt(cond) to sqrt(cond).
inline EMat conditioned_spd(std::mt19937_64 &g, int64_t n, double cond) {
    EVec l(n);
    for (int64_t i = 0; i < n; ++i)
        l(i) = std::pow(cond, (n > 1 ? static_cast<double>(i) / (n - 1) : 0.0) - 0.5);
    return with_spectrum(g, l);
}
inline EMat random_sym(std::mt19937_64 &g, int64_t n) {
    std::normal_distribution<double> N01;
    EMat A(n, n);
    for (int64_t i = 0; i < A.size(); ++i) A.data()[i] = N01(g);
    return 0.5 * (A + A.transpose());
}
inline EMat sym_fn(const EMat &A, double (*f)(double)) {
    Eigen::SelfAdjointEigenSolver<EMat> es(A);
    return es.eigenvectors() * es.eigenvalues().unaryExpr(f).asDiagonal() * es.eigenvectors().transpose();
}
inline EMat sqrtm(const EMat &A) {
    return sym_fn(A, [](double x) { return std::sqrt(x); });
}
inline double max_abs(const EMat &A) { return A.cwiseAbs().maxCoeff(); }
inline double rel_err(const EMat &A, const EMat &B) { return (A - B).norm() / std::max(B.norm(), 1e-300); }

/// Inputs and parameters of one batch-norm call.
struct Layer {
    Batch X;
    EMat weight, M, running_mean;
    bool has_M = false, has_running = false;
    double running_var = 1.0;
    bool has_batch = false;  // backward: the forward pass's batch_mean and batch_var
    EMat batch_mean;
    double batch_var = 0;
    std::map<std::string, double> num;      // shift, theta, momentum, eps, tol
    std::map<std::string, std::string> str;  // mode, training, through_stats ("true"/"false")

    /// inplace: the forward pass updates the running statistics (geomrt_args_set_inplace); the
    /// backward pass only reads them (geomrt_args_set_tensor).
    void fill(geomrt_args *a, std::vector<double> *rm_store, double *rv_store, bool inplace = true) const {
        set_batch(a, "X", X);
        set_matrix(a, "weight", weight);
        if (has_M) set_matrix(a, "M", M);
        if (has_running) {
            RowMat r = running_mean;
            rm_store->assign(r.data(), r.data() + r.size());
            *rv_store = running_var;
            int64_t shape[2] = {running_mean.rows(), running_mean.cols()};
            auto set = inplace ? geomrt_args_set_inplace
                               : [](geomrt_args *h, const char *name, int dtype, void *data, int ndim, const int64_t *sh,
                                    const int64_t *st) { return geomrt_args_set_tensor(h, name, dtype, data, ndim, sh, st); };
            REQUIRE(set(a, "running_mean", GEOMRT_DTYPE_F64, rm_store->data(), 2, shape, nullptr) == GEOMRT_OK);
            REQUIRE(set(a, "running_var", GEOMRT_DTYPE_F64, rv_store, 0, nullptr, nullptr) == GEOMRT_OK);
        }
        if (has_batch) {
            set_matrix(a, "batch_mean", batch_mean);
            const auto &bv = gt::keep(std::vector<double>{batch_var});
            REQUIRE(geomrt_args_set_f64(a, "batch_var", bv.data(), 0, nullptr) == GEOMRT_OK);
        }
        for (const auto &kv : num) REQUIRE(geomrt_args_set_param_f64(a, kv.first.c_str(), kv.second) == GEOMRT_OK);
        for (const auto &kv : str)
            REQUIRE(geomrt_args_set_param_string(a, kv.first.c_str(), kv.second.c_str()) == GEOMRT_OK);
    }
};

struct Forward {
    Batch Y;
    EMat batch_mean, new_running_mean;
    double batch_var = 0, new_running_var = 0;
};
struct Backward {
    Batch gX;
    EMat gW, gM;
    double gs = 0;
};

inline Forward forward(geomrt_runtime *rt, const Layer &L, int threads = 0) {
    auto a = gt::new_args();
    std::vector<double> rm;
    double rv = 0;
    Layer l2 = L;
    l2.str.erase("through_stats");
    l2.has_batch = false;
    l2.fill(a.get(), &rm, &rv);
    auto r = gt::invoke(rt, "spd.batchnorm_forward", a.get(), threads);
    Forward f;
    f.Y = get_batch(r.get(), "Y");
    f.batch_mean = get_matrix(r.get(), "batch_mean");
    f.batch_var = gt::scalar(r.get(), "batch_var");
    if (L.has_running) {
        f.new_running_mean = Eigen::Map<const RowMat>(rm.data(), L.running_mean.rows(), L.running_mean.cols());
        f.new_running_var = rv;
    }
    return f;
}

inline Backward backward(geomrt_runtime *rt, const Layer &L, const Batch &gY, int threads = 0) {
    auto a = gt::new_args();
    std::vector<double> rm;
    double rv = 0;
    L.fill(a.get(), &rm, &rv, false);
    set_batch(a.get(), "grad_Y", gY);
    auto r = gt::invoke(rt, "spd.batchnorm_backward", a.get(), threads);
    Backward b;
    b.gX = get_batch(r.get(), "grad_X");
    b.gW = get_matrix(r.get(), "grad_weight");
    b.gM = get_matrix(r.get(), "grad_M");
    b.gs = gt::scalar(r.get(), "grad_shift");
    return b;
}

inline double inner(const Batch &A, const Batch &B) {
    double s = 0;
    for (size_t i = 0; i < A.size(); ++i) s += A[i].cwiseProduct(B[i]).sum();
    return s;
}

}  // namespace st

#endif
