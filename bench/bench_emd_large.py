#!/usr/bin/python3
"""Exact OT between two point clouds of n = 20000 points without the dense cost matrix.

    /usr/bin/python3 bench/bench_emd_large.py [--build build] [--n 20000] [--write docs/BENCHMARKS.md]

geomrt's ot.emd computes squared Euclidean costs on the fly from xs and xt when n*m > 2.5e7,
so memory stays O(n + m). Reports wall time and the process's peak resident memory (VmHWM)
before and after the call. A dense float64 cost matrix alone would take 8 n^2 bytes (3.2 GB).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from geomrt_ctypes import Geomrt, write_block  # noqa: E402


def vmhwm_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--n", type=int, default=20000)
    ap.add_argument("--write")
    opt = ap.parse_args()
    g = Geomrt(opt.build)
    rng = np.random.default_rng(1)
    n = opt.n
    xs, xt = rng.uniform(size=(n, 2)), rng.uniform(size=(n, 2))
    a = rng.uniform(0.5, 1.5, n)
    a /= a.sum()
    b = np.full(n, 1.0 / n)
    before = vmhwm_mb()
    res, dt = g.invoke("ot.emd", {"xs": xs, "xt": xt, "a": a, "b": b}, scalars=("cost", "iterations"))
    after = vmhwm_mb()
    line = (f"ot.emd point clouds n = m = {n} (2-D, sqeuclidean, non-uniform a): {dt:.1f} s, "
            f"{int(res['iterations'])} pivots, cost {res['cost']:.6g}; peak RSS {before:.0f} MB before the call, "
            f"{after:.0f} MB after (dense cost matrix would be {8 * n * n / 1e9:.1f} GB)")
    print(line)
    if opt.write:
        cmd = "/usr/bin/python3 bench/bench_emd_large.py " + " ".join(sys.argv[1:])
        write_block(opt.write, "bench_emd_large", f"Command: `{cmd}` ({time.strftime('%Y-%m-%d')})\n\n- {line}")


if __name__ == "__main__":
    main()
