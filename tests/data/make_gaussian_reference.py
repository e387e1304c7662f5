#!/usr/bin/python3
"""Generate tests/data/gaussian_reference.txt: reference values for ot.gaussian_w2,
ot.gaussian_barycenter and ot.monge_gap. Run once with Debian's /usr/bin/python3 (POT 0.8.2,
NumPy, SciPy, mpmath); the output is committed so tests do not need Python.

- ot.gaussian_w2: POT 0.8.2 has no ot.gaussian module; its ot.da.OT_mapping_linear gives the
  Gaussian Monge map (A, b) between the Gaussians fitted to two samples, and (log=True) the
  covariances Cs, Ct it used. The POT value of W_2^2 is |m1 - m2|^2 + tr Cs + tr Ct - 2 tr(A Cs)
  (tr(A Cs) = tr (Cs^1/2 Ct Cs^1/2)^1/2). A 50-digit mpmath evaluation of the closed form is
  stored too ("hp_*").
- ot.gaussian_barycenter: POT 0.8.2 has no Gaussian barycenter. The reference covariance is the
  Alvarez-Esteban fixed point iterated in 40-digit mpmath until it stops moving. Iteration
  counts of two float64 NumPy iterations from the weighted arithmetic mean are stored for
  comparison: the Alvarez-Esteban one S <- S^-1/2 (sum w (S^1/2 C S^1/2)^1/2)^2 S^-1/2 and the
  plain one S <- sum w (S^1/2 C S^1/2)^1/2 (later POT versions' bures_wasserstein_barycenter),
  both stopped at relative Frobenius change < 1e-12 ("it_ae", "it_plain"), and the plain one
  also with an absolute change <= 1e-7 ("it_plain_abs").
- ot.monge_gap: displacement cost minus <P, C> + eps sum P (log P - 1), with P from POT 0.8.2's
  ot.bregman.sinkhorn_log.

Format: blocks of
  case <method> <name>
  <array name> <count> <values...>
  scalar <name> <value>
  end
"""
import numpy as np
import mpmath as mp
import ot
import scipy.linalg

rng = np.random.default_rng(20261127)
out = []


def arr(name, x):
    x = np.ascontiguousarray(x, dtype=np.float64).ravel()
    out.append(f"{name} {x.size} " + " ".join(repr(float(v)) for v in x))


def scalar(name, v):
    out.append(f"scalar {name} {float(v)!r}")


# ---------------------------------------------------------------- high precision helpers
def mpmat(S):
    return mp.matrix([[mp.mpf(float(v)) for v in row] for row in np.atleast_2d(S)])


def mp_sym_fun(S, f):
    S = (S + S.T) / 2
    E, Q = mp.eigsy(S)
    d = S.rows
    D = mp.zeros(d, d)
    for i in range(d):
        D[i, i] = f(max(E[i], mp.mpf(0)) if f is mp.sqrt else E[i])
    return Q * D * Q.T


def mp_sqrt(S):
    return mp_sym_fun(S, mp.sqrt)


def mp_inv_sqrt(S):
    return mp_sym_fun(S, lambda l: 1 / mp.sqrt(l))


def mp_trace(S):
    return mp.fsum(S[i, i] for i in range(S.rows))


def to_np(M):
    return np.array([[float(M[i, j]) for j in range(M.cols)] for i in range(M.rows)])


def mp_frob(M):
    return mp.sqrt(mp.fsum(M[i, j] ** 2 for i in range(M.rows) for j in range(M.cols)))


# ---------------------------------------------------------------- ot.gaussian_w2 against POT
mp.mp.dps = 50
w2_cases = [("d1", 1, 200), ("d2", 2, 100), ("d3", 3, 50), ("d5", 5, 80), ("d10", 10, 60)]
for name, d, n in w2_cases:
    L1, L2 = rng.normal(size=(d, d)), rng.normal(size=(d, d))
    xs = rng.normal(size=(n, d)) @ L1 + rng.normal(size=d)
    xt = rng.normal(size=(n, d)) @ L2 + 3 * rng.normal(size=d)
    A, b, log = ot.da.OT_mapping_linear(xs, xt, log=True)
    Cs, Ct = log["Cs"], log["Ct"]
    Cs, Ct = (Cs + Cs.T) / 2, (Ct + Ct.T) / 2  # exactly symmetric inputs
    m1, m2 = xs.mean(axis=0), xt.mean(axis=0)
    pot_sq = np.sum((m1 - m2) ** 2) + np.trace(Cs) + np.trace(Ct) - 2 * np.trace(A @ Cs)
    S1, S2 = mpmat(Cs), mpmat(Ct)
    R1 = mp_sqrt(S1)
    Msq = mp_sqrt(R1 * S2 * R1)
    R1i = mp_inv_sqrt(S1)
    hpA = R1i * Msq * R1i
    dm = mp.fsum((mp.mpf(float(u)) - mp.mpf(float(v))) ** 2 for u, v in zip(m1, m2))
    hp_sq = dm + mp_trace(S1) + mp_trace(S2) - 2 * mp_trace(Msq)
    out.append(f"case ot.gaussian_w2 {name}")
    arr("m1", m1); arr("S1", Cs); arr("m2", m2); arr("S2", Ct)
    arr("A", A); arr("b", np.ravel(b))
    arr("hp_A", to_np(hpA))
    scalar("cost_sq", pot_sq)
    scalar("hp_cost_sq", hp_sq)
    out.append("end")


# ---------------------------------------------------------------- ot.gaussian_barycenter
def np_sqrtm_psd(S):
    lam, V = np.linalg.eigh((S + S.T) / 2)
    return (V * np.sqrt(np.maximum(lam, 0))) @ V.T


def np_iterate(covs, w, update, rel_tol=None, abs_tol=None, max_iter=10000):
    S = np.einsum("k,kij->ij", w, covs)
    for it in range(1, max_iter + 1):
        Snew = update(S, covs, w)
        diff = np.linalg.norm(Snew - S)
        S = Snew
        if rel_tol is not None and diff / np.linalg.norm(Snew) < rel_tol:
            return it
        if abs_tol is not None and diff <= abs_tol:
            return it
    return -1


def plain_update(S, covs, w):
    R = np_sqrtm_psd(S)
    return sum(wi * np_sqrtm_psd(R @ C @ R) for wi, C in zip(w, covs))


def ae_update(S, covs, w):
    lam, V = np.linalg.eigh(S)
    R = (V * np.sqrt(lam)) @ V.T
    Ri = (V / np.sqrt(lam)) @ V.T
    T = sum(wi * np_sqrtm_psd(R @ C @ R) for wi, C in zip(w, covs))
    B = Ri @ T
    return B @ B.T


def random_spd(d, cond):
    Q, _ = np.linalg.qr(rng.normal(size=(d, d)))
    lam = np.exp(rng.uniform(0, np.log(cond), size=d))
    lam[0], lam[-1] = 1.0, cond
    S = (Q * lam) @ Q.T
    return (S + S.T) / 2


mp.mp.dps = 40
bary_cases = [
    ("d5_k10_uniform", 5, 10, True, 10.0),
    ("d5_k10_cond1e3", 5, 10, True, 1e3),
    ("d3_k4_weighted", 3, 4, False, 50.0),
    ("d8_k6_weighted", 8, 6, False, 1e2),
    ("d2_k3_cond1e6", 2, 3, False, 1e6),
]
for name, d, k, uniform, cond in bary_cases:
    covs = np.stack([random_spd(d, cond) * rng.uniform(0.5, 2.0) for _ in range(k)])
    means = rng.normal(size=(k, d))
    w = np.full(k, 1.0 / k) if uniform else rng.uniform(0.1, 1.0, k)
    w = w / w.sum()
    Cm = [mpmat(C) for C in covs]
    wm = [mp.mpf(float(v)) for v in w]
    S = sum((wi * C for wi, C in zip(wm[1:], Cm[1:])), wm[0] * Cm[0])
    for it in range(500):
        R, Ri = mp_sqrt(S), mp_inv_sqrt(S)
        T = sum((wi * mp_sqrt(R * C * R) for wi, C in zip(wm[1:], Cm[1:])), wm[0] * mp_sqrt(R * Cm[0] * R))
        Snew = Ri * T * T * Ri
        Snew = (Snew + Snew.T) / 2
        ch = mp_frob(Snew - S) / mp_frob(Snew)
        S = Snew
        if ch < mp.mpf("1e-32"):
            break
    out.append(f"case ot.gaussian_barycenter {name}")
    arr("means", means); arr("covs", covs); arr("weights", w)
    arr("hp_cov", to_np(S))
    arr("hp_mean", np.array([float(mp.fsum(wm[i] * mp.mpf(float(means[i, j])) for i in range(k))) for j in range(d)]))
    scalar("it_ae", np_iterate(covs, w, ae_update, rel_tol=1e-12))
    scalar("it_plain", np_iterate(covs, w, plain_update, rel_tol=1e-12))
    scalar("it_plain_abs", np_iterate(covs, w, plain_update, abs_tol=1e-7))
    out.append("end")


# ---------------------------------------------------------------- ot.monge_gap with POT's sinkhorn_log
def sqdist(x, y):
    return ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)


gap_cases = [
    ("translation", 40, 2, True, lambda x: x + np.array([0.3, -0.2]), 0.03),
    ("rotation_weighted", 50, 2, False, lambda x: x[:, ::-1] * np.array([1.0, -1.0]), 0.02),
    ("shear_3d", 30, 3, True, lambda x: x @ np.array([[1.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.2, 0.0, 1.0]]), 0.05),
]
rng = np.random.default_rng(20261128)  # own stream: the cases above do not shift these draws
for name, n, d, uniform, T, reg in gap_cases:
    x = rng.uniform(0, 1, (n, d)) * np.linspace(1.0, 2.0, d)
    y = T(x)
    a = np.full(n, 1.0 / n) if uniform else rng.uniform(0.1, 1.0, n)
    a = a / a.sum()
    C = sqdist(x, y)
    P = ot.bregman.sinkhorn_log(a, a, C, reg, numItermax=400000, stopThr=1e-14)
    marginal_error = np.abs(P.sum(0) - a).sum() + np.abs(P.sum(1) - a).sum()
    assert marginal_error < 1e-12, (name, marginal_error)
    disp = float(np.sum(a * np.diag(C)))
    Pp = P[P > 0]
    went = float(np.sum(P * C) + reg * np.sum(Pp * (np.log(Pp) - 1)))
    out.append(f"case ot.monge_gap {name}")
    arr("x", x); arr("y", y); arr("a", a)
    scalar("reg", reg)
    scalar("displacement_cost", disp)
    scalar("entropic_cost", went)
    scalar("gap", disp - went)
    scalar("default_reg", 0.05 * np.std(C))
    out.append("end")

with open(__file__.replace("make_gaussian_reference.py", "gaussian_reference.txt"), "w") as f:
    f.write("# Generated by make_gaussian_reference.py (POT %s, NumPy %s, SciPy %s, mpmath %s); do not edit.\n"
            % (ot.__version__, np.__version__, scipy.__version__, mp.__version__))
    f.write("\n".join(out) + "\n")
