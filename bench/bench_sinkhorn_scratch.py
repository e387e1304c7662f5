#!/usr/bin/python3
"""Repeated ot.sinkhorn solves: the kernel in a reused scratch block vs a fresh mapping per call.

    /usr/bin/python3 bench/bench_sinkhorn_scratch.py [--build build] [--sizes 2000 4000] [--repeats 10]
                                                   [--write docs/BENCHMARKS.md]

The kernel of ot.sinkhorn (n x n float64: 128 MB at n = 4000) is scratch memory of the call. A
runtime keeps such blocks between calls (geomrt_runtime_set_scratch_cache, default bound 1 GiB),
so a repeated solve writes into pages that are already mapped. The same process holds a second
runtime with the bound set to 0: each of its calls maps a fresh block and unmaps it after, which
is what every call did before the cache existed. POT's plain ot.sinkhorn runs in the same loop.
Uniform 2-D points, squared Euclidean cost, reg = 0.05 x max cost, tol = 1e-9, geomrt on one
thread unless --threads says otherwise. The three solvers alternate within each repeat (the two
runtimes in turn first); the first call of each is reported apart (it maps
the block in both runtimes). Minor page faults are counted per call (getrusage), a measure that
does not depend on the machine's load. Everything runs twice, in a child process each: with
transparent huge pages advised (the default) and with GEOMRT_MADVISE_HUGEPAGE=0 (4 KiB pages).
"""
import argparse
import ctypes
import datetime
import json
import os
import resource
import subprocess
import sys
import time

import numpy as np
import ot

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from geomrt_ctypes import Geomrt, write_block  # noqa: E402


def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt


def timed(fn):
    f0, t0 = faults(), time.perf_counter()
    out = fn()
    return out, time.perf_counter() - t0, faults() - f0


def measure(opt):
    """One configuration (this process's GEOMRT_MADVISE_HUGEPAGE): a list of result rows."""
    reuse, fresh = Geomrt(opt.build), Geomrt(opt.build)
    L = reuse.lib
    L.geomrt_runtime_set_scratch_cache.argtypes = [ctypes.c_void_p, ctypes.c_size_t]
    L.geomrt_runtime_scratch_cache_stats.argtypes = [ctypes.c_void_p] + [ctypes.POINTER(ctypes.c_size_t)] * 3
    fresh._check(L.geomrt_runtime_set_scratch_cache(fresh.rt, 0))
    bound = ctypes.c_size_t()
    L.geomrt_runtime_scratch_cache_stats(reuse.rt, None, None, ctypes.byref(bound))
    rows = []
    for n in opt.sizes:
        rng = np.random.default_rng(0)
        xs, xt = rng.uniform(size=(n, 2)), rng.uniform(size=(n, 2))
        M = ot.dist(xs, xt)
        a = np.full(n, 1.0 / n)
        reg = 0.05 * M.max()
        params = {"reg": reg, "tol": 1e-9}
        t = {"POT": [], "reuse": [], "fresh": []}
        pf = {"reuse": [], "fresh": []}
        costs = {}
        for k in range(opt.repeats + 1):
            _, dt, _ = timed(lambda: ot.sinkhorn(a, a, M, reg, method="sinkhorn", numItermax=100000, stopThr=1e-9))
            t["POT"].append(dt)
            order = (("reuse", reuse), ("fresh", fresh))
            for name, g in (order if k % 2 == 0 else order[::-1]):
                (out, _), dt, nf = timed(lambda: g.invoke("ot.sinkhorn", {"M": M}, params, threads=opt.threads))
                t[name].append(dt)
                pf[name].append(nf)
                costs[name] = out["cost"]
        assert costs["reuse"] == costs["fresh"], "the reused block changed the result"
        count, held = ctypes.c_size_t(), ctypes.c_size_t()
        L.geomrt_runtime_scratch_cache_stats(reuse.rt, ctypes.byref(count), ctypes.byref(held), None)
        rows.append({"n": n, "first_reuse": t["reuse"][0], "first_fresh": t["fresh"][0],
                     "med": {k: float(np.median(v[1:])) for k, v in t.items()},
                     "faults": {k: int(np.median(v[1:])) for k, v in pf.items()},
                     "held": [count.value, held.value], "bound": bound.value})
    return rows


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--sizes", type=int, nargs="+", default=[2000, 4000])
    ap.add_argument("--repeats", type=int, default=10)
    ap.add_argument("--threads", type=int, default=1, help="geomrt threads (0 = all cores)")
    ap.add_argument("--write", default=None)
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    opt = ap.parse_args()
    if opt.child:
        print(json.dumps(measure(opt)))
        return

    configs = []
    for label, thp in (("huge pages", "1"), ("4 KiB pages", "0")):
        env = dict(os.environ, GEOMRT_MADVISE_HUGEPAGE=thp)
        cmd = [sys.executable, os.path.abspath(__file__), "--child", "--build", opt.build, "--repeats",
               str(opt.repeats), "--threads", str(opt.threads), "--sizes"] + [str(n) for n in opt.sizes]
        rows = json.loads(subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout)
        configs.append((label, rows))
        for r in rows:
            m = r["med"]
            print(f"{label}, n={r['n']}: first call reuse {r['first_reuse']:.3f} s / fresh {r['first_fresh']:.3f} s; "
                  f"median of {opt.repeats} later calls: POT {m['POT']:.3f} s, reuse {m['reuse']:.3f} s, "
                  f"fresh {m['fresh']:.3f} s; fresh/reuse {m['fresh'] / m['reuse']:.2f}x, "
                  f"POT/reuse {m['POT'] / m['reuse']:.2f}x, POT/fresh {m['POT'] / m['fresh']:.2f}x; "
                  f"minor faults per call: reuse {r['faults']['reuse']}, fresh {r['faults']['fresh']}; "
                  f"cache holds {r['held'][0]} block(s), {r['held'][1] / 2**20:.0f} MiB", flush=True)

    if opt.write:
        cmd = "/usr/bin/python3 bench/bench_sinkhorn_scratch.py --build build " + \
              f"--sizes {' '.join(map(str, opt.sizes))} --repeats {opt.repeats} --threads {opt.threads} --write {opt.write}"
        bound = configs[0][1][0]["bound"] >> 20
        lines = [f"Command: `{cmd}` ({datetime.date.today()}, {os.cpu_count()} cores, load average "
                 f"{os.getloadavg()[0]:.1f} at the end)", "",
                 "Repeated `ot.sinkhorn` solves (uniform 2-D points, squared Euclidean cost, reg = 0.05 x max "
                 f"cost, tol = 1e-9, float64 kernel, geomrt with {opt.threads or 'all'} thread(s)). *reuse*: a runtime with the default scratch "
                 f"cache ({bound} MiB), so the kernel of a call lands in the block the previous call used; "
                 "*fresh*: a runtime with `geomrt_runtime_set_scratch_cache(rt, 0)`, each call maps and unmaps "
                 "its own kernel (what every call did before the cache). POT's plain `ot.sinkhorn` in the same "
                 f"loop. Times: first call, then the median of {opt.repeats} later calls; ratios > 1 mean the "
                 "first-named is slower. Page faults: minor faults of the process during one later call "
                 "(median); the dense plan output is a fresh mapping in both runtimes.", "",
                 "| pages | n | kernel | first call reuse / fresh (s) | POT (s) | reuse (s) | fresh (s) "
                 "| fresh / reuse | POT / reuse | POT / fresh | page faults reuse / fresh |",
                 "|---|---|---|---|---|---|---|---|---|---|---|"]
        for label, rows in configs:
            for r in rows:
                m, n = r["med"], r["n"]
                lines.append(f"| {label} | {n} | {n * n * 8 / 1e6:.0f} MB | {r['first_reuse']:.3f} / "
                             f"{r['first_fresh']:.3f} | {m['POT']:.3f} | {m['reuse']:.3f} | {m['fresh']:.3f} | "
                             f"{m['fresh'] / m['reuse']:.2f}x | {m['POT'] / m['reuse']:.2f}x | "
                             f"{m['POT'] / m['fresh']:.2f}x | {r['faults']['reuse']} / {r['faults']['fresh']} |")
        write_block(opt.write, "bench_sinkhorn_scratch", "\n".join(lines))


if __name__ == "__main__":
    main()
