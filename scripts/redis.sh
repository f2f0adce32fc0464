#!/usr/bin/env bash
# Local redis-server instances for the shared-state tests. Sourced after scripts/tools.sh
# (apt_install). Every server binds 127.0.0.1 only, keeps nothing on disk (no RDB, no AOF)
# and is tracked by the pidfile in its own directory: the caller stops it with stop_redis,
# from a trap.
#
#   ensure_redis              installs Debian's redis-server (and redis-cli) when missing
#   free_port                 prints a loopback port that was free a moment ago
#   start_redis PORT DIR      starts a server on PORT with DIR as its directory, waits for PONG
#   stop_redis DIR            stops the server whose pidfile is DIR/redis.pid

ensure_redis() {
  if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    apt_install redis-server
  fi
}

free_port() {
  node -e 'const s = require("node:net").createServer();
    s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

# The pid in DIR/redis.pid when that process is alive and is a redis-server.
_redis_pid() {
  local dir=$1 pid
  [ -f "$dir/redis.pid" ] || return 1
  pid=$(cat "$dir/redis.pid" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  grep -q "redis-server" "/proc/$pid/cmdline" 2>/dev/null || return 1
  echo "$pid"
}

_redis_pong() {
  [ "$(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null)" = PONG ]
}

_port_open() {
  (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

start_redis() {
  local port=$1 dir=$2 pid i
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  if _port_open "$port"; then
    # Something listens there already: reuse it only when it is the server this directory
    # started (same pidfile, alive, listening on that port); anything else is not ours.
    if pid=$(_redis_pid "$dir") && _redis_pong "$port" &&
      grep -q "$port" "/proc/$pid/cmdline" 2>/dev/null; then
      echo "redis: reusing our server on 127.0.0.1:$port (pid $pid)" >&2
      return 0
    fi
    echo "redis: port $port is in use by a process that is not ours ($dir/redis.pid); pick another port (free_port)" >&2
    return 1
  fi
  if pid=$(_redis_pid "$dir"); then
    echo "redis: $dir/redis.pid names a live server (pid $pid) not answering on $port; stop it first (stop_redis $dir)" >&2
    return 1
  fi
  rm -f "$dir/redis.pid"
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
    --daemonize yes --pidfile "$dir/redis.pid" --dir "$dir" --logfile "$dir/redis.log" \
    >/dev/null
  for ((i = 0; i < 50; i++)); do
    if _redis_pong "$port"; then
      echo "redis: started on 127.0.0.1:$port (pid $(cat "$dir/redis.pid" 2>/dev/null), dir $dir)" >&2
      return 0
    fi
    sleep 0.1
  done
  echo "redis: no PONG from 127.0.0.1:$port within 5 s; log:" >&2
  tail -n 20 "$dir/redis.log" >&2 2>/dev/null || true
  stop_redis "$dir"
  return 1
}

stop_redis() {
  local dir=$1 pid i
  if pid=$(_redis_pid "$dir"); then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 30; i++)); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "$pid" 2>/dev/null; then
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$dir/redis.pid"
}
