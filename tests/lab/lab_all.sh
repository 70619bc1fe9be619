#!/usr/bin/env bash
# lab_all.sh -- make test's lab part: lab-test then lab-faults in ONE VM session (one boot, one lock).
# lab-test keeps the VM (LAB_KEEP=1); lab-faults reuses it, builds the single-CPE lab again and stops the VM
# at the end (unless LAB_KEEP=1 is set by the caller). Exit non-zero if either failed; both always run.
set -u
. "$(dirname "$0")/lib.sh"
lab_lock "make test (lab-test + lab-faults)" || exit $?
keep=${LAB_KEEP:-}
LAB_KEEP=1 bash "$REPO/tests/lab/lab_test.sh"; rc1=$?
LAB_KEEP=$keep bash "$REPO/tests/lab/lab_faults.sh"; rc2=$?
hlog "lab-test rc $rc1, lab-faults rc $rc2"
[ "$rc1" -eq 0 ] && [ "$rc2" -eq 0 ]
