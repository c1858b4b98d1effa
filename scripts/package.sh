#!/usr/bin/env bash
# Builds the Debian package: build/redundancy_<version>_amd64.deb (CPack;
# stripped binaries, the systemd unit, the PM2 ecosystem file, the example
# config and README; dependencies computed by dpkg-shlibdeps). Install it with
#   apt-get install ./build/redundancy_*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
[ -n "${SKIP_SETUP:-}" ] || bash scripts/setup.sh
GEN=()
command -v ninja >/dev/null 2>&1 && GEN=(-G Ninja)
if [ ! -f build/CMakeCache.txt ]; then
  cmake -S . -B build "${GEN[@]}" -DCMAKE_BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
fi
cmake --build build -j "${JOBS:-2}" --target demo
out="$PWD/build/cpack"
(cd build && cpack -G DEB -B "$out" >"$out.log" 2>&1) || { cat "$out.log"; exit 1; }
deb=$(ls -t "$out"/redundancy_*_amd64.deb | head -n 1)
cp "$deb" build/
echo "package: build/$(basename "$deb")"
