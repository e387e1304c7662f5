#!/usr/bin/python3
"""Benchmark geomrt's OT methods against POT and SciPy, in one process, on the same inputs.

    /usr/bin/python3 bench/bench_ot.py [--build build] [--quick] [--write docs/BENCHMARKS.md]

geomrt is called through its C API (ctypes) and timed around geomrt_invoke (input checks
included); peers are timed around their solver call. Each timing is the best of R runs.
Ratios > 1 mean geomrt is faster.
"""
import argparse
import os
import sys
import time
import warnings

import numpy as np
import ot
import scipy.optimize

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from geomrt_ctypes import Geomrt, best, best_geomrt, write_block  # noqa: E402


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--quick", action="store_true", help="smaller sizes, one repeat")
    ap.add_argument("--write", help="write the results table into this markdown file")
    opt = ap.parse_args()
    g = Geomrt(opt.build)
    rng = np.random.default_rng(0)
    R = 1 if opt.quick else 3
    rows = []
    notes = []

    def row(case, peer, t_peer, t_geo, v_peer, v_geo):
        rel = abs(v_peer - v_geo) / max(abs(v_peer), 1e-300)
        rows.append((case, peer, t_peer, t_geo, t_peer / t_geo, rel))
        print(f"{case:45s} {peer:38s} peer {t_peer:8.4f}s  geomrt {t_geo:8.4f}s  ratio {t_peer / t_geo:6.2f}x"
              f"  rel.diff {rel:.1e}", flush=True)

    # Exact OT: uniform 2-D points in [0,1]^2, squared Euclidean, uniform weights.
    for n in ([500] if opt.quick else [500, 1000, 2000]):
        xs, xt = rng.uniform(size=(n, 2)), rng.uniform(size=(n, 2))
        M = ot.dist(xs, xt)
        a = np.full(n, 1.0 / n)
        inp = {"M": M}
        geo, t_geo = best_geomrt(g, R, "ot.emd", inp, {"assignment_fast_path": "true"})
        geo_ns, t_ns = best_geomrt(g, R, "ot.emd", inp)
        for threads, label in ((1, "ot.emd (1 thread)"), ("max", 'ot.emd numThreads="max"')):
            G, t = best(lambda: ot.emd(a, a, M, numItermax=10**8, numThreads=threads), R)
            v = float((G * M).sum())
            row(f"emd n={n} (geomrt assignment_fast_path=true)", label, t, t_geo, v, geo["cost"])
            row(f"emd n={n} (geomrt default: network simplex)", label, t, t_ns, v, geo_ns["cost"])
        (ri, ci), t = best(lambda: scipy.optimize.linear_sum_assignment(M), R)
        row(f"emd n={n} (geomrt assignment_fast_path=true)", "scipy linear_sum_assignment", t, t_geo,
            float(M[ri, ci].sum() / n), geo["cost"])
        row(f"emd n={n} (geomrt default: network simplex)", "scipy linear_sum_assignment", t, t_ns,
            float(M[ri, ci].sum() / n), geo_ns["cost"])
    # Exact OT with non-uniform weights and unequal sizes (network simplex only).
    n, m = (500, 400) if opt.quick else (2000, 1500)
    xs, xt = rng.uniform(size=(n, 2)), rng.uniform(size=(m, 2))
    M = ot.dist(xs, xt)
    a, b = rng.uniform(0.1, 1, n), rng.uniform(0.1, 1, m)
    a /= a.sum()
    b /= b.sum()
    geo, t_geo = best_geomrt(g, R, "ot.emd", {"M": M, "a": a, "b": b})
    G, t = best(lambda: ot.emd(a, b, M, numItermax=10**8, numThreads="max"), R)
    row(f"emd {n}x{m} non-uniform weights", 'ot.emd numThreads="max"', t, t_geo, float((G * M).sum()), geo["cost"])

    # Entropic OT: eps = 0.05 x max cost, tolerance 1e-9 (geomrt: L1 marginal error; POT: L2 of the
    # column marginal error, which is never larger, so POT stops no later than geomrt would).
    for n in ([500] if opt.quick else [1000, 2000, 4000]):
        xs, xt = rng.uniform(size=(n, 2)), rng.uniform(size=(n, 2))
        M = ot.dist(xs, xt)
        a = np.full(n, 1.0 / n)
        reg = 0.05 * M.max()
        case = f"sinkhorn n={n} eps=0.05 max M tol=1e-9"
        geo, t_geo = best_geomrt(g, R, "ot.sinkhorn", {"M": M}, {"reg": reg, "tol": 1e-9})
        g32, t_32 = best_geomrt(g, R, "ot.sinkhorn", {"M": M}, {"reg": reg, "tol": 1e-9, "precision": "float32"})
        P, t = best(lambda: ot.sinkhorn(a, a, M, reg, method="sinkhorn", numItermax=100000, stopThr=1e-9), R)
        v = float((P * M).sum())
        row(case, "ot.sinkhorn method=sinkhorn (plain)", t, t_geo, v, geo["cost"])
        row(case + " (geomrt precision=float32)", "ot.sinkhorn method=sinkhorn (plain)", t, t_32, v, g32["cost"])
        if n == 4000 and not opt.quick:
            for th in (1, 2):
                gt, tt = best_geomrt(g, R, "ot.sinkhorn", {"M": M}, {"reg": reg, "tol": 1e-9}, threads=th)
                row(case + f" (geomrt {th} thread{'s' if th > 1 else ''})", "ot.sinkhorn method=sinkhorn (plain)",
                    t, tt, v, gt["cost"])
        P, t = best(lambda: ot.sinkhorn(a, a, M, reg, method="sinkhorn_log", numItermax=100000, stopThr=1e-9), R)
        row(case, "ot.sinkhorn method=sinkhorn_log", t, t_geo, float((P * M).sum()), geo["cost"])

    # Small eps = 1e-3 x max cost at n = 4000 (one run each: tens of seconds). POT's plain Sinkhorn
    # underflows there; its stabilized variant is the peer.
    if not opt.quick:
        n = 4000
        xs, xt = rng.uniform(size=(n, 2)), rng.uniform(size=(n, 2))
        M = ot.dist(xs, xt)
        a = np.full(n, 1.0 / n)
        reg = 1e-3 * M.max()
        geo, t_geo = best_geomrt(g, 1, "ot.sinkhorn", {"M": M}, {"reg": reg, "tol": 1e-9},
                                 scalars=("cost", "iterations", "marginal_error"))
        notes.append(f"- ot.sinkhorn n={n}, eps = 1e-3 max M, tol 1e-9: converged in {t_geo:.2f} s, "
                     f"{int(geo['iterations'])} iterations, L1 marginal error {geo['marginal_error']:.1e}, "
                     f"cost {geo['cost']:.12g}.")
        for method in ("sinkhorn_stabilized", "sinkhorn"):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                t0 = time.perf_counter()
                P = ot.sinkhorn(a, a, M, reg, method=method, numItermax=100000, stopThr=1e-9)
                t = time.perf_counter() - t0
            bad = bool(np.isnan(P).any())
            err = float(np.abs(P.sum(axis=0) - a).sum() + np.abs(P.sum(axis=1) - a).sum()) if not bad else float("nan")
            msgs = sorted({str(w.message).split("\n")[0][:80] for w in caught})
            notes.append(f"- POT ot.sinkhorn method={method}, same problem: {t:.2f} s, "
                         + ("plan contains NaN" if bad else f"L1 marginal error (rows + columns) {err:.1e}, "
                            f"cost {float((P * M).sum()):.12g}")
                         + (f"; warnings: {'; '.join(msgs)}" if msgs else "") + ".")
            print(notes[-1], flush=True)
            if not bad:
                row(f"sinkhorn n={n} eps=1e-3 max M tol=1e-9", f"ot.sinkhorn method={method}", t, t_geo,
                    float((P * M).sum()), geo["cost"])
        print(notes[0], flush=True)

    if opt.write:
        cmd = "/usr/bin/python3 bench/bench_ot.py " + " ".join(sys.argv[1:])
        lines = ["| case | peer | peer (s) | geomrt (s) | speedup | rel. diff of cost |", "|---|---|---|---|---|---|"]
        for case, peer, tp, tg, ratio, rel in rows:
            lines.append(f"| {case} | {peer} | {tp:.4f} | {tg:.4f} | {ratio:.2f}x | {rel:.1e} |")
        table = "\n".join(lines + [""] + notes)
        write_block(opt.write, "bench_ot",
                    f"Command: `{cmd}` ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)\n\n{table}")


if __name__ == "__main__":
    main()
