#!/usr/bin/env bash
# Installs what is needed, builds, and runs redundancyd on the bundled demo
# workspace (examples/demo) in the foreground; Ctrl-C stops it.
# DEMO_SECONDS=N runs it for N seconds, prints the status and stops.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Only what the demo runs: the daemon, the agents and redundancyctl.
BUILD_TARGET=demo bash scripts/build.sh
root="$PWD"
# The demo runs on a copy of examples/demo in build/, made a git checkout of
# its own local bare remote, so the git agent has a real remote to follow and
# the source tree stays clean.
demo="$root/build/demo/workspace"
remote="$root/build/demo/remote.git"
if [ ! -d "$demo/.git" ]; then
  rm -rf "$root/build/demo"
  mkdir -p "$root/build/demo"
  cp -r "$root/examples/demo" "$demo"
  git init -q --bare -b main "$remote"
  git -C "$demo" init -q -b main
  git -C "$demo" add -A
  git -C "$demo" -c user.name=demo -c user.email=demo@example.com commit -q -m "demo workspace"
  git -C "$demo" remote add origin "$remote"
  git -C "$demo" push -q origin main
  git -C "$demo" branch -q --set-upstream-to=origin/main main
fi
config="$demo/redundancy.yaml"
"$root/build/bin/redundancyctl" config validate "$config"
# The PM2 agent brings up the demo's apps in a private PM2 (build/demo/workspace/.redundancy/pm2);
# stop that PM2 too when the demo ends.
stop_pm2() { PM2_HOME="$demo/.redundancy/pm2" pm2 kill >/dev/null 2>&1 || true; }
trap stop_pm2 EXIT
listen=$(sed -n 's/^http: *{listen: *\([^}]*\)}.*/\1/p' "$config")
echo "demo: status page http://${listen:-127.0.0.1:9464}/ ; state and logs in $demo/.redundancy"
echo "demo: in another shell try:"
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
