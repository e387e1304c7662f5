// conv.generalized2d_forward: generalized convolution, out = s(w_o, patch) + bias_o.
#include <cmath>
#include <vector>

#include <omp.h>

#include "conv_methods.hpp"
#include "generalized2d.hpp"

namespace geomrt {
namespace conv {
namespace {

using sdk::Call;

template <class T>
void forward(const Problem &P, const T *x, const T *w, const T *a, const T *gamma, const T *cc, const T *bias,
             T *out) {
    const int64_t K = P.K, Og = P.Og, L = P.L, R = P.rows(), lcmax = P.chunk(), ld = P.ld();
    const int64_t NP = P.positions(), Wp = P.Wp, Wo = P.Wo;
    const int64_t xs_img = P.C * P.H * P.W, xs_grp = P.Cg * P.H * P.W, os_img = P.O * L;

    // Per-template constants and the stacked wl2 matrix [-2 A o W | A] (O x 2K).
    std::vector<T> ww(P.O, T(0)), aww(P.O, T(0)), M;
    if (P.sim == Sim::gauss || P.sim == Sim::mix)
        for (int64_t o = 0; o < P.O; ++o)
            for (int64_t k = 0; k < K; ++k) ww[o] += w[o * K + k] * w[o * K + k];
    if (P.sim == Sim::wl2) {
        M.resize(P.O * 2 * K);
        for (int64_t o = 0; o < P.O; ++o)
            for (int64_t k = 0; k < K; ++k) {
                const T ak = a[o * K + k], wk = w[o * K + k];
                M[o * 2 * K + k] = T(-2) * ak * wk;
                M[o * 2 * K + K + k] = ak;
                aww[o] += ak * wk * wk;
            }
    }
    const int nt = P.team(P.N);
    // Workspaces allocated before the parallel region (no exception may leave it).
    std::vector<std::vector<T>> col(nt, std::vector<T>(R * ld)), tmp(nt), xx(nt), xpad(nt);
    for (int t = 0; t < nt; ++t) {
        if (P.sim == Sim::wl1 || P.wide) tmp[t].assign(Og * ld, T(0));
        if (P.wide) xpad[t].assign(common::wide_buffer_size(P.geom), T(0));
        if (P.sim == Sim::gauss || P.sim == Sim::mix) xx[t].assign(ld, T(0));
    }

#pragma omp parallel num_threads(nt)
    {
        const int t = omp_get_thread_num();
        T *B = col[t].data();
#pragma omp for schedule(static)
        for (int64_t n = 0; n < P.N; ++n) {
            for (int64_t g = 0; g < P.groups; ++g) {
                const T *xg = x + n * xs_img + g * xs_grp;
                const T *wg = w + g * Og * K;
                T *og = out + n * os_img + g * Og * L;
                if (P.wide) common::wide_pad(P.geom, xg, xpad[t].data());
                for (int64_t l0 = 0; l0 < NP; l0 += lcmax) {
                    const int64_t lc = std::min(lcmax, NP - l0);
                    if (P.wide)
                        common::wide_im2col(P.geom, xpad[t].data(), l0, lc, B, ld);
                    else
                        common::im2col(P.geom, xg, l0, lc, B, ld);
                    // Og x lc similarities: straight into the output (leading dimension L), or on the
                    // wide grid into a scratch block that is compacted afterwards.
                    T *S = P.wide ? tmp[t].data() : og + l0;
                    const int64_t L = P.wide ? ld : P.L;
                    switch (P.sim) {
                    case Sim::dot:
                    case Sim::poly:
                        gemm_rm(false, false, Og, lc, K, T(1), wg, K, B, ld, T(0), S, L);
                        if (P.sim == Sim::poly)
                            for (int64_t o = 0; o < Og; ++o) {
                                const T co = cc[g * Og + o];
                                for (int64_t l = 0; l < lc; ++l) S[o * L + l] = ipow(S[o * L + l] + co, P.p);
                            }
                        break;
                    case Sim::gauss:
                    case Sim::mix: {
                        gemm_rm(false, false, Og, lc, K, T(1), wg, K, B, ld, T(0), S, L);
                        T *nx = xx[t].data();
                        std::fill(nx, nx + lc, T(0));
                        for (int64_t k = 0; k < K; ++k)
                            for (int64_t l = 0; l < lc; ++l) nx[l] += B[k * ld + l] * B[k * ld + l];
                        const T lam = T(P.lambda);
                        for (int64_t o = 0; o < Og; ++o) {
                            const T wo = ww[g * Og + o];
                            T *s = S + o * L;
                            if (P.sim == Sim::gauss) {
                                const T gm = gamma[g * Og + o];
                                for (int64_t l = 0; l < lc; ++l) s[l] = -gm * (nx[l] - T(2) * s[l] + wo);
                                exp_inplace(s, lc);
                            } else {
                                for (int64_t l = 0; l < lc; ++l)
                                    s[l] = lam * s[l] - (T(1) - lam) * (nx[l] - T(2) * s[l] + wo);
                            }
                        }
                        break;
                    }
                    case Sim::wl2: {
                        for (int64_t k = 0; k < K; ++k)
                            for (int64_t l = 0; l < lc; ++l) B[(K + k) * ld + l] = B[k * ld + l] * B[k * ld + l];
                        gemm_rm(false, false, Og, lc, 2 * K, T(1), M.data() + g * Og * 2 * K, 2 * K, B, ld, T(0), S, L);
                        for (int64_t o = 0; o < Og; ++o) {
                            const T c0 = aww[g * Og + o];
                            for (int64_t l = 0; l < lc; ++l) S[o * L + l] = -(S[o * L + l] + c0);
                        }
                        break;
                    }
                    case Sim::wl1: {
                        for (int64_t k = 0; k < K; ++k) std::fill(B + k * ld + lc, B + (k + 1) * ld, T(0));
                        T *Sp = tmp[t].data();
                        wl1_forward(B, ld, K, lc, wg, a + g * Og * K, Og, Sp, ld);
                        if (Sp != S)
                            for (int64_t o = 0; o < Og; ++o) std::copy(Sp + o * ld, Sp + o * ld + lc, S + o * L);
                        break;
                    }
                    }
                    if (bias)
                        for (int64_t o = 0; o < Og; ++o) {
                            const T b = bias[g * Og + o];
                            for (int64_t l = 0; l < lc; ++l) S[o * L + l] += b;
                        }
                    if (P.wide) {  // keep the columns ow < Wo of each wide row
                        common::detail::for_row_segments(Wp, l0, lc, [&](int64_t oh, int64_t ow0, int64_t ow1, int64_t d) {
                            const int64_t e = std::min(ow1, Wo);
                            if (ow0 >= e) return;
                            for (int64_t o = 0; o < Og; ++o)
                                std::copy(S + o * L + d, S + o * L + d + (e - ow0), og + o * P.L + oh * Wo + ow0);
                        });
                    }
                }
            }
        }
    }
}

template <class T>
const T *opt(const Call &c, const char *name) {
    if (!c.has(name)) return nullptr;
    return static_cast<const T *>(c.in(name).raw()->data);
}

template <class T>
void run(Call &c, const Problem &P) {
    T *out = static_cast<T *>(c.out("out", P.dtype, {P.N, P.O, P.Ho, P.Wo}));
    forward<T>(P, opt<T>(c, "x"), opt<T>(c, "weight"), opt<T>(c, "a"), opt<T>(c, "gamma"), opt<T>(c, "c"),
               opt<T>(c, "bias"), out);
    for (int64_t i = 0, n = P.N * P.O * P.L; i < n; ++i)
        if (!std::isfinite(out[i]))
            sdk::fail(GEOMRT_EINVAL, c.method() + ": the output has a non-finite value (overflow of similarity '" +
                                         P.sim_name + "'; scale the inputs or lower p)");
}

void forward_body(Call &c) {
    const Problem P = parse_problem(c, false);
    if (P.dtype == GEOMRT_DTYPE_F32)
        run<float>(c, P);
    else
        run<double>(c, P);
}

}  // namespace

void register_generalized2d_forward(sdk::Plugin &plugin) {
    auto b = plugin.method("conv.generalized2d_forward", forward_body);
    b.summary("Generalized 2-D convolution: the patch inner product replaced by a kernel or distance similarity.");
    b.description(std::string("Forward pass of a generalized convolution layer (Ghiasi-Shirazi 2017). ") +
                  kDescriptionCommon + " Output: out (N x O x Ho x Wo).");
    b.citation(kCitation);
    declare_common(b).output("out", "N x O x Ho x Wo similarities plus bias (dtype of x)", GEOMRT_DTYPE_F32, 4,
                             "n,o,*,*", GEOMRT_IO_ANY_FLOAT);
}

}  // namespace conv
}  // namespace geomrt
