"""The idiomatic Python API: Runtime, methods/describe/plugins, invoke conversions, outputs."""
import os
import sys
import threading
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import geomrt  # noqa: E402


class Api(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rt = geomrt.Runtime()
        rng = np.random.default_rng(42)
        cls.xs, cls.xt = rng.normal(size=(12, 2)), rng.normal(size=(9, 2)) + 0.5

    @classmethod
    def tearDownClass(cls):
        cls.rt.close()

    def test_version(self):
        self.assertEqual(geomrt.version(), geomrt.__version__)
        self.assertRegex(geomrt.version(), r"^\d+\.\d+\.\d+")

    def test_methods_lists_names_and_summaries(self):
        methods = self.rt.methods()
        for name in ("ot.emd", "ot.sinkhorn", "ot.wasserstein_1d"):
            self.assertIn(name, methods)
            self.assertTrue(methods[name])
        self.assertEqual(list(methods), sorted(methods))

    def test_describe_parses_the_json_descriptor(self):
        d = self.rt.describe("ot.sinkhorn")
        self.assertEqual(d["name"], "ot.sinkhorn")
        self.assertEqual([s["name"] for s in d["outputs"]][:3], ["plan", "f", "g"])
        reg = [p for p in d["params"] if p["name"] == "reg"][0]
        self.assertTrue(reg["required"])
        with self.assertRaises(geomrt.NotFoundError):
            self.rt.describe("ot.nothing")

    def test_plugins_report(self):
        report = self.rt.plugins()
        self.assertTrue(any(p["loaded"] and p["name"] == "ot" for p in report))

    def test_emd_outputs(self):
        out = self.rt.invoke("ot.emd", {"xs": self.xs, "xt": self.xt})
        self.assertEqual(list(out), ["plan", "alpha", "beta", "cost", "iterations"])
        plan = out["plan"]
        self.assertIsInstance(plan, geomrt.SparseMatrix)
        self.assertEqual(plan.shape, (12, 9))
        self.assertEqual(plan.indptr.dtype, np.int64)
        self.assertEqual(plan.indptr.shape, (13,))
        self.assertLessEqual(plan.nnz, 12 + 9 - 1)
        dense = plan.toarray()
        np.testing.assert_allclose(dense.sum(axis=1), np.full(12, 1 / 12), rtol=1e-12)
        np.testing.assert_allclose(dense.sum(axis=0), np.full(9, 1 / 9), rtol=1e-12)
        self.assertIsInstance(out["cost"], float)
        self.assertIsInstance(out["iterations"], int)
        self.assertEqual(out["alpha"].dtype, np.float64)
        self.assertEqual(out["alpha"].shape, (12,))
        C = ((self.xs[:, None, :] - self.xt[None, :, :]) ** 2).sum(-1)
        self.assertAlmostEqual(out["cost"], float((dense * C).sum()), places=12)
        try:
            import scipy.sparse  # noqa: F401
        except ImportError:
            return
        np.testing.assert_array_equal(plan.tocsr().toarray(), dense)

    def test_sinkhorn_outputs_and_parameter_types(self):
        base = self.rt.invoke("ot.sinkhorn", {"xs": self.xs, "xt": self.xt}, {"reg": 0.5})
        self.assertEqual(base["plan"].shape, (12, 9))
        self.assertEqual(base["plan"].dtype, np.float64)
        self.assertTrue(base["plan"].flags.c_contiguous)
        # int, numpy scalars, text, bool: the same parameters given other ways.
        for params in ({"reg": np.float64(0.5)}, {"reg": "0.5"}, {"reg": 0.5, "anneal": True},
                       {"reg": 0.5, "anneal": np.bool_(True), "metric": "sqeuclidean"},
                       {"reg": 0.5, "max_iter": np.int32(100000)}):
            out = self.rt.invoke("ot.sinkhorn", {"xs": self.xs, "xt": self.xt}, params)
            self.assertEqual(out["cost"], base["cost"], params)
        one = self.rt.invoke("ot.sinkhorn", {"xs": self.xs, "xt": self.xt}, {"reg": 1})
        self.assertEqual(one["cost"], self.rt.invoke("ot.sinkhorn", {"xs": self.xs, "xt": self.xt},
                                                     {"reg": 1.0})["cost"])

    def test_threads_do_not_change_results(self):
        a = self.rt.invoke("ot.sinkhorn", {"xs": self.xs, "xt": self.xt}, {"reg": 0.2}, threads=1)
        b = self.rt.invoke("ot.sinkhorn", {"xs": self.xs, "xt": self.xt}, {"reg": 0.2}, threads=2)
        self.assertEqual(a["plan"].tobytes(), b["plan"].tobytes())
        with self.assertRaises(geomrt.InvalidArgumentError):
            self.rt.invoke("ot.sinkhorn", {"xs": self.xs, "xt": self.xt}, {"reg": 0.2}, threads=-1)

    def test_inputs_in_any_form(self):
        ref = self.rt.invoke("ot.emd", {"xs": self.xs, "xt": self.xt})
        for xs in (self.xs.tolist(), np.asfortranarray(self.xs), self.xs.astype(">f8"),
                   np.array(self.xs, order="F")[:, :]):
            out = self.rt.invoke("ot.emd", {"xs": xs, "xt": self.xt})
            self.assertEqual(out["cost"], ref["cost"])
        ints = np.arange(10, dtype=np.int32)
        out = self.rt.invoke("ot.wasserstein_1d", {"xs": ints, "xt": [0.5, 2.5]})
        self.assertEqual(out["cost"], self.rt.invoke(
            "ot.wasserstein_1d", {"xs": ints.astype(np.float64), "xt": np.array([0.5, 2.5])})["cost"])

    def test_a_cost_matrix_input(self):
        C = ((self.xs[:, None, :] - self.xt[None, :, :]) ** 2).sum(-1)
        by_points = self.rt.invoke("ot.emd", {"xs": self.xs, "xt": self.xt})
        by_matrix = self.rt.invoke("ot.emd", {"M": C})
        self.assertAlmostEqual(by_points["cost"], by_matrix["cost"], places=12)
        by_fortran = self.rt.invoke("ot.emd", {"M": np.asfortranarray(C)})
        self.assertEqual(by_fortran["cost"], by_matrix["cost"])

    def test_runtime_options(self):
        with geomrt.Runtime(default_search=False) as empty:
            self.assertEqual(empty.methods(), {})
            with self.assertRaises(geomrt.NotFoundError):
                empty.invoke("ot.emd", {"xs": self.xs, "xt": self.xt})
            plugin = [p["path"] for p in self.rt.plugins()
                      if p["loaded"] and "geomrt_ot" in os.path.basename(p["path"])][0]
            empty.load_plugin(plugin)
            self.assertIn("ot.emd", empty.methods())
        plugin_dir = os.path.dirname(plugin)
        with geomrt.Runtime(plugin_paths=[plugin_dir], default_search=False) as rt:
            self.assertIn("ot.sinkhorn", rt.methods())
        with geomrt.Runtime(plugin_paths=os.path.join(plugin_dir, "missing.so"), default_search=False) as rt:
            self.assertFalse(any(p["loaded"] for p in rt.plugins()))

    def test_concurrent_invokes(self):
        ref = self.rt.invoke("ot.sinkhorn", {"xs": self.xs, "xt": self.xt}, {"reg": 0.3}, threads=1)
        errors = []

        def worker():
            try:
                for _ in range(20):
                    out = self.rt.invoke("ot.sinkhorn", {"xs": self.xs, "xt": self.xt}, {"reg": 0.3},
                                         threads=1)
                    if out["plan"].tobytes() != ref["plan"].tobytes():
                        errors.append("different result")
            except Exception as e:  # noqa: BLE001
                errors.append(repr(e))

        threads = [threading.Thread(target=worker) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])

    def test_the_readme_snippet_runs(self):
        doc = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "docs",
                           "bindings-python-java.md")
        if not os.path.exists(doc):
            self.skipTest("no docs/bindings-python-java.md")
        with open(doc) as f:
            text = f.read()
        snippet = text.split("```python\n", 1)[1].split("```", 1)[0]
        scope = {}
        exec(compile(snippet, doc, "exec"), scope)  # noqa: S102
        self.assertGreater(scope["exact"]["cost"], 0)
        self.assertGreater(scope["entropic"]["cost"], 0)

    def test_sparse_matrix(self):
        m = geomrt.SparseMatrix((2, 3), [0, 1, 3], [2, 0, 1], [1.0, 2.0, 3.0])
        np.testing.assert_array_equal(m.toarray(), [[0, 0, 1], [2, 3, 0]])
        self.assertEqual(m.nnz, 3)
        self.assertIn("nnz=3", repr(m))


if __name__ == "__main__":
    unittest.main()
