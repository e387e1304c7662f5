// outputs.cpp -- reporting and saving the outputs of `geomrt run` (see outputs.hpp).
#include "outputs.hpp"

#include "cli_error.hpp"
#include "inputs.hpp"
#include "json.hpp"
#include "npy.hpp"
#include "tensor.hpp"

#include <cstdio>
#include <filesystem>
#include <system_error>

namespace geomrt_cli {
namespace {

constexpr int64_t kMaxDenseSparseElements = 10000000;  // 1e7: larger sparse outputs are saved as CSR only

OutputInfo describe_dense(const geomrt_result *res, const std::string &name) {
    geomrt_tensor_view v;
    check_api(geomrt_result_tensor(res, name.c_str(), &v), "output '" + name + "'");
    OutputInfo o;
    o.name = name;
    o.kind = GEOMRT_KIND_DENSE;
    o.dtype = v.dtype;
    o.shape.assign(v.shape, v.shape + v.ndim);
    o.scalar = v.ndim == 0 && v.numel == 1;
    if (o.scalar) {
        if (v.dtype == GEOMRT_DTYPE_F64) o.value = *static_cast<const double *>(v.data);
        else if (v.dtype == GEOMRT_DTYPE_F32) o.value = *static_cast<const float *>(v.data);
        else if (v.dtype == GEOMRT_DTYPE_I64) o.ivalue = *static_cast<const int64_t *>(v.data);
    }
    return o;
}

OutputInfo describe_sparse(const geomrt_result *res, const std::string &name) {
    geomrt_sparse_view v;
    check_api(geomrt_result_sparse(res, name.c_str(), &v), "output '" + name + "'");
    OutputInfo o;
    o.name = name;
    o.kind = GEOMRT_KIND_SPARSE;
    o.dtype = GEOMRT_DTYPE_F64;
    o.shape = {v.rows, v.cols};
    o.nnz = v.nnz;
    return o;
}

std::string scalar_text(const OutputInfo &o) {
    if (o.dtype == GEOMRT_DTYPE_I64) return std::to_string(o.ivalue);
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", o.value);
    return buf;
}

std::string scalar_json(const OutputInfo &o) {
    return o.dtype == GEOMRT_DTYPE_I64 ? json::number(o.ivalue) : json::number(o.value);
}

std::string shape_json(const std::vector<int64_t> &shape) {
    std::string s = "[";
    for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
    return s + "]";
}

/** {"shape": [...], "dtype": "f64"} plus format/nnz for sparse and value for scalars. */
std::string output_json(const OutputInfo &o) {
    json::ObjectWriter w;
    w.raw("shape", shape_json(o.shape)).str("dtype", dtype_name(o.dtype));
    if (o.kind == GEOMRT_KIND_SPARSE) w.str("format", "csr").num("nnz", o.nnz);
    if (o.scalar) w.raw("value", scalar_json(o));
    return w.text();
}

bool is_reserved_key(const std::string &name) {
    return name == "method" || name == "elapsed_s" || name == "outputs";
}

/** An output name made safe as a file name: only [A-Za-z0-9_.-], not starting with '.'. */
std::string file_stem(const std::string &name) {
    std::string s;
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                  c == '-' || c == '.';
        s += ok ? c : '_';
    }
    if (s.empty() || s[0] == '.') s = "_" + s;
    return s;
}

std::string join_path(const std::string &dir, const std::string &file) {
    return (std::filesystem::path(dir) / file).string();
}

void write_dense_output(const geomrt_result *res, const OutputInfo &o, const std::string &path) {
    geomrt_tensor_view v;
    check_api(geomrt_result_tensor(res, o.name.c_str(), &v), "output '" + o.name + "'");
    write_npy(path, v.dtype, v.data, v.ndim, v.shape);
}

bool sparse_fits_dense(int64_t rows, int64_t cols) {
    if (rows == 0 || cols == 0) return true;
    return rows <= kMaxDenseSparseElements / cols;
}

void write_sparse_output(const geomrt_result *res, const OutputInfo &o, const std::string &dir,
                         std::vector<std::string> &written) {
    geomrt_sparse_view v;
    check_api(geomrt_result_sparse(res, o.name.c_str(), &v), "output '" + o.name + "'");
    const std::string stem = join_path(dir, file_stem(o.name));
    if (sparse_fits_dense(v.rows, v.cols)) {
        std::vector<double> dense(static_cast<std::size_t>(v.rows * v.cols) + 1);
        check_api(geomrt_result_copy_f64(res, o.name.c_str(), dense.data(), v.rows * v.cols),
                  "output '" + o.name + "'");
        const int64_t shape[2] = {v.rows, v.cols};
        write_npy(stem + ".npy", GEOMRT_DTYPE_F64, dense.data(), 2, shape);
        written.push_back(stem + ".npy");
    }
    const int64_t ptr_shape[1] = {v.rows + 1}, nnz_shape[1] = {v.nnz};
    write_npy(stem + ".indptr.npy", GEOMRT_DTYPE_I64, v.indptr, 1, ptr_shape);
    write_npy(stem + ".indices.npy", GEOMRT_DTYPE_I64, v.indices, 1, nnz_shape);
    write_npy(stem + ".values.npy", GEOMRT_DTYPE_F64, v.values, 1, nnz_shape);
    for (const char *suffix : {".indptr.npy", ".indices.npy", ".values.npy"}) written.push_back(stem + suffix);
}

bool has_output(const std::vector<OutputInfo> &outputs, const std::string &name) {
    for (const OutputInfo &o : outputs)
        if (o.name == name) return true;
    return false;
}

void write_inplace_state(const LoadedInput &in, const std::vector<OutputInfo> &outputs, const std::string &dir,
                         std::vector<std::string> &written) {
    const std::string suffix = has_output(outputs, in.name) ? ".inplace.npy" : ".npy";
    const std::string path = join_path(dir, file_stem(in.name) + suffix);
    const HostTensor &t = in.dense;
    write_npy(path, t.dtype, t.data(), t.ndim(), t.shape.data(), !t.strides.empty());
    written.push_back(path);
}

}  // namespace

std::vector<OutputInfo> collect_outputs(const geomrt_result *res) {
    std::vector<OutputInfo> out;
    const std::size_t n = geomrt_result_count(res);
    for (std::size_t i = 0; i < n; ++i) {
        const char *name = geomrt_result_name(res, i);
        if (!name) continue;
        int kind = geomrt_result_kind(res, name);
        if (kind == GEOMRT_KIND_SPARSE) out.push_back(describe_sparse(res, name));
        else if (kind == GEOMRT_KIND_DENSE) out.push_back(describe_dense(res, name));
        else check_api(kind, std::string("output '") + name + "'");
    }
    return out;
}

void print_text_report(const std::vector<OutputInfo> &outputs) {
    for (const OutputInfo &o : outputs) {
        const std::string shape = shape_string(o.shape.data(), static_cast<int>(o.shape.size()));
        if (o.scalar) std::printf("%s = %s\n", o.name.c_str(), scalar_text(o).c_str());
        else if (o.kind == GEOMRT_KIND_SPARSE)
            std::printf("%s: sparse f64 %s, nnz %lld\n", o.name.c_str(), shape.c_str(), (long long)o.nnz);
        else std::printf("%s: %s %s\n", o.name.c_str(), dtype_name(o.dtype), shape.c_str());
    }
}

std::string json_report(const std::string &method, double elapsed_s, const std::vector<OutputInfo> &outputs) {
    json::ObjectWriter top, tensors;
    top.str("method", method).num("elapsed_s", elapsed_s);
    for (const OutputInfo &o : outputs) {
        if (o.scalar && !is_reserved_key(o.name)) top.raw(o.name, scalar_json(o));
        else tensors.raw(o.name, output_json(o));
    }
    top.raw("outputs", tensors.text());
    return top.text();
}

void prepare_out_dir(const std::string &dir) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) throw CliError("cannot create the output directory '" + dir + "': " + ec.message());
    if (!std::filesystem::is_directory(dir, ec))
        throw CliError("the output path '" + dir + "' exists and is not a directory");
}

std::vector<std::string> write_outputs(const geomrt_result *res, const std::vector<OutputInfo> &outputs,
                                       const std::vector<LoadedInput> &inputs, const std::string &dir) {
    std::vector<std::string> written;
    for (const OutputInfo &o : outputs) {
        if (o.kind == GEOMRT_KIND_SPARSE) {
            write_sparse_output(res, o, dir, written);
        } else {
            const std::string path = join_path(dir, file_stem(o.name) + ".npy");
            write_dense_output(res, o, path);
            written.push_back(path);
        }
    }
    for (const LoadedInput &in : inputs)
        if (in.is_inplace && !in.is_sparse) write_inplace_state(in, outputs, dir, written);
    return written;
}

}  // namespace geomrt_cli
