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


if __name__ == "__main__":
    unittest.main()
