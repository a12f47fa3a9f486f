#!/usr/bin/env bash
# The test command: installs the engines, starts private ones for this run, runs `dotnet test`, prints
# "N passed, N failed[, N skipped]".
# Extra arguments go to `dotnet test` (e.g. --filter ..., --no-build). PARITY_TEST_TARGET overrides Parity.sln.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
root=$PWD
target=${PARITY_TEST_TARGET:-Parity.sln}
results=$root/TestResults
source "$root/deploy/ports.sh"

./deploy/install-engines.sh

# Every run has engines of its own: a private runtime directory (pid files, sockets, data, logs) and ports that were
# free when it started, so parallel runs never meet and no run uses an engine some other process started. Only the
# installs stay shared and cached: the apt packages, the Helia npm tree and the test image tarball (~/.cache/parity).
engines=$(mktemp -d "${TMPDIR:-/tmp}/parity-test.XXXXXX")
export PARITY_ENGINES_DIR=$engines
started_redis=
started_chain=
started_docker=0
started_ipfs=()
ipfs_jobs=()
cleanup() {
  local p mount job
  # A node still starting writes into $engines: let its start finish (it gives up within 30 s) before stopping it.
  for job in "${ipfs_jobs[@]}"; do wait "$job" 2>/dev/null || true; done
  for p in "${started_ipfs[@]}"; do "$root/deploy/ipfs.sh" stop --port "$p" || true; done
  if [ -n "$started_redis" ]; then "$root/deploy/redis.sh" stop --port "$started_redis" || true; fi
  if [ -n "$started_chain" ]; then "$root/deploy/chain.sh" stop --port "$started_chain" || true; fi
  if [ "$started_docker" = 1 ]; then "$root/deploy/docker.sh" stop || true; fi
  # The engines' logs outlive the run beside its results, for a failure to be read afterwards.
  rm -rf "$results/engines"; mkdir -p "$results/engines"
  local log
  while read -r log; do cp "$log" "$results/engines/$(basename "$(dirname "$log")")-$(basename "$log")" || true; done < <(
    find "$engines" -maxdepth 2 -name '*.log' 2>/dev/null)
  # dockerd unmounts its layers when it stops; whatever a killed one left mounted is let go before the directory goes.
  while read -r mount; do umount -l "$mount" 2>/dev/null || true; done < <(
    awk -v d="$engines/" 'index($2, d) == 1 { print $2 }' /proc/self/mounts | sort -r)
  rm -rf --one-file-system "$engines"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# start_private VAR SCRIPT [ARGS]: starts the engine on a free port (SCRIPT start --port P --private ARGS); a port some
# other process takes between the pick and the bind (exit 3) means another pick. Sets VAR to the port.
start_private() {
  local var=$1 script=$2 port rc try
  shift 2
  for try in 1 2 3 4 5; do
    port=$(free_port "${taken_ports[@]}")
    rc=0
    "$script" start --port "$port" --private "$@" || rc=$?
    if [ "$rc" = 0 ]; then taken_ports+=("$port"); printf -v "$var" '%s' "$port"; return 0; fi
    [ "$rc" = 3 ] || return "$rc"
  done
  echo "test.sh: $script found no free port in 5 tries" >&2
  return 1
}
taken_ports=()

# Two local IPFS nodes (Helia, deploy/ipfs.sh; tests move DAGs from one to the other). They take the longest to start
# (Helia's imports), so they start in the background while Redis and dockerd start.
./deploy/ipfs.sh install
ipfs_ports=()
ipfs_jobs=()
for _ in 1 2; do
  port=$(free_port "${taken_ports[@]}")
  taken_ports+=("$port")
  ipfs_ports+=("$port")
  started_ipfs+=("$port")  # stopping a node that never started is a no-op
  ./deploy/ipfs.sh start --port "$port" --private &
  ipfs_jobs+=($!)
done

start_private redis_port ./deploy/redis.sh
started_redis=$redis_port
export PARITY_TEST_REDIS=127.0.0.1:$redis_port

# A dev chain of this run (Anvil, both contracts deployed; deploy/chain.sh): the tests read its env file.
start_private chain_port ./deploy/chain.sh >/dev/null
started_chain=$chain_port
export PARITY_TEST_CHAIN_ENV=$engines/chain-$chain_port/chain.env

# A dockerd of this run (own socket, data and exec roots under $engines; no host network changes) and the test image.
started_docker=1
./deploy/docker.sh start
./deploy/docker.sh image
PARITY_TEST_DOCKER=$(./deploy/docker.sh socket)
export PARITY_TEST_DOCKER

for i in 0 1; do
  rc=0
  wait "${ipfs_jobs[$i]}" || rc=$?
  if [ "$rc" = 3 ]; then  # its port was taken between the pick and the bind: another pick
    start_private "ipfs_ports[$i]" ./deploy/ipfs.sh
    started_ipfs+=("${ipfs_ports[$i]}")
  elif [ "$rc" != 0 ]; then
    exit "$rc"
  fi
done
ipfs_jobs=()
export PARITY_TEST_IPFS=http://127.0.0.1:${ipfs_ports[0]}
export PARITY_TEST_IPFS2=http://127.0.0.1:${ipfs_ports[1]}
# The OpenAPI linter the gateway tests run on the served document (npm tree cached by package-lock hash).
PARITY_TEST_REDOCLY=$(./deploy/redocly.sh install)
export PARITY_TEST_REDOCLY
PARITY_TEST_CHROMIUM=$(command -v chromium)
export PARITY_TEST_CHROMIUM
# The metrics test starts its own Prometheus (deploy/prometheus.sh) once it knows its cluster's /metrics endpoints.
PARITY_TEST_PROMETHEUS=$(command -v prometheus)
export PARITY_TEST_PROMETHEUS
# The tunnel tests start their own sshd (on a free loopback port, with keys of their own) and run the ssh client.
PARITY_TEST_SSHD=/usr/sbin/sshd
export PARITY_TEST_SSHD

# Fresh results: counts come from this run only.
mkdir -p "$results"
find "$results" -name '*.trx' -delete

# Default trx names: a fixed LogFileName would make every test project overwrite the same file.
test_rc=0
dotnet test "$target" -c Release --logger trx --results-directory "$results" "$@" || test_rc=$?

mapfile -t trx_files < <(find "$results" -name '*.trx')
if [ ${#trx_files[@]} -eq 0 ]; then
  echo "0 passed, 0 failed"
  echo "test.sh: no .trx file in $results (dotnet test exit code $test_rc)" >&2
  exit 1
fi

# Sum one attribute of the <Counters .../> element over every trx file (no python needed).
counters=$(for f in "${trx_files[@]}"; do tr '\n\r' '  ' <"$f" | grep -o '<Counters [^>]*>' || true; done)
count() {
  local attr
  for attr in "$@"; do printf '%s\n' "$counters" | sed -n "s/.* $attr=\"\([0-9]*\)\".*/\1/p"; done |
    awk '{ s += $1 } END { print s + 0 }'
}
executed=$(count executed)
passed=$(count passed)
failed=$(count failed error timeout aborted)
skipped=$(( $(count total) - executed ))  # the trx logger leaves notExecuted at 0 for skipped tests

summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary+=", $skipped skipped"
printf '\n%s\n' "$summary"

if [ "$test_rc" -ne 0 ]; then echo "test.sh: dotnet test exited with $test_rc" >&2; exit 1; fi
if [ "$failed" -gt 0 ]; then exit 1; fi
if [ "$executed" -eq 0 ]; then echo "test.sh: no test ran" >&2; exit 1; fi
