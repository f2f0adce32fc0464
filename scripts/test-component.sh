#!/usr/bin/env bash
# The component, for real: built, validated (no imports), transpiled with jco and driven from
# Node through the shared test vectors, whose transcripts the native crate produced (and
# `cargo test --test vectors` checks it still does).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-component.sh
node tests/component/host.mjs dist-component/js tests/vectors/vectors.json
