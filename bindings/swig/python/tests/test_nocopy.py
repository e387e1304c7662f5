"""float64 arrays reach the runtime without a copy, whatever their layout.

Two independent checks on a 10^6-element input of ot.wasserstein_1d:
  * the data address the facade handed to geomrt_args_set_tensor (a test hook) equals
    arr.ctypes.data;
  * tracemalloc (which sees every numpy allocation) shows no allocation of the input's size
    during invoke(); a control run with a float32 input, which must be converted, shows one.
"""
import os
import sys
import tracemalloc
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import geomrt  # noqa: E402

N = 10 ** 6


def peak_during(fn):
    """Peak bytes traced by tracemalloc while fn() runs, above the level before it."""
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        tracemalloc.reset_peak()
        fn()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


class NoCopy(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.rt = geomrt.Runtime()
        rng = np.random.default_rng(11)
        cls.xs = rng.standard_normal(N)
        cls.xt = rng.standard_normal(1000) + 2.0

    @classmethod
    def tearDownClass(cls):
        cls.rt.close()

    def w1d(self, xs):
        return self.rt.invoke("ot.wasserstein_1d", {"xs": xs, "xt": self.xt}, {"p": 2})

    def test_a_million_doubles_are_passed_by_address(self):
        out = self.w1d(self.xs)
        self.assertEqual(geomrt._debug_last_input_address("xs"), self.xs.ctypes.data)
        self.assertEqual(geomrt._debug_last_input_address("xt"), self.xt.ctypes.data)
        self.assertGreater(out["cost"], 1.5)

    def test_no_allocation_of_the_input_size_during_invoke(self):
        self.w1d(self.xs)  # warm up
        peak = peak_during(lambda: self.w1d(self.xs))
        print("\n  float64 input of %d bytes: peak traced allocation during invoke %d bytes"
              % (self.xs.nbytes, peak))
        self.assertLess(peak, self.xs.nbytes // 8)
        # Control: the same check sees the conversion copy of a float32 input.
        xs32 = self.xs.astype(np.float32)
        peak32 = peak_during(lambda: self.w1d(xs32))
        print("  float32 input (converted): peak traced allocation %d bytes" % peak32)
        self.assertGreaterEqual(peak32, self.xs.nbytes)

    def test_fortran_order_and_strided_views_are_not_copied(self):
        rng = np.random.default_rng(5)
        xs = np.asfortranarray(rng.normal(size=(200, 3)))
        xt = rng.normal(size=(150, 3))
        self.rt.invoke("ot.emd", {"xs": xs, "xt": xt})
        self.assertEqual(geomrt._debug_last_input_address("xs"), xs.ctypes.data)
        every_other = self.xs[::2]
        self.w1d(every_other)
        self.assertEqual(geomrt._debug_last_input_address("xs"), every_other.ctypes.data)
        reversed_view = self.xs[::-1]
        self.w1d(reversed_view)
        self.assertEqual(geomrt._debug_last_input_address("xs"), reversed_view.ctypes.data)

    def test_strided_views_give_the_results_of_their_copies(self):
        for view in (self.xs[::3], self.xs[::-1], self.xs.reshape(1000, 1000)[:, 7]):
            got, ref = self.w1d(view), self.w1d(np.ascontiguousarray(view))
            self.assertEqual(got["cost"], ref["cost"])
            self.assertEqual(got["cost_p"], ref["cost_p"])

    def test_other_dtypes_are_converted(self):
        xs = self.xs[:1000]
        ref = self.w1d(xs)
        for variant in (xs.astype(np.float32).astype(np.float64), list(xs), xs.astype(">f8")):
            got = self.w1d(variant)
            self.assertEqual(got["cost"], self.w1d(np.array(variant, dtype=np.float64))["cost"])
        self.assertEqual(self.w1d(xs.astype(">f8"))["cost"], ref["cost"])
        self.assertNotEqual(geomrt._debug_last_input_address("xs"), 0)


class OutputsAreViews(unittest.TestCase):
    """Dense outputs reach Python without a copy: numpy arrays over the result's memory that keep
    the result alive (and with it the other outputs) until the last of them is gone."""

    def kernel(self, rt, A=None):
        if A is None:
            A = rt.invoke("graph.random_partition", {}, {"n": 400, "classes": 2, "p_in": 0.2, "p_out": 0.02,
                                                         "seed": 3})["A"]
        return rt.invoke("graph.kernel", {"A": A}, {"kernel": "forest", "alpha": 0.5}, threads=1)

    def test_no_numpy_allocation_of_the_output_size(self):
        with geomrt.Runtime() as rt:
            A = rt.invoke("graph.random_partition", {}, {"n": 400, "classes": 2, "p_in": 0.2, "p_out": 0.02,
                                                         "seed": 3})["A"]
            self.kernel(rt, A)  # warm up
            holder = []
            peak = peak_during(lambda: holder.append(self.kernel(rt, A)))
            K = holder[0]["K"]
            print("\n  two %d-byte outputs: peak traced (numpy) allocation during invoke %d bytes" % (K.nbytes, peak))
            self.assertLess(peak, K.nbytes // 4)
            self.assertFalse(K.flags["OWNDATA"])
            self.assertTrue(K.flags["WRITEABLE"])
            self.assertTrue(K.flags["C_CONTIGUOUS"])
            self.assertEqual(K.dtype, np.float64)

    def test_outputs_outlive_the_dict_and_the_runtime(self):
        rt = geomrt.Runtime()
        out = self.kernel(rt)
        K, D = out["K"], out["D"]
        Kc, Dc = K.copy(), D.copy()
        del out
        rt.close()
        import gc
        gc.collect()
        # new allocations would reuse freed memory
        junk = [np.full((400, 400), 7.0) for _ in range(4)]
        self.assertTrue(np.array_equal(K, Kc))
        self.assertTrue(np.array_equal(D, Dc))
        # D = (k_i + k_j) / 2 - K_ij holds on the views
        k = np.diag(K)
        self.assertLess(np.abs(0.5 * (k[:, None] + k[None, :]) - K - D).max(), 1e-12)
        K[0, 0] = -1.0  # writable; D is unaffected
        self.assertTrue(np.array_equal(D, Dc))
        del junk

    def test_float32_and_int64_outputs_keep_their_dtype(self):
        with geomrt.Runtime() as rt:
            r = rt.invoke("graph.random_partition", {}, {"n": 50, "classes": 3, "p_in": 0.5, "p_out": 0.1, "seed": 1})
            lab = r["labels"]
            self.assertEqual(lab.dtype, np.int64)
            self.assertEqual(sorted(set(lab.tolist())), [0, 1, 2])


if __name__ == "__main__":
    unittest.main()
