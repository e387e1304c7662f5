"""Strided, in-place, sparse and typed-parameter paths, through the core tests' fixture plugin
(tests/fixtures/test_plugin.cpp, built into <build>/tests/plugins/good)."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import geomrt  # noqa: E402

PLUGIN_DIR = os.environ.get("GEOMRT_TEST_PLUGIN_DIR", "")


@unittest.skipUnless(os.path.isdir(PLUGIN_DIR), "the fixture plugin is not built")
class Fixture(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rt = geomrt.Runtime(plugin_paths=[PLUGIN_DIR], default_search=False)

    @classmethod
    def tearDownClass(cls):
        cls.rt.close()

    def test_a_strided_method_sees_the_arrays_own_strides(self):
        x = np.asfortranarray(np.arange(12.0).reshape(4, 3))
        out = self.rt.invoke("test.strided", {"x": x})
        np.testing.assert_array_equal(out["strides"], [1, 4])  # column-major, in elements
        weights = np.arange(12.0).reshape(4, 3)
        self.assertEqual(out["weighted"], float((weights * x).sum()))
        wide = np.arange(24.0).reshape(4, 6)
        out = self.rt.invoke("test.strided", {"x": wide[:, ::2]})
        np.testing.assert_array_equal(out["strides"], [6, 2])
        self.assertEqual(out["weighted"], float((weights * wide[:, ::2]).sum()))
        self.assertEqual(geomrt._debug_last_input_address("x"), wide.ctypes.data)

    def test_echo_with_optional_input_and_parameter(self):
        x = np.arange(6.0).reshape(2, 3)
        out = self.rt.invoke("test.echo", {"x": np.asfortranarray(x), "w": [1.0, 2.0]}, {"scale": 2})
        np.testing.assert_array_equal(out["y"], x)
        self.assertEqual(out["sum"], 18.0)
        self.assertEqual(out["scale"], 2.0)
        with self.assertRaises(geomrt.ShapeError):
            self.rt.invoke("test.echo", {"x": x, "w": [1.0, 2.0, 3.0]})

    def test_in_place_state_is_updated_only_on_success(self):
        state = np.zeros(5)
        out = self.rt.invoke("test.accumulate", {"state": state}, {"delta": 2.5})
        np.testing.assert_array_equal(state, np.full(5, 2.5))
        self.assertEqual(out["total"], 12.5)
        with self.assertRaises(geomrt.InvalidArgumentError) as ctx:
            self.rt.invoke("test.accumulate", {"state": state}, {"delta": 1, "fail": True})
        self.assertEqual(str(ctx.exception), "test.accumulate: asked to fail")
        np.testing.assert_array_equal(state, np.full(5, 2.5))
        grid = np.zeros((3, 4))
        self.rt.invoke("test.accumulate", {"state": grid[:, 1::2]})  # a strided view, written through
        np.testing.assert_array_equal(grid, np.tile([0.0, 1.0, 0.0, 1.0], (3, 1)))
        with self.assertRaises(ValueError):
            ro = np.zeros(3)
            ro.flags.writeable = False
            self.rt.invoke("test.accumulate", {"state": ro})
        with self.assertRaises(TypeError):
            self.rt.invoke("test.accumulate", {"state": np.zeros(3, dtype=np.float32)})

    def test_sparse_input_and_output(self):
        a = geomrt.SparseMatrix((2, 3), [0, 2, 3], [0, 2, 1], [1.0, 2.0, 3.0])
        out = self.rt.invoke("test.sparse", {"A": a})
        np.testing.assert_array_equal(out["rowsum"], [3.0, 3.0])
        np.testing.assert_array_equal(out["T"].toarray(), a.toarray().T)
        try:
            import scipy.sparse
        except ImportError:
            return
        out = self.rt.invoke("test.sparse", {"A": scipy.sparse.csr_matrix(a.toarray())})
        np.testing.assert_array_equal(out["T"].toarray(), a.toarray().T)
        with self.assertRaises(geomrt.InvalidArgumentError):
            self.rt.invoke("test.sparse", {"A": geomrt.SparseMatrix((1, 2), [0, 1], [0], [-1.0])})

    def test_parameter_types(self):
        out = self.rt.invoke("test.params", {}, {"f": 0.25, "i": np.int64(42), "b": True, "mode": "exact", "s": "abc"})
        self.assertEqual((out["f"], out["i"], out["b"], out["mode_len"]), (0.25, 42, 1, 305))
        self.assertIsInstance(out["i"], int)
        with self.assertRaises(geomrt.InvalidArgumentError):
            self.rt.invoke("test.params", {}, {"f": 0.25, "i": 100})
        with self.assertRaises(geomrt.DTypeError):
            self.rt.invoke("test.params", {}, {"f": 0.25, "i": 1.5})  # not an integer: the wrong kind
        with self.assertRaises(geomrt.DTypeError):
            self.rt.invoke("test.params", {}, {"f": True})


if __name__ == "__main__":
    unittest.main()
