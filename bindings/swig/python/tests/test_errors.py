"""Runtime errors surface as geomrt.Error subclasses with the runtime's code and message."""
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import CLI, run_cli  # noqa: E402

import geomrt  # noqa: E402


class Errors(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rt = geomrt.Runtime()
        rng = np.random.default_rng(3)
        cls.xs, cls.xt = rng.normal(size=(8, 2)), rng.normal(size=(6, 2))

    @classmethod
    def tearDownClass(cls):
        cls.rt.close()

    def raises(self, cls, method, inputs, params=None):
        with self.assertRaises(cls) as ctx:
            self.rt.invoke(method, inputs, params)
        e = ctx.exception
        self.assertIsInstance(e, geomrt.Error)
        self.assertEqual(e.code, cls.code)
        self.assertEqual(e.code_name, cls.code_name)
        self.assertEqual(str(e), e.message)
        self.assertTrue(e.message)
        return e

    def same_message_as_cli(self, e, method, inputs, params=None):
        """The CLI prints `geomrt: <the runtime's message>` and exits with status 2."""
        if not CLI:
            return
        rc, err, _ = run_cli(method, inputs, params)
        self.assertEqual(rc, 2)
        self.assertEqual(err, "geomrt: " + e.message)

    def test_unknown_method(self):
        e = self.raises(geomrt.NotFoundError, "ot.no_such_method", {"xs": self.xs})
        self.assertIn("ot.no_such_method", e.message)
        self.assertIsInstance(e, LookupError)

    def test_bad_parameter_value(self):
        inputs, params = {"xs": self.xs, "xt": self.xt}, {"reg": -1.0}
        e = self.raises(geomrt.InvalidArgumentError, "ot.sinkhorn", inputs, params)
        self.assertEqual(e.message, "ot.sinkhorn: parameter 'reg' must be > 0, got -1")
        self.assertIsInstance(e, ValueError)
        self.same_message_as_cli(e, "ot.sinkhorn", inputs, params)

    def test_unknown_parameter(self):
        inputs, params = {"xs": self.xs, "xt": self.xt}, {"reg": 0.1, "bogus": 1}
        e = self.raises(geomrt.NotFoundError, "ot.sinkhorn", inputs, params)
        self.assertEqual(e.message, "ot.sinkhorn: unknown parameter 'bogus'; parameters are: "
                         + ", ".join(p["name"] for p in self.rt.describe("ot.sinkhorn")["params"]))

    def test_bad_enum_parameter(self):
        inputs, params = {"xs": self.xs, "xt": self.xt}, {"metric": "nope"}
        e = self.raises(geomrt.InvalidArgumentError, "ot.emd", inputs, params)
        self.assertIn("nope", e.message)
        self.same_message_as_cli(e, "ot.emd", inputs, params)

    def test_missing_required_parameter(self):
        e = self.raises(geomrt.InvalidArgumentError, "ot.sinkhorn", {"xs": self.xs, "xt": self.xt})
        self.assertIn("reg", e.message)

    def test_nan_input(self):
        xs = self.xs.copy()
        xs[3, 1] = np.nan
        inputs = {"xs": xs, "xt": self.xt}
        e = self.raises(geomrt.InvalidArgumentError, "ot.emd", inputs)
        self.assertIn("xs", e.message)
        self.same_message_as_cli(e, "ot.emd", inputs)

    def test_nan_in_a_fortran_order_input(self):
        xs = np.asfortranarray(self.xs)
        xs[0, 0] = np.inf
        self.raises(geomrt.InvalidArgumentError, "ot.emd", {"xs": xs, "xt": self.xt})

    def test_shape_mismatch(self):
        e = self.raises(geomrt.ShapeError, "ot.emd", {"xs": self.xs, "xt": np.ones((6, 3))})
        self.assertIn("xt", e.message)

    def test_negative_weights(self):
        a = np.full(8, 1 / 8)
        a[0] = -a[0]
        self.raises(geomrt.InvalidArgumentError, "ot.emd", {"xs": self.xs, "xt": self.xt, "a": a})

    def test_binding_errors_are_python_errors(self):
        with self.assertRaises(TypeError):
            self.rt.invoke("ot.emd", {"xs": self.xs, "xt": self.xt}, {"metric": object()})
        with self.assertRaises((TypeError, ValueError)):
            self.rt.invoke("ot.emd", {"xs": np.array(["a", "b"]), "xt": self.xt})

    def test_a_closed_runtime(self):
        rt = geomrt.Runtime()
        rt.close()
        rt.close()
        self.assertTrue(rt.closed)
        with self.assertRaises(geomrt.InvalidArgumentError) as ctx:
            rt.invoke("ot.emd", {"xs": self.xs, "xt": self.xt})
        self.assertIn("closed", str(ctx.exception))

    def test_errors_pickle(self):
        import pickle
        e = pickle.loads(pickle.dumps(geomrt.NotFoundError("x", -2)))
        self.assertIsInstance(e, geomrt.NotFoundError)
        self.assertEqual((e.code, e.message), (-2, "x"))

    def test_the_runtime_still_works_after_errors(self):
        for _ in range(3):
            with self.assertRaises(geomrt.Error):
                self.rt.invoke("ot.sinkhorn", {"xs": self.xs, "xt": self.xt}, {"reg": 0})
        out = self.rt.invoke("ot.emd", {"xs": self.xs, "xt": self.xt})
        self.assertGreater(out["cost"], 0)


if __name__ == "__main__":
    unittest.main()
