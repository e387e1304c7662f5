#!/usr/bin/python3
"""Export scikit-learn's bundled 8x8 digits (UCI optdigits test set, 1797 images) to .npy files
the examples read without Python:

    examples/data/digits_x.npy     1797 x 64 float64, pixel values / 16 (in [0, 1])
    examples/data/digits_y.npy     1797 int64 labels 0..9
    examples/data/digits_perm.npy  1797 int64: a fixed permutation (numpy default_rng(0));
                                   programs train on x[perm[:1400]] and test on x[perm[1400:]]

Run once (needs Debian's python3-sklearn): /usr/bin/python3 examples/data/export_digits.py
"""
import os

import numpy as np
from sklearn.datasets import load_digits

here = os.path.dirname(os.path.abspath(__file__))
d = load_digits()
x = np.ascontiguousarray(d.data, dtype=np.float64) / 16.0
y = np.ascontiguousarray(d.target, dtype=np.int64)
perm = np.random.default_rng(0).permutation(len(y)).astype(np.int64)
assert x.shape == (1797, 64) and y.shape == (1797,) and x.min() == 0.0 and x.max() == 1.0
np.save(os.path.join(here, "digits_x.npy"), x)
np.save(os.path.join(here, "digits_y.npy"), y)
np.save(os.path.join(here, "digits_perm.npy"), perm)
print("wrote digits_x.npy", x.shape, "digits_y.npy", y.shape, "digits_perm.npy", perm.shape,
      "labels", np.bincount(y).tolist())
