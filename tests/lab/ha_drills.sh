#!/usr/bin/env bash
# ha_drills.sh -- the customer-side HA drills of the embedded lab (docs/ha.md), sourced by lab_test.sh (and by
# ha_figures.sh for repeated runs). Needs lib.sh (guest/gx/ap/wait_for) and the caller's check/record/figure and
# $RUN. Every check name starts with its drill: "redistribution:", "dpd:", "cpe-failure:".
#
#   drill_redistribution LABEL SPEC_JSON   the core's RIB holds exactly the DI prefixes of each CPE's expect_received,
#                                          OSPF external (planned type + tag), next hop that CPE; no 0.0.0.0/0, nothing
#                                          else; the collection's verify shows its redistribution checks OK
#                                          (verify log LOG in $RUN, optional 3rd arg); LAN->DC through the core
#   drill_dpd [SUFFIX [INVENTORY]]         single-CPE lab: IKE + ESP of tunnel 1 blackholed on the internet router
#                                          (both ways); time until the CPE's charon deletes the IKE SA (DPD); restore;
#                                          time until it is re-established and LAN->DC-A is back on tunnel 1
#   drill_cpe_failure [SUFFIX]             dual-CPE lab: cpe1 dies as a whole (labctl cpe-power: every data interface
#                                          down at once); the core moves DC-A to cpe2's /24; verify names tunnel 1 down,
#                                          tunnel 2 OK; cpe1 back -> route back via cpe1, zero loss, verify green
# Each drill runs a continuous ping LAN host -> DC-A host and measures the outage (tests/lab/pingstats.py).

HA_PY=${PY:-python3}

ha_pingstats() { # LOG BREAK RESTORE -> pingstats JSON
	"$HA_PY" "$REPO/tests/lab/pingstats.py" "$1" "$2" "$3"
}
ha_ok_json() { # JSON EXPR: a python expression over d (the parsed JSON) is true
	"$HA_PY" -c 'import json,sys; d=json.loads(sys.argv[1]); sys.exit(not eval(sys.argv[2]))' "$1" "$2"
}
ha_ok_lost() { "$HA_PY" -c 'import json,sys; print(json.loads(sys.argv[1]).get("lost_after_restore"))' "$1"; }
ha_delta() { "$HA_PY" -c 'import sys; print(round(float(sys.argv[1]) - float(sys.argv[2]), 1))' "$1" "$2"; }
# core_gw DST: the next hop the customer core uses towards DST ("" when it has no route)
core_gw() { gx "$LAB_CORE" ip -j route get "$1" 2>/dev/null | "$HA_PY" -c 'import json,sys
try: print(json.load(sys.stdin)[0].get("gateway", ""))
except Exception: print("")'; }
core_gw_is() { [ "$(core_gw "$1")" = "$2" ]; }

# ------------------------------------------------------------------ redistribution:
drill_redistribution() { # LABEL SPEC_JSON [VERIFY_LOG]
	local label=$1 spec=$2 vlog=${3:-} d
	d=$RUN/redistribution-$label
	mkdir -p "$d"
	guest frr "$LAB_CORE" -c "'show ip route json'" > "$d/core_route.json" 2>&1
	guest frr "$LAB_CORE" -c "'show ip ospf route json'" > "$d/core_ospf_route.json" 2>&1
	guest frr "$LAB_CORE" -c "'show ip ospf database external json'" > "$d/core_ospf_external.json" 2>&1
	"$HA_PY" "$REPO/tests/lab/core_rib.py" "$spec" "$d/core_route.json" "$d/core_ospf_route.json" > "$d/checks.tsv" 2> "$d/core_rib.err" ||
		record FAIL "redistribution ($label): core RIB check could not run (see ${d#"$REPO"/}/core_rib.err)"
	while IFS=$'\t' read -r res text; do record "$res" "redistribution ($label): $text"; done < "$d/checks.tsv"
	if [ -n "$vlog" ]; then
		# the collection's own view: every redistribution_* check of every tunnel OK, none failing
		check "redistribution ($label): verify shows its redistribution checks PASS ($(grep -cE "^ +- '  redistribution_[a-z_]+ +PASS " "$vlog") rows)" \
			ha_verify_redist_ok "$vlog"
	fi
	check "redistribution ($label): LAN host reaches the DC-A host through the core" gx lan ping -c 3 -i 0.3 -W 2 -q "$LAB_DCA_HOST"
	check "redistribution ($label): LAN host reaches the DC-B host through the core" gx lan ping -c 3 -i 0.3 -W 2 -q "$LAB_DCB_HOST"
}
ha_verify_redist_ok() { # LOG: the verify table's redistribution rows: config and exported PASS on every tunnel, none FAIL
	# (redistribution_core is SKIP with OSPF: it checks iBGP core sessions)
	local c
	for c in config exported; do
		[ "$(grep -cE "^ +- '  redistribution_$c +PASS " "$1")" -gt 0 ] || return 1
		[ "$(grep -cE "^ +- '  redistribution_$c +PASS " "$1")" -eq "$(grep -cE "^ +- '  redistribution_$c " "$1")" ] || return 1
	done
	! grep -qE "^ +- '  redistribution_[a-z_]+ +FAIL " "$1"
}

# ------------------------------------------------------------------ dpd:
# ha_dpd_window CPE DPD_DELAY: "LOW HIGH" seconds from the start of a blackhole until charon gives up on the dead
# peer, from the retransmission schedule charon has on the CPE (the collection's strongswan.d file, else charon's
# defaults 4 s / 1.8 / 5 tries): LOW = the schedule's sum, HIGH = LOW + dpd_delay
ha_dpd_window() {
	gx "$1" cat /etc/strongswan.d/vc-ike-retransmit.conf 2>/dev/null | "$HA_PY" -c '
import re, sys
text = sys.stdin.read()
def val(key, default):
    m = re.search(r"^\s*retransmit_%s\s*=\s*([0-9.]+)\s*$" % key, text, re.M)
    return float(m.group(1)) if m else default
t, b, n = val("timeout", 4.0), val("base", 1.8), int(val("tries", 5))
low = sum(t * b ** k for k in range(n + 1))
print("%.1f %.1f" % (low, low + float(sys.argv[1])))' "$2"
}
drill_dpd() { # [SUFFIX [INVENTORY]]  (single-CPE lab, after the deploy; tunnel 1 of cpe1; INVENTORY: verify green at the end)
	# Start it on a healthy IKE SA with no DPD exchange outstanding (not right after a link outage: charon keeps
	# retransmitting the unanswered one on its own schedule, which shortens the measured detection).
	local s=${1:-} inv=${2:-} rc cpe=$LAB_T1_CPE peer=$LAB_T1_DI_IPSEC g1 g2 tb tdel tr tup tback ps name
	name=dpd${s}
	g1=$(gre_dev "$cpe" "$LAB_T1_DI_GRE"); g2=$(gre_dev "$cpe" "$LAB_T2_DI_GRE")
	check "dpd$s: tunnel 1 IKE SA established before the drill" test "$(guest ike-sa "$cpe" "$peer" | cut -d' ' -f1)" = ESTABLISHED
	local l0; l0=$(guest loglines "$cpe")
	guest ping-start "$name" lan "$LAB_DCA_HOST"; sleep 2
	tb=$(guest blackhole on "$LAB_T1_CPE_IPSEC" "$peer")
	hlog "dpd$s: IKE and ESP of tunnel 1 blackholed on the internet router"
	check "dpd$s: LAN->DC-A moves to tunnel 2 meanwhile (BGP)" wait_for 120 route_is "$cpe" "$LAB_DCA_HOST" "$g2"
	if tdel=$(guest ike-watch "$cpe" "$peer" none 420); then
		local det; det=$(ha_delta "$tdel" "$tb")
		figure "dpd_detect_s$s" "$det"
		# docs/ha.md: a DPD once nothing was received for dpd_delay (10 s), then charon's retransmits give up after
		# their schedule (defaults: 165 s; the opt-in vc_linux_ike_retransmit file on the CPE: its own): the window
		# [give-up, give-up + dpd_delay], +15 s for the lab's polling and TCG
		local win; win=$(ha_dpd_window "$cpe" 10)
		figure "dpd_window_s$s" "$win"
		check "dpd$s: the CPE's charon deleted the dead peer's IKE SA after $det s, within the derived ${win/ /-} s (+15)" \
			"$HA_PY" -c 'import sys; lo, hi = map(float, sys.argv[2].split()); sys.exit(not lo <= float(sys.argv[1]) <= hi + 15)' \
			"$det" "$win"
	else
		record FAIL "dpd$s: the CPE's charon still holds the IKE SA 420 s after the blackhole"
	fi
	gx "$cpe" tail -n +"$((l0 + 1))" /var/log/charon.log > "$RUN/$name.charon.log" 2>/dev/null
	check "dpd$s: charon gave up after its retransmits (charon.log)" grep -qE "giving up after [0-9]+ retransmits" "$RUN/$name.charon.log"
	tr=$(guest blackhole off "$LAB_T1_CPE_IPSEC" "$peer")
	hlog "dpd$s: blackhole removed"
	if tup=$(guest ike-watch "$cpe" "$peer" ESTABLISHED 300); then
		figure "dpd_reestablish_s$s" "$(ha_delta "$tup" "$tr")"
	else
		record FAIL "dpd$s: IKE SA not re-established 300 s after the restore"
	fi
	check "dpd$s: LAN->DC-A back on tunnel 1" wait_for 240 route_is "$cpe" "$LAB_DCA_HOST" "$g1"
	tback=$(guest now)
	figure "dpd_route_back_s$s" "$(ha_delta "$tback" "$tr")"
	sleep 3
	guest ping-stop "$name" > "$RUN/$name.ping"
	local ps; ps=$(ha_pingstats "$RUN/$name.ping" "$tb" "$tr")
	figure "dpd_ping$s" "$ps"
	check "dpd$s: traffic resumed over tunnel 2 during the blackhole (outage measured)" ha_ok_json "$ps" 'd["outage_s"] is not None and d["outage_s"] < 120'
	check "dpd$s: recovery with zero loss" ha_ok_json "$ps" 'd["lost_after_restore"] == 0'
	if [ -n "$inv" ]; then
		verify_green "$inv" "$name-verify"; rc=$?
		check "dpd$s: verify_vc.yml green after the re-establishment" test "$rc" -eq 0
	fi
}

# ------------------------------------------------------------------ cpe-failure:
drill_cpe_failure() { # [SUFFIX]  (dual-CPE lab: cpe1 carries tunnel 1, cpe2 tunnel 2)
	local s=${1:-} name tk tr tm tback ps rc ip1 ip2
	name=cpe-failure${s}
	ip1=$LAB_CPE1_LAN_IP ip2=$LAB_CPE2_LAN_IP
	check "cpe-failure$s: the core sends DC-A traffic to cpe1 ($ip1)" test "$(core_gw "$LAB_DCA_HOST")" = "$ip1"
	guest ping-start "$name" lan "$LAB_DCA_HOST"; sleep 2
	tk=$(guest cpe-power cpe1 off)
	hlog "cpe-failure$s: cpe1 dead (every data interface down)"
	if wait_for 240 core_gw_is "$LAB_DCA_HOST" "$ip2"; then
		tm=$(guest now)
		figure "cpe_failure_core_reroute_s$s" "$(ha_delta "$tm" "$tk")"
		record PASS "cpe-failure$s: the core reroutes DC-A over cpe2 ($ip2, its /24) after $(ha_delta "$tm" "$tk") s"
	else
		record FAIL "cpe-failure$s: the core still routes DC-A via '$(core_gw "$LAB_DCA_HOST")' 240 s after cpe1 died"
	fi
	check "cpe-failure$s: LAN host reaches the DC-A host via cpe2" wait_for 120 gx lan ping -c 2 -i 0.3 -W 1 -q "$LAB_DCA_HOST"
	if [ -z "$s" ] || [ -n "${LAB_HA_VERIFY_EACH:-}" ]; then
		verify_green inventories/lab-dual "$name-verify-down" -e vc_linux_verify_wait_s=0; rc=$?
		check "cpe-failure$s: verify_vc.yml fails" test "$rc" -ne 0
		check "cpe-failure$s: verify names cpe1's tunnel 1 ($LAB_T1_KEY) down" \
			grep -qE "tunnel 1 .*\[$LAB_T1_KEY\]: (FAIL|DOWN|NOT OK)" "$RUN/$name-verify-down.log"
		check "cpe-failure$s: verify keeps cpe2's tunnel 2 ($LAB_T2_KEY) OK" grep -qE "tunnel 2 .*\[$LAB_T2_KEY\]: OK" "$RUN/$name-verify-down.log"
	fi
	tr=$(guest cpe-power cpe1 on)
	hlog "cpe-failure$s: cpe1 back"
	if wait_for 300 core_gw_is "$LAB_DCA_HOST" "$ip1"; then
		tback=$(guest now)
		figure "cpe_failure_route_back_s$s" "$(ha_delta "$tback" "$tr")"
		record PASS "cpe-failure$s: route back via cpe1 after $(ha_delta "$tback" "$tr") s"
	else
		record FAIL "cpe-failure$s: the core does not route DC-A via cpe1 300 s after it came back"
	fi
	sleep 3
	guest ping-stop "$name" > "$RUN/$name.ping"
	ps=$(ha_pingstats "$RUN/$name.ping" "$tk" "$tr")
	figure "cpe_failure_ping$s" "$ps"
	check "cpe-failure$s: traffic resumed over cpe2 (outage measured)" ha_ok_json "$ps" 'd["outage_s"] is not None and d["outage_s"] < 180'
	# The conditional default (docs/ha.md section 3, vc_redistribution.default_requires in inventories/lab-dual): the
	# returning cpe1 advertises 0.0.0.0/0 to Dedicated Instance only once its OSPF has the LAN, so no reply is lost
	check "cpe-failure$s: recovery with zero loss (lost $(ha_ok_lost "$ps"))" ha_ok_json "$ps" 'd["lost_after_restore"] == 0'
	verify_green inventories/lab-dual "$name-verify-back"; rc=$?
	check "cpe-failure$s: verify_vc.yml green again (both CPEs)" test "$rc" -eq 0
}
