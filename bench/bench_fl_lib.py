"""ctypes access to the fl methods (f32/f64 inputs, every output) and a NumPy implementation of
the same aggregators, vectorized over clients, used by bench_fl.py as the peer."""
import ctypes
import time

import numpy as np

from geomrt_ctypes import CallOptions, Geomrt, TensorView

F64, F32, I64 = 1, 2, 3
_DT = {np.dtype(np.float64): F64, np.dtype(np.float32): F32, np.dtype(np.int64): I64}
_NP = {F64: np.float64, F32: np.float32, I64: np.int64}


class Fl(Geomrt):
    """Invoke fl methods in process; arrays pass without a copy (strides kept), every output back."""

    def __init__(self, build_dir):
        super().__init__(build_dir)
        L = self.lib
        L.geomrt_result_count.argtypes = [ctypes.c_void_p]
        L.geomrt_result_count.restype = ctypes.c_size_t
        L.geomrt_result_name.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
        L.geomrt_result_name.restype = ctypes.c_char_p
        L.geomrt_result_tensor.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.POINTER(TensorView)]

    def invoke(self, method, inputs, params=None, threads=0):
        """Returns ({output: ndarray}, seconds spent in geomrt_invoke)."""
        L = self.lib
        args = ctypes.c_void_p()
        self._check(L.geomrt_args_new(ctypes.byref(args)))
        keep = []
        try:
            for name, arr in inputs.items():
                arr = np.asarray(arr)
                esz = arr.itemsize
                shape = (ctypes.c_int64 * arr.ndim)(*arr.shape)
                strides = (ctypes.c_int64 * arr.ndim)(*[s // esz for s in arr.strides])
                keep += [arr, shape, strides]
                self._check(L.geomrt_args_set_tensor(args, name.encode(), _DT[arr.dtype], arr.ctypes.data, arr.ndim,
                                                     shape, strides))
            for k, v in (params or {}).items():
                self._check(L.geomrt_args_set_param_string(args, k.encode(), str(v).encode()))
            opts = CallOptions(1, threads, None, None, None)
            res = ctypes.c_void_p()
            t0 = time.perf_counter()
            rc = L.geomrt_invoke(ctypes.byref(res), self.rt, method.encode(), args, ctypes.byref(opts))
            dt = time.perf_counter() - t0
            self._check(rc)
            out = {}
            for i in range(L.geomrt_result_count(res)):
                name = L.geomrt_result_name(res, i)
                tv = TensorView()
                self._check(L.geomrt_result_tensor(res, name, ctypes.byref(tv)))
                shape = tuple(tv.shape[k] for k in range(tv.ndim))
                buf = (ctypes.c_char * (tv.numel * np.dtype(_NP[tv.dtype]).itemsize)).from_address(tv.data) \
                    if tv.numel else b""
                out[name.decode()] = np.frombuffer(bytes(buf), dtype=_NP[tv.dtype]).reshape(shape).copy()
            L.geomrt_result_free(res)
            return out, dt
        finally:
            L.geomrt_args_free(args)


# ---------------------------------------------------------------- NumPy peer
def numpy_multi_metrics(W, n=None, keep_fraction=0.3, block=1 << 18):
    """The authors' code variant in NumPy, vectorized and streamed over column blocks (no K x d
    temporary): Gram matrix in float64 (BLAS), Manhattan distances for j > i row by row, then
    (1 - cos)^2, norm-gap sums, covariance with ddof 1, uncentred quadratic score (np.linalg.inv,
    as the authors' code), keep the lowest, sample-weighted mean."""
    K, d = W.shape
    n = np.ones(K) if n is None else np.asarray(n, float)
    G = np.zeros((K, K))
    man = np.zeros((K, K))
    for c0 in range(0, d, block):
        Wc = W[:, c0:c0 + block]
        Wc64 = Wc.astype(np.float64)
        G += Wc64 @ Wc64.T
        for i in range(K - 1):
            man[i, i + 1:] += np.abs(Wc[i + 1:] - Wc[i]).sum(axis=1, dtype=np.float64)
    man = man + man.T
    nrm = np.sqrt(np.diag(G))
    cos = G / np.outer(nrm, nrm)
    off = ~np.eye(K, dtype=bool)
    t = np.stack([((1 - cos) ** 2 * off).sum(1), man.sum(1),
                  (np.abs(nrm[:, None] - nrm[None, :]) * off).sum(1)], axis=1)
    inv = np.linalg.inv(np.cov(t.T))  # as the authors' code
    scores = np.einsum("ij,jk,ik->i", t, inv, t)
    keep = int(np.floor(keep_fraction * K + 1e-9))
    kept = np.sort(np.argsort(scores, kind="stable")[:keep])
    w = n[kept] / n[kept].sum()
    agg = np.zeros(d)
    for wi, i in zip(w, kept):
        agg += wi * W[i]
    return agg.astype(W.dtype), scores, kept, t
