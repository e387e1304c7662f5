// inputs.hpp -- loading `geomrt run` input files and binding them to arguments.
#ifndef GEOMRT_TOOLS_INPUTS_HPP
#define GEOMRT_TOOLS_INPUTS_HPP

#include "tensor.hpp"

#include <geomrt/geomrt.h>

#include <cstdint>
#include <string>
#include <vector>

namespace geomrt_cli {

/** A CSR matrix owned by the tool (for inputs the method declares sparse). */
struct SparseHost {
    int64_t rows = 0, cols = 0;
    std::vector<int64_t> indptr, indices;
    std::vector<double> values;
};

/** One input file, loaded and shaped for its slot. Keep it alive until geomrt_invoke returns. */
struct LoadedInput {
    std::string name;
    std::string path;
    bool is_sparse = false;  // the slot is sparse: `sparse` holds the data
    bool is_inplace = false; // the slot is in-place: `dense` is updated by a successful call
    HostTensor dense;
    SparseHost sparse;
};

/**
 * Read `path` (.npy, or .csv/.txt/.tsv text) for the input slot `slot`: text is
 * shaped and typed from the slot's rank and dtype, float32/int64 .npy data is
 * widened to float64 when the slot wants float64, and a dense matrix is turned
 * into CSR for a sparse slot.
 */
LoadedInput load_input(const std::string &name, const std::string &path, const geomrt_slot_info &slot);

/** Pass a loaded input to the argument set (borrowed: `in` must outlive the call). */
void bind_input(geomrt_args *args, LoadedInput &in);

}  // namespace geomrt_cli

#endif
