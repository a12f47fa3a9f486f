#!/usr/bin/env bash
# deploy/docker.sh start|stop|status|image [--dir D]
# Runs a private dockerd for development and tests, on its own socket (D/docker.sock) and data root, without touching
# host networking: no docker0 bridge, no iptables rules, no IP forwarding (containers get networks none and host only).
# `image` builds the local test image localtest/busybox:1 from the static busybox (no registry is needed) and keeps it
# as a tarball in ~/.cache/parity, so a fresh dockerd (each ./deploy/test.sh run has its own) loads the same image.
# Several can run at once: each has its own --dir (socket, data root, exec root with its containerd, pid file) and
# none touches host networking.
set -euo pipefail

cmd=${1:-}; [ $# -gt 0 ] && shift
dir=${PARITY_ENGINES_DIR:-/tmp/parity-engines}/docker
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) dir=$2; shift 2 ;;
    *) echo "docker.sh: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
socket=$dir/docker.sock
pidfile=$dir/docker.pid
logfile=$dir/dockerd.log
test_image=localtest/busybox:1
# The apt client: it matches the daemon's API version.
docker_cli=(/usr/bin/docker --host "unix://$socket")

ours_alive() { [ -f "$pidfile" ] && [ "$(ps -o comm= -p "$(cat "$pidfile")" 2>/dev/null)" = dockerd ]; }
ping_ok() { [ -S "$socket" ] && [ "$(curl -sf --max-time 2 --unix-socket "$socket" http://d/_ping 2>/dev/null)" = OK ]; }

# The cache key covers what the image is made of: the busybox binary and this recipe.
image_cache() {
  local key
  key=$( { sha256sum /bin/busybox; declare -f build_image; } | sha256sum | cut -c1-16)
  echo "${XDG_CACHE_HOME:-$HOME/.cache}/parity/test-image-$key.tar"
}

load_image() {
  if "${docker_cli[@]}" image inspect "$test_image" >/dev/null 2>&1; then
    echo "docker: test image $test_image present"; return 0
  fi
  local cache tmp
  cache=$(image_cache)
  if [ -f "$cache" ] && "${docker_cli[@]}" load -i "$cache" >/dev/null 2>&1 &&
     "${docker_cli[@]}" image inspect "$test_image" >/dev/null 2>&1; then
    echo "docker: loaded test image $test_image from $cache"; return 0
  fi
  build_image
  # Written aside and renamed: a run that stops half-way never leaves a truncated tarball that looks cached.
  mkdir -p "$(dirname "$cache")"
  tmp=$(mktemp "$cache.tmp.XXXXXX")
  if "${docker_cli[@]}" save -o "$tmp" "$test_image"; then mv -f "$tmp" "$cache"; else rm -f "$tmp"; fi
}

build_image() {
  local rootfs
  rootfs=$(mktemp -d)
  mkdir -p "$rootfs/bin" "$rootfs/etc" "$rootfs/tmp" "$rootfs/root"
  chmod 1777 "$rootfs/tmp"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ "$applet" = busybox ] || ln -sf busybox "$rootfs/bin/$applet"
  done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/sh\n' >"$rootfs/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$rootfs/etc/group"
  tar -C "$rootfs" -cf - . | "${docker_cli[@]}" import -c 'CMD ["/bin/sh"]' -c 'ENV PATH=/bin' - "$test_image" >/dev/null
  rm -rf "$rootfs"
  echo "docker: built test image $test_image"
}

case "$cmd" in
  start)
    if ours_alive && ping_ok; then echo "docker: already running on unix://$socket (pid $(cat "$pidfile"))"; exit 0; fi
    mkdir -p "$dir"
    rm -f "$socket"
    dockerd --host "unix://$socket" --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$pidfile" \
      --bridge=none --iptables=false --ip-forward=false --ip-masq=false >"$logfile" 2>&1 </dev/null &
    started=$!
    for _ in $(seq 300); do
      if ping_ok; then echo "docker: started on unix://$socket (pid $started)"; exit 0; fi
      kill -0 "$started" 2>/dev/null || break
      sleep 0.1
    done
    echo "docker.sh: dockerd did not answer /_ping on $socket; log tail:" >&2
    tail -n 20 "$logfile" >&2 || true
    kill "$started" 2>/dev/null || true
    exit 1 ;;
  stop)
    if ! ours_alive; then echo "docker: not running (no live pid file $pidfile)"; exit 0; fi
    pid=$(cat "$pidfile")
    kill "$pid"
    for _ in $(seq 200); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid"
    rm -f "$pidfile"
    echo "docker: stopped (pid $pid)" ;;
  status)
    if ours_alive && ping_ok; then echo "docker: running on unix://$socket (pid $(cat "$pidfile"))"
    else echo "docker: not running on unix://$socket"; exit 1; fi ;;
  image)
    ping_ok || { echo "docker.sh: dockerd is not answering on $socket (run: $0 start)" >&2; exit 1; }
    load_image ;;
  socket) echo "unix://$socket" ;;
  *) echo "usage: $0 start|stop|status|image|socket [--dir D]" >&2; exit 2 ;;
esac
