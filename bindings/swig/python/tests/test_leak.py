"""Nothing leaks over 10^4 invocations: RSS after 10^4 calls stays within a small slack of
RSS after warm-up. Every call allocates native results far larger than the slack (a dense
sinkhorn plan is 16 KB, so leaking results would add ~40 MB), and failing calls are mixed in."""
import gc
import os
import sys
import unittest

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _common import rss_kib  # noqa: E402

import geomrt  # noqa: E402

CALLS = 10 ** 4
WARMUP = 1000
SLACK_KIB = 4096


class NoLeak(unittest.TestCase):
    def test_rss_is_flat_over_ten_thousand_calls(self):
        rng = np.random.default_rng(1)
        xs, xt = rng.normal(size=(50, 2)), rng.normal(size=(40, 2))
        xf = np.asfortranarray(xs)
        x1 = rng.normal(size=5000)
        bad = xs.copy()
        bad[0, 0] = np.nan

        def call(i, rt):
            k = i % 5
            if k == 0:
                out = rt.invoke("ot.sinkhorn", {"xs": xs, "xt": xt}, {"reg": 0.5, "anneal": False}, threads=1)
                assert out["plan"].shape == (50, 40)
            elif k == 1:
                out = rt.invoke("ot.emd", {"xs": xf, "xt": xt}, threads=1)
                assert out["plan"].nnz > 0
            elif k == 2:
                out = rt.invoke("ot.wasserstein_1d", {"xs": x1, "xt": x1[::2] + 1.0}, {"p": 1}, threads=1)
                assert out["cost"] > 0
            elif k == 3:
                try:
                    rt.invoke("ot.emd", {"xs": bad, "xt": xt})
                    raise AssertionError("NaN accepted")
                except geomrt.InvalidArgumentError:
                    pass
            else:
                try:
                    rt.invoke("ot.sinkhorn", {"xs": xs, "xt": xt}, {"reg": -1})
                    raise AssertionError("reg=-1 accepted")
                except geomrt.InvalidArgumentError:
                    pass

        with geomrt.Runtime() as rt:
            for i in range(WARMUP):
                call(i, rt)
            gc.collect()
            before = rss_kib()
            for i in range(CALLS):
                call(i, rt)
            gc.collect()
            after = rss_kib()
        print("\n  RSS after %d warm-up calls: %d KiB; after %d more calls: %d KiB (growth %+d KiB)"
              % (WARMUP, before, CALLS, after, after - before))
        self.assertLess(after - before, SLACK_KIB)

    def test_runtimes_are_freed(self):
        def cycle():
            with geomrt.Runtime() as rt:
                rt.invoke("ot.wasserstein_1d", {"xs": [0.0, 1.0], "xt": [2.0]})
        for _ in range(20):
            cycle()
        gc.collect()
        before = rss_kib()
        for _ in range(200):
            cycle()
        gc.collect()
        after = rss_kib()
        print("\n  RSS over 200 runtime open/close cycles: %+d KiB" % (after - before))
        self.assertLess(after - before, SLACK_KIB)


if __name__ == "__main__":
    unittest.main()
