"""Binding results equal the C API's (through the geomrt CLI) to the last bit."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import load_csv, run_cli  # noqa: E402

import geomrt  # noqa: E402


def same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.dtype == b.dtype and a.shape == b.shape and a.tobytes() == b.tobytes()


class BitExactAgainstCli(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rt = geomrt.Runtime()
        cls.rng = np.random.default_rng(20240611)

    @classmethod
    def tearDownClass(cls):
        cls.rt.close()

    def check(self, method, inputs, params=None):
        got = self.rt.invoke(method, inputs, params)
        rc, err, ref = run_cli(method, inputs, params)
        self.assertEqual(rc, 0, err)
        self.assertTrue(got)
        for name, value in got.items():
            if isinstance(value, geomrt.SparseMatrix):
                self.assertTrue(same_bits(value.indptr, ref[name + ".indptr"]), name)
                self.assertTrue(same_bits(value.indices, ref[name + ".indices"]), name)
                self.assertTrue(same_bits(value.data, ref[name + ".values"]), name)
                self.assertTrue(same_bits(value.toarray(), ref[name]), name)
            elif isinstance(value, np.ndarray):
                self.assertTrue(same_bits(value, ref[name]), name)
            else:  # a scalar: float (f64) or int (i64), compared through its exact bits
                self.assertEqual(ref[name].shape, (), name)
                self.assertTrue(same_bits(np.array(value, dtype=ref[name].dtype), ref[name]),
                                "%s: %r vs %r" % (name, value, ref[name][()]))
        return got

    def test_emd_on_the_demo_point_clouds(self):
        xs, xt = load_csv("source.csv"), load_csv("target.csv")
        out = self.check("ot.emd", {"xs": xs, "xt": xt}, {"metric": "sqeuclidean"})
        self.assertEqual(out["plan"].shape, (300, 250))

    def test_emd_with_weights_and_euclidean_metric(self):
        xs, xt = self.rng.normal(size=(40, 3)), self.rng.normal(size=(30, 3))
        a, b = self.rng.random(40), self.rng.random(30)
        a /= a.sum()
        b *= a.sum() / b.sum()
        self.check("ot.emd", {"xs": xs, "xt": xt, "a": a, "b": b}, {"metric": "euclidean"})

    def test_emd_with_a_cost_matrix(self):
        M = self.rng.random((25, 35))
        self.check("ot.emd", {"M": M})

    def test_sinkhorn(self):
        xs, xt = self.rng.normal(size=(60, 2)), self.rng.normal(size=(50, 2)) + 1.0
        out = self.check("ot.sinkhorn", {"xs": xs, "xt": xt}, {"reg": 0.05, "anneal": "true"})
        self.assertEqual(out["plan"].shape, (60, 50))

    def test_wasserstein_1d(self):
        xs, xt = load_csv("source_1d.csv")[:, 0], load_csv("target_1d.csv")[:, 0]
        self.check("ot.wasserstein_1d", {"xs": xs, "xt": xt}, {"p": 2})

    def test_fortran_and_strided_inputs_give_the_same_bits(self):
        xs, xt = self.rng.normal(size=(30, 2)), self.rng.normal(size=(20, 2))
        ref = self.rt.invoke("ot.sinkhorn", {"xs": xs, "xt": xt}, {"reg": 0.1})
        wide = np.zeros((30, 5))
        wide[:, ::2][:, :2] = xs
        for variant in (np.asfortranarray(xs), wide[:, 0:4:2], xs[::-1][::-1]):
            got = self.rt.invoke("ot.sinkhorn", {"xs": variant, "xt": xt}, {"reg": 0.1})
            for name in ref:
                self.assertTrue(same_bits(got[name], ref[name]), name)


if __name__ == "__main__":
    unittest.main()
