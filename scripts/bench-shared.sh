#!/usr/bin/env bash
# What `shared` costs (bench/shared.mjs), against a redis-server this script starts on a free
# loopback port and stops when it ends.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
source scripts/redis.sh
ensure_node_modules
ensure_redis
[ -f dist/redis.js ] || bash scripts/build.sh
dir=$(mktemp -d)
trap 'stop_redis "$dir"; rm -rf "$dir"' EXIT
port=$(free_port)
start_redis "$port" "$dir"
node bench/shared.mjs --redis "redis://127.0.0.1:$port" "$@"
