#!/usr/bin/python3
"""ot.sinkhorn against POT's plain ot.sinkhorn at n = 4000 in several rounds, to show the spread.

    /usr/bin/python3 bench/bench_sinkhorn_repeat.py [--build build] [--rounds 5]

Uniform 2-D points, squared Euclidean cost, eps = 0.05 x max cost, tol = 1e-9. Each round times
POT, geomrt (float64 kernel, the default) and geomrt precision=float32, each the best of 3 runs,
in one process. On a shared machine single rounds vary; the median is the figure to quote.
"""
import argparse
import os
import sys

import numpy as np
import ot

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from geomrt_ctypes import Geomrt, best, best_geomrt  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--n", type=int, default=4000)
    opt = ap.parse_args()
    g = Geomrt(opt.build)
    n = opt.n
    rng = np.random.default_rng(0)
    xs, xt = rng.uniform(size=(n, 2)), rng.uniform(size=(n, 2))
    M = ot.dist(xs, xt)
    a = np.full(n, 1.0 / n)
    reg = 0.05 * M.max()
    r64, r32 = [], []
    for rnd in range(opt.rounds):
        _, tp = best(lambda: ot.sinkhorn(a, a, M, reg, method="sinkhorn", numItermax=100000, stopThr=1e-9), 3)
        _, t64 = best_geomrt(g, 3, "ot.sinkhorn", {"M": M}, {"reg": reg, "tol": 1e-9})
        _, t32 = best_geomrt(g, 3, "ot.sinkhorn", {"M": M}, {"reg": reg, "tol": 1e-9, "precision": "float32"})
        r64.append(tp / t64)
        r32.append(tp / t32)
        print(f"round {rnd}: POT {tp:.3f} s, geomrt float64 {t64:.3f} s ({tp / t64:.2f}x), "
              f"float32 {t32:.3f} s ({tp / t32:.2f}x)", flush=True)
    print(f"median speedup: float64 {np.median(r64):.2f}x (range {min(r64):.2f}-{max(r64):.2f}), "
          f"float32 {np.median(r32):.2f}x (range {min(r32):.2f}-{max(r32):.2f})")


if __name__ == "__main__":
    main()
