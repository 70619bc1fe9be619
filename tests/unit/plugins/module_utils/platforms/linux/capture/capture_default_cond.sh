#!/usr/bin/env bash
# capture_default_cond.sh -- the conditional default on real FRR (docs/ha.md section 3): the CPE advertises 0.0.0.0/0
# to Dedicated Instance only while the customer prefix of vc_redistribution.default_requires is in its RIB.
#
# Runs on any Linux host with FRR (apt frr) and network namespaces, as root; no GRE/ESP is needed (BGP runs over a
# veth that stands for the GRE tunnel). Three namespaces: di (bgpd, Cisco's DC-B side: announces its prefixes,
# receives the CPE's default), cpe (zebra, bgpd, ospfd: the operator's OSPF, then the collection's FRR intent typed
# with its delta logic, redist_apply.py) and core (the customer core: zebra, ospfd, its LAN 10.20.30.0/24 on a
# dummy interface in OSPF). Steps: unconditional default (mode ospf), then the conditional one (mode cond: the
# delta changes default-originate in place, the second delta is empty), the core's LAN withdrawn from OSPF (the
# default must go), back (it must return). Captures (-> $OUT/{present,withheld}) are the parser and diagnose
# fixtures; the timings go to $OUT/timings.txt.
# usage: OUT=tests/unit/plugins/module_utils/platforms/linux/fixtures/default_cond sudo -E capture_default_cond.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:?}
PY=${PY:-python3}
. "$HERE/frr_ns.sh"
# shellcheck disable=SC2034  # R and NS are read by frr_ns.sh (sourced)
R=/run/vc-cond-cap
# shellcheck disable=SC2034
NS="vcd-di vcd-cpe vcd-core"
LANP=10.20.30.0/24
mkdir -p "$OUT/present" "$OUT/withheld" "$OUT/uncond"
ns_init
ip link add t0 netns vcd-cpe type veth peer name t0 netns vcd-di
ip link add lan0 netns vcd-cpe type veth peer name up0 netns vcd-core
nx vcd-cpe ip addr add 100.64.10.5/30 dev t0; nx vcd-di ip addr add 100.64.10.6/30 dev t0
nx vcd-cpe ip addr add 10.0.0.1/30 dev lan0; nx vcd-core ip addr add 10.0.0.2/30 dev up0
nx vcd-core ip link add lan1 type veth peer name lan1p; nx vcd-core ip addr add 10.20.30.1/24 dev lan1
ns_links_up t0 lan0 up0 lan1 lan1p

daemon vcd-di zebra "hostname di"
daemon vcd-di bgpd "hostname di
router bgp 64562
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 100.64.10.5 remote-as 64561
 neighbor 100.64.10.5 timers 3 9
 address-family ipv4 unicast
  network 203.0.113.0/24
  network 203.0.113.128/25
  network 198.18.20.0/24
  network 198.18.20.128/25
 exit-address-family"
daemon vcd-cpe zebra "hostname cpe"
daemon vcd-cpe bgpd "hostname cpe"
daemon vcd-cpe ospfd "hostname cpe
interface lan0
 ip ospf hello-interval 1
 ip ospf dead-interval 3
exit
router ospf
 ospf router-id 10.0.0.1
 network 10.0.0.0/30 area 0"
daemon vcd-core zebra "hostname core"
daemon vcd-core ospfd "hostname core
interface up0
 ip ospf hello-interval 1
 ip ospf dead-interval 3
exit
router ospf
 ospf router-id 10.0.0.2
 network 10.0.0.0/30 area 0
 network $LANP area 0"
sleep 2

di_has_default() { vt vcd-di -c "show ip bgp 0.0.0.0/0 json" 2>/dev/null | "$PY" -c 'import json,sys; d=json.load(sys.stdin); sys.exit(0 if d.get("paths") else 1)'; }
wait_default() {  # present|absent [timeout]: the DI side's BGP table holds the CPE's 0.0.0.0/0 (or not)
	local end=$(( $(date +%s) + ${2:-90} ))
	while [ "$(date +%s)" -lt "$end" ]; do
		if di_has_default; then [ "$1" = present ] && return 0; else [ "$1" = absent ] && return 0; fi
		sleep 0.2
	done
	return 1
}
now() { date +%s.%N; }
since() { "$PY" -c "import sys; print('%.1f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$(now)"; }
capture() {  # dir
	local d=$OUT/$1
	vt vcd-cpe -c "show running-config" > "$d/cpe_running.txt"
	vt vcd-cpe -c "show ip route $LANP json" > "$d/cpe_route_condition.json"
	nx vcd-cpe ip -j route show table main > "$d/cpe_kernel_routes.json"
	vt vcd-cpe -c "show ip bgp $LANP json" > "$d/cpe_bgp_condition.json"
	vt vcd-cpe -c "show ip bgp neighbors 100.64.10.6 advertised-routes json" > "$d/cpe_di_advertised.json"
	vt vcd-cpe -c "show ip bgp neighbors 100.64.10.6 json" > "$d/cpe_di_neighbor.json"
	vt vcd-di -c "show ip bgp json" > "$d/di_bgp.json"
	vt vcd-core -c "show ip route json" > "$d/core_routes.json"
	log "captured $1"
}
fail() { log "FAIL: $*"; exit 1; }
: > "$OUT/timings.txt"
log "unconditional default first (vc_redistribution without default_requires)"
nx vcd-cpe env VTY="$R/vcd-cpe" "$PY" "$HERE/redist_apply.py" ospf "$OUT/uncond" || fail "apply ospf"
wait_default present 90 || fail "no default at DI with the unconditional default-originate"
vt vcd-cpe -c "show running-config" > "$OUT/uncond/cpe_running.txt"
log "the conditional default (default_requires $LANP)"
for _ in $(seq 1 60); do vt vcd-cpe -c "show ip route $LANP" | grep -q ospf && break; sleep 1; done
nx vcd-cpe env VTY="$R/vcd-cpe" "$PY" "$HERE/redist_apply.py" cond "$OUT/present" || fail "apply cond"
grep -q "no neighbor 100.64.10.6 default-originate" "$OUT/present/delta_first.txt" && fail "the delta withdraws the default first"
sleep 8
di_has_default || fail "the default is gone at DI although $LANP is in the CPE's RIB"
vt vcd-di -c "show ip bgp $LANP json" | grep -q '"paths"' && fail "$LANP leaked to DI"
capture present
for rep in $(seq 1 "${REPS:-3}"); do
	log "run $rep: the customer LAN leaves the core's OSPF (the customer IGP loses it)"
	t0=$(now); nx vcd-core ip link set lan1 down
	wait_default absent 90 || fail "the default stays at DI although $LANP left the CPE's RIB"
	echo "withdrawn_s $(since "$t0")" >> "$OUT/timings.txt"
	vt vcd-cpe -c "show ip route $LANP" | grep -q ospf && fail "$LANP still in the CPE's RIB"
	[ "$rep" = 1 ] && capture withheld
	log "run $rep: the customer LAN back"
	t0=$(now); nx vcd-core ip link set lan1 up
	wait_default present 90 || fail "the default does not return at DI after $LANP came back"
	echo "returned_s $(since "$t0")" >> "$OUT/timings.txt"
	sleep 2
done
cpe_lan_route() { vt vcd-cpe -c "show ip route $LANP" 2>/dev/null | grep -q "Known via \"ospf\""; }
di_established() { vt vcd-di -c "show ip bgp summary json" 2>/dev/null | grep -q '"state":"Established"'; }
wait_until() {  # timeout command...: poll every 0.2 s
	local end=$(( $(date +%s) + $1 )); shift
	while [ "$(date +%s)" -lt "$end" ]; do "$@" && return 0; sleep 0.2; done
	return 1
}
power_cycle() {  # label: the CPE loses both links (BGP holds 9 s), then its tunnel comes back first, its LAN 8 s later
	local label=$1 t1 tl td
	nx vcd-cpe ip link set t0 down; nx vcd-cpe ip link set lan0 down
	wait_default absent 30 || fail "$label: DI keeps the default after the CPE died"
	wait_until 30 sh -c "! ip netns exec vcd-di vtysh --vty_socket $R/vcd-di -c 'show ip bgp summary json' | grep -q '\"state\":\"Established\"'"
	nx vcd-cpe ip link set t0 up
	wait_until 60 di_established || fail "$label: BGP does not come back"
	sleep 3
	vt vcd-di -c "show ip bgp summary" | grep "^100.64.10.5" >&2
	if di_has_default; then echo "${label}_default_before_lan yes" >> "$OUT/timings.txt"
	else echo "${label}_default_before_lan no" >> "$OUT/timings.txt"; fi
	t1=$(now); nx vcd-cpe ip link set lan0 up
	wait_until 60 cpe_lan_route || fail "$label: the CPE does not learn $LANP again"
	tl=$(since "$t1")
	wait_default present 60 || fail "$label: no default at DI after the CPE's OSPF converged"
	td=$(since "$t1")
	echo "${label}_lan_route_s $tl ${label}_default_s $td" >> "$OUT/timings.txt"
	vt vcd-di -c "show ip bgp summary" | grep "^100.64.10.5" >&2
}
log "a CPE that comes back: BGP first, OSPF later (the lab's recovery defect, docs/ha.md section 3)"
power_cycle cond
grep -q "^cond_default_before_lan no" "$OUT/timings.txt" || fail "the conditional default reached DI before the CPE had $LANP"
cat "$OUT/timings.txt" >&2
log "back to the unconditional default (default_requires removed): the delta changes the line in place"
mkdir -p "$OUT/revert"
nx vcd-cpe env VTY="$R/vcd-cpe" "$PY" "$HERE/redist_apply.py" ospf "$OUT/revert" || fail "apply revert"
grep -q "VC-DEFAULT-COND" "$OUT/revert/delta_first.txt" || fail "the revert delta does not remove the condition"
vt vcd-cpe -c "show running-config" | grep -q "VC-DEFAULT-COND" && fail "VC-DEFAULT-COND left behind"
nx vcd-core ip link set lan1 down; sleep 8
di_has_default || fail "the unconditional default is withheld"
nx vcd-core ip link set lan1 up
wait_until 60 cpe_lan_route || fail "the CPE does not learn $LANP again"
log "the same return with the unconditional default: the defect (DI gets the default before the CPE has the LAN)"
power_cycle uncond
grep -q "^uncond_default_before_lan yes" "$OUT/timings.txt" || fail "the unconditional default did not show the defect"
cat "$OUT/timings.txt" >&2
log "done: PASS"
