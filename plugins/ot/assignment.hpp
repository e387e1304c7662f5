// assignment.hpp -- dense linear assignment problem (LAP) solver with duals.
//
// Solves   min_perm  sum_i C[i, perm[i]]   over permutations of {0..n-1}
// for a dense, row-major, finite n x n cost matrix, and returns dual
// potentials u (rows), v (columns) with
//     u_i + v_j <= C_ij            for all i, j   (up to floating rounding)
//     u_i + v_perm(i) == C_i,perm(i)              (by construction)
// so that sum(u) + sum(v) == sum_i C_i,perm(i) certifies optimality.
//
// Algorithm: Jonker & Volgenant, "A shortest augmenting path algorithm for
// dense and sparse linear assignment problems", Computing 38 (1987):
//   1. column reduction          v_j = min_i C_ij, greedy assignment of argmins;
//   2. reduction transfer        for rows that got exactly one column, move the
//                                slack to that column's price;
//   3. augmenting row reduction  two auction-like passes over the free rows
//                                (re-processing of displaced rows is capped);
//   4. augmentation              for each remaining free row, a Dijkstra
//                                shortest augmenting path over the reduced
//                                costs C_ij - u_i - v_j, then the usual price
//                                update of the scanned columns and the flip of
//                                the alternating path.
// Phase 4 keeps everything in dense column-indexed arrays so that one scan step
// (relax through the row of the scanned column + find the next minimum) is a
// single contiguous pass over the cost row; unassigned columns win ties at the
// minimum, which ends a search early (important for integer costs with many
// ties). The pass is vectorized with SSE2, or AVX2 chosen at run time on x86-64
// (GCC/Clang); GEOMRT_LSA_NO_AVX2 / GEOMRT_LSA_NO_SIMD select the SSE2 / scalar
// kernels. The kernels do the same arithmetic (no FMA, same operation order);
// only tie-breaking among equal reduced costs in phase 3 may differ, so builds
// may return different (equally optimal) permutations on ties.
//
// Everything is done in double. The dual invariant maintained throughout is:
// for each assigned row i, C_i,x(i) - v_x(i) <= C_ij - v_j for all j (so
// u_i := C_i,x(i) - v_x(i) is feasible). Phases 1-4 preserve it (phase 3
// only lowers prices, which never hurts the other assigned rows).
// Uses IEEE infinities as sentinels internally. The self-test also passes with
// -ffast-math, but then the detection of non-finite inputs is not reliable.
//
// Complexity O(n^3) worst case; typically far less after phases 1-3.
// Memory: O(n) besides the input.
#ifndef GEOMRT_PLUGINS_OT_ASSIGNMENT_HPP
#define GEOMRT_PLUGINS_OT_ASSIGNMENT_HPP

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <stdexcept>
#include <vector>

// Define GEOMRT_LSA_NO_SIMD to force the portable scalar kernels.
#if !defined(GEOMRT_LSA_NO_SIMD) && (defined(__SSE2__) || defined(_M_X64))
#include <emmintrin.h>
#define GEOMRT_LSA_SSE2 1
#endif
// AVX2 kernel compiled via a target attribute and chosen at run time (GCC / Clang on x86-64).
#if defined(GEOMRT_LSA_SSE2) && !defined(GEOMRT_LSA_NO_AVX2) && defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define GEOMRT_LSA_AVX2 1
#endif

namespace geomrt::ot {

namespace assignment_detail {

using idx = int32_t;  // column/row indices inside the solver (n < 2^31)

// Smallest and second smallest of a stream of (value, index) pairs. Ties on the value are broken by
// the order of insertion, so a value equal to the current minimum becomes the second smallest.
struct TwoSmallest {
    double a = std::numeric_limits<double>::infinity(), b = std::numeric_limits<double>::infinity();
    idx ja = -1, jb = -1;
    void push(double h, idx j) {
        if (h < b) {
            if (h >= a) {
                b = h;
                jb = j;
            } else {
                b = a;
                jb = ja;
                a = h;
                ja = j;
            }
        }
    }
};

inline void two_smallest_scalar(const double *row, const double *v, idx j0, idx n, TwoSmallest &t) {
    for (idx j = j0; j < n; ++j) t.push(row[j] - v[j], j);
}

#ifdef GEOMRT_LSA_AVX2
__attribute__((target("avx2"))) inline void two_smallest_avx2(const double *row, const double *v, idx n, TwoSmallest &t) {
    const double inf = std::numeric_limits<double>::infinity();
    __m256d a0 = _mm256_set1_pd(inf), a1 = a0, b0 = a0, b1 = a0;
    __m256d ia0 = _mm256_set1_pd(-1.0), ia1 = ia0, ib0 = ia0, ib1 = ia0;
    __m256d cur0 = _mm256_set_pd(3.0, 2.0, 1.0, 0.0), cur1 = _mm256_set_pd(7.0, 6.0, 5.0, 4.0);
    const __m256d step = _mm256_set1_pd(8.0);
    idx j = 0;
    for (; j + 8 <= n; j += 8) {
        const __m256d h0 = _mm256_sub_pd(_mm256_loadu_pd(row + j), _mm256_loadu_pd(v + j));
        const __m256d h1 = _mm256_sub_pd(_mm256_loadu_pd(row + j + 4), _mm256_loadu_pd(v + j + 4));
        const __m256d lt0 = _mm256_cmp_pd(h0, a0, _CMP_LT_OQ), lt1 = _mm256_cmp_pd(h1, a1, _CMP_LT_OQ);
        const __m256d ls0 = _mm256_cmp_pd(h0, b0, _CMP_LT_OQ), ls1 = _mm256_cmp_pd(h1, b1, _CMP_LT_OQ);
        b0 = _mm256_min_pd(b0, _mm256_max_pd(a0, h0));
        b1 = _mm256_min_pd(b1, _mm256_max_pd(a1, h1));
        ib0 = _mm256_blendv_pd(_mm256_blendv_pd(ib0, cur0, ls0), ia0, lt0);
        ib1 = _mm256_blendv_pd(_mm256_blendv_pd(ib1, cur1, ls1), ia1, lt1);
        ia0 = _mm256_blendv_pd(ia0, cur0, lt0);
        ia1 = _mm256_blendv_pd(ia1, cur1, lt1);
        a0 = _mm256_min_pd(h0, a0);
        a1 = _mm256_min_pd(h1, a1);
        cur0 = _mm256_add_pd(cur0, step);
        cur1 = _mm256_add_pd(cur1, step);
    }
    alignas(32) double va[8], vb[8], xa[8], xb[8];
    _mm256_store_pd(va, a0);
    _mm256_store_pd(va + 4, a1);
    _mm256_store_pd(vb, b0);
    _mm256_store_pd(vb + 4, b1);
    _mm256_store_pd(xa, ia0);
    _mm256_store_pd(xa + 4, ia1);
    _mm256_store_pd(xb, ib0);
    _mm256_store_pd(xb + 4, ib1);
    // merge the lane results in index order of their minima (any order gives valid ties)
    for (int l = 0; l < 8; ++l) {
        if (xa[l] >= 0) t.push(va[l], static_cast<idx>(xa[l]));
        if (xb[l] >= 0) t.push(vb[l], static_cast<idx>(xb[l]));
    }
    two_smallest_scalar(row, v, j, n, t);
}
#endif

// One Dijkstra scan step over all columns j in [0, n):
//     cand = row[j] - W[j] - h;  if (cand < D[j]) { D[j] = cand; P[j] = i; }
// then reports the first index of the smallest D[j] (jbest, best) and the smallest D[j] + F[j] (bestfree), where
// F[j] is 0 for unassigned columns and +inf for assigned ones. Scanned columns carry W[j] = -inf and D[j] = +inf,
// so they are never relaxed (cand = +inf) nor selected.
struct ScanResult {
    idx jbest;
    double best, bestfree;
};

inline ScanResult relax_scan_scalar(const double *row, const double *W, const double *F, double *D, idx *P, idx i,
                                    double h, idx n, idx j0 = 0, ScanResult r = {0, std::numeric_limits<double>::infinity(),
                                                                                 std::numeric_limits<double>::infinity()}) {
    for (idx j = j0; j < n; ++j) {
        const double cand = row[j] - W[j] - h;
        const double dj = D[j];
        const bool better = cand < dj;
        const double nd = better ? cand : dj;
        const idx m = -static_cast<idx>(better);
        P[j] = (P[j] & ~m) | (i & m);
        D[j] = nd;
        if (nd < r.best) {
            r.best = nd;
            r.jbest = j;
        }
        const double nf = nd + F[j];
        r.bestfree = nf < r.bestfree ? nf : r.bestfree;
    }
    return r;
}

// Merges per-lane (value, index) minima: smallest value, then smallest index.
inline void merge_lanes(const double *bv, const double *bi, int lanes, ScanResult &r) {
    for (int l = 0; l < lanes; ++l) {
        const idx jl = static_cast<idx>(bi[l]);
        if (bv[l] < r.best || (bv[l] == r.best && jl < r.jbest)) {
            r.best = bv[l];
            r.jbest = jl;
        }
    }
}

#ifdef GEOMRT_LSA_SSE2
inline ScanResult relax_scan_sse2(const double *row, const double *W, const double *F, double *D, idx *P, idx i,
                                  double h, idx n) {
    const double inf = std::numeric_limits<double>::infinity();
    const __m128d hv = _mm_set1_pd(h);
    const __m128i iv = _mm_set1_epi32(i);
    const __m128d step = _mm_set1_pd(4.0);
    __m128d best0 = _mm_set1_pd(inf), best1 = best0, bf0 = best0, bf1 = best0;
    __m128d bidx0 = _mm_setzero_pd(), bidx1 = bidx0;
    __m128d cur0 = _mm_set_pd(1.0, 0.0), cur1 = _mm_set_pd(3.0, 2.0);
    idx j = 0;
    for (; j + 4 <= n; j += 4) {
        const __m128d c0 = _mm_sub_pd(_mm_sub_pd(_mm_loadu_pd(row + j), _mm_loadu_pd(W + j)), hv);
        const __m128d c1 = _mm_sub_pd(_mm_sub_pd(_mm_loadu_pd(row + j + 2), _mm_loadu_pd(W + j + 2)), hv);
        __m128d d0 = _mm_loadu_pd(D + j), d1 = _mm_loadu_pd(D + j + 2);
        const __m128d m0 = _mm_cmplt_pd(c0, d0), m1 = _mm_cmplt_pd(c1, d1);
        d0 = _mm_min_pd(c0, d0);  // c0 where c0 < d0, else d0
        d1 = _mm_min_pd(c1, d1);
        _mm_storeu_pd(D + j, d0);
        _mm_storeu_pd(D + j + 2, d1);
        const __m128i pm =
            _mm_castps_si128(_mm_shuffle_ps(_mm_castpd_ps(m0), _mm_castpd_ps(m1), _MM_SHUFFLE(2, 0, 2, 0)));
        __m128i *pp = reinterpret_cast<__m128i *>(P + j);
        _mm_storeu_si128(pp, _mm_or_si128(_mm_andnot_si128(pm, _mm_loadu_si128(pp)), _mm_and_si128(pm, iv)));
        const __m128d b0 = _mm_cmplt_pd(d0, best0), b1 = _mm_cmplt_pd(d1, best1);
        best0 = _mm_min_pd(d0, best0);
        best1 = _mm_min_pd(d1, best1);
        bidx0 = _mm_or_pd(_mm_andnot_pd(b0, bidx0), _mm_and_pd(b0, cur0));
        bidx1 = _mm_or_pd(_mm_andnot_pd(b1, bidx1), _mm_and_pd(b1, cur1));
        bf0 = _mm_min_pd(bf0, _mm_add_pd(d0, _mm_loadu_pd(F + j)));
        bf1 = _mm_min_pd(bf1, _mm_add_pd(d1, _mm_loadu_pd(F + j + 2)));
        cur0 = _mm_add_pd(cur0, step);
        cur1 = _mm_add_pd(cur1, step);
    }
    alignas(16) double bv[4], bi[4], bf[4];
    _mm_store_pd(bv, best0);
    _mm_store_pd(bv + 2, best1);
    _mm_store_pd(bi, bidx0);
    _mm_store_pd(bi + 2, bidx1);
    _mm_store_pd(bf, _mm_min_pd(bf0, bf1));
    ScanResult r{0, inf, std::min(bf[0], bf[1])};
    merge_lanes(bv, bi, 4, r);
    return relax_scan_scalar(row, W, F, D, P, i, h, n, j, r);
}
#endif

#ifdef GEOMRT_LSA_AVX2
__attribute__((target("avx2"))) inline ScanResult relax_scan_avx2(const double *row, const double *W, const double *F,
                                                                  double *D, idx *P, idx i, double h, idx n) {
    const double inf = std::numeric_limits<double>::infinity();
    const __m256d hv = _mm256_set1_pd(h);
    const __m128i iv = _mm_set1_epi32(i);
    const __m256d step = _mm256_set1_pd(8.0);
    __m256d best0 = _mm256_set1_pd(inf), best1 = best0, bf0 = best0, bf1 = best0;
    __m256d bidx0 = _mm256_setzero_pd(), bidx1 = bidx0;
    __m256d cur0 = _mm256_set_pd(3.0, 2.0, 1.0, 0.0), cur1 = _mm256_set_pd(7.0, 6.0, 5.0, 4.0);
    idx j = 0;
    for (; j + 8 <= n; j += 8) {
        const __m256d c0 = _mm256_sub_pd(_mm256_sub_pd(_mm256_loadu_pd(row + j), _mm256_loadu_pd(W + j)), hv);
        const __m256d c1 = _mm256_sub_pd(_mm256_sub_pd(_mm256_loadu_pd(row + j + 4), _mm256_loadu_pd(W + j + 4)), hv);
        __m256d d0 = _mm256_loadu_pd(D + j), d1 = _mm256_loadu_pd(D + j + 4);
        const __m256d m0 = _mm256_cmp_pd(c0, d0, _CMP_LT_OQ), m1 = _mm256_cmp_pd(c1, d1, _CMP_LT_OQ);
        d0 = _mm256_min_pd(c0, d0);
        d1 = _mm256_min_pd(c1, d1);
        _mm256_storeu_pd(D + j, d0);
        _mm256_storeu_pd(D + j + 4, d1);
        const __m128 m0lo = _mm256_castps256_ps128(_mm256_castpd_ps(m0)), m0hi = _mm256_extractf128_ps(_mm256_castpd_ps(m0), 1);
        const __m128 m1lo = _mm256_castps256_ps128(_mm256_castpd_ps(m1)), m1hi = _mm256_extractf128_ps(_mm256_castpd_ps(m1), 1);
        const __m128i pm0 = _mm_castps_si128(_mm_shuffle_ps(m0lo, m0hi, _MM_SHUFFLE(2, 0, 2, 0)));
        const __m128i pm1 = _mm_castps_si128(_mm_shuffle_ps(m1lo, m1hi, _MM_SHUFFLE(2, 0, 2, 0)));
        __m128i *pp = reinterpret_cast<__m128i *>(P + j);
        _mm_storeu_si128(pp, _mm_blendv_epi8(_mm_loadu_si128(pp), iv, pm0));
        _mm_storeu_si128(pp + 1, _mm_blendv_epi8(_mm_loadu_si128(pp + 1), iv, pm1));
        const __m256d b0 = _mm256_cmp_pd(d0, best0, _CMP_LT_OQ), b1 = _mm256_cmp_pd(d1, best1, _CMP_LT_OQ);
        best0 = _mm256_min_pd(d0, best0);
        best1 = _mm256_min_pd(d1, best1);
        bidx0 = _mm256_blendv_pd(bidx0, cur0, b0);
        bidx1 = _mm256_blendv_pd(bidx1, cur1, b1);
        bf0 = _mm256_min_pd(bf0, _mm256_add_pd(d0, _mm256_loadu_pd(F + j)));
        bf1 = _mm256_min_pd(bf1, _mm256_add_pd(d1, _mm256_loadu_pd(F + j + 4)));
        cur0 = _mm256_add_pd(cur0, step);
        cur1 = _mm256_add_pd(cur1, step);
    }
    alignas(32) double bv[8], bi[8], bf[4];
    _mm256_store_pd(bv, best0);
    _mm256_store_pd(bv + 4, best1);
    _mm256_store_pd(bi, bidx0);
    _mm256_store_pd(bi + 4, bidx1);
    _mm256_store_pd(bf, _mm256_min_pd(bf0, bf1));
    ScanResult r{0, inf, std::min(std::min(bf[0], bf[1]), std::min(bf[2], bf[3]))};
    merge_lanes(bv, bi, 8, r);
    return relax_scan_scalar(row, W, F, D, P, i, h, n, j, r);
}
#endif

inline bool have_avx2() {
#ifdef GEOMRT_LSA_AVX2
    static const bool yes = __builtin_cpu_supports("avx2");
    return yes;
#else
    return false;
#endif
}

// Smallest and second smallest of row[j] - v[j], j in [0, n).
inline TwoSmallest two_smallest(bool avx2, const double *row, const double *v, idx n) {
    TwoSmallest t;
#ifdef GEOMRT_LSA_AVX2
    if (avx2) {
        two_smallest_avx2(row, v, n, t);
        return t;
    }
#endif
    (void)avx2;
    two_smallest_scalar(row, v, 0, n, t);
    return t;
}

inline ScanResult relax_scan(bool avx2, const double *row, const double *W, const double *F, double *D, idx *P, idx i,
                             double h, idx n) {
#ifdef GEOMRT_LSA_AVX2
    if (avx2) return relax_scan_avx2(row, W, F, D, P, i, h, n);
#endif
    (void)avx2;
#ifdef GEOMRT_LSA_SSE2
    return relax_scan_sse2(row, W, F, D, P, i, h, n);
#else
    return relax_scan_scalar(row, W, F, D, P, i, h, n);
#endif
}

}  // namespace assignment_detail

// C: dense row-major n x n costs, finite. Returns the assignment row->col in perm (size n) and dual potentials
// u (rows), v (cols) with u_i + v_j <= C_ij for all i,j (up to rounding ~1e-12*max|C|) and equality on the assignment.
// Returns false if cancelled: should_stop is called from the calling thread at the start, every 64 augmentations
// (shortest-path phase), every 1024 row steps of the augmenting row reduction, and in any case after at most ~2^26
// cost-entry visits since the previous call (so large n stays responsive); when it returns true, perm, u, v are
// cleared. n == 0 yields empty outputs and true. Throws std::invalid_argument for n < 0, a null C with n > 0, or
// non-finite costs where detected, and std::length_error for n >= 2^31.
inline bool solve_assignment(int64_t n, const double *C, std::vector<int64_t> &perm, std::vector<double> &u,
                             std::vector<double> &v, const std::function<bool()> &should_stop = {}) {
    using assignment_detail::idx;
    if (n < 0) throw std::invalid_argument("solve_assignment: negative size");
    if (n > 0 && C == nullptr) throw std::invalid_argument("solve_assignment: null cost matrix");
    if (n >= static_cast<int64_t>(std::numeric_limits<idx>::max()))
        throw std::length_error("solve_assignment: size too large");
    perm.clear();
    u.clear();
    v.clear();
    if (n == 0) return true;
    const idx N = static_cast<idx>(n);
    const auto rowp = [C, n](idx i) { return C + static_cast<int64_t>(i) * n; };
    // cancellation polling: explicit poll points plus a bound on the work (cost entries visited) between polls
    constexpr int64_t kPollWork = int64_t(1) << 26;
    int64_t work_since_poll = 0;
    const auto cancelled = [&should_stop, &work_since_poll]() {
        work_since_poll = 0;
        return should_stop && should_stop();
    };
    const auto did_work = [&](int64_t w) {  // returns true if cancelled
        work_since_poll += w;
        return work_since_poll >= kPollWork && cancelled();
    };
    const auto abort = [&]() {
        perm.clear();
        u.clear();
        v.clear();
        return false;
    };

    if (cancelled()) return abort();
    v.assign(N, 0.0);
    if (N == 1) {
        perm.assign(1, 0);
        v[0] = C[0];
        u.assign(1, 0.0);
        return true;
    }

    const bool avx2 = assignment_detail::have_avx2();
    std::vector<idx> x(N, -1);  // row -> column
    std::vector<idx> y(N, -1);  // column -> row
    std::vector<double> cx(N);  // cx[i] = C[i, x[i]] for assigned rows (saves a cache miss per Dijkstra scan)
    double *const V = v.data();

    // ---- 1. column reduction (row-major sweep for cache friendliness) ----
    {
        std::vector<idx> argmin(N, 0);
        std::copy(C, C + N, V);
        for (idx i = 1; i < N; ++i) {
            if (did_work(N)) return abort();
            const double *row = rowp(i);
            for (idx j = 0; j < N; ++j) {
                if (row[j] < V[j]) {
                    V[j] = row[j];
                    argmin[j] = i;
                }
            }
        }
        for (idx j = 0; j < N; ++j)
            if (!(std::fabs(V[j]) < std::numeric_limits<double>::infinity()))
                throw std::invalid_argument("solve_assignment: non-finite cost");
        std::vector<idx> matches(N, 0);
        for (idx j = N - 1; j >= 0; --j) {
            const idx i = argmin[j];
            if (matches[i]++ == 0) {
                x[i] = j;
                y[j] = i;
                cx[i] = V[j];
            } else if (V[j] < V[x[i]]) {
                // prefer the column with the smaller minimum for this row
                y[x[i]] = -1;
                x[i] = j;
                y[j] = i;
                cx[i] = V[j];
            }
        }

        // ---- 2. reduction transfer ----
        // A row assigned exactly once has reduced costs >= 0 with a 0 on its column; give the column
        // the row's second smallest reduced cost as slack (lowering the column's price).
        for (idx i = 0; i < N; ++i) {
            if (matches[i] != 1) continue;
            if (did_work(N)) return abort();
            const idx j1 = x[i];
            // reduced costs are exactly >= 0 here and 0 on j1: the minimum over j != j1 is the second smallest
            // if j1 is the (first) argmin, else another column also has 0
            const assignment_detail::TwoSmallest t = assignment_detail::two_smallest(avx2, rowp(i), V, N);
            V[j1] -= (t.ja == j1) ? t.b : t.a;
        }
    }

    std::vector<idx> freerows;
    freerows.reserve(N);
    for (idx i = 0; i < N; ++i)
        if (x[i] < 0) freerows.push_back(i);

    // ---- 3. augmenting row reduction (two passes) ----
    {
        int64_t steps = 0;
        for (int pass = 0; pass < 2 && !freerows.empty(); ++pass) {
            const idx prevfree = static_cast<idx>(freerows.size());
            idx k = 0, nfree = 0;
            // Cap on re-processing displaced rows within a pass: in floating point the price decrements can be
            // tiny and the pass could otherwise run for a very long time. Past the cap, displaced rows are simply
            // deferred to the next pass / the shortest path phase (always correct).
            const int64_t cap = steps + static_cast<int64_t>(N) + prevfree;
            while (k < prevfree) {
                if ((++steps & 1023) == 0 ? cancelled() : did_work(N)) return abort();
                const idx i = freerows[k++];
                const assignment_detail::TwoSmallest t = assignment_detail::two_smallest(avx2, rowp(i), V, N);
                if (t.jb < 0 || !(t.b < std::numeric_limits<double>::infinity()))
                    throw std::invalid_argument("solve_assignment: non-finite cost");
                const double umin = t.a, usub = t.b;
                idx j1 = t.ja;
                idx i0 = y[j1];
                const bool strict = umin < usub;
                if (strict) {
                    V[j1] -= usub - umin;  // row i now has reduced cost usub on j1: still its minimum
                } else if (i0 >= 0) {
                    j1 = t.jb;  // tie: take the other minimizing column
                    i0 = y[j1];
                }
                x[i] = j1;
                y[j1] = i;
                cx[i] = rowp(i)[j1];
                if (i0 >= 0) {
                    x[i0] = -1;
                    if (strict && steps < cap)
                        freerows[--k] = i0;  // process the displaced row right away
                    else
                        freerows[nfree++] = i0;
                }
            }
            freerows.resize(nfree);
        }
    }

    // ---- 4. shortest augmenting paths ----
    // Dijkstra from each remaining free row over the reduced costs, on dense column-indexed arrays: D (tentative
    // distances), W (prices of the unscanned columns, -inf for scanned ones), P (predecessor rows), F (0 for
    // unassigned columns, +inf for assigned ones). A scanned column gets D = +inf (its final distance is kept in the
    // scan list), so each scan step is one contiguous pass that relaxes through the row of the newly scanned column
    // and finds the next minimum. Among columns at the minimum distance an unassigned one is preferred, which ends
    // the search (this matters a lot with many ties, e.g. small integer costs).
    if (!freerows.empty()) {
        const double inf = std::numeric_limits<double>::infinity();
        std::vector<double> dist(N), wprice(N), sdist(N), fpen(N);
        std::vector<idx> pred(N), slist(N), freecols;
        double *const D = dist.data();
        double *const W = wprice.data();
        double *const SD = sdist.data();
        double *const F = fpen.data();
        idx *const P = pred.data();
        idx *const SL = slist.data();
        idx *const Y = y.data();
        freecols.reserve(freerows.size());
        for (idx j = 0; j < N; ++j) {
            F[j] = Y[j] < 0 ? 0.0 : inf;
            if (Y[j] < 0) freecols.push_back(j);
        }
        int64_t naug = 0;
        for (const idx f : freerows) {
            if ((++naug & 63) == 0 ? cancelled() : did_work(N)) return abort();
            // initial distances D = C[f, :] - V (a relaxation from +inf with u_f - mn = 0)
            std::copy(V, V + N, W);
            std::fill(D, D + N, inf);
            std::fill(P, P + N, f);
            assignment_detail::ScanResult r = assignment_detail::relax_scan(avx2, rowp(f), W, F, D, P, f, 0.0, N);
            idx ns = 0, endofpath;
            double mn = -inf;
            for (;;) {
                idx j1 = r.jbest;
                if (r.bestfree <= r.best) {  // an unassigned column is at the minimum distance: take it
                    for (const idx c : freecols) {
                        if (D[c] <= r.bestfree) {
                            j1 = c;
                            break;
                        }
                    }
                }
                // only reachable with non-finite costs (every column would have a finite distance otherwise)
                if (!(D[j1] < inf)) throw std::invalid_argument("solve_assignment: non-finite cost");
                // distances of successively scanned columns are nondecreasing; clamp away rounding noise
                mn = std::max(mn, D[j1]);
                SL[ns] = j1;
                SD[ns] = mn;
                ++ns;
                if (Y[j1] < 0) {
                    endofpath = j1;
                    break;
                }
                const idx i = Y[j1];
                const double *row = rowp(i);
                const double h = cx[i] - V[j1] - mn;  // u_i - mn
                W[j1] = -inf;
                D[j1] = inf;
                r = assignment_detail::relax_scan(avx2, row, W, F, D, P, i, h, N);
                if (did_work(N)) return abort();
            }
            // price update of the scanned columns (d_j <= mn there) keeps all reduced costs >= 0
            for (idx t = 0; t < ns; ++t) V[SL[t]] += SD[t] - mn;
            // the end column becomes assigned
            F[endofpath] = inf;
            *std::find(freecols.begin(), freecols.end(), endofpath) = freecols.back();
            freecols.pop_back();
            // augment along the alternating path
            idx j = endofpath;
            for (;;) {
                const idx i = P[j];
                Y[j] = i;
                const idx next = x[i];
                x[i] = j;
                cx[i] = rowp(i)[j];
                if (i == f) break;
                j = next;
            }
        }
    }

    perm.resize(N);
    u.resize(N);
    for (idx i = 0; i < N; ++i) {
        perm[i] = x[i];
        u[i] = cx[i] - V[x[i]];
    }
    return true;
}

}  // namespace geomrt::ot

#endif  // GEOMRT_PLUGINS_OT_ASSIGNMENT_HPP
