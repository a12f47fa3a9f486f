#!/usr/bin/env bash
# deploy/redis.sh start|stop|status [--port P] [--dir D] [--appendonly]
# Runs a local Redis on 127.0.0.1 with a pid file (D/redis-P.pid); stops it by that pid file only.
set -euo pipefail

cmd=${1:-}; [ $# -gt 0 ] && shift
port=6390
dir=${PARITY_ENGINES_DIR:-/tmp/parity-engines}/redis
appendonly=no
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --appendonly) appendonly=yes; shift ;;
    *) echo "redis.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
pidfile=$dir/redis-$port.pid
logfile=$dir/redis-$port.log

# our redis: the pid file exists and names a live redis-server (guards against a recycled pid)
ours_alive() { [ -f "$pidfile" ] && [ "$(ps -o comm= -p "$(cat "$pidfile")" 2>/dev/null)" = redis-server ]; }
pong() { [ "$(redis-cli -h 127.0.0.1 -p "$port" ping 2>/dev/null)" = PONG ]; }

case "$cmd" in
  start)
    if ours_alive && pong; then echo "redis: already running on 127.0.0.1:$port (pid $(cat "$pidfile"))"; exit 0; fi
    if pong; then echo "redis: a Redis not started by us already answers on 127.0.0.1:$port; leaving it alone"; exit 0; fi
    mkdir -p "$dir"
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly "$appendonly" \
      --dir "$dir" --daemonize no >"$logfile" 2>&1 </dev/null &
    echo $! >"$pidfile"
    for _ in $(seq 100); do
      if pong; then echo "redis: started on 127.0.0.1:$port (pid $(cat "$pidfile"))"; exit 0; fi
      kill -0 "$(cat "$pidfile")" 2>/dev/null || break
      sleep 0.1
    done
    echo "redis.sh: redis did not answer PING on port $port; log tail:" >&2
    tail -n 20 "$logfile" >&2 || true
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
    exit 1 ;;
  stop)
    if ! ours_alive; then rm -f "$pidfile"; echo "redis: not running (no live pid file $pidfile)"; exit 0; fi
    pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$pidfile"
    echo "redis: stopped (pid $pid)" ;;
  status)
    if ours_alive && pong; then echo "redis: running on 127.0.0.1:$port (pid $(cat "$pidfile"))"
    elif pong; then echo "redis: a Redis not started by us answers on 127.0.0.1:$port"
    else echo "redis: not running on 127.0.0.1:$port"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status [--port P] [--dir D] [--appendonly]" >&2; exit 2 ;;
esac
