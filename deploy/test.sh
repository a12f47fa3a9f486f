#!/usr/bin/env bash
# The test command: installs/starts the engines, runs `dotnet test`, prints "N passed, N failed[, N skipped]".
# Extra arguments go to `dotnet test` (e.g. --filter ..., --no-build). PARITY_TEST_TARGET overrides Parity.sln.
set -euo pipefail
cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
root=$PWD
target=${PARITY_TEST_TARGET:-Parity.sln}
results=$root/TestResults
redis_port=6390

./deploy/install-engines.sh

# Start Redis unless one already answers (then it is someone else's: use it, leave it running).
started_redis=0
started_docker=0
started_ipfs=()
cleanup() {
  for p in "${started_ipfs[@]}"; do "$root/deploy/ipfs.sh" stop --port "$p" || true; done
  if [ "$started_redis" = 1 ]; then "$root/deploy/redis.sh" stop --port "$redis_port" || true; fi
  if [ "$started_docker" = 1 ]; then "$root/deploy/docker.sh" stop || true; fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
if [ "$(redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null)" = PONG ]; then
  echo "redis: using the Redis already running on 127.0.0.1:$redis_port"
else
  started_redis=1
  ./deploy/redis.sh start --port "$redis_port"
fi
export PARITY_TEST_REDIS=127.0.0.1:$redis_port

# A private dockerd (own socket, no host network changes) and the local test image.
if ./deploy/docker.sh status >/dev/null 2>&1; then
  echo "docker: using the test dockerd already running"
else
  started_docker=1
  ./deploy/docker.sh start
fi
./deploy/docker.sh image
PARITY_TEST_DOCKER=$(./deploy/docker.sh socket)
export PARITY_TEST_DOCKER
# Two local IPFS nodes (Helia, deploy/ipfs.sh): tests move DAGs from one to the other.
./deploy/ipfs.sh install
for p in 5190 5191; do
  if ./deploy/ipfs.sh status --port "$p" >/dev/null 2>&1; then
    echo "ipfs: using the node already running on 127.0.0.1:$p"
  else
    started_ipfs+=("$p")
    ./deploy/ipfs.sh start --port "$p" --dir "${PARITY_ENGINES_DIR:-/tmp/parity-engines}/ipfs-$p/data"
  fi
done
export PARITY_TEST_IPFS=http://127.0.0.1:5190
export PARITY_TEST_IPFS2=http://127.0.0.1:5191
# The OpenAPI linter the gateway tests run on the served document (npm tree cached by package-lock hash).
PARITY_TEST_REDOCLY=$(./deploy/redocly.sh install)
export PARITY_TEST_REDOCLY
PARITY_TEST_CHROMIUM=$(command -v chromium)
export PARITY_TEST_CHROMIUM

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
