"""Reference values of spd.batchnorm_forward / spd.batchnorm_backward in mode=reference.

The layer comes from bench/spd_torch_layer.py: a torch re-implementation of the authors'
reference algorithm (matrix functions by symmetric eigendecompositions, the batch mean as one
fixed-point step from the arithmetic mean, the variance as the mean squared BW distance to the
identity over theta^2), float64; gradients by torch autograd (stats constant, and through the
statistics). Cases use inputs with well separated eigenvalues, where autograd through eigh is
accurate. Writes spd_reference.txt:
  case <name> N n theta shift training has_M
  X|weight|M|running_mean|running_var|grad_Y <count> <values...>      (inputs)
  Y|batch_mean|batch_var|new_running_mean|new_running_var <count> <values...>
  gX0|gW0|gM0|gs0 (through_stats=false), gX1|gW1|gM1|gs1 (true) <count> <values...>
  end
Run: /usr/bin/python3 tests/data/make_spd_reference.py  (torch 1.13, numpy; seed fixed)."""
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "bench"))
from spd_torch_layer import batchnorm  # noqa: E402

rng = np.random.default_rng(20250610)


def spd(n, spread=1.0):
    Q, _ = np.linalg.qr(rng.standard_normal((n, n)))
    l = np.exp(spread * rng.uniform(-1, 1, n))
    return Q @ np.diag(l) @ Q.T


def rsym(n):
    A = rng.standard_normal((n, n))
    return (A + A.T) / 2


def write(f, key, a):
    a = np.asarray(a, dtype=np.float64).ravel()
    f.write("%s %d %s\n" % (key, a.size, " ".join(repr(float(x)) for x in a)))


def case(f, name, N, n, theta, shift, training, has_M):
    X = np.stack([spd(n) for _ in range(N)])
    W = spd(n, 0.5)
    M = spd(n, 0.5) if has_M else None
    rm = spd(n, 0.3)
    rv = np.array(rng.uniform(0.2, 1.5))
    gY = np.stack([rsym(n) for _ in range(N)])
    f.write("case %s %d %d %r %r %d %d\n" % (name, N, n, theta, shift, int(training), int(has_M)))
    write(f, "X", X)
    write(f, "weight", W)
    if has_M:
        write(f, "M", M)
    write(f, "running_mean", rm)
    write(f, "running_var", rv)
    write(f, "grad_Y", gY)
    for ts in (0, 1):
        tX = torch.tensor(X, requires_grad=True)
        tW = torch.tensor(W, requires_grad=True)
        tM = torch.tensor(M, requires_grad=True) if has_M else None
        ts_shift = torch.tensor(shift, dtype=torch.float64, requires_grad=True)
        Y, G, var, nrm, nrv = batchnorm(tX, tW, tM, ts_shift, theta, training, torch.tensor(rm), torch.tensor(rv),
                                        stats_grad=bool(ts))
        if ts == 0:
            write(f, "Y", Y.detach().numpy())
            write(f, "batch_mean", G.detach().numpy())
            write(f, "batch_var", float(var))
            write(f, "new_running_mean", nrm.detach().numpy())
            write(f, "new_running_var", float(nrv))
        (Y * torch.tensor(gY)).sum().backward()
        sym = lambda A: (A + A.transpose(-1, -2)) / 2  # noqa: E731
        write(f, "gX%d" % ts, sym(tX.grad).numpy())
        write(f, "gW%d" % ts, sym(tW.grad).numpy())
        if has_M:
            write(f, "gM%d" % ts, sym(tM.grad).numpy())
        write(f, "gs%d" % ts, ts_shift.grad.item())
    f.write("end\n")


def main():
    out = os.path.join(HERE, "spd_reference.txt")
    with open(out, "w") as f:
        k = 0
        for theta in (1.0, 0.5, 2.0):
            for has_M in (False, True):
                for training in (True, False):
                    N, n = (5, 4) if k % 2 == 0 else (3, 3)
                    case(f, "t%g_M%d_train%d" % (theta, has_M, training), N, n, theta, 1.3 if k % 3 else 0.8,
                         training, has_M)
                    k += 1
    print("wrote", out)


if __name__ == "__main__":
    main()
