#!/usr/bin/env bash
# Publishes parity-runner and parity-gateway as self-contained single-file binaries (no .NET needed where they run).
#
#   deploy/publish.sh [RID...]      default: linux-x64; linux-arm64 builds too. Output: artifacts/publish/<RID>/
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
rids=("$@")
[ ${#rids[@]} -gt 0 ] || rids=(linux-x64)
for rid in "${rids[@]}"; do
  out="artifacts/publish/$rid"
  for project in Parity.Silo Parity.Gateway; do
    dotnet publish "$project" -c Release -r "$rid" --self-contained -p:PublishSingleFile=true \
      -p:IncludeNativeLibrariesForSelfExtract=true -o "$out" --nologo -v quiet
  done
  echo "publish.sh: $out/parity-runner, $out/parity-gateway"
done
