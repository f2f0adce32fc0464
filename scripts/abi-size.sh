#!/usr/bin/env bash
# Builds the engine-only Wasm (the numeric interface, src/faces/abi.rs: no_std, no imports),
# shrinks it with wasm-opt and prints its sizes: raw, after wasm-opt, gzip -9.
#
#   bash scripts/abi-size.sh [out.wasm]     (default: target/abi/resilient_fetch_abi.wasm)
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
ensure_wasm_target
ensure_node_modules

out=${1:-target/abi/resilient_fetch_abi.wasm}
mkdir -p "$(dirname "$out")"
cargo build --quiet --lib --release --target wasm32-unknown-unknown --no-default-features --features abi
raw=target/wasm32-unknown-unknown/release/resilient_fetch.wasm
node_modules/.bin/wasm-opt -Oz --converge --strip-debug --strip-producers --strip-target-features \
  --enable-bulk-memory --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int \
  "$raw" -o "$out"
echo "raw $(wc -c < "$raw") B, wasm-opt $(wc -c < "$out") B, gzip -9 $(gzip -9c "$out" | wc -c) B: $out"
