#!/usr/bin/env bash
# lab_faults.sh -- make lab-faults: the fault matrix on the embedded lab (tests/lab/lab_faults.py).
#  1. boot the VM (or reuse a running one: make test runs lab-test with LAB_KEEP=1 first), build the
#     single-CPE lab (inventories/lab) and deploy it with the collection (verify green inside)
#  2. lab_faults.py: per fault inject -> diagnose names the cause -> remove -> green again; two clear-GRE drills
#  3. the table (also .build/lab-out/lab-faults/results.json); exit 1 if a row fails
# env: LAB_KEEP=1 keep the VM running; LAB_FAULTS=a,b only these faults (families: make test's subset); LAB_FAULTS_NO_DRILLS=1;
#      LAB_FAULTS_ACQ_EXPIRES=N|product (default 30: recommendation R1 of tests/lab/README.md);
#      LAB_CISCO_INITIATE=0 the modelled headends never initiate IKEv2 (pure responders)
set -u
. "$(dirname "$0")/lib.sh"
lab_lock "make lab-faults" || exit $?
RUN=$LAB_OUT/lab-faults
rm -rf "$RUN"; mkdir -p "$RUN"
T0=$(now)
finish() {
	local rc=$1
	guest collect "$RUN/vm" >/dev/null 2>&1
	[ -n "${LAB_KEEP:-}" ] || vm_stop
	hlog "lab-faults: $(elapsed "$T0") s in all (VM boot ${VM_BOOT_S:-?}, build ${LAB_BUILD_S:-?}, deploy ${DEPLOY_S:-?}); results: ${RUN#"$REPO"/}/results.json"
	exit "$rc"
}
trap 'hlog interrupted; finish 1' INT TERM
vm_start || exit 1
lab_build "$REPO/inventories/lab" || finish 1
. "$LAB_DIR/lab.env"
t=$(now)
ap playbooks/deploy_vc.yml inventories/lab > "$RUN/deploy.log" 2>&1; rc=$?
DEPLOY_S=$(elapsed "$t")
if [ $rc -ne 0 ]; then tail -n 30 "$RUN/deploy.log"; hlog "deploy failed (rc $rc): no fault matrix"; finish 1; fi
hlog "deployed in ${DEPLOY_S}s"
export VC_LAB_SSH_PORT=$VM_PORT REPO
args=("$RUN")
[ -n "${LAB_FAULTS_NO_DRILLS:-}" ] && args+=(--no-drills)
$PY "$REPO/tests/lab/lab_faults.py" "${args[@]}" 9>&- | tee "$RUN/table.txt"
rc=${PIPESTATUS[0]}
finish "$rc"
