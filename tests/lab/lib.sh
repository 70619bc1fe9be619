#!/usr/bin/env bash
# lib.sh -- host side of the embedded lab: boot/stop the VM, talk to labctl.sh inside it, run Ansible.
# Sourced by vm.sh, lab_test.sh, demo.sh and tests/bench/lab_bench.sh.
REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
export REPO
LAB_DIR=${VC_LAB_DIR:-$REPO/.build/lab}             # keys, VM state, generated labs (host side)
LAB_OUT=${LAB_OUT:-$REPO/.build/lab-out}            # the VM's --rwdir: results come back here
KERNEL=${KERNEL:-$(printf '%s\n' /boot/vmlinuz-*-amd64 | sort -V | tail -n 1)}
VM_MEM=${VM_MEM:-2G}
VM_CPUS=${VM_CPUS:-2}
VM_BOOT_TIMEOUT=${VM_BOOT_TIMEOUT:-300}
PY=${PY:-python3}
export VC_LAB_DIR=$LAB_DIR
export ANSIBLE_COLLECTIONS_PATH=${ANSIBLE_COLLECTIONS_PATH:-$REPO/.build/collections:$($PY -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')}
export ANSIBLE_CONFIG=${ANSIBLE_CONFIG:-$REPO/ansible.cfg}
export ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1
export ANSIBLE_SSH_CONTROL_PATH_DIR=${ANSIBLE_SSH_CONTROL_PATH_DIR:-$LAB_DIR/cp}

now() { date +%s.%N; }

# One lab at a time on a machine: every entry point that drives the lab (demo, lab-test, lab-faults,
# bench-lab, vm.sh) takes this machine-wide lock for as long as it runs. A second run is refused with
# the owner named; LAB_LOCK_WAIT=SECONDS waits for the lock instead (at most that long).
LAB_LOCK=${VC_LAB_LOCK:-/tmp/webex_di-virtual_connect-lab.lock}
lab_lock() { # lab_lock WHAT
	[ -n "${VC_LAB_LOCKED:-}" ] && return 0   # a parent entry point holds it already
	exec 9>>"$LAB_LOCK" || { hlog "cannot open the lab lock $LAB_LOCK"; return 1; }
	if ! flock -n 9; then
		if [ "${LAB_LOCK_WAIT:-0}" -gt 0 ]; then
			hlog "another lab run holds $LAB_LOCK ($(cat "$LAB_LOCK.owner" 2>/dev/null)); waiting up to ${LAB_LOCK_WAIT}s"
			flock -w "$LAB_LOCK_WAIT" 9 || { hlog "gave up waiting for the lab lock"; return 1; }
		else
			hlog "REFUSED: another lab run is in progress on this machine: $(cat "$LAB_LOCK.owner" 2>/dev/null || echo '?')."
			hlog "Only one lab runs at a time (a second one would tear the first one's lab down). Wait for it to end,"
			hlog "or set LAB_LOCK_WAIT=SECONDS to wait; stop a kept VM with tests/lab/vm.sh stop."
			return 3
		fi
	fi
	echo "$1 (pid $$, started $(date +%T), repo $REPO)" > "$LAB_LOCK.owner"
	export VC_LAB_LOCKED=$$
}
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN{printf "%.1f", b-a}'; }
hlog() { printf '[lab %s] %s\n' "$(date +%T)" "$*" >&2; }

lab_keys() {
	mkdir -p "$LAB_DIR/ssh" "$LAB_DIR/cp" "$LAB_OUT"
	[ -s "$LAB_DIR/ssh/id_ed25519" ] || ssh-keygen -q -t ed25519 -N '' -f "$LAB_DIR/ssh/id_ed25519" -C vc-lab
}

vm_state() { [ -s "$LAB_DIR/vm.env" ] && . "$LAB_DIR/vm.env"; }
vm_running() { vm_state && [ -n "${VM_PID:-}" ] && kill -0 "$VM_PID" 2>/dev/null; }

_free_port() {
	$PY - "$1" <<-'EOF'
	import socket, sys
	p = int(sys.argv[1])
	for cand in [p] + [0]:
	    s = socket.socket()
	    try:
	        s.bind(("127.0.0.1", cand)); print(s.getsockname()[1]); break
	    except OSError:
	        pass
	    finally:
	        s.close()
	EOF
}

SSH_OPTS=(-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -o ConnectTimeout=5
	-o ServerAliveInterval=15 -o ControlMaster=auto -o ControlPersist=600 -o BatchMode=yes)

# guest ARGS...: run labctl.sh in the VM through the bastion
guest() {
	vm_state || { hlog "no VM (run: tests/lab/vm.sh start)"; return 1; }
	ssh "${SSH_OPTS[@]}" -o ControlPath="$LAB_DIR/cp/bastion-%C" -i "$LAB_DIR/ssh/id_ed25519" -p "$VM_PORT" root@127.0.0.1 \
		bash "$REPO/tests/lab/guest/labctl.sh" "$@" 9>&-   # ssh masters (ControlPersist) must not hold the lab lock
}
# gx NS CMD...: a command inside a lab namespace (quoted for the remote shell)
gx() { local n=$1; shift; guest x "$n" "$(printf '%q ' "$@")" ; }

vm_start() {
	lab_keys
	if vm_running; then hlog "VM already running (pid $VM_PID, port $VM_PORT)"; VM_BOOT_S=reused; export VC_LAB_SSH_PORT=$VM_PORT; return 0; fi
	[ -n "$KERNEL" ] || { hlog "no /boot/vmlinuz-*-amd64 (apt-get install linux-image-amd64)"; return 1; }
	command -v vng >/dev/null || { hlog "vng not found (pip install virtme-ng)"; return 1; }
	local port t0
	t0=$(now)
	port=$(_free_port "${VC_LAB_SSH_PORT:-22022}")
	rm -f "$LAB_OUT/vm-ready"
	# --disable-kvm: nested KVM hangs here. qemu user network with restrict=on: the guest cannot reach the
	# host or anything outside; only the forwarded port (host 127.0.0.1 -> the VM's bastion sshd) exists.
	setsid vng --run "$KERNEL" --disable-kvm --memory "$VM_MEM" --cpus "$VM_CPUS" --rwdir "$LAB_OUT" \
		--qemu-opts="-netdev user,id=lab0,restrict=on,hostfwd=tcp:127.0.0.1:$port-10.0.2.15:22 -device virtio-net-pci,netdev=lab0" \
		--exec "bash $REPO/tests/lab/guest/labctl.sh boot $LAB_OUT" </dev/null >"$LAB_DIR/vm-console.log" 2>&1 9>&- &
	local pid=$!
	printf 'VM_PID=%s\nVM_PORT=%s\n' "$pid" "$port" > "$LAB_DIR/vm.env"
	vm_state
	export VC_LAB_SSH_PORT=$port
	local end=$((SECONDS + VM_BOOT_TIMEOUT))
	until [ -e "$LAB_OUT/vm-ready" ] && guest ping >/dev/null 2>&1; do
		if ! kill -0 "$pid" 2>/dev/null || [ $SECONDS -ge $end ]; then
			hlog "VM did not come up; console:"; tail -n 30 "$LAB_DIR/vm-console.log" >&2; vm_stop; return 1
		fi
		sleep 1
	done
	VM_BOOT_S=$(elapsed "$t0")
	hlog "VM up in ${VM_BOOT_S}s (guest uptime $(cat "$LAB_OUT/vm-ready")s), bastion 127.0.0.1:$port"
}

vm_stop() {
	vm_state || return 0
	if [ -n "${VM_PID:-}" ] && kill -0 "$VM_PID" 2>/dev/null; then
		guest halt >/dev/null 2>&1
		local end=$((SECONDS + 60))
		while kill -0 "$VM_PID" 2>/dev/null && [ $SECONDS -lt $end ]; do sleep 1; done
		# our own vng process group only (setsid above)
		kill -0 "$VM_PID" 2>/dev/null && kill -- -"$VM_PID" 2>/dev/null
	fi
	ssh -o ControlPath="$LAB_DIR/cp/bastion-%C" -p "${VM_PORT:-0}" -O exit root@127.0.0.1 >/dev/null 2>&1
	rm -f "$LAB_DIR/vm.env" "$LAB_DIR"/cp/* 2>/dev/null
	hlog "VM stopped"
}

# lab_build INVENTORY_DIR: generate (host) then build inside the VM
lab_build() {
	local inv=$1 name gen t0
	t0=$(now)
	name=$(basename "$inv")
	gen=$LAB_DIR/gen/$name
	rm -rf "$gen"
	$PY "$REPO/tests/lab/labgen.py" "$inv" "$gen" || return 1
	guest teardown >/dev/null 2>&1
	guest build "$gen" || return 1
	guest env > "$LAB_DIR/lab.env" && . "$LAB_DIR/lab.env"
	rm -f "$LAB_DIR"/cp/[!b]* 2>/dev/null   # stale Ansible control sockets of a previous lab
	LAB_BUILD_S=$(elapsed "$t0")
	hlog "lab $name built in ${LAB_BUILD_S}s"
}
lab_teardown() { guest teardown; }

# ap PLAYBOOK INVENTORY [args...]: ansible-playbook from the host
ap() {
	local pb=$1 inv=$2; shift 2
	vm_state; export VC_LAB_SSH_PORT=$VM_PORT
	(cd "$REPO" && ansible-playbook -i "$inv" "$pb" "$@" 9>&-)
}

# ------------------------------------------------------------------ probes used by the drills
# gre_dev NS REMOTE: the GRE link of a CPE whose remote is REMOTE (whatever the collection named it)
gre_dev() {
	gx "$1" ip -j -d link show type gre | $PY -c '
import json, sys
for l in json.load(sys.stdin):
    if (l.get("linkinfo", {}).get("info_data", {}) or {}).get("remote") == sys.argv[1]:
        print(l["ifname"]); break' "$2"
}
route_is() { [ "$(route_dev "$1" "$2")" = "$3" ]; }
route_dev() { gx "$1" ip -j route get "$2" | $PY -c 'import json,sys; print(json.load(sys.stdin)[0].get("dev",""))'; }
tx_packets() { gx "$1" ip -j -s link show "$2" | $PY -c 'import json,sys; print(json.load(sys.stdin)[0]["stats64"]["tx"]["packets"])'; }
dc_bgp_state() { guest frr "$1" -c "'show bgp neighbors $2 json'" | $PY -c 'import json,sys; d=json.load(sys.stdin); print(d.get(sys.argv[1], {}).get("bgpState", "none"))' "$2"; }
dc_received() { guest frr "$1" -c "'show bgp ipv4 unicast neighbors $2 received-routes json'" | $PY -c 'import json,sys; print(",".join(sorted(json.load(sys.stdin).get("receivedRoutes", {}))))'; }
headend_child_installed() { guest sw "$1" --list-sas 2>/dev/null | grep -q "INSTALLED, TUNNEL"; }
# wait_for SECONDS CMD...: poll (about 1/s) until CMD succeeds
wait_for() { local end=$((SECONDS + $1)); shift; until "$@" >/dev/null 2>&1; do [ $SECONDS -ge $end ] && return 1; sleep 1; done; }
# recap_changed LOG: sum of changed= over the PLAY RECAP lines
recap_changed() { awk '/ changed=/ { for (i = 1; i <= NF; i++) if ($i ~ /^changed=/) { split($i, a, "="); s += a[2] } } END { print s + 0 }' "$1"; }
recap_failed() { awk '/ failed=/ { for (i = 1; i <= NF; i++) if ($i ~ /^(failed|unreachable)=/) { split($i, a, "="); s += a[2] } } END { print s + 0 }' "$1"; }

# failover_measure NAME HOLD_S: break tunnel 1 on the internet link while the LAN pings the DC-A host,
# keep it broken HOLD_S after the CPE moved to tunnel 2, restore, wait for tunnel 1; prints pingstats JSON
# plus route_moved_s / route_back_s.
failover_measure() {
	local name=$1 hold=${2:-5} g1 g2 tb tr tm tback
	. "$LAB_DIR/lab.env"
	g1=$(gre_dev "$LAB_T1_CPE" "$LAB_T1_DI_GRE"); g2=$(gre_dev "$LAB_T1_CPE" "$LAB_T2_DI_GRE")
	[ -n "$g2" ] || { echo '{"error": "tunnel 2 is not on the same CPE"}'; return 1; }
	guest ping-start "$name" lan "$LAB_DCA_HOST"; sleep 3
	tb=$(guest link inet "$LAB_T1_INET_IF" down)
	wait_for 300 route_is "$LAB_T1_CPE" "$LAB_DCA_HOST" "$g2"; tm=$(guest now)
	# moved: wait until LAN->DC-A answers again (the ping log grows after the move)
	sleep "$hold"
	tr=$(guest link inet "$LAB_T1_INET_IF" up)
	wait_for 300 route_is "$LAB_T1_CPE" "$LAB_DCA_HOST" "$g1"; tback=$(guest now)
	sleep 5
	guest ping-stop "$name" > "$LAB_OUT/$name.ping"
	$PY - "$LAB_OUT/$name.ping" "$tb" "$tr" "$tm" "$tback" <<-'PYEOF'
	import json, sys
	sys.path.insert(0, __import__("os").path.join(__import__("os").environ["REPO"], "tests", "lab"))
	from pingstats import stats
	log, tb, tr, tm, tback = sys.argv[1], *map(float, sys.argv[2:])
	d = stats(open(log).read(), tb, tr)
	d.update(route_moved_s=round(tm - tb, 1), route_back_s=round(tback - tr, 1))
	print(json.dumps(d))
	PYEOF
}
