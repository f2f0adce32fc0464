#!/usr/bin/env bash
# The conformance suite in Node, Deno, workerd and headless Chromium, against the packed
# package installed into a temporary project, as users get it.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tarball=$(npm pack --silent --ignore-scripts --pack-destination "$work" | tail -n 1)
mkdir -p "$work/project"
cd "$work/project"
printf '{ "name": "conformance", "private": true, "type": "module" }\n' > package.json
npm install --silent --no-audit --no-fund "$work/$tarball"
cp "$root"/tests/conformance/{run.mjs,scenarios.mjs,worker.mjs,index.html} .
node "$root/tests/conformance/run-all.mjs" "$work/project" "$@"
