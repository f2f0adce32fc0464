#!/usr/bin/env bash
# The full test suite: the one command the README names and CI runs.
# Installs what it needs (idempotently: present tools are skipped), then checks style and
# runs every test. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n=== %s\n' "$*"; }

step "toolchain"
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

step "engine purity: no JS, no clock, no entropy in src/engine"
if grep -rnE 'wasm_bindgen|js_sys|web_sys|std::time|SystemTime|Instant::now|getrandom|thread_rng' src/engine; then
  echo "src/engine must take time and randomness as inputs and know nothing of JS" >&2
  exit 1
fi

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -D warnings"
cargo clippy --all-targets -- -D warnings

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet

step "cargo test (unit, scenarios, properties, doc tests)"
cargo test

step "example: native engine over scripted outcomes"
cargo run --quiet --example native > /dev/null

step "done"
