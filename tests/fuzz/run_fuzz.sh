#!/usr/bin/env bash
# run_fuzz.sh FUZZER SECONDS REGRESSIONS_DIR CORPUS_DIR [SEED_DIR...]
# Replays every file in REGRESSIONS_DIR (inputs that once crashed), then
# fuzzes for SECONDS, writing new inputs to CORPUS_DIR and any crash beside
# it (crash-*), which fails the test.
set -euo pipefail
fuzzer=$1 seconds=$2 regressions=$3 corpus=$4
shift 4
if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions" 2>/dev/null)" ]; then
  "$fuzzer" -runs=0 "$regressions"/*
fi
cd "$corpus"
exec "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="$corpus/" "$corpus" "$@"
