#!/usr/bin/env bash
# Benchmarks: engine decision cost natively, then overhead next to bare fetch in Node.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f dist/node.js ] || bash scripts/build.sh
cargo bench --quiet --bench decision
node bench/overhead.mjs "$@"
node bench/hedging.mjs
