// The exported C functions: argument checks, and exceptions turned into error codes.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>

#include "../../core/core.hpp"

using geomrt::core::Error;
using geomrt::core::set_last_error;

#define GEOMRT_API_BEGIN try {
#define GEOMRT_API_END                                                     \
    }                                                                      \
    catch (const Error &e) {                                               \
        set_last_error(e.code(), e.what());                                \
        return e.code();                                                   \
    }                                                                      \
    catch (const std::bad_alloc &) {                                       \
        set_last_error(GEOMRT_ENOMEM, "out of memory");                    \
        return GEOMRT_ENOMEM;                                              \
    }                                                                      \
    catch (const std::exception &e) {                                      \
        set_last_error(GEOMRT_EINTERNAL, std::string("internal error: ") + e.what()); \
        return GEOMRT_EINTERNAL;                                           \
    }                                                                      \
    catch (...) {                                                          \
        set_last_error(GEOMRT_EINTERNAL, "internal error: unknown exception"); \
        return GEOMRT_EINTERNAL;                                           \
    }

#define GEOMRT_REQUIRE(cond, fn, what)                                          \
    do {                                                                       \
        if (!(cond)) throw Error(GEOMRT_EINVAL, std::string(fn) + ": " + what); \
    } while (0)

namespace {

int ok() {
    set_last_error(GEOMRT_OK, "");
    return GEOMRT_OK;
}

const geomrt_output *find_output(const geomrt_result *res, const char *name, const char *fn) {
    GEOMRT_REQUIRE(res, fn, "result is NULL");
    GEOMRT_REQUIRE(name, fn, "name is NULL");
    for (const auto &o : res->outputs)
        if (o.name == name) return &o;
    std::string names;
    for (const auto &o : res->outputs) names += (names.empty() ? "" : ", ") + o.name;
    throw Error(GEOMRT_ENOTFOUND, std::string(fn) + ": no output named '" + name + "'; outputs are: " + names);
}

std::string shape_text(const std::vector<int64_t> &s) {
    std::string o = "(";
    for (size_t i = 0; i < s.size(); ++i) o += (i ? ", " : "") + std::to_string(s[i]);
    if (s.size() == 1) o += ",";
    return o + ")";
}

void fill_slot(const geomrt::core::SlotDesc &s, geomrt_slot_info *out) {
    out->name = s.name.c_str();
    out->doc = s.doc.c_str();
    out->kind = s.kind;
    out->dtype = s.dtype;
    out->ndim = s.ndim;
    out->shape = s.shape.c_str();
    out->flags = s.flags;
}

/// Check a dense layout before anything computes with it: the element count, the byte size and
/// the range of element offsets must fit in int64 (checked with overflow-safe arithmetic), and
/// the addressed byte range [data + lo, data + hi] must not wrap around the address space.
/// Negative strides are supported: `data` is the address of element (0, ..., 0) as numpy's
/// reversed views pass it. Strides of extent-1 dimensions never move the offset and are
/// replaced by their C-contiguous values.
geomrt_arg_value make_dense(const char *fn, const char *name, int dtype, const void *data, int ndim,
                            const int64_t *shape, const int64_t *strides) {
    GEOMRT_REQUIRE(name && *name, fn, "name is NULL or empty");
    const std::string where = "input '" + std::string(name) + "'";
    const size_t es = geomrt::core::dtype_size(dtype);
    GEOMRT_REQUIRE(es != 0, fn, where + ": unknown dtype " + std::to_string(dtype));
    GEOMRT_REQUIRE(ndim >= 0 && ndim <= 32, fn, where + ": ndim must be in [0, 32], got " + std::to_string(ndim));
    GEOMRT_REQUIRE(ndim == 0 || shape, fn, where + ": shape is NULL");
    geomrt_arg_value v;
    v.kind = GEOMRT_KIND_DENSE;
    v.dtype = dtype;
    v.data = const_cast<void *>(data);
    v.shape.assign(shape, shape + ndim);
    // n: element count; span: product of max(extent, 1), which bounds every contiguous stride.
    int64_t n = 1, span = 1;
    for (int i = 0; i < ndim; ++i) {
        GEOMRT_REQUIRE(shape[i] >= 0, fn, where + ": negative extent " + std::to_string(shape[i]) + " along axis " +
                                              std::to_string(i));
        int64_t bytes = 0;
        if (__builtin_mul_overflow(span, std::max<int64_t>(shape[i], 1), &span) ||
            __builtin_mul_overflow(span, static_cast<int64_t>(es), &bytes))
            GEOMRT_REQUIRE(false, fn, where + ": shape " + shape_text(v.shape) +
                                          " is too large (its size in bytes overflows int64)");
        n = shape[i] == 0 ? 0 : n * shape[i];  // <= span: cannot overflow
    }
    GEOMRT_REQUIRE(n == 0 || data, fn, where + ": data is NULL");
    if (strides) {
        v.has_strides = true;
        v.strides.assign(strides, strides + ndim);
        // Offsets (in bytes) of the lowest and highest addressed element, relative to data.
        int64_t lo = 0, hi = 0, acc = 1;
        for (int i = ndim; i-- > 0;) {
            if (shape[i] <= 1) v.strides[i] = acc;  // never moves the offset
            acc *= std::max<int64_t>(shape[i], 1);  // <= span
            if (n == 0 || shape[i] <= 1) continue;
            int64_t reach = 0;
            if (__builtin_mul_overflow(strides[i], shape[i] - 1, &reach) ||
                __builtin_mul_overflow(reach, static_cast<int64_t>(es), &reach) ||
                __builtin_add_overflow(reach < 0 ? lo : hi, reach, reach < 0 ? &lo : &hi))
                GEOMRT_REQUIRE(false, fn, where + ": stride " + std::to_string(strides[i]) + " along axis " +
                                              std::to_string(i) + " with shape " + shape_text(v.shape) +
                                              " addresses offsets beyond the int64 range");
        }
        if (n > 0) {
            const uintptr_t p = reinterpret_cast<uintptr_t>(data);
            const uintptr_t below = lo < 0 ? static_cast<uintptr_t>(-(lo + 1)) + 1 : 0;
            const uintptr_t above = static_cast<uintptr_t>(hi) + es;
            GEOMRT_REQUIRE(below <= p && above <= UINTPTR_MAX - p, fn,
                           where + ": strides address memory outside the address space (from " + std::to_string(lo) +
                               " to " + std::to_string(hi) + " bytes around the data pointer)");
        }
    } else if (n > 0) {
        const uintptr_t p = reinterpret_cast<uintptr_t>(data);
        GEOMRT_REQUIRE(static_cast<uintptr_t>(n) * es <= UINTPTR_MAX - p, fn,
                       where + ": shape " + shape_text(v.shape) + " runs past the end of the address space");
    }
    return v;
}

geomrt_param_setting &param_slot(geomrt_args *args, const char *name, const char *fn) {
    GEOMRT_REQUIRE(args, fn, "args is NULL");
    GEOMRT_REQUIRE(name && *name, fn, "name is NULL or empty");
    auto &p = args->params[name];
    p = geomrt_param_setting();
    return p;
}

}  // namespace

extern "C" {

GEOMRT_EXTERN(const char *) geomrt_version(void) { return GEOMRT_VERSION_STRING; }

GEOMRT_EXTERN(void) geomrt_version_numbers(int *major, int *minor, int *patch) {
    if (major) *major = GEOMRT_VERSION_MAJOR;
    if (minor) *minor = GEOMRT_VERSION_MINOR;
    if (patch) *patch = GEOMRT_VERSION_PATCH;
}

GEOMRT_EXTERN(const char *) geomrt_last_error(void) { return geomrt::core::last_error(); }
GEOMRT_EXTERN(int) geomrt_last_error_code(void) { return geomrt::core::last_error_code(); }
GEOMRT_EXTERN(const char *) geomrt_error_name(int code) { return geomrt::core::error_name(code); }

GEOMRT_EXTERN(int) geomrt_runtime_new(geomrt_runtime **out, const geomrt_runtime_options *opts) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(out, "geomrt_runtime_new", "out is NULL");
    *out = nullptr;
    if (opts && opts->version != GEOMRT_RUNTIME_OPTIONS_VERSION)
        throw Error(GEOMRT_EVERSION, "geomrt_runtime_new: options version " + std::to_string(opts->version) +
                                         " is not supported (expected " +
                                         std::to_string(GEOMRT_RUNTIME_OPTIONS_VERSION) + ")");
    GEOMRT_REQUIRE(!opts || opts->n_plugin_paths == 0 || opts->plugin_paths, "geomrt_runtime_new",
                   "plugin_paths is NULL but n_plugin_paths > 0");
    if (opts)
        for (size_t i = 0; i < opts->n_plugin_paths; ++i)
            GEOMRT_REQUIRE(opts->plugin_paths[i], "geomrt_runtime_new",
                           "plugin_paths[" + std::to_string(i) + "] is NULL (n_plugin_paths = " +
                               std::to_string(opts->n_plugin_paths) + ")");
    auto rt = std::make_unique<geomrt_runtime>();
    geomrt::core::discover(*rt, opts);
    *out = rt.release();
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(void) geomrt_runtime_free(geomrt_runtime *rt) { delete rt; }

GEOMRT_EXTERN(int) geomrt_runtime_load_plugin(geomrt_runtime *rt, const char *path) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(rt, "geomrt_runtime_load_plugin", "runtime is NULL");
    GEOMRT_REQUIRE(path && *path, "geomrt_runtime_load_plugin", "path is NULL or empty");
    std::unique_lock<std::shared_mutex> lock(rt->mu);
    size_t before = rt->report.size();
    int rc = geomrt::core::load_path(*rt, path, true, true);
    if (rc != GEOMRT_OK) {
        std::string msg = "geomrt_runtime_load_plugin: ";
        for (size_t i = before; i < rt->report.size(); ++i)
            if (rt->report[i].status == GEOMRT_PLUGIN_REJECTED)
                msg += rt->report[i].path + ": " + rt->report[i].reason + "; ";
        msg.resize(msg.size() - 2);
        throw Error(rc, msg);
    }
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(size_t) geomrt_runtime_plugin_report_count(const geomrt_runtime *rt) {
    if (!rt) return 0;
    std::shared_lock<std::shared_mutex> lock(rt->mu);
    return rt->report.size();
}

GEOMRT_EXTERN(int) geomrt_runtime_plugin_report_at(const geomrt_runtime *rt, size_t index, const char **path,
                                                   int *status, const char **name, const char **reason) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(rt, "geomrt_runtime_plugin_report_at", "runtime is NULL");
    std::shared_lock<std::shared_mutex> lock(rt->mu);
    if (index >= rt->report.size())
        throw Error(GEOMRT_ENOTFOUND, "geomrt_runtime_plugin_report_at: index " + std::to_string(index) +
                                          " out of range (" + std::to_string(rt->report.size()) + " entries)");
    const auto &r = rt->report[index];
    if (path) *path = r.path.c_str();
    if (status) *status = r.status;
    if (name) *name = r.name.c_str();
    if (reason) *reason = r.reason.c_str();
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(size_t) geomrt_method_count(const geomrt_runtime *rt) {
    if (!rt) return 0;
    std::shared_lock<std::shared_mutex> lock(rt->mu);
    return rt->methods.size();
}

GEOMRT_EXTERN(int) geomrt_method_at(const geomrt_method **out, const geomrt_runtime *rt, size_t index) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(out, "geomrt_method_at", "out is NULL");
    *out = nullptr;
    GEOMRT_REQUIRE(rt, "geomrt_method_at", "runtime is NULL");
    std::shared_lock<std::shared_mutex> lock(rt->mu);
    if (index >= rt->methods.size())
        throw Error(GEOMRT_ENOTFOUND, "geomrt_method_at: index " + std::to_string(index) + " out of range (" +
                                          std::to_string(rt->methods.size()) + " methods)");
    *out = rt->methods[index].get();
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_method_find(const geomrt_method **out, const geomrt_runtime *rt, const char *name) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(out, "geomrt_method_find", "out is NULL");
    *out = nullptr;
    GEOMRT_REQUIRE(rt, "geomrt_method_find", "runtime is NULL");
    GEOMRT_REQUIRE(name, "geomrt_method_find", "name is NULL");
    std::shared_lock<std::shared_mutex> lock(rt->mu);
    for (const auto &m : rt->methods)
        if (m->d.name == name) {
            *out = m.get();
            return ok();
        }
    throw Error(GEOMRT_ENOTFOUND, std::string("no method named '") + name + "'");
    GEOMRT_API_END
}

GEOMRT_EXTERN(const char *) geomrt_method_name(const geomrt_method *m) { return m ? m->d.name.c_str() : ""; }
GEOMRT_EXTERN(const char *) geomrt_method_summary(const geomrt_method *m) { return m ? m->d.summary.c_str() : ""; }
GEOMRT_EXTERN(const char *) geomrt_method_description(const geomrt_method *m) {
    return m ? m->d.description.c_str() : "";
}
GEOMRT_EXTERN(const char *) geomrt_method_citation(const geomrt_method *m) { return m ? m->d.citation.c_str() : ""; }
GEOMRT_EXTERN(const char *) geomrt_method_plugin(const geomrt_method *m) { return m ? m->d.plugin_path.c_str() : ""; }
GEOMRT_EXTERN(const char *) geomrt_method_json(const geomrt_method *m) { return m ? m->d.json.c_str() : "{}"; }

GEOMRT_EXTERN(int) geomrt_method_json_get(const char **out, const geomrt_method *m) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(out, "geomrt_method_json_get", "out is NULL");
    *out = nullptr;
    GEOMRT_REQUIRE(m, "geomrt_method_json_get", "method is NULL (get one with geomrt_method_find or geomrt_method_at)");
    *out = m->d.json.c_str();
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(size_t) geomrt_method_input_count(const geomrt_method *m) { return m ? m->d.inputs.size() : 0; }
GEOMRT_EXTERN(size_t) geomrt_method_output_count(const geomrt_method *m) { return m ? m->d.outputs.size() : 0; }
GEOMRT_EXTERN(size_t) geomrt_method_param_count(const geomrt_method *m) { return m ? m->d.params.size() : 0; }

GEOMRT_EXTERN(int) geomrt_method_input(const geomrt_method *m, size_t index, geomrt_slot_info *out) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(m && out, "geomrt_method_input", "method or out is NULL");
    if (index >= m->d.inputs.size())
        throw Error(GEOMRT_ENOTFOUND, m->d.name + ": input index " + std::to_string(index) + " out of range");
    fill_slot(m->d.inputs[index], out);
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_method_output(const geomrt_method *m, size_t index, geomrt_slot_info *out) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(m && out, "geomrt_method_output", "method or out is NULL");
    if (index >= m->d.outputs.size())
        throw Error(GEOMRT_ENOTFOUND, m->d.name + ": output index " + std::to_string(index) + " out of range");
    fill_slot(m->d.outputs[index], out);
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_method_param(const geomrt_method *m, size_t index, geomrt_param_info *out) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(m && out, "geomrt_method_param", "method or out is NULL");
    if (index >= m->d.params.size())
        throw Error(GEOMRT_ENOTFOUND, m->d.name + ": parameter index " + std::to_string(index) + " out of range");
    const auto &p = m->d.params[index];
    out->name = p.name.c_str();
    out->doc = p.doc.c_str();
    out->type = p.type;
    out->default_value = p.def.c_str();
    out->min = p.min;
    out->max = p.max;
    out->flags = p.flags;
    out->choices = p.choices.c_str();
    out->required = p.required ? 1 : 0;
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_args_new(geomrt_args **out) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(out, "geomrt_args_new", "out is NULL");
    *out = new geomrt_args();
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(void) geomrt_args_free(geomrt_args *args) { delete args; }

GEOMRT_EXTERN(void) geomrt_args_clear(geomrt_args *args) {
    if (!args) return;
    args->inputs.clear();
    args->params.clear();
}

GEOMRT_EXTERN(int) geomrt_args_set_tensor(geomrt_args *args, const char *name, int dtype, const void *data, int ndim,
                                          const int64_t *shape, const int64_t *strides) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(args, "geomrt_args_set_tensor", "args is NULL");
    geomrt_arg_value v = make_dense("geomrt_args_set_tensor", name, dtype, data, ndim, shape, strides);
    args->inputs[name] = std::move(v);
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_args_set_f64(geomrt_args *args, const char *name, const double *data, int ndim,
                                       const int64_t *shape) {
    return geomrt_args_set_tensor(args, name, GEOMRT_DTYPE_F64, data, ndim, shape, nullptr);
}

GEOMRT_EXTERN(int) geomrt_args_set_inplace(geomrt_args *args, const char *name, int dtype, void *data, int ndim,
                                           const int64_t *shape, const int64_t *strides) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(args, "geomrt_args_set_inplace", "args is NULL");
    geomrt_arg_value v = make_dense("geomrt_args_set_inplace", name, dtype, data, ndim, shape, strides);
    v.inplace = true;
    args->inputs[name] = std::move(v);
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_args_set_sparse(geomrt_args *args, const char *name, int64_t rows, int64_t cols, int64_t nnz,
                                          const int64_t *indptr, const int64_t *indices, const double *values) {
    GEOMRT_API_BEGIN
    const char *fn = "geomrt_args_set_sparse";
    GEOMRT_REQUIRE(args, fn, "args is NULL");
    GEOMRT_REQUIRE(name && *name, fn, "name is NULL or empty");
    GEOMRT_REQUIRE(rows >= 0 && cols >= 0 && nnz >= 0, fn, "input '" + std::string(name) + "': negative size");
    int64_t cells = 0;
    GEOMRT_REQUIRE(!__builtin_mul_overflow(rows, cols, &cells) && rows < INT64_MAX / 8 && nnz <= INT64_MAX / 8, fn,
                   "input '" + std::string(name) + "': size " + std::to_string(rows) + " x " + std::to_string(cols) +
                       " with " + std::to_string(nnz) + " entries is too large (rows x cols must fit in int64)");
    GEOMRT_REQUIRE(indptr, fn, "input '" + std::string(name) + "': indptr is NULL");
    GEOMRT_REQUIRE(nnz == 0 || (indices && values), fn, "input '" + std::string(name) + "': indices or values is NULL");
    geomrt_arg_value v;
    v.kind = GEOMRT_KIND_SPARSE;
    v.dtype = GEOMRT_DTYPE_F64;
    v.shape = {rows, cols};
    v.nnz = nnz;
    v.indptr = indptr;
    v.indices = indices;
    v.values = values;
    args->inputs[name] = std::move(v);
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_args_set_param_f64(geomrt_args *args, const char *name, double value) {
    GEOMRT_API_BEGIN
    auto &p = param_slot(args, name, "geomrt_args_set_param_f64");
    p.type = GEOMRT_PARAM_F64;
    p.f = value;
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_args_set_param_i64(geomrt_args *args, const char *name, int64_t value) {
    GEOMRT_API_BEGIN
    auto &p = param_slot(args, name, "geomrt_args_set_param_i64");
    p.type = GEOMRT_PARAM_I64;
    p.i = value;
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_args_set_param_bool(geomrt_args *args, const char *name, int value) {
    GEOMRT_API_BEGIN
    auto &p = param_slot(args, name, "geomrt_args_set_param_bool");
    p.type = GEOMRT_PARAM_BOOL;
    p.i = value != 0;
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_args_set_param_string(geomrt_args *args, const char *name, const char *value) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(value, "geomrt_args_set_param_string", "value is NULL");
    auto &p = param_slot(args, name, "geomrt_args_set_param_string");
    p.type = GEOMRT_PARAM_STRING;
    p.s = value;
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_invoke(geomrt_result **out, geomrt_runtime *rt, const char *method, const geomrt_args *args,
                                 const geomrt_call_options *opts) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(out, "geomrt_invoke", "out is NULL");
    *out = nullptr;
    GEOMRT_REQUIRE(rt, "geomrt_invoke", "runtime is NULL");
    GEOMRT_REQUIRE(method, "geomrt_invoke", "method name is NULL");
    static const geomrt_args empty;
    *out = geomrt::core::invoke(*rt, method, args ? *args : empty, opts);
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(void) geomrt_result_free(geomrt_result *res) { delete res; }

GEOMRT_EXTERN(size_t) geomrt_result_count(const geomrt_result *res) { return res ? res->outputs.size() : 0; }

GEOMRT_EXTERN(const char *) geomrt_result_name(const geomrt_result *res, size_t index) {
    if (!res || index >= res->outputs.size()) return nullptr;
    return res->outputs[index].name.c_str();
}

GEOMRT_EXTERN(int) geomrt_result_has(const geomrt_result *res, const char *name) {
    if (!res || !name) return 0;
    for (const auto &o : res->outputs)
        if (o.name == name) return 1;
    return 0;
}

GEOMRT_EXTERN(int) geomrt_result_kind(const geomrt_result *res, const char *name) {
    GEOMRT_API_BEGIN
    const geomrt_output *o = find_output(res, name, "geomrt_result_kind");
    set_last_error(GEOMRT_OK, "");
    return o->kind;
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_result_tensor(const geomrt_result *res, const char *name, geomrt_tensor_view *out) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(out, "geomrt_result_tensor", "out is NULL");
    const geomrt_output *o = find_output(res, name, "geomrt_result_tensor");
    if (o->kind != GEOMRT_KIND_DENSE)
        throw Error(GEOMRT_EDTYPE, std::string("geomrt_result_tensor: output '") + name +
                                       "' is a sparse matrix: use geomrt_result_sparse");
    out->dtype = o->dtype;
    out->ndim = static_cast<int>(o->shape.size());
    out->shape = o->shape.data();
    out->data = o->storage.data();
    out->numel = o->numel;
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_result_sparse(const geomrt_result *res, const char *name, geomrt_sparse_view *out) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(out, "geomrt_result_sparse", "out is NULL");
    const geomrt_output *o = find_output(res, name, "geomrt_result_sparse");
    if (o->kind != GEOMRT_KIND_SPARSE)
        throw Error(GEOMRT_EDTYPE, std::string("geomrt_result_sparse: output '") + name +
                                       "' is a dense tensor: use geomrt_result_tensor");
    out->rows = o->shape[0];
    out->cols = o->shape[1];
    out->nnz = static_cast<int64_t>(o->values.size());
    out->indptr = o->indptr.data();
    out->indices = o->indices.data();
    out->values = o->values.data();
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_result_scalar(const geomrt_result *res, const char *name, double *out) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(out, "geomrt_result_scalar", "out is NULL");
    const geomrt_output *o = find_output(res, name, "geomrt_result_scalar");
    if (o->kind != GEOMRT_KIND_DENSE || o->numel != 1)
        throw Error(GEOMRT_ESHAPE, std::string("geomrt_result_scalar: output '") + name + "' is not a scalar");
    const void *p = o->storage.data();
    switch (o->dtype) {
    case GEOMRT_DTYPE_F64: *out = *static_cast<const double *>(p); break;
    case GEOMRT_DTYPE_F32: *out = *static_cast<const float *>(p); break;
    default: *out = static_cast<double>(*static_cast<const int64_t *>(p)); break;
    }
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_result_copy_f64(const geomrt_result *res, const char *name, double *buf, int64_t capacity) {
    GEOMRT_API_BEGIN
    const geomrt_output *o = find_output(res, name, "geomrt_result_copy_f64");
    GEOMRT_REQUIRE(buf || o->numel == 0, "geomrt_result_copy_f64", "buf is NULL");
    if (capacity < o->numel)
        throw Error(GEOMRT_ESHAPE, std::string("geomrt_result_copy_f64: output '") + name + "' has " +
                                       std::to_string(o->numel) + " elements but the buffer holds " +
                                       std::to_string(capacity));
    if (o->kind == GEOMRT_KIND_SPARSE) {
        const int64_t cols = o->shape[1];
        std::fill(buf, buf + o->numel, 0.0);
        for (int64_t r = 0; r < o->shape[0]; ++r)
            for (int64_t k = o->indptr[r]; k < o->indptr[r + 1]; ++k) buf[r * cols + o->indices[k]] += o->values[k];
        return ok();
    }
    const void *p = o->storage.data();
    for (int64_t i = 0; i < o->numel; ++i) {
        switch (o->dtype) {
        case GEOMRT_DTYPE_F64: buf[i] = static_cast<const double *>(p)[i]; break;
        case GEOMRT_DTYPE_F32: buf[i] = static_cast<const float *>(p)[i]; break;
        default: buf[i] = static_cast<double>(static_cast<const int64_t *>(p)[i]); break;
        }
    }
    return ok();
    GEOMRT_API_END
}

}  // extern "C"

/* ---- Additions of issue 8 (binding authors' feedback, scratch cache) ---- */

namespace {

/// Number of elements of a shape, or throws EINVAL naming the input if it overflows int64.
int64_t checked_numel(const char *fn, const char *name, int ndim, const int64_t *shape) {
    int64_t n = 1;
    for (int i = 0; i < ndim; ++i) {
        GEOMRT_REQUIRE(shape[i] >= 0, fn, "input '" + std::string(name) + "': negative extent in shape");
        if (__builtin_mul_overflow(n, shape[i], &n))
            throw Error(GEOMRT_EINVAL, std::string(fn) + ": input '" + name + "': the number of elements overflows int64");
    }
    return n;
}

}  // namespace

extern "C" {

GEOMRT_EXTERN(int) geomrt_runtime_set_scratch_cache(geomrt_runtime *rt, size_t max_bytes) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(rt, "geomrt_runtime_set_scratch_cache", "runtime is NULL");
    rt->scratch.set_limit(max_bytes);
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_runtime_scratch_cache_stats(const geomrt_runtime *rt, size_t *count, size_t *bytes,
                                                      size_t *max_bytes) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(rt, "geomrt_runtime_scratch_cache_stats", "runtime is NULL");
    rt->scratch.stats(count, bytes);
    if (max_bytes) *max_bytes = rt->scratch.limit();
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_args_set_tensor_copy(geomrt_args *args, const char *name, int dtype, const void *data,
                                               int ndim, const int64_t *shape, const int64_t *strides) {
    GEOMRT_API_BEGIN
    const char *fn = "geomrt_args_set_tensor_copy";
    GEOMRT_REQUIRE(args, fn, "args is NULL");
    GEOMRT_REQUIRE(name && *name, fn, "name is NULL or empty");
    GEOMRT_REQUIRE(ndim >= 0 && ndim <= 32, fn, "input '" + std::string(name) + "': ndim must be in [0, 32]");
    GEOMRT_REQUIRE(ndim == 0 || shape, fn, "input '" + std::string(name) + "': shape is NULL");
    const size_t es = geomrt::core::dtype_size(dtype);
    GEOMRT_REQUIRE(es != 0, fn, "input '" + std::string(name) + "': unknown dtype " + std::to_string(dtype));
    const int64_t n = checked_numel(fn, name, ndim, shape);
    GEOMRT_REQUIRE(n == 0 || data, fn, "input '" + std::string(name) + "': data is NULL");
    if (static_cast<uint64_t>(n) > (SIZE_MAX - 8) / es) throw std::bad_alloc();
    auto owned = std::make_shared<geomrt_arg_owned>();
    owned->dense.resize((static_cast<size_t>(n) * es + 7) / 8 + 1);
    char *dst = reinterpret_cast<char *>(owned->dense.data());
    const char *src = static_cast<const char *>(data);
    if (!strides) {
        if (n > 0) std::memcpy(dst, src, static_cast<size_t>(n) * es);
    } else if (n > 0) {
        // The offsets reached, in elements from data, must fit in int64 (then no step below overflows).
        int64_t lo = 0, hi = 0;
        for (int d = 0; d < ndim; ++d) {
            int64_t reach;
            if (__builtin_mul_overflow(strides[d], shape[d] - 1, &reach) ||
                __builtin_add_overflow(reach < 0 ? lo : hi, reach, reach < 0 ? &lo : &hi) ||
                __builtin_mul_overflow(reach < 0 ? lo : hi, static_cast<int64_t>(es), &reach))
                throw Error(GEOMRT_EINVAL, std::string(fn) + ": input '" + name +
                                               "': the strides reach offsets that overflow int64");
        }
        // Row-major walk over the index space; offsets in elements from data (element 0).
        std::vector<int64_t> idx(static_cast<size_t>(ndim), 0);
        int64_t off = 0;
        for (int64_t k = 0; k < n; ++k) {
            std::memcpy(dst + static_cast<size_t>(k) * es, src + off * static_cast<int64_t>(es), es);
            for (int d = ndim; d-- > 0;) {
                if (idx[d] + 1 < shape[d]) {
                    ++idx[d];
                    off += strides[d];
                    break;
                }
                off -= strides[d] * (shape[d] - 1);
                idx[d] = 0;
            }
        }
    }
    geomrt_arg_value v;
    v.kind = GEOMRT_KIND_DENSE;
    v.dtype = dtype;
    v.data = owned->dense.data();
    v.shape.assign(shape, shape + ndim);
    v.owned = std::move(owned);
    args->inputs[name] = std::move(v);
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_args_set_sparse_copy(geomrt_args *args, const char *name, int64_t rows, int64_t cols,
                                               int64_t nnz, const int64_t *indptr, const int64_t *indices,
                                               const double *values) {
    GEOMRT_API_BEGIN
    const char *fn = "geomrt_args_set_sparse_copy";
    GEOMRT_REQUIRE(args, fn, "args is NULL");
    GEOMRT_REQUIRE(name && *name, fn, "name is NULL or empty");
    GEOMRT_REQUIRE(rows >= 0 && cols >= 0 && nnz >= 0, fn, "input '" + std::string(name) + "': negative size");
    GEOMRT_REQUIRE(rows < PTRDIFF_MAX / 8 && nnz < PTRDIFF_MAX / 8, fn,
                   "input '" + std::string(name) + "': rows or nnz too large to address (" + std::to_string(rows) +
                       ", " + std::to_string(nnz) + ")");
    GEOMRT_REQUIRE(indptr, fn, "input '" + std::string(name) + "': indptr is NULL");
    GEOMRT_REQUIRE(nnz == 0 || (indices && values), fn, "input '" + std::string(name) + "': indices or values is NULL");
    auto owned = std::make_shared<geomrt_arg_owned>();
    owned->indptr.assign(indptr, indptr + rows + 1);
    owned->indices.assign(indices, indices + nnz);
    owned->values.assign(values, values + nnz);
    geomrt_arg_value v;
    v.kind = GEOMRT_KIND_SPARSE;
    v.dtype = GEOMRT_DTYPE_F64;
    v.shape = {rows, cols};
    v.nnz = nnz;
    v.indptr = owned->indptr.data();
    v.indices = owned->indices.data();
    v.values = owned->values.data();
    v.owned = std::move(owned);
    args->inputs[name] = std::move(v);
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_result_info(const geomrt_result *res, const char *name, int *kind, int *dtype, int *ndim) {
    GEOMRT_API_BEGIN
    const geomrt_output *o = find_output(res, name, "geomrt_result_info");
    if (kind) *kind = o->kind;
    if (dtype) *dtype = o->kind == GEOMRT_KIND_SPARSE ? GEOMRT_DTYPE_F64 : o->dtype;
    if (ndim) *ndim = static_cast<int>(o->shape.size());
    return ok();
    GEOMRT_API_END
}

GEOMRT_EXTERN(int) geomrt_result_doc(const geomrt_result *res, const char *name, const char **doc) {
    GEOMRT_API_BEGIN
    GEOMRT_REQUIRE(doc, "geomrt_result_doc", "doc is NULL");
    *doc = nullptr;
    const geomrt_output *o = find_output(res, name, "geomrt_result_doc");
    *doc = o->doc.c_str();
    return ok();
    GEOMRT_API_END
}

}  // extern "C"
