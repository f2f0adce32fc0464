#!/usr/bin/env bash
# Benchmarks, each printing ratios measured side by side in one run (never absolute limits):
# first the lean-build goals (bench/goals.mjs: load size next to ky and cockatiel, Node import
# time, each wrapper's cost against a stub fetch, client CPU per request on loopback next to
# bare fetch, ky, cockatiel and p-retry, engine API decisions against native ones, workerd
# start-up), as a table and a JSON line; then engine decision cost natively; behaviour under
# faults; the retry budget; hedging against a slow tail; Brooker's jitter simulation in Wasm
# and natively; real rate limiters.
#
#   bash scripts/bench.sh                 everything (several minutes)
#   bash scripts/bench.sh --quick         the goals only, a few small rounds (proves they run)
#   bash scripts/bench.sh --profile       also profiles resilientFetch's stub-fetch loop
# Arguments are passed to bench/goals.mjs (see there: --rounds N, --only 1,3, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
ensure_node_modules
[ -f dist/node.js ] || bash scripts/build.sh
node bench/goals.mjs "$@"
for a in "$@"; do
  [ "$a" = --quick ] && exit 0
done
cargo bench --quiet --bench decision
node bench/overhead.mjs
node bench/budget.mjs
bash scripts/bench-shared.sh
node bench/hedging.mjs
node bench/jitter-sim.mjs
node tests/node/amplification.mjs
cargo run --quiet --release --example jitter_sim
bash scripts/bench-limiters.sh
