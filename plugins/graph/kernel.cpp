// graph.kernel: plain and logarithmic graph kernels and their distances (Ivashkin & Chebotarev
// 2016; the measures of Fouss et al. 2012, Chebotarev 2011, Kivimaki et al. 2014).
//
// Exponential and resolvent kernels are f(M) for a symmetric M (A, L or the normalized L), so one
// eigendecomposition M = U diag(lambda) U^T serves every parameter value of a scan. K is written as
// K = f_p u_p u_p^T + R with p the dominant term (largest f) and R = sum_{k != p} f_k u_k u_k^T:
// D = (k 1^T + 1 k^T - 2K) / 2 then has the rank-one part in closed form, and for the logarithmic
// kernels log K_ij = log f_p + log u_pi + log u_pj + log1p(r_ij), r_ij = R_ij / (f_p u_pi u_pj), so
// the dominant term cancels analytically in D_ij = (log1p r_ii + log1p r_jj) / 2 - log1p r_ij
// before anything is rounded. A single plain resolvent (pwalk, forest, ct) is cheaper by Cholesky.
#include <algorithm>
#include <cmath>
#include <limits>
#include <queue>
#include <string>
#include <vector>

#include "graph_common.hpp"
#include "graph_krylov.hpp"
#include "graph_linalg.hpp"
#include "graph_methods.hpp"
#include "kernel_family.hpp"

namespace geomrt {
namespace graph {

namespace {

struct Problem {
    std::string method;
    Csr g;
    Family fam;
    bool log = false;
    int64_t n = 0, ncomp = 1;
    std::vector<int64_t> comp;
    std::vector<double> deg;
};

Mat dense_adjacency(const Csr &g) {
    Mat A = Mat::Zero(g.n, g.n);
    for (int64_t i = 0; i < g.n; ++i)
        for (int64_t k = g.ptr[i]; k < g.ptr[i + 1]; ++k) A(g.idx[k], i) = g.val[k];
    return A;
}

Mat laplacian(const Problem &P) {
    Mat L = -dense_adjacency(P.g);
    for (int64_t i = 0; i < P.n; ++i) L(i, i) += P.deg[i];
    return L;
}

/// The matrix the family is a function of: A (pwalk, comm), L (forest, heat, ct), L_sym (nheat).
Mat base_matrix(const Problem &P) {
    if (P.fam != Family::pwalk && P.fam != Family::comm && P.fam != Family::nheat) return laplacian(P);
    Mat A = dense_adjacency(P.g);
    switch (P.fam) {
    case Family::pwalk:
    case Family::comm: return A;
    case Family::nheat: {
        const std::vector<double> s = inv_sqrt_degrees(P.deg);
        Mat M = Mat::Zero(P.n, P.n);
        for (int64_t j = 0; j < P.n; ++j)
            for (int64_t i = 0; i < P.n; ++i) M(i, j) = (i == j && P.deg[i] > 0 ? 1.0 : 0.0) - s[i] * A(i, j) * s[j];
        return M;
    }
    default: return A;
    }
}

/// log f(lambda) of the spectral families.
double log_f(Family fam, double lam, double t) {
    switch (fam) {
    case Family::pwalk: return -std::log1p(-t * lam);
    case Family::forest: return -std::log1p(t * lam);
    case Family::heat:
    case Family::nheat: return -t * lam;
    case Family::comm: return t * lam;
    default: return 0.0;
    }
}

/// D_ij = (K_ii + K_jj) / 2 - K_ij, from K (symmetric, n x n).
void distance_from_kernel(const double *K, double *D, int64_t n) {
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j)
            D[i * n + j] = i == j ? 0.0 : 0.5 * (K[i * n + i] + K[j * n + j]) - K[i * n + j];
}

std::string param_text(const Problem &P, double t) {
    const char *nm = (P.fam == Family::rsp || P.fam == Family::fe) ? "beta" : (P.fam == Family::spct ? "lambda" : "t");
    return std::string(nm) + " = " + num(t);
}

/// One kernel f(M) (and D) from the eigendecomposition U, lam of M. Returns false if an entry
/// of K or D is not finite.
bool spectral_kernel(const Problem &P, const Mat &U, const Vec &lam, double t, double *K, double *D, Mat &W) {
    const int64_t n = P.n;
    std::vector<double> lf(static_cast<size_t>(n));
    int64_t p = 0;
    for (int64_t k = 0; k < n; ++k) {
        lf[k] = log_f(P.fam, lam(k), t);
        if (lf[k] > lf[p]) p = k;
    }
    // W = [sqrt(f_k / f_p) u_k]_{k != p}
    W.resize(n, std::max<int64_t>(n - 1, 1));
    int64_t col = 0;
    for (int64_t k = 0; k < n; ++k) {
        if (k == p) continue;
        W.col(col++) = U.col(k) * std::exp(0.5 * (lf[k] - lf[p]));
    }
    gram(P.method, W.data(), n, n - 1, K, false);  // K <- R' = R / f_p (one triangle; scratch)
    Vec u = U.col(p);
    if (u.sum() < 0) u = -u;
    std::vector<double> rd(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) rd[i] = K[i * n + i];
    if (!P.log) {
        const double fp = std::exp(lf[p]);
        if (!std::isfinite(fp))
            fail(GEOMRT_EINVAL, P.method + ": the plain " + family_name(P.fam) + " kernel overflows float64 at " +
                                    param_text(P, t) + " (its largest term is exp(" + num(lf[p]) +
                                    ")); use log = true or a smaller alpha");
        return symmetric_pass(K, D, n, [&](int64_t i, int64_t j, double r, double &k, double &d) {
            const double du = u(i) - u(j);
            d = i == j ? 0.0 : fp * (0.5 * du * du + 0.5 * (rd[i] + rd[j]) - r);
            k = fp * (r + u(i) * u(j));
        });
    }
    for (int64_t i = 0; i < n; ++i)
        if (!(u(i) > 0))
            fail(GEOMRT_EINVAL, P.method + ": the logarithmic " + std::string(family_name(P.fam)) +
                                    " kernel is not defined here: its leading eigenvector vanishes at node " +
                                    std::to_string(i) + " in float64");
    std::vector<double> lu(static_cast<size_t>(n)), l1(static_cast<size_t>(n)), iu(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) {
        lu[i] = std::log(u(i));
        iu[i] = 1.0 / u(i);
        l1[i] = std::log1p(rd[i] / (u(i) * u(i)));
    }
    double worst = 0;
    int64_t wi = -1, wj = -1;
    const double lp = lf[p];
    const bool finite = symmetric_pass(K, D, n, [&](int64_t i, int64_t j, double x, double &k, double &d) {
        const double r = x * iu[i] * iu[j];
        if (!(r > -1.0)) {
            if (wi < 0 || r < worst) { worst = r; wi = i; wj = j; }
            k = d = 0.0;
            return;
        }
        const double l = i == j ? l1[i] : std::log1p(r);
        d = i == j ? 0.0 : 0.5 * (l1[i] + l1[j]) - l;
        k = lp + lu[i] + lu[j] + l;
    });
    if (wi >= 0)
        fail(GEOMRT_EINVAL, P.method + ": the logarithmic " + std::string(family_name(P.fam)) + " kernel at " +
                                param_text(P, t) + " has entries below float64 resolution (K" + entry(wi, wj) +
                                " is smaller than the rounding error of the kernel); use a larger alpha");
    return finite;
}

/// The resolvent (I + tL)^-1 (forest) or (I - tA)^-1 (pwalk), or its elementwise logarithm, and
/// D, by Cholesky in place in K: M is written straight from the sparse graph, one triangle is
/// inverted and one tiled pass forms both triangles of K and D. Returns false if an entry of K or
/// D is not finite.
bool resolvent_kernel(const Problem &P, double t, double *K, double *D) {
    const int64_t n = P.n;
    std::fill(K, K + n * n, 0.0);
    for (int64_t i = 0; i < n; ++i) {
        K[i * n + i] = 1.0 + (P.fam == Family::forest ? t * P.deg[i] : 0.0);
        for (int64_t e = P.g.ptr[i]; e < P.g.ptr[i + 1]; ++e)
            if (P.g.idx[e] >= i) K[i * n + P.g.idx[e]] -= t * P.g.val[e];
    }
    if (!spd_inverse(P.method, K, n, false))
        fail(GEOMRT_EINVAL, P.method + ": " + std::string(P.fam == Family::pwalk ? "I - tA" : "I + tL") +
                                " is not positive definite in float64 at t = " + num(t) +
                                (P.fam == Family::pwalk ? " (t is too close to 1/rho)" : ""));
    std::vector<double> dg(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) dg[i] = K[i * n + i];
    if (!P.log)
        return symmetric_pass(K, D, n, [&](int64_t i, int64_t j, double x, double &k, double &d) {
            k = x;
            d = i == j ? 0.0 : 0.5 * (dg[i] + dg[j]) - x;
        });
    // A non-positive diagonal entry is caught at its own pair (i, i) in the pass below.
    for (double &v : dg) v = std::log(v);
    int64_t bi = -1, bj = -1;
    const bool finite = symmetric_pass(K, D, n, [&](int64_t i, int64_t j, double x, double &k, double &d) {
        if (!(x > 0)) {
            if (bi < 0) bi = i, bj = j;
            k = d = 0.0;
            return;
        }
        const double l = i == j ? dg[i] : std::log(x);
        k = l;
        d = i == j ? 0.0 : 0.5 * (dg[i] + dg[j]) - l;
    });
    if (bi >= 0)
        fail(GEOMRT_EINVAL, P.method + ": the logarithmic " + std::string(family_name(P.fam)) + " kernel at " +
                                param_text(P, t) + " has entries below float64 resolution (K" + entry(bi, bj) +
                                " is smaller than the rounding error of the kernel); use a larger alpha");
    return finite;
}

/// L^+ (both triangles) into out: Cholesky of L + J/n for a connected graph, else the
/// eigendecomposition with the ncomp null directions dropped.
void laplacian_pinv(const Problem &P, double *out) {
    const int64_t n = P.n;
    Mat L = laplacian(P);
    if (P.ncomp == 1) {
        const double c = 1.0 / static_cast<double>(n);
        Mat M = L.array() + c;
        if (spd_inverse(P.method, M.data(), n)) {
            for (int64_t i = 0; i < n * n; ++i) out[i] = M.data()[i] - c;
            return;
        }
    }
    Vec lam;
    sym_eig(P.method, L, lam);
    const int64_t z = P.ncomp;
    Mat W(n, std::max<int64_t>(n - z, 1));
    for (int64_t k = z; k < n; ++k) W.col(k - z) = L.col(k) / std::sqrt(std::max(lam(k), 1e-300));
    gram(P.method, W.data(), n, n - z, out);
}

/// Shortest-path distances with edge lengths 1 / A_ij (Dijkstra from every node).
Mat shortest_paths(const Problem &P, int threads) {
    const int64_t n = P.n;
    Mat S(n, n);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 8)
    for (int64_t s = 0; s < n; ++s) {
        std::vector<double> d(static_cast<size_t>(n), std::numeric_limits<double>::infinity());
        using Item = std::pair<double, int64_t>;
        std::priority_queue<Item, std::vector<Item>, std::greater<Item>> q;
        d[s] = 0;
        q.emplace(0.0, s);
        while (!q.empty()) {
            const Item it = q.top();
            q.pop();
            if (it.first > d[it.second]) continue;
            const int64_t u = it.second;
            for (int64_t k = P.g.ptr[u]; k < P.g.ptr[u + 1]; ++k) {
                const int64_t v = P.g.idx[k];
                const double nd = it.first + 1.0 / P.g.val[k];
                if (nd < d[v]) {
                    d[v] = nd;
                    q.emplace(nd, v);
                }
            }
        }
        for (int64_t j = 0; j < n; ++j) S(j, s) = d[j];
    }
    return S;
}

/// K = -1/2 H D' H (D' symmetric, zero diagonal) and D = D' / 2 (what kernel_to_distance gives).
void kernel_from_dissimilarity(const Mat &Dp, double *K, double *D, int64_t n) {
    Vec r = Dp.rowwise().mean();
    const double g = r.mean();
    for (int64_t i = 0; i < n; ++i)
        for (int64_t j = 0; j < n; ++j) {
            K[i * n + j] = -0.5 * (Dp(i, j) - r(i) - r(j) + g);
            D[i * n + j] = 0.5 * Dp(i, j);
        }
}

/// Randomized shortest path (rsp) and free energy (fe) dissimilarities (Kivimaki et al. 2014):
/// W = P o exp(-beta C), C_ij = 1 / A_ij on edges, P = D^-1 A, Z = (I - W)^-1.
Mat rsp_fe_dissimilarity(const Problem &P, double beta) {
    const int64_t n = P.n;
    Mat Wm = Mat::Zero(n, n), CW = Mat::Zero(n, n);
    for (int64_t i = 0; i < n; ++i)
        for (int64_t k = P.g.ptr[i]; k < P.g.ptr[i + 1]; ++k) {
            const int64_t j = P.g.idx[k];
            const double cost = 1.0 / P.g.val[k];
            const double w = P.g.val[k] / P.deg[i] * std::exp(-beta * cost);
            Wm(i, j) = w;
            CW(i, j) = cost * w;
        }
    Mat IW = Mat::Identity(n, n) - Wm;
    Eigen::PartialPivLU<Mat> lu(IW);
    Mat Z = lu.inverse();
    Mat Dp(n, n);
    auto underflow = [&](int64_t i, int64_t j) {
        fail(GEOMRT_EINVAL, P.method + ": the " + std::string(family_name(P.fam)) + " kernel at beta = " + num(beta) +
                                " underflows float64 (Z" + entry(i, j) +
                                " = 0: paths between distant nodes are too unlikely); use a larger alpha");
    };
    if (P.fam == Family::rsp) {
        Mat N = Z * CW * Z;
        Mat S(n, n);
        for (int64_t j = 0; j < n; ++j)
            for (int64_t i = 0; i < n; ++i) {
                if (!(Z(i, j) > 0)) underflow(i, j);
                S(i, j) = N(i, j) / Z(i, j);
            }
        for (int64_t j = 0; j < n; ++j)
            for (int64_t i = 0; i < n; ++i)
                Dp(i, j) = i == j ? 0.0 : 0.5 * ((S(i, j) - S(j, j)) + (S(j, i) - S(i, i)));
    } else {
        Mat Phi(n, n);
        for (int64_t j = 0; j < n; ++j)
            for (int64_t i = 0; i < n; ++i) {
                if (!(Z(i, j) > 0)) underflow(i, j);
                Phi(i, j) = -std::log(Z(i, j) / Z(j, j)) / beta;
            }
        for (int64_t j = 0; j < n; ++j)
            for (int64_t i = 0; i < n; ++i) Dp(i, j) = i == j ? 0.0 : 0.5 * (Phi(i, j) + Phi(j, i));
    }
    return Dp;
}

void kernel_body(Call &c) {
    Problem P;
    P.method = c.method();
    P.g = read_graph(c, "A");
    P.n = P.g.n;
    P.fam = family_of(c.str("kernel"));
    P.log = c.flag("log");
    P.deg = P.g.degrees();
    P.ncomp = components(P.g, P.comp);
    const int64_t n = P.n;
    const std::string kname = std::string(family_name(P.fam));

    // Which (family, log) pairs exist, and on which graphs.
    if (P.log && (P.fam == Family::ct || P.fam == Family::spct || P.fam == Family::rsp || P.fam == Family::fe))
        fail(GEOMRT_EINVAL, P.method + ": log = true is not defined for kernel '" + kname +
                                "': its rows sum to zero, so it has negative entries (use the plain kernel)");
    auto first_pair_across = [&](int64_t &a, int64_t &b) {
        a = 0;
        for (b = 0; b < n && P.comp[b] == P.comp[0]; ++b) {}
    };
    if (P.ncomp > 1 && (P.log || P.fam == Family::spct || P.fam == Family::rsp || P.fam == Family::fe)) {
        int64_t a, b;
        first_pair_across(a, b);
        const std::string what = P.log ? "the logarithmic " + kname + " kernel" : "kernel '" + kname + "'";
        fail(GEOMRT_EINVAL, P.method + ": " + what + " is not defined on a disconnected graph (" +
                                std::to_string(P.ncomp) + " components; nodes " + std::to_string(a) + " and " +
                                std::to_string(b) + " are not connected" +
                                (P.log ? ", so K" + entry(a, b) + " = 0 has no logarithm)" : ")"));
    }

    // Parameter values.
    const bool scan = c.has("alphas");
    const double traw = c.f64("t");
    std::vector<double> alphas;
    if (scan) {
        if (traw > 0)
            fail(GEOMRT_EINVAL, P.method + ": give either input 'alphas' or parameter 't', not both");
        const auto a = c.in("alphas");
        for (int64_t i = 0; i < a.dim(0); ++i) {
            const double v = a.f64()[i];
            if (!(v > 0 && v < 1))
                fail(GEOMRT_EINVAL, P.method + ": input 'alphas' must hold values in (0, 1), got alphas[" +
                                        std::to_string(i) + "] = " + num(v));
            alphas.push_back(v);
        }
    } else if (!(traw > 0)) {
        alphas.push_back(c.f64("alpha"));
    }
    double rho = 0;
    if (P.fam == Family::pwalk) {
        if (n <= 64 || P.g.nnz() == 0) {
            Mat A = dense_adjacency(P.g);
            Vec w;
            sym_eig(P.method, A, w);
            rho = n ? std::max(w.maxCoeff(), -w.minCoeff()) : 0.0;
        } else {
            rho = lanczos_max_eig([&](const double *x, double *y) { P.g.apply(x, y); }, n);
        }
        if (!alphas.empty() && !(rho > 0))
            fail(GEOMRT_EINVAL, P.method + ": the graph has no edges (spectral radius 0), so pwalk's t = alpha / rho is "
                                           "undefined; give the raw parameter t");
    }
    std::vector<double> ts;
    if (alphas.empty()) ts.push_back(traw);
    for (double a : alphas) ts.push_back(map_alpha(P.fam, a, rho));
    for (double t : ts) {
        if (P.fam == Family::pwalk && !(t * rho < 1.0 - 1e-10))
            fail(GEOMRT_EINVAL, P.method + ": pwalk needs 0 < t < 1/rho = " + num(1.0 / rho) + " (rho = " + num(rho) +
                                    ", the spectral radius of A), got t = " + num(t));
        if (P.fam == Family::spct && t > 1.0)
            fail(GEOMRT_EINVAL, P.method + ": spct's parameter lambda (t) must lie in [0, 1], got " + num(t));
    }

    const int64_t k = static_cast<int64_t>(ts.size());
    std::vector<int64_t> shape = scan ? std::vector<int64_t>{k, n, n} : std::vector<int64_t>{n, n};
    double *K = c.out_f64("K", shape);
    double *D = c.out_f64("D", shape);
    double *tv = c.out_f64("t_values", {k});
    for (int64_t i = 0; i < k; ++i) tv[i] = ts[i];
    if (n == 0) return;
    const int64_t nn = n * n;
    std::vector<signed char> checked(static_cast<size_t>(k), -1);  // -1: finiteness not yet checked

    switch (P.fam) {
    case Family::pwalk:
    case Family::forest:
    case Family::heat:
    case Family::nheat:
    case Family::comm: {
        const bool resolvent = P.fam == Family::pwalk || P.fam == Family::forest;
        // Resolvents by Cholesky, one per parameter value (n^3 flops each: cheaper than the
        // eigendecomposition's ~10 n^3 plus the n^3 of each spectral kernel). Their logarithms too:
        // the informative part is only polynomially (not exponentially) small against the leading
        // term, except for pwalk near t = 1/rho, which keeps the spectral form there.
        Mat U, W;
        Vec lam;
        for (int64_t i = 0; i < k; ++i) {
            c.progress(static_cast<double>(i) / static_cast<double>(k), i, 0.0);
            const double t = ts[i];
            double *Ki = K + i * nn, *Di = D + i * nn;
            if (resolvent && (!P.log || P.fam == Family::forest || t * rho <= 0.99)) {
                checked[i] = resolvent_kernel(P, t, Ki, Di);
                continue;
            }
            if (U.size() == 0) {  // one eigendecomposition for every remaining value
                U = base_matrix(P);
                sym_eig(P.method, U, lam);
            }
            checked[i] = spectral_kernel(P, U, lam, t, Ki, Di, W);
        }
        break;
    }
    case Family::ct:
    case Family::sct: {
        laplacian_pinv(P, K);
        if (P.fam == Family::ct) {
            distance_from_kernel(K, D, n);
            for (int64_t i = 1; i < k; ++i) {
                std::copy(K, K + nn, K + i * nn);
                std::copy(D, D + nn, D + i * nn);
            }
            break;
        }
        std::vector<double> Kct(K, K + nn);
        double mean = 0, var = 0;
        for (double v : Kct) mean += v;
        mean /= static_cast<double>(nn);
        for (double v : Kct) var += (v - mean) * (v - mean);
        const double sigma = std::sqrt(var / static_cast<double>(nn));
        if (!(sigma > 0))
            fail(GEOMRT_EINVAL, P.method + ": sct needs L^+ with distinct entries (their standard deviation is 0 for "
                                           "this graph)");
        for (int64_t i = 0; i < k; ++i) {
            double *Ki = K + i * nn;
            for (int64_t e = 0; e < nn; ++e) {
                const double x = ts[i] * Kct[e] / sigma;
                // sigmoid(x) and log sigmoid(x) = -softplus(-x), without overflow
                const double sp = std::max(-x, 0.0) + std::log1p(std::exp(-std::fabs(x)));
                Ki[e] = P.log ? -sp : std::exp(-sp);
            }
            distance_from_kernel(Ki, D + i * nn, n);
        }
        break;
    }
    case Family::spct: {
        const Mat S = shortest_paths(P, c.threads());
        laplacian_pinv(P, K);
        double vol = 0;
        for (double d : P.deg) vol += d;
        Mat CT(n, n);
        for (int64_t j = 0; j < n; ++j)
            for (int64_t i = 0; i < n; ++i) CT(i, j) = vol * (K[i * n + i] + K[j * n + j] - 2 * K[i * n + j]);
        for (int64_t i = 0; i < k; ++i) {
            const double lam = ts[i];
            Mat Dp = lam * S + (1.0 - lam) * 2.0 * CT;
            Dp.diagonal().setZero();
            kernel_from_dissimilarity(Dp, K + i * nn, D + i * nn, n);
        }
        break;
    }
    case Family::rsp:
    case Family::fe: {
        for (int64_t i = 0; i < k; ++i) {
            c.progress(static_cast<double>(i) / static_cast<double>(k), i, 0.0);
            const Mat Dp = rsp_fe_dissimilarity(P, ts[i]);
            kernel_from_dissimilarity(Dp, K + i * nn, D + i * nn, n);
        }
        break;
    }
    }
    // Entries already checked are those of the tiled passes (checked[i] = 1: finite, 0: not).
    for (int64_t i = 0; i < k; ++i) {
        bool ok = checked[i] == 1;
        if (checked[i] < 0) {
            ok = true;
            for (int64_t e = i * nn; e < (i + 1) * nn && ok; ++e) ok = std::isfinite(K[e]) && std::isfinite(D[e]);
        }
        if (!ok)
            fail(GEOMRT_EINVAL, P.method + ": the " + kname + " kernel is not finite in float64 for these parameters (" +
                                    param_text(P, ts[i]) + "); use a smaller alpha or log = true");
    }
}

}  // namespace

void register_kernel(sdk::Plugin &plugin) {
    plugin.method("graph.kernel", kernel_body)
        .summary("Plain or logarithmic graph kernel K of a graph and its distance D, for one alpha or a scan.")
        .description(
            "Proximity kernels of an undirected weighted graph with adjacency A (symmetric, nonnegative; dense "
            "or sparse CSR), L = diag(A 1) - A its Laplacian, L_sym = I - D^-1/2 A D^-1/2 the normalized one "
            "(isolated nodes get a zero row), rho the spectral radius of A. Kernels: pwalk (I - tA)^-1 with "
            "0 < t < 1/rho (t rho <= 1 - 1e-10; the plain walk / Katz kernel; with log = true the paper's "
            "Walk); forest (I + tL)^-1; "
            "heat exp(-tL); nheat exp(-t L_sym); comm (communicability) exp(tA); ct (commute time) L^+; sct "
            "(sigmoid commute time) 1 / (1 + exp(-t L^+ / sigma)), sigma the standard deviation of all entries "
            "of L^+; spct -1/2 H D' H with D' = lambda SP + (1 - lambda) 2 CT, SP the shortest-path distance "
            "with edge lengths 1 / A_ij, CT = vol(G) (L^+_ii + L^+_jj - 2 L^+_ij), H = I - 11^T / n; rsp and fe "
            "(randomized shortest path, free energy) -1/2 H D' H with D' from W = P o exp(-beta C), "
            "P = diag(A 1)^-1 A, C_ij = 1 / A_ij, Z = (I - W)^-1: rsp D'_ij = (S_ij - S_jj + S_ji - S_ii) / 2 "
            "with S = (Z (C o W) Z) / Z elementwise; fe D'_ij = (Phi_ij + Phi_ji) / 2 with "
            "Phi_ij = -log(Z_ij / Z_jj) / beta. log = true takes the elementwise logarithm of K (pwalk, forest, "
            "heat, nheat, comm, sct; connected graphs only, since K_ij = 0 across components). "
            "Parameter: alpha in (0, 1) mapped as pygkernels maps it: pwalk t = alpha / rho; forest, heat, "
            "nheat, comm, sct t = alpha / (2 (1 - alpha)); rsp, fe beta = (1 - alpha) / alpha; spct "
            "lambda = alpha; ct has none. Or the raw parameter t (> 0; overrides alpha). The optional input "
            "'alphas' (k values in (0, 1)) gives a scan: K and D become k x n x n, all from one "
            "eigendecomposition for the spectral kernels. Outputs: K; D = (k 1^T + 1 k^T - K - K^T) / 2 with "
            "k = diag K, computed directly: for the spectral kernels the dominant eigenterm f_p u_p u_p^T is "
            "split off, so for the logarithmic kernels D_ij = (log1p r_ii + log1p r_jj) / 2 - log1p r_ij with "
            "r = R / (f_p u_p u_p^T) keeps its full relative precision where the entries of K are dominated by "
            "log f_p (large t), and for spct, rsp, fe D = D' / 2 exactly; t_values: the raw parameter of each "
            "kernel. Forest and pwalk kernels, plain or logarithmic, are computed by Cholesky, one per value "
            "(ct too, via L + 11^T / n, on a connected graph; logarithmic pwalk only for t rho <= 0.99, where "
            "its informative part is not yet tiny against the leading term); the other spectral kernels by "
            "one symmetric eigendecomposition for all values. Disconnected graphs and "
            "isolated nodes are fine for the plain pwalk, forest, heat, nheat, comm, ct, sct (L^+ is the "
            "pseudo-inverse); the other cases are errors that say why.")
        .citation("[1] V. Ivashkin, P. Chebotarev, Do logarithmic proximity measures outperform plain ones in graph "
                  "clustering?, Models, Algorithms, and Technologies for Network Analysis (2017), arXiv:1605.01046; "
                  "[2] F. Fouss, K. Francoisse, L. Yen, A. Pirotte, M. Saerens, An experimental investigation of "
                  "kernels on graphs for collaborative recommendation and semisupervised classification, Neural "
                  "Networks 31 (2012); [3] I. Kivimaki, M. Shimbo, M. Saerens, Developments in the theory of "
                  "randomized shortest paths with a comparison of graph node distances, Physica A 393 (2014)")
        .sparse_input("A", "adjacency matrix (n x n, symmetric, nonnegative weights; sparse CSR or dense float64)", "n,n",
                      GEOMRT_IO_ALSO_DENSE | GEOMRT_IO_NONNEGATIVE)
        .input("alphas", "optional scan: k values of alpha in (0, 1), one kernel each", GEOMRT_DTYPE_F64, 1, "k",
               GEOMRT_IO_OPTIONAL)
        .output("K", "the kernel (n x n), or k x n x n with 'alphas'", GEOMRT_DTYPE_F64, -1, "")
        .output("D", "the kernel distance (k_i + k_j) / 2 - K_ij, same shape as K", GEOMRT_DTYPE_F64, -1, "")
        .output("t_values", "the raw parameter (t, beta or lambda) of each kernel", GEOMRT_DTYPE_F64, 1, "*")
        .param_enum("kernel", "kernel family", nullptr, kFamilyChoices)
        .param_bool("log", "take the elementwise logarithm of K (the logarithmic measures)", "false")
        .param_f64("alpha", "family parameter in (0, 1), mapped to t or beta as described", "0.5", 0.0, 1.0,
                   GEOMRT_PARAM_MIN_EXCLUSIVE | GEOMRT_PARAM_MAX_EXCLUSIVE)
        .param_f64("t", "the raw parameter (t, beta or lambda); 0 = derive it from alpha", "0", 0.0);
}

}  // namespace graph
}  // namespace geomrt
