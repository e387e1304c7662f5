// npy.hpp -- reading and writing NumPy .npy files.
//
// Reads format versions 1.0, 2.0 and 3.0 with element types float64, float32
// and int64 (either byte order; big-endian data is swapped on load), in C or
// Fortran order. A Fortran-order array keeps its layout: the tensor gets
// column-major strides instead of being copied. Every header field is
// validated and the data size is checked against the file size before any
// allocation, so malformed or truncated files produce an error, never a crash.
#ifndef GEOMRT_TOOLS_NPY_HPP
#define GEOMRT_TOOLS_NPY_HPP

#include "tensor.hpp"

#include <cstdint>
#include <string>

namespace geomrt_cli {

/** Read a .npy file; throws CliError naming the file and the problem. */
HostTensor read_npy(const std::string &path);

/**
 * Write a dense array of a geomrt dtype as a .npy file (version 1.0, or 2.0 for
 * huge headers). `data` is row-major, or column-major when `fortran_order`.
 */
void write_npy(const std::string &path, int dtype, const void *data, int ndim, const int64_t *shape,
               bool fortran_order = false);

/** True if the file starts with the .npy magic string (false if unreadable). */
bool looks_like_npy(const std::string &path);

}  // namespace geomrt_cli

#endif
