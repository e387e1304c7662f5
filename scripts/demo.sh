#!/usr/bin/env bash
# Build geomrt and run the demo: exact, entropic and 1-D distances between the bundled point clouds.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${BUILD_DIR:-build}
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j"$(nproc)" --target geomrt_cli geomrt_ot >/dev/null
exec examples/demo.sh "$build/bin/geomrt"
