// facade.cpp -- see facade.h. Only the public C API (geomrt.h) is used here.
#include "facade.h"

#include <geomrt/geomrt.h>

#include <cstring>
#include <utility>

namespace geomrt_swig {

namespace {

/// Throw the calling thread's last runtime error if rc is not GEOMRT_OK.
void check(int rc) {
    if (rc >= 0) return;
    const int code = geomrt_last_error_code();
    throw Error(code != GEOMRT_OK ? code : rc, geomrt_last_error());
}

std::string str(const char *s) { return s ? std::string(s) : std::string(); }

thread_local std::map<std::string, int64_t> last_input_addresses;

int64_t address_of(const void *p) { return static_cast<int64_t>(reinterpret_cast<intptr_t>(p)); }

const geomrt_method *find_method(const geomrt_runtime *rt, const std::string &name) {
    const geomrt_method *m = nullptr;
    check(geomrt_method_find(&m, rt, name.c_str()));
    return m;
}

/// Element offsets [lo, hi] a strided tensor touches; false if it has no elements.
bool offset_range(const int64_t *shape, const int64_t *strides, int ndim, int64_t &lo, int64_t &hi) {
    lo = hi = 0;
    for (int d = 0; d < ndim; ++d)
        if (shape[d] == 0) return false;
    for (int d = 0; d < ndim; ++d) {
        int64_t span = 0;
        if (__builtin_mul_overflow(strides[d], shape[d] - 1, &span))
            throw Error(GEOMRT_EINVAL, "strides overflow the address range");
        if (__builtin_add_overflow(span < 0 ? lo : hi, span, span < 0 ? &lo : &hi))
            throw Error(GEOMRT_EINVAL, "strides overflow the address range");
    }
    return true;
}

}  // namespace

// ---------------------------------------------------------------- Error

Error::Error(int code, std::string message) : code_(code), message_(std::move(message)) {}

std::string Error::codeName() const { return geomrt_error_name(code_); }

std::string errorName(int code) { return geomrt_error_name(code); }

int64_t debugLastInputAddress(const std::string &name) {
    auto it = last_input_addresses.find(name);
    return it == last_input_addresses.end() ? 0 : it->second;
}

// ---------------------------------------------------------------- RuntimeHandle

RuntimeHandle::RuntimeHandle() = default;

RuntimeHandle::~RuntimeHandle() { close(); }

void RuntimeHandle::addPluginPath(const std::string &path) {
    if (rt_) throw Error(GEOMRT_EINVAL, "addPluginPath: the runtime is already open (use loadPlugin)");
    plugin_paths_.push_back(path);
}

void RuntimeHandle::setDefaultSearch(bool on) {
    if (rt_) throw Error(GEOMRT_EINVAL, "setDefaultSearch: the runtime is already open");
    default_search_ = on;
}

void RuntimeHandle::open() {
    if (rt_) return;
    std::vector<const char *> paths;
    for (const std::string &p : plugin_paths_) paths.push_back(p.c_str());
    geomrt_runtime_options opts = GEOMRT_RUNTIME_OPTIONS_INIT;
    opts.plugin_paths = paths.empty() ? nullptr : paths.data();
    opts.n_plugin_paths = paths.size();
    opts.no_default_search = default_search_ ? 0 : 1;
    check(geomrt_runtime_new(&rt_, &opts));
}

void RuntimeHandle::close() {
    geomrt_runtime_free(rt_);
    rt_ = nullptr;
}

geomrt_runtime *RuntimeHandle::require() const {
    if (!rt_) throw Error(GEOMRT_EINVAL, "the runtime is closed");
    return rt_;
}

void RuntimeHandle::loadPlugin(const std::string &path) { check(geomrt_runtime_load_plugin(require(), path.c_str())); }

int64_t RuntimeHandle::methodCount() const { return static_cast<int64_t>(geomrt_method_count(require())); }

std::string RuntimeHandle::methodName(int64_t index) const {
    const geomrt_method *m = nullptr;
    if (index < 0) throw Error(GEOMRT_EINVAL, "method index is negative");
    check(geomrt_method_at(&m, require(), static_cast<size_t>(index)));
    return str(geomrt_method_name(m));
}

bool RuntimeHandle::hasMethod(const std::string &name) const {
    const geomrt_method *m = nullptr;
    return geomrt_method_find(&m, require(), name.c_str()) == GEOMRT_OK;
}

std::string RuntimeHandle::methodSummary(const std::string &name) const {
    return str(geomrt_method_summary(find_method(require(), name)));
}

std::string RuntimeHandle::methodJson(const std::string &name) const {
    return str(geomrt_method_json(find_method(require(), name)));
}

int64_t RuntimeHandle::pluginCount() const { return static_cast<int64_t>(geomrt_runtime_plugin_report_count(require())); }

namespace {
struct PluginEntry {
    const char *path = nullptr, *name = nullptr, *reason = nullptr;
    int status = 0;
};
PluginEntry plugin_entry(const geomrt_runtime *rt, int64_t index) {
    if (index < 0) throw Error(GEOMRT_EINVAL, "plugin index is negative");
    PluginEntry e;
    check(geomrt_runtime_plugin_report_at(rt, static_cast<size_t>(index), &e.path, &e.status, &e.name, &e.reason));
    return e;
}
}  // namespace

std::string RuntimeHandle::pluginPath(int64_t index) const { return str(plugin_entry(require(), index).path); }
bool RuntimeHandle::pluginLoaded(int64_t index) const {
    return plugin_entry(require(), index).status == GEOMRT_PLUGIN_LOADED;
}
std::string RuntimeHandle::pluginName(int64_t index) const { return str(plugin_entry(require(), index).name); }
std::string RuntimeHandle::pluginReason(int64_t index) const { return str(plugin_entry(require(), index).reason); }

ResultHandle *RuntimeHandle::invoke(const std::string &method, const ArgsHandle &args, int numThreads) {
    if (numThreads < 0) throw Error(GEOMRT_EINVAL, "threads must be >= 0 (0 = all cores)");
    geomrt_runtime *rt = require();
    last_input_addresses = args.addresses();
    geomrt_call_options opts = GEOMRT_CALL_OPTIONS_INIT;
    opts.num_threads = numThreads;
    geomrt_result *res = nullptr;
    check(geomrt_invoke(&res, rt, method.c_str(), args.raw(), &opts));
    return new ResultHandle(res);
}

std::string RuntimeHandle::version() { return geomrt_version(); }

// ---------------------------------------------------------------- ArgsHandle

ArgsHandle::ArgsHandle() { check(geomrt_args_new(&args_)); }

ArgsHandle::~ArgsHandle() { geomrt_args_free(args_); }

void ArgsHandle::clear() {
    geomrt_args_clear(args_);
    owned_f64_.clear();
    owned_i64_.clear();
    addresses_.clear();
}

void ArgsHandle::setTensor(const std::string &name, int dtype, const void *data, int ndim, const int64_t *shape,
                           const int64_t *strides) {
    check(geomrt_args_set_tensor(args_, name.c_str(), dtype, data, ndim, shape, strides));
    addresses_[name] = address_of(data);
}

void ArgsHandle::setInplace(const std::string &name, int dtype, void *data, int ndim, const int64_t *shape,
                            const int64_t *strides) {
    check(geomrt_args_set_inplace(args_, name.c_str(), dtype, data, ndim, shape, strides));
    addresses_[name] = address_of(data);
}

void ArgsHandle::setBuffer(const std::string &name, const double *data, int64_t capacity, const int64_t *shape,
                           int nshape, const int64_t *strides, int nstrides, bool inplace) {
    if (nshape < 0) throw Error(GEOMRT_EINVAL, "input '" + name + "': shape is missing");
    if (nstrides != 0 && nstrides != nshape)
        throw Error(GEOMRT_EINVAL, "input '" + name + "': " + std::to_string(nstrides) + " strides for " +
                                       std::to_string(nshape) + " dimensions");
    std::vector<int64_t> c_strides;
    const int64_t *st = strides;
    if (nstrides == 0) {  // C order
        c_strides.assign(static_cast<size_t>(nshape), 1);
        for (int d = nshape - 2; d >= 0; --d) c_strides[d] = c_strides[d + 1] * shape[d + 1];
        st = c_strides.data();
    }
    for (int d = 0; d < nshape; ++d)
        if (shape[d] < 0) throw Error(GEOMRT_EINVAL, "input '" + name + "': negative extent in shape");
    int64_t lo = 0, hi = 0;
    if (offset_range(shape, st, nshape, lo, hi) && (lo < 0 || hi >= capacity))
        throw Error(GEOMRT_ESHAPE, "input '" + name + "': shape and strides reach element " +
                                       std::to_string(lo < 0 ? lo : hi) + " of a buffer of " +
                                       std::to_string(capacity) + " elements");
    const int64_t *pass = nstrides == 0 ? nullptr : strides;
    if (inplace) setInplace(name, GEOMRT_DTYPE_F64, const_cast<double *>(data), nshape, shape, pass);
    else setTensor(name, GEOMRT_DTYPE_F64, data, nshape, shape, pass);
}

void ArgsHandle::setTensorCopy(const std::string &name, std::vector<double> &data, const int64_t *shape, int nshape) {
    if (nshape < 0) throw Error(GEOMRT_EINVAL, "input '" + name + "': shape is missing");
    int64_t n = 1;
    for (int d = 0; d < nshape; ++d) {
        if (shape[d] < 0) throw Error(GEOMRT_EINVAL, "input '" + name + "': negative extent in shape");
        n *= shape[d];
    }
    if (n != static_cast<int64_t>(data.size()))
        throw Error(GEOMRT_ESHAPE, "input '" + name + "': " + std::to_string(data.size()) +
                                       " values do not fill shape with " + std::to_string(n) + " elements");
    owned_f64_.emplace_back(std::move(data));
    data.clear();
    setTensor(name, GEOMRT_DTYPE_F64, owned_f64_.back().data(), nshape, shape, nullptr);
}

void ArgsHandle::setSparse(const std::string &name, int64_t rows, int64_t cols, const int64_t *indptr,
                           int64_t nindptr, const int64_t *indices, int64_t nindices, const double *values,
                           int64_t nvalues) {
    if (rows < 0 || cols < 0) throw Error(GEOMRT_EINVAL, "input '" + name + "': negative size");
    if (nindptr != rows + 1)
        throw Error(GEOMRT_ESHAPE, "input '" + name + "': indptr has " + std::to_string(nindptr) +
                                       " entries, expected rows+1 = " + std::to_string(rows + 1));
    if (nindices != nvalues)
        throw Error(GEOMRT_ESHAPE, "input '" + name + "': " + std::to_string(nindices) + " indices but " +
                                       std::to_string(nvalues) + " values");
    check(geomrt_args_set_sparse(args_, name.c_str(), rows, cols, nvalues, indptr, indices, values));
    addresses_[name] = address_of(values);
}

void ArgsHandle::setSparseCopy(const std::string &name, int64_t rows, int64_t cols, std::vector<int64_t> &indptr,
                               std::vector<int64_t> &indices, std::vector<double> &values) {
    owned_i64_.emplace_back(std::move(indptr));
    const std::vector<int64_t> &p = owned_i64_.back();
    owned_i64_.emplace_back(std::move(indices));
    const std::vector<int64_t> &i = owned_i64_.back();
    owned_f64_.emplace_back(std::move(values));
    const std::vector<double> &v = owned_f64_.back();
    setSparse(name, rows, cols, p.data(), static_cast<int64_t>(p.size()), i.data(), static_cast<int64_t>(i.size()),
              v.data(), static_cast<int64_t>(v.size()));
}

void ArgsHandle::setParamF64(const std::string &name, double value) {
    check(geomrt_args_set_param_f64(args_, name.c_str(), value));
}
void ArgsHandle::setParamI64(const std::string &name, int64_t value) {
    check(geomrt_args_set_param_i64(args_, name.c_str(), value));
}
void ArgsHandle::setParamBool(const std::string &name, bool value) {
    check(geomrt_args_set_param_bool(args_, name.c_str(), value ? 1 : 0));
}
void ArgsHandle::setParamString(const std::string &name, const std::string &value) {
    check(geomrt_args_set_param_string(args_, name.c_str(), value.c_str()));
}

int64_t ArgsHandle::dataAddress(const std::string &name) const {
    auto it = addresses_.find(name);
    return it == addresses_.end() ? 0 : it->second;
}

// ---------------------------------------------------------------- ResultHandle

ResultHandle::ResultHandle(geomrt_result *res) : res_(res) {}

ResultHandle::~ResultHandle() { geomrt_result_free(res_); }

int64_t ResultHandle::count() const { return static_cast<int64_t>(geomrt_result_count(res_)); }

std::string ResultHandle::name(int64_t index) const {
    const char *n = index < 0 ? nullptr : geomrt_result_name(res_, static_cast<size_t>(index));
    if (!n) throw Error(GEOMRT_ENOTFOUND, "output index " + std::to_string(index) + " out of range");
    return n;
}

bool ResultHandle::has(const std::string &name) const { return geomrt_result_has(res_, name.c_str()) != 0; }

int ResultHandle::kind(const std::string &name) const {
    const int k = geomrt_result_kind(res_, name.c_str());
    check(k);
    return k;
}

namespace {
geomrt_tensor_view dense_view(const geomrt_result *res, const std::string &name) {
    geomrt_tensor_view v;
    check(geomrt_result_tensor(res, name.c_str(), &v));
    return v;
}
geomrt_sparse_view sparse_view(const geomrt_result *res, const std::string &name) {
    geomrt_sparse_view v;
    check(geomrt_result_sparse(res, name.c_str(), &v));
    return v;
}
}  // namespace

int ResultHandle::dtype(const std::string &name) const {
    return kind(name) == GEOMRT_KIND_SPARSE ? GEOMRT_DTYPE_F64 : dense_view(res_, name).dtype;
}

int ResultHandle::ndim(const std::string &name) const {
    return kind(name) == GEOMRT_KIND_SPARSE ? 2 : dense_view(res_, name).ndim;
}

int64_t ResultHandle::dim(const std::string &name, int axis) const {
    if (kind(name) == GEOMRT_KIND_SPARSE) {
        geomrt_sparse_view v = sparse_view(res_, name);
        if (axis == 0) return v.rows;
        if (axis == 1) return v.cols;
    } else {
        geomrt_tensor_view v = dense_view(res_, name);
        if (axis >= 0 && axis < v.ndim) return v.shape[axis];
    }
    throw Error(GEOMRT_EINVAL, "output '" + name + "': axis " + std::to_string(axis) + " out of range");
}

int64_t ResultHandle::numel(const std::string &name) const {
    if (kind(name) == GEOMRT_KIND_SPARSE) {
        geomrt_sparse_view v = sparse_view(res_, name);
        return v.rows * v.cols;
    }
    return dense_view(res_, name).numel;
}

double ResultHandle::scalar(const std::string &name) const {
    double x = 0;
    check(geomrt_result_scalar(res_, name.c_str(), &x));
    return x;
}

int64_t ResultHandle::scalarI64(const std::string &name) const {
    geomrt_tensor_view v = dense_view(res_, name);
    if (v.dtype != GEOMRT_DTYPE_I64 || v.numel != 1)
        throw Error(GEOMRT_EDTYPE, "output '" + name + "' is not an int64 scalar");
    return *static_cast<const int64_t *>(v.data);
}

DoubleView ResultHandle::f64(const std::string &name) {
    geomrt_tensor_view v = dense_view(res_, name);
    if (v.dtype == GEOMRT_DTYPE_F64) return DoubleView{static_cast<const double *>(v.data), v.numel};
    scratch_.emplace_back(static_cast<size_t>(v.numel));
    check(geomrt_result_copy_f64(res_, name.c_str(), scratch_.back().data(), v.numel));
    return DoubleView{scratch_.back().data(), v.numel};
}

LongView ResultHandle::i64(const std::string &name) const {
    geomrt_tensor_view v = dense_view(res_, name);
    if (v.dtype != GEOMRT_DTYPE_I64) throw Error(GEOMRT_EDTYPE, "output '" + name + "' is not int64");
    return LongView{static_cast<const int64_t *>(v.data), v.numel};
}

int64_t ResultHandle::dataAddress(const std::string &name) const {
    if (kind(name) == GEOMRT_KIND_SPARSE) throw Error(GEOMRT_EINVAL, "output '" + name + "' is sparse");
    const geomrt_tensor_view v = dense_view(res_, name);
    return v.numel > 0 ? static_cast<int64_t>(reinterpret_cast<uintptr_t>(v.data)) : 0;
}

DoubleView ResultHandle::sparseDense(const std::string &name) {
    geomrt_sparse_view v = sparse_view(res_, name);
    int64_t n = 0;
    if (__builtin_mul_overflow(v.rows, v.cols, &n)) throw Error(GEOMRT_ENOMEM, "output '" + name + "' is too large");
    scratch_.emplace_back(static_cast<size_t>(n));
    check(geomrt_result_copy_f64(res_, name.c_str(), scratch_.back().data(), n));
    return DoubleView{scratch_.back().data(), n};
}

int64_t ResultHandle::sparseRows(const std::string &name) const { return sparse_view(res_, name).rows; }
int64_t ResultHandle::sparseCols(const std::string &name) const { return sparse_view(res_, name).cols; }
int64_t ResultHandle::sparseNnz(const std::string &name) const { return sparse_view(res_, name).nnz; }

LongView ResultHandle::sparseIndptr(const std::string &name) const {
    geomrt_sparse_view v = sparse_view(res_, name);
    return LongView{v.indptr, v.rows + 1};
}
LongView ResultHandle::sparseIndices(const std::string &name) const {
    geomrt_sparse_view v = sparse_view(res_, name);
    return LongView{v.indices, v.nnz};
}
DoubleView ResultHandle::sparseValues(const std::string &name) const {
    geomrt_sparse_view v = sparse_view(res_, name);
    return DoubleView{v.values, v.nnz};
}

}  // namespace geomrt_swig
