// inputs.cpp -- loading `geomrt run` input files and binding them (see inputs.hpp).
#include "inputs.hpp"

#include "cli_error.hpp"
#include "csv.hpp"
#include "npy.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>

namespace geomrt_cli {
namespace {

enum class FileFormat { Npy, Text };

std::string lower_extension(const std::string &path) {
    std::size_t slash = path.find_last_of('/');
    std::size_t dot = path.find_last_of('.');
    if (dot == std::string::npos || (slash != std::string::npos && dot < slash)) return "";
    std::string ext = path.substr(dot);
    std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return std::tolower(c); });
    return ext;
}

FileFormat detect_format(const std::string &path) {
    const std::string ext = lower_extension(path);
    if (ext == ".npy") return FileFormat::Npy;
    if (ext == ".csv" || ext == ".txt" || ext == ".tsv") return FileFormat::Text;
    if (looks_like_npy(path)) return FileFormat::Npy;
    throw CliError("cannot tell the format of '" + path + "' (expected a .npy, .csv, .txt or .tsv file)");
}

/** dtype to build from text for a slot: the slot's own if it is float32/int64, else float64. */
int text_dtype_for(const geomrt_slot_info &slot) {
    if (slot.kind == GEOMRT_KIND_DENSE && (slot.dtype == GEOMRT_DTYPE_F32 || slot.dtype == GEOMRT_DTYPE_I64))
        return slot.dtype;
    return GEOMRT_DTYPE_F64;
}

/** Convert float32 or int64 storage to float64 in place of the buffer (layout and strides kept). */
void widen_to_f64(HostTensor &t, const std::string &path) {
    const std::size_t count = static_cast<std::size_t>(t.numel());
    std::vector<uint64_t> wide(std::max<std::size_t>(count, 1));
    double *dst = reinterpret_cast<double *>(wide.data());
    if (t.dtype == GEOMRT_DTYPE_F32) {
        const float *src = static_cast<const float *>(t.data());
        for (std::size_t i = 0; i < count; ++i) dst[i] = src[i];
    } else {
        const int64_t *src = static_cast<const int64_t *>(t.data());
        const int64_t exact = int64_t(1) << 53;
        for (std::size_t i = 0; i < count; ++i) {
            if (src[i] > exact || src[i] < -exact)
                throw CliError(path + ": int64 value " + std::to_string(src[i]) +
                               " cannot be converted exactly to the float64 this input needs");
            dst[i] = static_cast<double>(src[i]);
        }
    }
    t.storage.swap(wide);
    t.dtype = GEOMRT_DTYPE_F64;
}

SparseHost dense_to_csr(const HostTensor &t, const std::string &name, const std::string &path) {
    if (t.ndim() != 2)
        throw CliError("input '" + name + "' is a sparse matrix, but '" + path + "' holds a tensor of shape " +
                       shape_string(t.shape.data(), t.ndim()) + " (expected a 2-D matrix)");
    if (t.dtype != GEOMRT_DTYPE_F64)
        throw CliError("input '" + name + "' is a sparse float64 matrix, but '" + path + "' holds " +
                       dtype_name(t.dtype) + " values");
    SparseHost s;
    s.rows = t.shape[0];
    s.cols = t.shape[1];
    const int64_t s0 = t.strides.empty() ? s.cols : t.strides[0];
    const int64_t s1 = t.strides.empty() ? 1 : t.strides[1];
    const double *v = static_cast<const double *>(t.data());
    s.indptr.reserve(static_cast<std::size_t>(s.rows) + 1);
    s.indptr.push_back(0);
    for (int64_t i = 0; i < s.rows; ++i) {
        for (int64_t j = 0; j < s.cols; ++j) {
            double x = v[i * s0 + j * s1];
            if (x != 0.0) {
                s.indices.push_back(j);
                s.values.push_back(x);
            }
        }
        s.indptr.push_back(static_cast<int64_t>(s.values.size()));
    }
    return s;
}

HostTensor read_tensor_file(const std::string &path, const geomrt_slot_info &slot) {
    if (detect_format(path) == FileFormat::Npy) return read_npy(path);
    return csv_to_tensor(read_csv(path), slot.kind == GEOMRT_KIND_SPARSE ? 2 : slot.ndim,
                         text_dtype_for(slot), path);
}

}  // namespace

LoadedInput load_input(const std::string &name, const std::string &path, const geomrt_slot_info &slot) {
    LoadedInput in;
    in.name = name;
    in.path = path;
    in.dense = read_tensor_file(path, slot);
    const bool wants_f64 = slot.kind == GEOMRT_KIND_SPARSE || slot.dtype == GEOMRT_DTYPE_F64;
    if (wants_f64 && (in.dense.dtype == GEOMRT_DTYPE_F32 || in.dense.dtype == GEOMRT_DTYPE_I64))
        widen_to_f64(in.dense, path);
    if (slot.kind == GEOMRT_KIND_SPARSE) {
        in.is_sparse = true;
        in.sparse = dense_to_csr(in.dense, name, path);
        in.dense = HostTensor();
    }
    in.is_inplace = (slot.flags & GEOMRT_IO_INPLACE) != 0;
    return in;
}

void bind_input(geomrt_args *args, LoadedInput &in) {
    const std::string context = "input '" + in.name + "' (" + in.path + ")";
    if (in.is_sparse) {
        const SparseHost &s = in.sparse;
        check_api(geomrt_args_set_sparse(args, in.name.c_str(), s.rows, s.cols,
                                         static_cast<int64_t>(s.values.size()), s.indptr.data(),
                                         s.indices.data(), s.values.data()),
                  context);
        return;
    }
    HostTensor &t = in.dense;
    if (in.is_inplace)
        check_api(geomrt_args_set_inplace(args, in.name.c_str(), t.dtype, t.data(), t.ndim(), t.shape.data(),
                                          t.strides_or_null()),
                  context);
    else
        check_api(geomrt_args_set_tensor(args, in.name.c_str(), t.dtype, t.data(), t.ndim(), t.shape.data(),
                                         t.strides_or_null()),
                  context);
}

}  // namespace geomrt_cli
