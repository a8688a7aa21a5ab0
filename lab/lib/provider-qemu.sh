# shellcheck shell=bash disable=SC2154  # STATE, here, LAB_WORKERS: set by lab/bin/lab
# Provider qemu: each machine is a QEMU VM booting the Debian kernel directly
# (-kernel/-initrd) from the base image lab/bin/vm-image builds, with its own qcow2
# overlay over that image and a small read-only seed disk carrying its identity.
#
# Network rule: nothing leaves the host's loopback. Each VM has two NICs:
#   - management: QEMU user-mode networking with restrict=on (the guest cannot reach
#     anything through it) and sshd forwarded from 127.0.0.1:<ssh_port> only;
#   - cluster (10.77.0.x/24, named host0 like in the nspawn machines): a link private to
#     the VMs. With one worker, the two VMs exchange frames as UDP datagrams between
#     two ports on 127.0.0.1 (-netdev socket,udp=...,localaddr=...): unlike listen/connect
#     this needs no start order and survives either VM's restart. With more workers, a
#     vde_switch whose socket lives in the state folder.
# Stopped with an ACPI power-off over QMP (a unix socket in the machine's folder), then
# killed by the recorded PID if the guest does not power off in time.
#
# Environment: LAB_QEMU_ACCEL (kvm|tcg; default: probed once, see qemu_accel),
# LAB_QEMU_PORT_BASE (10022: ssh ports from there, link ports from there + 100),
# LAB_QEMU_MEM_CP (1536) / LAB_QEMU_MEM_WORKER (1024) in MiB, LAB_QEMU_SMP (2),
# LAB_QEMU_BOOT_TIMEOUT (300 s), LAB_QEMU_LINK (udp with one worker, else vde).
# Sourced by lab/bin/lab; uses STATE, here, log, die, machines, LAB_WORKERS.

QEMU_BIN=${LAB_QEMU:-qemu-system-x86_64}
QEMU_PORT_BASE=${LAB_QEMU_PORT_BASE:-10022}
QEMU_SMP=${LAB_QEMU_SMP:-2}
# lab/bin/lab waits this long for sshd: an emulated (TCG) boot takes tens of seconds
# shellcheck disable=SC2034  # read by lab/bin/lab
PROVIDER_BOOT_TIMEOUT=${LAB_QEMU_BOOT_TIMEOUT:-300}
if ((LAB_WORKERS == 1)); then QEMU_LINK=${LAB_QEMU_LINK:-udp}; else QEMU_LINK=${LAB_QEMU_LINK:-vde}; fi
[[ $QEMU_LINK == vde || $LAB_WORKERS == 1 ]] || die "LAB_QEMU_LINK=udp joins exactly two VMs; with LAB_WORKERS=$LAB_WORKERS use vde"
VDE_DIR="$STATE/vde"

qemu_mem() { if [[ $1 == control_plane ]]; then echo "${LAB_QEMU_MEM_CP:-1536}"; else echo "${LAB_QEMU_MEM_WORKER:-1024}"; fi; }

# MACs from the address's last octet: 52:54:00 (QEMU's prefix), then 02 for the
# management NIC or 4d (77) for the cluster NIC.
qemu_mac() { printf '52:54:00:%s:00:%02x' "$1" "${2##*.}"; }

qemu_image() { "$here/bin/vm-image" | tail -n1; }

# A port is taken if anything listens on it on this host, or another machine of this lab
# has it recorded (a stopped machine keeps its ports).
qemu_port_taken() {
  local proto=$1 port=$2 f
  [[ -n $(ss -Hn "-l${proto:0:1}" "sport = :$port" 2>/dev/null) ]] && return 0
  for f in "$STATE"/machines/*/ssh_port "$STATE"/machines/*/link_port; do
    [[ -f $f && $(cat "$f") == "$port" ]] && return 0
  done
  return 1
}
qemu_pick_port() {
  local proto=$1 port=$2 last=$(($2 + 99))
  while qemu_port_taken "$proto" "$port"; do
    ((++port <= last)) || die "no free $proto port in $2-$last (set LAB_QEMU_PORT_BASE)"
  done
  echo "$port"
}

# KVM only if /dev/kvm really runs the stock kernel: on some hosts (e.g. a PVM device)
# QEMU opens it and then aborts or hangs. Probe: boot the image's kernel with no root
# device; it must reach the "VFS: Unable to mount root fs" panic (panic=-1 reboots at
# once and -no-reboot makes QEMU exit). The answer is kept in $STATE/accel.
qemu_accel() {
  if [[ -n ${LAB_QEMU_ACCEL:-} ]]; then echo "$LAB_QEMU_ACCEL"; return; fi
  if [[ ! -s $STATE/accel ]]; then
    local image=$1 reason probe="$STATE/accel-probe.log"
    if [[ ! -c /dev/kvm ]]; then
      reason="tcg (no /dev/kvm)"
    elif ! [[ -r /dev/kvm && -w /dev/kvm ]]; then
      reason="tcg (/dev/kvm not read-writable)"
    else
      log "probing /dev/kvm with the VM kernel (up to 30 s)"
      rm -f "$probe"
      timeout 30 "$QEMU_BIN" -accel kvm -cpu host -m 256 -nodefaults -no-user-config -display none \
        -no-reboot -kernel "$image/vmlinuz" -append "console=ttyS0 panic=-1 root=/dev/hwlab-probe" \
        -serial "file:$probe" >"$probe.qemu" 2>&1 || true
      if grep -aq 'Unable to mount root fs' "$probe" 2>/dev/null; then
        reason="kvm (the probe booted the kernel to its root mount)"
      else
        reason="tcg (/dev/kvm did not boot the kernel: $(tail -n1 "$probe.qemu" 2>/dev/null | cut -c1-120); see $probe)"
      fi
    fi
    echo "$reason" >"$STATE/accel"
    log "accelerator: $reason"
  fi
  cut -d' ' -f1 "$STATE/accel"
}

provider_network_up() {
  [[ $QEMU_LINK == vde ]] && qemu_vde_up
  return 0
}

qemu_vde_up() {
  command -v vde_switch >/dev/null || die "vde_switch missing (make host-deps-vm installs vde2)"
  if [[ -f $VDE_DIR.pid && $(cat "/proc/$(cat "$VDE_DIR.pid")/comm" 2>/dev/null) == vde_switch ]]; then return 0; fi
  rm -rf "$VDE_DIR"
  # a switch reached only through its unix socket directory, no tap and no uplink
  vde_switch --sock "$VDE_DIR" --dirmode 0700 --mode 0600 --daemon --pidfile "$VDE_DIR.pid" </dev/null >/dev/null
  log "vde_switch for the cluster link: $VDE_DIR"
}

provider_network_down() {
  if [[ -f $VDE_DIR.pid ]]; then
    local pid
    pid=$(cat "$VDE_DIR.pid")
    if [[ $(cat "/proc/$pid/comm" 2>/dev/null) == vde_switch ]]; then kill -TERM "$pid"; log "vde_switch stopped"; fi
    rm -rf "$VDE_DIR" "$VDE_DIR.pid"
  fi
}

provider_ssh_options() { :; }

# sshd of each VM is forwarded to a port on the host's loopback
provider_ssh_host() {
  echo "  HostName 127.0.0.1"
  echo "  Port $(cat "$STATE/machines/$1/ssh_port")"
  # an emulated guest under load can stall for many seconds: be patient before giving up
  # on a connection (these lines come before "Host *", so they win)
  echo "  ConnectTimeout 30"
  echo "  ServerAliveCountMax 24"
}

provider_create() {
  local name=$1 role=$2 ip=$3 dir="$STATE/machines/$1" image
  command -v "$QEMU_BIN" >/dev/null || die "$QEMU_BIN missing (make host-deps-vm installs it)"
  image=$(qemu_image)
  mkdir -p "$dir"
  qemu-img create -q -f qcow2 -F qcow2 -b "$image/base.qcow2" "$dir/disk.qcow2"
  echo "$image" >"$dir/image"
  # The seed disk: a tar the VM's hwlab-seed.service unpacks at boot (see lab/bin/vm-image).
  local seed="$dir/seed"
  rm -rf "$seed"
  mkdir -p "$seed/network"
  echo "$name" >"$seed/hostname"
  {
    echo "127.0.0.1 localhost"
    echo "127.0.1.1 $name"
    local n a
    while read -r n _ a; do echo "$a $n"; done < <(machines)
  } >"$seed/hosts"
  ssh-keygen -q -t ed25519 -N '' -C "$name" -f "$seed/ssh_host_ed25519_key"
  cp "$seed/ssh_host_ed25519_key.pub" "$dir/host_key.pub"
  cp "$STATE/id_ed25519.pub" "$seed/authorized_keys"
  local mgmt_mac lab_mac
  mgmt_mac=$(qemu_mac 02 "$ip")
  lab_mac=$(qemu_mac 4d "$ip")
  # Names by MAC (.link, applied by udev, which starts after the seed is applied), then
  # addresses by MAC. The management NIC gets QEMU's fixed user-mode address and no
  # gateway: like the nspawn machines, the VMs have no default route.
  printf '[Match]\nMACAddress=%s\n\n[Link]\nName=host0\n' "$lab_mac" >"$seed/network/10-hwlab-host0.link"
  printf '[Match]\nMACAddress=%s\n\n[Link]\nName=mgmt0\n' "$mgmt_mac" >"$seed/network/10-hwlab-mgmt0.link"
  printf '[Match]\nMACAddress=%s\n\n[Network]\nAddress=%s/24\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n' \
    "$lab_mac" "$ip" >"$seed/network/10-hwlab-host0.network"
  printf '[Match]\nMACAddress=%s\n\n[Network]\nAddress=10.0.2.15/24\nLinkLocalAddressing=no\nIPv6AcceptRA=no\n' \
    "$mgmt_mac" >"$seed/network/10-hwlab-mgmt0.network"
  tar --owner=0 --group=0 --numeric-owner -C "$seed" -cf "$dir/seed.tar" .
  rm -rf "$seed"
  chmod 0600 "$dir/seed.tar"
  head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$dir/machine-id"
  echo "$role" >"$dir/role"
  echo "$ip" >"$dir/ip"
  # the link kind is fixed at creation: a later command run with another LAB_WORKERS
  # must not give this machine a different cluster link
  echo "$QEMU_LINK" >"$dir/link"
  qemu_pick_port t "$QEMU_PORT_BASE" >"$dir/ssh_port"
  qemu_pick_port u "$((QEMU_PORT_BASE + 100))" >"$dir/link_port"
}

provider_running() {
  local pidf="$STATE/machines/$1/pid"
  [[ -f $pidf ]] && [[ $(cat "/proc/$(cat "$pidf")/comm" 2>/dev/null) == "hwlab-$1" ]]
}

provider_start() {
  local name=$1 role=$2 dir="$STATE/machines/$1"
  [[ -f $dir/disk.qcow2 ]] || die "$name: not created"
  local image accel ssh_port link_port ip
  image=$(cat "$dir/image")
  accel=$(qemu_accel "$image")
  ssh_port=$(cat "$dir/ssh_port")
  link_port=$(cat "$dir/link_port")
  ip=$(cat "$dir/ip")
  [[ -z $(ss -Hnlt "sport = :$ssh_port") ]] || die "$name: 127.0.0.1:$ssh_port (its ssh port) is taken; 'lab destroy $name' picks new ports"
  # Kernel options under TCG: the emulated vCPUs' TSCs fail the kernel's sync check, and
  # its fallback (HPET) makes every clock read an emulated device access; QEMU's TSC is
  # the host's, so trust it. CPU side-channel mitigations only slow an emulated CPU.
  local accel_args cmdline_accel=""
  case $accel in
  kvm) accel_args=(-accel kvm -cpu host) ;;
  tcg) accel_args=(-accel "tcg,thread=multi,tb-size=128" -cpu "${LAB_QEMU_CPU:-max}") cmdline_accel=" tsc=reliable mitigations=off" ;;
  *) die "LAB_QEMU_ACCEL=$accel: kvm or tcg" ;;
  esac
  local link_args
  if [[ $(cat "$dir/link") == vde ]]; then
    qemu_vde_up
    link_args=(-netdev "vde,id=lab,sock=$VDE_DIR")
  else
    [[ -z $(ss -Hnlu "sport = :$link_port") ]] || die "$name: 127.0.0.1:$link_port/udp (its cluster link) is taken"
    local peer n
    while read -r n _; do [[ $n != "$name" ]] && peer=$n; done < <(machines)
    [[ -f $STATE/machines/$peer/link_port ]] || die "$name: create $peer first (the cluster link needs its port)"
    link_args=(-netdev "socket,id=lab,udp=127.0.0.1:$(cat "$STATE/machines/$peer/link_port"),localaddr=127.0.0.1:$link_port")
  fi
  rm -f "$dir/pid" "$dir/qmp.sock"
  # -daemonize returns once QEMU is set up (ports bound, disks open), with the PID in
  # the pid file; its errors up to then go to qemu.log. process= names the main thread
  # hwlab-NAME, which provider_running checks.
  if ! "$QEMU_BIN" -name "$name,process=hwlab-$name" -machine q35 "${accel_args[@]}" \
    -smp "$QEMU_SMP" -m "$(qemu_mem "$role")" \
    -nodefaults -no-user-config -display none \
    -kernel "$image/vmlinuz" -initrd "$image/initrd.img" \
    -append "root=/dev/vda rw console=ttyS0 loglevel=4 systemd.machine_id=$(cat "$dir/machine-id")$cmdline_accel" \
    -drive "file=$dir/disk.qcow2,format=qcow2,if=none,id=root,cache=unsafe,discard=unmap" \
    -device virtio-blk-pci,drive=root,serial=hwlab-root \
    -drive "file=$dir/seed.tar,format=raw,if=none,id=seed,readonly=on" \
    -device virtio-blk-pci,drive=seed,serial=hwlab-seed \
    -netdev "user,id=mgmt,restrict=on,ipv6=off,hostfwd=tcp:127.0.0.1:$ssh_port-:22" \
    -device "virtio-net-pci,netdev=mgmt,mac=$(qemu_mac 02 "$ip"),romfile=" \
    "${link_args[@]}" \
    -device "virtio-net-pci,netdev=lab,mac=$(qemu_mac 4d "$ip"),romfile=" \
    -device virtio-rng-pci \
    -serial "file:$dir/console.log" \
    -qmp "unix:$dir/qmp.sock,server=on,wait=off" \
    -pidfile "$dir/pid" -daemonize >"$dir/qemu.log" 2>&1; then
    die "$name: QEMU did not start: $(tail -n1 "$dir/qemu.log")"
  fi
  provider_running "$name" || die "$name: QEMU exited at once (see $dir/qemu.log, $dir/console.log)"
  log "$name: QEMU pid $(cat "$dir/pid"), $accel, ssh on 127.0.0.1:$ssh_port"
}

# QMP: read the greeting, enter command mode, ask for an ACPI power-off.
qemu_powerdown() {
  timeout 10 python3 - "$1" <<'PY'
import json, socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
f = s.makefile("rw")
f.readline()
for cmd in ("qmp_capabilities", "system_powerdown"):
    f.write(json.dumps({"execute": cmd}) + "\n")
    f.flush()
    while "return" not in (reply := json.loads(f.readline())) and "error" not in reply:
        pass
    if "error" in reply:
        sys.exit(reply["error"].get("desc", "QMP error"))
PY
}

provider_stop() {
  local name=$1 dir="$STATE/machines/$1" pid
  provider_running "$name" || { rm -f "$dir/pid" "$dir/qmp.sock"; return 0; }
  pid=$(cat "$dir/pid")
  qemu_powerdown "$dir/qmp.sock" || log "$name: QMP power-off failed; will kill $pid"
  local deadline=$((SECONDS + 60)) sig=TERM
  while [[ $(cat "/proc/$pid/comm" 2>/dev/null) == "hwlab-$name" ]]; do
    if ((SECONDS >= deadline)); then
      log "$name: no clean power-off in 60 s, SIG$sig to $pid"
      kill "-$sig" "$pid" 2>/dev/null || true
      sig=KILL deadline=$((SECONDS + 10))
    fi
    sleep 0.5
  done
  rm -f "$dir/pid" "$dir/qmp.sock"
  log "$name: stopped"
}

provider_destroy() {
  rm -rf --one-file-system "$STATE/machines/$1"
}
