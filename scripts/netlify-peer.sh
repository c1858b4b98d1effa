#!/usr/bin/env bash
# Netlify's own packager, installed on demand for comparisons (never in CI):
#   bash scripts/netlify-peer.sh install        -> build/peer/node_modules/@netlify/zip-it-and-ship-it
#   bash scripts/netlify-peer.sh golden         -> rewrites tests/fixtures/netlify/peer/zisi-manifest.json
#                                                  and zisi-list.json of tests/fixtures/netlify/{peer,broken}
#   bash scripts/netlify-peer.sh list DIR FNDIR [REPEATS]
# The tests compare our manifest of tests/fixtures/netlify/peer with the
# packager's (Go functions left out: packaging them needs the Go toolchain); `bash bench/run.sh netlify --peer` times the packager.
set -euo pipefail
cd "$(dirname "$0")/.."
PEER=build/peer
install_peer() {
  if [ ! -d "$PEER/node_modules/@netlify/zip-it-and-ship-it" ]; then
    mkdir -p "$PEER"
    [ -f "$PEER/package.json" ] || echo '{"private": true}' > "$PEER/package.json"
    npm install --prefix "$PEER" --no-audit --no-fund --ignore-scripts @netlify/zip-it-and-ship-it toml >&2
  fi
}
list() {
  install_peer
  cp bench/peer/zisi_list.mjs "$PEER/zisi_list.mjs"
  node "$PEER/zisi_list.mjs" "$@"
}
case "${1:-}" in
  install) install_peer ;;
  list) shift; list "$@" ;;
  golden)
    out=tests/fixtures/netlify/peer/zisi-manifest.json
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    cp -r tests/fixtures/netlify/peer "$tmp/project"
    rm -rf "$tmp/project/functions/gofn" "$tmp/project/zisi-manifest.json"
    mkdir "$tmp/out"
    version=$(node -p "require('./$PEER/node_modules/@netlify/zip-it-and-ship-it/package.json').version" 2>/dev/null || true)
    list "$tmp/project" functions --zip "$tmp/out" \
      | node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
                 console.log(JSON.stringify({packager: process.argv[1], functions: j.functions}, null, 1));' \
        "@netlify/zip-it-and-ship-it $version" > "$out.tmp"
    mv "$out.tmp" "$out"
    echo "wrote $out" >&2
    # Both trees' listings (the broken one cannot be packaged: esbuild stops at its syntax errors).
    for tree in peer broken; do
      out=tests/fixtures/netlify/$tree/zisi-list.json
      list tests/fixtures/netlify/$tree functions \
        | node -e 'const j = JSON.parse(require("fs").readFileSync(0, "utf8"));
                   console.log(JSON.stringify({packager: process.argv[1], functions: j.functions}, null, 1));' \
          "@netlify/zip-it-and-ship-it $version" > "$out.tmp"
      mv "$out.tmp" "$out"
      echo "wrote $out" >&2
    done ;;
  *) echo "usage: $0 install | golden | list DIR FNDIR [REPEATS]" >&2; exit 2 ;;
esac
