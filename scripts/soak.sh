#!/usr/bin/env bash
# Soak under faults and bounded state, in Node, then the same soak in workerd, against the
# packed package. The Node process must also exit on its own (no timer left behind): it runs
# under a time limit.
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
cp "$root"/tests/soak/{soak.mjs,plan.mjs,worker.mjs} "$root/tests/server/scripted.mjs" "$project"/
cd "$project"
timeout 1200 node --expose-gc soak.mjs "$@"
# The same soak in workerd (through miniflare), as many calls as the Node run.
calls=10000
while [ $# -gt 0 ]; do
  [ "$1" = "--calls" ] && calls=$2
  shift
done
timeout 1200 node "$root/tests/soak/workerd.mjs" "$project" --calls "$calls"
