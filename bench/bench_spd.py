#!/usr/bin/python3
"""Benchmark spd.batchnorm_forward + spd.batchnorm_backward against a torch autograd
implementation of the same layer (bench/spd_torch_layer.py), in one process, on the same inputs.

    PYTHONPATH=build/lib/geomrt/python /usr/bin/python3 bench/bench_spd.py [--quick] [--write docs/BENCHMARKS.md]

Layer: batch N = 32 of n x n SPD matrices, training mode, mode=reference (one fixed-point step
for the mean, variance to the identity), statistics constant in the backward pass (through_stats
false, torch.no_grad for the peer), with theta = 1 and theta = 0.5 with a general M. geomrt is
timed around the two invoke() calls through the Python binding (input checks and copies
included; the stateless backward recomputes the forward pass); the peer around its forward and
loss.backward(). Each timing is the best of R runs; both at one thread and at the default thread
count. Ratios > 1 mean geomrt is faster. The gradients of both are compared (max relative
difference). geomrt's backward call receives the forward call's batch_mean and batch_var."""
import argparse
import os
import sys
import time

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from geomrt_ctypes import write_block  # noqa: E402
from spd_torch_layer import batchnorm  # noqa: E402

import geomrt  # noqa: E402


NOTE = ("Goal (issue 10): 5x at n = 20 and n = 50. Missed at both sizes in this idle-machine run; an earlier run with the machine at load average ~20 gave 5.29x and 4.50x at n = 20 and 2.17x and 1.48x at n = 50, so the n = 20 goal was met only under load (which slowed the peer more). At n = 20 fixed per-call costs (argument checks, the Python call, result arrays) are a large share of the few milliseconds; at n = 50 both sides spend their time in symmetric eigendecompositions (Eigen's in geomrt, LAPACK's in torch) and geomrt does three full and two eigenvalue-only decompositions per matrix for forward + backward with theta = 1 (eight full with theta != 1 and M), against torch's five (seven) batched ones whose backward needs none, so the ratio falls to 1.5-2.2x. The peer is batched; the authors' per-matrix torch code (timed at about 38 ms and 210 ms in the issue, unloaded) is slower than it.")


def spd(rng, n, spread=1.0):
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    return Q @ np.diag(np.exp(spread * rng.uniform(-1, 1, n))) @ Q.T


def best(fn, R):
    out, ts = None, []
    for _ in range(R):
        t0 = time.perf_counter()
        out = fn()
        ts.append(time.perf_counter() - t0)
    return out, min(ts)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--write")
    ap.add_argument("--all-threads", action="store_true", help="also time at the default thread count")
    opt = ap.parse_args()
    R = 2 if opt.quick else 15
    rng = np.random.default_rng(0)
    rt = geomrt.Runtime()
    rows = []
    for n in (20, 50):
        N = 32
        X = np.stack([spd(rng, n) for _ in range(N)])
        W = spd(rng, n, 0.5)
        M = spd(rng, n, 0.5)
        gY = rng.standard_normal((N, n, n))
        gY = (gY + gY.transpose(0, 2, 1)) / 2
        for theta, useM in ((1.0, False), (0.5, True)):
            for threads in ((1, 0) if opt.all_threads else (1,)):
                torch.set_num_threads(1 if threads == 1 else os.cpu_count())
                inputs = {"X": X, "weight": W}
                if useM:
                    inputs["M"] = M
                params = {"theta": theta, "shift": 1.3, "mode": "reference"}

                def ours():
                    f = rt.invoke("spd.batchnorm_forward", inputs, params, threads=threads)
                    # the backward pass gets the forward pass's statistics (as a training loop would hand them over)
                    b = rt.invoke("spd.batchnorm_backward", dict(inputs, grad_Y=gY, batch_mean=f["batch_mean"],
                                                                 batch_var=np.array(f["batch_var"])),
                                  params, threads=threads)
                    return f["Y"], b["grad_X"]

                def peer():
                    tX = torch.tensor(X, requires_grad=True)
                    tW = torch.tensor(W, requires_grad=True)
                    tM = torch.tensor(M, requires_grad=True) if useM else None
                    Y = batchnorm(tX, tW, tM, 1.3, theta, True)[0]
                    (Y * torch.tensor(gY)).sum().backward()
                    return Y.detach().numpy(), tX.grad.numpy()

                # interleaved, so that both see the same machine load; best of R each
                t_ours = t_peer = float("inf")
                for _ in range(R):
                    (Yo, gXo), t = best(ours, 1)
                    t_ours = min(t_ours, t)
                    (Yp, gXp), t = best(peer, 1)
                    t_peer = min(t_peer, t)
                gXp = (gXp + gXp.transpose(0, 2, 1)) / 2
                dY = np.abs(Yo - Yp).max() / np.abs(Yp).max()
                dG = np.abs(gXo - gXp).max() / np.abs(gXp).max()
                case = f"N={N}, n={n}, theta={theta:g}{', M' if useM else ', M=I'}"
                thr = "1" if threads == 1 else f"all ({os.cpu_count()})"
                rows.append((case, thr, t_peer, t_ours, t_peer / t_ours, dY, dG))
                print(f"{case:30s} threads {thr:8s} torch {t_peer * 1e3:8.2f} ms  geomrt {t_ours * 1e3:8.2f} ms  "
                      f"ratio {t_peer / t_ours:6.2f}x  rel.diff Y {dY:.1e} grad_X {dG:.1e}", flush=True)
    if opt.write:
        lines = ["## SPD batch normalization (spd.batchnorm_forward + backward vs torch autograd)", "",
                 "Command: `PYTHONPATH=build/lib/geomrt/python /usr/bin/python3 bench/bench_spd.py --write "
                 "docs/BENCHMARKS.md` (torch %s, numpy %s; best of %d runs; forward + backward, training mode, "
                 "mode=reference, statistics constant in the backward pass). The peer is bench/spd_torch_layer.py, "
                 "a batched torch.linalg.eigh implementation of the same layer with autograd. Ratio = torch time / "
                 "geomrt time (> 1: geomrt faster). Runs interleaved (geomrt, torch, geomrt, ...) on a shared "
                 "2-core machine (load average %.1f at the end of the run), one "
                 "thread each (torch.set_num_threads(1), threads=1); the backward call gets the forward call's "
                 "batch_mean and batch_var." % (torch.__version__, np.__version__, R, os.getloadavg()[0]), "",
                 "| case | threads | torch (ms) | geomrt (ms) | ratio | rel. diff Y | rel. diff grad_X |",
                 "|---|---|---:|---:|---:|---:|---:|"]
        for case, thr, tp, to, r, dY, dG in rows:
            lines.append(f"| {case} | {thr} | {tp * 1e3:.2f} | {to * 1e3:.2f} | {r:.2f}x | {dY:.1e} | {dG:.1e} |")
        lines += ["", NOTE]
        write_block(opt.write, "bench_spd", "\n".join(lines))


if __name__ == "__main__":
    main()
