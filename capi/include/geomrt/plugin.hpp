// plugin.hpp -- header-only C++ SDK for geomrt plugins.
//
// A plugin in a few lines:
//
//     #include <geomrt/plugin.hpp>
//     static void scale(geomrt::sdk::Call &c) {
//         auto x = c.in("x");
//         double *y = c.out_f64("y", {x.dim(0)});
//         for (int64_t i = 0; i < x.dim(0); ++i) y[i] = c.f64("factor") * x.f64()[i];
//     }
//     GEOMRT_PLUGIN("demo", "1.0") {
//         plugin.method("demo.scale", scale)
//             .summary("Multiply a vector by a number.")
//             .citation("none")
//             .input("x", "the vector", GEOMRT_DTYPE_F64, 1, "n")
//             .output("y", "the scaled vector", GEOMRT_DTYPE_F64, 1, "n")
//             .param_f64("factor", "the multiplier", "2.0");
//     }
//
// The host checks inputs and parameters against the declaration before the
// body runs. A body reports errors by throwing geomrt::sdk::Error (or calling
// geomrt::sdk::fail); the SDK turns every exception into a code and message
// so nothing crosses the C boundary. The only exported symbol is the entry
// point that GEOMRT_PLUGIN defines; build with -fvisibility=hidden.
//
// Scratch memory: Call::scratch(bytes) (or the RAII ScratchBuffer) gives working
// memory that the runtime reuses across calls (host ABI 1.1); on a 1.0 host the
// SDK allocates it itself. The SDK declares ABI 1.0 to the host
// (GEOMRT_SDK_ABI_MINOR): it uses 1.1 functions only where the host has them,
// so a plugin built with it also loads in older 1.x hosts.
#ifndef GEOMRT_PLUGIN_HPP
#define GEOMRT_PLUGIN_HPP

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <initializer_list>
#include <limits>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "geomrt/plugin.h"

/// The plugin ABI minor the SDK declares: the oldest host it works with (it checks the host's
/// table before using a newer function). Define it to GEOMRT_PLUGIN_ABI_MINOR before including
/// this header if the plugin calls newer host functions through raw() unconditionally.
#ifndef GEOMRT_SDK_ABI_MINOR
#define GEOMRT_SDK_ABI_MINOR 0
#endif

namespace geomrt {
namespace sdk {

/// An error a method reports: a geomrt_error code and a message.
class Error : public std::runtime_error {
public:
    Error(int code, const std::string &message) : std::runtime_error(message), code_(code) {}
    int code() const noexcept { return code_; }

private:
    int code_;
};

/// Throw an Error with `code` and `message`.
[[noreturn]] inline void fail(int code, const std::string &message) { throw Error(code, message); }

/// Read-only view of one checked input.
class Tensor {
public:
    explicit Tensor(const geomrt_tensor *t) : t_(t) {}
    bool present() const { return t_->present != 0; }
    bool sparse() const { return t_->kind == GEOMRT_KIND_SPARSE; }
    int dtype() const { return t_->dtype; }
    int ndim() const { return t_->ndim; }
    int64_t dim(int i) const { return i < t_->ndim ? t_->shape[i] : 1; }
    int64_t stride(int i) const { return t_->strides[i]; }
    int64_t numel() const {
        int64_t n = 1;
        for (int i = 0; i < t_->ndim; ++i) n *= t_->shape[i];
        return n;
    }
    const double *f64() const { return static_cast<const double *>(t_->data); }
    const float *f32() const { return static_cast<const float *>(t_->data); }
    const int64_t *i64() const { return static_cast<const int64_t *>(t_->data); }
    /// Writable data of an in-place slot (the host commits it on success).
    double *f64_mut() const { return static_cast<double *>(t_->data); }
    int64_t nnz() const { return t_->nnz; }
    const int64_t *indptr() const { return t_->indptr; }
    const int64_t *indices() const { return t_->indices; }
    const double *values() const { return t_->values; }
    const geomrt_tensor *raw() const { return t_; }

private:
    const geomrt_tensor *t_;
};

/// Storage of an allocated sparse CSR output.
struct SparseOut {
    int64_t *indptr;
    int64_t *indices;
    double *values;
};

struct MethodSpec;

namespace detail {
/// Scratch blocks the SDK allocates itself for a call when the host has no scratch function
/// (ABI 1.0 host); freed when the method returns. Thread-safe.
class FallbackScratch {
public:
    FallbackScratch() = default;
    FallbackScratch(const FallbackScratch &) = delete;
    FallbackScratch &operator=(const FallbackScratch &) = delete;
    ~FallbackScratch() {
        for (void *p : blocks_) std::free(p);
    }
    void *take(size_t bytes) {
        if (bytes > SIZE_MAX - 64) throw std::bad_alloc();
        void *p = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
        if (!p) throw std::bad_alloc();
        std::lock_guard<std::mutex> lock(mu_);
        try {
            blocks_.push_back(p);
        } catch (...) {
            std::free(p);
            throw;
        }
        return p;
    }
    bool release(void *p) {
        std::lock_guard<std::mutex> lock(mu_);
        auto it = std::find(blocks_.begin(), blocks_.end(), p);
        if (it == blocks_.end()) return false;
        std::free(p);
        blocks_.erase(it);
        return true;
    }

private:
    std::mutex mu_;
    std::vector<void *> blocks_;
};
}  // namespace detail

/// The context of one method call: inputs, parameters, outputs, progress, scratch memory.
class Call {
public:
    Call(const MethodSpec &spec, const geomrt_invocation *inv, detail::FallbackScratch *fallback = nullptr)
        : spec_(spec), inv_(inv), fallback_(fallback) {}

    /// The call whose method body runs on this thread (set by the SDK around the body), or
    /// nullptr outside a method (e.g. a solver used by a test program). Lets deep helpers
    /// reach the call's scratch memory without passing the Call along.
    static const Call *current() { return current_slot(); }

    const std::string &method() const;
    /// Input by name (as declared).
    Tensor in(const char *name) const { return Tensor(&inv_->inputs[input_index(name)]); }
    bool has(const char *name) const { return inv_->inputs[input_index(name)].present != 0; }
    double f64(const char *name) const { return param(name).f; }
    int64_t i64(const char *name) const { return param(name).i; }
    bool flag(const char *name) const { return param(name).i != 0; }
    std::string str(const char *name) const { return param(name).s ? param(name).s : ""; }
    int threads() const { return inv_->num_threads > 0 ? inv_->num_threads : 1; }

    /// Allocate a zero-filled dense output of the given dtype and shape.
    void *out(const char *name, int dtype, std::initializer_list<int64_t> shape) const {
        std::vector<int64_t> s(shape);
        return out(name, dtype, s);
    }
    void *out(const char *name, int dtype, const std::vector<int64_t> &shape) const {
        void *data = nullptr;
        int rc = inv_->host->output_dense(inv_->ctx, output_index(name), dtype,
                                          static_cast<int>(shape.size()), shape.data(), &data);
        if (rc != GEOMRT_OK) fail(rc, method() + ": cannot allocate output '" + name + "'");
        return data;
    }
    double *out_f64(const char *name, std::initializer_list<int64_t> shape) const {
        return static_cast<double *>(out(name, GEOMRT_DTYPE_F64, shape));
    }
    double *out_f64(const char *name, const std::vector<int64_t> &shape) const {
        return static_cast<double *>(out(name, GEOMRT_DTYPE_F64, shape));
    }
    int64_t *out_i64(const char *name, std::initializer_list<int64_t> shape) const {
        return static_cast<int64_t *>(out(name, GEOMRT_DTYPE_I64, shape));
    }
    /// A scalar (rank-0) float64 output.
    void scalar(const char *name, double value) const {
        *static_cast<double *>(out(name, GEOMRT_DTYPE_F64, std::vector<int64_t>{})) = value;
    }
    /// A scalar (rank-0) int64 output.
    void scalar_i64(const char *name, int64_t value) const {
        *static_cast<int64_t *>(out(name, GEOMRT_DTYPE_I64, std::vector<int64_t>{})) = value;
    }
    /// Allocate a sparse CSR output.
    SparseOut out_sparse(const char *name, int64_t rows, int64_t cols, int64_t nnz) const {
        SparseOut s{nullptr, nullptr, nullptr};
        int rc = inv_->host->output_sparse(inv_->ctx, output_index(name), rows, cols, nnz,
                                           &s.indptr, &s.indices, &s.values);
        if (rc != GEOMRT_OK) fail(rc, method() + ": cannot allocate output '" + name + "'");
        return s;
    }
    /// Report progress from the calling thread; throws Error(GEOMRT_ECANCELLED) if cancelled.
    void progress(double fraction, int64_t iteration, double residual) const {
        if (inv_->host->progress(inv_->ctx, fraction, iteration, residual))
            fail(GEOMRT_ECANCELLED, method() + ": cancelled by the caller");
    }
    /// Whether the call was cancelled (safe from any thread).
    bool cancelled() const { return inv_->host->cancelled(inv_->ctx) != 0; }

    /// Whether the host provides scratch memory (host ABI >= 1.1); otherwise scratch() falls back
    /// to memory the SDK allocates for this call.
    bool host_scratch() const { return GEOMRT_HOST_HAS(inv_->host, scratch) && GEOMRT_HOST_HAS(inv_->host, scratch_release); }
    /// Scratch memory for this call: `bytes` (> 0) bytes, 64-byte aligned, contents unspecified
    /// (never assume zeros), valid until the method returns or release_scratch(). From the host
    /// (reused across calls, 2 MiB aligned with huge pages from 4 MiB on) when it has the
    /// function, else from the SDK. Safe from any thread of the call. Throws Error
    /// (GEOMRT_ENOMEM) if it cannot be had.
    void *scratch(size_t bytes) const {
        if (bytes == 0) bytes = 1;
        void *p = nullptr;
        if (host_scratch()) {
            const int rc = inv_->host->scratch(inv_->ctx, bytes, &p);
            if (rc != GEOMRT_OK || !p)
                fail(rc != GEOMRT_OK ? rc : GEOMRT_ENOMEM,
                     method() + ": cannot allocate " + std::to_string(bytes) + " bytes of scratch memory");
            return p;
        }
        if (!fallback_) fail(GEOMRT_EINTERNAL, method() + ": no scratch memory outside the SDK's trampoline");
        try {
            return fallback_->take(bytes);
        } catch (const std::bad_alloc &) {
            fail(GEOMRT_ENOMEM, method() + ": cannot allocate " + std::to_string(bytes) + " bytes of scratch memory");
        }
    }
    /// Give a block from scratch() back before the method returns (nullptr: no-op). Never throws.
    void release_scratch(void *p) const noexcept {
        if (!p) return;
        if (host_scratch())
            inv_->host->scratch_release(inv_->ctx, p);
        else if (fallback_)
            fallback_->release(p);
    }

    size_t input_index(const char *name) const;
    size_t output_index(const char *name) const;
    size_t param_index(const char *name) const;
    const geomrt_param_value &param(const char *name) const { return inv_->params[param_index(name)]; }
    const geomrt_invocation *raw() const { return inv_; }

    /// RAII: makes `c` the current call of this thread for the scope.
    class Scope {
    public:
        explicit Scope(const Call *c) : prev_(current_slot()) { current_slot() = c; }
        ~Scope() { current_slot() = prev_; }
        Scope(const Scope &) = delete;
        Scope &operator=(const Scope &) = delete;

    private:
        const Call *prev_;
    };

private:
    static const Call *&current_slot() {
        static thread_local const Call *c = nullptr;
        return c;
    }
    const MethodSpec &spec_;
    const geomrt_invocation *inv_;
    detail::FallbackScratch *fallback_;
};

/// A scratch block owned by a scope: `call`->scratch(bytes) given back by the destructor, or,
/// with call == nullptr (no method running), plain heap memory freed by the destructor. Do not
/// keep one beyond the method that made it. Move-only.
class ScratchBuffer {
public:
    ScratchBuffer() = default;
    ScratchBuffer(const Call *call, size_t bytes) : call_(call) {
        if (bytes == 0) bytes = 1;
        if (call_) {
            p_ = call_->scratch(bytes);
        } else {
            if (bytes > SIZE_MAX - 64) throw std::bad_alloc();
            p_ = std::aligned_alloc(64, (bytes + 63) / 64 * 64);
            if (!p_) throw std::bad_alloc();
        }
        bytes_ = bytes;
    }
    ScratchBuffer(ScratchBuffer &&o) noexcept : call_(o.call_), p_(o.p_), bytes_(o.bytes_) { o.p_ = nullptr, o.bytes_ = 0; }
    ScratchBuffer &operator=(ScratchBuffer &&o) noexcept {
        if (this != &o) {
            reset();
            call_ = o.call_, p_ = o.p_, bytes_ = o.bytes_;
            o.p_ = nullptr, o.bytes_ = 0;
        }
        return *this;
    }
    ScratchBuffer(const ScratchBuffer &) = delete;
    ScratchBuffer &operator=(const ScratchBuffer &) = delete;
    ~ScratchBuffer() { reset(); }

    void *data() const { return p_; }
    size_t size() const { return bytes_; }
    /// Give the block back now.
    void reset() noexcept {
        if (!p_) return;
        if (call_)
            call_->release_scratch(p_);
        else
            std::free(p_);
        p_ = nullptr;
        bytes_ = 0;
    }

private:
    const Call *call_ = nullptr;
    void *p_ = nullptr;
    size_t bytes_ = 0;
};

using MethodBody = void (*)(Call &);

/// A declared method: owns the strings its C descriptor points to.
struct MethodSpec {
    std::string name, summary, description, citation;
    struct Slot {
        std::string name, doc, shape;
        int kind, dtype, ndim;
        unsigned flags;
    };
    struct Param {
        std::string name, doc, def, choices;
        bool has_default;
        int type;
        double min, max;
        unsigned flags;
    };
    std::vector<Slot> inputs, outputs;
    std::vector<Param> params;
    MethodBody body = nullptr;

    static int trampoline(void *user, const geomrt_invocation *inv) noexcept {
        const MethodSpec *spec = static_cast<const MethodSpec *>(user);
        try {
            detail::FallbackScratch fallback;  // outlives the body and its scratch buffers
            Call call(*spec, inv, &fallback);
            Call::Scope scope(&call);
            spec->body(call);
            return GEOMRT_OK;
        } catch (const Error &e) {
            inv->host->set_error(inv->ctx, e.code(), e.what());
            return e.code();
        } catch (const std::bad_alloc &) {
            inv->host->set_error(inv->ctx, GEOMRT_ENOMEM, (spec->name + ": out of memory").c_str());
            return GEOMRT_ENOMEM;
        } catch (const std::exception &e) {
            inv->host->set_error(inv->ctx, GEOMRT_EINTERNAL, (spec->name + ": " + e.what()).c_str());
            return GEOMRT_EINTERNAL;
        } catch (...) {
            inv->host->set_error(inv->ctx, GEOMRT_EINTERNAL, (spec->name + ": unknown exception").c_str());
            return GEOMRT_EINTERNAL;
        }
    }
};

inline const std::string &Call::method() const { return spec_.name; }
inline size_t Call::input_index(const char *name) const {
    for (size_t i = 0; i < spec_.inputs.size(); ++i)
        if (spec_.inputs[i].name == name) return i;
    fail(GEOMRT_EINTERNAL, spec_.name + ": no input named '" + name + "' is declared");
}
inline size_t Call::output_index(const char *name) const {
    for (size_t i = 0; i < spec_.outputs.size(); ++i)
        if (spec_.outputs[i].name == name) return i;
    fail(GEOMRT_EINTERNAL, spec_.name + ": no output named '" + name + "' is declared");
}
inline size_t Call::param_index(const char *name) const {
    for (size_t i = 0; i < spec_.params.size(); ++i)
        if (spec_.params[i].name == name) return i;
    fail(GEOMRT_EINTERNAL, spec_.name + ": no parameter named '" + name + "' is declared");
}

/// Fluent declaration of one method.
class MethodBuilder {
public:
    explicit MethodBuilder(MethodSpec &s) : s_(s) {}
    MethodBuilder &summary(const std::string &v) { s_.summary = v; return *this; }
    MethodBuilder &description(const std::string &v) { s_.description = v; return *this; }
    MethodBuilder &citation(const std::string &v) { s_.citation = v; return *this; }
    /// Dense input: dtype, rank (-1 any), shape signature ("n,d"), GEOMRT_IO_* flags.
    MethodBuilder &input(const std::string &name, const std::string &doc, int dtype, int ndim,
                         const std::string &shape, unsigned flags = 0) {
        s_.inputs.push_back({name, doc, shape, GEOMRT_KIND_DENSE, dtype, ndim, flags});
        return *this;
    }
    /// Sparse CSR matrix input with shape signature "n,m".
    MethodBuilder &sparse_input(const std::string &name, const std::string &doc,
                                const std::string &shape, unsigned flags = 0) {
        s_.inputs.push_back({name, doc, shape, GEOMRT_KIND_SPARSE, GEOMRT_DTYPE_F64, 2, flags});
        return *this;
    }
    /// Dense output; flags may be GEOMRT_IO_OPTIONAL (the method may leave it out).
    MethodBuilder &output(const std::string &name, const std::string &doc, int dtype, int ndim,
                          const std::string &shape, unsigned flags = 0) {
        s_.outputs.push_back({name, doc, shape, GEOMRT_KIND_DENSE, dtype, ndim, flags});
        return *this;
    }
    MethodBuilder &sparse_output(const std::string &name, const std::string &doc,
                                 const std::string &shape, unsigned flags = 0) {
        s_.outputs.push_back({name, doc, shape, GEOMRT_KIND_SPARSE, GEOMRT_DTYPE_F64, 2, flags});
        return *this;
    }
    /// Scalar float64 output.
    MethodBuilder &scalar(const std::string &name, const std::string &doc) {
        return output(name, doc, GEOMRT_DTYPE_F64, 0, "");
    }
    /// Scalar int64 output.
    MethodBuilder &scalar_i64(const std::string &name, const std::string &doc) {
        return output(name, doc, GEOMRT_DTYPE_I64, 0, "");
    }
    /// Float64 parameter; def = nullptr makes it required.
    MethodBuilder &param_f64(const std::string &name, const std::string &doc, const char *def,
                             double min = -std::numeric_limits<double>::infinity(),
                             double max = std::numeric_limits<double>::infinity(),
                             unsigned flags = 0) {
        return add_param(name, doc, GEOMRT_PARAM_F64, def, min, max, flags, "");
    }
    MethodBuilder &param_i64(const std::string &name, const std::string &doc, const char *def,
                             double min = -9.2e18, double max = 9.2e18, unsigned flags = 0) {
        return add_param(name, doc, GEOMRT_PARAM_I64, def, min, max, flags, "");
    }
    MethodBuilder &param_bool(const std::string &name, const std::string &doc, const char *def) {
        return add_param(name, doc, GEOMRT_PARAM_BOOL, def, 0, 1, 0, "");
    }
    MethodBuilder &param_string(const std::string &name, const std::string &doc, const char *def) {
        return add_param(name, doc, GEOMRT_PARAM_STRING, def, 0, 0, 0, "");
    }
    /// Enumerated string parameter; choices separated by '|'.
    MethodBuilder &param_enum(const std::string &name, const std::string &doc, const char *def,
                              const std::string &choices) {
        return add_param(name, doc, GEOMRT_PARAM_ENUM, def, 0, 0, 0, choices);
    }

private:
    MethodBuilder &add_param(const std::string &name, const std::string &doc, int type,
                             const char *def, double min, double max, unsigned flags,
                             const std::string &choices) {
        s_.params.push_back({name, doc, def ? def : "", choices, def != nullptr, type, min, max, flags});
        return *this;
    }
    MethodSpec &s_;
};

/// The set of methods a plugin declares.
class Plugin {
public:
    MethodBuilder method(const std::string &name, MethodBody body) {
        specs_.emplace_back();
        specs_.back().name = name;
        specs_.back().body = body;
        return MethodBuilder(specs_.back());
    }
    const std::deque<MethodSpec> &specs() const { return specs_; }

private:
    std::deque<MethodSpec> specs_;
};

namespace detail {

inline int register_spec(const geomrt_host_api *host, geomrt_registrar *reg, const MethodSpec &s) {
    std::vector<geomrt_io_desc> in, out;
    std::vector<geomrt_param_desc> par;
    for (const auto &x : s.inputs)
        in.push_back({x.name.c_str(), x.doc.c_str(), x.kind, x.dtype, x.ndim, x.shape.c_str(), x.flags});
    for (const auto &x : s.outputs)
        out.push_back({x.name.c_str(), x.doc.c_str(), x.kind, x.dtype, x.ndim, x.shape.c_str(), x.flags});
    for (const auto &p : s.params)
        par.push_back({p.name.c_str(), p.doc.c_str(), p.type, p.has_default ? p.def.c_str() : nullptr,
                       p.min, p.max, p.flags, p.choices.c_str()});
    geomrt_method_desc d;
    std::memset(&d, 0, sizeof d);
    d.struct_size = sizeof d;
    d.name = s.name.c_str();
    d.summary = s.summary.c_str();
    d.description = s.description.c_str();
    d.citation = s.citation.c_str();
    d.inputs = in.data();
    d.n_inputs = in.size();
    d.outputs = out.data();
    d.n_outputs = out.size();
    d.params = par.data();
    d.n_params = par.size();
    d.fn = &MethodSpec::trampoline;
    d.user = const_cast<MethodSpec *>(&s);
    return host->register_method(reg, &d);
}

/// Body of the entry point: declares the plugin once per process, registers every method.
inline int init(const geomrt_host_api *host, geomrt_registrar *reg, const char *name,
                const char *version, void (*define)(Plugin &)) noexcept {
    if (!host || !reg) return GEOMRT_EINVAL;
    try {
        int rc = host->declare_plugin(reg, name, version, GEOMRT_PLUGIN_ABI_MAJOR, GEOMRT_SDK_ABI_MINOR);
        if (rc != GEOMRT_OK) return rc;
        static Plugin plugin;  // specs live as long as the library is loaded
        static std::once_flag once;
        std::call_once(once, [&] { define(plugin); });
        for (const auto &s : plugin.specs()) {
            rc = register_spec(host, reg, s);
            if (rc != GEOMRT_OK) return rc;
        }
        return GEOMRT_OK;
    } catch (...) {
        return GEOMRT_EINTERNAL;
    }
}

}  // namespace detail
}  // namespace sdk
}  // namespace geomrt

/// Define the plugin entry point; the braces that follow declare its methods on `plugin`.
#define GEOMRT_PLUGIN(NAME, VERSION)                                                           \
    static void geomrt_plugin_define_(::geomrt::sdk::Plugin &plugin);                          \
    extern "C" GEOMRT_PLUGIN_EXPORT int geomrt_plugin_init_v1(const geomrt_host_api *host,     \
                                                              geomrt_registrar *reg) {         \
        return ::geomrt::sdk::detail::init(host, reg, NAME, VERSION, &geomrt_plugin_define_);  \
    }                                                                                          \
    static void geomrt_plugin_define_(::geomrt::sdk::Plugin &plugin)

#endif  // GEOMRT_PLUGIN_HPP
