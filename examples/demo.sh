#!/usr/bin/env bash
# The demo: the geomrt CLI computes distances between the bundled point clouds.
#   usage: examples/demo.sh path/to/geomrt
set -euo pipefail
geomrt=${1:-geomrt}
data=$(cd "$(dirname "$0")/data" && pwd)
echo "== methods"
"$geomrt" list
echo "== exact OT (ot.emd): noisy circle (300 pts) -> Gaussian blob (250 pts), squared Euclidean"
"$geomrt" run ot.emd --input xs="$data/source.csv" --input xt="$data/target.csv" --param metric=sqeuclidean
echo "== entropic OT (ot.sinkhorn), reg = 0.01"
"$geomrt" run ot.sinkhorn --input xs="$data/source.csv" --input xt="$data/target.csv" --param reg=0.01
echo "== 1-D W_2 (ot.wasserstein_1d): N(0,1) samples vs N(2,0.25) samples (exact value for the laws: sqrt(4 + 0.25) = 2.0616)"
"$geomrt" run ot.wasserstein_1d --input xs="$data/source_1d.csv" --input xt="$data/target_1d.csv" --param p=2
