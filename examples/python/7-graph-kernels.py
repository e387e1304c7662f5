"""Graph kernels on a NetworkX graph through the geomrt Python binding (the pair of
examples/c/7-graph-clustering.c and examples/r/7-graph-igraph.R): the adjacency goes in as a
scipy.sparse CSR matrix without a copy, the logarithmic Communicability kernel clusters Zachary's
karate club, and graph.kernel_apply multiplies by a heat kernel on a 10,000-node graph without forming it.
Run with the package on the path:  PYTHONPATH=<build>/lib/geomrt/python python3 7-graph-kernels.py
(needs NetworkX and SciPy; exits 77, "skipped", without them)
"""
import sys

import numpy as np

try:
    import networkx as nx
    import scipy.sparse  # noqa: F401  (networkx.to_scipy_sparse_array needs it)
except ImportError:
    print("skipped: needs networkx and scipy")
    sys.exit(77)

import geomrt


def csr_int64(A):
    """geomrt's CSR indices are int64: convert SciPy's int32 index arrays once, in place. The
    binding then passes indptr, indices and data to the runtime as they are (no copy)."""
    A.indices = A.indices.astype(np.int64)
    A.indptr = A.indptr.astype(np.int64)
    return A


G = nx.karate_club_graph()
A = csr_int64(nx.to_scipy_sparse_array(G, nodelist=range(34), weight=None, dtype=np.float64, format="csr"))
clubs = np.array([0 if G.nodes[i]["club"] == "Mr. Hi" else 1 for i in range(34)], dtype=np.int64)
assert np.ascontiguousarray(A.indices, dtype=np.int64) is A.indices  # what the binding does: no copy

with geomrt.Runtime() as rt:
    # One call, one eigendecomposition: the logComm kernel for 9 values of alpha (9 x 34 x 34).
    alphas = np.linspace(0.1, 0.9, 9)
    scan = rt.invoke("graph.kernel", {"A": A, "alphas": alphas}, {"kernel": "comm", "log": True})
    print("graph.kernel scan: K %s, D %s, t = %s" % (scan["K"].shape, scan["D"].shape, np.round(scan["t_values"], 3)))
    best = (-1.0, None)
    for a, K in zip(alphas, scan["K"]):
        labels = rt.invoke("graph.kernel_kmeans", {"K": K}, {"k": 2, "seed": 0})["labels"]
        ari = rt.invoke("graph.adjusted_rand_index", {"labels_true": clubs, "labels_pred": labels})["ari"]
        best = max(best, (ari, a))
    print("karate club, logComm + kernel k-means: best ARI %.3f at alpha = %.1f" % best)
    ward = rt.invoke("graph.ward", {"K": scan["K"][2]}, {"k": 2})["labels"]
    print("karate club, logComm (alpha 0.3) + Ward: ARI %.3f" %
          rt.invoke("graph.adjusted_rand_index", {"labels_true": clubs, "labels_pred": ward})["ari"])

    # A 10,000-node planted-partition graph from NetworkX, heat kernel times 2 vectors, never forming K.
    big = nx.random_partition_graph([2500] * 4, 0.004, 0.0004, seed=1)
    B = csr_int64(nx.to_scipy_sparse_array(big, weight=None, dtype=np.float64, format="csr"))
    Y = np.random.default_rng(0).standard_normal((B.shape[0], 2))
    out = rt.invoke("graph.kernel_apply", {"A": B, "Y": Y}, {"kernel": "heat", "alpha": 0.5})
    # heat kernel rows sum to 1: exp(-tL) 1 = 1
    ones = rt.invoke("graph.kernel_apply", {"A": B, "Y": np.ones((B.shape[0], 1))}, {"kernel": "heat", "alpha": 0.5})
    print("kernel_apply on %d nodes, %d edges: %d Lanczos steps; max |exp(-tL) 1 - 1| = %.1e"
          % (B.shape[0], big.number_of_edges(), out["iterations"], np.abs(ones["KY"] - 1).max()))
    assert best[0] > 0.8 and np.abs(ones["KY"] - 1).max() < 1e-8
