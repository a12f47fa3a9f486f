#!/usr/bin/env bash
# Runs the one-process cluster with working shell tasks on a fresh machine: installs the sandbox tools (bubblewrap,
# util-linux) when missing, then the silo. Arguments go to the silo.
set -euo pipefail
cd "$(dirname "$0")/.."
deploy/install-engines.sh bubblewrap util-linux >&2
exec dotnet run --project Parity.Silo -- "$@"
