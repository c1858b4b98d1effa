#!/usr/bin/env bash
# Builds and runs the benchmarks; prints a table (median, p90, p99, target, PM2 on the same run, ratio).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
exec build/bin/supervisor_bench "$@"
