#!/usr/bin/env bash
# State shared through Redis, for real: the package as users get it (npm pack, installed into
# a temporary project), four Node processes per test, a loopback origin and real
# redis-server instances on 127.0.0.1 (tests/shared/redis.test.mjs). Expects dist/ built
# (bash scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/tools.sh
source scripts/redis.sh
ensure_redis
ensure_node_modules
root=$(pwd)
[ -f dist/node.js ] || { echo "dist/ is not built: run bash scripts/build.sh first" >&2; exit 1; }

work=$(mktemp -d)
cleanup() {
  stop_redis "$work/redis-kill"
  stop_redis "$work/redis"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

project=$(packed_project "$work" shared-redis-suite)
cp "$root"/tests/shared/redis*.mjs "$root"/tests/shared/origin.mjs "$project"/
# What the suite imports besides the package: the redis client, from the repo.
mkdir -p "$project/node_modules"
for dep in redis @redis; do
  ln -sfn "$root/node_modules/$dep" "$project/node_modules/$dep"
done

# Two servers: the one the fleets share, and one test c kills (SIGKILL) under its fleet.
# A port taken between free_port and the start is tried again with another.
start_on_free_port() {
  local dir=$1 port i
  for ((i = 0; i < 3; i++)); do
    port=$(free_port)
    if start_redis "$port" "$dir"; then
      echo "$port"
      return 0
    fi
  done
  echo "redis: could not start a server in $dir" >&2
  return 1
}
port=$(start_on_free_port "$work/redis")
kill_port=$(start_on_free_port "$work/redis-kill")
export RF_REDIS_URL="redis://127.0.0.1:$port"
export RF_REDIS_KILL_URL="redis://127.0.0.1:$kill_port"
export RF_REDIS_KILL_PIDFILE="$work/redis-kill/redis.pid"

cd "$project"
node --test --test-concurrency=1 --test-reporter=spec --test-timeout=120000 redis.test.mjs
