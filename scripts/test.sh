#!/usr/bin/env bash
# The full test suite: the one command the README names and CI runs.
# Installs what it needs (idempotently: present tools are skipped), then checks style and
# runs every test. Exits non-zero on the first failure.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh

step() { printf '\n=== %s\n' "$*"; }

step "toolchain"
rustup component list --installed 2>/dev/null | grep -q '^rustfmt' || rustup component add rustfmt
rustup component list --installed 2>/dev/null | grep -q '^clippy' || rustup component add clippy

step "engine purity: no JS, no clock, no entropy in src/engine"
if grep -rnE 'wasm_bindgen|js_sys|web_sys|std::time|SystemTime|Instant::now|getrandom|thread_rng' src/engine; then
  echo "src/engine must take time and randomness as inputs and know nothing of JS" >&2
  exit 1
fi

step "generated files current with the option schema (node scripts/gen.mjs --check)"
node scripts/gen.mjs --check

step "no import circle among the engine's modules"
node scripts/check-imports.mjs

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy --all-targets -D warnings"
cargo clippy --all-targets -- -D warnings

step "cargo doc (warnings are errors)"
RUSTDOCFLAGS="-D warnings" cargo doc --no-deps --quiet

step "cargo test (unit, scenarios, properties, doc tests)"
cargo test

step "the npm package's numeric interface, natively (cargo test --features abi)"
cargo clippy --all-targets --features abi -- -D warnings
cargo test --quiet --features abi --lib faces::abi

step "example: native engine over scripted outcomes"
cargo run --quiet --example native > /dev/null

step "toolchain for Wasm, the browser and npm"
ensure_wasm_target
ensure_wasm_bindgen
ensure_wasm_pack
ensure_chromium
ensure_node_modules

step "cargo clippy of the web face and its tests -D warnings"
cargo clippy --lib --tests --target wasm32-unknown-unknown --features web -- -D warnings

step "cargo clippy of the engine's numeric interface (the npm package's Wasm) -D warnings"
cargo clippy --lib --target wasm32-unknown-unknown --no-default-features --features abi -- -D warnings

step "cargo clippy of the component build -D warnings"
cargo clippy --lib --target wasm32-unknown-unknown --features component --target-dir target/component -- -D warnings

step "the component: built, no imports, driven by a jco host, transcripts equal to the native crate's"
bash scripts/test-component.sh

step "build the npm package (the engine alone in Wasm; the TypeScript driver, tsc --strict, minified)"
bash scripts/build.sh

step "the web face in headless Chromium (wasm-pack, a scripted fetch in the page)"
CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome --features web

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step "Node suite against the packed tarball"
bash scripts/test-node.sh

step "conformance suite: Node, Deno, workerd, headless Chromium (packed package)"
bash scripts/test-runtimes.sh

step "state shared by a fleet: four Workers in workerd through one Durable Object namespace (miniflare)"
bash scripts/test-shared-do.sh

step "state shared by a fleet: four Node processes through a real redis-server"
bash scripts/test-shared-redis.sh

step "soak under faults and bounded state (short run; the full one: bash scripts/soak.sh)"
bash scripts/soak.sh --calls 2000 --keys 20000

step "examples, each against its own local server"
bash scripts/example.sh node | tee "$tmp/example" | tail -n 3
grep -q -- "-> 201; keys seen by the server: \([0-9a-f-]*\), \1\$" "$tmp/example"
bash scripts/example.sh deno | tee "$tmp/example"
grep -q "call 4: CircuitOpenError" "$tmp/example"
bash scripts/example.sh browser --check | tee "$tmp/example" | tail -n 2
grep -q "call 3: 200" "$tmp/example"
bash scripts/example.sh cloudflare-worker | tee "$tmp/example"
grep -q '"state":"open"' "$tmp/example"
bash scripts/example.sh component | tee "$tmp/example" | tail -n 2
grep -q -- "-> 200 200 #2" "$tmp/example"

step "demo (quick), and its HTML report rendered in headless Chromium"
DEMO_REPORT="$tmp/demo-report.html" node examples/demo/demo.mjs --quick
node tests/report/check.mjs "$tmp/demo-report.html"

step "real rate limiters (quick): nginx, express-rate-limit, @fastify/rate-limit; the HTML report in headless Chromium"
bash scripts/bench-limiters.sh --quick --out "$tmp/limiters" | tail -n 3

step "bundlers: the browser app built by Vite and webpack (production), in headless Chromium"
bash scripts/test-bundlers.sh

step "the lean build's goals (quick: proves the benchmark runs; it reports, never fails on a miss)"
node bench/goals.mjs --quick | tail -n 14

step "done"
