#!/usr/bin/env bash
# deploy/prometheus.sh start|stop|status [--port P] [--dir D] [--targets HOST:PORT,...] [--key-file F] [--interval I]
#                                       [--binary PATH] [--private]
# Runs a local Prometheus (Debian's `prometheus`, deploy/install-engines.sh prometheus) on 127.0.0.1:P with its own data
# directory and a scrape config it writes (D/prometheus.yml): one job, `parity`, scraping /metrics of each target every
# I (default 1s, so tests and a first look see counts at once). --key-file: a file holding METRICS_KEY (or
# GATEWAY_API_KEY), sent as the bearer token. Pid file D/prometheus.pid; stopped by that pid file only.
# --private: start one of our own or fail; a port in use, or one another process takes first, exits 3.
set -euo pipefail
here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
source "$here/ports.sh"

cmd=${1:-}; [ $# -gt 0 ] && shift
port=9090
dir=
targets=
key_file=
interval=1s
binary=prometheus
private=0
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    --targets) targets=$2; shift 2 ;;
    --key-file) key_file=$2; shift 2 ;;
    --interval) interval=$2; shift 2 ;;
    --binary) binary=$2; shift 2 ;;
    --private) private=1; shift ;;
    *) echo "prometheus.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
dir=${dir:-${PARITY_ENGINES_DIR:-/tmp/parity-engines}/prometheus-$port}
pidfile=$dir/prometheus.pid
logfile=$dir/prometheus.log
config=$dir/prometheus.yml
url=http://127.0.0.1:$port

# our prometheus: the pid file exists and names a live prometheus (guards against a recycled pid)
ours_alive() { [ -f "$pidfile" ] && [ "$(ps -o comm= -p "$(cat "$pidfile")" 2>/dev/null)" = prometheus ]; }
ready() { curl -sf -o /dev/null "$url/-/ready"; }

write_config() {
  local target list=()
  IFS=',' read -r -a list <<<"$targets"
  {
    echo "# Written by deploy/prometheus.sh: the Parity cluster's /metrics endpoints."
    echo "global:"
    echo "  scrape_interval: $interval"
    echo "  scrape_timeout: $interval"
    echo "scrape_configs:"
    echo "  - job_name: parity"
    echo "    metrics_path: /metrics"
    if [ -n "$key_file" ]; then
      echo "    authorization:"
      echo "      type: Bearer"
      echo "      credentials_file: $(readlink -f "$key_file")"
    fi
    echo "    static_configs:"
    echo "      - targets:"
    for target in "${list[@]}"; do
      [ -n "$target" ] && echo "          - '$target'"
    done
  } >"$config"
}

case "$cmd" in
  start)
    command -v "$binary" >/dev/null || { echo "prometheus.sh: no '$binary'; run deploy/install-engines.sh prometheus" >&2; exit 1; }
    if [ -n "$key_file" ] && [ ! -r "$key_file" ]; then echo "prometheus.sh: --key-file $key_file is not readable" >&2; exit 2; fi
    if [ "$private" = 1 ]; then
      if port_taken "$port"; then echo "prometheus.sh: port $port is in use; --private starts only a Prometheus of its own" >&2; exit 3; fi
    else
      if ours_alive && ready; then echo "prometheus: already running on $url (pid $(cat "$pidfile"))"; exit 0; fi
      if port_taken "$port"; then echo "prometheus.sh: port $port is in use by another process" >&2; exit 3; fi
    fi
    mkdir -p "$dir/data"
    write_config
    "$binary" --config.file="$config" --storage.tsdb.path="$dir/data" --storage.tsdb.retention.time=1d \
      --web.listen-address="127.0.0.1:$port" >"$logfile" 2>&1 </dev/null &
    echo $! >"$pidfile"
    for _ in $(seq 300); do
      # The answer must come from the process just started, not from one that took the port first.
      if ready && listener_owned_by "$port" "$(cat "$pidfile")"; then
        echo "prometheus: started on $url (pid $(cat "$pidfile")), scraping ${targets:-nothing} every $interval; config $config"
        exit 0
      fi
      kill -0 "$(cat "$pidfile")" 2>/dev/null || break
      sleep 0.1
    done
    kill "$(cat "$pidfile")" 2>/dev/null || true
    rm -f "$pidfile"
    if [ "$private" = 1 ] && port_taken "$port"; then echo "prometheus.sh: another process took port $port first" >&2; exit 3; fi
    echo "prometheus.sh: prometheus did not become ready on port $port; log tail:" >&2
    tail -n 20 "$logfile" >&2 || true
    exit 1 ;;
  stop)
    if ! ours_alive; then rm -f "$pidfile"; echo "prometheus: not running (no live pid file $pidfile)"; exit 0; fi
    pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$pidfile"
    echo "prometheus: stopped (pid $pid)" ;;
  status)
    if ours_alive && ready; then echo "prometheus: running on $url (pid $(cat "$pidfile"))"
    else echo "prometheus: not running on $url"; exit 1; fi ;;
  *) echo "usage: $0 start|stop|status [--port P] [--dir D] [--targets HOST:PORT,...] [--key-file F] [--interval I] [--binary PATH] [--private]" >&2; exit 2 ;;
esac
