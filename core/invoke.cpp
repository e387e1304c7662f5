// Checked invocation: validate arguments against the descriptor, run the method, collect outputs.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <mutex>
#include <thread>

#include "core.hpp"

namespace geomrt {
namespace core {

namespace {

/// Per-call state the host functions reach through the invocation's ctx.
struct CallContext {
    const MethodDesc *method = nullptr;
    geomrt_result *result = nullptr;
    const geomrt_call_options *opts = nullptr;
    std::thread::id caller;
    std::atomic<bool> cancel_requested{false};
    int error_code = GEOMRT_OK;
    std::string error;
    std::unique_ptr<ScratchSession> scratch;  // blocks from host_scratch, handed back when the call ends
};

std::string shape_text(const std::vector<int64_t> &s) {
    std::string o = "(";
    for (size_t i = 0; i < s.size(); ++i) o += (i ? ", " : "") + std::to_string(s[i]);
    if (s.size() == 1) o += ",";
    return o + ")";
}

std::string names_of(const std::vector<SlotDesc> &v) {
    std::string o;
    for (const auto &s : v) o += (o.empty() ? "" : ", ") + s.name;
    return o.empty() ? "(none)" : o;
}

/// A checked input plus storage for a contiguous copy when needed.
struct PreparedInput {
    geomrt_tensor t{};
    std::vector<int64_t> shape, strides;
    std::vector<double> copy;  // contiguous copy (8-byte aligned storage for every dtype)
    void *caller_data = nullptr;
    std::vector<int64_t> caller_strides;
    bool writeback = false;
};

/// Element count; the argument setters reject shapes whose count overflows, so this only guards.
int64_t numel_of(const std::vector<int64_t> &shape) {
    int64_t n = 1;
    for (int64_t d : shape)
        if (__builtin_mul_overflow(n, d, &n)) throw Error(GEOMRT_EINVAL, "shape " + shape_text(shape) + " overflows int64");
    return n;
}

std::vector<int64_t> contiguous_strides(const std::vector<int64_t> &shape) {
    std::vector<int64_t> s(shape.size());
    int64_t acc = 1;
    for (size_t i = shape.size(); i-- > 0;) {
        s[i] = acc;
        acc *= std::max<int64_t>(shape[i], 1);
    }
    return s;
}

/// Visit every element offset (in elements) of a strided tensor in row-major order.
template <class F>
void for_each_offset(const std::vector<int64_t> &shape, const std::vector<int64_t> &strides, F f) {
    const size_t nd = shape.size();
    int64_t n = numel_of(shape);
    if (n == 0) return;
    if (nd == 0) {
        f(0, 0);
        return;
    }
    std::vector<int64_t> idx(nd, 0);
    int64_t off = 0;
    // Steps stay inside the offset range the argument setters checked: a dimension moves by one
    // stride while it has room, and wraps back by (extent - 1) strides, never past its end.
    for (int64_t k = 0; k < n; ++k) {
        f(k, off);
        for (size_t d = nd; d-- > 0;) {
            if (idx[d] + 1 < shape[d]) {
                ++idx[d];
                off += strides[d];
                break;
            }
            off -= strides[d] * idx[d];
            idx[d] = 0;
        }
    }
}

template <class T>
void check_values(const std::string &where, const T *p, const std::vector<int64_t> &shape,
                  const std::vector<int64_t> &strides, bool finite, bool nonneg) {
    if (strides == contiguous_strides(shape)) {
        // Fast path: one branch-light scan, then locate the culprit only if there is one.
        const int64_t n = numel_of(shape);
        bool ok = true;
        for (int64_t k = 0; k < n; ++k) {
            const double v = static_cast<double>(p[k]);
            ok &= !(finite && !std::isfinite(v)) && !(nonneg && v < 0);
        }
        if (ok) return;
    }
    for_each_offset(shape, strides, [&](int64_t k, int64_t off) {
        double v = static_cast<double>(p[off]);
        if (finite && !std::isfinite(v))
            throw Error(GEOMRT_EINVAL, where + " has a non-finite value (" + std::to_string(v) + ") at flat index " +
                                           std::to_string(k));
        if (nonneg && v < 0)
            throw Error(GEOMRT_EINVAL, where + " has a negative entry (" + std::to_string(v) + ") at flat index " +
                                           std::to_string(k) + "; entries must be >= 0");
    });
}

void copy_strided(void *dst, const void *src, size_t esize, const std::vector<int64_t> &shape,
                  const std::vector<int64_t> &strides) {
    const char *s = static_cast<const char *>(src);
    char *d = static_cast<char *>(dst);
    const int64_t es = static_cast<int64_t>(esize);  // signed: offsets may be negative
    for_each_offset(shape, strides, [&](int64_t k, int64_t off) { std::memcpy(d + k * es, s + off * es, esize); });
}

void scatter_strided(void *dst, const void *src, size_t esize, const std::vector<int64_t> &shape,
                     const std::vector<int64_t> &strides) {
    const char *s = static_cast<const char *>(src);
    char *d = static_cast<char *>(dst);
    const int64_t es = static_cast<int64_t>(esize);  // signed: offsets may be negative
    for_each_offset(shape, strides, [&](int64_t k, int64_t off) { std::memcpy(d + off * es, s + k * es, esize); });
}

struct DimBinding {
    int64_t value;
    std::string slot;
    size_t axis;
};

void prepare_input(const std::string &mname, const SlotDesc &slot, const geomrt_arg_value &a, PreparedInput &pi,
                   std::map<std::string, DimBinding> &dims) {
    const std::string where = mname + ": input '" + slot.name + "'";
    const bool dense_for_sparse =
        slot.kind == GEOMRT_KIND_SPARSE && a.kind == GEOMRT_KIND_DENSE && (slot.flags & GEOMRT_IO_ALSO_DENSE);
    if (slot.kind != a.kind && !dense_for_sparse)
        throw Error(GEOMRT_EDTYPE, where + " must be a " +
                                       (slot.kind == GEOMRT_KIND_SPARSE ? "sparse CSR matrix" : "dense tensor") +
                                       ", got a " + (a.kind == GEOMRT_KIND_SPARSE ? "sparse matrix" : "dense tensor"));
    const bool any_float_ok = (slot.flags & GEOMRT_IO_ANY_FLOAT) &&
                              (a.dtype == GEOMRT_DTYPE_F32 || a.dtype == GEOMRT_DTYPE_F64);
    if (a.kind == GEOMRT_KIND_DENSE && a.dtype != slot.dtype && !any_float_ok)
        throw Error(GEOMRT_EDTYPE, where + " must be " +
                                       ((slot.flags & GEOMRT_IO_ANY_FLOAT) ? std::string("float64 or float32")
                                                                            : std::string(dtype_name(slot.dtype))) +
                                       ", got " + dtype_name(a.dtype));
    if ((slot.flags & GEOMRT_IO_INPLACE) && !a.inplace)
        throw Error(GEOMRT_EINVAL, where + " is updated in place: pass it with geomrt_args_set_inplace");
    if (a.inplace && !(slot.flags & GEOMRT_IO_INPLACE))
        throw Error(GEOMRT_EINVAL, where + " is read-only (not updated in place): pass it with geomrt_args_set_tensor, "
                                           "not geomrt_args_set_inplace");
    const int nd = static_cast<int>(a.shape.size());
    if (slot.ndim >= 0 && nd != slot.ndim)
        throw Error(GEOMRT_ESHAPE, where + " must have rank " + std::to_string(slot.ndim) + " (shape " +
                                       (slot.shape.empty() ? "any" : slot.shape) + "), got rank " + std::to_string(nd) +
                                       " with shape " + shape_text(a.shape));
    for (int i = 0; i < nd; ++i) {
        if (a.shape[i] == 0 && !(slot.flags & GEOMRT_IO_ALLOW_EMPTY))
            throw Error(GEOMRT_ESHAPE, where + " is empty (shape " + shape_text(a.shape) + ")");
    }
    for (size_t i = 0; i < slot.dims.size() && i < a.shape.size(); ++i) {
        const std::string &sym = slot.dims[i];
        if (sym.empty()) continue;
        if (std::isdigit(static_cast<unsigned char>(sym[0]))) {
            if (a.shape[i] != std::stoll(sym))
                throw Error(GEOMRT_ESHAPE, where + " must have " + sym + " entries along axis " + std::to_string(i) +
                                               ", got shape " + shape_text(a.shape));
            continue;
        }
        auto it = dims.find(sym);
        if (it == dims.end()) {
            dims[sym] = {a.shape[i], slot.name, i};
        } else if (it->second.value != a.shape[i]) {
            throw Error(GEOMRT_ESHAPE, where + " has " + std::to_string(a.shape[i]) + " entries along axis " +
                                           std::to_string(i) + " but input '" + it->second.slot + "' has " +
                                           std::to_string(it->second.value) + " along axis " +
                                           std::to_string(it->second.axis) + " (both are dimension '" + sym +
                                           "' of the signature)");
        }
    }
    pi.shape = a.shape;
    pi.t.present = 1;
    pi.t.kind = a.kind;
    pi.t.dtype = a.kind == GEOMRT_KIND_SPARSE ? GEOMRT_DTYPE_F64 : a.dtype;
    pi.t.ndim = nd;
    const int64_t n = numel_of(a.shape);
    if (a.kind == GEOMRT_KIND_SPARSE) {
        const int64_t rows = a.shape[0], cols = a.shape[1];
        if (!a.indptr || (a.nnz > 0 && (!a.indices || !a.values)))
            throw Error(GEOMRT_EINVAL, where + ": sparse matrix arrays are NULL");
        if (a.indptr[0] != 0 || a.indptr[rows] != a.nnz)
            throw Error(GEOMRT_EINVAL, where + ": indptr must start at 0 and end at nnz=" + std::to_string(a.nnz));
        for (int64_t r = 0; r < rows; ++r)
            if (a.indptr[r + 1] < a.indptr[r])
                throw Error(GEOMRT_EINVAL, where + ": indptr decreases at row " + std::to_string(r));
        for (int64_t k = 0; k < a.nnz; ++k) {
            if (a.indices[k] < 0 || a.indices[k] >= cols)
                throw Error(GEOMRT_EINVAL, where + ": column index " + std::to_string(a.indices[k]) +
                                               " out of range [0, " + std::to_string(cols) + ")");
            if (!(slot.flags & GEOMRT_IO_ALLOW_NONFINITE) && !std::isfinite(a.values[k]))
                throw Error(GEOMRT_EINVAL, where + " has a non-finite value at entry " + std::to_string(k));
            if ((slot.flags & GEOMRT_IO_NONNEGATIVE) && a.values[k] < 0)
                throw Error(GEOMRT_EINVAL, where + " has a negative entry at entry " + std::to_string(k));
        }
        pi.t.nnz = a.nnz;
        pi.t.indptr = a.indptr;
        pi.t.indices = a.indices;
        pi.t.values = a.values;
        pi.strides = contiguous_strides(a.shape);
        pi.t.shape = pi.shape.data();
        pi.t.strides = pi.strides.data();
        return;
    }
    if (n > 0 && !a.data) throw Error(GEOMRT_EINVAL, where + ": data pointer is NULL");
    std::vector<int64_t> strides = a.has_strides ? a.strides : contiguous_strides(a.shape);
    const bool finite = !(slot.flags & GEOMRT_IO_ALLOW_NONFINITE);
    const bool nonneg = (slot.flags & GEOMRT_IO_NONNEGATIVE) != 0;
    if (a.dtype == GEOMRT_DTYPE_F64) check_values(where, static_cast<const double *>(a.data), a.shape, strides, finite, nonneg);
    else if (a.dtype == GEOMRT_DTYPE_F32) check_values(where, static_cast<const float *>(a.data), a.shape, strides, finite, nonneg);
    else if (nonneg) check_values(where, static_cast<const int64_t *>(a.data), a.shape, strides, false, true);
    const bool contiguous = strides == contiguous_strides(a.shape) || n <= 1;
    const size_t es = dtype_size(a.dtype);
    const bool inplace = (slot.flags & GEOMRT_IO_INPLACE) != 0;
    if (inplace || (!contiguous && !(slot.flags & GEOMRT_IO_STRIDED))) {
        // In-place state is worked on in a scratch copy and committed only on success,
        // so a failing call leaves the caller's memory untouched.
        try {
            pi.copy.resize((static_cast<size_t>(n) * es + 7) / 8 + 1);  // n * es fits: checked when set
        } catch (const std::exception &) {  // bad_alloc, or length_error beyond max_size()
            throw Error(GEOMRT_ENOMEM, where + ": out of memory for its contiguous copy (" +
                                           std::to_string(n) + " elements of shape " + shape_text(a.shape) + ")");
        }
        copy_strided(pi.copy.data(), a.data, es, a.shape, strides);
        pi.t.data = pi.copy.data();
        pi.strides = contiguous_strides(a.shape);
        if (inplace) {
            pi.writeback = true;
            pi.caller_data = a.data;
            pi.caller_strides = strides;
        }
    } else {
        pi.t.data = a.data;
        pi.strides = contiguous ? contiguous_strides(a.shape) : strides;
    }
    pi.t.shape = pi.shape.data();
    pi.t.strides = pi.strides.data();
}

CallContext *ctx_of(void *ctx) { return static_cast<CallContext *>(ctx); }

bool caller_cancelled(const CallContext &c) {
    if (c.cancel_requested.load(std::memory_order_relaxed)) return true;
    // A relaxed atomic load (the contract in geomrt.h): the flag carries no data.
    return c.opts && c.opts->cancel_flag && __atomic_load_n(c.opts->cancel_flag, __ATOMIC_RELAXED) != 0;
}

geomrt_output *output_slot(CallContext *c, size_t index, int kind) {
    if (index >= c->method->outputs.size())
        throw Error(GEOMRT_EINTERNAL, c->method->name + ": output index " + std::to_string(index) + " out of range");
    const SlotDesc &s = c->method->outputs[index];
    if (s.kind != kind)
        throw Error(GEOMRT_EINTERNAL, c->method->name + ": output '" + s.name + "' allocated with the wrong kind");
    geomrt_output &o = c->result->outputs[index];
    if (o.set) throw Error(GEOMRT_EINTERNAL, c->method->name + ": output '" + s.name + "' allocated twice");
    return &o;
}

/// A sparse output must be a valid CSR matrix before anyone reads it (geomrt_result_copy_f64
/// indexes with it): a plugin that leaves it inconsistent fails the call, not the caller.
void check_sparse_output(const std::string &mname, const geomrt_output &o) {
    const int64_t rows = o.shape[0], cols = o.shape[1], nnz = static_cast<int64_t>(o.values.size());
    auto bad = [&](const std::string &what) {
        return Error(GEOMRT_EINTERNAL, mname + ": sparse output '" + o.name + "' is not a valid CSR matrix (" + what +
                                           "): a bug in the plugin");
    };
    if (o.indptr[0] != 0 || o.indptr[rows] != nnz)
        throw bad("indptr must start at 0 and end at nnz = " + std::to_string(nnz));
    for (int64_t r = 0; r < rows; ++r)
        if (o.indptr[r + 1] < o.indptr[r]) throw bad("indptr decreases at row " + std::to_string(r));
    for (int64_t k = 0; k < nnz; ++k)
        if (o.indices[k] < 0 || o.indices[k] >= cols)
            throw bad("column index " + std::to_string(o.indices[k]) + " at entry " + std::to_string(k) +
                      " is outside [0, " + std::to_string(cols) + ")");
}

}  // namespace

void host_set_error(void *ctx, int code, const char *message);

int host_output_dense(void *ctx, size_t index, int dtype, int ndim, const int64_t *shape, void **data) {
    CallContext *c = ctx_of(ctx);
    if (!c || !data || ndim < 0 || (ndim > 0 && !shape)) return GEOMRT_EINVAL;
    try {
        geomrt_output *o = output_slot(c, index, GEOMRT_KIND_DENSE);
        const SlotDesc &s = c->method->outputs[index];
        const bool any_float_ok =
            (s.flags & GEOMRT_IO_ANY_FLOAT) && (dtype == GEOMRT_DTYPE_F32 || dtype == GEOMRT_DTYPE_F64);
        if ((dtype != s.dtype && !any_float_ok) || (s.ndim >= 0 && ndim != s.ndim))
            throw Error(GEOMRT_EINTERNAL, c->method->name + ": output '" + s.name + "' allocated with dtype/rank " +
                                              dtype_name(dtype) + "/" + std::to_string(ndim) + " not as declared");
        o->shape.assign(shape, shape + ndim);
        const std::string what = c->method->name + ": output '" + s.name + "' of shape " + shape_text(o->shape);
        // As for inputs, the nonzero extents must multiply within int64 even when another is 0.
        int64_t n = 1, span = 1, bytes = 0;
        for (int64_t d : o->shape) {
            if (d < 0) throw Error(GEOMRT_EINTERNAL, what + " has a negative extent");
            if (__builtin_mul_overflow(span, std::max<int64_t>(d, 1), &span))
                throw Error(GEOMRT_ENOMEM, what + " cannot be allocated: its element count overflows int64");
            n *= d;  // <= span
        }
        if (__builtin_mul_overflow(n, static_cast<int64_t>(dtype_size(dtype)), &bytes) || bytes > INT64_MAX - 16)
            throw Error(GEOMRT_ENOMEM, what + " cannot be allocated: its size in bytes overflows int64");
        try {
            o->storage.assign_zeros(static_cast<size_t>(bytes + 7) / 8 + 1);
        } catch (const std::bad_alloc &) {
            throw Error(GEOMRT_ENOMEM, what + " cannot be allocated: out of memory (" + std::to_string(bytes) + " bytes)");
        }
        o->numel = n;
        o->dtype = dtype;
        o->kind = GEOMRT_KIND_DENSE;
        o->set = true;
        *data = o->storage.data();
        return GEOMRT_OK;
    } catch (const Error &e) {
        host_set_error(ctx, e.code(), e.what());
        return e.code();
    } catch (const std::bad_alloc &) {
        return GEOMRT_ENOMEM;
    } catch (...) {
        return GEOMRT_EINTERNAL;
    }
}

int host_output_sparse(void *ctx, size_t index, int64_t rows, int64_t cols, int64_t nnz, int64_t **indptr,
                       int64_t **indices, double **values) {
    CallContext *c = ctx_of(ctx);
    if (!c || !indptr || !indices || !values || rows < 0 || cols < 0 || nnz < 0) return GEOMRT_EINVAL;
    try {
        geomrt_output *o = output_slot(c, index, GEOMRT_KIND_SPARSE);
        const std::string what = c->method->name + ": sparse output '" + c->method->outputs[index].name + "' (" +
                                 std::to_string(rows) + " x " + std::to_string(cols) + ", " + std::to_string(nnz) +
                                 " entries)";
        int64_t cells = 0;
        // rows x cols must fit (geomrt_result_copy_f64 densifies it); the arrays take 8 bytes an entry.
        if (__builtin_mul_overflow(rows, cols, &cells) || rows >= INT64_MAX / 8 || nnz > INT64_MAX / 8)
            throw Error(GEOMRT_ENOMEM, what + " cannot be allocated: its size overflows int64");
        try {
            o->indptr.assign(static_cast<size_t>(rows) + 1, 0);
            o->indices.assign(static_cast<size_t>(nnz), 0);
            o->values.assign(static_cast<size_t>(nnz), 0.0);
        } catch (const std::bad_alloc &) {
            o->indptr.clear(), o->indices.clear(), o->values.clear();
            o->indptr.shrink_to_fit(), o->indices.shrink_to_fit(), o->values.shrink_to_fit();
            throw Error(GEOMRT_ENOMEM, what + " cannot be allocated: out of memory");
        } catch (const std::length_error &) {
            throw Error(GEOMRT_ENOMEM, what + " cannot be allocated: too large");
        }
        o->kind = GEOMRT_KIND_SPARSE;
        o->dtype = GEOMRT_DTYPE_F64;
        o->shape = {rows, cols};
        o->numel = cells;
        o->set = true;
        *indptr = o->indptr.data();
        *indices = o->indices.data();
        *values = o->values.data();
        return GEOMRT_OK;
    } catch (const Error &e) {
        host_set_error(ctx, e.code(), e.what());
        return e.code();
    } catch (const std::bad_alloc &) {
        return GEOMRT_ENOMEM;
    } catch (...) {
        return GEOMRT_EINTERNAL;
    }
}

int host_progress(void *ctx, double fraction, int64_t iteration, double residual) {
    CallContext *c = ctx_of(ctx);
    if (!c) return 0;
    if (c->opts && c->opts->progress && std::this_thread::get_id() == c->caller) {
        int stop = 0;
        try {
            stop = c->opts->progress(c->opts->progress_user, fraction, iteration, residual);
        } catch (...) {
            stop = 1;
        }
        if (stop) c->cancel_requested.store(true);
    }
    return caller_cancelled(*c) ? 1 : 0;
}

int host_cancelled(void *ctx) {
    CallContext *c = ctx_of(ctx);
    return c && caller_cancelled(*c) ? 1 : 0;
}

void host_set_error(void *ctx, int code, const char *message) {
    CallContext *c = ctx_of(ctx);
    if (!c) return;
    if (c->error_code == GEOMRT_OK) {
        c->error_code = code;
        c->error = message ? message : "";
    }
}

int host_scratch(void *ctx, size_t bytes, void **data) {
    if (data) *data = nullptr;
    CallContext *c = ctx_of(ctx);
    if (!c || !c->scratch || !data || bytes == 0) return GEOMRT_EINVAL;
    try {
        *data = c->scratch->take(bytes);
        return GEOMRT_OK;
    } catch (...) {
        return GEOMRT_ENOMEM;
    }
}

int host_scratch_release(void *ctx, void *data) {
    CallContext *c = ctx_of(ctx);
    if (!c || !c->scratch) return GEOMRT_EINVAL;
    if (!data) return GEOMRT_OK;
    return c->scratch->release(data) ? GEOMRT_OK : GEOMRT_EINVAL;
}

const geomrt_host_api &host_table();

geomrt_result *invoke(geomrt_runtime &rt, const std::string &mname, const geomrt_args &args,
                      const geomrt_call_options *opts) {
    if (opts && opts->version != GEOMRT_CALL_OPTIONS_VERSION)
        throw Error(GEOMRT_EVERSION, "geomrt_invoke: call options version " + std::to_string(opts->version) +
                                         " is not supported (expected " + std::to_string(GEOMRT_CALL_OPTIONS_VERSION) + ")");
    if (opts && opts->num_threads < 0)
        throw Error(GEOMRT_EINVAL, "geomrt_invoke: num_threads must be >= 0 (0 = all cores), got " +
                                       std::to_string(opts->num_threads));
    std::shared_lock<std::shared_mutex> lock(rt.mu);
    auto it = std::lower_bound(rt.methods.begin(), rt.methods.end(), mname,
                               [](const std::unique_ptr<geomrt_method> &a, const std::string &n) { return a->d.name < n; });
    if (it == rt.methods.end() || (*it)->d.name != mname)
        throw Error(GEOMRT_ENOTFOUND, "no method named '" + mname + "' (geomrt list shows the loaded methods)");
    const MethodDesc &m = (*it)->d;

    for (const auto &kv : args.inputs) {
        bool known = false;
        for (const auto &s : m.inputs) known = known || s.name == kv.first;
        if (!known)
            throw Error(GEOMRT_ENOTFOUND, m.name + ": unknown input '" + kv.first + "'; inputs are: " + names_of(m.inputs));
    }
    std::vector<PreparedInput> prepared(m.inputs.size());
    std::map<std::string, DimBinding> dims;
    for (size_t i = 0; i < m.inputs.size(); ++i) {
        const SlotDesc &s = m.inputs[i];
        auto a = args.inputs.find(s.name);
        if (a == args.inputs.end()) {
            if (!(s.flags & GEOMRT_IO_OPTIONAL))
                throw Error(GEOMRT_EINVAL, m.name + ": missing required input '" + s.name + "' (" + s.doc + ")");
            prepared[i].t.present = 0;
            prepared[i].t.kind = s.kind;
            prepared[i].t.dtype = s.dtype;
            continue;
        }
        prepare_input(m.name, s, a->second, prepared[i], dims);
    }

    std::vector<geomrt_param_value> pvals(m.params.size());
    std::vector<ParamValue> converted(m.defaults);
    for (const auto &kv : args.params) {
        size_t k = 0;
        while (k < m.params.size() && m.params[k].name != kv.first) ++k;
        if (k == m.params.size()) {
            std::string names;
            for (const auto &p : m.params) names += (names.empty() ? "" : ", ") + p.name;
            throw Error(GEOMRT_ENOTFOUND, m.name + ": unknown parameter '" + kv.first +
                                              "'; parameters are: " + (names.empty() ? "(none)" : names));
        }
        converted[k] = convert_param(m.name, m.params[k], kv.second);
    }
    for (size_t k = 0; k < m.params.size(); ++k) {
        if (m.params[k].required && !args.params.count(m.params[k].name))
            throw Error(GEOMRT_EINVAL, m.name + ": missing required parameter '" + m.params[k].name + "' (" +
                                           m.params[k].doc + ")");
        pvals[k].type = m.params[k].type;
        pvals[k].i = converted[k].i;
        pvals[k].f = converted[k].f;
        pvals[k].s = converted[k].s.c_str();
    }

    std::vector<geomrt_tensor> tensors(prepared.size());
    for (size_t i = 0; i < prepared.size(); ++i) tensors[i] = prepared[i].t;

    auto result = std::make_unique<geomrt_result>();
    result->outputs.resize(m.outputs.size());
    for (size_t i = 0; i < m.outputs.size(); ++i) result->outputs[i].name = m.outputs[i].name;
    for (size_t i = 0; i < m.outputs.size(); ++i) result->outputs[i].doc = m.outputs[i].doc;

    CallContext ctx;
    ctx.method = &m;
    ctx.result = result.get();
    ctx.opts = opts;
    ctx.caller = std::this_thread::get_id();
    ctx.scratch = std::make_unique<ScratchSession>(&rt.scratch);
    if (caller_cancelled(ctx)) throw Error(GEOMRT_ECANCELLED, m.name + ": cancelled before it started");

    geomrt_invocation inv;
    std::memset(&inv, 0, sizeof inv);
    inv.struct_size = sizeof inv;
    inv.inputs = tensors.data();
    inv.n_inputs = tensors.size();
    inv.params = pvals.data();
    inv.n_params = pvals.size();
    int threads = opts ? opts->num_threads : 0;
    if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    inv.num_threads = threads;
    inv.ctx = &ctx;
    inv.host = &host_table();

    int rc = m.fn(m.user, &inv);
    if (rc != GEOMRT_OK) {
        if (rc > 0) rc = GEOMRT_EINTERNAL;
        std::string msg = ctx.error.empty() ? m.name + " failed with " + error_name(rc) : ctx.error;
        throw Error(rc, msg);
    }
    if (caller_cancelled(ctx) && ctx.error_code == GEOMRT_ECANCELLED)
        throw Error(GEOMRT_ECANCELLED, ctx.error);
    std::vector<geomrt_output> produced;
    for (size_t i = 0; i < m.outputs.size(); ++i) {
        if (result->outputs[i].set && result->outputs[i].kind == GEOMRT_KIND_SPARSE)
            check_sparse_output(m.name, result->outputs[i]);
        if (result->outputs[i].set) {
            produced.push_back(std::move(result->outputs[i]));
        } else if (!(m.outputs[i].flags & GEOMRT_IO_OPTIONAL)) {
            throw Error(GEOMRT_EINTERNAL, m.name + ": the method did not produce output '" + m.outputs[i].name + "'");
        }
    }
    result->outputs = std::move(produced);
    // Commit in-place state only now that the call succeeded.
    for (size_t i = 0; i < prepared.size(); ++i) {
        const PreparedInput &p = prepared[i];
        if (p.writeback)
            scatter_strided(p.caller_data, p.copy.data(), dtype_size(p.t.dtype), p.shape, p.caller_strides);
    }
    return result.release();
}

}  // namespace core
}  // namespace geomrt
