#!/usr/bin/env bash
# failover_profiles.sh -- the failover profiles of docs/ha.md section 3, measured on the embedded lab: for each
# profile the single-CPE lab is (re)deployed with it, then tunnel 1 is broken on the internet link LAB_BENCH_REPS
# times (default 3) while the LAN host pings the DC-A host (5/s); per run: outage, time until the CPE moved DC-A to
# tunnel 2, time until it is back on tunnel 1 after the restore, packets lost after the restore. Prints
# min/median/max per profile and figure; raw figures in .build/lab-out/failover-profiles/figures.txt.
#   profiles (LAB_PROFILES, default "default fast bfd"):
#     default  the collection's defaults (BGP 10/30)
#     fast     vc_bgp: {keepalive_s: 3, hold_s: 9}          (inventories/example-ha)
#     bfd      vc_bgp: {bfd: true}                          (300 ms x 3; only where Cisco runs BFD)
# env: LAB_BENCH_REPS=N, LAB_PROFILES="...", LAB_KEEP=1 keeps the VM. Last line: "N passed, N failed".
set -u
. "$(dirname "$0")/../lab/lib.sh"
lab_lock "tests/bench/failover_profiles.sh" || exit $?
RUN=$LAB_OUT/failover-profiles
rm -rf "$RUN"; mkdir -p "$RUN"
NRUNS=${LAB_BENCH_REPS:-3}
PASS=0; FAIL=0
record() { case $1 in PASS) PASS=$((PASS + 1)) ;; *) FAIL=$((FAIL + 1)) ;; esac; hlog "$1 $2"; }
profile_vars() {
	case $1 in
	default) echo '{}' ;;
	fast) echo '{"vc_bgp": {"keepalive_s": 3, "hold_s": 9}}' ;;
	bfd) echo '{"vc_bgp": {"bfd": true}}' ;;
	*) return 1 ;;
	esac
}
t0=$(now)
vm_start || exit 1
lab_build "$REPO/inventories/lab" || { vm_stop; exit 1; }
guest cap-start profiles-wire inet >/dev/null || record FAIL "start the internet capture"
for p in ${LAB_PROFILES:-default fast bfd}; do
	ev=$(profile_vars "$p") || { record FAIL "unknown profile $p"; continue; }
	ap playbooks/deploy_vc.yml inventories/lab -e "$ev" > "$RUN/deploy-$p.log" 2>&1
	if [ "$(recap_failed "$RUN/deploy-$p.log")" -eq 0 ]; then record PASS "profile $p: deployed, verify green"; else
		record FAIL "profile $p: deploy ($RUN/deploy-$p.log)"; continue; fi
	for i in $(seq 1 "$NRUNS"); do
		j=$(failover_measure "profile-$p-r$i" 5)
		echo "${p}_r$i=$j" >> "$RUN/figures.txt"; hlog "FIGURE ${p}_r$i=$j"
		lost=$($PY -c 'import json,sys; print(json.loads(sys.argv[1]).get("lost_after_restore", "x"))' "$j" 2>/dev/null)
		if [ "$lost" = 0 ]; then record PASS "profile $p run $i: failover and back, 0 lost after the restore"; else
			record FAIL "profile $p run $i: lost after the restore: $lost ($j)"; fi
	done
done
W=$(guest cap-stop profiles-wire); echo "wire=$W" >> "$RUN/figures.txt"
if [ "$(sed -n 's/.* gre_from_cpe=\([0-9]*\).*/\1/p' <<<"$W")$(sed -n 's/.* gre_to_cpe=\([0-9]*\).*/\1/p' <<<"$W")" = 00 ]; then
	record PASS "wire: zero clear-text GRE on the internet links ($W)"; else record FAIL "wire: clear-text GRE ($W)"; fi
[ -n "${LAB_KEEP:-}" ] || vm_stop
echo "==== failover profiles (x $NRUNS, $(elapsed "$t0") s; ${RUN#"$REPO"/}) ===="
$PY - "$RUN/figures.txt" <<'EOF' | tee -a "$RUN/figures.txt"
import json, re, statistics, sys
runs = {}
for line in open(sys.argv[1]):
    m = re.fullmatch(r"(\w+)_r\d+=(\{.*\})", line.strip())
    if m:
        runs.setdefault(m.group(1), []).append(json.loads(m.group(2)))
for prof, rs in runs.items():
    for key in ("outage_s", "route_moved_s", "route_back_s", "lost_after_restore"):
        vals = [float(r[key]) for r in rs if r.get(key) is not None]
        if vals:
            print("%s.%s min/median/max=%.1f/%.1f/%.1f n=%d" % (prof, key, min(vals), statistics.median(vals),
                  max(vals), len(vals)))
EOF
echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
