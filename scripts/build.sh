#!/usr/bin/env bash
# Builds the npm package into dist/:
# - the engine alone, compiled to size-tuned Wasm (feature `abi` without `std`: numeric
#   exports, no imports, no formatting machinery), then wasm-opt (npm binaryen: Debian's is
#   too old for some features);
# - the TypeScript driver, checked by tsc --strict (declarations with it), each runtime's
#   entry bundled and minified into one file by esbuild.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh

ensure_wasm_target
ensure_node_modules

rm -rf dist target/js
mkdir -p dist
bash scripts/abi-size.sh dist/resilient_fetch.wasm

# Type-check everything (strict) and emit the declarations; the JavaScript is esbuild's.
npx tsc -p tsconfig.json --outDir target/js --declaration --stripInternal
for entry in node browser; do
  node_modules/.bin/esbuild "js/$entry.ts" --bundle --minify --format=esm --target=es2022 \
    --platform=neutral --external:node:fs --log-level=warning --outfile="dist/$entry.js"
done
# The Deno and Workers entries import the .wasm itself (module syntax tsc does not parse):
# bundled the same way, with that import left to the runtime or the Worker's bundler.
for entry in deno workerd; do
  node_modules/.bin/esbuild "js/$entry.js" --bundle --minify --format=esm --target=esnext \
    --platform=neutral --external:./resilient_fetch.wasm --log-level=warning --outfile="dist/$entry.js"
done
# Declarations: the public ones (index, types, errors, engine); every entry is typed as index.
# The shared-state stores: plain modules without the engine (a store only runs the
# coordinator), each an entry of its own.
for entry in durable-object redis; do
  node_modules/.bin/esbuild "js/$entry.ts" --bundle --minify --format=esm --target=es2022 \
    --platform=neutral --log-level=warning --outfile="dist/$entry.js"
done
cp target/js/index.d.ts target/js/types.d.ts target/js/errors.d.ts target/js/engine.d.ts \
  target/js/durable-object.d.ts target/js/redis.d.ts target/js/coordinator.d.ts dist/
for entry in node browser deno workerd; do
  printf 'export * from "./index.js";\n' > "dist/$entry.d.ts"
done
