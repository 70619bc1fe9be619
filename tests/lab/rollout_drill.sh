#!/usr/bin/env bash
# rollout_drill.sh OUTDIR -- the safe rollout and the Linux rollback, with traffic, on the single-CPE lab
# (called by lab_test.sh once the lab is deployed and green; the VM and the lab lock are the caller's).
#  rollout:  a PSK rotation of tunnel 1 done as docs/operations.md says: the Cisco side (headend of tunnel 1) first,
#            then deploy_vc.yml with the new PSK. LAN->DC-B loses nothing; LAN->DC-A moves to tunnel 2 and back.
#  rollback: a second deploy whose tunnel-1 PSK the Cisco side does not have (the modelled headend keeps its own):
#            tunnel 1 fails its verify gate, the rollback role restores the stage's snapshot. The CPE is then exactly
#            as before (file hashes/modes/owners, FRR running config, ip -d addr of the GRE links, tunnel 2's IKE and
#            CHILD SA unique ids) and LAN->DC-B lost nothing.
#  back:     the headend's original PSK again and the rollout's snapshot restored by hand (vc_linux_config
#            state=restored, ad hoc): the lab is as the inventory says for the steps after this one.
# Prints one line per check on stdout: "PASS <text>" / "FAIL <text>", and "FIGURE name=value"; logs to stderr.
set -u
. "$(dirname "$0")/lib.sh"
OUT=${1:?usage: rollout_drill.sh OUTDIR}
mkdir -p "$OUT"
. "$LAB_DIR/lab.env"
SNAP=$(mktemp -d "${TMPDIR:-/tmp}/vc-rollout-XXXXXX")   # snapshots hold PSKs: outside the repo, removed at the end
trap 'rm -rf "$SNAP"' EXIT
CPE=$LAB_T1_CPE
HCONF=/run/lab/ns/$LAB_DCA_VPN/swanctl.conf                # the modelled headend of tunnel 1 (guest/labctl.sh)
GRE1=$(gre_dev "$CPE" "$LAB_T1_DI_GRE"); GRE2=$(gre_dev "$CPE" "$LAB_T2_DI_GRE")
ORIG_PSK=$($PY -c 'import sys, yaml; t = yaml.safe_load(open(sys.argv[1]))["vc_regions"][0]["tunnels"][0]; print(t["psk"])' \
	"$REPO/inventories/lab/group_vars/all/vc.yml")
ROTATED_PSK=lab-psk-dc-a-rotated-4567890123
WRONG_PSK=lab-psk-dc-a-not-on-cisco-7654321
res() { if "${@:2}" >/dev/null 2>&1; then echo "PASS $1"; else echo "FAIL $1"; fi; }
fig() { echo "FIGURE $1=$2"; }
# plan_with PSK FILE: extra vars with the inventory's vc_regions, tunnel 1's PSK replaced
plan_with() {
	$PY - "$REPO/inventories/lab/group_vars/all/vc.yml" "$1" "$2" <<-'EOF'
	import json, sys, yaml
	data = yaml.safe_load(open(sys.argv[1]))
	data["vc_regions"][0]["tunnels"][0]["psk"] = sys.argv[2]
	fd = open(sys.argv[3], "w")
	json.dump({"vc_regions": data["vc_regions"]}, fd)
	EOF
	chmod 600 "$2"
}
# head_psk PSK: the Cisco side changes tunnel 1's pre-shared key (like an IOS-XE keyring change: the running SA stays)
head_psk() {
	gx root sed -i "s|^\(    secret = \).*|\1\"$1\"|" "$HCONF" &&
		guest sw "$LAB_DCA_VPN" --load-creds --noprompt --file "$HCONF" >/dev/null
}
# cpe_state FILE: what "exactly as before" compares (no counters, no timers)
cpe_state() {
	{
		# shellcheck disable=SC2016  # expanded by the CPE's shell
		gx "$CPE" sh -c 'cd / && for f in etc/swanctl/conf.d/vc-* etc/systemd/network/vcgre* etc/nftables.d/vc-*; do
			[ -e "$f" ] && echo "$(sha256sum "$f" | cut -c1-64) $(stat -c "%a %U:%G" "$f") $f"; done'
		gx "$CPE" vtysh -c "show running-config"
		gx "$CPE" ip -d addr show type gre
		gx "$CPE" nft list table inet vc_mss_clamp | sed -E 's/counter packets [0-9]+ bytes [0-9]+/counter/'   # the guard counts traffic
	} > "$1" 2>&1
}
# sa_ids CONN: "ike=<uniqueid> child=<uniqueid>,..." of a CPE connection (swanctl --list-sas --raw)
sa_ids() {
	gx "$CPE" swanctl --list-sas --ike "$1" --raw | $PY -c '
import re, sys
t = sys.stdin.read()
ike = re.search(r"\{%s \{uniqueid=(\d+)" % re.escape(sys.argv[1]), t)
kids = re.findall(r"\{name=%s-gre uniqueid=(\d+)" % re.escape(sys.argv[1]), t)
print("ike=%s child=%s" % (ike.group(1) if ike else "none", ",".join(kids) or "none"))' "$1"
}
# route_watch NAME: the CPE's route to the DC-A host, once a second, until $OUT/NAME.stop exists
route_watch() {
	while [ ! -e "$OUT/$1.stop" ]; do echo "$(date +%s.%N) $(route_dev "$CPE" "$LAB_DCA_HOST" 2>/dev/null)"; sleep 1; done > "$OUT/$1.routes"
}
watch_start() { rm -f "$OUT/$1.stop"; route_watch "$1" & WATCH_PID=$!; }
watch_stop() { touch "$OUT/$1.stop"; wait "$WATCH_PID" 2>/dev/null; }
loss() { # loss PINGNAME T0: pingstats of a stopped ping from T0
	guest ping-stop "$1" > "$OUT/$1.ping"
	$PY "$REPO/tests/lab/pingstats.py" "$OUT/$1.ping" "$2"
}
# flat_grep REGEX LOG: grep in the log with every run of whitespace made one space (the callback wraps long messages)
flat_grep() { tr -s ' \n\t' '   ' < "$2" | grep -qE "$1"; }
lost_of() { $PY -c 'import json, sys; print(json.loads(sys.argv[1])["lost"])' "$1"; }
outage_of() { $PY -c 'import json, sys; print(json.loads(sys.argv[1])["outage_s"])' "$1"; }
ap_vc() { # ap_vc NAME ARGS...: deploy_vc.yml on the single-CPE lab, snapshots in $SNAP
	ap playbooks/deploy_vc.yml inventories/lab -e "vc_linux_snapshot_dir=$SNAP" -e vc_deploy_settle_s=90 "${@:2}" > "$OUT/$1.log" 2>&1
}
if [ -z "$GRE1" ] || [ -z "$GRE2" ]; then echo "FAIL rollout: the CPE's GRE links of both tunnels exist"; exit 1; fi
T_DRILL=$(now)
cpe_state "$OUT/start.state"

# ------------------------------------------------------------------ rollout: PSK rotation of tunnel 1
plan_with "$ROTATED_PSK" "$SNAP/rotated.json"
ids_b=$(sa_ids "vc-$LAB_T2_KEY")
guest ping-start ro-dcb lan "$LAB_DCB_HOST"; guest ping-start ro-dca lan "$LAB_DCA_HOST"; sleep 2
t0=$(guest now)
watch_start ro
head_psk "$ROTATED_PSK"; res "rollout: the Cisco side of tunnel 1 has the new PSK (headend reloaded its credentials)" test $? -eq 0
t=$(now)
ap_vc rollout -e "@$SNAP/rotated.json"; rc=$?
fig rollout_deploy_s "$(elapsed "$t")"
sleep 3
watch_stop ro
PS_B=$(loss ro-dcb "$t0"); PS_A=$(loss ro-dca "$t0")
fig rollout_dcb_ping "$PS_B"; fig rollout_dca_ping "$PS_A"
res "rollout: deploy_vc.yml with the rotated PSK green, tunnel 1 then tunnel 2 (rc $rc)" test "$rc" -eq 0
res "rollout: the deploy drained and re-established tunnel 1 only (vc-$LAB_T1_KEY)" \
	flat_grep "neighbor $LAB_T1_DI_TUN shutdown \(drain\)'? - swanctl --terminate --ike vc-$LAB_T1_KEY " "$OUT/rollout.log"
# shellcheck disable=SC2016  # $1/$2 expand in the inner bash, on purpose
res "rollout: tunnel 2 was not re-established" bash -c '! grep -q -- "--ike vc-$1" "$2"' _ "$LAB_T2_KEY" "$OUT/rollout.log"
res "rollout: LAN->DC-B lost nothing during the rotation ($(lost_of "$PS_B") lost)" test "$(lost_of "$PS_B")" = 0
res "rollout: tunnel 2 kept its SAs ($ids_b)" test "$(sa_ids "vc-$LAB_T2_KEY")" = "$ids_b"
res "rollout: LAN->DC-A moved to tunnel 2 ($GRE2) while tunnel 1 was changed" grep -q " $GRE2\$" "$OUT/ro.routes"
res "rollout: LAN->DC-A back on tunnel 1 ($GRE1) at the end" test "$(tail -n 1 "$OUT/ro.routes" | cut -d' ' -f2)" = "$GRE1"
res "rollout: LAN->DC-A answered again after the move (outage $(outage_of "$PS_A") s, $(lost_of "$PS_A") lost)" \
	"$PY" -c 'import json, sys; d = json.loads(sys.argv[1]); sys.exit(not (d["outage_s"] is not None and d["outage_s"] < 60))' "$PS_A"
ROLLOUT_SNAP=$(find "$SNAP" -name "*_vc_linux_snapshot_${LAB_T1_KEY}_*.json" -printf '%T@ %p\n' | sort -n | tail -n 1 | cut -d' ' -f2)
res "rollout: stage 1 left a private snapshot (mode 600)" test "$(stat -c %a "$ROLLOUT_SNAP" 2>/dev/null)" = 600

# ------------------------------------------------------------------ rollback: tunnel 1 fails its gate, restored
plan_with "$WRONG_PSK" "$SNAP/wrong.json"
wait_for 60 route_is "$CPE" "$LAB_DCA_HOST" "$GRE1"
cpe_state "$OUT/before-rollback.state"
ids_b=$(sa_ids "vc-$LAB_T2_KEY")
guest ping-start rb-dcb lan "$LAB_DCB_HOST"; guest ping-start rb-dca lan "$LAB_DCA_HOST"; sleep 2
t0=$(guest now)
t=$(now)
ap_vc rollback -e "@$SNAP/wrong.json"; rc=$?
fig rollback_deploy_s "$(elapsed "$t")"
t=$(now)
wait_for 120 route_is "$CPE" "$LAB_DCA_HOST" "$GRE1"
fig rollback_dca_back_on_tunnel1_s "$(elapsed "$t")"
sleep 3
PS_B=$(loss rb-dcb "$t0"); PS_A=$(loss rb-dca "$t0")
fig rollback_dcb_ping "$PS_B"; fig rollback_dca_ping "$PS_A"
cpe_state "$OUT/after-rollback.state"
res "rollback: deploy_vc.yml fails in stage 1 (tunnel 1's gate) and does not start stage 2 (rc $rc)" \
	flat_grep "failed on $CPE in stage 1 .*Tunnel\(s\) $LAB_T2_KEY were not touched" "$OUT/rollback.log"
res "rollback: the rollback role restored the stage's snapshot (re-established vc-$LAB_T1_KEY only)" \
	flat_grep "Rollback from [^ ]*_vc_linux_snapshot_${LAB_T1_KEY}_.*re-established: vc-$LAB_T1_KEY \(the others kept" "$OUT/rollback.log"
res "rollback: the CPE is exactly as before (files sha256/mode/owner, FRR running config, ip -d addr gre, nft table)" \
	diff -u "$OUT/before-rollback.state" "$OUT/after-rollback.state"
res "rollback: tunnel 2 kept its IKE and CHILD SAs ($ids_b)" test "$(sa_ids "vc-$LAB_T2_KEY")" = "$ids_b"
res "rollback: LAN->DC-B lost nothing during the failed deploy and its rollback ($(lost_of "$PS_B") lost)" test "$(lost_of "$PS_B")" = 0
res "rollback: tunnel 1 up again with the previous PSK (LAN->DC-A via $GRE1, outage $(outage_of "$PS_A") s)" \
	route_is "$CPE" "$LAB_DCA_HOST" "$GRE1"
# shellcheck disable=SC2016  # positional parameters of the inner shell
res "rollback: no PSK in the deploy output" bash -c '! grep -qE "$1|$2|$3" "$4"' _ "$WRONG_PSK" "$ROTATED_PSK" "$ORIG_PSK" "$OUT/rollback.log"

# ------------------------------------------------------------------ back to the inventory's PSK
head_psk "$ORIG_PSK"
for try in 1 2 3; do   # rc 4: unreachable (an SSH banner timeout under load): try again
	(cd "$REPO" && ansible -i inventories/lab "$CPE" -m webex_di.virtual_connect.vc_linux_config \
		-a "{\"state\": \"restored\", \"plan\": {}, \"host\": \"$CPE\", \"snapshot_path\": \"$ROLLOUT_SNAP\", \"preflight\": false}" \
		> "$OUT/back-$try.log" 2>&1 9>&-); rc=$?
	[ "$rc" -eq 4 ] || break
	sleep 5
done
res "rollback: an earlier snapshot restored by hand (ad hoc state=restored, rc $rc)" test "$rc" -eq 0
wait_for 60 route_is "$CPE" "$LAB_DCA_HOST" "$GRE1"
cpe_state "$OUT/end.state"
res "rollback: the CPE is exactly as at the start of the drill (the inventory's PSK again)" diff -u "$OUT/start.state" "$OUT/end.state"
res "rollback: LAN->DC-A back on tunnel 1 with the inventory's PSK" wait_for 120 route_is "$CPE" "$LAB_DCA_HOST" "$GRE1"
res "rollback: headend of tunnel 1 has its CHILD SA again" wait_for 60 headend_child_installed "$LAB_DCA_VPN"
fig rollout_drill_s "$(elapsed "$T_DRILL")"
