// The inner loops of Sinkhorn scaling, with a run-time choice of instruction set.
//
// Both versions (AVX2 where the CPU has it, portable C++ otherwise) do the same floating-point
// operations in the same order (no fused multiply-add), so their results are bit-identical:
// the answer does not depend on the machine's vector width, only on the inputs.
#ifndef GEOMRT_PLUGINS_OT_SCALING_KERNELS_HPP
#define GEOMRT_PLUGINS_OT_SCALING_KERNELS_HPP

#include <cstdint>

namespace geomrt {
namespace ot {
namespace kernels {

/// One scaling sweep over `rows` consecutive rows of a row-major kernel K (row stride m):
/// r_i = K_i. . v, then u_i <- a_i / r_i (omega = 1) or the over-relaxed u_i (a_i / (u_i r_i))^omega,
/// and col_j += sum_i u_i K_ij with the new u. If row_err is not null it receives
/// sum_i |u_i r_i - a_i| for the u before the update (the row-marginal error of diag(u) K diag(v)).
/// Returns false if some r_i is not positive and finite (that row then adds nothing to col and
/// u_i is left as it was). The sums use a fixed order (8 lanes per dot product, rows combined in
/// groups of 4 from the first row), so the result depends only on the inputs and where the sweep
/// starts. `isa` picks the instruction set: Isa::Best (AVX2 where the CPU has it) or Isa::Portable.
enum class Isa { Best, Portable };
bool scale_rows(const double *K, int64_t rows, int64_t m, const double *v, const double *a, double *u, double *col,
                double omega = 1.0, double *row_err = nullptr, Isa isa = Isa::Best);
bool scale_rows(const float *K, int64_t rows, int64_t m, const double *v, const double *a, double *u, double *col,
                double omega = 1.0, double *row_err = nullptr, Isa isa = Isa::Best);

/// out_i = K_i. . v for `rows` consecutive rows (the dot products of scale_rows, same order).
void row_dots(const double *K, int64_t rows, int64_t m, const double *v, double *out, Isa isa = Isa::Best);
void row_dots(const float *K, int64_t rows, int64_t m, const double *v, double *out, Isa isa = Isa::Best);

/// x_j <- exp(x_j) for x_j <= 0, in place, and returns the sum of the results (in the 8-lane order
/// of the dot products). Accurate to 2 units in the last place; x_j < -708 gives exactly 0
/// (no subnormal results). Arguments must not be NaN or positive.
double exp_nonpositive(double *x, int64_t m, Isa isa = Isa::Best);

/// The instruction set the kernels run with on this CPU: "avx2" or "portable".
const char *isa();

}  // namespace kernels
}  // namespace ot
}  // namespace geomrt

#endif
