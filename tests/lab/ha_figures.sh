#!/usr/bin/env bash
# ha_figures.sh -- the figures run of the HA drills (docs/ha.md, tests/lab/README.md "HA drills"): each drill
# LAB_HA_REPS times (default 3) in one VM session, inside an internet capture, then min/median/max.
#   tests/lab/ha_figures.sh dpd            single-CPE lab (inventories/lab): redistribution once, dpd x REPS
#   tests/lab/ha_figures.sh cpe-failure    dual-CPE lab (inventories/lab-dual): redistribution once, cpe-failure x REPS
#   tests/lab/ha_figures.sh rri            split lab (inventories/lab-split): rri injected, sa-down, device-dies x REPS
# env: LAB_HA_REPS=N; LAB_HA_NO_BUILD=1 use the lab already built and deployed (vm.sh build/deploy); LAB_KEEP=1 keep
#      the VM. Last line: "N passed, N failed"; figures in .build/lab-out/ha-figures-<drill>/figures.txt.
set -u
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/lab/ha_drills.sh
. "$(dirname "$0")/ha_drills.sh"
# shellcheck source=tests/lab/rri_drill.sh
. "$(dirname "$0")/rri_drill.sh"
drill=${1:-}
case $drill in
dpd) inv=inventories/lab ;; cpe-failure) inv=inventories/lab-dual ;; rri) inv=$RRI_INV ;;
*) sed -n '2,10p' "$0" >&2; exit 2 ;;
esac
REPS=${LAB_HA_REPS:-3}
lab_lock "tests/lab/ha_figures.sh $drill" || exit $?
RUN=$LAB_OUT/ha-figures-$drill
rm -rf "$RUN"; mkdir -p "$RUN"
PASS=0; FAIL=0
record() { case $1 in PASS) PASS=$((PASS + 1)) ;; KNOWN) ;; *) FAIL=$((FAIL + 1)) ;; esac; hlog "$1 $2"; }
check() { local name=$1; shift; if "$@" >/dev/null; then record PASS "$name"; else record FAIL "$name"; fi; }
figure() { echo "$1=$2" >> "$RUN/figures.txt"; hlog "FIGURE $1=$2"; }
verify_green() { local i=$1 name=$2; shift 2; ap playbooks/verify_vc.yml "$i" "$@" > "$RUN/$name.log" 2>&1; }
# stats NAME [JSON_KEY]: min/median/max over the runs' figures NAME_rN (a JSON figure: its JSON_KEY)
stats() {
	$PY - "$RUN/figures.txt" "$1" "${2:-}" <<-'EOF'
	import json, re, statistics, sys
	path, name, key = sys.argv[1:]
	vals = []
	for line in open(path):
	    k, _, v = line.strip().partition("=")
	    if re.fullmatch(re.escape(name) + r"_r\d+", k):
	        vals.append(float(json.loads(v)[key]) if key else float(v))
	if vals:
	    print("%s%s min/median/max=%.1f/%.1f/%.1f n=%d" % (name, "." + key if key else "", min(vals),
	          statistics.median(vals), max(vals), len(vals)))
	EOF
}

t0=$(now)
vm_start || exit 1
if [ -z "${LAB_HA_NO_BUILD:-}" ]; then
	lab_build "$REPO/$inv" || exit 1
	ap playbooks/deploy_vc.yml "$inv" > "$RUN/deploy.log" 2>&1
	check "deploy ($inv)" test "$(recap_failed "$RUN/deploy.log")" -eq 0
fi
. "$LAB_DIR/lab.env"
guest cap-start ha-wire inet >/dev/null || record FAIL "start the internet capture"
[ "$drill" = rri ] || drill_redistribution "$drill" "$LAB_DIR/gen/$(basename "$inv")/spec.json"
for i in $(seq 1 "$REPS"); do
	case $drill in
	dpd) drill_dpd "_r$i" "$inv" ;;
	rri) drill_rri_injected "_r$i"; drill_rri_sa_down "_r$i"; drill_rri_device_dies "_r$i" ;;
	*) drill_cpe_failure "_r$i" ;;
	esac
done
W=$(guest cap-stop ha-wire); figure wire "$W"
check "wire: zero clear-text GRE on the internet links during the drills ($W)" \
	test "$(sed -n 's/.* gre_from_cpe=\([0-9]*\).*/\1/p' <<<"$W")$(sed -n 's/.* gre_to_cpe=\([0-9]*\).*/\1/p' <<<"$W")$(sed -n 's/^gre=\([0-9]*\).*/\1/p' <<<"$W")" = 000
[ -n "${LAB_KEEP:-}" ] || vm_stop
echo "==== HA figures ($drill x $REPS, $(elapsed "$t0") s; ${RUN#"$REPO"/}) ===="
if [ "$drill" = dpd ]; then
	stats dpd_detect_s; stats dpd_reestablish_s; stats dpd_route_back_s; stats dpd_ping outage_s; stats dpd_ping lost_after_restore
elif [ "$drill" = rri ]; then
	for d in rri-sa-down rri-device-dies; do
		[ $d = rri-sa-down ] && { stats ${d}_vpn_withdrawn_s; stats ${d}_ospf_withdrawn_s; }
		stats ${d}_withdrawn_s; stats ${d}_learned_s; stats ${d}_back_s; stats ${d}_ping outage_s
		stats ${d}_ping lost_after_restore
	done
	stats rri-sa-down_guard_dropped
else
	stats cpe_failure_core_reroute_s; stats cpe_failure_route_back_s; stats cpe_failure_ping outage_s
	stats cpe_failure_ping lost_after_restore
fi | tee -a "$RUN/figures.txt"
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
