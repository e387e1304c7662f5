// Shared by conv.generalized2d_forward and conv.generalized2d_backward: the similarity forms,
// the checked problem geometry, the descriptor text and the chunking of output positions.
//
// Per image and group, with X (K x L) the patch matrix (im2col, padded zeros included),
// W and A (Og x K) the group's templates and coefficients, z = W X:
//   dot    s = z
//   poly   s = (z + c)^p
//   gauss  s = exp(-gamma d),            d = |x|^2 - 2 z + |w|^2
//   mix    s = lambda z - (1 - lambda) d
//   wl2    s = -sum_k a (x - w)^2 = -[A (X o X) - 2 (A o W) X + sum_k a w^2]   (one GEMM on [X; X o X])
//   wl1    s = -sum_k a |x - w|                                                 (own blocked kernel)
// then out = s + bias.
#ifndef GEOMRT_PLUGINS_CONV_GENERALIZED2D_HPP
#define GEOMRT_PLUGINS_CONV_GENERALIZED2D_HPP

#include <algorithm>
#include <cstdint>
#include <string>

#include <geomrt/plugin.hpp>
#include <geomrt_common/patches.hpp>

#include "gemm.hpp"
#include "l1_kernels.hpp"

namespace geomrt {
namespace conv {

enum class Sim { dot, poly, gauss, wl2, wl1, mix };

/// A checked problem: shapes, geometry and the similarity's parameters.
struct Problem {
    Sim sim = Sim::dot;
    std::string sim_name;
    int64_t N = 0, C = 0, H = 0, W = 0, O = 0, groups = 1, Cg = 0, Og = 0, K = 0, Ho = 0, Wo = 0, L = 0;
    int p = 2;
    double lambda = 0.5;
    bool has_bias = false;
    int dtype = GEOMRT_DTYPE_F64;
    int threads = 1;
    common::PatchGeometry geom;
    /// Rows of the patch buffer: 2K for wl2 ([X; X o X]), else K.
    int64_t rows() const { return sim == Sim::wl2 ? 2 * K : K; }
    /// Stride 1: patches on the wide Ho x Wp grid of the padded image (common::wide_im2col).
    bool wide = false;
    int64_t Wp = 0;  ///< padded width (wide grid row length)
    /// Positions the patch matrix covers: Ho x Wp (wide) or Ho x Wo.
    int64_t positions() const { return wide ? Ho * Wp : L; }
    /// Positions per chunk: the patch buffer (rows() x chunk) stays within ~512 KiB of f32.
    int64_t chunk() const {
        return std::min<int64_t>(positions(), std::max<int64_t>(256, 131072 / rows()));
    }
    /// Threads worth using for `units` independent pieces of work (images or blocks): at most
    /// the caller's count, and one per ~2^20 multiply-adds of the whole layer (small layers stay
    /// on the calling thread, where waking a team costs more than it saves).
    int team(int64_t units) const {
        const int64_t work = N * O * L * K;
        const int64_t by_work = std::max<int64_t>(1, work >> 20);
        return static_cast<int>(std::max<int64_t>(1, std::min<int64_t>({static_cast<int64_t>(threads), units, by_work})));
    }
    /// Leading dimension of the per-chunk buffers (padded for the weighted-L1 kernels).
    int64_t ld() const {
        const int64_t lc = chunk();
        return sim == Sim::wl1 ? (lc + kL1Pad - 1) / kL1Pad * kL1Pad : lc;
    }
};

inline const char *kSimilarities = "dot|poly|gauss|wl2|wl1|mix";

inline Sim parse_sim(const std::string &s) {
    if (s == "poly") return Sim::poly;
    if (s == "gauss") return Sim::gauss;
    if (s == "wl2") return Sim::wl2;
    if (s == "wl1") return Sim::wl1;
    if (s == "mix") return Sim::mix;
    return Sim::dot;
}

inline bool uses_a(Sim s) { return s == Sim::wl2 || s == Sim::wl1; }
inline bool uses_gamma(Sim s) { return s == Sim::gauss; }
inline bool uses_c(Sim s) { return s == Sim::poly; }

/// Integer power by squaring (p >= 0; ipow(b, 0) = 1).
template <class T>
inline T ipow(T b, int p) {
    T r = 1;
    while (p) {
        if (p & 1) r *= b;
        b *= b;
        p >>= 1;
    }
    return r;
}

inline std::string dims_text(const sdk::Tensor &t) {
    std::string s;
    for (int i = 0; i < t.ndim(); ++i) s += (i ? "x" : "") + std::to_string(t.dim(i));
    return s;
}

inline const char *dtype_text(int d) { return d == GEOMRT_DTYPE_F32 ? "f32" : "f64"; }

/// Check what the descriptor cannot express; returns the problem.
inline Problem parse_problem(sdk::Call &c, bool backward) {
    using sdk::fail;
    const std::string m = c.method();
    Problem P;
    P.sim_name = c.str("similarity");
    P.sim = parse_sim(P.sim_name);
    P.p = static_cast<int>(c.i64("p"));
    P.lambda = c.f64("lambda");
    P.threads = c.threads();
    const auto x = c.in("x"), w = c.in("weight");
    P.dtype = x.dtype();
    P.N = x.dim(0);
    P.C = x.dim(1);
    P.H = x.dim(2);
    P.W = x.dim(3);
    P.O = w.dim(0);
    P.groups = c.i64("groups");
    const char *names[] = {"weight", "a", "gamma", "c", "bias", "grad_out"};
    for (const char *n : names) {
        if (!backward && std::string(n) == "grad_out") continue;
        if (c.has(n) && c.in(n).dtype() != P.dtype)
            fail(GEOMRT_EDTYPE, m + ": input '" + n + "' is " + dtype_text(c.in(n).dtype()) + " but 'x' is " +
                                    dtype_text(P.dtype) + "; every tensor must have the dtype of 'x'");
    }
    if (P.C % P.groups != 0)
        fail(GEOMRT_EINVAL, m + ": groups = " + std::to_string(P.groups) + " does not divide the " +
                                std::to_string(P.C) + " channels of input 'x' (axis 1)");
    if (P.O % P.groups != 0)
        fail(GEOMRT_EINVAL, m + ": groups = " + std::to_string(P.groups) + " does not divide the " +
                                std::to_string(P.O) + " templates of input 'weight' (axis 0)");
    P.Cg = P.C / P.groups;
    P.Og = P.O / P.groups;
    if (w.dim(1) != P.Cg)
        fail(GEOMRT_ESHAPE, m + ": input 'weight' has " + std::to_string(w.dim(1)) +
                                " channels per template (axis 1, shape " + dims_text(w) + ") but 'x' has " +
                                std::to_string(P.C) + " channels and groups = " + std::to_string(P.groups) +
                                ", so " + std::to_string(P.Cg) + " were expected");
    auto &g = P.geom;
    g.channels = P.Cg;
    g.height = P.H;
    g.width = P.W;
    g.kh = w.dim(2);
    g.kw = w.dim(3);
    g.sh = g.sw = c.i64("stride");
    g.ph = g.pw = c.i64("padding");
    g.dh = g.dw = c.i64("dilation");
    if (!g.valid())
        fail(GEOMRT_ESHAPE, m + ": the " + std::to_string(g.kh) + "x" + std::to_string(g.kw) +
                                " kernel of input 'weight' with dilation " + std::to_string(g.dh) + " spans " +
                                std::to_string(g.dh * (g.kh - 1) + 1) + "x" + std::to_string(g.dw * (g.kw - 1) + 1) +
                                ", larger than the input 'x' (" + std::to_string(P.H) + "x" + std::to_string(P.W) +
                                ") padded by " + std::to_string(g.ph) + " on each side");
    P.Ho = g.out_h();
    P.Wo = g.out_w();
    P.L = P.Ho * P.Wo;
    P.K = g.patch_size();
    P.wide = g.sh == 1 && g.sw == 1;
    P.Wp = P.W + 2 * g.pw;
    const int64_t big = int64_t(1) << 30;
    if (P.L >= big || 2 * P.K >= big || P.O >= big || P.Og * 2 * P.K >= big)
        fail(GEOMRT_EINVAL, m + ": the problem is too large for 32-bit BLAS indices");

    // Inputs the similarity needs, and no others.
    struct Need {
        const char *name;
        bool needed;
        const char *what;
    } needs[] = {{"a", uses_a(P.sim), "per-weight coefficients, the shape of 'weight'"},
                 {"gamma", uses_gamma(P.sim), "one width per template"},
                 {"c", uses_c(P.sim), "one offset per template"}};
    for (const auto &n : needs) {
        if (n.needed && !c.has(n.name))
            fail(GEOMRT_EINVAL, m + ": similarity '" + P.sim_name + "' needs input '" + n.name + "' (" + n.what + ")");
        if (!n.needed && c.has(n.name))
            fail(GEOMRT_EINVAL, m + ": input '" + n.name + "' is not used by similarity '" + P.sim_name +
                                    "' (it is used by " + (std::string(n.name) == "a" ? "wl2 and wl1" :
                                    std::string(n.name) == "gamma" ? "gauss" : "poly") + ")");
    }
    P.has_bias = c.has("bias");
    if (backward) {
        const auto go = c.in("grad_out");
        if (go.dim(2) != P.Ho || go.dim(3) != P.Wo)
            fail(GEOMRT_ESHAPE, m + ": input 'grad_out' has shape " + dims_text(go) + " but the output is " +
                                    std::to_string(P.N) + "x" + std::to_string(P.O) + "x" + std::to_string(P.Ho) +
                                    "x" + std::to_string(P.Wo));
    }
    return P;
}

/// Inputs and parameters both methods share, in descriptor order.
inline sdk::MethodBuilder &declare_common(sdk::MethodBuilder &b) {
    const unsigned F = GEOMRT_IO_ANY_FLOAT;
    return b
        .input("x", "input images N x C x H x W (f32 or f64)", GEOMRT_DTYPE_F32, 4, "n,c,h,w", F)
        .input("weight", "templates O x C/groups x kh x kw (dtype of x)", GEOMRT_DTYPE_F32, 4, "o,cg,kh,kw", F)
        .input("a", "per-weight coefficients, shape of weight, >= 0 (wl2 and wl1 only)", GEOMRT_DTYPE_F32, 4,
               "o,cg,kh,kw", F | GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE)
        .input("gamma", "Gaussian widths (O), >= 0 (gauss only)", GEOMRT_DTYPE_F32, 1, "o",
               F | GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE)
        .input("c", "polynomial offsets (O) (poly only)", GEOMRT_DTYPE_F32, 1, "o", F | GEOMRT_IO_OPTIONAL)
        .input("bias", "bias added to every output (O), optional for every similarity", GEOMRT_DTYPE_F32, 1, "o",
               F | GEOMRT_IO_OPTIONAL)
        .param_enum("similarity",
                    "dot: w.x; poly: (w.x + c)^p; gauss: exp(-gamma |x - w|^2); wl2: -sum a (x - w)^2; "
                    "wl1: -sum a |x - w|; mix: lambda w.x - (1 - lambda) |x - w|^2",
                    "dot", kSimilarities)
        .param_i64("p", "exponent of the polynomial similarity, integer in [1, 16]", "2", 1, 16)
        .param_f64("lambda", "weight of w.x in the mix similarity, in [0, 1]", "0.5", 0.0, 1.0)
        .param_i64("stride", "stride along both image axes, >= 1", "1", 1, 1e9)
        .param_i64("padding", "zero padding on each side of both image axes, >= 0", "0", 0, 1e9)
        .param_i64("dilation", "spacing of kernel taps along both image axes, >= 1", "1", 1, 1e9)
        .param_i64("groups", "channel groups; must divide C and O", "1", 1, 1e9);
}

inline const char *kCitation =
    "K. Ghiasi-Shirazi, Generalizing the Convolution Operator in Convolutional Neural Networks, "
    "Neural Processing Letters 50 (2019) 2627-2646, arXiv:1707.09864 (2017).";

inline const char *kDescriptionCommon =
    "Geometry as torch.nn.functional.conv2d (cross-correlation; stride, zero padding, dilation and groups; "
    "Ho = (H + 2 padding - dilation (kh - 1) - 1) / stride + 1). Padded zeros take part in the "
    "similarity: a tap in the padding adds a (0 - w)^2 (wl2), a |0 - w| (wl1), w^2 (gauss, mix). "
    "out[n, o, i, j] = s(w_o, patch) + bias_o with s one of: dot w.x; poly (w.x + c_o)^p; gauss "
    "exp(-gamma_o |x - w|^2); wl2 -sum_k a_k (x_k - w_k)^2; wl1 -sum_k a_k |x_k - w_k|; mix "
    "lambda w.x - (1 - lambda) |x - w|^2. The distance forms are <= 0, so a following ReLU kills "
    "them: add a bias (or batch normalization) before it. Computed per image and group on a patch "
    "matrix (im2col) by GEMM (Eigen, AVX-512/AVX2 chosen at run time) plus cheap terms (|x - w|^2 = |x|^2 - 2 x.w + |w|^2; wl2 as one "
    "GEMM on [X; X o X]); wl1 by its own blocked, vectorized kernel. Threads over the batch; results "
    "do not depend on the number of threads. All tensors share the dtype of x (f32 or f64); outputs "
    "have that dtype.";

}  // namespace conv
}  // namespace geomrt

#endif
