#!/usr/bin/env bash
# Node suites against the package as users get it: npm pack, install the tarball into a
# temporary project, run node --test there against a loopback server.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

tarball=$(npm pack --silent --ignore-scripts --pack-destination "$work" | tail -n 1)
mkdir -p "$work/project"
cd "$work/project"
printf '{ "name": "node-suite", "private": true, "type": "module" }\n' > package.json
npm install --silent --no-audit --no-fund "$work/$tarball"
cp "$root"/tests/node/*.mjs "$root"/tests/server/scripted.mjs .
node --test --test-concurrency=1 --test-reporter=spec --test-timeout=60000 ./*.test.mjs
