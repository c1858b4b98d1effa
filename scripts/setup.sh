#!/usr/bin/env bash
# Installs everything redundancy needs to build, test and run on Debian 12.
# Idempotent: packages already present are skipped, so a second run is fast.
set -euo pipefail

APT_PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache git
  cppzmq-dev libzmq3-dev
  libprotobuf-dev protobuf-compiler
  libspdlog-dev libfmt-dev
  libyaml-cpp-dev
  libboost-dev libboost-filesystem-dev
  libsqlite3-dev
  libsystemd-dev
  libcli11-dev nlohmann-json3-dev libsimdjson-dev libtomlplusplus-dev libcpp-httplib-dev
  libgtest-dev libgmock-dev
  zlib1g-dev libcurl4-openssl-dev
  nodejs npm esbuild
  procps python3 curl time util-linux
  clang clang-format libclang-rt-14-dev
  prometheus prometheus-alertmanager python3-aiosmtpd chromium
  monitoring-plugins-basic tmux help2man
  etcd-server etcd-client
)
PM2_VERSION="${PM2_VERSION:-7}"

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A machine may ship its own node outside Debian's packages; keep it rather than fight it.
if command -v node >/dev/null && command -v npm >/dev/null; then
  tmp=(); for p in "${missing[@]}"; do [[ "$p" == nodejs || "$p" == npm ]] || tmp+=("$p"); done
  missing=("${tmp[@]}")
fi
if [ "${#missing[@]}" -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
else
  echo "setup: all Debian packages present"
fi

if ! command -v pm2 >/dev/null 2>&1; then
  echo "setup: installing pm2@${PM2_VERSION} from npm"
  as_root npm install -g --no-audit --no-fund "pm2@${PM2_VERSION}"
else
  echo "setup: pm2 present at $(command -v pm2)"
fi
