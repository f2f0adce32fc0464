#!/usr/bin/env bash
# Installs the tools the build and the tests use, idempotently: each is skipped when present
# at the right version. Sourced by build.sh and test.sh.
set -euo pipefail

WASM_BINDGEN_VERSION=0.2.130
WASM_PACK_VERSION=0.15.1

ensure_wasm_target() {
  rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
}

ensure_wasm_bindgen() {
  if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
    # Without --locked: with it, resolution fails on webpki-roots (see TOOLCHAIN notes).
    cargo install wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION" --force
  fi
}

# wasm-pack runs the web face's tests; it stays offline when the pinned wasm-bindgen is on
# PATH (ensure_wasm_bindgen). The npm package of that name downloads from GitHub: not used.
ensure_wasm_pack() {
  if ! wasm-pack --version 2>/dev/null | grep -q " $WASM_PACK_VERSION\$"; then
    cargo install wasm-pack --version "$WASM_PACK_VERSION" --locked
  fi
}

apt_updated=0
apt_install() {
  if [ "$apt_updated" = 0 ]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_chromium() {
  if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
    apt_install chromium chromium-driver
  fi
}

ensure_node_modules() {
  if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
    npm ci --no-audit --no-fund
  fi
}

# Packs the package and installs the tarball into a new project under $1 (as users get it):
# prints the project's path.
packed_project() {
  local work=$1 name=$2 tarball
  tarball=$(npm pack --silent --ignore-scripts --pack-destination "$work" | tail -n 1)
  mkdir -p "$work/project"
  printf '{ "name": "%s", "private": true, "type": "module" }\n' "$name" > "$work/project/package.json"
  (cd "$work/project" && npm install --silent --no-audit --no-fund "$work/$tarball")
  echo "$work/project"
}
