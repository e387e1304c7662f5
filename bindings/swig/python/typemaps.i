/* python/typemaps.i -- numpy typemaps of the Python module (included by ../geomrt.i).
 *
 * Inputs: an ndarray is handed to the runtime as pointer + shape + strides (in elements):
 * never copied here. The idiomatic layer (geomrt/__init__.py) converts other dtypes and
 * layouts first and keeps every array alive until invoke() returns (tensors are borrowed).
 * Outputs: DoubleView / LongView become fresh numpy arrays (one memcpy from the result); the
 * idiomatic layer uses them only for sparse outputs: dense ones are wrapped without a copy
 * (ResultHandle::dataAddress).
 * Errors: geomrt_swig::Error raises geomrt.Error (or its subclass for the code).
 */
%include <stdint.i>

%{
#define SWIG_FILE_WITH_INIT
%}
%include "numpy.i"
%init %{
import_array();
%}

/* int64 extents for numpy.i's typemaps. */
%numpy_typemaps(double, NPY_DOUBLE, int64_t)
%numpy_typemaps(int64_t, NPY_INT64, int64_t)

/* The GIL is released only around calls that may run long. */
%nothread;
%thread geomrt_swig::RuntimeHandle::invoke;
%thread geomrt_swig::RuntimeHandle::open;
%thread geomrt_swig::RuntimeHandle::loadPlugin;

%{
#include <cstring>
#include <vector>

/* Raise geomrt._errors.from_code(code, message): geomrt.Error or its subclass for the code. */
static void geomrt_swig_py_raise(const geomrt_swig::Error &e) {
    static PyObject *factory = NULL;
    if (!factory) {
        PyObject *mod = PyImport_ImportModule("geomrt._errors");
        if (mod) {
            factory = PyObject_GetAttrString(mod, "from_code");
            Py_DECREF(mod);
        }
        if (!factory) PyErr_Clear();
    }
    if (factory) {
        const std::string &m = e.message();
        PyObject *msg = PyUnicode_DecodeUTF8(m.data(), (Py_ssize_t)m.size(), "replace");
        PyObject *exc = msg ? PyObject_CallFunction(factory, "iO", e.code(), msg) : NULL;
        Py_XDECREF(msg);
        if (exc) {
            PyErr_SetObject((PyObject *)Py_TYPE(exc), exc);
            Py_DECREF(exc);
            return;
        }
        PyErr_Clear();
    }
    PyErr_SetString(PyExc_RuntimeError, e.what());
}

/* An ndarray as a tensor of the C API, without a copy. Accepts float64, float32 and int64
 * arrays in native byte order, aligned, with strides that are multiples of the item size
 * (any sign); strides is left empty for a C-contiguous array. Sets a Python error and
 * returns 0 otherwise. */
static int geomrt_swig_py_tensor(PyObject *obj, bool writable, int *dtype, void **data, int *ndim,
                                 std::vector<int64_t> &shape, std::vector<int64_t> &strides) {
    if (!obj || !PyArray_Check(obj)) {
        PyErr_SetString(PyExc_TypeError, "geomrt: expected a numpy.ndarray");
        return 0;
    }
    PyArrayObject *a = (PyArrayObject *)obj;
    const npy_intp es = PyArray_ITEMSIZE(a);
    if (PyArray_TYPE(a) == NPY_DOUBLE) *dtype = GEOMRT_DTYPE_F64;
    else if (PyArray_TYPE(a) == NPY_FLOAT) *dtype = GEOMRT_DTYPE_F32;
    else if (PyArray_ISINTEGER(a) && PyArray_ISSIGNED(a) && es == 8) *dtype = GEOMRT_DTYPE_I64;
    else {
        PyErr_SetString(PyExc_TypeError, "geomrt: array dtype must be float64, float32 or int64");
        return 0;
    }
    if (!PyArray_ISNOTSWAPPED(a) || !PyArray_ISALIGNED(a)) {
        PyErr_SetString(PyExc_TypeError, "geomrt: array must be aligned and in native byte order");
        return 0;
    }
    if (writable && !PyArray_ISWRITEABLE(a)) {
        PyErr_SetString(PyExc_ValueError, "geomrt: in-place array is read-only");
        return 0;
    }
    const int nd = PyArray_NDIM(a);
    shape.assign(PyArray_DIMS(a), PyArray_DIMS(a) + nd);
    strides.clear();
    if (!PyArray_IS_C_CONTIGUOUS(a)) {
        for (int i = 0; i < nd; ++i) {
            const npy_intp s = PyArray_STRIDE(a, i);
            if (s % es != 0) {
                PyErr_SetString(PyExc_TypeError, "geomrt: array strides are not multiples of its item size");
                return 0;
            }
            strides.push_back((int64_t)(s / es));
        }
    }
    *ndim = nd;
    *data = PyArray_DATA(a);
    return 1;
}
%}

%typemap(in, numinputs=1) (int dtype, const void *data, int ndim, const int64_t *shape, const int64_t *strides)
    (std::vector<int64_t> shp, std::vector<int64_t> str, void *ptr = NULL) {
    if (!geomrt_swig_py_tensor($input, false, &$1, &ptr, &$3, shp, str)) SWIG_fail;
    $2 = ptr;
    $4 = shp.data();
    $5 = str.empty() ? NULL : str.data();
}
%typemap(in, numinputs=1) (int dtype, void *data, int ndim, const int64_t *shape, const int64_t *strides)
    (std::vector<int64_t> shp, std::vector<int64_t> str, void *ptr = NULL) {
    if (!geomrt_swig_py_tensor($input, true, &$1, &ptr, &$3, shp, str)) SWIG_fail;
    $2 = ptr;
    $4 = shp.data();
    $5 = str.empty() ? NULL : str.data();
}

/* CSR inputs: contiguous int64 / float64 arrays, never converted (they are borrowed). */
%apply (int64_t *INPLACE_ARRAY1, int64_t DIM1) {
    (const int64_t *indptr, int64_t nindptr),
    (const int64_t *indices, int64_t nindices)
};
%apply (double *INPLACE_ARRAY1, int64_t DIM1) { (const double *values, int64_t nvalues) };

%typemap(out) geomrt_swig::DoubleView {
    const geomrt_swig::DoubleView &v = $1;
    npy_intp n = (npy_intp)v.size;
    PyObject *arr = PyArray_SimpleNew(1, &n, NPY_DOUBLE);
    if (!arr) SWIG_fail;
    if (n > 0) std::memcpy(PyArray_DATA((PyArrayObject *)arr), v.data, (size_t)n * sizeof(double));
    $result = arr;
}
%typemap(out) geomrt_swig::LongView {
    const geomrt_swig::LongView &v = $1;
    npy_intp n = (npy_intp)v.size;
    PyObject *arr = PyArray_SimpleNew(1, &n, NPY_INT64);
    if (!arr) SWIG_fail;
    if (n > 0) std::memcpy(PyArray_DATA((PyArrayObject *)arr), v.data, (size_t)n * sizeof(int64_t));
    $result = arr;
}

%define GEOMRT_SWIG_THROW_ERROR(e) geomrt_swig_py_raise(e); SWIG_fail; %enddef
%define GEOMRT_SWIG_THROW_NOMEM PyErr_NoMemory(); SWIG_fail; %enddef
%define GEOMRT_SWIG_THROW_OTHER(e) PyErr_SetString(PyExc_RuntimeError, (e).what()); SWIG_fail; %enddef
