#!/usr/bin/env bash
# demo.sh -- make demo: boot the lab VM, build the lab, deploy Virtual Connect with the collection, print the
# verify table. env: LAB_INVENTORY (default inventories/lab; or inventories/lab-dual), LAB_KEEP=1 keeps the
# VM running afterwards (then: tests/lab/vm.sh verify | ssh cpe1 | guest ... | stop).
set -u
. "$(dirname "$0")/lib.sh"
INV=${LAB_INVENTORY:-inventories/lab}
T0=$(now)
vm_start || exit 1
lab_build "$REPO/$INV" || { vm_stop; exit 1; }
hlog "deploying: ansible-playbook playbooks/deploy_vc.yml -i $INV"
t=$(now)
ap playbooks/deploy_vc.yml "$INV" > "$LAB_OUT/demo-deploy.log" 2>&1; rc=$?
DEPLOY_S=$(elapsed "$t")
if [ $rc -ne 0 ]; then
	tail -n 40 "$LAB_OUT/demo-deploy.log"
	hlog "deploy FAILED (rc $rc), full log: ${LAB_OUT#$REPO/}/demo-deploy.log"
else
	hlog "deployed in ${DEPLOY_S}s; verify_vc.yml:"
	ap playbooks/verify_vc.yml "$INV" > "$LAB_OUT/demo-verify.log" 2>&1; rc=$?
	# the verify role's per-tunnel table
	awk '/^TASK \[.*Print the per-tunnel verify table/ {on=1; next} /^TASK \[/ {on=0} on' "$LAB_OUT/demo-verify.log" |
		sed -n "s/^ *- '\{0,1\}\(.*\)'\{0,1\}$/\1/p" | sed "s/'$//"
	grep -A3 "PLAY RECAP" "$LAB_OUT/demo-verify.log"
fi
echo
echo "VM boot ${VM_BOOT_S}s | lab build ${LAB_BUILD_S}s | deploy (incl. verify) ${DEPLOY_S}s | total $(elapsed "$T0")s"
[ -n "${LAB_KEEP:-}" ] && hlog "VM kept running: tests/lab/vm.sh ssh cpe1 | vm.sh verify $INV | vm.sh stop" || vm_stop
exit $rc
