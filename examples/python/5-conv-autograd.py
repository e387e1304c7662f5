"""Generalized convolution (Ghiasi-Shirazi 2017) as a torch layer: a torch.autograd.Function over
conv.generalized2d_forward / conv.generalized2d_backward, checked by torch.autograd.gradcheck for every
similarity, then one training epoch of a small CNN with a weighted-L2 layer on the 8x8 digits.
Needs Debian's python3-torch (exits 77, "skipped", without it).
Run:  PYTHONPATH=<build>/lib/geomrt/python /usr/bin/python3 5-conv-autograd.py
"""
import os
import sys

import numpy as np

try:
    import torch
except ImportError:
    print("torch is not installed: skipped")
    sys.exit(77)

import geomrt

rt = geomrt.Runtime()
NAMES = ("x", "weight", "a", "gamma", "c", "bias")


def _np(t):
    return t.detach().contiguous().numpy()


class GeneralizedConv2dFunction(torch.autograd.Function):
    """out = s(w_o, patch) + bias_o; inputs not used by the similarity are None."""

    @staticmethod
    def forward(ctx, x, weight, a, gamma, c, bias, params):
        tensors = dict(zip(NAMES, (x, weight, a, gamma, c, bias)))
        ctx.save_for_backward(x, weight, a, gamma, c, bias)
        ctx.params = params
        inputs = {k: _np(v) for k, v in tensors.items() if v is not None}
        return torch.from_numpy(rt.invoke("conv.generalized2d_forward", inputs, params)["out"])

    @staticmethod
    def backward(ctx, grad_out):
        tensors = dict(zip(NAMES, ctx.saved_tensors))
        inputs = {k: _np(v) for k, v in tensors.items() if v is not None}
        inputs["grad_out"] = _np(grad_out)
        g = rt.invoke("conv.generalized2d_backward", inputs, ctx.params)
        grads = [torch.from_numpy(g["grad_" + k]) if tensors[k] is not None else None for k in NAMES]
        return (*grads, None)


class GeneralizedConv2d(torch.nn.Module):
    def __init__(self, cin, cout, k, similarity="dot", padding=0, stride=1, groups=1, bias=True):
        super().__init__()
        shape = (cout, cin // groups, k, k)
        fan = shape[1] * k * k
        self.params = {"similarity": similarity, "padding": padding, "stride": stride, "groups": groups}
        if similarity == "dot":
            self.weight = torch.nn.Parameter(torch.randn(shape) * (2.0 / fan) ** 0.5)
        else:
            self.weight = torch.nn.Parameter(torch.rand(shape))
        self.a = torch.nn.Parameter(torch.full(shape, 1.0 / fan)) if similarity in ("wl2", "wl1") else None
        self.gamma = torch.nn.Parameter(torch.full((cout,), 1.0 / fan)) if similarity == "gauss" else None
        self.c = torch.nn.Parameter(torch.ones(cout)) if similarity == "poly" else None
        self.bias = torch.nn.Parameter(torch.zeros(cout)) if bias else None

    def forward(self, x):
        return GeneralizedConv2dFunction.apply(x, self.weight, self.a, self.gamma, self.c, self.bias, self.params)


# 1. gradcheck (float64) for every similarity with stride 2, padding 1, dilation 2 and 2 groups.
gen = torch.Generator().manual_seed(0)
for sim in ("dot", "poly", "gauss", "wl2", "wl1", "mix"):
    def r(*shape, lo=-1.0, hi=1.0):
        return (lo + (hi - lo) * torch.rand(*shape, generator=gen, dtype=torch.float64)).requires_grad_(True)
    x, w, b = r(1, 4, 6, 5), r(4, 2, 3, 2), r(4)
    a = r(4, 2, 3, 2, lo=0.2, hi=1.5) if sim in ("wl2", "wl1") else None
    gamma = r(4, lo=0.05, hi=0.2) if sim == "gauss" else None
    c = r(4) if sim == "poly" else None
    params = {"similarity": sim, "stride": 2, "padding": 1, "dilation": 2, "groups": 2, "p": 3, "lambda": 0.3}
    ok = torch.autograd.gradcheck(lambda *t: GeneralizedConv2dFunction.apply(*t, params), (x, w, a, gamma, c, b),
                                  eps=1e-6, atol=1e-6, rtol=1e-5)
    print("gradcheck %-5s %s" % (sim, "passed" if ok else "FAILED"))
    if not ok:
        sys.exit(1)

# 2. One epoch of a small CNN with a weighted-L2 layer (float32) on the 8x8 digits.
data = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "data")
X = np.load(os.path.join(data, "digits_x.npy")).astype(np.float32).reshape(-1, 1, 8, 8)
Y = np.load(os.path.join(data, "digits_y.npy"))
perm = np.load(os.path.join(data, "digits_perm.npy"))
xtr, ytr = torch.from_numpy(X[perm[:1400]]), torch.from_numpy(Y[perm[:1400]])
xte, yte = torch.from_numpy(X[perm[1400:]]), torch.from_numpy(Y[perm[1400:]])
torch.manual_seed(0)
# Distance similarities are <= 0: batch normalization puts them into the ReLU's active range.
net = torch.nn.Sequential(GeneralizedConv2d(1, 16, 3, "wl2", padding=1), torch.nn.BatchNorm2d(16), torch.nn.ReLU(),
                          torch.nn.MaxPool2d(2), torch.nn.Flatten(), torch.nn.Linear(16 * 16, 10))
opt = torch.optim.Adam(net.parameters(), lr=3e-3)
order = torch.randperm(1400)
for s in range(0, 1400, 32):
    idx = order[s:s + 32]
    loss = torch.nn.functional.cross_entropy(net(xtr[idx]), ytr[idx])
    opt.zero_grad()
    loss.backward()
    opt.step()
    with torch.no_grad():
        net[0].a.clamp_(min=0.0)  # the coefficients a must stay >= 0
net.eval()
with torch.no_grad():
    acc = (net(xte).argmax(1) == yte).double().mean().item()
print("one epoch, weighted-L2 layer + batch norm: test accuracy %.1f%% (last batch loss %.3f)" % (100 * acc, loss.item()))
sys.exit(0 if acc > 0.7 else 1)
