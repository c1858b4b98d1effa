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
echo "demo: state and logs in $demo/.redundancy; in another shell try:"
echo "  $root/build/bin/redundancyctl --config $config status"
if [ -n "${DEMO_SECONDS:-}" ]; then
  "$root/build/bin/redundancyctl" --config "$config" start
  deadline=$((SECONDS + DEMO_SECONDS))
  while [ "$SECONDS" -lt "$deadline" ]; do sleep 1; done
  "$root/build/bin/redundancyctl" --config "$config" status || true
  exec "$root/build/bin/redundancyctl" --config "$config" stop
fi
exec "$root/build/bin/redundancyd" --config "$config" --foreground
