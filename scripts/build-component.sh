#!/usr/bin/env bash
# Builds the engine as a WebAssembly component: the crate with feature `component` for
# wasm32-unknown-unknown, made a component by jco, checked to import nothing (no WASI), and
# transpiled to JavaScript for Node hosts. Output: dist-component/.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
ensure_wasm_target
ensure_node_modules

cargo build --quiet --lib --release --target wasm32-unknown-unknown --features component --target-dir target/component
rm -rf dist-component
mkdir -p dist-component
node_modules/.bin/jco new target/component/wasm32-unknown-unknown/release/resilient_fetch.wasm \
  -o dist-component/resilient_fetch.component.wasm
# A component host must not have to provide anything: no WASI, no imports at all.
world=$(node_modules/.bin/jco wit dist-component/resilient_fetch.component.wasm)
if printf '%s\n' "$world" | grep -qE '^\s*import '; then
  printf 'the component imports something:\n%s\n' "$world" >&2
  exit 1
fi
printf '%s\n' "$world" | grep -q 'export resilient:fetch/engine@0.1.0;'
node_modules/.bin/jco transpile dist-component/resilient_fetch.component.wasm \
  -o dist-component/js --name resilient_engine --quiet
