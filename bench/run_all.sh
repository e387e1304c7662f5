#!/usr/bin/env bash
# Run every benchmark against its peer (POT, SciPy) and rewrite the tables in docs/BENCHMARKS.md.
#   usage: bench/run_all.sh [BUILD_DIR]      (needs python3-pot and python3-scipy: scripts/install-deps.sh --all)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
out=docs/BENCHMARKS.md
/usr/bin/python3 bench/bench_ot.py --build "$build" --write "$out"
/usr/bin/python3 bench/bench_sliced.py --build "$build" --write "$out"
/usr/bin/python3 bench/bench_sns.py --build "$build" --write "$out"
/usr/bin/python3 bench/bench_emd_large.py --build "$build" --write "$out"
/usr/bin/python3 bench/bench_sinkhorn_scratch.py --build "$build" --write "$out"
/usr/bin/python3 bench/bench_sinkhorn_repeat.py --build "$build"   # prints the spread over rounds (not written)
