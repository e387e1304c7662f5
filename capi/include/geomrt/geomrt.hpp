/*
 * geomrt.hpp -- header-only C++17 API over the geomrt C API (geomrt.h).
 *
 * Move-only RAII handles (Runtime, Args, Result), errors as exceptions
 * (geomrt::Error carries the geomrt_error code and the runtime's message),
 * zero-copy views of caller memory for inputs and of result memory for
 * outputs, and method introspection. Every member's comment names the C
 * function it wraps, so the C documentation in geomrt.h applies.
 *
 *     #include <geomrt/geomrt.hpp>
 *     geomrt::Runtime rt;                                        // discovers plugins
 *     std::vector<double> xs = {0, 0, 1, 0, 0, 1}, xt = {1, 1, 2, 1, 1, 2};
 *     geomrt::Result r = rt.invoke("ot.emd", {{"xs", geomrt::TensorRef(xs.data(), {3, 2})},
 *                                             {"xt", geomrt::TensorRef(xt.data(), {3, 2})}});
 *     double cost = r.scalar("cost");                            // 2.0
 *
 * Eigen (optional): include <Eigen/Core> before this header (or define
 * GEOMRT_HPP_EIGEN) and Eigen matrices, vectors and maps pass as inputs
 * without a copy (any storage order, any strides), and dense float64/float32
 * outputs come back as Eigen::Map views of the result's memory.
 *
 * Threads: a Runtime may be shared by many threads (invoke() is const and
 * thread-safe); an Args or a Result belongs to one thread at a time.
 * Lifetimes: inputs are borrowed for the duration of invoke() only; views
 * returned by a Result are valid while that Result lives; a Method is valid
 * while its Runtime lives.
 */
#ifndef GEOMRT_GEOMRT_HPP
#define GEOMRT_GEOMRT_HPP

#include <cstddef>
#include <cstdint>
#include <exception>
#include <functional>
#include <initializer_list>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "geomrt/geomrt.h"

#if defined(GEOMRT_HPP_EIGEN) && !defined(EIGEN_WORLD_VERSION)
#include <Eigen/Core>
#endif

namespace geomrt {

/// An error from the runtime: code() is a geomrt_error (negative), what() the message
/// (geomrt_last_error() at the time of the failure).
class Error : public std::runtime_error {
public:
    Error(int code, const std::string &message) : std::runtime_error(message), code_(code) {}
    /// The geomrt_error code, e.g. GEOMRT_ESHAPE.
    int code() const noexcept { return code_; }
    /// The code's name, e.g. "GEOMRT_ESHAPE" (wraps geomrt_error_name()).
    const char *code_name() const noexcept { return geomrt_error_name(code_); }

private:
    int code_;
};

namespace detail {
/// Throw geomrt::Error with the calling thread's last message if rc is not GEOMRT_OK.
inline void check(int rc) {
    if (rc != GEOMRT_OK) throw Error(rc, geomrt_last_error());
}
inline std::string str(const char *s) { return s ? std::string(s) : std::string(); }

template <class T> struct dtype_of;
template <> struct dtype_of<double> { static constexpr int value = GEOMRT_DTYPE_F64; };
template <> struct dtype_of<float> { static constexpr int value = GEOMRT_DTYPE_F32; };
template <> struct dtype_of<int64_t> { static constexpr int value = GEOMRT_DTYPE_I64; };
}  // namespace detail

/// The geomrt_dtype of a C++ element type: dtype_v<double> == GEOMRT_DTYPE_F64.
template <class T> constexpr int dtype_v = detail::dtype_of<std::remove_cv_t<T>>::value;

/// Library version, e.g. "0.1.0" (wraps geomrt_version()).
inline std::string version() { return geomrt_version(); }

/* ------------------------------------------------------------------------ */
/* Inputs                                                                    */

/// A borrowed dense tensor: pointer, dtype, shape and strides in elements (empty = C-contiguous).
/// Nothing is copied; the memory must stay valid and unchanged until invoke() returns.
class TensorRef {
public:
    TensorRef() = default;
    /// data with the given shape, row-major unless strides (in elements) are given.
    template <class T, class = std::enable_if_t<std::is_arithmetic<T>::value>>
    TensorRef(const T *data, std::vector<int64_t> shape, std::vector<int64_t> strides = {})
        : data_(data), dtype_(dtype_v<T>), shape_(std::move(shape)), strides_(std::move(strides)) {}
    /// A 1-D tensor over a vector.
    template <class T>
    TensorRef(const std::vector<T> &v) : TensorRef(v.data(), {static_cast<int64_t>(v.size())}) {}
    /// An untyped view (dtype is a geomrt_dtype).
    TensorRef(const void *data, int dtype, std::vector<int64_t> shape, std::vector<int64_t> strides = {})
        : data_(data), dtype_(dtype), shape_(std::move(shape)), strides_(std::move(strides)) {}

#if defined(EIGEN_WORLD_VERSION)
    /// Any Eigen matrix, vector, map or block with direct access, without a copy. Vectors
    /// become 1-D tensors; matrices 2-D with their storage order carried in the strides.
    template <class Derived>
    TensorRef(const Eigen::DenseBase<Derived> &m) {
        static_assert(Derived::Flags & Eigen::DirectAccessBit, "geomrt::TensorRef: the Eigen expression has no direct access; evaluate it first (.eval())");
        const Derived &d = m.derived();
        data_ = d.data();
        dtype_ = dtype_v<typename Derived::Scalar>;
        if (Derived::IsVectorAtCompileTime) {
            shape_ = {static_cast<int64_t>(d.size())};
            strides_ = {static_cast<int64_t>(d.innerStride())};
        } else {
            shape_ = {static_cast<int64_t>(d.rows()), static_cast<int64_t>(d.cols())};
            const int64_t inner = d.innerStride(), outer = d.outerStride();
            if (Derived::IsRowMajor)
                strides_ = {outer, inner};
            else
                strides_ = {inner, outer};
        }
    }
#endif

    const void *data() const { return data_; }
    int dtype() const { return dtype_; }
    const std::vector<int64_t> &shape() const { return shape_; }
    const std::vector<int64_t> &strides() const { return strides_; }

private:
    const void *data_ = nullptr;
    int dtype_ = GEOMRT_DTYPE_F64;
    std::vector<int64_t> shape_, strides_;
};

/// A parameter value: a number (f64 or i64), a boolean or a string. Numbers convert between
/// f64 and i64 when exact; numeric and boolean parameters also parse strings ("0.1", "true").
class Param {
public:
    enum class Type { F64, I64, Bool, String };
    Param(bool v) : type_(Type::Bool), i_(v ? 1 : 0) {}
    Param(const char *v) : type_(Type::String), s_(v ? v : "") {}
    Param(std::string v) : type_(Type::String), s_(std::move(v)) {}
    template <class T, std::enable_if_t<std::is_integral<T>::value && !std::is_same<T, bool>::value, int> = 0>
    Param(T v) : type_(Type::I64), i_(static_cast<int64_t>(v)) {}
    template <class T, std::enable_if_t<std::is_floating_point<T>::value, int> = 0>
    Param(T v) : type_(Type::F64), f_(static_cast<double>(v)) {}

    Type type() const { return type_; }
    double f64() const { return f_; }
    int64_t i64() const { return i_; }
    bool boolean() const { return i_ != 0; }
    const std::string &string() const { return s_; }

private:
    Type type_;
    double f_ = 0;
    int64_t i_ = 0;
    std::string s_;
};

/// Named inputs and parameters for invoke() (wraps geomrt_args). Move-only. Inputs are
/// borrowed: keep their memory alive until the invoke() that uses them returns.
class Args {
public:
    /// An empty argument set (geomrt_args_new).
    Args() { detail::check(geomrt_args_new(&h_)); }
    /// Inputs and parameters in one go: Args({{"M", M}, {"a", a}}, {{"reg", 0.05}}).
    Args(std::initializer_list<std::pair<const char *, TensorRef>> inputs,
         std::initializer_list<std::pair<const char *, Param>> params = {})
        : Args() {
        for (const auto &in : inputs) set(in.first, in.second);
        for (const auto &p : params) param(p.first, p.second);
    }
    ~Args() { geomrt_args_free(h_); }
    Args(Args &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    Args &operator=(Args &&o) noexcept {
        if (this != &o) {
            geomrt_args_free(h_);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    Args(const Args &) = delete;
    Args &operator=(const Args &) = delete;

    /// Set a borrowed dense input (geomrt_args_set_tensor). Setting a name again replaces it.
    Args &set(const char *name, const TensorRef &t) {
        detail::check(geomrt_args_set_tensor(h_, name, t.dtype(), t.data(), static_cast<int>(t.shape().size()),
                                             t.shape().data(), t.strides().empty() ? nullptr : t.strides().data()));
        return *this;
    }
    /// Set caller-owned state that the method updates (geomrt_args_set_inplace), e.g. running
    /// statistics. Written only if the call succeeds.
    template <class T>
    Args &set_inplace(const char *name, T *data, std::vector<int64_t> shape, std::vector<int64_t> strides = {}) {
        detail::check(geomrt_args_set_inplace(h_, name, dtype_v<T>, data, static_cast<int>(shape.size()),
                                              shape.data(), strides.empty() ? nullptr : strides.data()));
        return *this;
    }
    /// Set a borrowed sparse CSR input (geomrt_args_set_sparse): rows+1 indptr, nnz indices and values.
    Args &set_sparse(const char *name, int64_t rows, int64_t cols, int64_t nnz, const int64_t *indptr,
                     const int64_t *indices, const double *values) {
        detail::check(geomrt_args_set_sparse(h_, name, rows, cols, nnz, indptr, indices, values));
        return *this;
    }
    /// Set a parameter (geomrt_args_set_param_f64 / _i64 / _bool / _string by the value's type).
    Args &param(const char *name, const Param &p) {
        switch (p.type()) {
        case Param::Type::F64: detail::check(geomrt_args_set_param_f64(h_, name, p.f64())); break;
        case Param::Type::I64: detail::check(geomrt_args_set_param_i64(h_, name, p.i64())); break;
        case Param::Type::Bool: detail::check(geomrt_args_set_param_bool(h_, name, p.boolean() ? 1 : 0)); break;
        case Param::Type::String: detail::check(geomrt_args_set_param_string(h_, name, p.string().c_str())); break;
        }
        return *this;
    }
    /// Remove every input and parameter (geomrt_args_clear).
    Args &clear() {
        geomrt_args_clear(h_);
        return *this;
    }

    geomrt_args *get() const { return h_; }

private:
    geomrt_args *h_ = nullptr;
};

/// Options of one call (wraps geomrt_call_options): threads, progress callback, cancel flag.
class CallOptions {
public:
    /// Called on the invoking thread from time to time: (fraction in [0,1] or -1, iteration,
    /// residual). Return true to continue, false to cancel (invoke() then throws GEOMRT_ECANCELLED).
    /// An exception thrown by the callback cancels the call and is rethrown by invoke().
    using Progress = std::function<bool(double fraction, int64_t iteration, double residual)>;

    CallOptions() = default;
    /// Threads a method may use; 0 = all cores (geomrt_call_options.num_threads).
    CallOptions &threads(int n) {
        threads_ = n;
        return *this;
    }
    CallOptions &progress(Progress fn) {
        progress_ = std::move(fn);
        return *this;
    }
    /// A flag any thread may set nonzero to cancel the call (geomrt_call_options.cancel_flag).
    CallOptions &cancel_flag(const volatile int *flag) {
        cancel_ = flag;
        return *this;
    }
    int threads() const { return threads_; }

private:
    friend class Runtime;
    struct Trampoline {
        const Progress *fn;
        std::exception_ptr error;
        static int call(void *user, double fraction, int64_t iteration, double residual) {
            auto *t = static_cast<Trampoline *>(user);
            try {
                return (*t->fn)(fraction, iteration, residual) ? 0 : 1;
            } catch (...) {
                t->error = std::current_exception();
                return 1;
            }
        }
    };
    int threads_ = 0;
    Progress progress_;
    const volatile int *cancel_ = nullptr;
};

/* ------------------------------------------------------------------------ */
/* Outputs                                                                   */

/// A dense output: a view of memory owned by its Result (C-contiguous, row-major).
class TensorView {
public:
    TensorView() = default;
    explicit TensorView(const geomrt_tensor_view &v) : v_(v) {}
    /// geomrt_dtype of the elements.
    int dtype() const { return v_.dtype; }
    int ndim() const { return v_.ndim; }
    int64_t numel() const { return v_.numel; }
    std::vector<int64_t> shape() const { return std::vector<int64_t>(v_.shape, v_.shape + v_.ndim); }
    int64_t dim(int i) const {
        if (i < 0 || i >= v_.ndim) throw Error(GEOMRT_EINVAL, "geomrt::TensorView::dim: axis out of range");
        return v_.shape[i];
    }
    /// Typed pointer to the elements; throws GEOMRT_EDTYPE if T does not match dtype().
    template <class T> const T *data() const {
        if (dtype_v<T> != v_.dtype)
            throw Error(GEOMRT_EDTYPE, std::string("geomrt::TensorView::data: the output holds ") +
                                           dtype_label(v_.dtype) + ", not " + dtype_label(dtype_v<T>));
        return static_cast<const T *>(v_.data);
    }
    /// A copy of the elements as a std::vector<T> (T must match dtype()).
    template <class T> std::vector<T> to_vector() const {
        const T *p = data<T>();
        return std::vector<T>(p, p + v_.numel);
    }
    const void *raw() const { return v_.data; }

private:
    static const char *dtype_label(int dt) {
        return dt == GEOMRT_DTYPE_F64 ? "float64" : dt == GEOMRT_DTYPE_F32 ? "float32" : dt == GEOMRT_DTYPE_I64 ? "int64" : "?";
    }
    geomrt_tensor_view v_{};
};

/// A sparse CSR output (float64 values, int64 indices sorted within each row), owned by its Result.
struct SparseView {
    int64_t rows = 0, cols = 0, nnz = 0;
    const int64_t *indptr = nullptr;   ///< rows + 1 entries
    const int64_t *indices = nullptr;  ///< nnz column indices
    const double *values = nullptr;    ///< nnz values
};

/// The outputs of one call (wraps geomrt_result). Move-only; views into it are valid while it lives.
class Result {
public:
    Result() = default;
    /// Take ownership of a C result handle.
    explicit Result(geomrt_result *h) : h_(h) {}
    ~Result() { geomrt_result_free(h_); }
    Result(Result &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    Result &operator=(Result &&o) noexcept {
        if (this != &o) {
            geomrt_result_free(h_);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    Result(const Result &) = delete;
    Result &operator=(const Result &) = delete;

    /// Number of outputs (geomrt_result_count).
    size_t size() const { return geomrt_result_count(h_); }
    /// Name of output i (geomrt_result_name).
    std::string name(size_t i) const { return detail::str(geomrt_result_name(h_, i)); }
    /// Names of every output, in descriptor order.
    std::vector<std::string> names() const {
        std::vector<std::string> out;
        for (size_t i = 0; i < size(); ++i) out.push_back(name(i));
        return out;
    }
    /// Whether an output of this name is present (geomrt_result_has).
    bool has(const char *name) const { return geomrt_result_has(h_, name) != 0; }
    /// GEOMRT_KIND_DENSE or GEOMRT_KIND_SPARSE (geomrt_result_kind); throws GEOMRT_ENOTFOUND.
    int kind(const char *name) const {
        int k = geomrt_result_kind(h_, name);
        if (k < 0) detail::check(k);
        return k;
    }
    /// A dense output (geomrt_result_tensor).
    TensorView tensor(const char *name) const {
        geomrt_tensor_view v;
        detail::check(geomrt_result_tensor(h_, name, &v));
        return TensorView(v);
    }
    /// A sparse output (geomrt_result_sparse).
    SparseView sparse(const char *name) const {
        geomrt_sparse_view v;
        detail::check(geomrt_result_sparse(h_, name, &v));
        return SparseView{v.rows, v.cols, v.nnz, v.indptr, v.indices, v.values};
    }
    /// A one-element output as double (geomrt_result_scalar).
    double scalar(const char *name) const {
        double v = 0;
        detail::check(geomrt_result_scalar(h_, name, &v));
        return v;
    }
    /// Any output copied to float64, row-major; a sparse matrix densified (geomrt_result_copy_f64).
    std::vector<double> to_vector(const char *name) const {
        int64_t n = 0;
        if (kind(name) == GEOMRT_KIND_SPARSE) {
            SparseView s = sparse(name);
            n = s.rows * s.cols;
        } else {
            n = tensor(name).numel();
        }
        std::vector<double> out(static_cast<size_t>(n));
        detail::check(geomrt_result_copy_f64(h_, name, out.data(), n));
        return out;
    }

#if defined(EIGEN_WORLD_VERSION)
    template <class T> using MatrixMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>;
    template <class T> using VectorMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, 1>>;
    /// A rank-2 dense output as a row-major Eigen map (no copy); a rank-1 output as a column.
    template <class T = double> MatrixMap<T> matrix(const char *name) const {
        TensorView t = tensor(name);
        if (t.ndim() == 2) return MatrixMap<T>(t.data<T>(), t.dim(0), t.dim(1));
        if (t.ndim() == 1) return MatrixMap<T>(t.data<T>(), t.dim(0), 1);
        throw Error(GEOMRT_ESHAPE, std::string("geomrt::Result::matrix: output '") + name + "' has rank " +
                                       std::to_string(t.ndim()) + ", not 1 or 2");
    }
    /// Any dense output as a flat Eigen vector (no copy).
    template <class T = double> VectorMap<T> vector(const char *name) const {
        TensorView t = tensor(name);
        return VectorMap<T>(t.data<T>(), t.numel());
    }
#endif

    geomrt_result *get() const { return h_; }
    /// Give up ownership of the C handle (the caller frees it with geomrt_result_free).
    geomrt_result *release() { return std::exchange(h_, nullptr); }

private:
    geomrt_result *h_ = nullptr;
};

/* ------------------------------------------------------------------------ */
/* Introspection                                                             */

/// A registered method (borrowed from its Runtime: valid while the Runtime lives).
class Method {
public:
    explicit Method(const geomrt_method *m) : m_(m) {}
    std::string name() const { return geomrt_method_name(m_); }                ///< geomrt_method_name
    std::string summary() const { return geomrt_method_summary(m_); }          ///< geomrt_method_summary
    std::string description() const { return geomrt_method_description(m_); }  ///< geomrt_method_description
    std::string citation() const { return geomrt_method_citation(m_); }        ///< geomrt_method_citation
    std::string plugin() const { return geomrt_method_plugin(m_); }            ///< geomrt_method_plugin
    std::string json() const { return geomrt_method_json(m_); }                ///< geomrt_method_json
    /// Input slots (geomrt_method_input_count / geomrt_method_input); strings owned by the runtime.
    std::vector<geomrt_slot_info> inputs() const {
        std::vector<geomrt_slot_info> out(geomrt_method_input_count(m_));
        for (size_t i = 0; i < out.size(); ++i) detail::check(geomrt_method_input(m_, i, &out[i]));
        return out;
    }
    /// Output slots (geomrt_method_output_count / geomrt_method_output).
    std::vector<geomrt_slot_info> outputs() const {
        std::vector<geomrt_slot_info> out(geomrt_method_output_count(m_));
        for (size_t i = 0; i < out.size(); ++i) detail::check(geomrt_method_output(m_, i, &out[i]));
        return out;
    }
    /// Parameters (geomrt_method_param_count / geomrt_method_param).
    std::vector<geomrt_param_info> params() const {
        std::vector<geomrt_param_info> out(geomrt_method_param_count(m_));
        for (size_t i = 0; i < out.size(); ++i) detail::check(geomrt_method_param(m_, i, &out[i]));
        return out;
    }
    const geomrt_method *get() const { return m_; }

private:
    const geomrt_method *m_;
};

/// One entry of a runtime's plugin report (every file tried, loaded or rejected).
struct PluginRecord {
    std::string path, name, reason;  ///< reason is "" for a loaded plugin
    bool loaded = false;
};

/// Options for a Runtime (wraps geomrt_runtime_options).
struct RuntimeOptions {
    std::vector<std::string> plugin_paths;  ///< files or directories searched first
    bool no_default_search = false;         ///< skip GEOMRT_PLUGIN_PATH and the default directories
};

/* ------------------------------------------------------------------------ */
/* Runtime                                                                   */

/// A runtime with its plugins loaded (wraps geomrt_runtime). Move-only. invoke() may be called
/// from many threads at once.
class Runtime {
public:
    /// Discover plugins in the default places (geomrt_runtime_new with NULL options).
    Runtime() { detail::check(geomrt_runtime_new(&h_, nullptr)); }
    /// Load the given paths first, then (unless no_default_search) the default places
    /// (geomrt_runtime_new).
    explicit Runtime(const RuntimeOptions &o) {
        std::vector<const char *> paths;
        for (const auto &p : o.plugin_paths) paths.push_back(p.c_str());
        geomrt_runtime_options c = GEOMRT_RUNTIME_OPTIONS_INIT;
        c.plugin_paths = paths.empty() ? nullptr : paths.data();
        c.n_plugin_paths = paths.size();
        c.no_default_search = o.no_default_search ? 1 : 0;
        detail::check(geomrt_runtime_new(&h_, &c));
    }
    ~Runtime() { geomrt_runtime_free(h_); }
    Runtime(Runtime &&o) noexcept : h_(std::exchange(o.h_, nullptr)) {}
    Runtime &operator=(Runtime &&o) noexcept {
        if (this != &o) {
            geomrt_runtime_free(h_);
            h_ = std::exchange(o.h_, nullptr);
        }
        return *this;
    }
    Runtime(const Runtime &) = delete;
    Runtime &operator=(const Runtime &) = delete;

    /// Load one more plugin file or directory (geomrt_runtime_load_plugin). Not while other
    /// threads invoke methods of this runtime.
    void load_plugin(const std::string &path) { detail::check(geomrt_runtime_load_plugin(h_, path.c_str())); }

    /// Every plugin path tried (geomrt_runtime_plugin_report_count / _at).
    std::vector<PluginRecord> plugin_report() const {
        std::vector<PluginRecord> out;
        size_t n = geomrt_runtime_plugin_report_count(h_);
        for (size_t i = 0; i < n; ++i) {
            const char *path = nullptr, *name = nullptr, *reason = nullptr;
            int status = 0;
            detail::check(geomrt_runtime_plugin_report_at(h_, i, &path, &status, &name, &reason));
            out.push_back(PluginRecord{detail::str(path), detail::str(name), detail::str(reason),
                                       status == GEOMRT_PLUGIN_LOADED});
        }
        return out;
    }

    /// Every registered method, sorted by name (geomrt_method_count / geomrt_method_at).
    std::vector<Method> methods() const {
        std::vector<Method> out;
        size_t n = geomrt_method_count(h_);
        for (size_t i = 0; i < n; ++i) {
            const geomrt_method *m = nullptr;
            detail::check(geomrt_method_at(&m, h_, i));
            out.emplace_back(m);
        }
        return out;
    }
    /// A method by name (geomrt_method_find); throws GEOMRT_ENOTFOUND.
    Method method(const std::string &name) const {
        const geomrt_method *m = nullptr;
        detail::check(geomrt_method_find(&m, h_, name.c_str()));
        return Method(m);
    }
    /// Whether a method of this name is registered.
    bool has_method(const std::string &name) const {
        const geomrt_method *m = nullptr;
        return geomrt_method_find(&m, h_, name.c_str()) == GEOMRT_OK;
    }

    /// Call a method (geomrt_invoke). Throws geomrt::Error on failure, or rethrows what the
    /// progress callback threw.
    Result invoke(const std::string &method, const Args &args, const CallOptions &opts = CallOptions()) const {
        geomrt_call_options c = GEOMRT_CALL_OPTIONS_INIT;
        c.num_threads = opts.threads_;
        c.cancel_flag = opts.cancel_;
        CallOptions::Trampoline t{&opts.progress_, nullptr};
        if (opts.progress_) {
            c.progress = &CallOptions::Trampoline::call;
            c.progress_user = &t;
        }
        geomrt_result *r = nullptr;
        int rc = geomrt_invoke(&r, h_, method.c_str(), args.get(), &c);
        if (t.error) {
            geomrt_result_free(r);
            std::rethrow_exception(t.error);
        }
        detail::check(rc);
        return Result(r);
    }
    /// Convenience: inputs and parameters inline,
    /// rt.invoke("ot.sinkhorn", {{"M", M}, {"a", a}, {"b", b}}, {{"reg", 0.05}}).
    Result invoke(const std::string &method, std::initializer_list<std::pair<const char *, TensorRef>> inputs,
                  std::initializer_list<std::pair<const char *, Param>> params = {},
                  const CallOptions &opts = CallOptions()) const {
        Args a(inputs, params);
        return invoke(method, a, opts);
    }

    geomrt_runtime *get() const { return h_; }

private:
    geomrt_runtime *h_ = nullptr;
};

}  // namespace geomrt

#endif  // GEOMRT_GEOMRT_HPP
