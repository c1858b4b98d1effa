#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite.
# LABEL=unit scripts/test.sh runs only the fast unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
cd build
args=(--output-on-failure -j "${JOBS:-2}" --timeout 300)
[ -n "${LABEL:-}" ] && args+=(-L "$LABEL")
ctest "${args[@]}"
