"""Shared helpers of the Python binding tests (run by CTest with PYTHONPATH set)."""
import os
import subprocess
import tempfile
import unittest

import numpy as np

import geomrt

CLI = os.environ.get("GEOMRT_CLI")
DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "..", "examples", "data")


def load_csv(name):
    return np.loadtxt(os.path.join(DATA, name), delimiter=",", comments="#", ndmin=2)


def rss_kib():
    """Resident set size of this process in KiB (/proc/self/status VmRSS)."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS in /proc/self/status")


def run_cli(method, inputs, params=None, threads=0):
    """Run `geomrt run` on the same inputs (saved as .npy); return (returncode, stderr,
    outputs) where outputs maps each written file stem to its array."""
    if not CLI:
        raise unittest.SkipTest("GEOMRT_CLI is not set (the geomrt CLI is not built)")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [CLI, "run", method, "--quiet", "--threads", str(threads), "--out", os.path.join(tmp, "out")]
        for name, arr in inputs.items():
            path = os.path.join(tmp, "in_%s.npy" % name)
            np.save(path, arr)
            cmd += ["--input", "%s=%s" % (name, path)]
        for key, value in (params or {}).items():
            cmd += ["--param", "%s=%s" % (key, value)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        outputs = {}
        out_dir = os.path.join(tmp, "out")
        if proc.returncode == 0:
            for f in os.listdir(out_dir):
                outputs[f[:-len(".npy")]] = np.load(os.path.join(out_dir, f))
        return proc.returncode, proc.stderr.strip(), outputs
