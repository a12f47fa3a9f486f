#!/usr/bin/env bash
# deploy/redis.sh start|stop|status [--port P] [--dir D] [--appendonly] [--private]
# Runs a local Redis on 127.0.0.1 with a pid file (D/redis-P.pid); stops it by that pid file only.
# --private: start a Redis of our own or fail; a port in use, or one another process takes first, exits 3.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
source "$here/ports.sh"

cmd=${1:-}; [ $# -gt 0 ] && shift
port=6390
dir=${PARITY_ENGINES_DIR:-/tmp/parity-engines}/redis
appendonly=no
private=0
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --appendonly) appendonly=yes; shift ;;
    --private) private=1; shift ;;
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
    if [ "$private" = 1 ]; then
      if port_taken "$port"; then echo "redis.sh: port $port is in use; --private starts only a Redis of its own" >&2; exit 3; fi
    else
      if ours_alive && pong; then echo "redis: already running on 127.0.0.1:$port (pid $(cat "$pidfile"))"; exit 0; fi
      if pong; then echo "redis: a Redis not started by us already answers on 127.0.0.1:$port; leaving it alone"; exit 0; fi
    fi
    mkdir -p "$dir"
    redis-server --bind 127.0.0.1 --port "$port" --save '' --appendonly "$appendonly" \
      --dir "$dir" --daemonize no >"$logfile" 2>&1 </dev/null &
    echo $! >"$pidfile"
    for _ in $(seq 100); do
      # Private: the PONG must come from the process just started, not from one that took the port first.
      if pong && { [ "$private" = 0 ] || listener_owned_by "$port" "$(cat "$pidfile")"; }; then
        echo "redis: started on 127.0.0.1:$port (pid $(cat "$pidfile"))"; exit 0
      fi
      kill -0 "$(cat "$pidfile")" 2>/dev/null || break
      sleep 0.1
    done
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
    if [ "$private" = 1 ] && port_taken "$port"; then echo "redis.sh: another process took port $port first" >&2; exit 3; fi
    echo "redis.sh: redis did not answer PING on port $port; log tail:" >&2
    tail -n 20 "$logfile" >&2 || true
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
  *) echo "usage: $0 start|stop|status [--port P] [--dir D] [--appendonly] [--private]" >&2; exit 2 ;;
esac
