// tensor.hpp -- a tensor read from a file, owned by the command-line tool.
#ifndef GEOMRT_TOOLS_TENSOR_HPP
#define GEOMRT_TOOLS_TENSOR_HPP

#include <geomrt/geomrt.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace geomrt_cli {

/** Size in bytes of one element of a geomrt dtype (0 if unknown). */
inline std::size_t dtype_size(int dtype) {
    switch (dtype) {
    case GEOMRT_DTYPE_F64: return 8;
    case GEOMRT_DTYPE_F32: return 4;
    case GEOMRT_DTYPE_I64: return 8;
    default: return 0;
    }
}

/** Short name of a geomrt dtype: "f64", "f32", "i64". */
inline const char *dtype_name(int dtype) {
    switch (dtype) {
    case GEOMRT_DTYPE_F64: return "f64";
    case GEOMRT_DTYPE_F32: return "f32";
    case GEOMRT_DTYPE_I64: return "i64";
    default: return "unknown";
    }
}

/**
 * A dense tensor with its own storage. `strides` (in elements) is empty for
 * C-contiguous data; a Fortran-order file keeps its column-major layout and
 * sets strides instead of being copied.
 */
struct HostTensor {
    int dtype = GEOMRT_DTYPE_F64;
    std::vector<int64_t> shape;
    std::vector<int64_t> strides;
    std::vector<uint64_t> storage;  // 8-byte aligned bytes for any dtype

    int ndim() const { return static_cast<int>(shape.size()); }
    int64_t numel() const {
        int64_t n = 1;
        for (int64_t d : shape) n *= d;
        return n;
    }
    void *data() { return storage.data(); }
    const void *data() const { return storage.data(); }
    const int64_t *strides_or_null() const { return strides.empty() ? nullptr : strides.data(); }
    /** Allocate zeroed storage for `bytes` bytes (never a null pointer, even for 0 bytes). */
    void allocate_bytes(std::size_t bytes) { storage.assign(bytes / 8 + 1, 0); }
};

/** Shape as text, e.g. "[3, 2]" ("[]" for a scalar). */
inline std::string shape_string(const int64_t *shape, int ndim) {
    std::string s = "[";
    for (int i = 0; i < ndim; ++i) {
        if (i) s += ", ";
        s += std::to_string(shape[i]);
    }
    return s + "]";
}

}  // namespace geomrt_cli

#endif
