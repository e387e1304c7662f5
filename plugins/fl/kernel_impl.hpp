// Block kernels of the fl plugin, compiled once per instruction set (kernels_<isa>.cpp
// defines GEOMRT_FL_ISA, GEOMRT_FL_TILE_I and includes this file): the pairwise Gram
// matrix (dot products, f64) and the pairwise Manhattan distances (f32 or f64 data) of the
// rows of one column block. Rows are padded to a multiple of 4 and columns to a multiple
// of 8 with zeros, so the tiles need no edge cases; padded entries contribute nothing.
//
// Accuracy: Gram entries accumulate products of f64 values (exact products of f32 inputs)
// in f64. Manhattan entries of f32 data accumulate |a - b| in f32 lanes over one block
// (at most kBlock / 8 = 64 terms per lane), and each block's tile sums are added in f64,
// so the relative error stays near 64 f32 roundings whatever d is.
#include <cstdint>
#include <cstring>

#include "kernels.hpp"

namespace geomrt {
namespace fl {
namespace GEOMRT_FL_ISA {

namespace {

typedef double v4d __attribute__((vector_size(32)));
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));
typedef int64_t v4l __attribute__((vector_size(32)));

template <class V, class S>
inline V load(const S *p) {
    V v;
    std::memcpy(&v, p, sizeof v);
    return v;
}

/// acc[i][j] += sum_k a_i[k] b_j[k] for TI rows a (from `a`) and 4 rows b (from `b`).
template <int TI>
inline void gram_tile(const double *a, const double *b, int64_t ld, int64_t n, double *out, int64_t ldo) {
    v4d acc[TI][4];
    for (int i = 0; i < TI; ++i)
        for (int j = 0; j < 4; ++j) acc[i][j] = v4d{0, 0, 0, 0};
    for (int64_t k = 0; k < n; k += 4) {
        v4d bv[4];
        for (int j = 0; j < 4; ++j) bv[j] = load<v4d>(b + j * ld + k);
        for (int i = 0; i < TI; ++i) {
            const v4d av = load<v4d>(a + i * ld + k);
            for (int j = 0; j < 4; ++j) acc[i][j] += av * bv[j];
        }
    }
    for (int i = 0; i < TI; ++i)
        for (int j = 0; j < 4; ++j)
            out[i * ldo + j] += (acc[i][j][0] + acc[i][j][1]) + (acc[i][j][2] + acc[i][j][3]);
}

template <int TI>
inline void l1_tile_f32(const float *a, const float *b, int64_t ld, int64_t n, double *out, int64_t ldo) {
    const v8i mask = {0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff,
                      0x7fffffff, 0x7fffffff, 0x7fffffff, 0x7fffffff};
    v8f acc[TI][4];
    for (int i = 0; i < TI; ++i)
        for (int j = 0; j < 4; ++j) acc[i][j] = v8f{0, 0, 0, 0, 0, 0, 0, 0};
    for (int64_t k = 0; k < n; k += 8) {
        v8f bv[4];
        for (int j = 0; j < 4; ++j) bv[j] = load<v8f>(b + j * ld + k);
        for (int i = 0; i < TI; ++i) {
            const v8f av = load<v8f>(a + i * ld + k);
            for (int j = 0; j < 4; ++j) acc[i][j] += (v8f)((v8i)(av - bv[j]) & mask);
        }
    }
    for (int i = 0; i < TI; ++i)
        for (int j = 0; j < 4; ++j) {
            double s = 0;
            for (int l = 0; l < 8; ++l) s += acc[i][j][l];
            out[i * ldo + j] += s;
        }
}

template <int TI>
inline void l1_tile_f64(const double *a, const double *b, int64_t ld, int64_t n, double *out, int64_t ldo) {
    const v4l mask = {0x7fffffffffffffffLL, 0x7fffffffffffffffLL, 0x7fffffffffffffffLL, 0x7fffffffffffffffLL};
    v4d acc[TI][4];
    for (int i = 0; i < TI; ++i)
        for (int j = 0; j < 4; ++j) acc[i][j] = v4d{0, 0, 0, 0};
    for (int64_t k = 0; k < n; k += 4) {
        v4d bv[4];
        for (int j = 0; j < 4; ++j) bv[j] = load<v4d>(b + j * ld + k);
        for (int i = 0; i < TI; ++i) {
            const v4d av = load<v4d>(a + i * ld + k);
            for (int j = 0; j < 4; ++j) acc[i][j] += (v4d)((v4l)(av - bv[j]) & mask);
        }
    }
    for (int i = 0; i < TI; ++i)
        for (int j = 0; j < 4; ++j)
            out[i * ldo + j] += (acc[i][j][0] + acc[i][j][1]) + (acc[i][j][2] + acc[i][j][3]);
}

/// Upper block triangle: for every 4-column tile j0 and every TI-row tile i0 < j0 + 4.
template <class T, class F>
inline void upper_tiles(const T *x, int64_t rows, int64_t ld, int64_t n, double *acc, F tile) {
    for (int64_t j0 = 0; j0 < rows; j0 += 4)
        for (int64_t i0 = 0; i0 < j0 + 4; i0 += GEOMRT_FL_TILE_I)
            tile(x + i0 * ld, x + j0 * ld, ld, n, acc + i0 * rows + j0, rows);
}

}  // namespace

void gram_block(const double *x, int64_t rows, int64_t ld, int64_t n, double *acc) {
    upper_tiles(x, rows, ld, n, acc, gram_tile<GEOMRT_FL_TILE_I>);
}
void l1_block_f32(const float *x, int64_t rows, int64_t ld, int64_t n, double *acc) {
    upper_tiles(x, rows, ld, n, acc, l1_tile_f32<GEOMRT_FL_TILE_I>);
}
void l1_block_f64(const double *x, int64_t rows, int64_t ld, int64_t n, double *acc) {
    upper_tiles(x, rows, ld, n, acc, l1_tile_f64<GEOMRT_FL_TILE_I>);
}

}  // namespace GEOMRT_FL_ISA
}  // namespace fl
}  // namespace geomrt
