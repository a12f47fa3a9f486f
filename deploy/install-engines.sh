#!/usr/bin/env bash
# Installs (apt) only the engines that are missing. Usage: install-engines.sh [redis] [chromium] [util-linux] [procps] [docker] [busybox] [libgomp1] [bubblewrap] [ipfs-cid] [systemd] [node] [prometheus] [ssh]
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

engines=("$@")
[ ${#engines[@]} -gt 0 ] || engines=(redis chromium util-linux procps docker busybox libgomp1 bubblewrap ipfs-cid systemd node prometheus ssh)

package() { case "$1" in redis) echo redis-server ;; docker) echo docker.io ;; busybox) echo busybox-static ;; ssh) echo "openssh-server openssh-client" ;; *) echo "$1" ;; esac; }

present() {
  case "$1" in
    redis) command -v redis-server >/dev/null && command -v redis-cli >/dev/null ;;
    chromium) command -v chromium >/dev/null ;;
    # prlimit sets a shell task's file-size and core rlimits in its sandbox; setpriv drops a root silo's tasks to uid 65534.
    util-linux) [ -x /usr/bin/prlimit ] && [ -x /usr/bin/setpriv ] ;;
    # bwrap builds each shell task's sandbox (namespaces, read-only system, size-capped tmpfs).
    bubblewrap) [ -x /usr/bin/bwrap ] ;;
    procps) command -v ps >/dev/null && command -v pkill >/dev/null ;;
    docker) command -v dockerd >/dev/null && [ -x /usr/bin/docker ] ;;
    # busybox-static: the test image needs a binary with no shared libraries.
    busybox) [ -x /bin/busybox ] && ! ldd /bin/busybox >/dev/null 2>&1 ;;
    # OpenMP runtime that the embedded llama.cpp libraries link against.
    # Looked up by file: ldconfig may be off a non-root PATH, and `ldconfig -p | grep -q` trips pipefail.
    libgomp1) compgen -G '/usr/lib/*/libgomp.so.1' >/dev/null || compgen -G '/lib/*/libgomp.so.1' >/dev/null || compgen -G '/usr/lib64/libgomp.so.1' >/dev/null ;;
    # ipfs_cid: an independent CIDv0 oracle for the IPFS tests.
    ipfs-cid) command -v ipfs_cid >/dev/null ;;
    # systemd-analyze verifies the units deploy/install.sh installs (nothing here runs systemd itself).
    systemd) [ -x /usr/bin/systemd-analyze ] && [ -d /usr/lib/systemd/system ] ;;
    # The local IPFS node (deploy/ipfs.sh) runs on Node >= 20; Debian's nodejs is 18, so it is not apt-installed here.
    node) command -v node >/dev/null && [ "$(node -p 'process.versions.node.split(".")[0]')" -ge 20 ] ;;
    # A real Prometheus scrapes the cluster's /metrics in the tests (deploy/prometheus.sh starts it; nothing else does).
    prometheus) command -v prometheus >/dev/null ;;
    # A real sshd (started by the tunnel tests on a loopback port, never as a service) and the ssh client the silo runs.
    ssh) [ -x /usr/sbin/sshd ] && command -v ssh >/dev/null && command -v ssh-keygen >/dev/null ;;
    *) echo "install-engines: unknown engine '$1'" >&2; exit 2 ;;
  esac
}

# Packages installed without their recommends: prometheus recommends the node exporter and its collectors
# (smartmontools, ipmitool, nvme-cli, ...), ~60 MB that nothing here uses; without them it is 12 packages, ~19 MB to
# download (measured: 17 s on a fresh machine of this kind).
lean() { case "$1" in prometheus|ssh) return 0 ;; *) return 1 ;; esac; }

version() {
  case "$1" in
    redis) redis-server --version | head -n1 ;;
    chromium) chromium --version 2>/dev/null | head -n1 ;;
    docker) dockerd --version | head -n1 ;;
    node) node --version ;;
    prometheus) prometheus --version 2>&1 | head -n1 ;;
    ssh) dpkg-query -W -f='${Version}' openssh-server 2>/dev/null || echo "?" ;;
    *) dpkg-query -W -f='${Version}' "$(package "$1")" 2>/dev/null || echo "?" ;;
  esac
}

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo -n); fi

missing=()
for e in "${engines[@]}"; do
  if [ "$e" = node ] && ! present node; then
    echo "install-engines: Node >= 20 is needed for deploy/ipfs.sh (found: $(node --version 2>/dev/null || echo none)); install NodeSource's nodejs 20+" >&2
    exit 1
  fi
  present "$e" || missing+=("$e")
done

if [ ${#missing[@]} -gt 0 ]; then
  pkgs=()
  lean_pkgs=()
  for e in "${missing[@]}"; do
    if lean "$e"; then lean_pkgs+=("$(package "$e")"); else pkgs+=("$(package "$e")"); fi
  done
  "${sudo_cmd[@]}" apt-get update -qq >/dev/null
  # openssh-server's postinst starts the system sshd on port 22 where services may start; the tests run their own on
  # loopback, so a machine without a policy gets one that refuses service starts for the length of the install.
  policy=
  if [[ " ${missing[*]} " == *" ssh "* ]] && [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | "${sudo_cmd[@]}" tee "$policy" >/dev/null
    "${sudo_cmd[@]}" chmod 755 "$policy"
    trap '"${sudo_cmd[@]}" rm -f "$policy"' EXIT
  fi
  # $(package) may name several packages (ssh): word splitting is meant here.
  # shellcheck disable=SC2068
  if [ ${#pkgs[@]} -gt 0 ]; then "${sudo_cmd[@]}" apt-get install -y -qq ${pkgs[@]} >/dev/null; fi
  # shellcheck disable=SC2068
  if [ ${#lean_pkgs[@]} -gt 0 ]; then "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends ${lean_pkgs[@]} >/dev/null; fi
fi

for e in "${engines[@]}"; do
  present "$e" || { echo "install-engines: $e still missing after apt-get install" >&2; exit 1; }
  state="already present"
  [[ " ${missing[*]-} " == *" $e "* ]] && state="installed"
  echo "$e: $state ($(version "$e"))"
done
