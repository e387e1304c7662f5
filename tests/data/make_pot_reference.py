#!/usr/bin/python3
"""Generate tests/data/pot_reference.txt: random OT problems and the values POT (Debian
python3-pot) and SciPy compute for them. Run once with /usr/bin/python3; the output is
committed so tests do not need Python.

Format: blocks of
  case <method> <name> <n> <m> <d> <metric> <param>
  xs|xt|a|b <count> <values...>
  value <number>
  end
"""
import sys
import numpy as np
import ot
import scipy.stats

rng = np.random.default_rng(20261126)
out = []


def arr(name, x):
    x = np.ascontiguousarray(x, dtype=np.float64).ravel()
    out.append(f"{name} {x.size} " + " ".join(repr(float(v)) for v in x))


def weights(k, uniform):
    if uniform:
        return np.full(k, 1.0 / k)
    w = rng.uniform(0.1, 1.0, k)
    return w / w.sum()


def cost(xs, xt, metric, p):
    if metric == "minkowski":
        return ot.dist(xs, xt, metric="minkowski", p=p)
    if metric == "sqeuclidean":
        # exact differences (no |x|^2 + |y|^2 - 2xy expansion) for a last-digit reference
        return ((xs[:, None, :] - xt[None, :, :]) ** 2).sum(-1)
    return ot.dist(xs, xt, metric=metric)


emd_cases = [
    ("tiny_uniform", 5, 5, 2, "sqeuclidean", 2, True),
    ("small_nonuniform", 37, 51, 3, "sqeuclidean", 2, False),
    ("euclidean_nonuniform", 200, 150, 2, "euclidean", 2, False),
    ("cityblock_assignment", 300, 300, 2, "cityblock", 2, True),
    ("minkowski3", 100, 80, 3, "minkowski", 3, False),
    ("medium_nonuniform", 1000, 1200, 2, "sqeuclidean", 2, False),
    ("large_assignment", 2000, 2000, 2, "sqeuclidean", 2, True),
    ("large_nonuniform", 2000, 1500, 2, "sqeuclidean", 2, False),
]
for name, n, m, d, metric, p, uniform in emd_cases:
    xs, xt = rng.uniform(0, 1, (n, d)), rng.uniform(0, 1, (m, d))
    a, b = weights(n, uniform), weights(m, uniform)
    M = cost(xs, xt, metric, p)
    v = ot.emd2(a, b, M, numItermax=100_000_000)
    out.append(f"case ot.emd {name} {n} {m} {d} {metric} {p}")
    arr("xs", xs); arr("xt", xt); arr("a", a); arr("b", b)
    out.append(f"value {v!r}")
    out.append("end")

for name, n, m, d, rel in [("sinkhorn_small", 30, 40, 2, 0.1), ("sinkhorn_medium", 120, 100, 2, 0.05),
                           ("sinkhorn_smallreg", 60, 60, 2, 0.01)]:
    xs, xt = rng.uniform(0, 1, (n, d)), rng.uniform(0, 1, (m, d))
    a, b = weights(n, False), weights(m, False)
    M = cost(xs, xt, "sqeuclidean", 2)
    reg = rel * M.max()
    P = ot.bregman.sinkhorn_log(a, b, M, reg, numItermax=1_000_000, stopThr=1e-14)
    out.append(f"case ot.sinkhorn {name} {n} {m} {d} sqeuclidean {reg!r}")
    arr("xs", xs); arr("xt", xt); arr("a", a); arr("b", b)
    out.append(f"value {float((P * M).sum())!r}")
    out.append("end")

for name, n, m, p in [("w1d_p1", 50, 70, 1), ("w1d_p2", 200, 120, 2), ("w1d_p3", 33, 33, 3)]:
    u, v = rng.normal(0, 1, n), rng.normal(0.5, 2, m)
    a, b = weights(n, False), weights(m, False)
    val = ot.wasserstein_1d(u, v, a, b, p=p)  # W_p^p
    if p == 1:
        sp = scipy.stats.wasserstein_distance(u, v, a, b)
        assert abs(sp - val) <= 1e-12 * max(1, abs(val)), (sp, val)
    out.append(f"case ot.wasserstein_1d {name} {n} {m} 1 none {p}")
    arr("xs", u); arr("xt", v); arr("a", a); arr("b", b)
    out.append(f"value {float(val)!r}")
    out.append("end")

sys.stdout.write("\n".join(out) + "\n")
