"""A torch.autograd.Function over spd.batchnorm_forward / spd.batchnorm_backward, checked with
torch.autograd.gradcheck (float64, central differences) for X, weight, M and shift: in training
mode differentiating through the batch statistics (through_stats=True), and in eval mode with
fixed running statistics (the gradient that through_stats=False gives in training mode, where the
statistics are treated as constants). Skips (exit 77) without torch.
Run with the package on the path:  PYTHONPATH=<build>/lib/geomrt/python python3 7-spd-batchnorm-autograd.py
"""
import sys

import numpy as np

try:
    import torch
except ImportError:
    print("torch is not installed: skipped")
    sys.exit(77)

import geomrt

rt = geomrt.Runtime()


class SPDBatchNorm(torch.autograd.Function):
    """Y = BN(X; weight, M, shift), exact gradients from geomrt. running = None: training mode with
    gradients through the batch statistics; running = (mean, var): eval mode with those statistics."""

    @staticmethod
    def forward(ctx, X, weight, M, shift, theta, running):
        inputs = {"X": X.detach().numpy(), "weight": weight.detach().numpy(), "M": M.detach().numpy()}
        params = {"shift": float(shift), "theta": theta, "training": running is None}
        if running is not None:
            inputs["running_mean"], inputs["running_var"] = running[0].copy(), running[1].copy()
        out = rt.invoke("spd.batchnorm_forward", inputs, params)
        ctx.inputs, ctx.params = inputs, dict(params, through_stats=running is None)
        return torch.from_numpy(out["Y"])

    @staticmethod
    def backward(ctx, grad_Y):
        g = rt.invoke("spd.batchnorm_backward", dict(ctx.inputs, grad_Y=grad_Y.numpy()), ctx.params)
        return (torch.from_numpy(g["grad_X"]), torch.from_numpy(g["grad_weight"]), torch.from_numpy(g["grad_M"]),
                torch.tensor(g["grad_shift"], dtype=torch.float64), None, None)


def sym(A):
    return (A + A.transpose(-1, -2)) / 2


def layer(X, weight, M, shift, theta, running):
    # geomrt's gradients are for symmetric perturbations; symmetrizing first makes every entry a variable
    return SPDBatchNorm.apply(sym(X), sym(weight), sym(M), shift, theta, running)


def spd(rng, n):
    A = rng.standard_normal((n, n))
    return A @ A.T / n + np.eye(n)


rng = np.random.default_rng(0)
N, n = 3, 3
ok = True
for theta, training in ((1.0, True), (0.5, True), (0.5, False)):
    X = torch.tensor(np.stack([spd(rng, n) for _ in range(N)]), requires_grad=True)
    W = torch.tensor(spd(rng, n), requires_grad=True)
    M = torch.tensor(spd(rng, n), requires_grad=True)
    s = torch.tensor(1.3, dtype=torch.float64, requires_grad=True)
    running = None if training else (spd(rng, n), np.array(0.7))
    passed = torch.autograd.gradcheck(lambda X, W, M, s: layer(X, W, M, s, theta, running),
                                      (X, W, M, s), eps=1e-6, atol=1e-6, rtol=1e-5)
    print("gradcheck theta=%g %s: %s" % (theta, "training, through_stats=True" if training
                                          else "eval (fixed statistics)", passed))
    ok &= passed
sys.exit(0 if ok else 1)
