#!/usr/bin/env bash
# capture_redistribution.sh -- real FRR outputs of the redistribution of the DI prefixes (docs/ha.md).
#
# Runs on any Linux host with FRR (apt frr) and network namespaces, as root; no GRE/ESP is needed (BGP runs over a
# veth that stands for the GRE tunnel). Three namespaces: di (bgpd, AS of Cisco's DC-B, announces the DC-B /25,
# the /24s and one prefix the CPE must filter), cpe (zebra, bgpd, ospfd: an operator base config, then the
# collection's FRR intent applied with its delta logic, redist_apply.py) and core (the customer core router:
# zebra, ospfd, bgpd). Captures what the CPE and the core show, for the parser and check tests (-> $OUT):
#   ospf/  the CPE redistributes into OSPF; bgp/  the CPE hands the prefixes to the core over iBGP.
# usage: OUT=tests/unit/plugins/module_utils/platforms/linux/fixtures/redistribution sudo -E capture_redistribution.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:?}
PY=${PY:-python3}
. "$HERE/frr_ns.sh"
# shellcheck disable=SC2034  # R and NS are read by frr_ns.sh (sourced)
R=/run/vc-redist-cap
# shellcheck disable=SC2034
NS="vcr-di vcr-cpe vcr-core"
mkdir -p "$OUT/ospf" "$OUT/bgp"
ns_init
ip link add t0 netns vcr-cpe type veth peer name t0 netns vcr-di
ip link add lan0 netns vcr-cpe type veth peer name up0 netns vcr-core
nx vcr-cpe ip addr add 100.64.10.5/30 dev t0; nx vcr-di ip addr add 100.64.10.6/30 dev t0
nx vcr-cpe ip addr add 10.0.0.1/30 dev lan0; nx vcr-core ip addr add 10.0.0.2/30 dev up0
ns_links_up t0 lan0 up0

# Cisco's DC-B side: its /25, the /24 backup, the IaaS ones, and 10.99.0.0/16 the CPE must not accept.
daemon vcr-di zebra "hostname di"
daemon vcr-di bgpd "hostname di
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
  network 10.99.0.0/16
 exit-address-family"
# The CPE before Virtual Connect: the customer's OSPF on the LAN side (the operator's), nothing else.
daemon vcr-cpe zebra "hostname cpe"
daemon vcr-cpe bgpd "hostname cpe"
daemon vcr-cpe ospfd "hostname cpe
router ospf
 ospf router-id 10.0.0.1
 network 10.0.0.0/30 area 0"
# The customer core: OSPF with the CPE, and an iBGP session to it for the bgp case.
daemon vcr-core zebra "hostname core"
daemon vcr-core ospfd "hostname core
router ospf
 ospf router-id 10.0.0.2
 network 10.0.0.0/30 area 0"
daemon vcr-core bgpd "hostname core
router bgp 64561
 bgp router-id 10.0.0.2
 neighbor 10.0.0.1 remote-as 64561"
sleep 2

converge() {  # dir
	local _
	for _ in $(seq 1 60); do
		vt vcr-cpe -c "show ip bgp summary" 2>/dev/null | grep -q "^100.64.10.6 .* [0-9]\+ \+[0-9]\+ \+N/A\|^100.64.10.6 .* [1-9][0-9]* \+[0-9]* *$" && break
		sleep 1
	done
	sleep "${SETTLE:-12}"
}
capture() {  # dir protocol
	local d=$OUT/$1
	vt vcr-cpe -c "show running-config" > "$d/cpe_running.txt"
	vt vcr-cpe -c "show ip bgp json" > "$d/cpe_bgp.json"
	vt vcr-cpe -c "show ip ospf database external self-originate json" > "$d/cpe_ospf_external_self.json"
	vt vcr-cpe -c "show ip bgp neighbors 10.0.0.2 advertised-routes json" > "$d/cpe_core_advertised.json" 2>&1
	vt vcr-cpe -c "show ip bgp neighbors json" > "$d/cpe_bgp_neighbors.json"
	vt vcr-core -c "show ip route json" > "$d/core_routes.json"
	log "captured $1"
}
log "ospf: apply the collection's FRR intent (redistribute bgp into OSPF)"
nx vcr-cpe env VTY="$R/vcr-cpe" "$PY" "$HERE/redist_apply.py" ospf "$OUT/ospf"
converge; capture ospf
log "bgp: the same CPE re-planned with iBGP to the core (the OSPF redistribution is removed by the delta)"
nx vcr-cpe env VTY="$R/vcr-cpe" "$PY" "$HERE/redist_apply.py" bgp "$OUT/bgp"
converge; capture bgp
log "done"
