#!/usr/bin/env bash
# Build the libFuzzer targets of tests/fuzz with clang, everything under ASan + UBSan, in its own
# build directory (build-fuzz/), and run each target for a bounded time on its seed corpus
# (tests/fuzz/corpus/<target>/, read-only; new inputs go to build-fuzz/corpus/<target>/).
# Any finding (crash, sanitizer report, failed check, timeout, out-of-memory) fails the script;
# the reproducer is left in build-fuzz/findings/<target>/ (replay: build-fuzz/bin/<target> FILE).
#
# usage: scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60; needs no network)
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-60}
cc=${GEOMRT_FUZZ_CC:-clang-14}
cxx=${GEOMRT_FUZZ_CXX:-clang++-14}
if ! command -v "$cxx" >/dev/null 2>&1; then
  echo "fuzz.sh: $cxx not found; scripts/install-deps.sh installs clang-14 and libclang-rt-14-dev" >&2
  exit 1
fi
jobs=${GEOMRT_FUZZ_JOBS:-$(nproc)}
targets=(fuzz_npy fuzz_csv fuzz_args)

cmake -S . -B build-fuzz -DCMAKE_C_COMPILER="$cc" -DCMAKE_CXX_COMPILER="$cxx" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DGEOMRT_FUZZ=ON -DGEOMRT_BUILD_TESTS=OFF -DGEOMRT_BUILD_TOOLS=OFF -DGEOMRT_BUILD_EXAMPLES=OFF \
  -DGEOMRT_BUILD_PYTHON=OFF -DGEOMRT_BUILD_JAVA=OFF -DGEOMRT_BUILD_R=OFF -DGEOMRT_BUILD_RUST=OFF >/dev/null
cmake --build build-fuzz -j"$jobs" --target "${targets[@]}"

status=0
for t in "${targets[@]}"; do
  work=build-fuzz/corpus/$t findings=build-fuzz/findings/$t log=build-fuzz/$t.log
  mkdir -p "$work" "$findings"
  echo "== $t: ${secs} s"
  set +e
  OMP_NUM_THREADS=1 \
  ASAN_OPTIONS=allocator_may_return_null=1:detect_leaks=1:abort_on_error=0 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
    "build-fuzz/bin/$t" -max_total_time="$secs" -timeout=30 -rss_limit_mb=4096 -print_final_stats=1 \
      -artifact_prefix="$findings/" "$work" "tests/fuzz/corpus/$t" >"$log" 2>&1
  rc=$?
  set -e
  grep -E '^stat::number_of_executed_units|^stat::new_units_added|^Done [0-9]+ runs' "$log" || true
  if [[ $rc -ne 0 ]]; then
    echo "fuzz.sh: $t found a problem (exit status $rc); log: $log; reproducer in $findings/" >&2
    grep -E 'ERROR|SUMMARY|check failed|runtime error|Test unit written' "$log" | head -20 >&2 || true
    status=1
  fi
done
[[ $status -eq 0 ]] && echo "fuzz.sh: no findings"
exit $status
