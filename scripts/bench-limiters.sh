#!/usr/bin/env bash
# resilientFetch with no options next to ky, p-retry and cockatiel against real, unmodified rate
# limiters on 127.0.0.1 (nginx limit_req; express-rate-limit with draft-6/7/8 + legacy headers;
# @fastify/rate-limit): median of 3 runs per (server, library) as Markdown on stdout, all runs
# as JSON and an HTML report in bench/limiters/out/, then the report checked in headless
# Chromium.
#   bash scripts/bench-limiters.sh [--runs N] [--quick] [other flags of bench/limiters/run.mjs]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
ensure_node_modules
[ -x /usr/sbin/nginx ] || apt_install nginx
ensure_chromium
[ -f dist/node.js ] || bash scripts/build.sh
node bench/limiters/run.mjs --check "$@"
