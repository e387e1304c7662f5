"""geomrt: optimal transport and geometric methods through the geomrt runtime.

    import numpy as np, geomrt
    with geomrt.Runtime() as rt:
        out = rt.invoke("ot.emd", {"xs": xs, "xt": xt})
        print(out["cost"], out["plan"].toarray())

Inputs (a dict name -> value):
  * numpy arrays of the slot's dtype (float64 for every OT method) in native byte order
    are passed to the runtime WITHOUT a copy, in any layout: C order, Fortran order or
    any strided view (strides are passed in elements). The array must not change until
    invoke() returns. (A method that does not read strided data itself gets a contiguous
    copy made by the runtime; C-order arrays are never copied.)
  * anything else (lists, other dtypes, byte-swapped or unaligned arrays) is converted
    with one copy to a C-order array of the slot's dtype.
  * a SparseMatrix (or any CSR object with shape/indptr/indices/data, e.g. scipy's
    csr_matrix) for sparse inputs; its arrays are converted to int64/float64 if needed.
  * in-place inputs (GEOMRT_IO_INPLACE) must be writable ndarrays of the slot's dtype;
    they are updated when the call succeeds.
Parameters (a dict): bool, int, float or str (numpy scalars too); numbers convert
between int and float when exact, strings are parsed ("0.1", "true").
Outputs (a dict name -> value, in the method's declared order): rank-0 outputs become
Python float (or int for int64), dense tensors writable numpy arrays of the output's dtype
that view the runtime's result without a copy (the result, with all its outputs, is freed
when the last of these arrays is gone; keep a .copy() of one output to release the others),
sparse matrices SparseMatrix objects (copied).
Errors raise geomrt.Error subclasses carrying the runtime's code and message.
The GIL is released while a method runs; a Runtime may be used from several threads.
"""

import json
import os
import threading

import numpy as np

from . import geomrt as _native
from ._errors import (Error, InvalidArgumentError, NotFoundError, ShapeError, DTypeError,
                      VersionError, PluginError, NoConvergenceError, CancelledError,
                      OutOfMemoryError, InternalError)

__all__ = [
    "Runtime", "SparseMatrix", "version",
    "Error", "InvalidArgumentError", "NotFoundError", "ShapeError", "DTypeError",
    "VersionError", "PluginError", "NoConvergenceError", "CancelledError",
    "OutOfMemoryError", "InternalError",
]

__version__ = _native.RuntimeHandle.version()

_DTYPES = {"float64": np.float64, "float32": np.float32, "int64": np.int64}


def version():
    """Version of the geomrt library in use, e.g. "0.1.0"."""
    return _native.RuntimeHandle.version()


class SparseMatrix:
    """A CSR matrix: row i holds data[indptr[i]:indptr[i+1]] at columns indices[...].

    Attributes: shape (rows, cols), indptr (int64, rows+1), indices (int64, nnz),
    data (float64, nnz), nnz. scipy.sparse.csr_matrix((m.data, m.indices, m.indptr),
    shape=m.shape) builds the SciPy equivalent; tocsr() does it when SciPy is installed.
    """

    __slots__ = ("shape", "indptr", "indices", "data")

    def __init__(self, shape, indptr, indices, data):
        self.shape = (int(shape[0]), int(shape[1]))
        self.indptr = np.asarray(indptr, dtype=np.int64)
        self.indices = np.asarray(indices, dtype=np.int64)
        self.data = np.asarray(data, dtype=np.float64)

    @property
    def nnz(self):
        return int(self.data.shape[0])

    def toarray(self):
        """The dense rows x cols float64 array (duplicate entries are summed)."""
        out = np.zeros(self.shape, dtype=np.float64)
        rows = np.repeat(np.arange(self.shape[0]), np.diff(self.indptr))
        np.add.at(out, (rows, self.indices), self.data)
        return out

    def tocsr(self):
        """A scipy.sparse.csr_matrix (needs SciPy)."""
        import scipy.sparse
        return scipy.sparse.csr_matrix((self.data, self.indices, self.indptr), shape=self.shape)

    def __repr__(self):
        return "SparseMatrix(shape=%r, nnz=%d)" % (self.shape, self.nnz)


class _Slot:
    __slots__ = ("dtype", "inplace", "sparse", "any_float")

    def __init__(self, info):
        self.dtype = np.dtype(_DTYPES.get(info.get("dtype"), np.float64))
        self.any_float = bool(info.get("any_float"))  # float32 arrays pass as they are
        self.inplace = bool(info.get("inplace"))
        self.sparse = info.get("kind") == "sparse"


class Runtime:
    """A geomrt runtime: the loaded plugins and their methods.

    Runtime(plugin_paths=None, default_search=True): plugin_paths (files or directories)
    are searched first, then $GEOMRT_PLUGIN_PATH and the plugin directory beside libgeomrt
    unless default_search is False. Use it as a context manager or call close().
    """

    def __init__(self, plugin_paths=None, default_search=True):
        handle = _native.RuntimeHandle()
        if isinstance(plugin_paths, (str, bytes, os.PathLike)):
            plugin_paths = [plugin_paths]
        for path in plugin_paths or ():
            handle.add_plugin_path(os.fsdecode(path))
        handle.set_default_search(bool(default_search))
        handle.open()
        self._handle = handle
        self._slots = {}
        self._cond = threading.Condition()
        self._active = 0

    # ------------------------------------------------------------ lifetime
    def close(self):
        """Free the runtime after any running invoke() returns. Idempotent."""
        with self._cond:
            while self._active:
                self._cond.wait()
            self._handle.close()

    @property
    def closed(self):
        return not self._handle.is_open()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def _enter_call(self):
        with self._cond:
            self._active += 1

    def _leave_call(self):
        with self._cond:
            self._active -= 1
            if not self._active:
                self._cond.notify_all()

    # ------------------------------------------------------------ introspection
    def methods(self):
        """{name: one-line summary} of every registered method, sorted by name."""
        h = self._handle
        names = [h.method_name(i) for i in range(h.method_count())]
        return {name: h.method_summary(name) for name in names}

    def describe(self, method):
        """The method's descriptor (geomrt_method_json) as a dict: name, summary,
        description, citation, plugin, inputs, outputs, params."""
        return json.loads(self._handle.method_json(method))

    def plugins(self):
        """The plugin report: [{path, loaded, name, reason}] for every file tried."""
        h = self._handle
        return [{"path": h.plugin_path(i), "loaded": h.plugin_loaded(i), "name": h.plugin_name(i),
                 "reason": h.plugin_reason(i)} for i in range(h.plugin_count())]

    def load_plugin(self, path):
        """Load a plugin file (or every plugin in a directory) now."""
        self._handle.load_plugin(os.fsdecode(path))
        self._slots.clear()

    # ------------------------------------------------------------ invoke
    def invoke(self, method, inputs=None, params=None, threads=0):
        """Call `method` with named inputs and parameters; return its named outputs.

        threads: threads the method may use (0 = all cores). See the module docstring for
        how inputs, parameters and outputs are converted. Raises geomrt.Error subclasses.
        """
        self._enter_call()
        try:
            slots = self._input_slots(method)
            args = _native.ArgsHandle()
            keep = []  # every array handed to the runtime stays alive until invoke returns
            for name, value in (inputs or {}).items():
                _set_input(args, name, value, slots.get(name), keep)
            for name, value in (params or {}).items():
                _set_param(args, name, value)
            result = self._handle.invoke(method, args, int(threads))
            del keep
            return _read_result(result)
        finally:
            self._leave_call()

    def _input_slots(self, method):
        slots = self._slots.get(method)
        if slots is None:
            if not self._handle.has_method(method):
                return {}  # geomrt_invoke reports the unknown method
            info = self.describe(method)
            slots = {s["name"]: _Slot(s) for s in info.get("inputs", ())}
            self._slots[method] = slots
        return slots


def _is_csr(value):
    return isinstance(value, SparseMatrix) or (
        getattr(value, "format", None) == "csr" and hasattr(value, "indptr"))


def _set_input(args, name, value, slot, keep):
    if _is_csr(value):
        indptr = np.ascontiguousarray(value.indptr, dtype=np.int64)
        indices = np.ascontiguousarray(value.indices, dtype=np.int64)
        data = np.ascontiguousarray(value.data, dtype=np.float64)
        keep.extend((indptr, indices, data))
        args.set_sparse(name, int(value.shape[0]), int(value.shape[1]), indptr, indices, data)
        return
    want = slot.dtype if slot is not None else np.dtype(np.float64)
    if slot is not None and slot.inplace:
        if not isinstance(value, np.ndarray) or value.dtype != want:
            raise TypeError("geomrt: in-place input '%s' must be a writable numpy array of dtype %s"
                            % (name, want))
        keep.append(value)
        args.set_inplace(name, value)
        return
    arr = value if isinstance(value, np.ndarray) else np.asarray(value)
    if slot is not None and slot.any_float and arr.dtype in (np.float32, np.float64):
        want = arr.dtype
    if (arr.dtype != want or not arr.flags.aligned
            or any(s % arr.itemsize for s in arr.strides)):
        arr = np.array(arr, dtype=want, order="C")  # the one conversion copy
    keep.append(arr)
    args.set_tensor(name, arr)


def _set_param(args, name, value):
    if isinstance(value, (bool, np.bool_)):
        args.set_param_bool(name, bool(value))
    elif isinstance(value, (int, np.integer)):
        args.set_param_i64(name, int(value))
    elif isinstance(value, (float, np.floating)):
        args.set_param_f64(name, float(value))
    elif isinstance(value, str):
        args.set_param_string(name, value)
    else:
        raise TypeError("geomrt: parameter '%s' must be bool, int, float or str, not %s"
                        % (name, type(value).__name__))


def _read_result(res):
    out = {}
    for i in range(res.count()):
        name = res.name(i)
        if res.kind(name) == _native.KIND_SPARSE:
            out[name] = SparseMatrix((res.sparse_rows(name), res.sparse_cols(name)),
                                     res.sparse_indptr(name), res.sparse_indices(name),
                                     res.sparse_values(name))
            continue
        dtype, ndim = res.dtype(name), res.ndim(name)
        if ndim == 0:
            out[name] = res.scalar_i64(name) if dtype == _native.DTYPE_I64 else res.scalar(name)
            continue
        shape = tuple(res.dim(name, axis) for axis in range(ndim))
        typestr = _TYPESTR.get(dtype)
        addr = res.data_address(name) if typestr else 0
        if addr:
            out[name] = np.asarray(_ResultArray(res, addr, shape, typestr))
            continue
        if dtype == _native.DTYPE_I64:
            data = res.i64(name)
        else:
            data = res.f64(name)
            if dtype == _native.DTYPE_F32:
                data = data.astype(np.float32)  # exact: the values came from float32
        out[name] = data.reshape(shape)
    return out


_TYPESTR = {_native.DTYPE_F64: np.dtype(np.float64).str, _native.DTYPE_F32: np.dtype(np.float32).str,
            _native.DTYPE_I64: np.dtype(np.int64).str}


class _ResultArray:
    """One dense output of a result, seen by numpy through __array_interface__ without a copy.
    The numpy array's base is this object, which holds the result: the result's memory is
    freed when the last array viewing one of its outputs is gone."""
    __slots__ = ("_result", "__array_interface__")

    def __init__(self, result, address, shape, typestr):
        self._result = result
        self.__array_interface__ = {"version": 3, "shape": shape, "typestr": typestr,
                                    "data": (address, False), "strides": None}


def _debug_last_input_address(name):
    """Test hook: data address of input `name` as handed to the runtime by the last
    invoke() on this thread (0 if none). Equal to arr.ctypes.data when nothing was copied."""
    return _native.debug_last_input_address(name)
