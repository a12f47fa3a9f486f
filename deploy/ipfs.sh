#!/usr/bin/env bash
# deploy/ipfs.sh install | start --port P [--dir D] [--private] | stop --port P | status --port P
# A local IPFS node (Helia, deploy/ipfs/server.mjs) on 127.0.0.1: Kubo cannot be installed here (docs: ENGINES.md).
# Its npm tree lives in a cache keyed by package-lock.json's sha256, so clones on one machine share one install.
# --private: start a node of our own or fail; a port in use, or one another process takes first, exits 3.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
. "$here/npm-cache.sh"
source "$here/ports.sh"
src=$here/ipfs
cmd=${1:-}; [ $# -gt 0 ] && shift
port=5190
dir=
private=0
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --private) private=1; shift ;;
    *) echo "ipfs.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
run=${PARITY_ENGINES_DIR:-/tmp/parity-engines}/ipfs-$port
dir=${dir:-$run/data}
pidfile=$run/node.pid
logfile=$run/node.log
cache=${XDG_CACHE_HOME:-$HOME/.cache}/parity/ipfs-node-$(sha256sum "$src/package-lock.json" | cut -c1-16)

# Helia needs Node >= 20 (Debian's own v18 fails on a regex flag at import).
check_node() {
  command -v node >/dev/null || { echo "ipfs.sh: node is not installed; Node >= 20 is needed (e.g. NodeSource's nodejs)" >&2; exit 1; }
  local major; major=$(node -p 'process.versions.node.split(".")[0]')
  [ "$major" -ge 20 ] || { echo "ipfs.sh: node $(node --version) is too old; Helia needs Node >= 20" >&2; exit 1; }
}

install() {
  check_node
  npm_cache_install "$src" "$cache"
  # server.mjs resolves its imports through this link (gitignored), so the checkout's own script always runs.
  if [ -d "$src/node_modules" ] && [ ! -L "$src/node_modules" ]; then rm -rf "$src/node_modules"; fi
  ln -sfn "$cache/node_modules" "$src/node_modules"
  echo "ipfs: node modules ready in $cache"
}

# ours: the pid file names a live node process (guards against a recycled pid)
ours_alive() { [ -f "$pidfile" ] && [ "$(ps -o comm= -p "$(cat "$pidfile")" 2>/dev/null)" = node ]; }
answers() { curl -sf -X POST -m 2 "http://127.0.0.1:$port/api/v0/version" >/dev/null 2>&1; }

case "$cmd" in
  install) install ;;
  start)
    if [ "$private" = 1 ]; then
      if port_taken "$port"; then echo "ipfs.sh: port $port is in use; --private starts only a node of its own" >&2; exit 3; fi
    else
      if ours_alive && answers; then echo "ipfs: already running on 127.0.0.1:$port (pid $(cat "$pidfile"))"; exit 0; fi
      if answers; then echo "ipfs: a node not started by us already answers on 127.0.0.1:$port; leaving it alone"; exit 0; fi
    fi
    [ -L "$src/node_modules" ] && [ -e "$src/node_modules" ] || install >/dev/null
    mkdir -p "$run" "$dir"
    node "$src/server.mjs" --port "$port" --dir "$dir" >"$logfile" 2>&1 </dev/null &
    echo $! >"$pidfile"
    for _ in $(seq 300); do
      # Private: the answer must come from the process just started, not from one that took the port first.
      if answers && { [ "$private" = 0 ] || listener_owned_by "$port" "$(cat "$pidfile")"; }; then
        echo "ipfs: started on 127.0.0.1:$port (pid $(cat "$pidfile"), data $dir)"; exit 0
      fi
      kill -0 "$(cat "$pidfile")" 2>/dev/null || break
      sleep 0.1
    done
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
    if [ "$private" = 1 ] && port_taken "$port"; then echo "ipfs.sh: another process took port $port first" >&2; exit 3; fi
    echo "ipfs.sh: the node did not answer on port $port; log tail:" >&2
    tail -n 20 "$logfile" >&2 || true
    exit 1 ;;
  stop)
    if ! ours_alive; then rm -f "$pidfile"; echo "ipfs: not running (no live pid file $pidfile)"; exit 0; fi
    pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$pidfile"
    echo "ipfs: stopped (pid $pid)" ;;
  status)
    if ours_alive && answers; then echo "ipfs: running on 127.0.0.1:$port (pid $(cat "$pidfile"))"
    elif answers; then echo "ipfs: a node not started by us answers on 127.0.0.1:$port"
    else echo "ipfs: not running on 127.0.0.1:$port"; exit 1; fi ;;
  *) echo "usage: $0 install | start --port P [--dir D] [--private] | stop --port P | status --port P" >&2; exit 2 ;;
esac
