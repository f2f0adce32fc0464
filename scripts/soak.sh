#!/usr/bin/env bash
# Soak under faults and bounded state, in Node, against the packed package. The process
# must also exit on its own (no timer left behind): it runs under a time limit.
#   bash scripts/soak.sh                      the full run: 10,000 calls, 100,000 keys
#   bash scripts/soak.sh --calls 2000 --keys 20000   the short run the test command uses
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -f dist/node.js ] || bash scripts/build.sh
project=$(packed_project "$work" soak)
cp "$root/tests/soak/soak.mjs" "$root/tests/server/scripted.mjs" "$project"/
cd "$project"
timeout 1200 node --expose-gc soak.mjs "$@"
