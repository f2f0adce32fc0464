#!/usr/bin/env bash
# The component, for real: built, validated (no imports), transpiled with jco and driven from
# Node through seeded scenarios whose transcripts must equal the native crate's.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-component.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cargo run --quiet --example transcript -- tests/component/scenarios.json > "$tmp/native.json"
node tests/component/host.mjs dist-component/js tests/component/scenarios.json "$tmp/native.json"
