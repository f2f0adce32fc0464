#!/usr/bin/env bash
# The conformance suite in Node, Deno, workerd and headless Chromium, against the packed
# package installed into a temporary project, as users get it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

project=$(packed_project "$work" conformance)
cp "$root"/tests/conformance/{run.mjs,scenarios.mjs,worker.mjs,index.html,bundle-entry.mjs,bundle.html} "$project"/
cp "$root/tests/vectors/replay.mjs" "$project"/
node "$root/tests/conformance/run-all.mjs" "$project" "$@"
