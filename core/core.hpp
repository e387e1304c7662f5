// Internal definitions of the geomrt core: registry, plugins, arguments, results.
// Nothing here is part of the ABI; the C API in capi/src wraps it.
#ifndef GEOMRT_CORE_CORE_HPP
#define GEOMRT_CORE_CORE_HPP

#include <atomic>
#include <map>
#include <memory>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <vector>

#include "geomrt/geomrt.h"
#include "geomrt/plugin.h"
#include "memory.hpp"

namespace geomrt {
namespace core {

/// An error with a geomrt_error code; thrown inside the core, caught at the C boundary.
class Error : public std::runtime_error {
public:
    Error(int code, const std::string &msg) : std::runtime_error(msg), code_(code) {}
    int code() const noexcept { return code_; }

private:
    int code_;
};

/// Record the calling thread's last error (code and message); OK clears it.
void set_last_error(int code, const std::string &msg);
const char *last_error();
int last_error_code();
const char *error_name(int code);
const char *dtype_name(int dtype);
size_t dtype_size(int dtype);

struct SlotDesc {
    std::string name, doc, shape;
    int kind = GEOMRT_KIND_DENSE;
    int dtype = GEOMRT_DTYPE_F64;
    int ndim = -1;
    unsigned flags = 0;
    std::vector<std::string> dims;  // parsed shape signature ("" entries = free)
};

struct ParamDesc {
    std::string name, doc, def, choices;
    std::vector<std::string> choice_list;
    bool required = false;
    int type = GEOMRT_PARAM_F64;
    double min = 0, max = 0;
    unsigned flags = 0;
};

/// A parameter value (also the parsed default).
struct ParamValue {
    int type = 0;
    int64_t i = 0;
    double f = 0;
    std::string s;
};

struct MethodDesc {
    std::string name, summary, description, citation, plugin_path, json;
    std::vector<SlotDesc> inputs, outputs;
    std::vector<ParamDesc> params;
    std::vector<ParamValue> defaults;  // parsed defaults, in param order
    geomrt_method_fn fn = nullptr;
    void *user = nullptr;
};

/// Validate and copy a plugin's C descriptor; throws Error on a malformed one.
MethodDesc copy_descriptor(const geomrt_method_desc *d, const std::string &plugin_path);

}  // namespace core
}  // namespace geomrt

/// Public opaque handle types (defined here so the C API can reach them).
struct geomrt_method {
    geomrt::core::MethodDesc d;
};

struct geomrt_plugin_record {
    std::string path, name, version, reason;
    int status = GEOMRT_PLUGIN_REJECTED;
};

namespace boost {
namespace dll {
class shared_library;
}
}  // namespace boost

struct geomrt_runtime {
    mutable std::shared_mutex mu;
    std::vector<geomrt_plugin_record> report;
    std::vector<std::unique_ptr<geomrt_method>> methods;  // sorted by name
    std::vector<std::shared_ptr<boost::dll::shared_library>> libs;
    geomrt::core::ScratchCache scratch;  // idle scratch blocks reused across calls
    ~geomrt_runtime();
};

/// Storage of an input copied into the args handle (geomrt_args_set_*_copy).
struct geomrt_arg_owned {
    std::vector<double> dense;  // C-contiguous elements of any dtype (8-byte aligned)
    std::vector<int64_t> indptr, indices;
    std::vector<double> values;
};

/// One argument value as the caller set it.
struct geomrt_arg_value {
    int kind = GEOMRT_KIND_DENSE;
    int dtype = GEOMRT_DTYPE_F64;
    void *data = nullptr;
    bool inplace = false;
    bool has_strides = false;
    std::vector<int64_t> shape, strides;
    int64_t nnz = 0;
    const int64_t *indptr = nullptr, *indices = nullptr;
    const double *values = nullptr;
    std::shared_ptr<const geomrt_arg_owned> owned;  // set for copied inputs: the pointers above point into it
};

struct geomrt_param_setting {
    int type = 0;  // GEOMRT_PARAM_F64 / I64 / BOOL / STRING as given by the caller
    double f = 0;
    int64_t i = 0;
    std::string s;
};

struct geomrt_args {
    std::map<std::string, geomrt_arg_value> inputs;
    std::map<std::string, geomrt_param_setting> params;
};

struct geomrt_output {
    std::string name;
    std::string doc;  // the descriptor's doc of this output
    bool set = false;
    int kind = GEOMRT_KIND_DENSE;
    int dtype = GEOMRT_DTYPE_F64;
    std::vector<int64_t> shape;
    int64_t numel = 0;
    geomrt::core::ZeroBuffer storage;  // dense data (8-byte aligned for every dtype)
    std::vector<int64_t> indptr, indices;
    std::vector<double> values;
};

struct geomrt_result {
    std::vector<geomrt_output> outputs;  // only the outputs the method produced
};

namespace geomrt {
namespace core {

/// Plugin discovery and loading (loader.cpp).
void discover(geomrt_runtime &rt, const geomrt_runtime_options *opts);
/// Load one file or every plugin file in a directory; returns OK or the first rejection code.
/// `strict` (geomrt_runtime_load_plugin): a file that is already loaded is an error (EPLUGIN),
/// and a file rejected earlier is tried again; a directory still skips the files it already knows.
int load_path(geomrt_runtime &rt, const std::string &path, bool explicit_request, bool strict = false);

/// Checked invocation (invoke.cpp).
geomrt_result *invoke(geomrt_runtime &rt, const std::string &method, const geomrt_args &args,
                      const geomrt_call_options *opts);

/// Parse a parameter given in any form into the descriptor's type; throws Error.
ParamValue convert_param(const std::string &method, const ParamDesc &p, const geomrt_param_setting &v);

std::string json_escape(const std::string &s);

}  // namespace core
}  // namespace geomrt

#endif
