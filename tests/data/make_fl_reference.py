"""Reference values for the fl plugin's tests (tests/plugins/fl/reference_test.cpp), computed with
NumPy from the published formulas, written out loop by loop as the papers and the Multi-metrics
authors' code state them (independent of the plugin's streaming Gram/Manhattan formulation).

Run: /usr/bin/python3 tests/data/make_fl_reference.py > tests/data/fl_reference.txt
Format per case: "case <name> <method> <K> <d>", "param <name> <value>" lines, then
"<array> <count> <values...>" lines (W, w0, server_update, n inputs; expected outputs), "end"."""
import numpy as np


def multi_metrics_code(W, n, p):
    K = len(W)
    cos_dis, man_dis, len_dis = np.zeros(K), np.zeros(K), np.zeros(K)
    for i in range(K):
        for j in range(K):
            if i != j:
                gi, gj = W[i], W[j]
                cos_dis[i] += (1 - np.dot(gi, gj) / (np.linalg.norm(gi) * np.linalg.norm(gj))) ** 2
                man_dis[i] += np.linalg.norm(gi - gj, ord=1)
                len_dis[i] += abs(np.linalg.norm(gi) - np.linalg.norm(gj))
    t = np.vstack([cos_dis, man_dis, len_dis]).T
    inv = np.linalg.inv(np.cov(t.T))
    scores = np.array([t[i] @ inv @ t[i] for i in range(K)])
    keep = int(np.floor(p * K + 1e-9))
    kept = np.sort(np.argsort(scores, kind="stable")[:keep])
    agg = np.average(W[kept], weights=n[kept], axis=0)
    return agg, scores, kept, t


def multi_metrics_paper(W, w0, n, p):
    K = len(W)
    c = np.array([np.dot(w0, w) / (np.linalg.norm(w0) * np.linalg.norm(w)) for w in W])
    l1 = np.array([np.abs(w - w0).sum() for w in W])
    l2 = np.array([np.linalg.norm(w - w0) for w in W])
    t = np.zeros((K, 3))
    for i in range(K):
        for j in range(K):
            t[i] += [abs(c[i] - c[j]), abs(l1[i] - l1[j]), abs(l2[i] - l2[j])]
    inv = np.linalg.inv(np.cov(t.T))
    scores = np.array([np.sqrt(t[i] @ inv @ t[i]) for i in range(K)])
    keep = int(np.floor(p * K + 1e-9))
    kept = np.sort(np.argsort(scores, kind="stable")[:keep])
    agg = np.average(W[kept], weights=n[kept], axis=0)
    return agg, scores, kept, t


def krum_scores(W, f):
    K = len(W)
    nb = K - f - 2
    scores = []
    for i in range(K):
        d = sorted(float(np.linalg.norm(W[i] - W[j]) ** 2) for j in range(K) if j != i)
        scores.append(sum(d[:nb]))
    return np.array(scores)


def geometric_median(W, n, iters, tol, eps):
    alpha = n / n.sum()
    z = alpha @ W
    obj = sum(a * np.linalg.norm(z - w) for a, w in zip(alpha, W))
    b = alpha
    for _ in range(iters):
        prev = obj
        b = np.array([a / max(eps, np.linalg.norm(z - w)) for a, w in zip(alpha, W)])
        b = b / b.sum()
        z = b @ W
        obj = sum(a * np.linalg.norm(z - w) for a, w in zip(alpha, W))
        if abs(prev - obj) <= tol * obj:
            break
    return z, b, obj


def foolsgold(W):
    K = len(W)
    nrm = np.linalg.norm(W, axis=1)
    cs = (W @ W.T) / np.outer(nrm, nrm) - np.eye(K)
    maxcs = np.max(cs, axis=1)
    for i in range(K):
        for j in range(K):
            if i != j and maxcs[i] < maxcs[j]:
                cs[i][j] = cs[i][j] * maxcs[i] / maxcs[j]
    wv = 1 - np.max(cs, axis=1)
    wv[wv > 1] = 1
    wv[wv < 0] = 0
    wv = wv / np.max(wv)
    wv[wv == 1] = .99
    with np.errstate(divide="ignore"):
        wv = np.log(wv / (1 - wv)) + 0.5
    wv[(np.isinf(wv) + wv > 1)] = 1
    wv[wv < 0] = 0
    return np.average(W, weights=wv, axis=0), wv


def fltrust(W, g0):
    ts = np.array([max(0.0, np.dot(g, g0) / (np.linalg.norm(g) * np.linalg.norm(g0))) for g in W])
    resc = np.array([g * np.linalg.norm(g0) / np.linalg.norm(g) for g in W])
    return (ts @ resc) / ts.sum(), ts, ts / ts.sum()


def emit(name, method, W, params, inputs, outputs):
    K, d = W.shape
    print(f"case {name} {method} {K} {d}")
    for k, v in params.items():
        print(f"param {k} {v}")
    for k, v in list(inputs.items()) + list(outputs.items()):
        v = np.asarray(v, dtype=float).ravel()
        print(k, len(v), " ".join(f"{x:.17g}" for x in v))
    print("end")


def main():
    rng = np.random.default_rng(20231001)
    K, d = 11, 40
    w0 = rng.normal(size=d)
    # benign updates around a common direction, 3 attackers with a scaled, shifted update
    base = rng.normal(size=d) * 0.1
    U = base + rng.normal(size=(K, d)) * 0.05
    U[[2, 5, 9]] = 3.0 * base + rng.normal(size=(3, d)) * 0.02 + 0.3 * (rng.random(d) < 0.1)
    W = w0 + U
    n = rng.integers(20, 200, size=K).astype(float)
    inp = {"W": W, "n": n}

    agg, s, k, t = multi_metrics_code(W, n, 0.3)
    emit("mm_code", "fl.multi_metrics", W, {"keep_fraction": 0.3}, inp,
         {"aggregate": agg, "scores": s, "kept": k, "features": t})
    _, s, k, t = multi_metrics_code(U, n, 0.5)  # relative: features on the updates W - w0
    agg = w0 + np.average(U[k], weights=n[k], axis=0)  # relative: w0 + weighted mean of the kept updates
    emit("mm_relative", "fl.multi_metrics", W, {"keep_fraction": 0.5, "relative": "true"}, dict(inp, w0=w0),
         {"aggregate": agg, "scores": s, "kept": k, "features": t})
    agg, s, k, t = multi_metrics_paper(W, w0, n, 0.3)
    emit("mm_paper", "fl.multi_metrics", W, {"keep_fraction": 0.3, "variant": "paper"}, dict(inp, w0=w0),
         {"aggregate": agg, "scores": s, "kept": k, "features": t})
    s = krum_scores(U, 2)
    emit("krum", "fl.krum", U, {"f": 2}, {"W": U}, {"aggregate": U[np.argmin(s)], "scores": s, "kept": [np.argmin(s)]})
    k = np.sort(np.argsort(s, kind="stable")[:5])
    emit("multi_krum", "fl.multi_krum", U, {"f": 2, "m": 5}, {"W": U, "n": n},
         {"aggregate": np.average(U[k], weights=n[k], axis=0), "scores": s, "kept": k})
    emit("median", "fl.median", U, {}, {"W": U}, {"aggregate": np.median(U, axis=0)})
    emit("median_even", "fl.median", U[:10], {}, {"W": U[:10]}, {"aggregate": np.median(U[:10], axis=0)})
    srt = np.sort(U, axis=0)
    emit("trimmed_mean", "fl.trimmed_mean", U, {"beta": 0.2}, {"W": U}, {"aggregate": srt[2:K - 2].mean(axis=0)})
    z, b, obj = geometric_median(U, n, 1000, 1e-12, 1e-9)
    emit("geometric_median", "fl.geometric_median", U, {"iterations": 1000, "tol": 1e-12, "eps": 1e-9},
         {"W": U, "n": n},
         {"aggregate": z, "weights": b, "objective": [obj]})
    agg, wv = foolsgold(U)
    emit("foolsgold", "fl.foolsgold", U, {}, {"W": U}, {"aggregate": agg, "weights": wv})
    g0 = base + rng.normal(size=d) * 0.05
    U2 = U.copy()
    U2[4] = -U2[4]  # one update pointing away: trust 0
    agg, ts, wt = fltrust(U2, g0)
    emit("fltrust", "fl.fltrust", U2, {}, {"W": U2, "server_update": g0}, {"aggregate": agg, "scores": ts, "weights": wt})


if __name__ == "__main__":
    main()
