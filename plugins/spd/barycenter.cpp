// spd.barycenter: weighted Bures-Wasserstein (Frechet) mean of a batch of SPD matrices by the
// fixed-point iteration of Alvarez-Esteban et al. (2016), in the deformed chart.
#include <string>
#include <vector>

#include "spd_core.hpp"
#include "spd_methods.hpp"

namespace geomrt {
namespace spd {

namespace {

void barycenter_body(Call &c) {
    const auto X = c.in("X");
    const int64_t N = X.dim(0), n = X.dim(1);
    const Chart chart = read_chart(c, n);
    std::vector<double> w(static_cast<size_t>(N), 1.0 / static_cast<double>(N));
    if (c.has("w")) {
        double s = 0;
        for (int64_t i = 0; i < N; ++i) s += (w[i] = c.in("w").f64()[i]);
        if (!(s > 0)) fail(GEOMRT_EINVAL, c.method() + ": input 'w' sums to 0; weights must have a positive sum");
        for (double &v : w) v /= s;
    }
    std::vector<Mat> Z(static_cast<size_t>(N));
    parallel_for(N, c.threads(), [&](int64_t i) {
        const std::string what = item("X", i);
        const Mat Xi = checked_symmetric(c, what, X.f64() + i * n * n, n);
        Z[i] = chart.to_chart(checked_spd_eig(c, what, Xi));
    });
    // Points of zero weight do not enter the mean.
    std::vector<Mat> Zp;
    std::vector<double> wp;
    for (int64_t i = 0; i < N; ++i)
        if (w[i] > 0) {
            Zp.push_back(Z[i]);
            wp.push_back(w[i]);
        }
    const BarycenterResult r = barycenter(c, Zp, wp, c.f64("tol"), c.i64("max_iter"), c.threads(), true);
    store(chart.from_chart(r.G), c.out_f64("mean", {n, n}));
    c.scalar_i64("iterations", r.iterations);
    c.scalar("residual", r.residual);
}

}  // namespace

void register_barycenter(sdk::Plugin &plugin) {
    auto m = plugin.method("spd.barycenter", barycenter_body);
    m.summary("Weighted Bures-Wasserstein barycenter (Frechet mean) of a batch of SPD matrices.")
        .description(std::string(
                         "Minimizes sum_i w_i d_BW^2(G, Z_i) over SPD G, whose unique minimizer solves G = sum_i w_i "
                         "(G^1/2 Z_i G^1/2)^1/2. Found by the fixed-point iteration G <- G^-1/2 (sum_i w_i (G^1/2 Z_i "
                         "G^1/2)^1/2)^2 G^-1/2 from the weighted arithmetic mean (Alvarez-Esteban et al. 2016), until "
                         "the relative Frobenius change ||G_new - G||_F / ||G_new||_F is below tol; GEOMRT_ENOCONVERGE "
                         "after max_iter iterations. Weights w (default uniform) are nonnegative and normalized to sum "
                         "1. Outputs: mean (n x n; mapped back from the chart), iterations, residual (the last "
                         "relative change). ") +
                     chart_doc() +
                     "Inputs must be finite, symmetric (relative 1e-10) and positive definite; errors name the batch "
                     "index.")
        .citation(spd_citation())
        .input("X", "batch of SPD matrices (N x n x n)", GEOMRT_DTYPE_F64, 3, "N,n,n", GEOMRT_IO_ALLOW_NONFINITE)
        .input("w", "optional weights (N), nonnegative, normalized to sum 1; default uniform", GEOMRT_DTYPE_F64, 1, "N",
               GEOMRT_IO_OPTIONAL | GEOMRT_IO_NONNEGATIVE)
        .param_f64("tol", "stop when the relative Frobenius change is below tol; default 1e-12, range (0, inf)", "1e-12",
                   0.0, std::numeric_limits<double>::infinity(), GEOMRT_PARAM_MIN_EXCLUSIVE)
        .param_i64("max_iter", "maximum number of fixed-point iterations; default 1000, range [1, inf)", "1000", 1)
        .output("mean", "the barycenter (n x n)", GEOMRT_DTYPE_F64, 2, "n,n")
        .scalar_i64("iterations", "fixed-point iterations performed")
        .scalar("residual", "last relative Frobenius change");
    chart_params(m);
}

}  // namespace spd
}  // namespace geomrt
