#!/usr/bin/python3
"""ot.sinkhorn at small reg on POT's test_sinkhorn_stabilization problem, against POT and ot.emd.

    /usr/bin/python3 bench/bench_small_reg.py [--build build] [--pot-iter 100000]

Problems: 1-D Gaussians on 100 grid points, M = ot.utils.dist0(100) = (i - j)^2 (max 9801):
"pot" is POT's test (ot.datasets.make_1D_gauss(100, m=30, s=10) against (100, m=40, s=10)),
"issue" issue 8's variant (m=20, s=5 against m=60, s=10). For reg = r x max C, r from 1e-3 down to
1e-9 (POT's test uses reg = 1e-5 ~ 1e-9 x max C), ot.sinkhorn with its defaults (tol 1e-9,
max_iter 1e5) prints its iterations, time, cost or error; POT (sinkhorn_log and sinkhorn_stabilized
at reg = 1e-5, --pot-iter iterations, stopThr 1e-9) its cost, iterations, time and the L1 marginal
error of its plan (POT's sinkhorn_epsilon_scaling is left out: over 10 minutes on the first problem); ot.emd / POT's emd2 the exact cost. Prints a table; writes nothing.
"""
import argparse
import os
import sys
import time
import warnings

import numpy as np
import ot

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from geomrt_ctypes import Geomrt  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--pot-iter", type=int, default=100000)
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    g = Geomrt(args.build)
    n = 100
    M = ot.utils.dist0(n)
    print("| problem | solver | reg / max C | iterations | time (s) | cost | marginal error |")
    print("|---|---|---|---|---|---|---|")
    for name, (m1, s1, m2, s2) in [("pot", (30, 10, 40, 10)), ("issue", (20, 5, 60, 10))]:
        a = ot.datasets.make_1D_gauss(n, m=m1, s=s1)
        b = ot.datasets.make_1D_gauss(n, m=m2, s=s2)
        (e, dt) = g.invoke("ot.emd", {"a": a, "b": b, "M": M}, scalars=("cost", "iterations"))
        print(f"| {name} | ot.emd | 0 | {int(e['iterations'])} | {dt:.4f} | {e['cost']:.10g} | 0 |")
        t0 = time.perf_counter()
        v = ot.emd2(a, b, M)
        print(f"| {name} | POT emd2 | 0 | | {time.perf_counter() - t0:.4f} | {v:.10g} | |")
        for r in (1e-3, 1e-4, 3e-5, 1e-5, 1e-6, 1e-9):
            reg = r * M.max()
            t0 = time.perf_counter()
            try:
                (o, _) = g.invoke("ot.sinkhorn", {"a": a, "b": b, "M": M}, {"reg": reg},
                                  scalars=("cost", "iterations", "marginal_error"))
                print(f"| {name} | ot.sinkhorn | {r:g} | {int(o['iterations'])} | {time.perf_counter() - t0:.4f} "
                      f"| {o['cost']:.10g} | {o['marginal_error']:.2g} |")
            except RuntimeError as err:
                msg = str(err)
                err_at = msg.split("marginal error ")[1].split(" ")[0] if "marginal error " in msg else "?"
                print(f"| {name} | ot.sinkhorn | {r:g} | 100000 (no convergence) | {time.perf_counter() - t0:.4f} "
                      f"| | {err_at} |")
        reg = 1e-5
        for method in ("sinkhorn_log", "sinkhorn_stabilized"):
            t0 = time.perf_counter()
            P, log = ot.sinkhorn(a, b, M, reg, method=method, log=True, numItermax=args.pot_iter, stopThr=1e-9)
            dt = time.perf_counter() - t0
            err = np.abs(P.sum(0) - b).sum() + np.abs(P.sum(1) - a).sum()
            print(f"| {name} | POT {method} | {reg / M.max():.3g} | {log.get('niter', args.pot_iter)} | {dt:.2f} "
                  f"| {(P * M).sum():.10g} | {err:.2g} |")


if __name__ == "__main__":
    main()
