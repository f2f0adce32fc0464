#!/usr/bin/env bash
# The demo: builds the package if needed, then runs many clients against a flaky local API.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -f dist/node.js ] || [ -n "$(find src js Cargo.toml -newer dist/node.js -print -quit)" ]; then
  bash scripts/build.sh
fi
exec node examples/demo/demo.mjs "$@"
