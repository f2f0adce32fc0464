#!/usr/bin/env bash
# Benchmarks, each printing ratios measured side by side in one run (never absolute limits):
# engine decision cost natively; overhead next to bare fetch, ky, cockatiel and p-retry;
# hedging against a slow tail; Brooker's jitter simulation in Wasm and natively.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
ensure_node_modules
[ -f dist/node.js ] || bash scripts/build.sh
cargo bench --quiet --bench decision
node bench/overhead.mjs "$@"
node bench/budget.mjs
node bench/hedging.mjs
node bench/size-and-decisions.mjs
node bench/workerd-startup.mjs
node bench/jitter-sim.mjs
node tests/node/amplification.mjs
cargo run --quiet --release --example jitter_sim
bash scripts/bench-limiters.sh
