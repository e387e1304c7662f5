"""Exact and entropic optimal transport between two small point clouds through the geomrt
Python binding (the pair of examples/c/1-emd.c and examples/java/Emd.java).
Run with the package on the path:  PYTHONPATH=<build>/lib/geomrt/python python3 1-emd.py
"""
import sys

import numpy as np

import geomrt

# Four points on the unit square and the same points shifted by (0.5, 0.25).
xs = np.array([[0, 0], [1, 0], [0, 1], [1, 1]], dtype=np.float64)
xt = xs + [0.5, 0.25]
a = np.array([0.1, 0.2, 0.3, 0.4])

with geomrt.Runtime() as rt:
    inputs = {"xs": xs, "xt": xt, "a": a, "b": a}

    exact = rt.invoke("ot.emd", inputs)
    print("exact OT cost (ot.emd):       %.12f  (%d plan entries; expected 0.3125 = |(0.5,0.25)|^2)"
          % (exact["cost"], exact["plan"].nnz))

    entropic = rt.invoke("ot.sinkhorn", inputs, {"reg": 0.01})
    print("entropic OT cost (ot.sinkhorn, reg=0.01): %.12f" % entropic["cost"])

    # Errors are exceptions carrying the runtime's code and message.
    try:
        rt.invoke("ot.sinkhorn", inputs, {"reg": -1.0})
        error = None
    except geomrt.InvalidArgumentError as e:
        error = e
        print("reg=-1 gives %s: %s" % (e.code_name, e))

sys.exit(0 if abs(exact["cost"] - 0.3125) < 1e-4 and error is not None else 1)
