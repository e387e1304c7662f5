// The fast Walsh-Hadamard transform, in place, and the two-block structured rotation
// R = (1/n) H D2 H D1 built from it.
//
// H is the unnormalized Sylvester-Hadamard matrix of order n = 2^k (entries +-1, H H = n I).
// The transform is the O(n log n) butterfly; to keep it fast past the caches it works on
// blocks that fit in L1 first, then does the remaining stages three at a time (radix 8), so a
// 2^20 transform makes about 4 passes over memory instead of 20.
//
// Standard library only, so the tests can include it directly.
#ifndef GEOMRT_PLUGINS_OT_HADAMARD_HPP
#define GEOMRT_PLUGINS_OT_HADAMARD_HPP

#include <cstdint>
#include <vector>

namespace geomrt {
namespace ot {
namespace hadamard {

/// Smallest power of two >= v (v >= 1).
inline int64_t next_pow2(int64_t v) {
    int64_t n = 1;
    while (n < v) n <<= 1;
    return n;
}

inline bool is_pow2(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

namespace detail {

/// Stages h and 2h in one pass: groups x[i + j + k h], k < 4. n is a multiple of 4h.
inline void pass4(double *x, int64_t n, int64_t h) {
    for (int64_t i = 0; i < n; i += 4 * h) {
        double *__restrict p0 = x + i, *__restrict p1 = p0 + h, *__restrict p2 = p1 + h, *__restrict p3 = p2 + h;
        for (int64_t j = 0; j < h; ++j) {
            const double a0 = p0[j] + p1[j], a1 = p0[j] - p1[j], a2 = p2[j] + p3[j], a3 = p2[j] - p3[j];
            p0[j] = a0 + a2;
            p2[j] = a0 - a2;
            p1[j] = a1 + a3;
            p3[j] = a1 - a3;
        }
    }
}

/// Stages h, 2h and 4h in one pass: groups x[i + j + k h], k < 8. n is a multiple of 8h.
inline void pass8(double *x, int64_t n, int64_t h) {
    for (int64_t i = 0; i < n; i += 8 * h) {
        double *__restrict p0 = x + i, *__restrict p1 = p0 + h, *__restrict p2 = p1 + h, *__restrict p3 = p2 + h;
        double *__restrict p4 = p3 + h, *__restrict p5 = p4 + h, *__restrict p6 = p5 + h, *__restrict p7 = p6 + h;
        for (int64_t j = 0; j < h; ++j) {
            const double a0 = p0[j] + p1[j], a1 = p0[j] - p1[j], a2 = p2[j] + p3[j], a3 = p2[j] - p3[j];
            const double a4 = p4[j] + p5[j], a5 = p4[j] - p5[j], a6 = p6[j] + p7[j], a7 = p6[j] - p7[j];
            const double b0 = a0 + a2, b2 = a0 - a2, b1 = a1 + a3, b3 = a1 - a3;
            const double b4 = a4 + a6, b6 = a4 - a6, b5 = a5 + a7, b7 = a5 - a7;
            p0[j] = b0 + b4;
            p4[j] = b0 - b4;
            p1[j] = b1 + b5;
            p5[j] = b1 - b5;
            p2[j] = b2 + b6;
            p6[j] = b2 - b6;
            p3[j] = b3 + b7;
            p7[j] = b3 - b7;
        }
    }
}

/// Stage h alone: pairs x[i + j], x[i + j + h]. n is a multiple of 2h.
inline void pass2(double *x, int64_t n, int64_t h) {
    for (int64_t i = 0; i < n; i += 2 * h) {
        double *__restrict p0 = x + i, *__restrict p1 = p0 + h;
        for (int64_t j = 0; j < h; ++j) {
            const double a = p0[j], b = p1[j];
            p0[j] = a + b;
            p1[j] = a - b;
        }
    }
}

/// The first three stages (h = 1, 2, 4) on contiguous groups of 8.
inline void first8(double *x, int64_t n) {
    for (int64_t i = 0; i < n; i += 8) {
        double *v = x + i;
        const double a0 = v[0] + v[1], a1 = v[0] - v[1], a2 = v[2] + v[3], a3 = v[2] - v[3];
        const double a4 = v[4] + v[5], a5 = v[4] - v[5], a6 = v[6] + v[7], a7 = v[6] - v[7];
        const double b0 = a0 + a2, b2 = a0 - a2, b1 = a1 + a3, b3 = a1 - a3;
        const double b4 = a4 + a6, b6 = a4 - a6, b5 = a5 + a7, b7 = a5 - a7;
        v[0] = b0 + b4;
        v[4] = b0 - b4;
        v[1] = b1 + b5;
        v[5] = b1 - b5;
        v[2] = b2 + b6;
        v[6] = b2 - b6;
        v[3] = b3 + b7;
        v[7] = b3 - b7;
    }
}

/// Stages h, 2h, ... up to (but excluding) `stop`, three at a time where possible.
inline void stages(double *x, int64_t n, int64_t h, int64_t stop) {
    while (h < stop) {
        if (h * 8 <= stop) {
            pass8(x, n, h);
            h *= 8;
        } else if (h * 4 <= stop) {
            pass4(x, n, h);
            h *= 4;
        } else {
            pass2(x, n, h);
            h *= 2;
        }
    }
}

}  // namespace detail

/// In-place unnormalized Walsh-Hadamard transform of x (n = 2^k entries): x <- H x.
/// Applying it twice multiplies x by n.
inline void fwht(double *x, int64_t n) {
    if (n < 8) {
        detail::stages(x, n, 1, n);
        return;
    }
    constexpr int64_t kBlock = int64_t(1) << 11;  // 16 KiB of doubles: stays in L1
    const int64_t block = n < kBlock ? n : kBlock;
    for (int64_t i = 0; i < n; i += block) {
        detail::first8(x + i, block);
        detail::stages(x + i, block, 8, block);
    }
    detail::stages(x, n, block, n);
}

/// Random sign diagonals of one block of the structured rotation.
struct Block {
    std::vector<double> d1, d2;  // each n entries, +-1
};

/// y <- R x = (1/n) H D2 H D1 x for one block; x has d <= n entries (zero-padded to n), y has n
/// entries (y may not alias x).
inline void rotate(const Block &blk, const double *x, int64_t d, double *y) {
    const int64_t n = static_cast<int64_t>(blk.d1.size());
    for (int64_t k = 0; k < d; ++k) y[k] = blk.d1[k] * x[k];
    for (int64_t k = d; k < n; ++k) y[k] = 0.0;
    fwht(y, n);
    // (1/n) H D2 z = H ((1/n) D2 z): scaling by a power of two is exact, so fold it into D2.
    const double inv = 1.0 / static_cast<double>(n);
    for (int64_t k = 0; k < n; ++k) y[k] *= blk.d2[k] * inv;
    fwht(y, n);
}

}  // namespace hadamard
}  // namespace ot
}  // namespace geomrt

#endif
