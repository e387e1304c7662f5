#!/usr/bin/python3
"""Generate tests/data/pot_expectations.txt: the cases behind "what POT users expect of the OT
methods" (forbidden pairs, float32-normalized masses, batched targets, POT's
test_sinkhorn_stabilization problem, the 1-D plan), with the values POT 0.8.2 (Debian python3-pot)
computes for them. Run once with /usr/bin/python3; the output is committed so tests do not need
Python.

Format (read by tests/plugins/ot/reference.hpp, read_cases): blocks of
  case <method> <name> <n> <m> <param>
  <key> <count> <values...>      (arrays: M, a, b, plan, costs, ... row-major)
  value <number>
  end
+inf is written as "inf".
"""
import numpy as np
import ot

rng = np.random.default_rng(20261205)
out = []


def arr(name, x):
    x = np.ascontiguousarray(x, dtype=np.float64).ravel()
    out.append(f"{name} {x.size} " + " ".join(repr(float(v)) for v in x))


def case(method, name, n, m, param, arrays, value):
    out.append(f"case {method} {name} {n} {m} {param!r}")
    for k, v in arrays.items():
        arr(k, v)
    out.append(f"value {value!r}")
    out.append("end")


def weights(k):
    w = rng.uniform(0.1, 1.0, k)
    return w / w.sum()


# 1. Forbidden pairs. POT's ot.emd does not take +inf (it returns a zero plan and warns "Problem
# infeasible"); the exact reference is POT's emd on the cost with +inf replaced by a big finite
# value, checked to move no mass there. POT's Sinkhorn takes +inf directly (zero kernel entry).
for name, n, m, frac, rel in [("forbidden_small", 8, 10, 0.3, 0.1), ("forbidden_medium", 40, 50, 0.5, 0.05)]:
    xs, xt = rng.uniform(0, 1, (n, 2)), rng.uniform(0, 1, (m, 2))
    M = ot.dist(xs, xt)
    a, b = weights(n), weights(m)
    mask = rng.uniform(0, 1, (n, m)) < frac
    for i in range(n):          # keep a feasible pattern: a band of allowed pairs around the diagonal
        for d in range(3):
            mask[i, (i * m // n + d) % m] = False
    for j in range(m):
        mask[(j * n // m) % n, j] = False
    Minf = np.where(mask, np.inf, M)
    big = np.where(mask, 1e6 * M.max(), M)
    G = ot.emd(a, b, big, numItermax=10_000_000)
    assert G[mask].sum() == 0.0
    cost = float((G * M).sum())
    case("ot.emd", name, n, m, 0.0, {"M": Minf, "a": a, "b": b, "plan": G}, cost)
    reg = rel * M.max()
    P = ot.sinkhorn(a, b, Minf, reg, method="sinkhorn_log", numItermax=1_000_000, stopThr=1e-14)
    assert np.all(P[mask] == 0.0)
    case("ot.sinkhorn", name, n, m, reg, {"M": Minf, "a": a, "b": b, "plan": P}, float((P * M).sum()))

# 2. Masses normalized in float32 (sums differ from 1 by ~1e-8): POT accepts them (and rescales b).
n, m = 60, 45
xs, xt = rng.uniform(0, 1, (n, 2)), rng.uniform(0, 1, (m, 2))
a32 = rng.uniform(0.1, 1.0, n).astype(np.float32)
a32 /= a32.sum()
b32 = rng.uniform(0.1, 1.0, m).astype(np.float32)
b32 /= b32.sum()
a, b = a32.astype(np.float64), b32.astype(np.float64)
assert abs(a.sum() - b.sum()) > 1e-9 * max(a.sum(), b.sum())  # rejected before (relative 1e-9)
M = ((xs[:, None, :] - xt[None, :, :]) ** 2).sum(-1)
# POT 0.8.2's emd2 itself returns 0 with "Problem infeasible" for these masses; the reference is its
# emd2 on b rescaled to sum(a), which is what ot.emd documents it does.
case("ot.emd", "float32_masses", n, m, 0.0, {"M": M, "a": a, "b": b}, float(ot.emd2(a, b * a.sum() / b.sum(), M)))
reg = 0.05 * M.max()
P = ot.sinkhorn(a, b * a.sum() / b.sum(), M, reg, method="sinkhorn_log", numItermax=1_000_000, stopThr=1e-14)
case("ot.sinkhorn", "float32_masses", n, m, reg, {"M": M, "a": a, "b": b}, float((P * M).sum()))

# 3. Batched targets: b of shape m x k (k histograms sharing a and M); POT's emd2 / sinkhorn2 return k costs.
n, m, k = 30, 25, 4
xs, xt = rng.uniform(0, 1, (n, 2)), rng.uniform(0, 1, (m, 2))
M = ((xs[:, None, :] - xt[None, :, :]) ** 2).sum(-1)
a = weights(n)
B = rng.uniform(0.1, 1.0, (m, k))
B /= B.sum(0, keepdims=True)
B[3, 1] = 0.0                                   # a zero-mass target in one problem
B[:, 1] /= B[:, 1].sum()
# (POT 0.8.2's emd2 with a 2-D b passes the non-contiguous columns b[:, t] to its solver, which
# refuses them, so the k problems are solved column by column here.)
costs = np.array([ot.emd2(a, np.ascontiguousarray(B[:, t]), M) for t in range(k)], dtype=np.float64)
case("ot.emd", "batched", n, m, 0.0, {"M": M, "a": a, "b": B, "costs": costs}, float(costs.sum()))
reg = 0.05 * M.max()
costs = []
for t in range(k):
    P = ot.sinkhorn(a, B[:, t], M, reg, method="sinkhorn_log", numItermax=1_000_000, stopThr=1e-14)
    costs.append(float((P * M).sum()))
costs = np.array(costs)
# POT's sinkhorn2 with a 2-D b (the batched call itself) gives the same k costs <P_t, M>.
batched = np.asarray(ot.sinkhorn2(a, B, M, reg, method="sinkhorn_log", numItermax=1_000_000, stopThr=1e-14))
assert np.allclose(batched, costs, rtol=1e-9, atol=0), (batched, costs)
case("ot.sinkhorn", "batched", n, m, reg, {"M": M, "a": a, "b": B, "costs": costs}, float(costs.sum()))

# 4. POT's test_sinkhorn_stabilization problem: 1-D Gaussians on 100 grid points, M = dist0(100)
# (squared distances, max 9801), reg = 1e-5. And the problem of issue 8 (means 20 / 60). M is not
# written: it is (i - j)^2 for i, j = 0..99 exactly (checked here).
n = 100
for name, (m1, s1, m2, s2) in [("stabilization_pot", (30, 10, 40, 10)), ("stabilization_issue", (20, 5, 60, 10))]:
    a1 = ot.datasets.make_1D_gauss(n, m=m1, s=s1)
    a2 = ot.datasets.make_1D_gauss(n, m=m2, s=s2)
    M = ot.utils.dist0(n)
    assert np.array_equal(M, (np.arange(n)[:, None] - np.arange(n)[None, :]) ** 2.0)
    exact = float(ot.emd2(a1, a2, M))
    case("ot.emd", name, n, n, 0.0, {"a": a1, "b": a2}, exact)
    # At 1e-4 x max C, converged log-domain Sinkhorn (the regime where ot.sinkhorn converges too).
    reg = 1e-4 * M.max()
    P = ot.sinkhorn(a1, a2, M, reg, method="sinkhorn_log", numItermax=1_000_000, stopThr=1e-12)
    case("ot.sinkhorn", name, n, n, reg, {"a": a1, "b": a2}, float((P * M).sum()))

# 5. The 1-D plan: POT's emd_1d (dense), for weighted samples.
for name, n, m in [("plan_small", 7, 5), ("plan_medium", 60, 45)]:
    u, v = rng.normal(0, 1, n), rng.normal(0.5, 2, m)
    a, b = weights(n), weights(m)
    G = ot.emd_1d(u, v, a, b, metric="sqeuclidean")
    case("ot.wasserstein_1d", name, n, m, 2.0, {"xs": u, "xt": v, "a": a, "b": b, "plan": G},
         float(ot.wasserstein_1d(u, v, a, b, p=2)))

with open(__file__.replace("make_pot_expectations.py", "pot_expectations.txt"), "w") as f:
    f.write("\n".join(out) + "\n")
