#!/usr/bin/env bash
# vm.sh -- drive the embedded lab by hand (see tests/lab/README.md).
#   tests/lab/vm.sh start                 boot the VM (background), wait for its bastion
#   tests/lab/vm.sh build [INVENTORY]     generate + build the lab (default inventories/lab)
#   tests/lab/vm.sh deploy [INVENTORY]    ansible-playbook playbooks/deploy_vc.yml against it
#   tests/lab/vm.sh verify [INVENTORY]    ansible-playbook playbooks/verify_vc.yml
#   tests/lab/vm.sh teardown              remove the lab (the VM keeps running)
#   tests/lab/vm.sh guest ARGS...         labctl.sh ARGS inside the VM (x NS CMD, frr NS ..., sw NS ..., ...)
#   tests/lab/vm.sh ssh [HOST]            interactive shell on the VM (root namespace) or on a CPE
#   tests/lab/vm.sh stop                  power the VM off
set -u
. "$(dirname "$0")/lib.sh"
cmd=${1:-}; shift || true
case $cmd in start|build|teardown|deploy|verify|stop) lab_lock "tests/lab/vm.sh $cmd" || exit $? ;; esac
case $cmd in
start) vm_start ;;
stop) vm_stop ;;
build) lab_build "${1:-$REPO/inventories/lab}" ;;
teardown) lab_teardown ;;
deploy) ap playbooks/deploy_vc.yml "${1:-inventories/lab}" "${@:2}" ;;
verify) ap playbooks/verify_vc.yml "${1:-inventories/lab}" "${@:2}" ;;
guest) guest "$@" ;;
ssh)
	vm_state || exit 1
	if [ -z "${1:-}" ]; then
		exec ssh "${SSH_OPTS[@]}" -o BatchMode=no -i "$LAB_DIR/ssh/id_ed25519" -p "$VM_PORT" root@127.0.0.1
	fi
	ip=$(awk '/^ansible_host:/ {print $2}' "$REPO/inventories/lab-dual/host_vars/$1/lab.yml")
	exec ssh "${SSH_OPTS[@]}" -o BatchMode=no -i "$LAB_DIR/ssh/id_ed25519" \
		-o ProxyCommand="ssh ${SSH_OPTS[*]} -i $LAB_DIR/ssh/id_ed25519 -p $VM_PORT -W %h:%p root@127.0.0.1" "root@$ip" ;;
*) sed -n '2,11p' "$0" >&2; exit 2 ;;
esac
