# shellcheck shell=bash
# Provider nspawn: each machine is `systemd-nspawn -b` over its own copy of the cached
# Debian root, in its own network namespace (veth) on bridge br0, which lives in a
# network namespace the lab creates. Nothing is bound on the host's own network.
# Sourced by lab/bin/lab; uses STATE, here, log, die.
# Names that could meet another lab's derive from the namespace (LAB_NETNS, one per lab):
# the bridge and the veths live inside it, the host cgroups are <netns>-<machine>.

: "${here:?lab/lib/provider-nspawn.sh is sourced by lab/bin/lab, which sets here}"
NETNS=${LAB_NETNS:-hwlab}
BRIDGE=br0

provider_network_up() {
  if [[ ! -e /run/netns/$NETNS ]]; then
    ip netns add "$NETNS"
    ip -n "$NETNS" link set lo up
    ip -n "$NETNS" link add "$BRIDGE" type bridge
    ip -n "$NETNS" addr add "$LAB_SUBNET.1/24" dev "$BRIDGE"
    ip -n "$NETNS" link set "$BRIDGE" up
    log "network namespace $NETNS with $BRIDGE $LAB_SUBNET.1/24"
  fi
}

provider_network_down() {
  if [[ -e /run/netns/$NETNS ]]; then ip netns del "$NETNS"; log "network namespace $NETNS deleted"; fi
}

provider_ssh_options() {
  # sshd of each machine is reached from the host through the lab's namespace only.
  echo "  ProxyCommand nsenter --net=/run/netns/$NETNS nc %h %p"
}

provider_create() {
  local name=$1 role=$2 ip=$3 dir="$STATE/machines/$1" base
  base=$("$here/bin/rootfs" | tail -n1)
  mkdir -p "$dir"
  # A full copy, not an overlay: containerd's overlayfs snapshotter cannot sit on overlayfs.
  cp -a --reflink=auto "$base" "$dir/root.tmp"
  local root="$dir/root.tmp"
  echo "$name" >"$root/etc/hostname"
  head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$root/etc/machine-id"
  echo >>"$root/etc/machine-id"
  etc_hosts "$name" >"$root/etc/hosts"
  cat >"$root/etc/systemd/network/10-lab.network" <<NET
[Match]
Name=host0

[Network]
Address=$ip/24
LinkLocalAddressing=no
IPv6AcceptRA=no
NET
  ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$root/etc/ssh/ssh_host_ed25519_key"
  cp "$root/etc/ssh/ssh_host_ed25519_key.pub" "$dir/host_key.pub"
  install -d -m 0700 "$root/root/.ssh"
  install -m 0600 "$STATE/id_ed25519.pub" "$root/root/.ssh/authorized_keys"
  # What the kubelet and containerd need inside an nspawn machine (see README, "The lab").
  install -m 0644 "$here/files/nspawn/"*.service "$root/etc/systemd/system/"
  for unit in "$here/files/nspawn/"*.service; do
    ln -sf "/etc/systemd/system/$(basename "$unit")" "$root/etc/systemd/system/multi-user.target.wants/"
  done
  # No unit may hold the power-off for long (as in the VM image, lab/bin/vm-image): after
  # the integration tests a unit of cp1 kept `lab down` waiting for provider_stop's 60 s kill.
  install -d "$root/etc/systemd/system.conf.d"
  printf '[Manager]\nDefaultTimeoutStopSec=20s\n' >"$root/etc/systemd/system.conf.d/hwlab-lab.conf"
  echo "$role" >"$dir/role"
  mv "$root" "$dir/root"
}

etc_hosts() {
  # /etc/hosts of machine $1: every machine of the lab by name (the API server reaches a
  # kubelet by its Node's hostname)
  echo "127.0.0.1 localhost"
  echo "127.0.1.1 $1"
  local n _r a
  while read -r n _r a; do echo "$a $n"; done < <(machines)
}

provider_refresh_hosts() {
  # a lab that grew (lab up with more LAB_WORKERS): the machines made before know the new
  # ones too, else the API server cannot reach their kubelets (configz, logs, exec)
  local name role ip file
  while read -r name role ip; do
    file="$STATE/machines/$name/root/etc/hosts"
    if [[ -f $file ]] && ! cmp -s <(etc_hosts "$name") "$file"; then
      etc_hosts "$name" >"$file.lab-tmp" && mv "$file.lab-tmp" "$file"
      log "$name: /etc/hosts names every machine"
    fi
  done < <(machines)
}

provider_running() {
  local pidf="$STATE/machines/$1/pid"
  [[ -f $pidf ]] && [[ $(cat "/proc/$(cat "$pidf")/comm" 2>/dev/null) == systemd-nspawn ]]
}

provider_start() {
  local name=$1 role=$2 dir="$STATE/machines/$1"
  [[ -d $dir/root ]] || die "$name: not created"
  local extra=()
  if [[ $role == worker ]]; then
    # The kubelet wants /dev/kmsg, CAP_SYSLOG to read it, and pod sandboxes join a
    # session keyring. /proc/sys is read-only in the machine, so the host must already
    # have the kernel sysctls the kubelet checks.
    extra=(--bind=/dev/kmsg --capability=CAP_SYSLOG --system-call-filter=@keyring)
    sysctl -q -w kernel.panic=10 kernel.panic_on_oops=1 vm.overcommit_memory=1
  fi
  # Each machine gets its own cgroup in every hierarchy: the launcher moves itself into
  # a child of its current cgroup before exec'ing nspawn (--keep-unit keeps that cgroup).
  : >"$dir/cgroups"
  PIDFILE="$dir/pid" CGROUPS="$dir/cgroups" ROOT="$dir/root" NETNS=$NETNS BRIDGE=$BRIDGE \
    setsid "$here/lib/nspawn-launch" "$name" "${extra[@]}" </dev/null >"$dir/console.log" 2>&1 &
  local deadline=$((SECONDS + 10))
  until [[ -s $dir/pid ]] && provider_running "$name"; do
    ((SECONDS < deadline)) || die "$name: systemd-nspawn did not start (see $dir/console.log)"
    sleep 0.1
  done
}

provider_stop() {
  local name=$1 pidf="$STATE/machines/$1/pid" pid
  provider_running "$name" || { rm -f "$pidf"; return 0; }
  pid=$(cat "$pidf")
  # SIGTERM makes nspawn ask the machine's systemd to power off.
  kill -TERM "$pid"
  local deadline=$((SECONDS + 60))
  while kill -0 "$pid" 2>/dev/null; do
    if ((SECONDS >= deadline)); then log "$name: no clean poweroff in 60 s, killing $pid"; kill -KILL "$pid"; fi
    sleep 0.2
  done
  rm -f "$pidf"
  # the machine's cgroups, now empty (the machine's systemd made children in them)
  local c
  while read -r c; do
    if [[ -d $c ]]; then find "$c" -depth -type d -exec rmdir {} + 2>/dev/null || true; fi
  done <"$STATE/machines/$name/cgroups"
  log "$name: stopped"
}

provider_destroy() {
  rm -rf "$STATE/machines/$1"
}
