#!/usr/bin/env bash
# lab_bench.sh -- figures of the embedded lab (make bench-lab): VM boot, lab build, deploy wall time (= time to
# all-green: deploy_vc.yml ends with the verify role, which waits for green), idempotent re-run, failover
# outage LAN->DC-A with the collection's default BGP timers and with BFD, and the loss during recovery.
# Writes .build/lab-out/bench/figures.json and prints a table. env: LAB_KEEP=1 keeps the VM.
set -u
. "$(dirname "$0")/../lab/lib.sh"
lab_lock "make bench-lab" || exit $?
B=$LAB_OUT/bench; rm -rf "$B"; mkdir -p "$B"
declare -A F
T0=$(now)
vm_start || exit 1; F[vm_boot_s]=$VM_BOOT_S
lab_build "$REPO/inventories/lab" || { vm_stop; exit 1; }; F[lab_build_s]=$LAB_BUILD_S
t=$(now); ap playbooks/deploy_vc.yml inventories/lab > "$B/deploy.log" 2>&1; F[deploy_rc]=$?; F[deploy_to_all_green_s]=$(elapsed "$t")
t=$(now); ap playbooks/deploy_vc.yml inventories/lab > "$B/rerun.log" 2>&1; F[rerun_s]=$(elapsed "$t"); F[rerun_changed]=$(recap_changed "$B/rerun.log")
t=$(now); ap playbooks/verify_vc.yml inventories/lab > "$B/verify.log" 2>&1; F[verify_s]=$(elapsed "$t")
F[failover_default_timers]=$(failover_measure bench-default 5)
t=$(now); ap playbooks/deploy_vc.yml inventories/lab -e '{"vc_bgp": {"bfd": true}}' > "$B/deploy-bfd.log" 2>&1
F[deploy_bfd_rc]=$?; F[deploy_bfd_s]=$(elapsed "$t")
F[failover_bfd]=$(failover_measure bench-bfd 5)
F[total_s]=$(elapsed "$T0")
[ -n "${LAB_KEEP:-}" ] || vm_stop
{
	echo "{"; sep=""
	for k in "${!F[@]}"; do v=${F[$k]}; case $v in '{'*|[0-9]*) ;; *) v="\"$v\"" ;; esac; printf '%s  "%s": %s' "$sep" "$k" "$v"; sep=$',\n'; done
	echo; echo "}"
} > "$B/figures.json"
$PY - "$B/figures.json" <<'PYEOF'
import json, sys
f = json.load(open(sys.argv[1]))
def fo(k):
    d = f.get(k) or {}
    if not isinstance(d, dict) or d.get("outage_s") is None:
        return "n/a", "n/a", "n/a"
    return f"{d['outage_s']} s", f"route moved after {d['route_moved_s']} s, back {d['route_back_s']} s after restore", str(d["lost_after_restore"])
rows = [
    ("VM boot (vng, TCG, to bastion up)", f"{f['vm_boot_s']} s"),
    ("lab build (Cisco side + bare CPE)", f"{f['lab_build_s']} s"),
    ("deploy_vc.yml wall = time to all-green", f"{f['deploy_to_all_green_s']} s (rc {f['deploy_rc']})"),
    ("idempotent re-run", f"{f['rerun_s']} s (changed={f['rerun_changed']})"),
    ("verify_vc.yml", f"{f['verify_s']} s"),
]
for k, label in (("failover_default_timers", "default timers (10/30, connect 10)"), ("failover_bfd", "BFD 300 ms x 3")):
    o, detail, loss = fo(k)
    rows.append((f"failover outage LAN->DC-A, {label}", f"{o} ({detail})"))
    rows.append((f"recovery loss, {label}", f"{loss} packets"))
rows.append(("re-deploy with BFD", f"{f['deploy_bfd_s']} s (rc {f['deploy_bfd_rc']})"))
rows.append(("bench total", f"{f['total_s']} s"))
w = max(len(r[0]) for r in rows)
print(f"{'figure':<{w}}  value")
for a, b in rows:
    print(f"{a:<{w}}  {b}")
PYEOF
