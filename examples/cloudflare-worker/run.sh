#!/usr/bin/env bash
# Runs the Worker locally with wrangler dev (offline), against a flaky upstream on
# 127.0.0.1:8788, makes a few requests and prints the answers, then stops everything.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
cd "$here"
export CLOUDFLARE_CF_FETCH_ENABLED=false WRANGLER_SEND_METRICS=false WRANGLER_LOG=error
tmp=$(mktemp -d)
node "$root/tests/server/scripted.mjs" --port 8788 --lifetime-ms 300000 < <(sleep 300) > "$tmp/upstream" &
upstream=$!
"$root/node_modules/.bin/wrangler" dev --port 8787 --ip 127.0.0.1 --local > "$tmp/wrangler.log" 2>&1 < <(sleep 300) &
worker=$!
trap 'kill $worker $upstream 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 300); do
  curl -s -o /dev/null http://127.0.0.1:8787/breaker && break
  sleep 0.2
done
show() { printf '%-24s %-28s -> %s\n' "$1" "$2" "$(curl -s -w ' [%{http_code}]' "http://127.0.0.1:8787$1")"; }
show "/s/a/503,429;ra=1,200" "(retried, then 200)"
show "/breaker" ""
show "/s/b/500" "(fails 3 times: opens)"
show "/s/c/200" "(refused: breaker open)"
show "/breaker" ""
