#!/usr/bin/python3
"""Benchmark of the graph plugin against SciPy, NetworkX and NumPy code, in one process run.

- single kernels at n = 500, 1000, 2000 (graph.kernel vs scipy.linalg inv / pinv / pinvh / expm, as
  pygkernels computes them, and networkx.communicability_exp),
- a 20-value alpha scan at n = 1000 (one graph.kernel call with 'alphas' vs 20 SciPy calls),
- kernel k-means at n = 1000 (graph.kernel_kmeans vs the same algorithm in scikit-learn-style NumPy,
  bench/bench_graph_kkmeans.py),
- graph.kernel_apply on a 10^5-node sparse graph vs scipy.sparse.linalg.expm_multiply and cg
  (time, and peak memory of each side in a fresh process).

Run: PYTHONPATH=build/lib/geomrt/python /usr/bin/python3 bench/bench_graph.py [--quick] [--write docs/BENCHMARKS.md]
"""
import argparse
import datetime
import os
import subprocess
import sys
import time

# BLAS threads for both sides (numpy/scipy and geomrt share OpenBLAS): set before numpy loads.
THREADS = "1"
for i, a in enumerate(sys.argv):
    if a == "--threads" and i + 1 < len(sys.argv):
        THREADS = sys.argv[i + 1]
os.environ["OPENBLAS_NUM_THREADS"] = THREADS
os.environ["OMP_NUM_THREADS"] = THREADS

import numpy as np
import scipy.linalg as sl
import scipy.sparse as sp
import scipy.sparse.linalg as spl

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import geomrt  # noqa: E402
from bench_graph_kkmeans import kernel_kmeans_numpy  # noqa: E402
from geomrt_ctypes import write_block  # noqa: E402


NT = int(THREADS)


def timed(fn, repeats=1):
    best, out = float("inf"), None
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = fn()
        best = min(best, time.perf_counter() - t0)
    return out, best


def partition(rt, n, classes, deg_in, deg_out, seed):
    """A random partition graph with expected in-class degree deg_in and out-class degree deg_out."""
    size = n / classes
    r = rt.invoke("graph.random_partition", {}, {"n": n, "classes": classes, "p_in": min(1.0, deg_in / size),
                                                  "p_out": min(1.0, deg_out / (n - size)), "seed": seed})
    return r["A"].tocsr(), r["labels"]


def single_kernels(rt, sizes, rows, only=None):
    for n in sizes:
        A = partition(rt, n, 4, 20, 5, n)[0].toarray()
        I = np.eye(n)
        deg = A.sum(1)
        L = np.diag(deg) - A
        rho = np.max(np.abs(np.linalg.eigvalsh(A)))
        alpha = 0.5
        tf = 0.5 * alpha / (1 - alpha)
        rep = 1 if n >= 2000 else (2 if n >= 1000 else 3)
        cases = [
            ("pwalk", False, "scipy.linalg.inv(I - tA)", lambda: sl.inv(I - alpha / rho * A)),
            ("pwalk", False, "numpy.linalg.pinv(I - tA) (pygkernels)", lambda: np.linalg.pinv(I - alpha / rho * A)),
            ("forest", False, "scipy.linalg.inv(I + tL)", lambda: sl.inv(I + tf * L)),
            ("forest", True, "log(scipy.linalg.inv(I + tL))", lambda: np.log(sl.inv(I + tf * L))),
            ("heat", False, "scipy.linalg.expm(-tL)", lambda: sl.expm(-tf * L)),
            ("comm", False, "scipy.linalg.expm(tA)", lambda: sl.expm(tf * A)),
            ("comm", True, "log(scipy.linalg.expm(tA))", lambda: np.log(sl.expm(tf * A))),
            ("ct", False, "scipy.linalg.pinvh(L)", lambda: sl.pinvh(L)),
            ("ct", False, "numpy.linalg.pinv(L) (pygkernels)", lambda: np.linalg.pinv(L)),
        ]
        if n <= 1000:
            import networkx as nx
            G = nx.from_numpy_array(A)
            cases.append(("comm", False, "networkx.communicability_exp (t = 1)", lambda: nx.communicability_exp(G)))
        for fam, lg, peer_name, peer in cases:
            if only and ("log" if lg else "") + fam not in only:
                continue
            t_param = {"t": 1.0} if "networkx" in peer_name else {"alpha": alpha}
            _, tp = timed(peer, rep)
            res, tg = timed(lambda: rt.invoke("graph.kernel", {"A": A}, dict(kernel=fam, log=lg, **t_param), threads=NT), rep)
            ref = peer() if n <= 500 and "networkx" not in peer_name else None
            err = "" if ref is None else "%.1e" % (np.abs(res["K"] - ref).max() / np.abs(ref).max())
            name = ("log" if lg else "") + fam
            rows.append("| %s | %d | %s | %.3f | %.3f | %.1fx | %s |" % (name, n, peer_name, tp, tg, tp / tg, err))
            print(rows[-1], flush=True)


def scan(rt, n, rows, only=None):
    A = partition(rt, n, 4, 20, 5, 7)[0].toarray()
    I = np.eye(n)
    L = np.diag(A.sum(1)) - A
    alphas = np.linspace(0.05, 0.95, 20)
    ts = 0.5 * alphas / (1 - alphas)
    cases = [
        ("logcomm", "comm", True, "20 x log(scipy.linalg.expm(tA))", lambda: [np.log(sl.expm(t * A)) for t in ts]),
        ("comm", "comm", False, "20 x scipy.linalg.expm(tA)", lambda: [sl.expm(t * A) for t in ts]),
        ("forest", "forest", False, "20 x scipy.linalg.inv(I + tL)", lambda: [sl.inv(I + t * L) for t in ts]),
        ("heat", "heat", False, "20 x scipy.linalg.expm(-tL)", lambda: [sl.expm(-t * L) for t in ts]),
    ]
    for name, fam, lg, peer_name, peer in cases:
        if only and name not in only:
            continue
        out, tp = timed(peer)
        res, tg = timed(lambda: rt.invoke("graph.kernel", {"A": A, "alphas": alphas}, {"kernel": fam, "log": lg}, threads=NT))
        finite = [k for k in out if np.isfinite(k).all()]
        note = "" if len(finite) == len(out) else " (SciPy: %d of 20 overflow)" % (len(out) - len(finite))
        rows.append("| %s | %d | %s%s | %.2f | %.2f | %.1fx |" % (name, n, peer_name, note, tp, tg, tp / tg))
        print(rows[-1], flush=True)


def kmeans(rt, n, rows):
    A, truth = partition(rt, n, 4, 20, 6, 3)
    K = rt.invoke("graph.kernel", {"A": A}, {"kernel": "comm", "log": True, "alpha": 0.3})["K"]
    (lab_np, inert_np), tp = timed(lambda: kernel_kmeans_numpy(K, 4, n_init=10, max_iter=300, seed=0), 2)
    res, tg = timed(lambda: rt.invoke("graph.kernel_kmeans", {"K": K}, {"k": 4, "n_init": 10, "seed": 0}, threads=NT), 2)
    ari = lambda lab: rt.invoke("graph.adjusted_rand_index", {"labels_true": truth, "labels_pred": lab})["ari"]
    rows.append("| %d | 4 | 10 | %.3f | %.3f | %.1fx | %.4f / %.4f | %.4f / %.4f |" % (
        n, tp, tg, tp / tg, inert_np, res["inertia"], ari(lab_np), ari(res["labels"])))
    print(rows[-1], flush=True)


APPLY_CHILD = r"""
import os, sys, time, numpy as np, scipy.sparse as sp, scipy.sparse.linalg as spl, geomrt
n, fam, side, alpha, b = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
with geomrt.Runtime() as rt:
    r = rt.invoke("graph.random_partition", {}, {"n": n, "classes": 10, "p_in": 15 / (n / 10), "p_out": 5 / (n - n / 10), "seed": 1})
    A = r["A"].tocsr()
    A.indices = A.indices.astype(np.int64); A.indptr = A.indptr.astype(np.int64)
    Y = np.random.default_rng(0).standard_normal((n, b))
    def status(key):
        for line in open("/proc/self/status"):
            if line.startswith(key):
                return int(line.split()[1]) / 1024.0
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")  # reset the peak resident set (VmHWM) to the current one
    base = status("VmRSS:")
    t = 0.5 * alpha / (1 - alpha)
    t0 = time.perf_counter()
    if side == "geomrt":
        out = rt.invoke("graph.kernel_apply", {"A": A, "Y": Y}, {"kernel": fam, "alpha": alpha},
                        threads=int(os.environ.get("OMP_NUM_THREADS", "1")))
        KY, its = out["KY"], out["iterations"]
    else:
        d = np.asarray(A.sum(1)).ravel()
        L = sp.diags(d) - A
        if fam == "heat":
            KY, its = spl.expm_multiply(-t * L, Y), 0
        else:
            M = (sp.identity(n) + t * L).tocsr()
            KY = np.column_stack([spl.cg(M, Y[:, j], tol=1e-10, atol=0.0)[0] for j in range(b)]); its = 0
    dt = time.perf_counter() - t0
    peak = status("VmHWM:")
    np.save(sys.argv[6], KY)
    print(dt, peak - base, its)
"""


def apply_large(n, b, rows, tmp):
    env = dict(os.environ)
    for fam in ("heat", "forest"):
        res = {}
        for side in ("geomrt", "scipy"):
            path = os.path.join(tmp, "ky_%s_%s.npy" % (fam, side))
            out = subprocess.run([sys.executable, "-c", APPLY_CHILD, str(n), fam, side, "0.5", str(b), path],
                                 env=env, capture_output=True, text=True, check=True).stdout.split()
            res[side] = (float(out[0]), float(out[1]), int(out[2]), np.load(path))
        g, s = res["geomrt"], res["scipy"]
        diff = np.abs(g[3] - s[3]).max() / np.abs(s[3]).max()
        peer = "scipy.sparse.linalg.expm_multiply" if fam == "heat" else "scipy.sparse.linalg.cg (per column)"
        rows.append("| %s | %d | %d | %s | %.2f | %.2f | %.1fx | %.0f | %.0f | %d | %.1e |" % (
            fam, n, b, peer, s[0], g[0], s[0] / g[0], s[1], g[1], g[2], diff))
        print(rows[-1], flush=True)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="small sizes only (a smoke run)")
    ap.add_argument("--write", help="markdown file to put the results block in")
    ap.add_argument("--threads", default="1", help="BLAS / OpenMP threads of both sides (default 1)")
    ap.add_argument("--single", nargs="+", help="only these single-kernel rows (e.g. logforest comm)")
    ap.add_argument("--scan", nargs="+", help="only these alpha-scan rows (e.g. forest)")
    ap.add_argument("--kmeans", action="store_true", help="only the kernel k-means row")
    args = ap.parse_args()
    sizes = [300] if args.quick else [500, 1000, 2000]
    rt = geomrt.Runtime()
    k1, k2, k3, k4 = [], [], [], []
    if args.single or args.scan or args.kmeans:  # partial reruns: print the rows only
        if args.single:
            single_kernels(rt, sizes, k1, args.single)
        if args.scan:
            scan(rt, 300 if args.quick else 1000, k2, args.scan)
        if args.kmeans:
            kmeans(rt, 300 if args.quick else 1000, k3)
        return
    single_kernels(rt, sizes, k1)
    scan(rt, 300 if args.quick else 1000, k2)
    kmeans(rt, 300 if args.quick else 1000, k3)
    apply_large(5000 if args.quick else 100000, 4, k4, "/tmp")
    cmd = "PYTHONPATH=build/lib/geomrt/python /usr/bin/python3 bench/bench_graph.py" + (" --quick" if args.quick else "")
    cmd += " --threads " + THREADS
    if args.write:
        cmd += " --write " + args.write
    load = os.getloadavg()[0]
    body = "\n".join([
        "### Graph kernels (graph plugin)",
        "",
        "Command: `%s` (%s, %s BLAS/OpenMP thread(s) on both sides, %d cores, load average %.1f)" % (
            cmd, datetime.date.today().isoformat(), THREADS, os.cpu_count(), load),
        "",
        "Graphs: random partition graphs (graph.random_partition, 4 classes, expected degree 20 inside and 5 "
        "across), alpha = 0.5. Time in seconds, best of 2 runs (1 at n = 2000); geomrt's time is the whole "
        "`Runtime.invoke` from Python (checks, K and D, and the numpy arrays that view them). Ratio > 1: geomrt faster. "
        "'rel. err' is max |K - K_peer| / max |K_peer| (n = 500).",
        "",
        "| kernel | n | peer | peer (s) | geomrt (s) | ratio | rel. err |",
        "|---|---|---|---|---|---|---|",
        *k1,
        "",
        "Alpha scan: 20 values of alpha in [0.05, 0.95], one `graph.kernel` call with input `alphas` "
        "(one eigendecomposition, K and D for every alpha) against 20 SciPy calls.",
        "",
        "| kernel | n | peer | peer (s) | geomrt (s) | ratio |",
        "|---|---|---|---|---|---|",
        *k2,
        "",
        "Kernel k-means on the logComm kernel (alpha = 0.3) of a 4-class graph: `graph.kernel_kmeans` against "
        "the same algorithm (k-means++ seeding, Lloyd iterations, best of n_init) in vectorized "
        "scikit-learn-style NumPy (`bench/bench_graph_kkmeans.py`); both start from their own seeds.",
        "",
        "| n | k | n_init | NumPy (s) | geomrt (s) | ratio | inertia NumPy / geomrt | ARI NumPy / geomrt |",
        "|---|---|---|---|---|---|---|---|",
        *k3,
        "",
        "`graph.kernel_apply` (K Y without forming K) on a sparse random partition graph (10 classes, expected "
        "degree 15 inside and 5 across), Y with 4 columns, alpha = 0.5, tol 1e-10; each side in a fresh "
        "process, memory = growth of the peak resident set during the call (MiB). A dense K would need "
        "8 n^2 bytes (80 GB at n = 10^5).",
        "",
        "| kernel | n | b | peer | peer (s) | geomrt (s) | ratio | peer MiB | geomrt MiB | iterations | rel. diff |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
        *k4,
    ])
    print(body)
    if args.write:
        write_block(args.write, "bench_graph", body)
    rt.close()


if __name__ == "__main__":
    main()
