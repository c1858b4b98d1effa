#!/usr/bin/env bash
# Configures and builds into build/ (binaries in build/bin/). Parallel, -j2 by default.
set -euo pipefail
cd "$(dirname "$0")/.."
JOBS="${JOBS:-2}"
# ccache hits across clones (CI builds a fresh clone): paths relative to the tree.
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$PWD}" CCACHE_NOHASHDIR="${CCACHE_NOHASHDIR:-true}"
TARGET=()
[ -n "${BUILD_TARGET:-}" ] && TARGET=(--target "$BUILD_TARGET")
GEN=()
command -v ninja >/dev/null 2>&1 && GEN=(-G Ninja)
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${GEN[@]}" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
fi
cmake --build build -j "$JOBS" "${TARGET[@]}"
