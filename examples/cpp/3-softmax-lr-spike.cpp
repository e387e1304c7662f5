// Learning-rate spikes with and without the softmax step-size controller ("Ghosts of Softmax").
//
// An MLP 64-32-10 learns the 8x8 digits (examples/data/digits_*.npy) with SGD or Adam. From step
// `spike_at` on, the learning rate is multiplied by 10, 100, 1000 or 10000 and stays there. Three
// ways to train through it:
//   none  - take the step as proposed;
//   clip  - clip the gradient to norm 1 first (the common remedy);
//   ctrl  - the controller: the forward-mode JVP of the logits along the step direction (computed
//           here, on the training set), softmax.radius for the radius rho of the cross-entropy along
//           it, and softmax.safe_step for lr_eff = min(lr, rho / |p|).
// Every run records the normalized step r = lr |p| / rho it actually took (rho measured the same
// way for all three), and ends with the test accuracy and the training loss. The paper's claim:
// no failure while r < 1; the controller keeps r <= 1 whatever the spike.
//
//   3-softmax-lr-spike [seeds]      (default 5; GEOMRT_EXAMPLE_QUICK=1: 1 seed, 40 steps, spikes 1x and 1000x)
// Prints a markdown table; exits 1 if a controlled step went beyond the radius.
#include <Eigen/Dense>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <geomrt/geomrt.hpp>

#ifndef GEOMRT_EXAMPLES_DATA
#define GEOMRT_EXAMPLES_DATA "examples/data"
#endif

using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vec = Eigen::VectorXd;

// ---------------------------------------------------------------------------------------------
// A minimal .npy reader: little-endian float64 ('<f8') or int64 ('<i8'), C order.
struct Npy {
    std::vector<int64_t> shape;
    std::vector<char> bytes;
};

Npy read_npy(const std::string &path, const char *descr) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open " + path + " (run examples/data/export_digits.py)");
    char magic[8];
    f.read(magic, 8);
    if (std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error(path + ": not a .npy file");
    uint32_t hlen = 0;
    if (magic[6] == 1) {
        unsigned char b[2];
        f.read(reinterpret_cast<char *>(b), 2);
        hlen = b[0] | (b[1] << 8);
    } else {
        unsigned char b[4];
        f.read(reinterpret_cast<char *>(b), 4);
        hlen = b[0] | (b[1] << 8) | (b[2] << 16) | (static_cast<uint32_t>(b[3]) << 24);
    }
    std::string header(hlen, ' ');
    f.read(&header[0], hlen);
    if (header.find(descr) == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
        throw std::runtime_error(path + ": expected " + descr + " in C order, header " + header);
    Npy n;
    const size_t open = header.find('(', header.find("'shape'")), close = header.find(')', open);
    std::string dims = header.substr(open + 1, close - open - 1);
    int64_t count = 1;
    for (size_t pos = 0; pos < dims.size();) {
        const size_t comma = dims.find(',', pos);
        const std::string tok = dims.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        if (tok.find_first_of("0123456789") != std::string::npos) {
            n.shape.push_back(std::stoll(tok));
            count *= n.shape.back();
        }
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    n.bytes.resize(static_cast<size_t>(count) * 8);
    f.read(n.bytes.data(), static_cast<std::streamsize>(n.bytes.size()));
    if (!f) throw std::runtime_error(path + ": truncated");
    return n;
}

// ---------------------------------------------------------------------------------------------
// The data: x / 16 in [0, 1], a fixed permutation, the first 1400 for training.
struct Digits {
    Mat xtr, xte;
    std::vector<int> ytr, yte;
};

Digits load_digits() {
    const std::string dir = GEOMRT_EXAMPLES_DATA;
    const Npy x = read_npy(dir + "/digits_x.npy", "<f8"), y = read_npy(dir + "/digits_y.npy", "<i8"),
              p = read_npy(dir + "/digits_perm.npy", "<i8");
    const int64_t n = x.shape.at(0), d = x.shape.at(1), ntr = 1400;
    const double *xv = reinterpret_cast<const double *>(x.bytes.data());
    const int64_t *yv = reinterpret_cast<const int64_t *>(y.bytes.data());
    const int64_t *pv = reinterpret_cast<const int64_t *>(p.bytes.data());
    Digits D;
    D.xtr.resize(ntr, d);
    D.xte.resize(n - ntr, d);
    for (int64_t i = 0; i < n; ++i) {
        Mat &X = i < ntr ? D.xtr : D.xte;
        const int64_t row = i < ntr ? i : i - ntr;
        for (int64_t j = 0; j < d; ++j) X(row, j) = xv[pv[i] * d + j];
        (i < ntr ? D.ytr : D.yte).push_back(static_cast<int>(yv[pv[i]]));
    }
    return D;
}

// ---------------------------------------------------------------------------------------------
// MLP 64-32-10 with ReLU; all parameters in one flat vector theta = [W1 (32x64), b1, W2 (10x32), b2].
constexpr int kIn = 64, kHid = 32, kOut = 10;
// Offsets in theta: W1 at 0, then b1, W2, b2.
constexpr int kB1 = kHid * kIn, kW2 = kB1 + kHid, kB2 = kW2 + kOut * kHid, kParams = kB2 + kOut;
static_assert(kParams == 64 * 32 + 32 + 32 * 10 + 10, "parameter layout");

struct View {
    Eigen::Map<const Mat> W1, W2;
    Eigen::Map<const Vec> b1, b2;
    explicit View(const Vec &t)
        : W1(t.data(), kHid, kIn), W2(t.data() + kW2, kOut, kHid), b1(t.data() + kB1, kHid), b2(t.data() + kB2, kOut) {}
};

struct Forward {
    Mat pre1, h1, z;
};

Forward forward(const Vec &theta, const Mat &X) {
    const View P(theta);
    Forward f;
    f.pre1 = (X * P.W1.transpose()).rowwise() + P.b1.transpose();
    f.h1 = f.pre1.cwiseMax(0.0);
    f.z = (f.h1 * P.W2.transpose()).rowwise() + P.b2.transpose();
    return f;
}

/// Mean cross-entropy of logits z against labels; fills the softmax minus one-hot, / n, if asked.
double cross_entropy(const Mat &z, const std::vector<int> &y, const std::vector<int> &rows, Mat *dz = nullptr) {
    double loss = 0;
    if (dz) dz->resize(z.rows(), z.cols());
    for (int64_t i = 0; i < z.rows(); ++i) {
        const double m = z.row(i).maxCoeff();
        const double lse = m + std::log((z.row(i).array() - m).exp().sum());
        const int label = y[rows.empty() ? i : rows[i]];
        loss += lse - z(i, label);
        if (dz) {
            dz->row(i) = (z.row(i).array() - lse).exp() / static_cast<double>(z.rows());
            (*dz)(i, label) -= 1.0 / static_cast<double>(z.rows());
        }
    }
    return loss / static_cast<double>(z.rows());
}

/// Loss and gradient on the rows `idx` of X (backpropagation).
double loss_grad(const Vec &theta, const Mat &X, const std::vector<int> &y, const std::vector<int> &idx, Vec &g) {
    Mat Xb(idx.size(), kIn);
    for (size_t i = 0; i < idx.size(); ++i) Xb.row(i) = X.row(idx[i]);
    const Forward f = forward(theta, Xb);
    Mat dz;
    const double loss = cross_entropy(f.z, y, idx, &dz);
    const View P(theta);
    g.resize(kParams);
    Eigen::Map<Mat>(g.data() + kW2, kOut, kHid) = dz.transpose() * f.h1;
    Eigen::Map<Vec>(g.data() + kB2, kOut) = dz.colwise().sum().transpose();
    const Mat dpre1 = ((dz * P.W2).array() * (f.pre1.array() > 0).cast<double>()).matrix();
    Eigen::Map<Mat>(g.data(), kHid, kIn) = dpre1.transpose() * Xb;
    Eigen::Map<Vec>(g.data() + kB1, kHid) = dpre1.colwise().sum().transpose();
    return loss;
}

/// Forward-mode JVP: the derivative of the logits along the parameter direction v.
Mat jvp(const Vec &theta, const Vec &v, const Mat &X, const Forward &f) {
    const View P(theta), T(v);
    const Mat dpre1 = (X * T.W1.transpose()).rowwise() + T.b1.transpose();
    const Mat dh1 = (dpre1.array() * (f.pre1.array() > 0).cast<double>()).matrix();
    return ((dh1 * P.W2.transpose() + f.h1 * T.W2.transpose()).rowwise() + T.b2.transpose());
}

// ---------------------------------------------------------------------------------------------
enum class Opt { SGD, Adam };
enum class Method { None, Clip, Ctrl };
const char *opt_name(Opt o) { return o == Opt::SGD ? "SGD" : "Adam"; }
const char *method_name(Method m) { return m == Method::None ? "none" : m == Method::Clip ? "clip" : "ctrl"; }

struct RunResult {
    double test_acc = 0, train_loss = 0, max_r = 0;
    bool diverged = false;
};

struct Config {
    int steps = 200, spike_at = 50, batch = 64;
    double lr_sgd = 0.1, lr_adam = 1e-3, clip = 1.0;
};

RunResult train(const geomrt::Runtime &rt, const Digits &D, const Config &cfg, Opt opt, double spike, Method method,
                uint64_t seed) {
    std::mt19937_64 rng(seed);
    Vec theta(kParams);
    {  // PyTorch's default Linear initialization: U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
        std::uniform_real_distribution<double> u1(-1 / std::sqrt(double(kIn)), 1 / std::sqrt(double(kIn)));
        std::uniform_real_distribution<double> u2(-1 / std::sqrt(double(kHid)), 1 / std::sqrt(double(kHid)));
        for (int i = 0; i < kW2; ++i) theta[i] = u1(rng);
        for (int i = kW2; i < kParams; ++i) theta[i] = u2(rng);
    }
    Vec m = Vec::Zero(kParams), s = Vec::Zero(kParams), g, p;
    const double b1 = 0.9, b2 = 0.999, eps = 1e-8;
    const double base = opt == Opt::SGD ? cfg.lr_sgd : cfg.lr_adam;
    std::vector<int> order(D.xtr.rows());
    std::iota(order.begin(), order.end(), 0);
    size_t pos = order.size();
    RunResult res;
    for (int t = 0; t < cfg.steps; ++t) {
        if (pos + cfg.batch > order.size()) {
            std::shuffle(order.begin(), order.end(), rng);
            pos = 0;
        }
        const std::vector<int> idx(order.begin() + pos, order.begin() + pos + cfg.batch);
        pos += cfg.batch;
        const double loss = loss_grad(theta, D.xtr, D.ytr, idx, g);
        if (!std::isfinite(loss) || !g.allFinite()) {
            res.diverged = true;
            break;
        }
        if (method == Method::Clip && g.norm() > cfg.clip) g *= cfg.clip / g.norm();
        if (opt == Opt::SGD) {
            p = g;
        } else {
            m = b1 * m + (1 - b1) * g;
            s = b2 * s + (1 - b2) * g.cwiseAbs2();
            const double c1 = 1 - std::pow(b1, t + 1), c2 = 1 - std::pow(b2, t + 1);
            p = (m / c1).array() / ((s / c2).cwiseSqrt().array() + eps);
        }
        const double lr = base * (t >= cfg.spike_at ? spike : 1.0);
        const double pn = p.norm();
        if (!(pn > 0)) continue;
        // The radius along the step direction -p / |p|, over the training set.
        const Forward f = forward(theta, D.xtr);
        const Mat a = jvp(theta, -p / pn, D.xtr, f);
        double rho;
        try {
            rho = rt.invoke("softmax.radius", {{"logits", f.z}, {"jvp", a}}).scalar("rho_batch");
        } catch (const geomrt::Error &) {  // non-finite logits: the weights have blown up
            res.diverged = true;
            break;
        }
        double lr_used = lr;
        if (method == Method::Ctrl)
            lr_used = rt.invoke("softmax.safe_step", {}, {{"rho", rho}, {"lr", lr}, {"step_norm", pn}}).scalar("lr_eff");
        res.max_r = std::max(res.max_r, lr_used * pn / rho);
        theta -= lr_used * p;
    }
    if (!theta.allFinite()) res.diverged = true;
    if (res.diverged) {
        res.train_loss = std::numeric_limits<double>::infinity();
        res.test_acc = 0;  // a run whose weights are no longer numbers classifies nothing
        return res;
    }
    res.train_loss = cross_entropy(forward(theta, D.xtr).z, D.ytr, {});
    const Mat zt = forward(theta, D.xte).z;
    int correct = 0;
    for (int64_t i = 0; i < zt.rows(); ++i) {
        Eigen::Index k;
        zt.row(i).maxCoeff(&k);
        correct += static_cast<int>(k) == D.yte[i];
    }
    res.test_acc = static_cast<double>(correct) / static_cast<double>(zt.rows());
    return res;
}

int main(int argc, char **argv) try {
    const bool quick = std::getenv("GEOMRT_EXAMPLE_QUICK") && std::string(std::getenv("GEOMRT_EXAMPLE_QUICK")) == "1";
    int seeds = argc > 1 ? std::atoi(argv[1]) : 5;
    Config cfg;
    std::vector<double> spikes = {1.0, 10.0, 100.0, 1000.0, 10000.0};
    if (quick) {
        seeds = 1;
        cfg.steps = 40;
        cfg.spike_at = 15;
        spikes = {1.0, 1000.0};
    }
    geomrt::Runtime rt;
    const Digits D = load_digits();
    std::printf("digits: %ld train, %ld test; MLP 64-32-10; %d steps of batch %d; spike from step %d; SGD lr %g, "
                "Adam lr %g; clip norm %g; %d seed(s)\n\n",
                static_cast<long>(D.xtr.rows()), static_cast<long>(D.xte.rows()), cfg.steps, cfg.batch, cfg.spike_at,
                cfg.lr_sgd, cfg.lr_adam, cfg.clip, seeds);
    std::printf("| optimizer | spike | method | test accuracy mean (min-max) | final train loss mean (max) | "
                "largest r taken | diverged |\n|---|---|---|---|---|---|---|\n");
    bool ctrl_ok = true;
    for (Opt opt : {Opt::SGD, Opt::Adam})
        for (double spike : spikes)
            for (Method method : {Method::None, Method::Clip, Method::Ctrl}) {
                double acc = 0, amin = 1, amax = 0, loss = 0, lmax = 0, rmax = 0;
                int div = 0;
                for (int sd = 0; sd < seeds; ++sd) {
                    const RunResult r = train(rt, D, cfg, opt, spike, method, 1000 + sd);
                    acc += r.test_acc / seeds;
                    amin = std::min(amin, r.test_acc);
                    amax = std::max(amax, r.test_acc);
                    loss += r.train_loss / seeds;
                    lmax = std::max(lmax, r.train_loss);
                    rmax = std::max(rmax, r.max_r);
                    div += r.diverged;
                    if (method == Method::Ctrl && (r.max_r > 1 + 1e-9 || r.diverged)) ctrl_ok = false;
                }
                std::printf("| %s | %gx | %s | %.1f%% (%.1f-%.1f) | %.4g (%.4g) | %.4g | %d/%d |\n", opt_name(opt), spike,
                            method_name(method), 100 * acc, 100 * amin, 100 * amax, loss, lmax, rmax, div, seeds);
                std::fflush(stdout);
            }
    std::printf("\n%s\n", ctrl_ok ? "controller: every step within the radius (r <= 1), no run diverged"
                                  : "controller: a step beyond the radius or a diverged run");
    return ctrl_ok ? 0 : 1;
} catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
}
