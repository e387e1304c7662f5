#!/usr/bin/env bash
# Install geomrt to a scratch prefix, then build the C++ examples (examples/cpp, geomrt.hpp) against
# it through find_package(geomrt) and run each one in its short form (GEOMRT_EXAMPLE_QUICK=1).
#   usage: cpp_examples_test.sh BUILD_DIR SOURCE_DIR SCRATCH_DIR
set -euo pipefail
build=$1 src=$2 scratch=$3
rm -rf "$scratch"
mkdir -p "$scratch"
prefix=$scratch/prefix
cmake --install "$build" --prefix "$prefix" >/dev/null
test -f "$prefix/include/geomrt/geomrt.hpp"
libdir=$(dirname "$(ls "$prefix"/lib*/libgeomrt.so)")
cmake -S "$src/examples/cpp" -B "$scratch/build" -DCMAKE_PREFIX_PATH="$prefix" >/dev/null
cmake --build "$scratch/build" -j2 >/dev/null
export GEOMRT_EXAMPLE_QUICK=1
for ex in "$scratch"/build/[0-9]*-*; do
  [[ -x $ex && -f $ex ]] || continue
  echo "== $(basename "$ex")"
  LD_LIBRARY_PATH=$libdir "$ex"
done
# The README's C++ snippet, wrapped in main(), compiles against the install and runs.
{
  echo '#include <cassert>'
  echo '#include <vector>'
  awk '/^```cpp$/{on=1; next} /^```$/{if(on) exit} on' "$src/README.md" | grep '^#include'
  echo 'int main() {'
  awk '/^```cpp$/{on=1; next} /^```$/{if(on) exit} on' "$src/README.md" | grep -v '^#include'
  echo '  assert(cost > 0.3124 && cost < 0.3126); return cost > 0.3124 && cost < 0.3126 ? 0 : 1; }'
} > "$scratch/readme_snippet.cpp"
c++ -std=c++17 -Wall -Wextra -Werror -Wno-unused-variable "$scratch/readme_snippet.cpp" -I"$prefix/include" \
  -L"$libdir" -lgeomrt -Wl,-rpath,"$libdir" -o "$scratch/readme_snippet"
"$scratch/readme_snippet"
echo "== README snippet"
echo "C++ examples passed"
