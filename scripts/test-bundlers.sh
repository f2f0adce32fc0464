#!/usr/bin/env bash
# The browser example's app built by Vite and by webpack 5 (production builds, configs as a
# user writes them), each build served from its output directory and loaded in headless
# Chromium, making a call that retries (examples/browser/bundlers/check.mjs checks it).
# Packs the package and installs the tarball into a temporary project, as users get it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
root=$(pwd)
if [ ! -f dist/browser.js ] || [ -n "$(find src js Cargo.toml -newer dist/browser.js -print -quit)" ]; then
  bash scripts/build.sh
fi
ensure_node_modules
ensure_chromium
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

project=$(packed_project "$work" bundlers-app)
app="$root/examples/browser/bundlers"
cp -r "$app"/{index.html,webpack.html,webpack.config.js,src} "$project"/
cd "$project"

timeout 120 "$root/node_modules/.bin/vite" build --outDir out-vite --logLevel warn
timeout 60 node "$app/check.mjs" vite out-vite "$root"

timeout 120 "$root/node_modules/.bin/webpack" --mode production --no-stats
cp webpack.html out-webpack/index.html
timeout 60 node "$app/check.mjs" webpack out-webpack "$root"
