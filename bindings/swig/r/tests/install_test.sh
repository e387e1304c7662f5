#!/usr/bin/env bash
# The R package installs the way a user installs it: `cmake --install` puts libgeomrt, the
# plugins, geomrt.pc and the package tarball (<datadir>/geomrt/r) under a prefix; R CMD INSTALL
# finds geomrt through pkg-config alone; the installed package then loads libgeomrt and the
# plugins of that prefix with no LD_LIBRARY_PATH, and runs examples/r/1-emd.R.
#   usage: install_test.sh BUILD_DIR SOURCE_DIR SCRATCH_DIR
set -euo pipefail
build=$1 src=$2 scratch=$3
rm -rf "$scratch" && mkdir -p "$scratch"
prefix=$scratch/prefix lib=$scratch/r-lib
mkdir -p "$lib"

cmake --install "$build" --prefix "$prefix" >/dev/null
tarball=$(ls "$prefix"/share/geomrt/r/geomrt_*.tar.gz)
pcdir=$(dirname "$(ls "$prefix"/lib*/pkgconfig/geomrt.pc "$prefix"/lib/*/pkgconfig/geomrt.pc 2>/dev/null | head -n1)")
echo "tarball: $tarball"
echo "pkg-config dir: $pcdir"

env -u GEOMRT_INCLUDE_DIR -u GEOMRT_LIB_DIR -u GEOMRT_HOME -u LD_LIBRARY_PATH -u GEOMRT_PLUGIN_PATH \
  PKG_CONFIG_PATH="$pcdir" R CMD INSTALL --no-multiarch --library="$lib" "$tarball" >"$scratch/install.log" 2>&1 \
  || { cat "$scratch/install.log"; exit 1; }
grep "^geomrt: headers in" "$scratch/install.log"

so=$lib/geomrt/libs/geomrt.so
runpath=$(readelf -d "$so" | sed -n 's/.*\(RUNPATH\|RPATH\).*\[\(.*\)\]/\2/p')
echo "RUNPATH of geomrt.so: $runpath"
case "$runpath" in "$prefix"/lib*) ;; *) echo "FAIL: geomrt.so has no rpath into $prefix"; exit 1 ;; esac

cd "$scratch"
out=$(env -u LD_LIBRARY_PATH -u GEOMRT_PLUGIN_PATH R_LIBS="$lib" Rscript --vanilla -e '
  library(geomrt)
  p <- geomrt_plugins(geomrt_runtime())
  cat("plugins:", p$path[p$loaded], sep = "\n  ")
  cat("\n")' 2>&1)
echo "$out"
echo "$out" | grep -q "^  $prefix/.*/geomrt/plugins/libgeomrt_ot.so" || { echo "FAIL: the installed plugins were not loaded"; exit 1; }
env -u LD_LIBRARY_PATH -u GEOMRT_PLUGIN_PATH R_LIBS="$lib" Rscript --vanilla "$src/examples/r/1-emd.R"
echo "ok: the installed R package works against the installed geomrt"
