#!/usr/bin/env bash
# Build examples/custom_plugin against an installed geomrt (find_package + geomrt_add_plugin),
# load it through GEOMRT_PLUGIN_PATH and call it from C (the CLI) and, when built, Python.
#   usage: custom_plugin_test.sh BUILD_DIR SOURCE_DIR SCRATCH_DIR
set -euo pipefail
build=$1 src=$2 scratch=$3
rm -rf "$scratch"
mkdir -p "$scratch"
prefix=$scratch/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
cmake -S "$src/examples/custom_plugin" -B "$scratch/plugin-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$scratch/plugin-build" >/dev/null
plugin_dir=$scratch/plugin-build
# only the entry point is exported
exported=$(nm -D --defined-only "$plugin_dir"/libgeomrt_demo.so | awk '{print $3}')
[[ "$exported" == "geomrt_plugin_init_v1" ]] || { echo "unexpected exports: $exported"; exit 1; }
export GEOMRT_PLUGIN_PATH=$plugin_dir
printf '3\n4\n' > "$scratch/x.csv"
out=$("$prefix/bin/geomrt" run demo.scale --input x="$scratch/x.csv" --param factor=2 --json)
echo "C (CLI): $out"
/usr/bin/python3 -c "import json,sys; d=json.loads(sys.argv[1]); assert d['norm']==10.0, d" "$out"
pydir=$(ls -d "$build"/lib/geomrt/python 2>/dev/null || true)
if [[ -n "$pydir" ]]; then
  PYTHONPATH=$pydir /usr/bin/python3 - <<'PY'
import numpy as np, geomrt
with geomrt.Runtime() as rt:
    r = rt.invoke("demo.scale", {"x": np.array([3.0, 4.0])}, {"factor": 2})
    assert r["norm"] == 10.0 and list(r["y"]) == [6.0, 8.0], r
    print("Python:", r)
PY
fi
echo "custom plugin test passed"
