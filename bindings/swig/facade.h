// facade.h -- the small, binding-friendly C++ layer that SWIG wraps (Python, Java, R).
//
// It sits on the stable C API (geomrt.h) only and is compiled into each SWIG module.
// Every failure throws geomrt_swig::Error carrying the runtime's code and message;
// each language's %exception turns it into that language's exception.
//
// Three handles:
//   RuntimeHandle  geomrt_runtime: plugin search, introspection, invoke()
//   ArgsHandle     geomrt_args: named tensors (borrowed or owned) and typed parameters
//   ResultHandle   geomrt_result: named outputs read as views (the language copies them)
//
// Memory: a tensor set with setTensor()/setBuffer()/setInplace() is BORROWED -- the
// caller keeps it alive and unchanged until invoke() returns (the language layer holds a
// reference). setTensorCopy()/setSparseCopy() take ownership of a vector the language
// layer filled (one copy, from a Java array for example) and keep it in the ArgsHandle.
#ifndef GEOMRT_SWIG_FACADE_H
#define GEOMRT_SWIG_FACADE_H

#include <cstdint>
#include <deque>
#include <exception>
#include <map>
#include <string>
#include <vector>

struct geomrt_runtime;
struct geomrt_args;
struct geomrt_result;

namespace geomrt_swig {

/// Failure reported by the runtime (or by the facade's own checks). code is a geomrt_error
/// value (negative), message the runtime's text.
class Error : public std::exception {
public:
    Error(int code, std::string message);
    int code() const { return code_; }
    const std::string &message() const { return message_; }
    /// "GEOMRT_EINVAL", ... (geomrt_error_name)
    std::string codeName() const;
    const char *what() const noexcept override { return message_.c_str(); }

private:
    int code_;
    std::string message_;
};

/// A contiguous run of output values owned by a ResultHandle (valid while it lives).
/// Each language maps it to a fresh array by one copy.
struct DoubleView {
    const double *data;
    int64_t size;
};
struct LongView {
    const int64_t *data;
    int64_t size;
};

class ArgsHandle;
class ResultHandle;

/// geomrt_runtime. Configure the plugin search, then open(); close() (or the destructor) frees it.
class RuntimeHandle {
public:
    RuntimeHandle();
    ~RuntimeHandle();
    RuntimeHandle(const RuntimeHandle &) = delete;
    RuntimeHandle &operator=(const RuntimeHandle &) = delete;

    /// A plugin file or directory searched before the default locations (before open()).
    void addPluginPath(const std::string &path);
    /// Whether GEOMRT_PLUGIN_PATH and the directory beside libgeomrt are searched (default true).
    void setDefaultSearch(bool on);
    /// geomrt_runtime_new with the options gathered so far.
    void open();
    bool isOpen() const { return rt_ != nullptr; }
    /// geomrt_runtime_free; idempotent. No call of this runtime may still be running.
    void close();
    /// geomrt_runtime_load_plugin.
    void loadPlugin(const std::string &path);

    /// Methods, sorted by name.
    int64_t methodCount() const;
    std::string methodName(int64_t index) const;
    bool hasMethod(const std::string &name) const;
    std::string methodSummary(const std::string &name) const;
    /// geomrt_method_json: the whole descriptor as a JSON object.
    std::string methodJson(const std::string &name) const;

    /// The plugin report: every file tried, in order.
    int64_t pluginCount() const;
    std::string pluginPath(int64_t index) const;
    /// true if loaded, false if rejected (see pluginReason).
    bool pluginLoaded(int64_t index) const;
    std::string pluginName(int64_t index) const;
    std::string pluginReason(int64_t index) const;

    /// geomrt_invoke. numThreads: 0 = all cores. Returns a new ResultHandle (caller owns it).
    /// Also records the data addresses of the tensors handed to the runtime (see
    /// debugLastInputAddress).
    ResultHandle *invoke(const std::string &method, const ArgsHandle &args, int numThreads);

    /// geomrt_version(): the library's version.
    static std::string version();

private:
    geomrt_runtime *require() const;
    std::vector<std::string> plugin_paths_;
    bool default_search_ = true;
    geomrt_runtime *rt_ = nullptr;
};

/// geomrt_args plus the storage of the tensors it owns.
class ArgsHandle {
public:
    ArgsHandle();
    ~ArgsHandle();
    ArgsHandle(const ArgsHandle &) = delete;
    ArgsHandle &operator=(const ArgsHandle &) = delete;

    /// Remove every input and parameter, and free owned tensors.
    void clear();

    /// Borrowed dense tensor (geomrt_args_set_tensor). dtype: GEOMRT_DTYPE_*; shape has ndim
    /// extents; strides (in elements) has ndim entries or is NULL for C order.
    void setTensor(const std::string &name, int dtype, const void *data, int ndim, const int64_t *shape,
                   const int64_t *strides);
    /// Borrowed caller-owned state for GEOMRT_IO_INPLACE inputs (geomrt_args_set_inplace).
    void setInplace(const std::string &name, int dtype, void *data, int ndim, const int64_t *shape,
                    const int64_t *strides);
    /// Borrowed float64 buffer of `capacity` elements (a Java direct DoubleBuffer): the
    /// tensor's shape/strides are checked to stay inside it. nshape extents; nstrides is 0
    /// (C order) or nshape. inplace: set it as in-place state.
    void setBuffer(const std::string &name, const double *data, int64_t capacity, const int64_t *shape,
                   int nshape, const int64_t *strides, int nstrides, bool inplace);
    /// Owned C-order float64 tensor: takes the contents of `data` (left empty).
    void setTensorCopy(const std::string &name, std::vector<double> &data, const int64_t *shape, int nshape);
    /// Borrowed CSR matrix (geomrt_args_set_sparse): indptr rows+1, indices and values nnz.
    void setSparse(const std::string &name, int64_t rows, int64_t cols, const int64_t *indptr, int64_t nindptr,
                   const int64_t *indices, int64_t nindices, const double *values, int64_t nvalues);
    /// Owned CSR matrix: takes the contents of the three vectors.
    void setSparseCopy(const std::string &name, int64_t rows, int64_t cols, std::vector<int64_t> &indptr,
                       std::vector<int64_t> &indices, std::vector<double> &values);

    void setParamF64(const std::string &name, double value);
    void setParamI64(const std::string &name, int64_t value);
    void setParamBool(const std::string &name, bool value);
    /// Text; numeric and boolean parameters parse it ("0.1", "true").
    void setParamString(const std::string &name, const std::string &value);

    /// Data address set for input `name` (0 if none): what the runtime receives.
    int64_t dataAddress(const std::string &name) const;

    geomrt_args *raw() const { return args_; }
    const std::map<std::string, int64_t> &addresses() const { return addresses_; }

private:
    geomrt_args *args_ = nullptr;
    std::deque<std::vector<double>> owned_f64_;
    std::deque<std::vector<int64_t>> owned_i64_;
    std::map<std::string, int64_t> addresses_;
};

/// geomrt_result. Views returned here stay valid while the handle lives.
class ResultHandle {
public:
    explicit ResultHandle(geomrt_result *res);
    ~ResultHandle();
    ResultHandle(const ResultHandle &) = delete;
    ResultHandle &operator=(const ResultHandle &) = delete;

    /// Outputs in the method's declared order.
    int64_t count() const;
    std::string name(int64_t index) const;
    bool has(const std::string &name) const;
    /// GEOMRT_KIND_DENSE (1) or GEOMRT_KIND_SPARSE (2).
    int kind(const std::string &name) const;
    /// GEOMRT_DTYPE_* of a dense output (F64 for sparse values).
    int dtype(const std::string &name) const;
    /// Rank (0 for a scalar, 2 for sparse) and extents.
    int ndim(const std::string &name) const;
    int64_t dim(const std::string &name, int axis) const;
    /// Number of elements (rows*cols for sparse).
    int64_t numel(const std::string &name) const;

    /// A one-element dense output as a double (geomrt_result_scalar).
    double scalar(const std::string &name) const;
    /// A one-element int64 output, exactly.
    int64_t scalarI64(const std::string &name) const;
    /// Dense output as float64, row-major: a view of the result for f64 outputs, a
    /// converted copy kept in the handle for f32/i64 (geomrt_result_copy_f64).
    DoubleView f64(const std::string &name);
    /// Dense int64 output, row-major (view).
    LongView i64(const std::string &name) const;
    /// Sparse output as its dense rows x cols float64 matrix (copy kept in the handle).
    DoubleView sparseDense(const std::string &name);
    /// Address of a dense output's data (row-major, contiguous, of its own dtype; 0 when it has
    /// no elements), valid while this handle lives. The Python layer wraps it in a numpy array
    /// that keeps the handle alive, so outputs reach Python without a copy.
    int64_t dataAddress(const std::string &name) const;

    int64_t sparseRows(const std::string &name) const;
    int64_t sparseCols(const std::string &name) const;
    int64_t sparseNnz(const std::string &name) const;
    LongView sparseIndptr(const std::string &name) const;
    LongView sparseIndices(const std::string &name) const;
    DoubleView sparseValues(const std::string &name) const;

private:
    geomrt_result *res_;
    std::deque<std::vector<double>> scratch_;
};

/// Test hook: the data address of input `name` in the last invoke() on this thread (0 if
/// none). The Python and Java tests compare it with the array's / direct buffer's address
/// to show that no copy was made on the way to the runtime.
int64_t debugLastInputAddress(const std::string &name);

/// geomrt_error_name(code).
std::string errorName(int code);

}  // namespace geomrt_swig

#endif  // GEOMRT_SWIG_FACADE_H
