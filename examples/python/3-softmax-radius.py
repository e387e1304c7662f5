"""Safe step size of a softmax classifier through the geomrt Python binding (the pair of
examples/cpp/3-softmax-lr-spike.cpp, which trains through learning-rate spikes with it).
Run with the package on the path:  PYTHONPATH=<build>/lib/geomrt/python python3 3-softmax-radius.py

A linear softmax model z = X W^T + b on the 8x8 digits; for a direction (V, v_b) of its
parameters, softmax.jvp_linear gives the JVP a = X V^T + v_b of the logits, softmax.radius the
radius rho = pi / max_b (max_k a_bk - min_k a_bk) of the cross-entropy along it, and
softmax.safe_step the learning rate that keeps the step inside that radius.
"""
import os
import sys

import numpy as np

import geomrt

data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
X = np.load(os.path.join(data, "digits_x.npy"))[:256]       # 256 x 64, pixels / 16
rng = np.random.default_rng(0)
W, b = 0.1 * rng.standard_normal((10, 64)), np.zeros(10)
V, vb = rng.standard_normal((10, 64)), rng.standard_normal(10)
norm = np.sqrt((V ** 2).sum() + (vb ** 2).sum())
V, vb = V / norm, vb / norm                                  # a unit direction in parameter space

with geomrt.Runtime() as rt:
    logits = X @ W.T + b
    a = rt.invoke("softmax.jvp_linear", {"X": X, "V": V, "v_bias": vb})["a"]
    r = rt.invoke("softmax.radius", {"logits": logits, "jvp": a})
    rho = r["rho_batch"]
    expect = np.pi / (a.max(1) - a.min(1)).max()             # the same formula in NumPy
    print("rho_batch = %.6f (NumPy: %.6f); JVP-free rho_logit min = %.4f" % (rho, expect, r["rho_logit"].min()))

    # A step lr * p with |p| = 40: lr = 1 would go 40 / rho radii; the controller shortens it.
    s = rt.invoke("softmax.safe_step", params={"rho": rho, "lr": 1.0, "step_norm": 40.0})
    print("proposed r = %.2f -> lr_eff = %.5f, r_eff = %.3f" % (s["r"], s["lr_eff"], s["r_eff"]))

    # A direction that moves every logit alike leaves the softmax unchanged: infinite radius.
    flat = rt.invoke("softmax.radius", {"logits": logits, "jvp": np.ones_like(a)})
    print("zero spread: rho_batch =", flat["rho_batch"])

ok = abs(rho - expect) <= 1e-12 * expect and abs(s["r_eff"] - 1.0) < 1e-12 and flat["rho_batch"] == np.inf
sys.exit(0 if ok else 1)
