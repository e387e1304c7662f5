"""A minimal ctypes view of the geomrt C API for benchmarks (in-process, no bindings needed)."""
import ctypes
import os
import time

import numpy as np

F64 = 1
_i64p = ctypes.POINTER(ctypes.c_int64)


class TensorView(ctypes.Structure):
    _fields_ = [("dtype", ctypes.c_int), ("ndim", ctypes.c_int), ("shape", _i64p),
                ("data", ctypes.c_void_p), ("numel", ctypes.c_int64)]


class CallOptions(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint), ("num_threads", ctypes.c_int), ("progress", ctypes.c_void_p),
                ("progress_user", ctypes.c_void_p), ("cancel_flag", ctypes.c_void_p)]


class Geomrt:
    def __init__(self, build_dir):
        self.lib = ctypes.CDLL(os.path.join(build_dir, "lib", "libgeomrt.so"))
        L = self.lib
        L.geomrt_last_error.restype = ctypes.c_char_p
        L.geomrt_args_set_tensor.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_void_p,
                                             ctypes.c_int, _i64p, _i64p]
        L.geomrt_args_set_param_string.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]
        L.geomrt_invoke.argtypes = [ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p, ctypes.c_char_p,
                                    ctypes.c_void_p, ctypes.POINTER(CallOptions)]
        L.geomrt_result_scalar.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(ctypes.c_double)]
        L.geomrt_result_free.argtypes = [ctypes.c_void_p]
        L.geomrt_args_free.argtypes = [ctypes.c_void_p]
        L.geomrt_runtime_free.argtypes = [ctypes.c_void_p]
        self.rt = ctypes.c_void_p()
        self._check(L.geomrt_runtime_new(ctypes.byref(self.rt), None))

    def _check(self, rc):
        if rc != 0:
            raise RuntimeError(self.lib.geomrt_last_error().decode())

    def invoke(self, method, inputs, params=None, threads=0, scalars=("cost",)):
        """Run a method; returns ({scalar: value}, seconds spent in geomrt_invoke)."""
        import time
        L = self.lib
        args = ctypes.c_void_p()
        self._check(L.geomrt_args_new(ctypes.byref(args)))
        keep = []
        try:
            for name, arr in inputs.items():
                arr = np.ascontiguousarray(arr, dtype=np.float64)
                keep.append(arr)
                shape = (ctypes.c_int64 * arr.ndim)(*arr.shape)
                keep.append(shape)
                self._check(L.geomrt_args_set_tensor(args, name.encode(), F64, arr.ctypes.data, arr.ndim, shape, None))
            for k, v in (params or {}).items():
                self._check(L.geomrt_args_set_param_string(args, k.encode(), str(v).encode()))
            opts = CallOptions(1, threads, None, None, None)
            res = ctypes.c_void_p()
            t0 = time.perf_counter()
            rc = L.geomrt_invoke(ctypes.byref(res), self.rt, method.encode(), args, ctypes.byref(opts))
            dt = time.perf_counter() - t0
            self._check(rc)
            out = {}
            for s in scalars:
                v = ctypes.c_double()
                self._check(L.geomrt_result_scalar(res, s.encode(), ctypes.byref(v)))
                out[s] = v.value
            L.geomrt_result_free(res)
            return out, dt
        finally:
            L.geomrt_args_free(args)


def best(fn, repeats):
    """Run fn() `repeats` times; return its last result and the fastest wall time."""
    out, times = None, []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return out, min(times)


def best_geomrt(g, repeats, *args, **kw):
    """Geomrt.invoke `repeats` times; return its last result and the fastest time in geomrt_invoke."""
    res, times = None, []
    for _ in range(repeats):
        res, dt = g.invoke(*args, **kw)
        times.append(dt)
    return res, min(times)


def write_block(path, name, body):
    """Put body between <!-- name:start --> and <!-- name:end --> in the markdown file at path,
    replacing what was there; appended (and the file created) if the markers are missing."""
    start, end = f"<!-- {name}:start -->", f"<!-- {name}:end -->"
    text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
    block = f"{start}\n{body}\n{end}"
    if start in text and end in text:
        text = text[:text.index(start)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
