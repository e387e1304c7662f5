// A complete out-of-tree plugin: one method, declared with the header-only SDK.
// It does not link libgeomrt; the runtime finds it through GEOMRT_PLUGIN_PATH.
#include <cmath>

#include <geomrt/plugin.hpp>

namespace {

// y = factor * x, and the Euclidean norm of y.
void scale(geomrt::sdk::Call &c) {
    auto x = c.in("x");
    const double factor = c.f64("factor");
    double *y = c.out_f64("y", {x.dim(0)});
    double s = 0;
    for (int64_t i = 0; i < x.dim(0); ++i) {
        y[i] = factor * x.f64()[i];
        s += y[i] * y[i];
    }
    c.scalar("norm", std::sqrt(s));
}

}  // namespace

GEOMRT_PLUGIN("demo", "1.0.0") {
    plugin.method("demo.scale", scale)
        .summary("Multiply a vector by a number and report the result's norm.")
        .description("y = factor * x; norm = |y|_2. An example of an out-of-tree plugin.")
        .citation("none (example)")
        .input("x", "the vector", GEOMRT_DTYPE_F64, 1, "n")
        .param_f64("factor", "the multiplier", "2.0")
        .output("y", "factor * x", GEOMRT_DTYPE_F64, 1, "n")
        .scalar("norm", "Euclidean norm of y");
}
