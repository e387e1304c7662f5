#!/usr/bin/env bash
# cli_test.sh -- end-to-end tests of the `geomrt` command-line program.
#
# usage: cli_test.sh GEOMRT_EXECUTABLE SCRATCH_DIR [PLUGIN_PATH]
#
# Needs /usr/bin/python3 with numpy (to write .npy inputs and check outputs).
# Plugins are found the runtime's usual way (beside libgeomrt, GEOMRT_PLUGIN_PATH);
# an optional third argument is passed as --plugin-path. Every check runs even
# after a failure; the exit status is 1 if any failed.
set -euo pipefail

if [[ $# -lt 2 ]]; then
    echo "usage: $0 GEOMRT_EXECUTABLE SCRATCH_DIR [PLUGIN_PATH]" >&2
    exit 2
fi
GEOMRT=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
SCRATCH=$2
PY=/usr/bin/python3
GEOMRT_CMD=("$GEOMRT")
if [[ $# -ge 3 && -n $3 ]]; then GEOMRT_CMD+=(--plugin-path "$3"); fi

rm -rf "$SCRATCH"
mkdir -p "$SCRATCH"
cd "$SCRATCH"

failures=0
checks=0
pass() { checks=$((checks + 1)); echo "ok   - $1"; }
fail() {
    checks=$((checks + 1)); failures=$((failures + 1))
    echo "FAIL - $1"
    if [[ -f out.txt ]]; then sed 's/^/       stdout: /' out.txt | head -20; fi
    if [[ -f err.txt ]]; then sed 's/^/       stderr: /' err.txt | head -20; fi
}
# check NAME COMMAND...: pass if the command succeeds.
check() {
    local name=$1; shift
    if "$@"; then pass "$name"; else fail "$name"; fi
}

# g ARGS...: run geomrt, stdout to out.txt, stderr to err.txt, exit status to $rc.
rc=0
g() {
    set +e
    "${GEOMRT_CMD[@]}" "$@" >out.txt 2>err.txt
    rc=$?
    set -e
}

# expect_error NAME PATTERN ARGS...: geomrt exits with 2 and prints "geomrt: ...PATTERN..." on stderr.
expect_error() {
    local name=$1 pattern=$2; shift 2
    g "$@"
    if [[ $rc -eq 2 ]] && grep -q '^geomrt: ' err.txt && grep -qi -- "$pattern" err.txt; then
        pass "$name"
    else
        fail "$name (exit status $rc, wanted 2 and a message matching '$pattern')"
    fi
}

# json_check EXPR: evaluate a Python boolean expression over `j` (the JSON in out.txt) and np.
json_check() {
    "$PY" - "$1" <<'EOF'
import json, sys
import numpy as np
text = open("out.txt").read()
lines = [l for l in text.splitlines() if l.strip()]
if len(lines) != 1:
    sys.exit("expected exactly one line of JSON on stdout, got %d" % len(lines))
j = json.loads(lines[0])
if not eval(sys.argv[1], {"j": j, "np": np, "math": __import__("math")}):
    sys.exit("check failed: %s  on  %s" % (sys.argv[1], lines[0]))
EOF
}

# py_check EXPR: evaluate a Python boolean expression with numpy available as np.
py_check() {
    "$PY" -c "import sys, numpy as np; sys.exit(0 if ($1) else 'check failed: $1')"
}

# ------------------------------------------------------------------ inputs
"$PY" - <<'EOF'
import itertools
import numpy as np
xs = np.array([[0.0, 0.0], [1.0, 0.0]])
xt = np.array([[0.0, 1.0], [1.0, 1.0]])
np.save("xs.npy", xs)
np.save("xt.npy", xt)
with open("xs.csv", "w") as f:
    f.write("# source points\n0, 0\n1 0\n")
with open("xt.csv", "w") as f:
    f.write("0,1\n\n1,1\n")
open("one_s.csv", "w").write("0 0\n")
open("one_t.csv", "w").write("3, 4\n")
open("u_row.csv", "w").write("0, 1, 2\n")
open("v_col.csv", "w").write("1\n2\n3\n")
# A problem with distinct costs, its Fortran-order twin and the brute-force answer
# (equal sizes + uniform weights: EMD = best assignment / n).
rng = np.random.default_rng(7)
ys = rng.normal(size=(4, 3))
yt = rng.normal(size=(4, 3)) + 0.5
np.save("ys_c.npy", ys)
np.save("ys_f.npy", np.asfortranarray(ys))
np.save("yt.npy", yt)
C = ((ys[:, None, :] - yt[None, :, :]) ** 2).sum(-1)
np.save("M.npy", C)
np.save("M_f.npy", np.asfortranarray(C))
best = min(sum(C[i, p[i]] for i in range(4)) for p in itertools.permutations(range(4))) / 4
open("expected_cost.txt", "w").write(repr(best))
# float32 and int64 inputs, 1-D samples
np.save("xs32.npy", xs.astype(np.float32))
np.save("u.npy", np.array([0.0, 1.0, 2.0]))
np.save("v.npy", np.array([1.0, 2.0, 3.0]))
# Broken files
good = open("xs.npy", "rb").read()
open("malformed.npy", "wb").write(good.replace(b"'descr'", b"'dexcr'"))
open("truncated.npy", "wb").write(good[:-5])
open("notnpy.npy", "wb").write(b"this is not a npy file\n")
with open("huge.npy", "wb") as f:  # a valid header whose shape does not match the 32 data bytes
    np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False, "shape": (10**13, 10**8)})
    f.write(good[-32:])
with open("empty_huge.npy", "wb") as f:  # no elements, but the other extents multiply past int64 (fuzzer find)
    np.lib.format.write_array_header_1_0(f, {"descr": "<f8", "fortran_order": False,
                                             "shape": (76, 65811, 77060068970811, 0, 3)})
open("bad.csv", "w").write("0, 0\n1, oops\n")
open("ragged.csv", "w").write("0, 0\n1\n")
EOF

# ------------------------------------------------------------------ basics
g --version
check "--version exits 0 and prints a version" test "$rc" -eq 0 -a -s out.txt
g --help
check "--help exits 0 and prints the usage" grep -q "usage: geomrt" out.txt
g help
check "help exits 0 and prints the usage" grep -q "usage: geomrt" out.txt
expect_error "no command is a usage error" "no command" 
expect_error "unknown command is a usage error" "unknown command" frobnicate
expect_error "unknown global option is a usage error" "unknown option" --frobnicate list

# ------------------------------------------------------------------ list / describe / plugins
g list
check "list exits 0" test "$rc" -eq 0
check "list shows ot.emd" grep -qE '^ot\.emd[[:space:]]' out.txt
check "list shows ot.sinkhorn" grep -qE '^ot\.sinkhorn[[:space:]]' out.txt
check "list shows ot.wasserstein_1d" grep -qE '^ot\.wasserstein_1d[[:space:]]' out.txt

g describe ot.sinkhorn
check "describe exits 0" test "$rc" -eq 0
check "describe ot.sinkhorn shows the parameter reg" grep -qE '^[[:space:]]+reg[[:space:]]' out.txt
check "describe shows the inputs section" grep -q '^Inputs:' out.txt
check "describe shows the plugin file" grep -q '^Plugin: ' out.txt
g describe ot.sinkhorn --json
check "describe --json is JSON naming the method" json_check 'j.get("name") == "ot.sinkhorn"'
expect_error "describe of an unknown method fails" "no.such.method" describe no.such.method

g plugins
check "plugins exits 0" test "$rc" -eq 0
check "plugins lists at least one loaded plugin" grep -qE '^loaded[[:space:]]' out.txt
g --plugin-path "$SCRATCH/no/such/plugin.so" plugins
check "plugins reports a missing --plugin-path as rejected with a reason" \
    grep -qE '^rejected[[:space:]]+.*no/such/plugin\.so' out.txt
check "plugins still loads the default plugins after a bad --plugin-path" grep -qE '^loaded[[:space:]]' out.txt
# The build tree's broken fixture plugins, when this executable sits in <build>/bin.
broken_dir=$(dirname "$(dirname "$GEOMRT")")/tests/plugins/broken
if compgen -G "$broken_dir/*.so" >/dev/null; then
    g --plugin-path "$broken_dir" plugins
    check "plugins shows why broken plugins were rejected" grep -qE '^[[:space:]]+reason: .+' out.txt
fi

# ------------------------------------------------------------------ run
g run ot.emd --input xs=xs.npy --input xt=xt.npy --param metric=sqeuclidean --json
check "run ot.emd --json exits 0" test "$rc" -eq 0
check "ot.emd on two clouds costs 1.0" json_check 'abs(j["cost"] - 1.0) < 1e-12'
check "--json has method and elapsed_s" json_check 'j["method"] == "ot.emd" and j["elapsed_s"] >= 0'
check "--json describes the plan" json_check 'j["outputs"]["plan"]["shape"] == [2, 2] and j["outputs"]["plan"]["dtype"] == "f64"'

g run ot.emd --input xs=xs.npy --input xt=xt.npy --param metric=sqeuclidean
check "text run prints 'cost = 1'" grep -qx 'cost = 1' out.txt
check "text run prints the plan's shape" grep -q '^plan: .*\[2, 2\]' out.txt

g run ot.emd --input xs=xs.npy --input xt=xt.npy --quiet --out outdir
check "--out exits 0" test "$rc" -eq 0
check "--out writes the plan densely" py_check 'np.allclose(np.load("outdir/plan.npy"), [[0.5, 0], [0, 0.5]])'
check "--out writes the plan's CSR arrays" \
    py_check 'np.load("outdir/plan.indptr.npy").tolist() == [0, 1, 2] and np.load("outdir/plan.indices.npy").tolist() == [0, 1] and np.allclose(np.load("outdir/plan.values.npy"), 0.5)'
check "--out writes dense outputs and scalars" py_check 'np.load("outdir/alpha.npy").shape == (2,) and float(np.load("outdir/cost.npy")) == 1.0'

g run ot.emd --input xs=xs.csv --input xt=xt.csv --json
check "csv inputs give cost 1.0" json_check 'abs(j["cost"] - 1.0) < 1e-12'

g run ot.emd --input xs=one_s.csv --input xt=one_t.csv --json
check "a one-row csv is a 1 x d matrix for a rank-2 input" json_check 'abs(j["cost"] - 25.0) < 1e-12'
g run ot.wasserstein_1d --input xs=u_row.csv --input xt=v_col.csv --json
check "a one-row or one-column csv is a vector" json_check 'abs(j["cost"] - 1.0) < 1e-12'

expected=$(cat expected_cost.txt)
g run ot.emd --input xs=ys_c.npy --input xt=yt.npy --threads 1 --json
check "C-order point clouds give the brute-force cost" json_check "abs(j['cost'] - $expected) < 1e-9"
g run ot.emd --input xs=ys_f.npy --input xt=yt.npy --json
check "Fortran-order npy gives the same cost" json_check "abs(j['cost'] - $expected) < 1e-9"
g run ot.emd --input M=M_f.npy --json
check "Fortran-order cost matrix gives the same cost" json_check "abs(j['cost'] - $expected) < 1e-9"
g run ot.emd --input xs=xs32.npy --input xt=xt.npy --json
check "float32 npy is accepted for float64 inputs" json_check 'abs(j["cost"] - 1.0) < 1e-12'

g run ot.sinkhorn --input M=M.npy --param reg=0.05 --threads 1 --json
check "ot.sinkhorn runs with --param reg" json_check '0 < j["cost"] < 1e3 and j["outputs"]["plan"]["shape"] == [4, 4]'
g run ot.wasserstein_1d --input xs=u.npy --input xt=v.npy --json
check "ot.wasserstein_1d of shifted samples is 1" json_check 'abs(j["cost"] - 1.0) < 1e-12'

# ------------------------------------------------------------------ errors
expect_error "unknown method exits 2" "no.such.method" run no.such.method --input xs=xs.npy
expect_error "malformed npy exits 2 naming the file" "malformed.npy" run ot.emd --input xs=malformed.npy --input xt=xt.npy
expect_error "truncated npy exits 2" "truncated" run ot.emd --input xs=truncated.npy --input xt=xt.npy
expect_error "non-npy data in a .npy exits 2" "not a .npy file" run ot.emd --input xs=notnpy.npy --input xt=xt.npy
expect_error "huge npy shape exits 2" "huge.npy" run ot.emd --input xs=huge.npy --input xt=xt.npy
expect_error "empty npy with overflowing extents exits 2" "empty_huge.npy: .npy shape .* is too large" \
    run ot.emd --input xs=empty_huge.npy --input xt=xt.npy
expect_error "missing file exits 2" "missing.npy" run ot.emd --input xs=missing.npy --input xt=xt.npy
expect_error "non-numeric csv exits 2 naming the line" "bad.csv:2" run ot.emd --input xs=bad.csv --input xt=xt.npy
expect_error "ragged csv exits 2" "ragged.csv:2" run ot.emd --input xs=ragged.csv --input xt=xt.npy
expect_error "unknown input exits 2" "no input" run ot.emd --input nope=xs.npy
expect_error "unknown parameter exits 2" "no parameter" run ot.emd --input xs=xs.npy --input xt=xt.npy --param nope=1
expect_error "out-of-range parameter exits 2" "reg" run ot.sinkhorn --input M=M.npy --param reg=-1
expect_error "bad enum value exits 2" "metric" run ot.emd --input xs=xs.npy --input xt=xt.npy --param metric=nonsense
expect_error "mismatched shapes exit 2" "geomrt" run ot.emd --input xs=xs.npy --input xt=ys_c.npy
expect_error "--input without '=' is a usage error" "NAME=VALUE" run ot.emd --input xs.npy
# Size-like parameters are bounded before anything is allocated (this one used to crash with SIGSEGV).
expect_error "huge n_projections exits 2 naming the parameter" "parameter 'n_projections' must be" \
    run ot.sliced_wasserstein --input xs=xs.npy --input xt=xt.npy --param n_projections=4611686018427387904
expect_error "fractional integer parameter exits 2" "n_projections' must be an integer" \
    run ot.sliced_wasserstein --input xs=xs.npy --input xt=xt.npy --param n_projections=2.5
expect_error "huge n_blocks exits 2" "parameter 'n_blocks' must be" \
    run ot.hadamard_rotation --input x=xs.npy --param n_blocks=4611686018427387904
expect_error "bad --threads is a usage error" "threads" run ot.emd --input xs=xs.npy --threads many

# ------------------------------------------------------------------ Ctrl-C
# A long Sinkhorn solve is interrupted with SIGINT: exit status 130 and "cancelled".
# Skipped (not failed) if the solve finishes before the signal is sent.
set +e
"$PY" - "${GEOMRT_CMD[@]}" <<'EOF'
import signal, subprocess, sys, time
import numpy as np
rng = np.random.default_rng(0)
np.save("big_xs.npy", rng.normal(size=(1500, 2)))
np.save("big_xt.npy", rng.normal(size=(1500, 2)) + 1.0)
cmd = sys.argv[1:] + ["run", "ot.sinkhorn", "--input", "xs=big_xs.npy", "--input", "xt=big_xt.npy",
                      "--param", "reg=0.05", "--param", "tol=1e-300", "--param", "max_iter=100000000",
                      "--param", "anneal=false", "--threads", "1"]
p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
time.sleep(1.0)
if p.poll() is not None:
    print("finished before the signal (status %d)" % p.returncode)
    sys.exit(3)
p.send_signal(signal.SIGINT)
try:
    out, err = p.communicate(timeout=30)
except subprocess.TimeoutExpired:
    p.kill()
    sys.exit("still running 30 s after SIGINT")
if p.returncode != 130 or b"cancelled" not in err:
    sys.exit("status %d, stderr %r" % (p.returncode, err))
EOF
cancel_rc=$?
set -e
rm -f out.txt err.txt
case $cancel_rc in
    0) pass "SIGINT cancels a running method with status 130" ;;
    3) echo "skip - SIGINT test: the solve finished too quickly" ;;
    *) fail "SIGINT cancels a running method with status 130" ;;
esac

echo "$((checks - failures)) of $checks checks passed"
[[ $failures -eq 0 ]]
