#!/usr/bin/env bash
# lab_all.sh -- make lab (and make test's lab part): lab-test with the fault matrix on its own single-CPE lab, in ONE
# VM session and ONE deploy (lab_test.sh step 5b: lab_faults.py on the VM, lab and deploy that step 3 proved green),
# then lab-test's dual-CPE part. Which faults: LAB_ALL_FAULTS (default "families": one fault of each family of the
# troubleshooting order, lab_faults.py FAMILIES; "all": the whole matrix, as make lab-faults) with the drill that the
# CPE drops inbound clear-text GRE (LAB_ALL_DRILLS, default clear_gre; "all" adds the CPE-charon-stopped drill).
# Exit non-zero if any check, fault row or drill failed.
set -u
. "$(dirname "$0")/lib.sh"
lab_lock "make lab (lab-test + fault matrix)" || exit $?
# the split model's rri: drills (lab_test.sh step 7) only with LAB_SPLIT=1: about 19 min more (tests/lab/README.md)
LAB_SPLIT=${LAB_SPLIT:-0} LAB_TEST_FAULTS=${LAB_ALL_FAULTS:-families} LAB_TEST_DRILLS=${LAB_ALL_DRILLS:-clear_gre} bash "$REPO/tests/lab/lab_test.sh"
