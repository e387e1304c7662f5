#!/usr/bin/env bash
# Install the Debian 12 packages geomrt needs to build, test and benchmark (run as root).
set -euo pipefail
pkgs=(cmake g++ make pkg-config libeigen3-dev libopenblas-dev libboost-dev catch2
      swig python3-dev python3-numpy openjdk-17-jdk-headless r-base-dev)
pkgs+=(clang-14 libclang-rt-14-dev libomp-14-dev)  # scripts/fuzz.sh: libFuzzer targets under clang
pkgs+=(python3-networkx r-cran-igraph)  # graph examples (they skip, exit 77, without them)
# Rust: the crates need cargo >= 1.85 (edition 2024); Debian's is older, so rustup's cargo is used
# when present and the Rust tests are skipped otherwise.
if [[ "${1:-}" == "--all" ]]; then
  pkgs+=(python3-pot python3-scipy)  # reference values and benchmarks
  # sklearn: examples/data/export_digits.py (the digits .npy files are committed) and the graph
  # reference values (tests/data/make_graph_reference.py)
  pkgs+=(python3-sklearn)
fi
# torch: the conv and spd autograd examples (skipped without torch), bench_conv.py, bench_spd.py and
# the spd reference values (tests/data/make_spd_reference.py).
pkgs+=(python3-torch)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if ((${#missing[@]})); then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
