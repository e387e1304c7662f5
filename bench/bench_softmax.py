#!/usr/bin/python3
"""Benchmark geomrt's softmax.radius against a NumPy one-liner of the same formula, in one
process, on the same inputs, and against the machine's streaming read speed.

    /usr/bin/python3 bench/bench_softmax.py [--build build] [--repeats 30] [--write docs/BENCHMARKS.md]

Cases: logits B x K float32 (B = 4096, K = 1000: 16 MB) without and with a JVP of the same shape,
float64, and B = 16384 (64 MB, larger than the 32 MB L3 cache). The NumPy peer is
`np.pi / (z.max(1) - z.min(1))` (and the same for the JVP) followed by `.min()`. geomrt is called
through its C API (ctypes) and timed around geomrt_invoke; every timing is the best of R runs.
Ratios > 1 mean geomrt is faster. Bandwidth = bytes of input read / time; the reference is
NumPy's `x.max()` over the whole flat array (one SIMD streaming pass, the fastest read NumPy
does) on the same bytes.
"""
import argparse
import ctypes
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from geomrt_ctypes import CallOptions, Geomrt, best, write_block  # noqa: E402

DTYPES = {np.dtype(np.float64): 1, np.dtype(np.float32): 2}


def invoke_radius(g, inputs, threads):
    """softmax.radius with inputs of any float dtype; returns (rho_batch, seconds in geomrt_invoke)."""
    L = g.lib
    args = ctypes.c_void_p()
    g._check(L.geomrt_args_new(ctypes.byref(args)))
    keep = []
    try:
        for name, arr in inputs.items():
            shape = (ctypes.c_int64 * arr.ndim)(*arr.shape)
            keep.append(shape)
            g._check(L.geomrt_args_set_tensor(args, name.encode(), DTYPES[arr.dtype], arr.ctypes.data, arr.ndim,
                                              shape, None))
        opts = CallOptions(1, threads, None, None, None)
        res = ctypes.c_void_p()
        t0 = time.perf_counter()
        rc = L.geomrt_invoke(ctypes.byref(res), g.rt, b"softmax.radius", args, ctypes.byref(opts))
        dt = time.perf_counter() - t0
        g._check(rc)
        v = ctypes.c_double()
        g._check(L.geomrt_result_scalar(res, b"rho_batch", ctypes.byref(v)))
        L.geomrt_result_free(res)
        return v.value, dt
    finally:
        L.geomrt_args_free(args)


def best_radius(g, R, inputs, threads):
    out, times = None, []
    for _ in range(R):
        out, dt = invoke_radius(g, inputs, threads)
        times.append(dt)
    return out, min(times)


def numpy_radius(z, a=None):
    rl = np.pi / (z.max(1) - z.min(1))
    if a is None:
        return rl.min()
    rho = np.pi / (a.max(1) - a.min(1))
    return rho.min()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--repeats", type=int, default=30)
    ap.add_argument("--write", help="write the results table into this markdown file")
    opt = ap.parse_args()
    g = Geomrt(opt.build)
    R = opt.repeats
    rng = np.random.default_rng(0)
    rows = []
    for B, K, dt, jvp in ((4096, 1000, np.float32, False), (4096, 1000, np.float32, True),
                          (4096, 1000, np.float64, False), (16384, 1000, np.float32, False)):
        z = (3 * rng.standard_normal((B, K))).astype(dt)
        a = rng.standard_normal((B, K)).astype(dt) if jvp else None
        inputs = {"logits": z} if a is None else {"logits": z, "jvp": a}
        nbytes = z.nbytes * (2 if jvp else 1)
        flat = np.concatenate([z.ravel(), a.ravel()]) if jvp else z.ravel()
        ref, t_np = best(lambda: numpy_radius(z, a), R)
        _, t_stream = best(lambda: flat.max(), R)
        case = f"B={B} K={K} {np.dtype(dt).name}" + (" + jvp" if jvp else "")
        for threads, label in ((1, "1 thread"), (0, "all cores")):
            val, t_geo = best_radius(g, R, inputs, threads)
            rel = abs(val - ref) / abs(ref)
            gbs, gbs_ref = nbytes / t_geo / 1e9, nbytes / t_stream / 1e9
            rows.append((case, label, t_np, t_geo, t_np / t_geo, gbs, gbs_ref, rel))
            print(f"{case:28s} {label:10s} numpy {t_np * 1e3:7.2f} ms  geomrt {t_geo * 1e3:7.2f} ms  "
                  f"ratio {t_np / t_geo:5.2f}x  {gbs:5.1f} GB/s (numpy flat max {gbs_ref:5.1f} GB/s)  "
                  f"rel.diff {rel:.1e}", flush=True)

    if opt.write:
        cmd = "/usr/bin/python3 bench/bench_softmax.py " + " ".join(sys.argv[1:])
        lines = [f"Command: `{cmd}` ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)", "",
                 "softmax.radius vs the NumPy one-liner `np.pi / (z.max(1) - z.min(1))` (plus the same for the "
                 "JVP) and `.min()`, best of " + str(R) + " runs each. Bandwidth: input bytes / time; reference: "
                 "NumPy's `x.max()` over the same bytes as one flat array (a single SIMD streaming read). "
                 "16 MB (B = 4096, float32) fits in this machine's 32 MB L3 cache, so there the speed limit is "
                 "the cache's streaming rate; 64 MB (B = 16384) comes from memory. 'all cores' splits rows over "
                 "threads only from 2^23 entries (logits + jvp); below that it runs on one thread as well.", "",
                 "| case | geomrt | NumPy (ms) | geomrt (ms) | speedup | geomrt GB/s | flat-max GB/s | "
                 "rel. diff of rho_batch |",
                 "|---|---|---|---|---|---|---|---|"]
        for case, label, tn, tg, ratio, gbs, gref, rel in rows:
            lines.append(f"| {case} | {label} | {tn * 1e3:.2f} | {tg * 1e3:.2f} | {ratio:.1f}x | {gbs:.1f} | "
                         f"{gref:.1f} | {rel:.1e} |")
        write_block(opt.write, "bench_softmax", "\n".join(lines))


if __name__ == "__main__":
    main()
