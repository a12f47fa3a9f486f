#!/usr/bin/env bash
# Installs parity-runner and parity-gateway as systemd services.
#
#   deploy/install.sh [--prefix DIR] [--from DIR]     install (or upgrade: binaries and units replaced, env files kept)
#   deploy/install.sh [--prefix DIR] --uninstall [--purge]
#
# --from: the publish directory (default: artifacts/publish/linux-x64, which deploy/publish.sh writes): the two
# self-contained binaries and what ships beside them (the native llama.cpp libraries under runtimes/, runtime config).
# --prefix: install under DIR instead of / (for packaging and tests): files only, no user, no systemctl. Into / it
# needs root: it creates the system user `parity` (in the docker group when there is one), installs the publish
# directory as /usr/local/lib/parity (links in /usr/local/bin), /etc/systemd/system/parity-{runner,gateway}.service and
# /etc/parity/{runner,gateway}.env (from .env.sample, only when absent: your settings survive upgrades), then reloads
# systemd. Enable what this machine runs: `systemctl enable --now parity-runner` (every machine) and
# `systemctl enable --now parity-gateway` (one machine).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
prefix=/
from="$root/artifacts/publish/linux-x64"
uninstall=false
purge=false
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) prefix=${2:?--prefix needs a directory}; shift 2 ;;
    --from) from=${2:?--from needs a directory}; shift 2 ;;
    --uninstall) uninstall=true; shift ;;
    --purge) purge=true; shift ;;
    *) echo "install.sh: unknown argument '$1' (see the header of deploy/install.sh)" >&2; exit 2 ;;
  esac
done
prefix=${prefix%/}
system=false
[ -z "$prefix" ] && system=true
if $system && [ "$(id -u)" -ne 0 ]; then
  echo "install.sh: installing into / needs root (or use --prefix DIR)" >&2
  exit 1
fi
bin="$prefix/usr/local/bin"
lib="$prefix/usr/local/lib/parity"
units="$prefix/etc/systemd/system"
etc="$prefix/etc/parity"
doc="$prefix/usr/local/share/doc/parity"
services=(parity-runner parity-gateway)

if $uninstall; then
  if $system; then
    for s in "${services[@]}"; do systemctl disable --now "$s" 2>/dev/null || true; done
  fi
  for s in "${services[@]}"; do rm -f "$bin/$s" "$units/$s.service"; done
  rm -rf "$lib" "$doc"
  if $purge; then
    rm -rf "$etc"
    $system && { rm -rf /var/lib/parity; userdel parity 2>/dev/null || true; }
  fi
  $system && systemctl daemon-reload
  if $purge; then echo "install.sh: removed the binaries, units, settings and state"
  else echo "install.sh: removed the binaries and units; settings kept in $etc"; fi
  exit 0
fi

for s in "${services[@]}"; do
  if [ ! -x "$from/$s" ]; then
    echo "install.sh: $from/$s is missing or not executable: run deploy/publish.sh first, or give --from DIR" >&2
    exit 1
  fi
done
if $system && ! id parity >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/parity --shell /usr/sbin/nologin --user-group parity
fi
if $system && getent group docker >/dev/null; then usermod -aG docker parity; fi

install -d -m 0755 "$bin" "$units" "$doc" "$(dirname "$lib")"
install -d -m 0750 "$etc"
# The whole publish directory, swapped in by renames: a running service keeps the files it opened until it restarts.
rm -rf "$lib.new" "$lib.old"
cp -a "$from" "$lib.new"
[ -d "$lib" ] && mv "$lib" "$lib.old"
mv "$lib.new" "$lib"
rm -rf "$lib.old"
for s in "${services[@]}"; do
  ln -sfn "/usr/local/lib/parity/$s" "$bin/$s"
  install -m 0644 "$root/deploy/systemd/$s.service" "$units/$s.service"
done
for env in runner gateway; do
  if [ ! -e "$etc/$env.env" ]; then install -m 0640 "$root/.env.sample" "$etc/$env.env"; fi
done
install -m 0644 "$root/README.md" "$doc/README.md"
if $system; then
  chown -R root:parity "$etc"
  systemctl daemon-reload
fi
echo "install.sh: installed parity-runner and parity-gateway under ${prefix:-/} (settings: $etc/{runner,gateway}.env)"
$system && echo "install.sh: enable with: systemctl enable --now parity-runner   (and parity-gateway on the gateway's machine)"
exit 0
