#!/usr/bin/env bash
# Runs one example offline against a local server: node, deno, browser, cloudflare-worker
# or component.
#   bash scripts/example.sh <name> [args]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
name=${1:?usage: scripts/example.sh node|deno|browser|cloudflare-worker|component}
shift
if [ ! -f dist/node.js ] || [ -n "$(find src js Cargo.toml -newer dist/node.js -print -quit)" ]; then
  bash scripts/build.sh
fi
ensure_node_modules
case "$name" in
  node) exec node examples/node/main.mjs "$@" ;;
  deno) exec node_modules/.bin/deno run --quiet --allow-net=127.0.0.1 examples/deno/main.mjs "$@" ;;
  browser) exec node examples/browser/serve.mjs "$@" ;;
  cloudflare-worker) exec bash examples/cloudflare-worker/run.sh "$@" ;;
  component)
    bash scripts/build-component.sh
    exec node examples/component/host.mjs "$@" ;;
  *) echo "unknown example: $name" >&2; exit 2 ;;
esac
