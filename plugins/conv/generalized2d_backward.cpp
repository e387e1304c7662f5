// conv.generalized2d_backward: gradients of sum(grad_out * out) for conv.generalized2d_forward.
//
// Per image, group and chunk of positions (X the patch matrix, G = grad_out):
//   L2 family (dot, poly, gauss, mix): with Gz = dL/dz and Gd = dL/dd (z = W X, d = |x|^2 - 2z + |w|^2)
//     dX = W^T (Gz - 2 Gd) + 2 X o colsum(Gd),    dW = (Gz - 2 Gd) X^T + 2 W o rowsum(Gd)
//     dot: Gz = G; poly: Gz = G p (z + c)^(p-1); gauss: Gd = -gamma G s; mix: Gz = lambda G, Gd = -(1 - lambda) G
//   wl2: [P; Q] = [A | A o W]^T G, dX = 2 (Q - X o P); with [GX | GX2] = G [X; X o X]^T and r = rowsum(G):
//     dW = 2 A o (GX - W r),  dA = -(GX2 - 2 W o GX + W o W r)
//   wl1: the blocked kernel gives dX, sum_l G sgn(x - w) and sum_l G |x - w|.
// Weight-shaped sums are accumulated per fixed block of images and added in block order, so
// results do not depend on the number of threads.
#include <cmath>
#include <vector>

#include <omp.h>

#include "conv_methods.hpp"
#include "generalized2d.hpp"

namespace geomrt {
namespace conv {
namespace {

using sdk::Call;

/// Weight-shaped sums of one block of images.
template <class T>
struct Acc {
    std::vector<T> m;                      // O x rows: E X^T (L2 family), [GX | GX2] (wl2), [sgW | absA] (wl1)
    std::vector<T> rs, ggamma, gc, gbias;  // O each
    void init(int64_t O, int64_t cols) {
        m.assign(O * cols, T(0));
        rs.assign(O, T(0));
        ggamma.assign(O, T(0));
        gc.assign(O, T(0));
        gbias.assign(O, T(0));
    }
    void add(const Acc &o) {
        for (size_t i = 0; i < m.size(); ++i) m[i] += o.m[i];
        for (size_t i = 0; i < rs.size(); ++i) {
            rs[i] += o.rs[i];
            ggamma[i] += o.ggamma[i];
            gc[i] += o.gc[i];
            gbias[i] += o.gbias[i];
        }
    }
};

template <class T>
void backward(const Problem &P, int64_t nblocks, const T *x, const T *w, const T *a, const T *gamma, const T *cc,
              const T *gout, T *gx, T *gw, T *ga, T *ggam, T *gcc, T *gbias) {
    const int64_t K = P.K, Og = P.Og, L = P.L, R = P.rows(), lcmax = P.chunk(), ld = P.ld();
    const int64_t NP = P.positions(), Wp = P.Wp, Wo = P.Wo;
    const int64_t xs_img = P.C * P.H * P.W, xs_grp = P.Cg * P.H * P.W, os_img = P.O * L;
    const int64_t mcols = (P.sim == Sim::wl2 || P.sim == Sim::wl1) ? 2 * K : K;
    const T lam = T(P.lambda);

    std::vector<T> ww(P.O, T(0)), M2;
    if (P.sim == Sim::gauss)
        for (int64_t o = 0; o < P.O; ++o)
            for (int64_t k = 0; k < K; ++k) ww[o] += w[o * K + k] * w[o * K + k];
    if (P.sim == Sim::wl2) {  // [A | A o W] (O x 2K)
        M2.resize(P.O * 2 * K);
        for (int64_t o = 0; o < P.O; ++o)
            for (int64_t k = 0; k < K; ++k) {
                M2[o * 2 * K + k] = a[o * K + k];
                M2[o * 2 * K + K + k] = a[o * K + k] * w[o * K + k];
            }
    }
    const int nt = P.team(nblocks);
    std::vector<Acc<T>> acc(nblocks);
    for (auto &b : acc) b.init(P.O, mcols);
    // Per-thread workspaces: patches (R x ld), their gradient (R x ld), E / padded G (Og x ld),
    // z (Og x ld), column sums (ld), the wl1 kernel's weight-shaped sums (2 Og K).
    struct Work {
        std::vector<T> B, D, E, Z, cs, S, Gw, xp, dxp;
    };
    std::vector<Work> work(nt);
    for (auto &wk : work) {
        wk.B.assign(R * ld, T(0));
        wk.D.assign(R * ld, T(0));
        wk.E.assign(Og * ld, T(0));
        wk.Z.assign(Og * ld, T(0));
        wk.cs.assign(ld, T(0));
        if (P.sim == Sim::wl1) wk.S.assign(2 * Og * K, T(0));
        if (P.wide) {
            wk.Gw.assign(Og * ld, T(0));
            wk.xp.assign(common::wide_buffer_size(P.geom), T(0));
            wk.dxp.assign(common::wide_buffer_size(P.geom), T(0));
        }
    }

#pragma omp parallel num_threads(nt)
    {
        Work &wk = work[omp_get_thread_num()];
        T *B = wk.B.data(), *D = wk.D.data(), *E = wk.E.data(), *Z = wk.Z.data(), *cs = wk.cs.data();
#pragma omp for schedule(static)
        for (int64_t blk = 0; blk < nblocks; ++blk) {
            Acc<T> &A = acc[blk];
            const int64_t n0 = blk * P.N / nblocks, n1 = (blk + 1) * P.N / nblocks;
            for (int64_t n = n0; n < n1; ++n) {
                for (int64_t g = 0; g < P.groups; ++g) {
                    const T *xg = x + n * xs_img + g * xs_grp;
                    T *dxg = gx + n * xs_img + g * xs_grp;
                    const T *wg = w + g * Og * K;
                    const T *ag = a ? a + g * Og * K : nullptr;
                    const int64_t o0 = g * Og;
                    T *am = A.m.data() + o0 * mcols;
                    if (P.wide) {
                        common::wide_pad(P.geom, xg, wk.xp.data());
                        std::fill(wk.dxp.begin(), wk.dxp.end(), T(0));
                    }
                    for (int64_t l0 = 0; l0 < NP; l0 += lcmax) {
                        const int64_t lc = std::min(lcmax, NP - l0);
                        // G: Og x lc block of grad_out (leading dimension LG); on the wide grid a copy
                        // with zeros in the columns ow >= Wo, which therefore add nothing below.
                        const T *G = gout + n * os_img + o0 * L + l0;
                        int64_t LG = L;
                        if (P.wide) {
                            T *gw = wk.Gw.data();
                            std::fill(gw, gw + Og * ld, T(0));
                            common::detail::for_row_segments(Wp, l0, lc, [&](int64_t oh, int64_t ow0, int64_t ow1, int64_t d) {
                                const int64_t e = std::min(ow1, Wo);
                                for (int64_t o = 0; o < Og && ow0 < e; ++o) {
                                    const T *src = gout + n * os_img + (o0 + o) * L + oh * Wo + ow0;
                                    std::copy(src, src + (e - ow0), gw + o * ld + d);
                                }
                            });
                            G = gw;
                            LG = ld;
                            common::wide_im2col(P.geom, wk.xp.data(), l0, lc, B, ld);
                        } else {
                            common::im2col(P.geom, xg, l0, lc, B, ld);
                        }
                        for (int64_t o = 0; o < Og; ++o) {
                            T s = 0;
                            for (int64_t l = 0; l < lc; ++l) s += G[o * LG + l];
                            A.gbias[o0 + o] += s;
                        }
                        switch (P.sim) {
                        case Sim::dot:
                        case Sim::mix: {
                            // E = Gz - 2 Gd = (lambda + 2 (1 - lambda)) G for mix, G for dot.
                            const T f = P.sim == Sim::dot ? T(1) : lam + T(2) * (T(1) - lam);
                            gemm_rm(true, false, K, lc, Og, f, wg, K, G, LG, T(0), D, ld);
                            gemm_rm(false, true, Og, K, lc, f, G, LG, B, ld, T(1), am, mcols);
                            if (P.sim == Sim::mix) {
                                // Gd = -(1 - lambda) G: dX += 2 X o colsum(Gd), rowsum(Gd) for dW.
                                std::fill(cs, cs + lc, T(0));
                                for (int64_t o = 0; o < Og; ++o)
                                    for (int64_t l = 0; l < lc; ++l) cs[l] += G[o * LG + l];
                                const T q = T(-2) * (T(1) - lam);
                                for (int64_t k = 0; k < K; ++k)
                                    for (int64_t l = 0; l < lc; ++l) D[k * ld + l] += q * cs[l] * B[k * ld + l];
                                for (int64_t o = 0; o < Og; ++o) {
                                    T s = 0;
                                    for (int64_t l = 0; l < lc; ++l) s += G[o * LG + l];
                                    A.rs[o0 + o] += -(T(1) - lam) * s;
                                }
                            }
                            break;
                        }
                        case Sim::poly: {
                            gemm_rm(false, false, Og, lc, K, T(1), wg, K, B, ld, T(0), Z, ld);
                            for (int64_t o = 0; o < Og; ++o) {
                                const T co = cc[o0 + o];
                                T s = 0;
                                for (int64_t l = 0; l < lc; ++l) {
                                    const T gv = G[o * LG + l];  // 0 * inf would be NaN
                                    const T e = gv == T(0) ? T(0) : gv * T(P.p) * ipow(Z[o * ld + l] + co, P.p - 1);
                                    E[o * ld + l] = e;
                                    s += e;
                                }
                                A.gc[o0 + o] += s;
                            }
                            gemm_rm(true, false, K, lc, Og, T(1), wg, K, E, ld, T(0), D, ld);
                            gemm_rm(false, true, Og, K, lc, T(1), E, ld, B, ld, T(1), am, mcols);
                            break;
                        }
                        case Sim::gauss: {
                            gemm_rm(false, false, Og, lc, K, T(1), wg, K, B, ld, T(0), Z, ld);
                            std::fill(cs, cs + lc, T(0));
                            for (int64_t k = 0; k < K; ++k)
                                for (int64_t l = 0; l < lc; ++l) cs[l] += B[k * ld + l] * B[k * ld + l];
                            // Gd = -gamma G s (kept in Z), E = -2 Gd.
                            for (int64_t o = 0; o < Og; ++o) {
                                const T gm = gamma[o0 + o], wo = ww[o0 + o];
                                T sg = 0, sd = 0;
                                for (int64_t l = 0; l < lc; ++l) {
                                    const T d = cs[l] - T(2) * Z[o * ld + l] + wo;
                                    Z[o * ld + l] = d;
                                    E[o * ld + l] = -gm * d;
                                }
                                exp_inplace(E + o * ld, lc);
                                for (int64_t l = 0; l < lc; ++l) {
                                    const T d = Z[o * ld + l];
                                    const T e = G[o * LG + l] * E[o * ld + l];
                                    sg -= e * d;
                                    const T gd = -gm * e;
                                    Z[o * ld + l] = gd;
                                    E[o * ld + l] = T(-2) * gd;
                                    sd += gd;
                                }
                                A.ggamma[o0 + o] += sg;
                                A.rs[o0 + o] += sd;
                            }
                            gemm_rm(true, false, K, lc, Og, T(1), wg, K, E, ld, T(0), D, ld);
                            gemm_rm(false, true, Og, K, lc, T(1), E, ld, B, ld, T(1), am, mcols);
                            std::fill(cs, cs + lc, T(0));
                            for (int64_t o = 0; o < Og; ++o)
                                for (int64_t l = 0; l < lc; ++l) cs[l] += Z[o * ld + l];
                            for (int64_t k = 0; k < K; ++k)
                                for (int64_t l = 0; l < lc; ++l) D[k * ld + l] += T(2) * cs[l] * B[k * ld + l];
                            break;
                        }
                        case Sim::wl2: {
                            for (int64_t k = 0; k < K; ++k)
                                for (int64_t l = 0; l < lc; ++l) B[(K + k) * ld + l] = B[k * ld + l] * B[k * ld + l];
                            // [P; Q] = [A | A o W]^T G (2K x lc), dX = 2 (Q - X o P).
                            gemm_rm(true, false, 2 * K, lc, Og, T(1), M2.data() + o0 * 2 * K, 2 * K, G, LG, T(0), D, ld);
                            for (int64_t k = 0; k < K; ++k)
                                for (int64_t l = 0; l < lc; ++l)
                                    D[k * ld + l] = T(2) * (D[(K + k) * ld + l] - B[k * ld + l] * D[k * ld + l]);
                            gemm_rm(false, true, Og, 2 * K, lc, T(1), G, LG, B, ld, T(1), am, mcols);
                            for (int64_t o = 0; o < Og; ++o) {
                                T s = 0;
                                for (int64_t l = 0; l < lc; ++l) s += G[o * LG + l];
                                A.rs[o0 + o] += s;
                            }
                            break;
                        }
                        case Sim::wl1: {
                            for (int64_t k = 0; k < K; ++k) std::fill(B + k * ld + lc, B + (k + 1) * ld, T(0));
                            for (int64_t o = 0; o < Og; ++o) {
                                std::copy(G + o * LG, G + o * LG + lc, E + o * ld);
                                std::fill(E + o * ld + lc, E + (o + 1) * ld, T(0));
                            }
                            // am holds [sgW | absA] per template row (2K columns).
                            T *sg = wk.S.data(), *sa = sg + Og * K;
                            std::fill(sg, sg + 2 * Og * K, T(0));
                            wl1_backward(B, ld, K, lc, wg, ag, Og, E, ld, D, sg, sa);
                            for (int64_t o = 0; o < Og; ++o)
                                for (int64_t k = 0; k < K; ++k) {
                                    am[o * mcols + k] += sg[o * K + k];
                                    am[o * mcols + K + k] += sa[o * K + k];
                                }
                            break;
                        }
                        }
                        if (P.wide)
                            common::wide_col2im_add(P.geom, D, ld, l0, lc, wk.dxp.data());
                        else
                            common::col2im_add(P.geom, D, ld, l0, lc, dxg);
                    }
                    if (P.wide) common::wide_unpad_add(P.geom, wk.dxp.data(), dxg);
                }
            }
        }
    }

    // Reduce the blocks in order, then finish the weight-shaped gradients.
    Acc<T> &S = acc[0];
    for (int64_t b = 1; b < nblocks; ++b) S.add(acc[b]);
    for (int64_t o = 0; o < P.O; ++o) {
        const T *m = S.m.data() + o * mcols;
        for (int64_t k = 0; k < K; ++k) {
            const int64_t i = o * K + k;
            switch (P.sim) {
            case Sim::dot:
            case Sim::poly: gw[i] = m[k]; break;
            case Sim::gauss:
            case Sim::mix: gw[i] = m[k] + T(2) * w[i] * S.rs[o]; break;
            case Sim::wl2:
                gw[i] = T(2) * a[i] * (m[k] - w[i] * S.rs[o]);
                ga[i] = -(m[K + k] - T(2) * w[i] * m[k] + w[i] * w[i] * S.rs[o]);
                break;
            case Sim::wl1:
                gw[i] = a[i] * m[k];
                ga[i] = -m[K + k];
                break;
            }
        }
        if (ggam) ggam[o] = S.ggamma[o];
        if (gcc) gcc[o] = S.gc[o];
        if (gbias) gbias[o] = S.gbias[o];
    }
}

template <class T>
const T *opt(const Call &c, const char *name) {
    if (!c.has(name)) return nullptr;
    return static_cast<const T *>(c.in(name).raw()->data);
}

template <class T>
void run(Call &c, const Problem &P) {
    const int dt = P.dtype;
    const auto wt = c.in("weight");
    std::vector<int64_t> wshape = {wt.dim(0), wt.dim(1), wt.dim(2), wt.dim(3)};
    T *gx = static_cast<T *>(c.out("grad_x", dt, {P.N, P.C, P.H, P.W}));
    T *gw = static_cast<T *>(c.out("grad_weight", dt, wshape));
    T *ga = uses_a(P.sim) ? static_cast<T *>(c.out("grad_a", dt, wshape)) : nullptr;
    T *ggam = uses_gamma(P.sim) ? static_cast<T *>(c.out("grad_gamma", dt, {P.O})) : nullptr;
    T *gcc = uses_c(P.sim) ? static_cast<T *>(c.out("grad_c", dt, {P.O})) : nullptr;
    T *gb = P.has_bias ? static_cast<T *>(c.out("grad_bias", dt, {P.O})) : nullptr;
    // Fixed blocks of images (independent of the thread count); their accumulators stay
    // under about 64 MiB.
    const int64_t per = (P.O * ((P.sim == Sim::wl2 || P.sim == Sim::wl1) ? 2 * P.K : P.K) + 4 * P.O) *
                        static_cast<int64_t>(sizeof(T));
    const int64_t nblocks = std::max<int64_t>(1, std::min<int64_t>({P.N, 32, (int64_t(64) << 20) / per}));
    backward<T>(P, nblocks, opt<T>(c, "x"), opt<T>(c, "weight"), opt<T>(c, "a"), opt<T>(c, "gamma"),
                opt<T>(c, "c"), opt<T>(c, "grad_out"), gx, gw, ga, ggam, gcc, gb);
}

void backward_body(Call &c) {
    const Problem P = parse_problem(c, true);
    if (P.dtype == GEOMRT_DTYPE_F32)
        run<float>(c, P);
    else
        run<double>(c, P);
}

}  // namespace

void register_generalized2d_backward(sdk::Plugin &plugin) {
    auto b = plugin.method("conv.generalized2d_backward", backward_body);
    b.summary("Gradients of the generalized 2-D convolution with respect to x, weight, a, gamma, c and bias.");
    b.description(std::string("Backward pass of conv.generalized2d_forward (same inputs and parameters, plus "
                              "grad_out = dLoss/dout). Returns the gradients of sum(grad_out * out): grad_x, "
                              "grad_weight, and where the similarity has them grad_a (wl2, wl1), grad_gamma "
                              "(gauss), grad_c (poly), grad_bias (when bias is given). wl1 uses the subgradient "
                              "sgn(0) = 0. ") +
                  kDescriptionCommon);
    b.citation(kCitation);
    const unsigned F = GEOMRT_IO_ANY_FLOAT;
    declare_common(b)
        .input("grad_out", "gradient of the loss with respect to out (N x O x Ho x Wo)", GEOMRT_DTYPE_F32, 4,
               "n,o,*,*", F)
        .output("grad_x", "gradient with respect to x (N x C x H x W)", GEOMRT_DTYPE_F32, 4, "n,c,h,w", F)
        .output("grad_weight", "gradient with respect to weight", GEOMRT_DTYPE_F32, 4, "o,cg,kh,kw", F)
        .output("grad_a", "gradient with respect to a (wl2, wl1)", GEOMRT_DTYPE_F32, 4, "o,cg,kh,kw",
                F | GEOMRT_IO_OPTIONAL)
        .output("grad_gamma", "gradient with respect to gamma (gauss)", GEOMRT_DTYPE_F32, 1, "o",
                F | GEOMRT_IO_OPTIONAL)
        .output("grad_c", "gradient with respect to c (poly)", GEOMRT_DTYPE_F32, 1, "o", F | GEOMRT_IO_OPTIONAL)
        .output("grad_bias", "gradient with respect to bias (when bias is given)", GEOMRT_DTYPE_F32, 1, "o",
                F | GEOMRT_IO_OPTIONAL);
}

}  // namespace conv
}  // namespace geomrt
