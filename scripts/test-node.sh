#!/usr/bin/env bash
# Node suites against the package as users get it: npm pack, install the tarball into a
# temporary project, run node --test there against a loopback server.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
root=$(pwd)
# validate.test.mjs checks the TypeScript validator (built to target/js by build.sh) against
# the engine's own option checks, natively (examples/validate.rs): both from this repo.
export RF_REPO=$root
cargo build --quiet --release --example validate --example snapshot
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

project=$(packed_project "$work" node-suite)
cp "$root"/tests/node/*.mjs "$root"/tests/server/scripted.mjs "$project"/
cp -r "$root/tests/node/types" "$project/types"
cd "$project"
# What the suites import besides the package (other fetches; Node's types), from the repo.
mkdir -p node_modules/@types
mkdir -p node_modules/@opentelemetry
for dep in undici node-fetch @types/node redis @redis @opentelemetry/api @opentelemetry/sdk-metrics \
  @opentelemetry/sdk-trace-base @opentelemetry/core @opentelemetry/resources \
  @opentelemetry/semantic-conventions; do
  ln -sfn "$root/node_modules/$dep" "node_modules/$dep"
done

# The package's declarations in strict consumer projects (skipLibCheck: false): a Node
# project without the DOM lib, and a browser project without Node's types.
for config in tsconfig.node.json tsconfig.dom.json; do
  echo "tsc --strict consumer ($config)"
  "$root/node_modules/.bin/tsc" -p "types/$config"
done

node --test --test-concurrency=1 --test-reporter=spec --test-timeout=60000 ./*.test.mjs
