#!/usr/bin/env bash
# deploy/chain.sh install | start [--port P] [--private] [--decimals D] | stop [--port P] | status [--port P]
# A local Ethereum dev chain (Anvil 1.7.1's static binary) on 127.0.0.1 with the product's contracts deployed:
# ParityToken (ERC-20) and StakeWallet, compiled from deploy/contracts by solc-js (deploy/chain/deploy.mjs).
# Anvil and solc live in an npm tree cached under ~/.cache/parity, keyed by deploy/chain/package-lock.json's sha256.
#
# start: starts the chain (chain id 1337, a fixed public test mnemonic: never use its keys anywhere real) on --port P,
# or on the port of the chain this script last started if it still runs, or on a free port; deploys both contracts
# from account 0 (the owner: the only account that may call transferPayment), gives account 1 (the dev account)
# 10,000 tokens, and prints the path of an env file with BLOCKCHAIN_RPC, BLOCKCHAIN_CHAIN_ID, BLOCKCHAIN_TOKEN_ADDRESS,
# BLOCKCHAIN_STAKE_WALLET_ADDRESS, BLOCKCHAIN_TOKEN_SYMBOL, BLOCKCHAIN_NETWORK_NAME, PARITY_DEV_KEY_FILE and
# PARITY_OWNER_KEY_FILE (key files: the account's hex private key, mode 0600). Only that path goes to stdout.
# Idempotent: a running chain of ours is kept and its env file printed again.
# --private: start a chain of our own or fail; a port in use, or one another process takes first, exits 3.
set -euo pipefail

here=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)
. "$here/npm-cache.sh"
source "$here/ports.sh"
src=$here/chain
cmd=${1:-}; [ $# -gt 0 ] && shift
port=
private=0
decimals=18
while [ $# -gt 0 ]; do
  case "$1" in
    --port) port=$2; shift 2 ;;
    --private) private=1; shift ;;
    --decimals) decimals=$2; shift 2 ;;
    *) echo "chain.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
[[ $decimals =~ ^[0-9]+$ ]] && [ "$decimals" -le 36 ] || { echo "chain.sh: --decimals must be 0..36, got '$decimals'" >&2; exit 2; }
base=${PARITY_ENGINES_DIR:-/tmp/parity-engines}
last=$base/chain.port  # the port of the chain this script last started, for start/stop without --port
cache=${XDG_CACHE_HOME:-$HOME/.cache}/parity/chain-$(sha256sum "$src/package-lock.json" | cut -c1-16)
anvil=$cache/node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil
# Anvil's well-known test mnemonic: deterministic accounts, and keys that everyone knows, so a dev chain only.
mnemonic="test test test test test test test test test test test junk"
chain_id=1337

install() {
  command -v node >/dev/null || { echo "chain.sh: node is not installed; solc-js needs Node >= 20" >&2; exit 1; }
  npm_cache_install "$src" "$cache"
  [ -x "$anvil" ] || { echo "chain.sh: $anvil is missing after install" >&2; exit 1; }
}

paths() {
  run=$base/chain-$port
  pidfile=$run/anvil.pid
  logfile=$run/anvil.log
  envfile=$run/chain.env
}
ours_alive() { [ -f "$pidfile" ] && [ "$(ps -o comm= -p "$(cat "$pidfile")" 2>/dev/null)" = anvil ]; }
answers() {
  curl -sf -m 2 -H 'content-type: application/json' -d '{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}' \
    "http://127.0.0.1:$port" >/dev/null 2>&1
}
# The hex private key of account N, from the accounts file Anvil writes at start (--config-out).
account_key() { node -e 'const a=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); process.stdout.write(a.private_keys[+process.argv[2]])' "$run/accounts.json" "$1"; }
account_address() { node -e 'const a=JSON.parse(require("fs").readFileSync(process.argv[1],"utf8")); process.stdout.write(a.available_accounts[+process.argv[2]])' "$run/accounts.json" "$1"; }

stop_ours() {
  local pid; pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
  rm -f "$pidfile"
}

start() {
  if [ -z "$port" ]; then
    if [ "$private" = 0 ] && [ -f "$last" ]; then port=$(cat "$last"); else port=$(free_port); fi
  fi
  paths
  if [ "$private" = 1 ]; then
    if port_taken "$port"; then echo "chain.sh: port $port is in use; --private starts only a chain of its own" >&2; exit 3; fi
  else
    if ours_alive && answers && [ -f "$envfile" ]; then echo "chain: already running on 127.0.0.1:$port (pid $(cat "$pidfile"))" >&2; echo "$envfile"; exit 0; fi
    if answers; then echo "chain.sh: something not started by us answers on 127.0.0.1:$port; give another --port" >&2; exit 1; fi
    if ours_alive; then stop_ours; fi  # a chain of ours without its contracts (a start interrupted mid-deploy)
  fi
  install
  rm -rf "$run"; mkdir -p "$run"; chmod 700 "$run"
  "$anvil" --host 127.0.0.1 --port "$port" --chain-id "$chain_id" --mnemonic "$mnemonic" --balance 1000 \
    --config-out "$run/accounts.json" >"$logfile" 2>&1 </dev/null &
  echo $! >"$pidfile"
  local up=0
  for _ in $(seq 100); do
    if answers && { [ "$private" = 0 ] || listener_owned_by "$port" "$(cat "$pidfile")"; }; then up=1; break; fi
    kill -0 "$(cat "$pidfile")" 2>/dev/null || break
    sleep 0.1
  done
  if [ "$up" = 0 ]; then
    stop_ours
    if [ "$private" = 1 ] && port_taken "$port"; then echo "chain.sh: another process took port $port first" >&2; exit 3; fi
    echo "chain.sh: anvil did not answer on port $port; log tail:" >&2
    tail -n 20 "$logfile" >&2 || true
    exit 1
  fi
  local rpc=http://127.0.0.1:$port deployed token stake
  ln -sfn "$cache/node_modules" "$src/node_modules"  # deploy.mjs resolves solc through this link (gitignored)
  if ! deployed=$(node "$src/deploy.mjs" "$rpc" "$here/contracts" "$run/abi" "$(account_address 0)" "$(account_address 1)" \
      "Parity Token" PRTY "$decimals" 1000000 10000); then
    stop_ours
    echo "chain.sh: deploying the contracts failed" >&2
    exit 1
  fi
  token=$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).token)' "$deployed")
  stake=$(node -e 'process.stdout.write(JSON.parse(process.argv[1]).stakeWallet)' "$deployed")
  (umask 077; account_key 0 >"$run/owner.key"; account_key 1 >"$run/dev.key")
  cat >"$envfile.tmp" <<ENV
# Written by deploy/chain.sh for the dev chain on $rpc (pid $(cat "$pidfile")). Test keys only.
BLOCKCHAIN_RPC=$rpc
BLOCKCHAIN_CHAIN_ID=$chain_id
BLOCKCHAIN_NETWORK_NAME=anvil-dev
BLOCKCHAIN_TOKEN_ADDRESS=$token
BLOCKCHAIN_TOKEN_SYMBOL=PRTY
BLOCKCHAIN_TOKEN_DECIMALS=$decimals
BLOCKCHAIN_STAKE_WALLET_ADDRESS=$stake
# The compiled contracts' ABIs (ParityToken.abi.json, StakeWallet.abi.json).
PARITY_CHAIN_ABI_DIR=$run/abi
# Account 1: 1000 ETH and 10000 PRTY. Its hex private key, for 'parity-runner auth --private-key-file'.
PARITY_DEV_KEY_FILE=$run/dev.key
PARITY_DEV_ADDRESS=$(account_address 1)
# Account 0: deployed both contracts, so it is the StakeWallet's owner (the payer of transferPayment).
PARITY_OWNER_KEY_FILE=$run/owner.key
PARITY_OWNER_ADDRESS=$(account_address 0)
ENV
  mv "$envfile.tmp" "$envfile"  # the env file exists only once everything in it is true
  [ "$private" = 1 ] || echo "$port" >"$last"
  echo "chain: started on $rpc (pid $(cat "$pidfile")), token $token, stake wallet $stake" >&2
  echo "$envfile"
}

case "$cmd" in
  install) install; echo "chain: anvil and solc ready in $cache" >&2 ;;
  start) start ;;
  stop)
    if [ -z "$port" ]; then
      [ -f "$last" ] || { echo "chain: not running (no chain started without --port)" >&2; exit 0; }
      port=$(cat "$last")
    fi
    paths
    if [ -f "$last" ] && [ "$(cat "$last")" = "$port" ]; then rm -f "$last"; fi
    if ! ours_alive; then rm -f "$pidfile"; echo "chain: not running on 127.0.0.1:$port" >&2; exit 0; fi
    pid=$(cat "$pidfile")
    stop_ours
    # The log stays for a failure to be read (deploy/test.sh keeps it with the results); what describes a running
    # chain, and its key files, go.
    rm -rf "$envfile" "$run/dev.key" "$run/owner.key" "$run/abi"
    echo "chain: stopped (pid $pid)" >&2 ;;
  status)
    [ -n "$port" ] || { [ -f "$last" ] && port=$(cat "$last"); } || { echo "chain: not running" >&2; exit 1; }
    paths
    if ours_alive && answers; then echo "chain: running on 127.0.0.1:$port (pid $(cat "$pidfile")), env $envfile" >&2
    else echo "chain: not running on 127.0.0.1:$port" >&2; exit 1; fi ;;
  *) echo "usage: $0 install | start [--port P] [--private] [--decimals D] | stop [--port P] | status [--port P]" >&2; exit 2 ;;
esac
