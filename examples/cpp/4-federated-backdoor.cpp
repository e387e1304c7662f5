// Federated training of softmax regression on the 8x8 digits (examples/data/digits_*.npy) over 30
// non-IID clients (Dirichlet 0.5 label shares), 6 of them backdoor attackers: a 2x2 pixel trigger
// in the bottom-right corner relabels any digit as 0. Two attacks: model replacement (the
// poisoned update boosted by K / attackers) and a norm-constrained one (the poisoned update
// projected onto the norm of the attacker's own clean update). Every aggregator of the fl plugin
// runs the same federation; the table gives main-task accuracy, backdoor success and, for the
// aggregators that drop clients, detection precision / recall, averaged over seeds.
// GEOMRT_EXAMPLE_QUICK=1: one seed, a few rounds (CI).
#include <Eigen/Core>

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

namespace {

constexpr int kClients = 30, kAttackers = 6, kClasses = 10, kPix = 64, kDim = kClasses * (kPix + 1);
constexpr int kTarget = 0;  // the backdoor's label

struct Npy {
    std::vector<int64_t> shape;
    std::vector<char> bytes;
};

// A minimal .npy reader: little-endian float64 ('<f8') or int64 ('<i8'), C order.
Npy read_npy(const std::string &path, const char *descr) {
    std::ifstream f(path, std::ios::binary);
    if (!f) throw std::runtime_error(path + ": cannot open (run examples/data/export_digits.py)");
    char magic[8];
    f.read(magic, 8);
    if (std::memcmp(magic, "\x93NUMPY", 6) != 0) throw std::runtime_error(path + ": not a .npy file");
    uint32_t hlen = 0;
    if (magic[6] == 1) {
        uint16_t h;
        f.read(reinterpret_cast<char *>(&h), 2);
        hlen = h;
    } else {
        f.read(reinterpret_cast<char *>(&hlen), 4);
    }
    std::string header(hlen, ' ');
    f.read(&header[0], hlen);
    if (header.find(descr) == std::string::npos || header.find("'fortran_order': False") == std::string::npos)
        throw std::runtime_error(path + ": expected " + descr + " in C order");
    Npy out;
    const auto lp = header.find('(', header.find("shape")), rp = header.find(')', lp);
    std::string dims = header.substr(lp + 1, rp - lp - 1);
    int64_t count = 1;
    for (size_t p = 0; p < dims.size();) {
        const size_t q = dims.find(',', p);
        const std::string tok = dims.substr(p, q == std::string::npos ? std::string::npos : q - p);
        if (tok.find_first_of("0123456789") != std::string::npos) {
            out.shape.push_back(std::stoll(tok));
            count *= out.shape.back();
        }
        if (q == std::string::npos) break;
        p = q + 1;
    }
    out.bytes.resize(static_cast<size_t>(count) * 8);
    f.read(out.bytes.data(), static_cast<std::streamsize>(out.bytes.size()));
    if (!f) throw std::runtime_error(path + ": truncated");
    return out;
}

using Mat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
using Vec = Eigen::VectorXd;

struct Data {
    Mat x;                   // n x 64
    std::vector<int> y;
};

Data subset(const Data &d, const std::vector<int> &idx) {
    Data s{Mat(static_cast<int>(idx.size()), kPix), {}};
    for (size_t k = 0; k < idx.size(); ++k) {
        s.x.row(static_cast<int>(k)) = d.x.row(idx[k]);
        s.y.push_back(d.y[idx[k]]);
    }
    return s;
}

void add_trigger(Eigen::Ref<Eigen::RowVectorXd> x) {
    for (int r : {6, 7})
        for (int c : {6, 7}) x(r * 8 + c) = 1.0;
}

// Model: logits = W x + b with W 10 x 64, b 10, packed row by row as [W_c, b_c] (d = 650).
Vec logits(const Vec &w, const Eigen::RowVectorXd &x) {
    Vec z(kClasses);
    for (int c = 0; c < kClasses; ++c) z(c) = w.segment(c * (kPix + 1), kPix).dot(x.transpose()) + w(c * (kPix + 1) + kPix);
    return z;
}

int predict(const Vec &w, const Eigen::RowVectorXd &x) {
    Vec z = logits(w, x);
    int best = 0;
    for (int c = 1; c < kClasses; ++c)
        if (z(c) > z(best)) best = c;
    return best;
}

// Local SGD on softmax cross-entropy: `epochs` passes, batch 16, step lr.
Vec train(Vec w, const Data &d, int epochs, double lr, std::mt19937_64 &g) {
    std::vector<int> order(d.y.size());
    std::iota(order.begin(), order.end(), 0);
    Vec grad(kDim);
    for (int e = 0; e < epochs; ++e) {
        std::shuffle(order.begin(), order.end(), g);
        for (size_t b0 = 0; b0 < order.size(); b0 += 16) {
            grad.setZero();
            const size_t b1 = std::min(order.size(), b0 + 16);
            for (size_t k = b0; k < b1; ++k) {
                const Eigen::RowVectorXd x = d.x.row(order[k]);
                Vec p = logits(w, x);
                p = (p.array() - p.maxCoeff()).exp();
                p /= p.sum();
                p(d.y[order[k]]) -= 1.0;
                for (int c = 0; c < kClasses; ++c) {
                    grad.segment(c * (kPix + 1), kPix) += p(c) * x.transpose();
                    grad(c * (kPix + 1) + kPix) += p(c);
                }
            }
            w -= lr / static_cast<double>(b1 - b0) * grad;
        }
    }
    return w;
}

double accuracy(const Vec &w, const Data &t) {
    int ok = 0;
    for (int i = 0; i < t.x.rows(); ++i) ok += predict(w, t.x.row(i)) == t.y[i];
    return static_cast<double>(ok) / t.x.rows();
}

double backdoor_success(const Vec &w, const Data &t) {
    int hit = 0, n = 0;
    for (int i = 0; i < t.x.rows(); ++i) {
        if (t.y[i] == kTarget) continue;
        Eigen::RowVectorXd x = t.x.row(i);
        add_trigger(x);
        hit += predict(w, x) == kTarget;
        ++n;
    }
    return static_cast<double>(hit) / n;
}

struct Aggregator {
    const char *label, *method;
    bool models;     // W holds local models (else updates)
    geomrt::Args params;
};

struct Stats {
    double acc = 0, bd = 0, prec = 0, rec = 0;
    int det_rounds = 0;
};

}  // namespace

int main() try {
    const bool quick = std::getenv("GEOMRT_EXAMPLE_QUICK") != nullptr;
    const int seeds = quick ? 1 : 5, rounds = quick ? 4 : 100, epochs = 2;
    const double lr = 0.2;
    const std::string dir = GEOMRT_EXAMPLES_DATA;
    const Npy xs = read_npy(dir + "/digits_x.npy", "<f8"), ys = read_npy(dir + "/digits_y.npy", "<i8"),
              ps = read_npy(dir + "/digits_perm.npy", "<i8");
    const int n = static_cast<int>(xs.shape[0]);
    Data all{Mat(n, kPix), std::vector<int>(n)};
    std::memcpy(all.x.data(), xs.bytes.data(), xs.bytes.size());
    const int64_t *yv = reinterpret_cast<const int64_t *>(ys.bytes.data());
    const int64_t *pv = reinterpret_cast<const int64_t *>(ps.bytes.data());
    for (int i = 0; i < n; ++i) all.y[i] = static_cast<int>(yv[i]);
    std::vector<int> train_idx(pv, pv + 1400), test_idx(pv + 1400, pv + n);
    const Data test = subset(all, test_idx);

    geomrt::Runtime rt;
    std::vector<Aggregator> aggs;
    aggs.push_back({"fedavg", "fl.fedavg", false, geomrt::Args()});
    aggs.push_back({"multi_metrics code, models", "fl.multi_metrics", true, geomrt::Args()});
    aggs.push_back({"multi_metrics code, updates", "fl.multi_metrics", true, geomrt::Args({}, {{"relative", true}})});
    aggs.push_back({"multi_metrics paper", "fl.multi_metrics", true, geomrt::Args({}, {{"variant", "paper"}})});
    aggs.push_back({"krum f=6", "fl.krum", false, geomrt::Args({}, {{"f", 6}})});
    aggs.push_back({"multi_krum f=6", "fl.multi_krum", false, geomrt::Args({}, {{"f", 6}})});
    aggs.push_back({"median", "fl.median", false, geomrt::Args()});
    aggs.push_back({"trimmed_mean 0.2", "fl.trimmed_mean", false, geomrt::Args({}, {{"beta", 0.2}})});
    aggs.push_back({"geometric_median", "fl.geometric_median", false, geomrt::Args()});
    aggs.push_back({"foolsgold", "fl.foolsgold", false, geomrt::Args()});
    aggs.push_back({"fltrust", "fl.fltrust", false, geomrt::Args()});
    const char *attacks[] = {"replacement", "norm-constrained"};

    std::printf("softmax regression on the 8x8 digits, %d clients (Dirichlet 0.5), %d attackers, %d rounds, %d seed(s)\n",
                kClients, kAttackers, rounds, seeds);
    std::printf("%-18s %-28s %9s %9s %9s %9s\n", "attack", "aggregator", "accuracy", "backdoor", "precision", "recall");
    for (int atk = 0; atk < 2; ++atk) {
        for (auto &agg : aggs) {
            Stats st;
            for (int seed = 0; seed < seeds; ++seed) {
                std::mt19937_64 g(1000 + seed);
                // Non-IID split: for each class, Dirichlet(0.5) shares over the clients.
                std::vector<std::vector<int>> parts(kClients);
                std::gamma_distribution<double> gam(0.5, 1.0);
                for (int c = 0; c < kClasses; ++c) {
                    std::vector<int> cls;
                    for (int i : train_idx)
                        if (all.y[i] == c) cls.push_back(i);
                    std::shuffle(cls.begin(), cls.end(), g);
                    std::vector<double> q(kClients);
                    double s = 0;
                    for (auto &v : q) s += (v = gam(g));
                    size_t start = 0;
                    double acc = 0;
                    for (int k = 0; k < kClients; ++k) {
                        acc += q[k] / s;
                        const size_t end = k == kClients - 1 ? cls.size() : static_cast<size_t>(std::lround(acc * cls.size()));
                        for (size_t t = start; t < end; ++t) parts[k].push_back(cls[t]);
                        start = std::max(start, end);
                    }
                }
                for (auto &p : parts)  // every client holds at least 4 samples
                    while (p.size() < 4) p.push_back(train_idx[std::uniform_int_distribution<int>(0, 1399)(g)]);
                std::vector<Data> local;
                for (auto &p : parts) local.push_back(subset(all, p));
                // Attackers are clients 0..5; their poisoned set adds triggered copies relabeled kTarget.
                std::vector<Data> poisoned(kAttackers);
                for (int a = 0; a < kAttackers; ++a) {
                    const Data &d = local[a];
                    Data p{Mat(2 * d.x.rows(), kPix), d.y};
                    p.x.topRows(d.x.rows()) = d.x;
                    for (int i = 0; i < d.x.rows(); ++i) {
                        p.x.row(d.x.rows() + i) = d.x.row(i);
                        add_trigger(p.x.row(d.x.rows() + i));
                        p.y.push_back(kTarget);
                    }
                    poisoned[a] = p;
                }
                // FLTrust's clean root set: 100 training samples the server holds.
                std::vector<int> root_idx(train_idx.begin(), train_idx.begin() + 100);
                const Data root = subset(all, root_idx);

                Vec w = Vec::Zero(kDim);
                Mat W(kClients, kDim), U(kClients, kDim);
                std::vector<double> nsamp(kClients);
                for (int r = 0; r < rounds; ++r) {
                    for (int k = 0; k < kClients; ++k) {
                        Vec loc;
                        if (k < kAttackers) {
                            Vec bad = train(w, poisoned[k], epochs, lr, g) - w;
                            if (atk == 0) {
                                bad *= static_cast<double>(kClients) / kAttackers;  // model replacement boost
                            } else {
                                const double bound = (train(w, local[k], epochs, lr, g) - w).norm();
                                if (bad.norm() > bound) bad *= bound / bad.norm();
                            }
                            loc = w + bad;
                        } else {
                            loc = train(w, local[k], epochs, lr, g);
                        }
                        W.row(k) = loc.transpose();
                        U.row(k) = (loc - w).transpose();
                        nsamp[k] = static_cast<double>(local[k].y.size());
                    }
                    geomrt::Args &args = agg.params;
                    args.set("W", agg.models ? geomrt::TensorRef(W) : geomrt::TensorRef(U));
                    args.set("n", geomrt::TensorRef(nsamp));
                    Vec server_update;
                    if (std::string(agg.method) == "fl.multi_metrics" && agg.models) args.set("w0", geomrt::TensorRef(w));
                    if (std::string(agg.method) == "fl.fltrust") {
                        server_update = train(w, root, epochs, lr, g) - w;
                        args.set("server_update", geomrt::TensorRef(server_update));
                    }
                    const geomrt::Result res = rt.invoke(agg.method, args);
                    const auto a = res.vector("aggregate");
                    if (agg.models) w = a;
                    else w += a;
                    // Detection: clients left out (kept) or given weight 0 (foolsgold, fltrust weights).
                    std::vector<bool> flagged(kClients, false);
                    bool detects = false;
                    if (res.has("kept")) {
                        detects = true;
                        std::fill(flagged.begin(), flagged.end(), true);
                        for (int64_t i : res.tensor("kept").to_vector<int64_t>()) flagged[i] = false;
                    } else if (std::string(agg.method) == "fl.foolsgold" || std::string(agg.method) == "fl.fltrust") {
                        detects = true;
                        const auto wt = res.vector("weights");
                        for (int k = 0; k < kClients; ++k) flagged[k] = wt(k) == 0.0;
                    }
                    if (detects) {
                        int tp = 0, fp = 0;
                        for (int k = 0; k < kClients; ++k) {
                            if (flagged[k] && k < kAttackers) ++tp;
                            if (flagged[k] && k >= kAttackers) ++fp;
                        }
                        st.prec += tp + fp > 0 ? static_cast<double>(tp) / (tp + fp) : 1.0;
                        st.rec += static_cast<double>(tp) / kAttackers;
                        ++st.det_rounds;
                    }
                }
                st.acc += accuracy(w, test) / seeds;
                st.bd += backdoor_success(w, test) / seeds;
            }
            char pr[16] = "        -", rc[16] = "        -";
            if (st.det_rounds) {
                std::snprintf(pr, sizeof pr, "%9.3f", st.prec / st.det_rounds);
                std::snprintf(rc, sizeof rc, "%9.3f", st.rec / st.det_rounds);
            }
            std::printf("%-18s %-28s %9.3f %9.3f %s %s\n", attacks[atk], agg.label, st.acc, st.bd, pr, rc);
            std::fflush(stdout);
        }
    }
    return 0;
} catch (const geomrt::Error &e) {
    std::fprintf(stderr, "geomrt error %s: %s\n", e.code_name(), e.what());
    return 1;
} catch (const std::exception &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
}
