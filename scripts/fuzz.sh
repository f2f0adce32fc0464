#!/usr/bin/env bash
# Fuzzes the Retry-After parser, the rate-limit header parsers, option decoding and the
# per-call state machine, each for a bounded time (default 60 s; `bash scripts/fuzz.sh 300`
# for longer), and reports executions.
# (The test command runs the same targets for 3,000 cases each, inside `cargo test`.)
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_SECONDS=${1:-60} cargo test --release --test fuzz -- --nocapture --test-threads 1 2>&1 \
  | grep -E "executions|test result"
