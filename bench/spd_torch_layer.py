"""The SPD batch-normalization layer under the (generalized, power-deformed) Bures-Wasserstein
geometry, written with torch autograd: the peer of spd.batchnorm_forward/backward in
bench_spd.py, and the generator of the mode=reference values in tests/data/make_spd_reference.py.

It follows the algorithm of the authors' reference code step by step (as described in
METHODS.md): matrix functions through symmetric eigendecompositions (batched torch.linalg.eigh),
square roots of positive semidefinite matrices as |l|^1/2 (what an SVD gives), the batch mean as
ONE fixed-point step from the arithmetic mean, the variance as the mean squared BW distance to
the identity divided by theta^2, the statistics without gradient unless stats_grad=True.
Gradients come from torch's autograd (eigh's backward divides by eigenvalue gaps, so inputs
with repeated eigenvalues, such as M = I, give non-finite gradients here)."""
import contextlib

import torch


def _fn(A, f):
    """U diag(f(l)) U^T for symmetric A (batched)."""
    l, U = torch.linalg.eigh(A)
    return (U * f(l).unsqueeze(-2)) @ U.transpose(-1, -2)


def sqrtm(A):
    return _fn(A, lambda l: l.abs().sqrt())


def invsqrtm(A):
    return _fn(A, lambda l: l.abs().rsqrt())


def powm(A, p):
    if p == 1:
        return A
    return _fn(A, lambda l: l.abs() ** p)


def trace(A):
    return A.diagonal(dim1=-2, dim2=-1).sum(-1)


def geodesic(A, B, t):
    """(1-t)^2 A + t^2 B + t(1-t)((AB)^1/2 + (BA)^1/2)."""
    Ra, Ria = sqrtm(A), invsqrtm(A)
    C1 = Ra @ sqrtm(Ra @ B @ Ra) @ Ria
    return (1 - t) ** 2 * A + t ** 2 * B + t * (1 - t) * (C1 + C1.transpose(-1, -2))


def batchnorm(X, weight, M=None, shift=1.0, theta=1.0, training=True, running_mean=None, running_var=None,
              momentum=0.1, eps=1e-5, stats_grad=False):
    """Returns (Y, batch_mean, batch_var, new_running_mean, new_running_var)."""
    N, n, _ = X.shape
    eye = torch.eye(n, dtype=X.dtype)
    Z = powm(X, theta)
    Wt = powm(weight, theta)
    if M is not None:
        Mh, Mih = sqrtm(M), invsqrtm(M)
        Z = Mih @ Z @ Mih
        Wt = Mih @ Wt @ Mih
    new_rm, new_rv = running_mean, running_var
    if training:
        ctx = contextlib.nullcontext() if stats_grad else torch.no_grad()
        with ctx:
            G0 = Z.mean(0)
            R0, R0i = sqrtm(G0), invsqrtm(G0)
            h = sqrtm(R0 @ Z @ R0).mean(0)
            G = R0i @ (h @ h) @ R0i
            var = (trace(Z) + n - 2 * trace(sqrtm(Z))).mean() / theta ** 2
        if running_mean is not None:
            with torch.no_grad():
                new_rm = geodesic(running_mean, G, momentum)
                new_rv = (1 - momentum) * running_var + momentum * var
    else:
        G, var = running_mean, running_var
    # centre: Exp_I(PT_{G->I} Log_G Z)
    R, Ri = sqrtm(G), invsqrtm(G)
    C1 = R @ sqrtm(R @ Z @ R) @ Ri
    LogG = C1 + C1.transpose(-1, -2) - 2 * G
    b, U = torch.linalg.eigh(G)
    K = (2 / (b[:, None] + b[None, :])).sqrt()
    V = U @ (K * (U.T @ LogG @ U)) @ U.T
    C = eye + V + V @ V / 4
    # scale: Exp_I(f Log_I C)
    f = shift / (var + eps).sqrt()
    X2 = f * (2 * sqrtm(C) - 2 * eye)
    S = eye + X2 + X2 @ X2 / 4
    # bias: Exp_W(PT_{I->W} Log_I S)
    Q = 2 * sqrtm(S) - 2 * eye
    a, P = torch.linalg.eigh(Wt)
    Qp = P @ (((a[:, None] + a[None, :]) / 2).sqrt() * (P.T @ Q @ P)) @ P.T
    L = P @ ((P.T @ Qp @ P) / (a[:, None] + a[None, :])) @ P.T
    Y = Wt + Qp + L @ Wt @ L
    if M is not None:
        Y = Mh @ Y @ Mh
    Y = powm(Y, 1.0 / theta)
    return Y, G, var, new_rm, new_rv
