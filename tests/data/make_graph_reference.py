#!/usr/bin/python3
"""Reference values for the graph plugin's tests (tests/plugins/graph), written to graph_reference.txt.

Kernels of a small weighted graph computed the direct way with NumPy/SciPy (inv, pinv, expm, the
formulas of Ivashkin & Chebotarev as pygkernels implements them), NetworkX's communicability and
resistance distance, and scikit-learn's adjusted_rand_score on a few labelings.
Run: /usr/bin/python3 tests/data/make_graph_reference.py  (NumPy, SciPy, NetworkX, scikit-learn)
Each line: "<name> <count> <values...>".
"""
import os

import networkx as nx
import numpy as np
import scipy.linalg as sl
from scipy.sparse.csgraph import shortest_path
from sklearn.metrics import adjusted_rand_score

out = []


def put(name, values):
    v = np.asarray(values, dtype=np.float64).ravel()
    out.append("%s %d %s" % (name, v.size, " ".join(repr(float(x)) for x in v)))


# A connected weighted graph on 10 nodes.
G = nx.connected_watts_strogatz_graph(10, 4, 0.3, seed=3)
rng = np.random.default_rng(5)
for u, v in G.edges():
    G[u][v]["weight"] = float(rng.uniform(0.5, 2.0))
n = G.number_of_nodes()
A = nx.to_numpy_array(G, nodelist=range(n), weight="weight")
put("A", A)
deg = A.sum(1)
L = np.diag(deg) - A
Ls = np.eye(n) - A / np.sqrt(np.outer(deg, deg))
rho = np.max(np.abs(np.linalg.eigvals(A)))
put("rho", [rho])
I = np.eye(n)
H = I - np.ones((n, n)) / n


def d_to_k(D):
    return -0.5 * H @ D @ H


def rsp_fe(beta):
    C = np.where(A > 0, 1.0 / np.where(A > 0, A, 1.0), 0.0)
    P = A / deg[:, None]
    W = P * np.where(A > 0, np.exp(-beta * C), 0.0)
    Z = np.linalg.inv(I - W)
    S = (Z @ (C * W) @ Z) / Z
    Crsp = S - np.diag(S)[None, :]
    Drsp = 0.5 * (Crsp + Crsp.T)
    np.fill_diagonal(Drsp, 0.0)
    Zh = Z / np.diag(Z)[None, :]
    Phi = -np.log(Zh) / beta
    Dfe = 0.5 * (Phi + Phi.T)
    np.fill_diagonal(Dfe, 0.0)
    return d_to_k(Drsp), d_to_k(Dfe)


Lp = np.linalg.pinv(L)
SP = shortest_path(np.where(A > 0, 1.0 / np.where(A > 0, A, 1.0), 0.0), directed=False)
CT = A.sum() * (np.diag(Lp)[:, None] + np.diag(Lp)[None, :] - 2 * Lp)
for alpha in (0.3, 0.7):
    tf = 0.5 * alpha / (1 - alpha)
    beta = (1 - alpha) / alpha
    Krsp, Kfe = rsp_fe(beta)
    kernels = {
        "pwalk": np.linalg.pinv(I - alpha / rho * A),
        "forest": np.linalg.inv(I + tf * L),
        "heat": sl.expm(-tf * L),
        "nheat": sl.expm(-tf * Ls),
        "comm": sl.expm(tf * A),
        "ct": Lp,
        "sct": 1.0 / (1.0 + np.exp(-tf * Lp / Lp.std())),
        "spct": d_to_k(alpha * SP + (1 - alpha) * 2 * CT),
        "rsp": Krsp,
        "fe": Kfe,
    }
    for name, K in kernels.items():
        put("K_%s_%g" % (name, alpha), K)
        if name in ("pwalk", "forest", "heat", "nheat", "comm", "sct"):
            put("logK_%s_%g" % (name, alpha), np.log(K))

# NetworkX on the unweighted graph: communicability exp(A) and the resistance distance.
B = nx.Graph(G.edges())
put("B", nx.to_numpy_array(B, nodelist=range(n), weight=None))
comm = nx.communicability_exp(B)
put("nx_communicability", [[comm[i][j] for j in range(n)] for i in range(n)])
put("nx_resistance", [[0.0 if i == j else nx.resistance_distance(B, i, j) for j in range(n)] for i in range(n)])

# Adjusted Rand index cases (scikit-learn).
lab_rng = np.random.default_rng(11)
cases = [
    ([0, 0, 1, 1], [0, 0, 1, 1]),
    ([0, 0, 1, 1], [1, 1, 0, 0]),
    ([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]),
    ([0, 0, 1, 2], [0, 0, 1, 1]),
    ([0, 1, 2, 3], [0, 0, 0, 0]),
    ([5, 5, 5, 5], [0, 0, 0, 0]),
    (list(lab_rng.integers(0, 3, 50)), list(lab_rng.integers(0, 4, 50))),
    (list(lab_rng.integers(0, 5, 200)), list(lab_rng.integers(-2, 2, 200))),
]
for i, (a, b) in enumerate(cases):
    put("ari_true_%d" % i, a)
    put("ari_pred_%d" % i, b)
    put("ari_value_%d" % i, [adjusted_rand_score(a, b)])

here = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(here, "graph_reference.txt"), "w") as f:
    f.write("# made by make_graph_reference.py (NumPy %s, SciPy, NetworkX %s)\n" % (np.__version__, nx.__version__))
    f.write("\n".join(out) + "\n")
