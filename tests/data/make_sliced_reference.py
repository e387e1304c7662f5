#!/usr/bin/python3
"""Generate tests/data/sliced_reference.txt: point clouds and the sliced Wasserstein values POT
(Debian python3-pot 0.8.2) computes for them. Run once with /usr/bin/python3; the output is
committed so the tests do not need Python.

POT draws its own random directions, so a Monte Carlo value cannot be matched digit for digit.
For each case we record the mean of SW_p^p over `n_seeds` runs of L = 20000 directions each
(POT's ot.sliced_wasserstein_distance with log=True gives the per-direction W_p^p), and the
standard error of that mean, computed from all n_seeds * L per-direction values.

Format: blocks of
  case <name> <n> <m> <d> <p>
  xs|xt|a|b <count> <values...>
  value <mean SW_p^p>
  se <standard error of value>
  end
"""
import os

import numpy as np
import ot

rng = np.random.default_rng(20261127)
L = 20000
n_seeds = 5
out = []


def arr(name, x):
    x = np.ascontiguousarray(x, dtype=np.float64).ravel()
    out.append(f"{name} {x.size} " + " ".join(repr(float(v)) for v in x))


def weights(k):
    w = rng.uniform(0.1, 1.0, k)
    return w / w.sum()


def case(name, xs, xt, a, b, p):
    n, d = xs.shape
    m = xt.shape[0]
    vals = []
    for seed in range(n_seeds):
        _, log = ot.sliced_wasserstein_distance(xs, xt, a, b, n_projections=L, p=p, seed=seed, log=True)
        vals.append(np.asarray(log["projected_emds"]))
    v = np.concatenate(vals)
    out.append(f"case {name} {n} {m} {d} {p}")
    arr("xs", xs)
    arr("xt", xt)
    arr("a", a)
    arr("b", b)
    out.append(f"value {v.mean()!r}")
    out.append(f"se {v.std(ddof=1) / np.sqrt(v.size)!r}")
    out.append("end")
    print(name, "SW_p^p =", v.mean(), "+-", v.std(ddof=1) / np.sqrt(v.size), " SW_p =", v.mean() ** (1 / p))


# Weighted, unequal sizes, anisotropic and skewed clouds in d = 5.
n, m, d = 300, 240, 5
xs = rng.normal(size=(n, d)) * np.array([1.0, 0.5, 2.0, 1.0, 0.3])
xt = rng.exponential(size=(m, d)) + np.array([0.5, -1.0, 0.0, 0.2, 0.0])
a, b = weights(n), weights(m)
for p in (1, 2, 3):
    case(f"weighted_d5_p{p}", xs, xt, a, b, p)

# Uniform weights, equal sizes (the n == m path), d = 3.
n = m = 400
xs = rng.uniform(size=(n, 3))
xt = rng.normal(size=(m, 3)) * 0.4 + np.array([0.3, 0.8, -0.2])
u = np.full(n, 1.0 / n)
case("uniform_d3_p2", xs, xt, u, u, 2)

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "sliced_reference.txt")
open(path, "w").write("\n".join(out) + "\n")
