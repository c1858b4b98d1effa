#!/usr/bin/env bash
# The hostile-input run: an ASan+UBSan build with clang (build-fuzz/), the
# unit suite under the sanitizers, then every libFuzzer target of tests/fuzz
# for SECONDS each (default 600 by hand; CI passes 15), two at a time.
#   bash scripts/fuzz.sh [SECONDS]
# New corpus entries stay in build-fuzz/fuzz-corpus/<target>/; a crash is
# written there as crash-* and fails the run: copy it to
# tests/fuzz/regressions/<target>/ once fixed, so it is replayed every run.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH="${1:-600}"
JOBS="${JOBS:-2}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-true}"
GEN=()
command -v ninja >/dev/null 2>&1 && GEN=(-G Ninja)
cmake -S . -B build-fuzz "${GEN[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DSANITIZE=ON -DFUZZ=ON -DFUZZ_SECONDS="$SECONDS_EACH" >/dev/null
cmake --build build-fuzz -j "$JOBS" --target unit_tests fuzzers
cd build-fuzz
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=0:abort_on_error=1}" UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
ctest --output-on-failure -j "$JOBS" -L 'unit|fuzz' --timeout $((SECONDS_EACH + 300))
