#!/usr/bin/env bash
# Installs what is needed, builds, and runs the whole test suite.
# LABEL=unit scripts/test.sh runs only the fast unit tests.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/format.sh --check  # formatting is part of the build's contract (.clang-format)
bash scripts/build.sh
cd build
args=(--output-on-failure -j "${JOBS:-2}" --timeout 300)
[ -n "${LABEL:-}" ] && args+=(-L "$LABEL")
ctest "${args[@]}"
# Then the hostile-input run: the unit suite under ASan+UBSan and each fuzz
# target briefly (scripts/fuzz.sh; FUZZ=0 skips it, FUZZ_SECONDS sets its time).
if [ -z "${LABEL:-}" ] && [ "${FUZZ:-1}" != 0 ]; then
  cd ..
  bash scripts/fuzz.sh "${FUZZ_SECONDS:-15}"
fi
