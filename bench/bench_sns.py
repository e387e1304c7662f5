#!/usr/bin/python3
"""Sinkhorn-Newton-Sparse against plain, over-relaxed and annealed Sinkhorn on the paper's random assignment case.

    /usr/bin/python3 bench/bench_sns.py [--build build] [--quick] [--draws 3] [--threads 1]
                                        [--write docs/BENCHMARKS.md]

Case (Tang et al., ICLR 2024, "random assignment problem"): n = 500, cost matrix with i.i.d.
uniform [0, 1] entries, uniform weights a = b = 1/n, eta = 1/reg = 1200, stopping at an L1
marginal error of 1e-9. Paper: SNS 29 iterations / 0.34 s, Sinkhorn 56,199 iterations / 233 s.
Each draw d uses numpy.random.default_rng(d). Methods: ot.sinkhorn_newton_sparse with its default
(automatic) sparsity and with the paper's lambda = 2/n; ot.sinkhorn plain (no over-relaxation, no
annealing: the paper's baseline), over-relaxed without annealing, and with its defaults
(over-relaxation and epsilon scaling, which starts at once here since reg < range/256). geomrt is called through its C API (ctypes) and
timed around geomrt_invoke; one run per method (Sinkhorn runs are long). SNS iterations are
Sinkhorn warm-start iterations + Newton iterations. With --write, only the block between
<!-- bench_sns:start --> and <!-- bench_sns:end --> is replaced (appended if missing).
"""
import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from geomrt_ctypes import Geomrt, write_block  # noqa: E402

SNS_SCALARS = ("cost", "marginal_error", "iterations", "sinkhorn_iterations", "newton_iterations",
               "cg_iterations", "dense_passes")
SK_SCALARS = ("cost", "marginal_error", "iterations")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default="build")
    ap.add_argument("--quick", action="store_true", help="one draw only")
    ap.add_argument("--draws", type=int, default=3, help="number of random cost matrices (seeds 0..draws-1)")
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--eta", type=float, default=1200.0)
    ap.add_argument("--tol", type=float, default=1e-9)
    ap.add_argument("--threads", type=int, default=1, help="threads for every method (0: the runtime's default)")
    ap.add_argument("--write", help="write the results table into this markdown file")
    opt = ap.parse_args()
    g = Geomrt(opt.build)
    n, reg, tol = opt.n, 1.0 / opt.eta, opt.tol
    draws = 1 if opt.quick else opt.draws
    rows = []

    for d in range(draws):
        M = np.random.default_rng(d).uniform(size=(n, n))
        runs = [
            ("ot.sinkhorn_newton_sparse (default density)", "ot.sinkhorn_newton_sparse", {}, SNS_SCALARS),
            (f"ot.sinkhorn_newton_sparse density=2/n", "ot.sinkhorn_newton_sparse", {"density": 2.0 / n}, SNS_SCALARS),
            ("ot.sinkhorn plain (overrelaxation=false)", "ot.sinkhorn",
             {"anneal": "false", "overrelaxation": "false", "max_iter": 10**7}, SK_SCALARS),
            ("ot.sinkhorn over-relaxed, anneal=false", "ot.sinkhorn", {"anneal": "false", "max_iter": 10**7},
             SK_SCALARS),
            ("ot.sinkhorn defaults (over-relaxed, annealed)", "ot.sinkhorn", {"max_iter": 10**7}, SK_SCALARS),
        ]
        res = {}
        for label, method, extra, scalars in runs:
            params = {"reg": repr(reg), "tol": repr(tol), **extra}
            out, dt = g.invoke(method, {"M": M}, params, threads=opt.threads, scalars=scalars)
            res[label] = (out, dt)
            its = int(out["iterations"])
            detail = ""
            if "newton_iterations" in out:
                detail = (f" ({int(out['sinkhorn_iterations'])} Sinkhorn + {int(out['newton_iterations'])} Newton,"
                          f" {int(out['cg_iterations'])} CG, {int(out['dense_passes'])} dense passes)")
            print(f"draw {d}  {label:45s} {its:8d} iterations{detail}  {dt:8.3f} s  "
                  f"err {out['marginal_error']:.1e}  cost {out['cost']:.10f}", flush=True)
        base_out, base_t = res["ot.sinkhorn plain (overrelaxation=false)"]
        for label, _, _, _ in runs:
            out, dt = res[label]
            its = int(out["iterations"])
            split = ""
            if "newton_iterations" in out:
                split = f" ({int(out['sinkhorn_iterations'])} + {int(out['newton_iterations'])})"
            rel = abs(out["cost"] - base_out["cost"]) / abs(base_out["cost"])
            rows.append((d, label, f"{its}{split}", dt, base_out["iterations"] / its, base_t / dt,
                         out["marginal_error"], rel,
                         int(out["dense_passes"]) if "dense_passes" in out else None))
        ratio = base_out["iterations"] / res["ot.sinkhorn_newton_sparse (default density)"][0]["iterations"]
        print(f"draw {d}: plain Sinkhorn / SNS iterations = {ratio:.0f}x", flush=True)

    if opt.write:
        cmd = "/usr/bin/python3 bench/bench_sns.py " + " ".join(sys.argv[1:])
        lines = ["| draw | method | iterations (SNS: Sinkhorn + Newton) | dense passes | wall-clock (s) | "
                 "iteration ratio vs plain Sinkhorn | time ratio | marginal error | rel. diff of cost |",
                 "|---|---|---|---|---|---|---|---|---|"]
        for d, label, its, dt, ir, tr, err, rel, passes in rows:
            lines.append(f"| {d} | {label} | {its} | {passes if passes is not None else '-'} | {dt:.3f} | {ir:.1f}x | "
                         f"{tr:.1f}x | {err:.1e} | {rel:.1e} |")
        table = "\n".join(lines)
        head = (f"Random assignment (Tang et al., ICLR 2024): n = {n}, C_ij ~ U[0, 1] i.i.d. "
                f"(numpy default_rng(draw)), a = b = 1/n, eta = {opt.eta:g}, tol = {tol:g} (L1 marginal error), "
                f"{opt.threads if opt.threads > 0 else 'default'} thread(s). Paper: SNS 29 iterations / 0.34 s, "
                "Sinkhorn 56,199 iterations / 233 s. Ratios > 1 mean fewer iterations / less time than plain "
                "Sinkhorn; one run per method, on a machine shared with other jobs.")
        write_block(opt.write, "bench_sns",
                    f"Command: `{cmd}` ({time.strftime('%Y-%m-%d')}, {os.cpu_count()} cores)\n\n{head}\n\n{table}")


if __name__ == "__main__":
    main()
