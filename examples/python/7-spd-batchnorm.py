"""Normalize a batch of covariance matrices with SPD batch normalization under the Bures-Wasserstein
geometry (spd.batchnorm_forward) through the geomrt Python binding (the pair of
examples/c/7-spd-batchnorm.c): training steps update the running statistics in place, eval mode
uses them. With mode=converged, weight = I and shift = 1 the normalized batch has its BW
barycenter at I and mean squared BW distance var / (var + eps) to it.
Run with the package on the path:  PYTHONPATH=<build>/lib/geomrt/python python3 7-spd-batchnorm.py
"""
import sys

import numpy as np

import geomrt

rng = np.random.default_rng(7)
N, d, T = 16, 5, 50
scales = 1.0 + np.arange(d)
X = np.stack([np.cov((scales[:, None] * rng.standard_normal((d, T))), bias=True) for _ in range(N)])

running_mean = np.eye(d)
running_var = np.array(1.0)
ok = True
with geomrt.Runtime() as rt:
    inputs = {"X": X, "weight": np.eye(d), "running_mean": running_mean, "running_var": running_var}
    for step in range(3):  # the running statistics move (in place) in training mode only
        out = rt.invoke("spd.batchnorm_forward", inputs, {"mode": "converged"})
        print("step %d: batch var %.6f, running var %.6f" % (step, out["batch_var"], running_var))
    Y, var = out["Y"], out["batch_var"]
    G = rt.invoke("spd.barycenter", {"X": Y})["mean"]
    d2 = rt.invoke("spd.bw_distance", {"X": Y, "Y": np.broadcast_to(np.eye(d), Y.shape)})["distance"] ** 2
    print("barycenter of the normalized batch - I: max |entry| %.2e" % np.abs(G - np.eye(d)).max())
    print("mean squared distance to I: %.12f (expected %.12f)" % (d2.mean(), var / (var + 1e-5)))
    ok &= np.abs(G - np.eye(d)).max() < 1e-8 and abs(d2.mean() - var / (var + 1e-5)) < 1e-8

    before = running_mean.copy()
    ev = rt.invoke("spd.batchnorm_forward", inputs, {"training": False})
    ok &= np.array_equal(before, running_mean)  # eval mode leaves them as they are
    print("eval mode: normalized with the running statistics; they are unchanged:", np.array_equal(before, running_mean))

    # Bad input names the batch index.
    Xbad = X.copy()
    Xbad[3, 0, 1] += 1.0
    try:
        rt.invoke("spd.batchnorm_forward", {"X": Xbad, "weight": np.eye(d)})
        ok = False
    except geomrt.InvalidArgumentError as e:
        print("non-symmetric X[3]:", e)

sys.exit(0 if ok else 1)
