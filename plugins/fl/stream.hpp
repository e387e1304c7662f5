// Shared machinery of the fl plugin: views of the client matrix W (f32 or f64, any
// strides), one streaming pass over W in column blocks that accumulates the pairwise Gram
// matrix and Manhattan distances without a K x d temporary, weighted combinations of rows,
// and the declarations every method shares.
#ifndef GEOMRT_FL_STREAM_HPP
#define GEOMRT_FL_STREAM_HPP

#include <cstdint>
#include <string>
#include <vector>

#include <geomrt/plugin.hpp>

namespace geomrt {
namespace fl {

using sdk::Call;
using sdk::Tensor;

/// A borrowed vector or matrix in its own dtype (f32 or f64) with element strides.
struct View {
    const void *data = nullptr;
    int dtype = GEOMRT_DTYPE_F64;
    int64_t rows = 1, cols = 0;
    int64_t s0 = 0, s1 = 1;  // strides in elements
    bool present() const { return data != nullptr; }
    /// Copy columns [c0, c0 + n) of row r as f64 into out.
    void row_f64(int64_t r, int64_t c0, int64_t n, double *out) const;
};

/// The client matrix W (K x d) of a call.
View client_matrix(const Call &c);
/// An optional length-d vector input (w0, server_update); absent -> !present().
View optional_vector(const Call &c, const char *name);
/// Sample counts n (K) of a call, or all ones; throws if they sum to zero.
std::vector<double> sample_counts(const Call &c, int64_t K);

/// What one streaming pass accumulates.
struct PassSpec {
    bool gram = true;          // dot products of the (shifted) rows and extra rows
    bool manhattan = false;    // |w_i - w_j|_1 between client rows (shift-invariant)
    bool row_l1 = false;       // |w_i - shift|_1 per client row
    View shift;                // subtracted from every client row before the Gram (absent: none)
    bool shift_row0 = false;   // subtract client row 0 instead (for distance-only uses)
    std::vector<View> extra;   // extra rows appended after the K client rows (not shifted)
};

/// Results of a pass: G and M are (K + extra) x (K + extra) symmetric, row-major.
struct PassResult {
    int64_t n = 0;  // K + number of extra rows
    std::vector<double> G, M, row_l1;
    double g(int64_t i, int64_t j) const { return G[i * n + j]; }
    double m(int64_t i, int64_t j) const { return M[i * n + j]; }
};

/// One pass over W in column blocks on c.threads() threads. Throws an EINVAL error naming
/// the first client (row) holding NaN or Inf, and ECANCELLED when the caller cancels.
PassResult stream_pass(const Call &c, const View &W, const PassSpec &spec);

/// Writes aggregate[col] = base[col] + sum_i coef[i] (W[i][col] - base[col]) into the
/// output `name` (in W's dtype, accumulated in f64); base absent means zero. Rows with
/// coef 0 are not read unless check_all (then every row is read and checked for NaN/Inf).
void combine_rows(const Call &c, const View &W, const std::vector<double> &coef, const View &base,
                  bool check_all, const char *name = "aggregate");

/// The error for a non-finite entry of client row r.
[[noreturn]] void fail_nonfinite(const Call &c, int64_t r);
/// Allocate the i64 output `kept` holding the given (ascending) indices.
void write_kept(const Call &c, const std::vector<int64_t> &kept);
/// Allocate an f64 output of K entries holding v.
void write_vec(const Call &c, const char *name, const std::vector<double> &v);
/// Indices of the `count` smallest scores, ties broken by the lower index, returned ascending.
std::vector<int64_t> lowest(const std::vector<double> &scores, int64_t count);

/// The inputs every method shares: W, then n.
sdk::MethodBuilder &client_inputs(sdk::MethodBuilder &m);
/// The output `aggregate` (d, W's dtype).
sdk::MethodBuilder &aggregate_output(sdk::MethodBuilder &m, const std::string &doc);

}  // namespace fl
}  // namespace geomrt

#endif
