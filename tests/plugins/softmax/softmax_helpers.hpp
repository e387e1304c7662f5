// Helpers shared by the softmax plugin's tests: float32 inputs, optional outputs, and a
// Newton search for the complex zeros of a partition function sum_k exp(z_k + tau a_k).
#ifndef GEOMRT_TESTS_SOFTMAX_HELPERS_HPP
#define GEOMRT_TESTS_SOFTMAX_HELPERS_HPP

#include <cmath>
#include <complex>
#include <limits>
#include <string>
#include <vector>

#include "common.hpp"

namespace st {

constexpr double kPi = 3.14159265358979323846;
constexpr double kInf = std::numeric_limits<double>::infinity();

inline void set_f32(geomrt_args *a, const char *name, const std::vector<float> &v, int64_t rows, int64_t cols) {
    int64_t shape[2] = {rows, cols};
    REQUIRE(geomrt_args_set_tensor(a, name, GEOMRT_DTYPE_F32, v.data(), 2, shape, nullptr) == GEOMRT_OK);
}
inline void set_f64(geomrt_args *a, const char *name, const std::vector<double> &v, int64_t rows, int64_t cols) {
    int64_t shape[2] = {rows, cols};
    REQUIRE(geomrt_args_set_f64(a, name, v.data(), 2, shape) == GEOMRT_OK);
}
inline bool has(const geomrt_result *r, const char *name) { return geomrt_result_has(r, name) == 1; }

/// Smallest |tau| over the zeros of Z(tau) = sum_k exp(z_k + tau a_k) that Newton's method reaches
/// from a grid of complex start points in the square [-R, R]^2; `found` counts converged runs.
inline double nearest_zero(const std::vector<double> &z, const std::vector<double> &a, double R, int *found,
                           std::complex<double> *where = nullptr) {
    using C = std::complex<double>;
    double best = kInf;
    *found = 0;
    const int n = 24;
    double zmax = z[0];
    for (double v : z) zmax = std::max(zmax, v);
    for (int i = 0; i <= n; ++i)
        for (int j = 0; j <= n; ++j) {
            C t(-R + 2 * R * i / n, -R + 2 * R * j / n);
            for (int it = 0; it < 200; ++it) {
                C f(0, 0), df(0, 0);
                for (size_t k = 0; k < z.size(); ++k) {
                    const C e = std::exp(C(z[k] - zmax, 0) + t * a[k]);
                    f += e;
                    df += a[k] * e;
                }
                if (!std::isfinite(std::abs(f)) || !std::isfinite(std::abs(df)) || std::abs(df) == 0) break;
                const C step = f / df;
                t -= step;
                if (std::abs(step) < 1e-15 * std::max(1.0, std::abs(t))) {
                    // Converged: check it is a zero relative to the size of the terms.
                    double scale = 0;
                    C g(0, 0);
                    for (size_t k = 0; k < z.size(); ++k) {
                        const C e = std::exp(C(z[k] - zmax, 0) + t * a[k]);
                        g += e;
                        scale += std::abs(e);
                    }
                    if (std::abs(g) < 1e-10 * scale) {
                        ++*found;
                        if (std::abs(t) < best) {
                            best = std::abs(t);
                            if (where) *where = t;
                        }
                    }
                    break;
                }
            }
        }
    return best;
}

}  // namespace st

#endif
