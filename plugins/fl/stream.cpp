// Streaming passes over the client matrix W and the declarations every fl method shares.
#include "stream.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>

#include <omp.h>

#include "kernels.hpp"

namespace geomrt {
namespace fl {

namespace {

constexpr int64_t kNone = std::numeric_limits<int64_t>::max();

/// True when every entry is finite (exponent bits not all ones); vectorizes as integer code.
bool all_finite(const double *x, int64_t n) {
    uint64_t bad = 0;
    for (int64_t k = 0; k < n; ++k) {
        uint64_t u;
        std::memcpy(&u, x + k, 8);
        bad |= static_cast<uint64_t>((u & 0x7ff0000000000000ULL) == 0x7ff0000000000000ULL);
    }
    return bad == 0;
}
bool all_finite(const float *x, int64_t n) {
    uint32_t bad = 0;
    for (int64_t k = 0; k < n; ++k) {
        uint32_t u;
        std::memcpy(&u, x + k, 4);
        bad |= static_cast<uint32_t>((u & 0x7f800000U) == 0x7f800000U);
    }
    return bad == 0;
}

int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

/// Split nb blocks into a number of chunks that does not depend on the thread count, so
/// results are identical for any number of threads.
int64_t chunk_count(int64_t nb, int64_t bytes_per_chunk) {
    const int64_t cap = std::max<int64_t>(1, (int64_t(256) << 20) / std::max<int64_t>(1, bytes_per_chunk));
    return std::max<int64_t>(1, std::min<int64_t>({nb, 16, cap}));
}

void atomic_min(std::atomic<int64_t> &a, int64_t v) {
    int64_t cur = a.load();
    while (v < cur && !a.compare_exchange_weak(cur, v)) {
    }
}

}  // namespace

void View::row_f64(int64_t r, int64_t c0, int64_t n, double *out) const {
    if (dtype == GEOMRT_DTYPE_F64) {
        const double *p = static_cast<const double *>(data) + r * s0 + c0 * s1;
        if (s1 == 1) std::memcpy(out, p, static_cast<size_t>(n) * sizeof(double));
        else
            for (int64_t k = 0; k < n; ++k) out[k] = p[k * s1];
    } else {
        const float *p = static_cast<const float *>(data) + r * s0 + c0 * s1;
        if (s1 == 1)
            for (int64_t k = 0; k < n; ++k) out[k] = p[k];
        else
            for (int64_t k = 0; k < n; ++k) out[k] = p[k * s1];
    }
}

void View::row_f32(int64_t r, int64_t c0, int64_t n, float *out) const {
    const float *p = static_cast<const float *>(data) + r * s0 + c0 * s1;
    if (s1 == 1) std::memcpy(out, p, static_cast<size_t>(n) * sizeof(float));
    else
        for (int64_t k = 0; k < n; ++k) out[k] = p[k * s1];
}

View client_matrix(const Call &c) {
    Tensor t = c.in("W");
    View v;
    v.data = t.raw()->data;
    v.dtype = t.dtype();
    v.rows = t.dim(0);
    v.cols = t.dim(1);
    v.s0 = t.stride(0);
    v.s1 = t.stride(1);
    return v;
}

View optional_vector(const Call &c, const char *name) {
    View v;
    if (!c.has(name)) return v;
    Tensor t = c.in(name);
    v.data = t.raw()->data;
    v.dtype = t.dtype();
    v.rows = 1;
    v.cols = t.dim(0);
    v.s0 = 0;
    v.s1 = t.stride(0);
    return v;
}

std::vector<double> sample_counts(const Call &c, int64_t K) {
    std::vector<double> n(static_cast<size_t>(K), 1.0);
    if (c.has("n")) {
        const double *p = c.in("n").f64();
        n.assign(p, p + K);
        if (std::accumulate(n.begin(), n.end(), 0.0) <= 0)
            sdk::fail(GEOMRT_EINVAL, c.method() + ": input 'n' (sample counts) sums to zero; expected a positive total");
    }
    return n;
}

void fail_nonfinite(const Call &c, int64_t r) {
    sdk::fail(GEOMRT_EINVAL, c.method() + ": input 'W' row " + std::to_string(r) + " (client " + std::to_string(r) +
                                 ") holds NaN or Inf; expected finite client vectors");
}

PassResult stream_pass(const Call &c, const View &W, const PassSpec &spec) {
    const int64_t K = W.rows, d = W.cols, E = static_cast<int64_t>(spec.extra.size());
    const int64_t n = K + E, Kp = round_up(n, 4);
    const bool f32 = W.dtype == GEOMRT_DTYPE_F32;
    const Kernels &ker = kernels();
    const int64_t nb = (d + kBlock - 1) / kBlock;
    const int64_t per_chunk = Kp * Kp * 8 * ((spec.gram ? 1 : 0) + (spec.manhattan ? 1 : 0));
    const int64_t nch = chunk_count(nb, per_chunk);
    std::vector<std::vector<double>> G(nch), M(nch), L1(nch);
    std::atomic<int64_t> bad_row{kNone};
    std::atomic<int> stop{0};  // 1 cancelled, 2 out of memory
    const int threads = static_cast<int>(std::min<int64_t>(c.threads(), nch));

#pragma omp parallel num_threads(threads)
    {
        std::vector<double> s64, shift;
        std::vector<float> s32;
        try {
            s64.assign(static_cast<size_t>(Kp * kBlock), 0.0);
            shift.assign(static_cast<size_t>(kBlock), 0.0);
            if (f32 && spec.manhattan) s32.assign(static_cast<size_t>(Kp * kBlock), 0.0f);
        } catch (...) {
            stop = 2;
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t ch = 0; ch < nch; ++ch) {
            if (stop.load()) continue;
            try {
                std::vector<double> &g = G[ch], &m = M[ch], &l1 = L1[ch];
                if (spec.gram) g.assign(static_cast<size_t>(Kp * Kp), 0.0);
                if (spec.manhattan) m.assign(static_cast<size_t>(Kp * Kp), 0.0);
                if (spec.row_l1) l1.assign(static_cast<size_t>(K), 0.0);
                for (int64_t b = ch * nb / nch; b < (ch + 1) * nb / nch; ++b) {
                    if (stop.load() || c.cancelled()) {
                        if (!stop.load()) stop = 1;
                        break;
                    }
                    const int64_t c0 = b * kBlock, len = std::min(kBlock, d - c0), np = round_up(len, 8);
                    const bool shifted = spec.shift.present() || spec.shift_row0;
                    if (spec.shift.present()) spec.shift.row_f64(0, c0, len, shift.data());
                    else if (spec.shift_row0) W.row_f64(0, c0, len, shift.data());
                    for (int64_t r = 0; r < K; ++r) {
                        double *x = s64.data() + r * kBlock;
                        bool ok;
                        if (f32 && spec.manhattan) {
                            float *y = s32.data() + r * kBlock;
                            W.row_f32(r, c0, len, y);
                            ok = all_finite(y, len);
                            for (int64_t k = 0; k < len; ++k) x[k] = y[k];
                            for (int64_t k = len; k < np; ++k) y[k] = 0.0f;
                        } else {
                            W.row_f64(r, c0, len, x);
                            ok = all_finite(x, len);
                        }
                        if (!ok) atomic_min(bad_row, r);
                        if (shifted)
                            for (int64_t k = 0; k < len; ++k) x[k] -= shift[k];
                        for (int64_t k = len; k < np; ++k) x[k] = 0.0;
                        if (spec.row_l1) {
                            double s = 0;
                            for (int64_t k = 0; k < len; ++k) s += std::fabs(x[k]);
                            l1[r] += s;
                        }
                    }
                    for (int64_t e = 0; e < E; ++e) {
                        double *x = s64.data() + (K + e) * kBlock;
                        spec.extra[e].row_f64(0, c0, len, x);
                        for (int64_t k = len; k < np; ++k) x[k] = 0.0;
                    }
                    if (bad_row.load() != kNone) continue;
                    if (spec.gram) ker.gram(s64.data(), Kp, kBlock, np, g.data());
                    if (spec.manhattan) {
                        if (f32) ker.l1_f32(s32.data(), Kp, kBlock, np, m.data());
                        else ker.l1_f64(s64.data(), Kp, kBlock, np, m.data());
                    }
                }
            } catch (...) {
                stop = 2;
            }
        }
    }
    if (bad_row.load() != kNone) fail_nonfinite(c, bad_row.load());
    if (stop.load() == 1) sdk::fail(GEOMRT_ECANCELLED, c.method() + ": cancelled by the caller");
    if (stop.load() == 2) throw std::bad_alloc();

    PassResult res;
    res.n = n;
    auto reduce = [&](std::vector<std::vector<double>> &parts, std::vector<double> &out) {
        out.assign(static_cast<size_t>(n * n), 0.0);
        for (int64_t ch = 0; ch < nch; ++ch)
            for (int64_t i = 0; i < n; ++i)
                for (int64_t j = i; j < n; ++j) out[i * n + j] += parts[ch][i * Kp + j];
        for (int64_t i = 0; i < n; ++i)
            for (int64_t j = 0; j < i; ++j) out[i * n + j] = out[j * n + i];
    };
    if (spec.gram) reduce(G, res.G);
    if (spec.manhattan) {
        reduce(M, res.M);
        for (int64_t i = 0; i < n; ++i) res.M[i * n + i] = 0.0;
    }
    if (spec.row_l1) {
        res.row_l1.assign(static_cast<size_t>(K), 0.0);
        for (int64_t ch = 0; ch < nch; ++ch)
            for (int64_t r = 0; r < K; ++r) res.row_l1[r] += L1[ch][r];
    }
    return res;
}

void combine_rows(const Call &c, const View &W, const std::vector<double> &coef, const View &base, bool check_all,
                  const char *name) {
    const int64_t K = W.rows, d = W.cols;
    void *out = c.out(name, W.dtype, {d});
    std::vector<int64_t> rows;
    for (int64_t r = 0; r < K; ++r)
        if (check_all || coef[r] != 0.0) rows.push_back(r);
    const int64_t nb = (d + kBlock - 1) / kBlock;
    const int64_t nch = std::max<int64_t>(1, std::min<int64_t>(nb, 64));
    std::atomic<int64_t> bad_row{kNone};
    std::atomic<int> stop{0};
    const int threads = static_cast<int>(std::min<int64_t>(c.threads(), nch));
#pragma omp parallel num_threads(threads)
    {
        std::vector<double> acc, x, b;
        try {
            acc.resize(kBlock);
            x.resize(kBlock);
            b.assign(kBlock, 0.0);
        } catch (...) {
            stop = 2;
        }
#pragma omp for schedule(dynamic, 1)
        for (int64_t ch = 0; ch < nch; ++ch) {
            if (stop.load()) continue;
            for (int64_t blk = ch * nb / nch; blk < (ch + 1) * nb / nch; ++blk) {
                if (stop.load() || c.cancelled()) {
                    if (!stop.load()) stop = 1;
                    break;
                }
                const int64_t c0 = blk * kBlock, len = std::min(kBlock, d - c0);
                if (base.present()) base.row_f64(0, c0, len, b.data());
                std::copy(b.begin(), b.begin() + len, acc.begin());
                for (int64_t r : rows) {
                    W.row_f64(r, c0, len, x.data());
                    if (!all_finite(x.data(), len)) atomic_min(bad_row, r);
                    const double w = coef[r];
                    if (w == 0.0) continue;
                    for (int64_t k = 0; k < len; ++k) acc[k] += w * (x[k] - b[k]);
                }
                if (W.dtype == GEOMRT_DTYPE_F64) std::copy(acc.begin(), acc.begin() + len, static_cast<double *>(out) + c0);
                else
                    for (int64_t k = 0; k < len; ++k) static_cast<float *>(out)[c0 + k] = static_cast<float>(acc[k]);
            }
        }
    }
    if (bad_row.load() != kNone) fail_nonfinite(c, bad_row.load());
    if (stop.load() == 1) sdk::fail(GEOMRT_ECANCELLED, c.method() + ": cancelled by the caller");
    if (stop.load() == 2) throw std::bad_alloc();
}

void write_kept(const Call &c, const std::vector<int64_t> &kept) {
    int64_t *p = static_cast<int64_t *>(c.out("kept", GEOMRT_DTYPE_I64, {static_cast<int64_t>(kept.size())}));
    std::copy(kept.begin(), kept.end(), p);
}

void write_vec(const Call &c, const char *name, const std::vector<double> &v) {
    double *p = c.out_f64(name, {static_cast<int64_t>(v.size())});
    std::copy(v.begin(), v.end(), p);
}

std::vector<int64_t> lowest(const std::vector<double> &scores, int64_t count) {
    std::vector<int64_t> idx(scores.size());
    std::iota(idx.begin(), idx.end(), 0);
    std::stable_sort(idx.begin(), idx.end(), [&](int64_t a, int64_t b) { return scores[a] < scores[b]; });
    idx.resize(static_cast<size_t>(count));
    std::sort(idx.begin(), idx.end());
    return idx;
}

sdk::MethodBuilder &client_inputs(sdk::MethodBuilder &m) {
    return m
        .input("W", "client vectors, one row per client (K x d), float32 or float64, any strides (read without a copy); "
                    "a row with NaN or Inf is an error naming the client",
               GEOMRT_DTYPE_F32, 2, "K,d", GEOMRT_IO_ANY_FLOAT | GEOMRT_IO_STRIDED | GEOMRT_IO_ALLOW_NONFINITE)
        .input("n", "sample counts of the clients (K), nonnegative, weights of the mean; default all 1",
               GEOMRT_DTYPE_F64, 1, "K", GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE);
}

sdk::MethodBuilder &aggregate_output(sdk::MethodBuilder &m, const std::string &doc) {
    return m.output("aggregate", doc + " (d, in W's dtype, accumulated in float64)", GEOMRT_DTYPE_F32, 1, "d",
                    GEOMRT_IO_ANY_FLOAT);
}

}  // namespace fl
}  // namespace geomrt
