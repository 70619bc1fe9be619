#!/bin/bash
# lib.sh -- host side of the embedded lab: boot/stop the VM, talk to labctl.sh inside it, run Ansible.
# Sourced by vm.sh, lab_test.sh, demo.sh and tests/bench/lab_bench.sh.
REPO=${REPO:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
LAB_DIR=${VC_LAB_DIR:-$REPO/.build/lab}             # keys, VM state, generated labs (host side)
LAB_OUT=${LAB_OUT:-$REPO/.build/lab-out}            # the VM's --rwdir: results come back here
KERNEL=${KERNEL:-$(ls /boot/vmlinuz-*-amd64 2>/dev/null | sort -V | tail -n 1)}
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
		bash "$REPO/tests/lab/guest/labctl.sh" "$@"
}
# gx NS CMD...: a command inside a lab namespace (quoted for the remote shell)
gx() { local n=$1; shift; guest x "$n" "$(printf '%q ' "$@")" ; }

vm_start() {
	lab_keys
	if vm_running; then hlog "VM already running (pid $VM_PID, port $VM_PORT)"; return 0; fi
	[ -n "$KERNEL" ] || { hlog "no /boot/vmlinuz-*-amd64 (apt-get install linux-image-amd64)"; return 1; }
	command -v vng >/dev/null || { hlog "vng not found (pip install virtme-ng)"; return 1; }
	local port t0=$(now)
	port=$(_free_port "${VC_LAB_SSH_PORT:-22022}")
	rm -f "$LAB_OUT/vm-ready"
	# --disable-kvm: nested KVM hangs here. qemu user network with restrict=on: the guest cannot reach the
	# host or anything outside; only the forwarded port (host 127.0.0.1 -> the VM's bastion sshd) exists.
	setsid vng --run "$KERNEL" --disable-kvm --memory "$VM_MEM" --cpus "$VM_CPUS" --rwdir "$LAB_OUT" \
		--qemu-opts="-netdev user,id=lab0,restrict=on,hostfwd=tcp:127.0.0.1:$port-10.0.2.15:22 -device virtio-net-pci,netdev=lab0" \
		--exec "bash $REPO/tests/lab/guest/labctl.sh boot $LAB_OUT" </dev/null >"$LAB_DIR/vm-console.log" 2>&1 &
	local pid=$!
	printf 'VM_PID=%s\nVM_PORT=%s\n' "$pid" "$port" > "$LAB_DIR/vm.env"
	vm_state
	export VC_LAB_SSH_PORT=$port
	local end=$((SECONDS + VM_BOOT_TIMEOUT))
	until [ -e "$LAB_OUT/vm-ready" ] && guest true 2>/dev/null; do
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
	local inv=$1 name gen t0=$(now)
	name=$(basename "$inv")
	gen=$LAB_DIR/gen/$name
	rm -rf "$gen"
	$PY "$REPO/tests/lab/labgen.py" "$inv" "$gen" || return 1
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
	(cd "$REPO" && ansible-playbook -i "$inv" "$pb" "$@")
}
