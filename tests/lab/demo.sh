#!/usr/bin/env bash
# demo.sh -- make demo: boot the lab VM, build the lab, deploy Virtual Connect with the collection, print the
# verify table. env: LAB_INVENTORY (default inventories/lab; or inventories/lab-dual), LAB_KEEP=1 keeps the
# VM running afterwards (then: tests/lab/vm.sh verify | ssh cpe1 | guest ... | stop).
set -u
. "$(dirname "$0")/lib.sh"
lab_lock "make demo" || exit $?
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
	hlog "deploy FAILED (rc $rc), full log: ${LAB_OUT#"$REPO"/}/demo-deploy.log"
else
	hlog "deployed in ${DEPLOY_S}s; verify_vc.yml:"
	ANSIBLE_STDOUT_CALLBACK=ansible.builtin.json ap playbooks/verify_vc.yml "$INV" > "$LAB_OUT/demo-verify.json" 2>"$LAB_OUT/demo-verify.err"; rc=$?
	# the verify role's per-tunnel table, per host
	$PY - "$LAB_OUT/demo-verify.json" <<-'PYEOF'
	import json, sys
	doc = json.load(open(sys.argv[1]))
	for play in doc.get("plays", []):
	    for task in play.get("tasks", []):
	        if "verify table" not in task["task"]["name"]:
	            continue
	        for host, res in sorted(task["hosts"].items()):
	            msg = res.get("msg", "")
	            print("\n".join(msg) if isinstance(msg, list) else msg)
	            print()
	for host, st in sorted(doc.get("stats", {}).items()):
	    print(f"{host}: ok={st.get('ok', 0)} changed={st.get('changed', 0)} failed={st.get('failures', 0)} unreachable={st.get('unreachable', 0)}")
	PYEOF
fi
echo
echo "VM boot ${VM_BOOT_S}s | lab build ${LAB_BUILD_S}s | deploy (incl. verify) ${DEPLOY_S}s | total $(elapsed "$T0")s"
if [ -n "${LAB_KEEP:-}" ]; then hlog "VM kept running: tests/lab/vm.sh ssh cpe1 | vm.sh verify $INV | vm.sh stop"; else vm_stop; fi
exit $rc
