"""Kernel k-means in vectorized NumPy, written the way scikit-learn writes k-means: k-means++ seeding
(one candidate per step, as the original algorithm), Lloyd iterations with the cluster distances of a
whole iteration from one matrix product, best inertia of n_init runs. The peer of graph.kernel_kmeans
in bench/bench_graph.py (same algorithm, not the same random stream)."""
import numpy as np


def _kmeanspp(K, k, rng):
    n = K.shape[0]
    diag = np.diag(K)
    centres = [int(rng.integers(n))]
    near = np.maximum(diag + diag[centres[0]] - 2 * K[:, centres[0]], 0)
    for _ in range(1, k):
        total = near.sum()
        c = int(rng.choice(n, p=near / total)) if total > 0 else int(rng.integers(n))
        centres.append(c)
        near = np.minimum(near, np.maximum(diag + diag[c] - 2 * K[:, c], 0))
    d = diag[:, None] + diag[centres][None, :] - 2 * K[:, centres]
    return np.argmin(d, axis=1)


def _distances(K, labels, k):
    n = K.shape[0]
    Z = np.zeros((n, k))
    Z[np.arange(n), labels] = 1.0
    size = Z.sum(0)
    size[size == 0] = np.inf
    S = K @ Z / size  # mean similarity of each point to each cluster
    g = np.einsum("ic,ic->c", Z, S) / size  # mean within-cluster similarity
    return np.diag(K)[:, None] - 2 * S + g[None, :]


def kernel_kmeans_numpy(K, k, n_init=10, max_iter=300, seed=0):
    rng = np.random.default_rng(seed)
    best_lab, best_inertia = None, np.inf
    for _ in range(n_init):
        labels = _kmeanspp(K, k, rng)
        for _ in range(max_iter):
            d = _distances(K, labels, k)
            new = np.argmin(d, axis=1)
            if np.array_equal(new, labels):
                break
            labels = new
        d = _distances(K, labels, k)
        inertia = d[np.arange(len(labels)), labels].sum()
        if inertia < best_inertia:
            best_lab, best_inertia = labels, inertia
    return best_lab, best_inertia
