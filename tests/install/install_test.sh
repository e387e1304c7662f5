#!/usr/bin/env bash
# Install geomrt to a scratch prefix, then build and run the C example against it twice:
# through find_package(geomrt) and through pkg-config.
#   usage: install_test.sh BUILD_DIR SOURCE_DIR SCRATCH_DIR
set -euo pipefail
build=$1 src=$2 scratch=$3
rm -rf "$scratch"
mkdir -p "$scratch"
prefix=$scratch/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
test -f "$prefix/include/geomrt/geomrt.h"
test -f "$prefix/include/geomrt/plugin.hpp"
ls "$prefix"/lib*/geomrt/plugins/*.so >/dev/null
libdir=$(dirname "$(ls "$prefix"/lib*/libgeomrt.so)")

# 1. CMake package
cmake -S "$src/examples/c" -B "$scratch/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$scratch/cmake-build" >/dev/null
for ex in "$scratch"/cmake-build/[0-9]*-*; do
  [[ -x $ex && -f $ex ]] || continue
  echo "== $(basename "$ex")"
  LD_LIBRARY_PATH=$libdir "$ex"
done

# 2. pkg-config
export PKG_CONFIG_PATH=$libdir/pkgconfig
cc -std=c99 -Wall -Werror "$src/examples/c/1-emd.c" -o "$scratch/1-emd-pc" $(pkg-config --cflags --libs geomrt) \
  -Wl,-rpath,"$libdir"
"$scratch/1-emd-pc"

# The installed CLI finds the installed plugins beside the installed library.
"$prefix/bin/geomrt" list > "$scratch/list.txt"   # (no pipe into grep -q: SIGPIPE under pipefail)
grep -q "^ot\.emd" "$scratch/list.txt"
echo "install test passed"
