// softmax.jvp_linear: the directional derivative of the logits of a linear (last) layer, so that
// callers without automatic differentiation can feed softmax.radius.
#include <string>

#include <Eigen/Dense>

#include "softmax_methods.hpp"

namespace geomrt {
namespace softmax {

namespace {

using sdk::Call;
using sdk::fail;
using RowMat = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
template <class T>
using RowMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;

/// A float64 copy of a float32 input, or a view of a float64 one.
struct Dense {
    RowMat copy;
    const double *data = nullptr;
    Dense(const sdk::Tensor &t, int64_t rows, int64_t cols) {
        if (t.dtype() == GEOMRT_DTYPE_F32) {
            copy = RowMap<float>(t.f32(), rows, cols).cast<double>();
            data = copy.data();
        } else {
            data = t.f64();
        }
    }
    RowMap<double> map(int64_t rows, int64_t cols) const { return RowMap<double>(data, rows, cols); }
};

void jvp_linear_body(Call &c) {
    const auto X = c.in("X"), V = c.in("V");
    const int64_t B = X.dim(0), D = X.dim(1), K = V.dim(0);
    if (c.has("W") != c.has("dX"))
        fail(GEOMRT_EINVAL, c.method() + ": inputs 'W' and 'dX' go together (the term dX W^T of a moving layer "
                                         "input); give both or neither, got only '" +
                                std::string(c.has("W") ? "W" : "dX") + "'");
    const Dense x(X, B, D), v(V, K, D);
    Eigen::Map<RowMat> a(c.out_f64("a", {B, K}), B, K);
    a.noalias() = x.map(B, D) * v.map(K, D).transpose();
    if (c.has("W")) {
        const Dense w(c.in("W"), K, D), dx(c.in("dX"), B, D);
        a.noalias() += dx.map(B, D) * w.map(K, D).transpose();
    }
    if (c.has("v_bias")) {
        const auto vb = c.in("v_bias");
        const Dense bias(vb, 1, K);
        a.rowwise() += bias.map(1, K).row(0);
    }
}

}  // namespace

void register_jvp_linear(sdk::Plugin &plugin) {
    plugin.method("softmax.jvp_linear", jvp_linear_body)
        .summary("JVP of the logits of a linear layer z = X W^T + b along (V, v_bias): a = X V^T + v_bias (+ dX W^T).")
        .description(
            "For logits z = X W^T + b (X the B x D input of the layer, W the K x D weight, b the K bias), moving the "
            "layer's parameters along the direction (V, v_bias) changes the logits at the rate a = d/dtau z(W + tau "
            "V, b + tau v_bias) = X V^T + 1 v_bias^T (B x K), exactly (z is linear in W and b). When the layer's input "
            "moves too (earlier layers are updated, with input tangent dX, B x D), give W and dX: a = X V^T + dX W^T "
            "+ 1 v_bias^T, the forward-mode chain rule through the layer; applied layer by layer (with the "
            "activation's derivative on dX in between) this is the JVP of a whole network. The result is the 'jvp' "
            "input of softmax.radius; scale (V, v_bias) to unit norm over all parameters first, or divide the "
            "radius by the norm. Which of the reference code's three controllers this serves: the JVP controller "
            "(experiments/lrspike/run.py, which takes the JVP with automatic differentiation); it is a helper, not "
            "a controller. Inputs float64 or float32 (float32 is widened to float64; the product runs in float64 "
            "through BLAS), all finite; output float64.")
        .citation(paper_citation())
        .input("X", "input of the linear layer, one row per sample (B x D), float64 or float32", GEOMRT_DTYPE_F64, 2,
               "b,d", GEOMRT_IO_ANY_FLOAT)
        .input("V", "direction of the weight W (K x D), float64 or float32", GEOMRT_DTYPE_F64, 2, "k,d",
               GEOMRT_IO_ANY_FLOAT)
        .input("v_bias", "direction of the bias b (K), float64 or float32; optional (a bias that does not move)",
               GEOMRT_DTYPE_F64, 1, "k", GEOMRT_IO_OPTIONAL | GEOMRT_IO_ANY_FLOAT)
        .input("W", "the layer's weight (K x D), needed with dX; optional", GEOMRT_DTYPE_F64, 2, "k,d",
               GEOMRT_IO_OPTIONAL | GEOMRT_IO_ANY_FLOAT)
        .input("dX", "tangent of the layer input along the direction (B x D), with W; optional", GEOMRT_DTYPE_F64, 2,
               "b,d", GEOMRT_IO_OPTIONAL | GEOMRT_IO_ANY_FLOAT)
        .output("a", "directional derivative of the logits, X V^T + dX W^T + v_bias (B x K)", GEOMRT_DTYPE_F64, 2,
                "b,k");
}

}  // namespace softmax
}  // namespace geomrt
