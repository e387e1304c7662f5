#!/usr/bin/env bash
# Install what is needed, build, and run every test: the Release build (unit, CLI, example
# and install tests), then the whole suite again under AddressSanitizer + UBSan, then the
# libFuzzer targets (scripts/fuzz.sh, clang, 60 s each).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc)
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j"$jobs"
ctest --test-dir build -j"$jobs" --output-on-failure
cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=RelWithDebInfo -DGEOMRT_SANITIZE=ON
cmake --build build-asan -j"$jobs"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan -j"$jobs" --output-on-failure
# libFuzzer targets (tests/fuzz), clang + ASan + UBSan, 60 s each: any finding fails.
scripts/fuzz.sh 60
echo "all tests passed"
