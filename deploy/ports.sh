# Sourced by the deploy scripts: TCP ports from the kernel's socket tables (/proc/net/tcp{,6}), so no ss, netstat or
# python is needed. Linux only, like the engines themselves.

# Local ports of every TCP socket of this network namespace, in any state (listening, connected, closing).
ports_in_use() {
  local f _ local_addr
  for f in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$f" ] || continue
    while read -r _ local_addr _; do
      [[ $local_addr == *:* ]] && echo $((16#${local_addr##*:}))
    done < <(tail -n +2 "$f")
  done
}

# Not `| grep -q`: grep leaving early fails the pipe under pipefail, which would read as "free".
port_taken() { [[ " $(ports_in_use | tr '\n' ' ') " == *" $1 "* ]]; }

# free_port [PORT...]: a port no socket uses, none of the given ones (picked earlier and not yet bound). Outside the
# kernel's ephemeral range while such a port can be found: outgoing connections and port-0 binds (the tests' silos)
# draw from that range and could take the port between this pick and the engine's bind.
free_port() {
  local used eph_lo eph_hi p try
  used=" $(ports_in_use | tr '\n' ' ') $* "
  read -r eph_lo eph_hi </proc/sys/net/ipv4/ip_local_port_range
  for try in $(seq 400); do
    p=$(( ((RANDOM << 15) | RANDOM) % 55000 + 10000 ))  # 10000..64999
    if [ "$try" -le 200 ] && [ "$p" -ge "$eph_lo" ] && [ "$p" -le "$eph_hi" ]; then continue; fi
    [[ $used == *" $p "* ]] || { echo "$p"; return 0; }
  done
  echo "ports.sh: no free TCP port found in 10000-64999" >&2
  return 1
}

# listener_owned_by PORT PID: something listens on PORT and every listening socket on it is an open file of PID. Proves
# that an engine answering on a port is the one just started, not another process that took the port first.
listener_owned_by() {
  local port=$1 pid=$2 hex f local_addr st inode inodes=() owned=" " fd target i
  hex=$(printf '%04X' "$port")
  for f in /proc/net/tcp /proc/net/tcp6; do
    [ -r "$f" ] || continue
    # columns: sl local_address rem_address st tx:rx tr:when retrnsmt uid timeout inode ...
    while read -r _ local_addr _ st _ _ _ _ _ inode _; do
      [ "$st" = 0A ] && [ "${local_addr##*:}" = "$hex" ] && inodes+=("$inode")
    done < <(tail -n +2 "$f")
  done
  [ ${#inodes[@]} -gt 0 ] || return 1
  for fd in /proc/"$pid"/fd/*; do
    target=$(readlink "$fd" 2>/dev/null) || continue
    if [[ $target == socket:\[*\] ]]; then i=${target#socket:[}; owned+="${i%]} "; fi
  done
  for i in "${inodes[@]}"; do [[ $owned == *" $i "* ]] || return 1; done
}
