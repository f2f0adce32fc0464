#!/usr/bin/env bash
# Shared state across isolates through the package's Durable Object, in workerd (miniflare):
# four calling Workers and the Worker of the SharedStateObject class in one Miniflare, against
# a loopback origin. The package as users get it: npm pack, the tarball installed into a
# temporary project, the Workers bundled from inside it. Expects dist/ built (scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
ensure_node_modules
root=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

project=$(packed_project "$work" shared-do)
RF_DO_PROJECT=$project node --test --test-concurrency=1 --test-reporter=spec --test-timeout=120000 \
  "$root/tests/shared/durable-object.test.mjs"
