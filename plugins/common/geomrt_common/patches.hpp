// patches.hpp -- image patches as matrix columns (im2col) and their adjoint (col2im), for
// convolution-like layers computed by GEMM. Header-only; NCHW images, cross-correlation
// geometry as torch.nn.functional.conv2d (zero padding, stride, dilation).
#ifndef GEOMRT_COMMON_PATCHES_HPP
#define GEOMRT_COMMON_PATCHES_HPP

#include <algorithm>
#include <cstdint>

namespace geomrt {
namespace common {

/// Geometry of a 2-D convolution over one group of channels of one image.
struct PatchGeometry {
    int64_t channels = 1;       ///< input channels of the group (C / groups)
    int64_t height = 1, width = 1;
    int64_t kh = 1, kw = 1;     ///< kernel extent
    int64_t sh = 1, sw = 1;     ///< stride
    int64_t ph = 0, pw = 0;     ///< zero padding on each side
    int64_t dh = 1, dw = 1;     ///< dilation
    int64_t out_h() const { return (height + 2 * ph - dh * (kh - 1) - 1) / sh + 1; }
    int64_t out_w() const { return (width + 2 * pw - dw * (kw - 1) - 1) / sw + 1; }
    /// Rows of the patch matrix: channels * kh * kw, ordered (channel, kernel row, kernel column)
    /// like the weight tensor O x C/groups x kh x kw.
    int64_t patch_size() const { return channels * kh * kw; }
    /// Whether the kernel fits in the padded input (at least one output position).
    bool valid() const {
        return height + 2 * ph >= dh * (kh - 1) + 1 && width + 2 * pw >= dw * (kw - 1) + 1;
    }
};

namespace detail {

/// Calls f(oh, ow_begin, ow_end, dst_offset) for the output rows that positions [l0, l0 + n)
/// of the Ho x Wo output grid cover, in order (one division per call, not per row).
template <class F>
inline void for_row_segments(int64_t wo, int64_t l0, int64_t n, F &&f) {
    int64_t oh = l0 / wo, ow0 = l0 % wo, dst = 0;
    while (dst < n) {
        const int64_t ow1 = std::min(wo, ow0 + (n - dst));
        f(oh, ow0, ow1, dst);
        dst += ow1 - ow0;
        ++oh;
        ow0 = 0;
    }
}

/// The output columns [a, b) whose input column ow * s + off lies in [0, w).
inline void valid_columns(int64_t w, int64_t s, int64_t off, int64_t &a, int64_t &b) {
    a = off >= 0 ? 0 : (-off + s - 1) / s;
    b = w - 1 - off < 0 ? 0 : (w - 1 - off) / s + 1;
    if (b < a) b = a;
}

}  // namespace detail

/// im2col: for output positions [l0, l0 + n) (row-major over the Ho x Wo grid), write the
/// patch matrix `col` (patch_size() rows, n columns, leading dimension ld >= n): col[k, l] is
/// the input value under kernel tap k at position l0 + l, 0 where it falls in the padding.
/// `x` is one group of one image: channels x height x width, contiguous.
template <class T>
void im2col(const PatchGeometry &g, const T *x, int64_t l0, int64_t n, T *col, int64_t ld) {
    const int64_t wo = g.out_w();
    int64_t k = 0;
    for (int64_t c = 0; c < g.channels; ++c) {
        const T *xc = x + c * g.height * g.width;
        for (int64_t i = 0; i < g.kh; ++i) {
            for (int64_t j = 0; j < g.kw; ++j, ++k) {
                T *row = col + k * ld;
                const int64_t off = j * g.dw - g.pw;
                int64_t a, b;
                detail::valid_columns(g.width, g.sw, off, a, b);
                detail::for_row_segments(wo, l0, n, [&](int64_t oh, int64_t ow0, int64_t ow1, int64_t dst) {
                    const int64_t iy = oh * g.sh - g.ph + i * g.dh;
                    if (iy < 0 || iy >= g.height) {
                        for (int64_t ow = ow0; ow < ow1; ++ow) row[dst + ow - ow0] = T(0);
                        return;
                    }
                    const int64_t lo = std::min(std::max(ow0, a), ow1), hi = std::max(std::min(ow1, b), lo);
                    const T *src = xc + iy * g.width;
                    for (int64_t ow = ow0; ow < lo; ++ow) row[dst + ow - ow0] = T(0);
                    if (g.sw == 1) {
                        const T *sp = src + (lo + off);
                        T *op = row + dst + (lo - ow0);
                        for (int64_t q = 0; q < hi - lo; ++q) op[q] = sp[q];
                    } else {
                        for (int64_t ow = lo; ow < hi; ++ow) row[dst + ow - ow0] = src[ow * g.sw + off];
                    }
                    for (int64_t ow = hi; ow < ow1; ++ow) row[dst + ow - ow0] = T(0);
                });
            }
        }
    }
}

/// col2im: the adjoint of im2col. Adds col[k, l] (patch_size() rows, n columns, leading
/// dimension ld) to the input entry that tap k reads at position l0 + l (padding taps are
/// dropped). `dx` is one group of one image: channels x height x width, contiguous.
template <class T>
void col2im_add(const PatchGeometry &g, const T *col, int64_t ld, int64_t l0, int64_t n, T *dx) {
    const int64_t wo = g.out_w();
    int64_t k = 0;
    for (int64_t c = 0; c < g.channels; ++c) {
        T *xc = dx + c * g.height * g.width;
        for (int64_t i = 0; i < g.kh; ++i) {
            for (int64_t j = 0; j < g.kw; ++j, ++k) {
                const T *row = col + k * ld;
                const int64_t off = j * g.dw - g.pw;
                int64_t a, b;
                detail::valid_columns(g.width, g.sw, off, a, b);
                detail::for_row_segments(wo, l0, n, [&](int64_t oh, int64_t ow0, int64_t ow1, int64_t dst) {
                    const int64_t iy = oh * g.sh - g.ph + i * g.dh;
                    if (iy < 0 || iy >= g.height) return;
                    const int64_t lo = std::min(std::max(ow0, a), ow1), hi = std::max(std::min(ow1, b), lo);
                    T *dst_row = xc + iy * g.width;
                    if (g.sw == 1) {
                        T *dp = dst_row + (lo + off);
                        const T *ip = row + dst + (lo - ow0);
                        for (int64_t q = 0; q < hi - lo; ++q) dp[q] += ip[q];
                    } else {
                        for (int64_t ow = lo; ow < hi; ++ow) dst_row[ow * g.sw + off] += row[dst + ow - ow0];
                    }
                });
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Stride 1: "wide" patches. On the zero-padded image (Hp x Wp per channel), take positions on an
// Ho x Wp grid (the Wp - Wo extra columns of each row are discarded by the caller). Then every
// row of the patch matrix is one contiguous slice of the padded image, so im2col is one copy per
// kernel tap and col2im one add per tap. Callers give the extra columns a zero output gradient.

/// Extent of the padded image buffer: channels x Hp x Wp plus a tail the last slices may read.
inline int64_t wide_buffer_size(const PatchGeometry &g) {
    const int64_t hp = g.height + 2 * g.ph, wp = g.width + 2 * g.pw;
    return g.channels * hp * wp + (g.kw - 1) * g.dw + 1;
}
/// Positions of the wide grid: Ho x Wp.
inline int64_t wide_positions(const PatchGeometry &g) { return g.out_h() * (g.width + 2 * g.pw); }

/// xp (wide_buffer_size) = x zero-padded.
template <class T>
void wide_pad(const PatchGeometry &g, const T *x, T *xp) {
    const int64_t hp = g.height + 2 * g.ph, wp = g.width + 2 * g.pw, n = wide_buffer_size(g);
    std::fill(xp, xp + n, T(0));
    for (int64_t c = 0; c < g.channels; ++c)
        for (int64_t y = 0; y < g.height; ++y) {
            const T *src = x + (c * g.height + y) * g.width;
            T *dst = xp + (c * hp + y + g.ph) * wp + g.pw;
            for (int64_t q = 0; q < g.width; ++q) dst[q] = src[q];
        }
}

/// Wide im2col for positions [l0, l0 + n) of the Ho x Wp grid (needs stride 1).
template <class T>
void wide_im2col(const PatchGeometry &g, const T *xp, int64_t l0, int64_t n, T *col, int64_t ld) {
    const int64_t hp = g.height + 2 * g.ph, wp = g.width + 2 * g.pw;
    int64_t k = 0;
    for (int64_t c = 0; c < g.channels; ++c)
        for (int64_t i = 0; i < g.kh; ++i)
            for (int64_t j = 0; j < g.kw; ++j, ++k) {
                const T *src = xp + c * hp * wp + i * g.dh * wp + j * g.dw + l0;
                T *dst = col + k * ld;
                for (int64_t q = 0; q < n; ++q) dst[q] = src[q];
            }
}

/// The adjoint of wide_im2col: dxp (wide_buffer_size) += the taps' columns.
template <class T>
void wide_col2im_add(const PatchGeometry &g, const T *col, int64_t ld, int64_t l0, int64_t n, T *dxp) {
    const int64_t hp = g.height + 2 * g.ph, wp = g.width + 2 * g.pw;
    int64_t k = 0;
    for (int64_t c = 0; c < g.channels; ++c)
        for (int64_t i = 0; i < g.kh; ++i)
            for (int64_t j = 0; j < g.kw; ++j, ++k) {
                T *dst = dxp + c * hp * wp + i * g.dh * wp + j * g.dw + l0;
                const T *src = col + k * ld;
                for (int64_t q = 0; q < n; ++q) dst[q] += src[q];
            }
}

/// dx (channels x height x width) += the interior of the padded gradient dxp.
template <class T>
void wide_unpad_add(const PatchGeometry &g, const T *dxp, T *dx) {
    const int64_t hp = g.height + 2 * g.ph, wp = g.width + 2 * g.pw;
    for (int64_t c = 0; c < g.channels; ++c)
        for (int64_t y = 0; y < g.height; ++y) {
            const T *src = dxp + (c * hp + y + g.ph) * wp + g.pw;
            T *dst = dx + (c * g.height + y) * g.width;
            for (int64_t q = 0; q < g.width; ++q) dst[q] += src[q];
        }
}

}  // namespace common
}  // namespace geomrt

#endif  // GEOMRT_COMMON_PATCHES_HPP
