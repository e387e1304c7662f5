#!/usr/bin/python3
"""Write the seed corpus of fuzz_args (tests/fuzz/corpus/fuzz_args/).

Each seed is a small program in fuzz_args's byte encoding (see fuzz_args.cpp): fill the
harness's buffer, set tensors and parameters, invoke a method. Names are encoded as indices
into the sorted lists the harness builds from the loaded descriptors, so this script asks the
built command-line tool for the descriptors of the ot plugin and the test fixture.

usage: make_args_seeds.py GEOMRT_CLI FIXTURE_PLUGIN_DIR OUT_DIR
"""
import json
import os
import subprocess
import sys

cli, fixture_dir, out_dir = sys.argv[1:4]


def run(*args):
    return subprocess.run([cli, "--plugin-path", fixture_dir, *args], check=True, capture_output=True,
                          text=True).stdout


methods = sorted(line.split()[0] for line in run("list").splitlines() if line.strip())
inputs, params = {"no_such_input"}, {"no_such_param"}
strings = {"2.5", "abc", "", "1e19", "nan", "true", "false", "0", "7", "-1", "1e-3", "inf", "0x10", " 3", "3 ",
           "1e308", "9223372036854775807", "64"}
for m in methods:
    d = json.loads(run("describe", m, "--json"))
    inputs.update(s["name"] for s in d["inputs"])
    for p in d["params"]:
        params.add(p["name"])
        strings.update(p.get("choices", []))
inputs, params, strings = sorted(inputs), sorted(params), sorted(strings)

DOUBLES = [0.0, 1.0, -1.0, 0.5, 2.0, 3.0, 0.25, 1e-3, 100.0, 2.5, 1e300, -1e300, 1e-300, 4.6e18, 9.3e18, -0.0,
           "nan", "inf", "-inf", 0.1, 7.0]
INTS = [0, 1, 2, 3, 5, 7, 64, -1, "min", "max", 1 << 62, 1 << 40, 3037000500]
DTYPE = {"f64": 0, "f32": 3, "i64": 4, "bad": 6}


class Program:
    def __init__(self, seed=0):
        self.b = bytearray([seed])

    def fill(self, at, values):
        """Store values (doubles from DOUBLES, or small ints -1..7 as ('i', v)) from word `at` on."""
        for k, v in enumerate(values):
            sel = len(DOUBLES) + v[1] + 1 if isinstance(v, tuple) else DOUBLES.index(v)
            self.b += bytes([0, at + k, 1, sel])
        return self

    def dense(self, name, shape, offset, dtype="f64", strides=None, inplace=False):
        self.b += bytes([3 if inplace else 1, inputs.index(name), DTYPE[dtype], len(shape)])
        self.b += bytes(shape)
        if strides is None:
            self.b += bytes([0])
        else:
            self.b += bytes([1]) + bytes((s + 6) for s in strides)
        self.b += bytes([offset & 0xFF, offset >> 8])
        return self

    def raw_dense(self, name, shape_bytes, offset, stride_bytes=None):
        """Extents/strides as raw encoded bytes (>= 232 selects the extreme tables)."""
        self.b += bytes([1, inputs.index(name), DTYPE["f64"], len(shape_bytes)]) + bytes(shape_bytes)
        self.b += bytes([0]) if stride_bytes is None else bytes([1]) + bytes(stride_bytes)
        self.b += bytes([offset & 0xFF, offset >> 8])
        return self

    def sparse(self, name, rows, cols, nnz, o_indptr, o_indices, o_values):
        self.b += bytes([4, inputs.index(name), rows, cols, nnz, o_indptr, o_indices, o_values])
        return self

    def f64(self, name, value):
        self.b += bytes([5, params.index(name), 0, DOUBLES.index(value)])
        return self

    def i64(self, name, value):
        self.b += bytes([5, params.index(name), 1, INTS.index(value)])
        return self

    def boolean(self, name, value):
        self.b += bytes([5, params.index(name), 2, 1 if value else 0])
        return self

    def string(self, name, value):
        self.b += bytes([5, params.index(name), 3, strings.index(value)])
        return self

    def invoke(self, method, mode=0):
        self.b += bytes([7, methods.index(method), mode])
        return self

    def clear(self):
        self.b += bytes([9])
        return self


POINTS_A = [0.0, 0.0, 1.0, 0.0, 0.0, 1.0]     # 3 x 2
POINTS_B = [0.5, 0.5, 2.0, 1.0, 1.0, 2.0]     # 3 x 2
COST = [0.0, 1.0, 2.0, 1.0, 0.0, 1.0, 2.0, 1.0, 0.0]  # 3 x 3
IDENTITY2 = [1.0, 0.0, 0.0, 1.0]

seeds = {}
seeds["emd_points"] = Program().fill(0, POINTS_A).fill(8, POINTS_B).dense("xs", [3, 2], 0).dense("xt", [3, 2], 8) \
    .invoke("ot.emd").string("metric", "euclidean").invoke("ot.emd")
seeds["emd_cost_masses"] = Program().fill(0, COST).fill(16, [0.25, 0.25, 0.5]).fill(24, [0.5, 0.25, 0.25]) \
    .dense("M", [3, 3], 0).dense("a", [3], 16).dense("b", [3], 24).invoke("ot.emd")
seeds["sinkhorn"] = Program().fill(0, COST).dense("M", [3, 3], 0).f64("reg", 0.1).invoke("ot.sinkhorn") \
    .string("precision", "mixed").invoke("ot.sinkhorn").invoke("ot.sinkhorn_newton_sparse")
seeds["sliced"] = Program().fill(0, POINTS_A).fill(8, POINTS_B).dense("xs", [3, 2], 0).dense("xt", [3, 2], 8) \
    .i64("n_projections", 7).invoke("ot.sliced_wasserstein").string("projections", "hadamard") \
    .invoke("ot.sliced_wasserstein").invoke("ot.max_sliced_wasserstein").invoke("ot.vmf_sliced_wasserstein")
seeds["sliced_huge_projections"] = Program().fill(0, POINTS_A).dense("xs", [3, 2], 0).dense("xt", [3, 2], 0) \
    .i64("n_projections", 1 << 62).invoke("ot.sliced_wasserstein").f64("n_projections", 2.5) \
    .invoke("ot.sliced_wasserstein")
seeds["wasserstein_1d"] = Program().fill(0, [0.0, 1.0, 2.0, 0.5, 3.0]).dense("xs", [3], 0).dense("xt", [2], 3) \
    .invoke("ot.wasserstein_1d")
seeds["gaussian_w2"] = Program().fill(0, [0.0, 1.0]).fill(4, IDENTITY2).fill(8, [2.0, 0.0, 0.0, 0.5]) \
    .dense("m1", [2], 0).dense("S1", [2, 2], 4).dense("m2", [2], 0).dense("S2", [2, 2], 8).invoke("ot.gaussian_w2")
seeds["hadamard_rotation"] = Program().fill(0, POINTS_B).dense("x", [3, 2], 0).i64("n_blocks", 2) \
    .invoke("ot.hadamard_rotation")
seeds["fps_distance_matrix"] = Program().fill(0, COST).dense("D", [3, 3], 0).i64("k", 2) \
    .invoke("ot.farthest_point_sampling")
seeds["monge_gap"] = Program().fill(0, POINTS_A).fill(8, POINTS_B).dense("x", [3, 2], 0).dense("y", [3, 2], 8) \
    .f64("reg", 0.1).invoke("ot.monge_gap")
seeds["echo_strides"] = Program().fill(0, [1.0, 2.0, 3.0, 0.5, 0.25, 7.0]) \
    .dense("x", [2, 3], 5, strides=[-3, -1]).invoke("test.echo").invoke("test.strided") \
    .dense("x", [2, 3], 0, strides=[1, 2]).dense("w", [2], 0, strides=[0]).invoke("test.echo")
seeds["accumulate_inplace"] = Program().fill(0, [1.0, 2.0, 3.0]).dense("state", [3], 2, strides=[-1], inplace=True) \
    .f64("delta", 0.5).invoke("test.accumulate").boolean("fail", True).invoke("test.accumulate") \
    .dense("state", [3], 0).invoke("test.accumulate")
seeds["inplace_misuse"] = Program().fill(0, POINTS_A).dense("xs", [3, 2], 0, inplace=True).dense("xt", [3, 2], 0) \
    .invoke("ot.emd")
seeds["sparse"] = Program().fill(0, [("i", 0), ("i", 1), ("i", 3)]).fill(4, [("i", 0), ("i", 1), ("i", 0)]) \
    .fill(8, [0.5, 1.0, 2.0]).sparse("A", 2, 2, 3, 0, 4, 8).invoke("test.sparse")
seeds["alloc_sizes"] = Program().i64("rows", 3037000500).i64("cols", 3037000500).invoke("test.alloc") \
    .i64("rows", 3).i64("cols", 5).invoke("test.alloc").boolean("sparse", True).i64("nnz", 1 << 62) \
    .invoke("test.alloc")
seeds["params"] = Program().f64("f", 0.25).string("i", "2.5").invoke("test.params").i64("i", 7) \
    .string("mode", "exact").invoke("test.params").boolean("f", True).invoke("test.params")
seeds["overflow_layouts"] = Program().raw_dense("x", [232, 232], 0).raw_dense("x", [233, 5], 0) \
    .raw_dense("x", [3], 0, [232]).raw_dense("x", [3, 3], 0, [234, 235]).dense("x", [3], 2, strides=[-6]) \
    .invoke("test.echo")
seeds["cancelled"] = Program().fill(0, COST).dense("M", [3, 3], 0).f64("reg", 0.1).invoke("ot.sinkhorn", 15)

os.makedirs(out_dir, exist_ok=True)
for name, prog in seeds.items():
    with open(os.path.join(out_dir, name), "wb") as f:
        f.write(bytes(prog.b))
print(f"{len(seeds)} seeds written to {out_dir}")
