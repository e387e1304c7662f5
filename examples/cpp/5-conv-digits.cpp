// A small CNN on the 8x8 digits (examples/data/digits_*.npy, 1400 train / 397 test) whose two
// convolution layers are conv.generalized2d_forward / _backward with the plain (dot), weighted-L2
// (wl2), weighted-L1 (wl1) or Gaussian (gauss) similarity (Ghiasi-Shirazi 2017), in float32.
//
//   conv(1 -> 16, 3x3, pad 1) -> N -> ReLU -> maxpool 2 -> conv(16 -> 32, 3x3, pad 1) -> N -> ReLU
//   -> maxpool 2 -> linear(128 -> 10) -> softmax cross-entropy; Adam, batch 32.
//
// N is one of: none (a bias initialized at 0), bias (a bias initialized from the first batch so
// that half of the units start positive), bn (batch normalization). Distance similarities are
// <= 0, so with N = none a following ReLU kills every unit and nothing trains; a data-initialized
// bias or batch normalization shifts them into the ReLU's active range. gauss, exp(-gamma d), is
// a monotone (decreasing) function of the distance with values in (0, 1]: it trains with none.
//
// Prints a table of test accuracy (mean and range over seeds). Usage: 5-conv-digits [seeds [epochs]]
// (default 5 and 20). GEOMRT_EXAMPLE_QUICK=1: one seed, two epochs, three configurations (seconds).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <geomrt/geomrt.hpp>

#ifndef GEOMRT_EXAMPLES_DATA
#define GEOMRT_EXAMPLES_DATA "examples/data"
#endif

using Vec = std::vector<float>;

// ---------------------------------------------------------------- .npy (little-endian, C order)
template <class T>
std::vector<T> load_npy(const std::string &path, const char *descr) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error("cannot open " + path);
    char magic[8];
    f.read(magic, 8);
    uint16_t hlen = 0;
    f.read(reinterpret_cast<char *>(&hlen), 2);
    std::string header(hlen, ' ');
    f.read(&header[0], hlen);
    if (header.find(descr) == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
        throw std::runtime_error(path + ": expected " + descr + " in C order");
    const size_t open = header.find('('), close = header.find(')');
    size_t n = 1;
    std::string dims = header.substr(open + 1, close - open - 1);
    for (size_t p = 0; p < dims.size();) {
        size_t q = dims.find(',', p);
        std::string d = dims.substr(p, q == std::string::npos ? std::string::npos : q - p);
        if (d.find_first_of("0123456789") != std::string::npos) n *= std::stoul(d);
        if (q == std::string::npos) break;
        p = q + 1;
    }
    std::vector<T> v(n);
    f.read(reinterpret_cast<char *>(v.data()), static_cast<std::streamsize>(n * sizeof(T)));
    return v;
}

// ---------------------------------------------------------------- Adam
struct Param {
    Vec v, g, m, s;
    bool nonneg = false;  // projected onto >= 0 after each step (the wl coefficients a)
    void init(size_t n) { v.assign(n, 0.f), g.assign(n, 0.f), m.assign(n, 0.f), s.assign(n, 0.f); }
    void step(float lr, int t) {
        const float b1 = 0.9f, b2 = 0.999f, c1 = 1 - std::pow(b1, t), c2 = 1 - std::pow(b2, t);
        for (size_t i = 0; i < v.size(); ++i) {
            m[i] = b1 * m[i] + (1 - b1) * g[i];
            s[i] = b2 * s[i] + (1 - b2) * g[i] * g[i];
            v[i] -= lr * (m[i] / c1) / (std::sqrt(s[i] / c2) + 1e-8f);
            if (nonneg && v[i] < 0) v[i] = 0;
            g[i] = 0;
        }
    }
};

// ---------------------------------------------------------------- generalized convolution layer
struct Conv {
    std::string sim;
    int cin, cout, k = 3;
    Param w, a, gamma, b;
    Vec x;  // input kept for backward
    int n = 0, h = 0;

    Conv(const std::string &s, int ci, int co, std::mt19937 &rng) : sim(s), cin(ci), cout(co) {
        const int K = ci * k * k;
        w.init(size_t(co) * K);
        b.init(co);
        if (sim == "dot") {
            std::normal_distribution<float> nd(0.f, std::sqrt(2.f / K));
            for (auto &e : w.v) e = nd(rng);
        } else {  // templates in the input's range
            std::uniform_real_distribution<float> u(0.f, 1.f);
            for (auto &e : w.v) e = u(rng);
        }
        if (sim == "wl2" || sim == "wl1") {
            a.init(w.v.size());
            std::fill(a.v.begin(), a.v.end(), 1.f / K);
            a.nonneg = true;
        }
        if (sim == "gauss") {
            gamma.init(co);
            std::fill(gamma.v.begin(), gamma.v.end(), 1.f / K);
            gamma.nonneg = true;
        }
    }
    geomrt::Args args(const Vec &in, int n_, int h_) const {
        geomrt::Args A;
        A.set("x", geomrt::TensorRef(in.data(), {n_, cin, h_, h_}))
            .set("weight", geomrt::TensorRef(w.v.data(), {cout, cin, k, k}))
            .set("bias", geomrt::TensorRef(b.v.data(), {cout}))
            .param("similarity", sim.c_str())
            .param("padding", 1);
        if (!a.v.empty()) A.set("a", geomrt::TensorRef(a.v.data(), {cout, cin, k, k}));
        if (!gamma.v.empty()) A.set("gamma", geomrt::TensorRef(gamma.v.data(), {cout}));
        return A;
    }
    Vec forward(const geomrt::Runtime &rt, const Vec &in, int n_, int h_) {
        x = in, n = n_, h = h_;
        geomrt::Result r = rt.invoke("conv.generalized2d_forward", args(x, n, h), geomrt::CallOptions().threads(1));
        return r.tensor("out").to_vector<float>();
    }
    Vec backward(const geomrt::Runtime &rt, const Vec &gy) {
        geomrt::Args A = args(x, n, h);
        A.set("grad_out", geomrt::TensorRef(gy.data(), {n, cout, h, h}));
        geomrt::Result r = rt.invoke("conv.generalized2d_backward", A, geomrt::CallOptions().threads(1));
        auto acc = [&](Param &p, const char *name) {
            if (p.v.empty()) return;
            const float *g = r.tensor(name).data<float>();
            for (size_t i = 0; i < p.g.size(); ++i) p.g[i] += g[i];
        };
        acc(w, "grad_weight"), acc(a, "grad_a"), acc(gamma, "grad_gamma"), acc(b, "grad_bias");
        return r.tensor("grad_x").to_vector<float>();
    }
    void step(float lr, int t) {
        w.step(lr, t), b.step(lr, t);
        if (!a.v.empty()) a.step(lr, t);
        if (!gamma.v.empty()) gamma.step(lr, t);
    }
};

// ---------------------------------------------------------------- batch normalization (per channel)
struct BatchNorm {
    int c;
    Param g, b;
    Vec mean_run, var_run, xhat, invstd;
    int n = 0, hw = 0;
    explicit BatchNorm(int ch) : c(ch) {
        g.init(ch), b.init(ch);
        std::fill(g.v.begin(), g.v.end(), 1.f);
        mean_run.assign(ch, 0.f), var_run.assign(ch, 1.f);
    }
    Vec forward(const Vec &x, int n_, int hw_, bool train) {
        n = n_, hw = hw_;
        Vec y(x.size());
        xhat.resize(x.size()), invstd.assign(c, 0.f);
        for (int ch = 0; ch < c; ++ch) {
            double mu = 0, var = 0;
            if (train) {
                for (int i = 0; i < n; ++i)
                    for (int j = 0; j < hw; ++j) mu += x[(size_t(i) * c + ch) * hw + j];
                mu /= double(n) * hw;
                for (int i = 0; i < n; ++i)
                    for (int j = 0; j < hw; ++j) {
                        const double d = x[(size_t(i) * c + ch) * hw + j] - mu;
                        var += d * d;
                    }
                var /= double(n) * hw;
                mean_run[ch] = 0.9f * mean_run[ch] + 0.1f * float(mu);
                var_run[ch] = 0.9f * var_run[ch] + 0.1f * float(var);
            } else {
                mu = mean_run[ch], var = var_run[ch];
            }
            const float is = float(1.0 / std::sqrt(var + 1e-5));
            invstd[ch] = is;
            for (int i = 0; i < n; ++i)
                for (int j = 0; j < hw; ++j) {
                    const size_t q = (size_t(i) * c + ch) * hw + j;
                    xhat[q] = float((x[q] - mu) * is);
                    y[q] = g.v[ch] * xhat[q] + b.v[ch];
                }
        }
        return y;
    }
    Vec backward(const Vec &gy) {
        Vec gx(gy.size());
        const float M = float(n) * hw;
        for (int ch = 0; ch < c; ++ch) {
            double s1 = 0, s2 = 0;
            for (int i = 0; i < n; ++i)
                for (int j = 0; j < hw; ++j) {
                    const size_t q = (size_t(i) * c + ch) * hw + j;
                    s1 += gy[q], s2 += gy[q] * xhat[q];
                }
            g.g[ch] += float(s2), b.g[ch] += float(s1);
            for (int i = 0; i < n; ++i)
                for (int j = 0; j < hw; ++j) {
                    const size_t q = (size_t(i) * c + ch) * hw + j;
                    gx[q] = g.v[ch] * invstd[ch] / M * (M * gy[q] - float(s1) - xhat[q] * float(s2));
                }
        }
        return gx;
    }
    void step(float lr, int t) { g.step(lr, t), b.step(lr, t); }
};

// ---------------------------------------------------------------- ReLU + 2x2 max pooling
struct ReluPool {
    std::vector<int> arg;  // input index of each pooled maximum (-1: the ReLU zero)
    size_t in_size = 0;
    Vec forward(const Vec &x, int n, int c, int h) {
        const int ho = h / 2;
        Vec y(size_t(n) * c * ho * ho);
        arg.assign(y.size(), -1), in_size = x.size();
        for (int p = 0; p < n * c; ++p)
            for (int i = 0; i < ho; ++i)
                for (int j = 0; j < ho; ++j) {
                    float best = 0;  // ReLU: max(0, max of the window)
                    int at = -1;
                    for (int u = 0; u < 2; ++u)
                        for (int v = 0; v < 2; ++v) {
                            const int q = (p * h + 2 * i + u) * h + 2 * j + v;
                            if (x[q] > best) best = x[q], at = q;
                        }
                    const size_t o = (size_t(p) * ho + i) * ho + j;
                    y[o] = best, arg[o] = at;
                }
        return y;
    }
    Vec backward(const Vec &gy) const {
        Vec gx(in_size, 0.f);
        for (size_t o = 0; o < gy.size(); ++o)
            if (arg[o] >= 0) gx[arg[o]] += gy[o];
        return gx;
    }
};

// ---------------------------------------------------------------- the network
struct Net {
    Conv c1, c2;
    BatchNorm n1, n2;
    ReluPool p1, p2;
    Param W, bW;  // 10 x 128
    std::string norm;
    Vec h2;       // linear input
    Net(const std::string &sim, const std::string &nm, std::mt19937 &rng)
        : c1(sim, 1, 16, rng), c2(sim, 16, 32, rng), n1(16), n2(32), norm(nm) {
        W.init(10 * 128), bW.init(10);
        std::normal_distribution<float> nd(0.f, std::sqrt(1.f / 128));
        for (auto &e : W.v) e = nd(rng);
    }
    /// Logits (n x 10).
    Vec forward(const geomrt::Runtime &rt, const Vec &x, int n, bool train) {
        Vec y = c1.forward(rt, x, n, 8);
        if (norm == "bn") y = n1.forward(y, n, 64, train);
        y = p1.forward(y, n, 16, 8);
        y = c2.forward(rt, y, n, 4);
        if (norm == "bn") y = n2.forward(y, n, 16, train);
        h2 = p2.forward(y, n, 32, 4);
        Vec z(size_t(n) * 10);
        for (int i = 0; i < n; ++i)
            for (int o = 0; o < 10; ++o) {
                float s = bW.v[o];
                for (int k = 0; k < 128; ++k) s += W.v[o * 128 + k] * h2[size_t(i) * 128 + k];
                z[size_t(i) * 10 + o] = s;
            }
        return z;
    }
    void backward(const geomrt::Runtime &rt, const Vec &gz, int n) {
        Vec gh(size_t(n) * 128, 0.f);
        for (int i = 0; i < n; ++i)
            for (int o = 0; o < 10; ++o) {
                const float g = gz[size_t(i) * 10 + o];
                bW.g[o] += g;
                for (int k = 0; k < 128; ++k) {
                    W.g[o * 128 + k] += g * h2[size_t(i) * 128 + k];
                    gh[size_t(i) * 128 + k] += g * W.v[o * 128 + k];
                }
            }
        Vec g = p2.backward(gh);
        if (norm == "bn") g = n2.backward(g);
        g = c2.backward(rt, g);
        g = p1.backward(g);
        if (norm == "bn") g = n1.backward(g);
        c1.backward(rt, g);
    }
    void step(float lr, int t) {
        c1.step(lr, t), c2.step(lr, t), W.step(lr, t), bW.step(lr, t);
        if (norm == "bn") n1.step(lr, t), n2.step(lr, t);
    }
    /// norm == "bias": biases set so that each template's response on `x` has median 0.
    void init_bias(const geomrt::Runtime &rt, const Vec &x, int n) {
        auto center = [](Conv &c, const Vec &y, int nn, int hw) {
            for (int o = 0; o < c.cout; ++o) {
                Vec v;
                for (int i = 0; i < nn; ++i)
                    for (int j = 0; j < hw; ++j) v.push_back(y[(size_t(i) * c.cout + o) * hw + j]);
                std::nth_element(v.begin(), v.begin() + v.size() / 2, v.end());
                c.b.v[o] = -v[v.size() / 2];
            }
        };
        center(c1, c1.forward(rt, x, n, 8), n, 64);
        Vec y = p1.forward(c1.forward(rt, x, n, 8), n, 16, 8);
        center(c2, c2.forward(rt, y, n, 4), n, 16);
    }
};

/// Mean softmax cross-entropy; writes d loss / d logits into g.
float softmax_xent(const Vec &z, const std::vector<int64_t> &y, int n, Vec &g) {
    g.assign(z.size(), 0.f);
    double loss = 0;
    for (int i = 0; i < n; ++i) {
        const float *zi = &z[size_t(i) * 10];
        const float m = *std::max_element(zi, zi + 10);
        double s = 0;
        for (int o = 0; o < 10; ++o) s += std::exp(double(zi[o] - m));
        for (int o = 0; o < 10; ++o) {
            const double p = std::exp(double(zi[o] - m)) / s;
            g[size_t(i) * 10 + o] = float((p - (o == y[i] ? 1.0 : 0.0)) / n);
        }
        loss -= double(zi[y[i]] - m) - std::log(s);
    }
    return float(loss / n);
}

int main(int argc, char **argv) {
    const bool quick = std::getenv("GEOMRT_EXAMPLE_QUICK") != nullptr;
    const std::string dir = GEOMRT_EXAMPLES_DATA;
    const auto X = load_npy<double>(dir + "/digits_x.npy", "<f8");
    const auto Y = load_npy<int64_t>(dir + "/digits_y.npy", "<i8");
    const auto P = load_npy<int64_t>(dir + "/digits_perm.npy", "<i8");
    const size_t ntrain = 1400, ntest = P.size() - ntrain;
    geomrt::Runtime rt;

    struct Cfg {
        const char *sim, *norm;
    };
    std::vector<Cfg> cfgs = {{"dot", "none"}, {"dot", "bn"},  {"wl2", "none"},  {"wl2", "bias"},
                             {"wl2", "bn"},   {"wl1", "none"}, {"wl1", "bias"}, {"wl1", "bn"},
                             {"gauss", "none"}};
    if (quick) cfgs = {{"dot", "bn"}, {"wl2", "bn"}, {"wl1", "bn"}};
    // Optional arguments: seeds and epochs (default 5 and 20).
    const int seeds = quick ? 1 : (argc > 1 ? std::atoi(argv[1]) : 5);
    const int epochs = quick ? 2 : (argc > 2 ? std::atoi(argv[2]) : 20), B = 32;
    const float lr = 3e-3f;

    std::printf("| similarity | after the conv | test accuracy, mean (min-max) over %d seed%s, %d epochs |\n",
                seeds, seeds > 1 ? "s" : "", epochs);
    std::printf("|---|---|---|\n");
    for (const auto &cfg : cfgs) {
        std::vector<double> accs;
        for (int seed = 0; seed < seeds; ++seed) {
            std::mt19937 rng(1000 + seed);
            Net net(cfg.sim, cfg.norm, rng);
            std::vector<int64_t> order(P.begin(), P.begin() + ntrain);
            Vec xb;
            std::vector<int64_t> yb;
            auto batch = [&](const int64_t *idx, int n) {
                xb.assign(size_t(n) * 64, 0.f), yb.assign(n, 0);
                for (int i = 0; i < n; ++i) {
                    for (int j = 0; j < 64; ++j) xb[size_t(i) * 64 + j] = float(X[size_t(idx[i]) * 64 + j]);
                    yb[i] = Y[idx[i]];
                }
            };
            if (std::string(cfg.norm) == "bias") {
                batch(order.data(), 256);
                net.init_bias(rt, xb, 256);
            }
            int t = 0;
            Vec g;
            for (int ep = 0; ep < epochs; ++ep) {
                std::shuffle(order.begin(), order.end(), rng);
                for (size_t s = 0; s + B <= ntrain; s += B) {
                    batch(order.data() + s, B);
                    Vec z = net.forward(rt, xb, B, true);
                    softmax_xent(z, yb, B, g);
                    net.backward(rt, g, B);
                    net.step(lr, ++t);
                }
            }
            size_t correct = 0;
            for (size_t s = 0; s < ntest; s += 100) {
                const int n = int(std::min<size_t>(100, ntest - s));
                batch(P.data() + ntrain + s, n);
                Vec z = net.forward(rt, xb, n, false);
                for (int i = 0; i < n; ++i) {
                    const float *zi = &z[size_t(i) * 10];
                    correct += (std::max_element(zi, zi + 10) - zi) == yb[i];
                }
            }
            accs.push_back(100.0 * double(correct) / double(ntest));
        }
        const double mean = std::accumulate(accs.begin(), accs.end(), 0.0) / double(accs.size());
        std::printf("| %s | %s | %.1f%% (%.1f-%.1f) |\n", cfg.sim, cfg.norm, mean,
                    *std::min_element(accs.begin(), accs.end()), *std::max_element(accs.begin(), accs.end()));
        std::fflush(stdout);
        if (quick && mean < 50.0) {
            std::fprintf(stderr, "%s + %s trained to only %.1f%% test accuracy\n", cfg.sim, cfg.norm, mean);
            return 1;
        }
    }
    return 0;
}
