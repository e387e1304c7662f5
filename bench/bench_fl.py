"""Benchmark fl.multi_metrics (authors' code variant, float32 clients) against a NumPy implementation
of the same method (bench_fl_lib.numpy_multi_metrics), both in this process, for K = 10, 50, 100
clients and d = 1e5 .. 1e7 parameters, and against the machine's limits measured by
bench_fl_limits.c (memory read bandwidth, f64 FMA and f32 |a - b| rates of one core).

Run (from the repository root, after building into build/):
    /usr/bin/python3 bench/bench_fl.py [--quick] [--write docs/BENCHMARKS.md]
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_fl_lib import Fl, numpy_multi_metrics  # noqa: E402
from geomrt_ctypes import write_block  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def limits():
    """Per-core rates from bench_fl_limits.c: (read GB/s, FMA pair-entries/s, |a-b| pair-entries/s)."""
    exe = os.path.join("/tmp", f"geomrt_fl_limits_{os.getpid()}")
    src = os.path.join(ROOT, "bench", "bench_fl_limits.c")
    flags = ["-mavx2", "-mfma", "-mavx512f", "-mavx512vl"] if "avx512vl" in open("/proc/cpuinfo").read() \
        else ["-mavx2", "-mfma", "-DTI=2"]
    subprocess.run(["cc", "-O3", "-fopenmp", *flags, src, "-o", exe], check=True)
    out = subprocess.run([exe], capture_output=True, text=True, check=True).stdout
    os.unlink(exe)
    first = out.splitlines()[0]
    nums = [float(x) for x in re.findall(r"(?:read_gbs|fma_per_s|l1_per_s) ([0-9.e+]+)", first)]
    return nums, out.strip()


def timed(fn, repeats):
    best_wall, best_cpu, out = 1e30, 1e30, None
    for _ in range(repeats):
        c0, t0 = cpu(), time.perf_counter()
        out = fn()
        best_wall = min(best_wall, time.perf_counter() - t0)
        best_cpu = min(best_cpu, cpu() - c0)
    return out, best_wall, best_cpu


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--quick", action="store_true", help="small sizes only")
    ap.add_argument("--write", help="markdown file to put the results in (block 'fl')")
    args = ap.parse_args()
    fl = Fl(args.build)
    cores = os.cpu_count()
    (bw, r_fma, r_l1), raw = limits()
    print(raw)
    Ks = [10, 50, 100]
    ds = [10 ** 5, 10 ** 6] if args.quick else [10 ** 5, 10 ** 6, 10 ** 7]
    rows = []
    for d in ds:
        for K in Ks:
            rng = np.random.default_rng(K + d)
            W = np.empty((K, d), dtype=np.float32)
            for i in range(K):  # row by row: no float64 K x d temporary
                W[i] = rng.standard_normal(d, dtype=np.float32) * 0.01 + 1.0
            big = K * d >= 10 ** 9
            reps_np = 1 if K * d >= 10 ** 8 else 3
            reps_g = 1 if big else 3
            (_, s_np, k_np, _), t_np, c_np = timed(lambda: numpy_multi_metrics(W), reps_np)
            (o, _), t_g, c_g = timed(lambda: fl.invoke("fl.multi_metrics", {"W": W}), reps_g)
            same = np.array_equal(o["kept"], k_np)
            rel = float(np.max(np.abs(o["scores"] - s_np) / np.abs(s_np)))
            pairs_g, pairs_m = K * (K + 1) / 2 * d, K * (K - 1) / 2 * d
            t_mem = 4.0 * K * d / (bw * 1e9 * cores)
            t_cmp = (pairs_g / r_fma + pairs_m / r_l1) / cores
            limit = max(t_mem, t_cmp)
            load = os.getloadavg()[0]
            rows.append((K, d, t_np, t_g, c_g, limit, t_mem, t_cmp, same, rel, load))
            print(f"K={K:4d} d={d:.0e}  numpy {t_np:8.3f}s  geomrt {t_g:7.3f}s (cpu {c_g:7.3f}s)  "
                  f"numpy/geomrt {t_np / t_g:6.1f}  limit {limit:.4f}s (mem {t_mem:.4f}, compute {t_cmp:.4f})  "
                  f"geomrt/limit {t_g / limit:5.2f}  cpu/cores/limit {c_g / cores / limit:5.2f}  "
                  f"same kept {same}  score rel.diff {rel:.1e}  load {load:.1f}", flush=True)
            del W
    if args.write:
        lines = [
            "### fl.multi_metrics (authors' code variant, float32 clients) vs NumPy",
            "",
            "Command: `/usr/bin/python3 bench/bench_fl.py --write docs/BENCHMARKS.md` (NumPy peer: "
            "`bench/bench_fl_lib.py`, the same method vectorized and streamed over column blocks, Gram by "
            "OpenBLAS; geomrt on all cores). Machine limits from `bench/bench_fl_limits.c`, per core by CPU "
            f"time: read {bw:.1f} GB/s, f64 FMA {r_fma:.3g} pair-entries/s, f32 |a-b| {r_l1:.3g} "
            f"pair-entries/s; {cores} cores. limit = max(4Kd bytes / (cores x read), "
            "(K(K+1)/2 d / FMA rate + K(K-1)/2 d / |a-b| rate) / cores). The machine was shared "
            "(load average in the last column), so wall times are inflated; `cpu/cores` is the "
            "process CPU time over the cores, the load-independent figure.",
            "",
            "| K | d | NumPy s | geomrt s | NumPy / geomrt | geomrt CPU s | limit s (mem / compute) | "
            "geomrt / limit | CPU/cores / limit | same kept | score rel. diff | load |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for (K, d, t_np, t_g, c_g, limit, t_mem, t_cmp, same, rel, load) in rows:
            lines.append(f"| {K} | {d:.0e} | {t_np:.3f} | {t_g:.3f} | {t_np / t_g:.1f} | {c_g:.3f} | "
                         f"{limit:.4f} ({t_mem:.4f} / {t_cmp:.4f}) | {t_g / limit:.2f} | "
                         f"{c_g / cores / limit:.2f} | {same} | {rel:.1e} | {load:.1f} |")
        write_block(args.write, "fl", "\n".join(lines))


if __name__ == "__main__":
    main()
