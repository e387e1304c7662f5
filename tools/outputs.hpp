// outputs.hpp -- reporting and saving the outputs of `geomrt run`.
#ifndef GEOMRT_TOOLS_OUTPUTS_HPP
#define GEOMRT_TOOLS_OUTPUTS_HPP

#include <geomrt/geomrt.h>

#include <cstdint>
#include <string>
#include <vector>

namespace geomrt_cli {

struct LoadedInput;

/** What one output is, as printed in the report. */
struct OutputInfo {
    std::string name;
    int kind = GEOMRT_KIND_DENSE;
    int dtype = GEOMRT_DTYPE_F64;
    std::vector<int64_t> shape;
    int64_t nnz = 0;        // sparse outputs
    bool scalar = false;    // dense and rank 0
    double value = 0.0;     // scalar f64/f32 value
    int64_t ivalue = 0;     // scalar i64 value (exact)
};

/** Describe every output of a result, in the result's order. */
std::vector<OutputInfo> collect_outputs(const geomrt_result *res);

/** Text report: "name = value" for scalars (%.17g), "name: dense f64 [n, m]" for tensors. */
void print_text_report(const std::vector<OutputInfo> &outputs);

/** The one-line JSON report of `run --json`. */
std::string json_report(const std::string &method, double elapsed_s, const std::vector<OutputInfo> &outputs);

/** Create `dir` (and parents) if needed; throws naming it. */
void prepare_out_dir(const std::string &dir);

/**
 * Save every output in `dir`: dense ones as NAME.npy; sparse ones as
 * NAME.indptr.npy, NAME.indices.npy, NAME.values.npy and, when rows*cols <= 1e7,
 * also as a dense NAME.npy. In-place inputs are saved as NAME.npy too
 * (NAME.inplace.npy if an output has that name). Returns the files written.
 */
std::vector<std::string> write_outputs(const geomrt_result *res, const std::vector<OutputInfo> &outputs,
                                       const std::vector<LoadedInput> &inputs, const std::string &dir);

}  // namespace geomrt_cli

#endif
