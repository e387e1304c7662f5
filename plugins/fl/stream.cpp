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

constexpr int64_t kCombineBlock = 4096;  // columns per block when forming an aggregate

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

inline bool nonfinite(double v) {
    uint64_t u;
    std::memcpy(&u, &v, 8);
    return (u & 0x7ff0000000000000ULL) == 0x7ff0000000000000ULL;
}
inline bool nonfinite(float v) {
    uint32_t u;
    std::memcpy(&u, &v, 4);
    return (u & 0x7f800000U) == 0x7f800000U;
}

/// One fused loop per row: x = row - shift (f64), y = row (f32, when wanted); returns false on NaN/Inf.
template <class T, bool WantY, bool Shift>
bool load_row_t(const T *p, int64_t s1, int64_t len, double *x, float *y, const double *shift) {
    unsigned bad = 0;
    if (s1 == 1) {
        for (int64_t k = 0; k < len; ++k) {
            const T v = p[k];
            bad |= nonfinite(v);
            if (WantY) y[k] = static_cast<float>(v);
            x[k] = Shift ? static_cast<double>(v) - shift[k] : static_cast<double>(v);
        }
    } else {
        for (int64_t k = 0; k < len; ++k) {
            const T v = p[k * s1];
            bad |= nonfinite(v);
            if (WantY) y[k] = static_cast<float>(v);
            x[k] = Shift ? static_cast<double>(v) - shift[k] : static_cast<double>(v);
        }
    }
    return bad == 0;
}

bool load_row(const View &W, int64_t r, int64_t c0, int64_t len, double *x, float *y, const double *shift) {
    if (W.dtype == GEOMRT_DTYPE_F32) {
        const float *p = static_cast<const float *>(W.data) + r * W.s0 + c0 * W.s1;
        if (y) return shift ? load_row_t<float, true, true>(p, W.s1, len, x, y, shift)
                            : load_row_t<float, true, false>(p, W.s1, len, x, y, shift);
        return shift ? load_row_t<float, false, true>(p, W.s1, len, x, y, shift)
                     : load_row_t<float, false, false>(p, W.s1, len, x, y, shift);
    }
    const double *p = static_cast<const double *>(W.data) + r * W.s0 + c0 * W.s1;
    return shift ? load_row_t<double, false, true>(p, W.s1, len, x, y, shift)
                 : load_row_t<double, false, false>(p, W.s1, len, x, y, shift);
}

/// acc += w (row - b) over one block, checking the row for NaN/Inf; returns false if it has some.
template <class T>
bool accumulate_row_t(const T *p, int64_t s1, int64_t len, double w, const double *b, double *acc) {
    unsigned bad = 0;
    if (s1 == 1) {
        for (int64_t k = 0; k < len; ++k) {
            bad |= nonfinite(p[k]);
            acc[k] += w * (static_cast<double>(p[k]) - b[k]);
        }
    } else {
        for (int64_t k = 0; k < len; ++k) {
            bad |= nonfinite(p[k * s1]);
            acc[k] += w * (static_cast<double>(p[k * s1]) - b[k]);
        }
    }
    return bad == 0;
}

bool accumulate_row(const View &W, int64_t r, int64_t c0, int64_t len, double w, const double *b, double *acc) {
    if (W.dtype == GEOMRT_DTYPE_F32)
        return accumulate_row_t(static_cast<const float *>(W.data) + r * W.s0 + c0 * W.s1, W.s1, len, w, b, acc);
    return accumulate_row_t(static_cast<const double *>(W.data) + r * W.s0 + c0 * W.s1, W.s1, len, w, b, acc);
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
    // Columns per block: the f32 block and its f64 copy (12 bytes per entry) fill about 384 KiB of L2;
    // the kernels run on sub-blocks of kBlock columns, so f32 lane sums stay short.
    const int64_t B = std::max<int64_t>(kBlock, std::min<int64_t>(16 * kBlock, (384 << 10) / (12 * Kp) / kBlock * kBlock));
    const int64_t nb = (d + B - 1) / B;
    const int64_t per_chunk = Kp * Kp * 8 * ((spec.gram ? 1 : 0) + (spec.manhattan ? 1 : 0));
    const int64_t nch = chunk_count(nb, per_chunk);
    std::vector<std::vector<double>> G(nch), M(nch), L1(nch);
    std::atomic<int64_t> bad_row{kNone};
    std::atomic<int> stop{0};  // 1 cancelled, 2 out of memory
    // A thread per 2^23 pair-entries of work (about 1 ms on one core): small calls stay on one thread.
    const double work = static_cast<double>(n) * static_cast<double>(n + 1) / 2 * static_cast<double>(d);
    const int threads = static_cast<int>(std::min<int64_t>({c.threads(), nch, 1 + static_cast<int64_t>(work / (1 << 23))}));

#pragma omp parallel num_threads(threads)
    {
        std::vector<double> s64, shift;
        std::vector<float> s32;
        try {
            s64.assign(static_cast<size_t>(Kp * B), 0.0);
            shift.assign(static_cast<size_t>(B), 0.0);
            if (f32 && spec.manhattan) s32.assign(static_cast<size_t>(Kp * B), 0.0f);
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
                    const int64_t c0 = b * B, len = std::min(B, d - c0), np = round_up(len, 8);
                    const bool shifted = spec.shift.present() || spec.shift_row0;
                    if (spec.shift.present()) spec.shift.row_f64(0, c0, len, shift.data());
                    else if (spec.shift_row0) W.row_f64(0, c0, len, shift.data());
                    for (int64_t r = 0; r < K; ++r) {
                        double *x = s64.data() + r * B;
                        float *y = (f32 && spec.manhattan) ? s32.data() + r * B : nullptr;
                        if (!load_row(W, r, c0, len, x, y, shifted ? shift.data() : nullptr)) atomic_min(bad_row, r);
                        for (int64_t k = len; k < np; ++k) x[k] = 0.0;
                        if (y)
                            for (int64_t k = len; k < np; ++k) y[k] = 0.0f;
                        if (spec.row_l1) {
                            double s = 0;
                            for (int64_t k = 0; k < len; ++k) s += std::fabs(x[k]);
                            l1[r] += s;
                        }
                    }
                    for (int64_t e = 0; e < E; ++e) {
                        double *x = s64.data() + (K + e) * B;
                        spec.extra[e].row_f64(0, c0, len, x);
                        for (int64_t k = len; k < np; ++k) x[k] = 0.0;
                    }
                    if (bad_row.load() != kNone) continue;
                    for (int64_t k0 = 0; k0 < np; k0 += kBlock) {
                        const int64_t nn = std::min(kBlock, np - k0);
                        if (spec.gram) ker.gram(s64.data() + k0, Kp, B, nn, g.data());
                        if (spec.manhattan) {
                            if (f32) ker.l1_f32(s32.data() + k0, Kp, B, nn, m.data());
                            else ker.l1_f64(s64.data() + k0, Kp, B, nn, m.data());
                        }
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
    const int64_t nb = (d + kCombineBlock - 1) / kCombineBlock;
    const int64_t nch = std::max<int64_t>(1, std::min<int64_t>(nb, 64));
    std::atomic<int64_t> bad_row{kNone};
    std::atomic<int> stop{0};
    // A thread per 2^20 entries read (about 0.3 ms on one core).
    const int threads = static_cast<int>(
        std::min<int64_t>({c.threads(), nch, 1 + static_cast<int64_t>(rows.size()) * d / (int64_t(1) << 20)}));
#pragma omp parallel num_threads(threads)
    {
        std::vector<double> acc, b;
        try {
            acc.resize(kCombineBlock);
            b.assign(kCombineBlock, 0.0);
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
                const int64_t c0 = blk * kCombineBlock, len = std::min(kCombineBlock, d - c0);
                if (base.present()) base.row_f64(0, c0, len, b.data());
                std::copy(b.begin(), b.begin() + len, acc.begin());
                for (int64_t r : rows)
                    if (!accumulate_row(W, r, c0, len, coef[r], b.data(), acc.data())) atomic_min(bad_row, r);
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
               GEOMRT_DTYPE_F64, 2, "K,d", GEOMRT_IO_ANY_FLOAT | GEOMRT_IO_STRIDED | GEOMRT_IO_ALLOW_NONFINITE)
        .input("n", "sample counts of the clients (K), nonnegative, weights of the mean; default all 1",
               GEOMRT_DTYPE_F64, 1, "K", GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE);
}

sdk::MethodBuilder &aggregate_output(sdk::MethodBuilder &m, const std::string &doc) {
    return m.output("aggregate", doc + " (d, in W's dtype, accumulated in float64)", GEOMRT_DTYPE_F64, 1, "d",
                    GEOMRT_IO_ANY_FLOAT);
}

}  // namespace fl
}  // namespace geomrt
