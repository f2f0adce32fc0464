#!/usr/bin/env bash
# Builds the npm package into dist/: the engine and driver compiled to size-tuned Wasm,
# bindings by the pinned wasm-bindgen, wasm-opt (npm binaryen: Debian's is too old for
# externref tables), then the TypeScript face.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh

ensure_wasm_target
ensure_wasm_bindgen
ensure_node_modules

cargo build --quiet --lib --release --target wasm32-unknown-unknown --features js
rm -rf js/wasm dist
wasm-bindgen target/wasm32-unknown-unknown/release/resilient_fetch.wasm \
  --target web --out-dir js/wasm --weak-refs --omit-default-module-path \
  --remove-name-section --remove-producers-section
node_modules/.bin/wasm-opt -Oz --enable-bulk-memory --enable-sign-ext --enable-mutable-globals --enable-nontrapping-float-to-int --enable-reference-types --enable-multivalue js/wasm/resilient_fetch_bg.wasm -o js/wasm/resilient_fetch_bg.wasm
npx tsc -p tsconfig.json
mkdir -p dist/wasm
cp js/wasm/resilient_fetch.js js/wasm/resilient_fetch_bg.wasm dist/wasm/
cp -r js/wasm/snippets dist/wasm/
# The declarations index.d.ts re-exports from (EngineClient, EngineCall): the generated file
# up to its loader types, which name DOM-only types (RequestInfo, BufferSource) and are not
# part of the API, and without `[Symbol.dispose]`, which needs a newer `lib`; so the package
# type-checks in strict projects with `skipLibCheck: false`, DOM lib or not.
awk '/^export type InitInput/ { exit } !/\[Symbol\.dispose\]\(\): void;/' \
  js/wasm/resilient_fetch.d.ts > dist/wasm/resilient_fetch.d.ts
# The Deno and Workers entries use module syntax tsc does not parse (source-phase and .wasm
# imports): plain JavaScript, copied, typed as the shared index.
for entry in deno workerd; do
  cp "js/$entry.js" "dist/$entry.js"
  printf 'export * from "./index.js";\n' > "dist/$entry.d.ts"
done
