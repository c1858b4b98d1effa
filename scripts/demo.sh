#!/usr/bin/env bash
# Installs what is needed, builds, and runs redundancyd on the bundled demo
# workspace (examples/demo) in the foreground; Ctrl-C stops it.
# DEMO_SECONDS=N runs it for N seconds, prints the status and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
bash scripts/build.sh
root="$PWD"
demo="$root/examples/demo"
config="$demo/redundancy.yaml"
"$root/build/bin/redundancyctl" config validate "$config"
# The PM2 agent brings up the demo's apps in a private PM2 (examples/demo/.redundancy/pm2);
# stop that PM2 too when the demo ends.
stop_pm2() { PM2_HOME="$demo/.redundancy/pm2" pm2 kill >/dev/null 2>&1 || true; }
trap stop_pm2 EXIT
echo "demo: state and logs in $demo/.redundancy; in another shell try:"
echo "  $root/build/bin/redundancyctl --config $config status"
if [ -n "${DEMO_SECONDS:-}" ]; then
  "$root/build/bin/redundancyctl" --config "$config" start
  deadline=$((SECONDS + DEMO_SECONDS))
  while [ "$SECONDS" -lt "$deadline" ]; do sleep 1; done
  "$root/build/bin/redundancyctl" --config "$config" status || true
  "$root/build/bin/redundancyctl" --config "$config" stop
  exit 0
fi
"$root/build/bin/redundancyd" --config "$config" --foreground || true
