#!/usr/bin/env bash
# capture_bgp_timers.sh -- real FRR: new BGP timers on an Established session take effect only when it is
# re-established (the hold time is negotiated in the OPEN). docs/ha.md section 3, "Switching profile".
#
# Runs on any Linux host with FRR (apt frr) and network namespaces, as root; no GRE/ESP is needed (BGP runs over a
# veth that stands for the GRE tunnel). Two namespaces: cpe (bgpd with the lab's tunnel 1 neighbour, timers 10 30)
# and di (bgpd, Cisco's side with FRR's default timers). Captures `show bgp neighbors json` (-> $OUT):
#   up_10_30/       the session up with 10/30
#   stale_3_9/      after `neighbor ... timers 3 9` on the running session: configured 9 s, still negotiated 30 s
#   cleared_3_9/    after `clear bgp 100.64.0.2`: negotiated 9 s
# usage: OUT=tests/unit/plugins/module_utils/platforms/linux/fixtures/bgp_timers sudo -E capture_bgp_timers.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:?}
PY=${PY:-python3}
. "$HERE/frr_ns.sh"
R=/run/vc-timers-cap
NS="vct-cpe vct-di"
ns_init
ip link add t0 netns vct-cpe type veth peer name t0 netns vct-di
nx vct-cpe ip addr add 100.64.0.1/30 dev t0; nx vct-di ip addr add 100.64.0.2/30 dev t0
ns_links_up t0
daemon vct-cpe zebra "hostname cpe"; daemon vct-di zebra "hostname di"
daemon vct-cpe bgpd "hostname cpe
router bgp 64551
 no bgp ebgp-requires-policy
 neighbor 100.64.0.2 remote-as 64552
 neighbor 100.64.0.2 timers 10 30"
daemon vct-di bgpd "hostname di
router bgp 64552
 no bgp ebgp-requires-policy
 neighbor 100.64.0.1 remote-as 64551"
established() {
	local i
	for i in $(seq 1 90); do
		vt vct-cpe -c "show bgp neighbors 100.64.0.2 json" | grep -q '"bgpState":"Established"' && return 0
		sleep 1
	done
	log "not Established after 90 s"; exit 1
}
capture() {  # dir
	mkdir -p "$OUT/$1"
	vt vct-cpe -c "show bgp neighbors json" > "$OUT/$1/cpe_bgp_neighbors.json"
	vt vct-cpe -c "show running-config" > "$OUT/$1/cpe_running.txt"
	log "captured $1: $("$PY" -c 'import json,sys; n=json.load(open(sys.argv[1]))["100.64.0.2"]; print("hold", n["bgpTimerHoldTimeMsecs"], "configured", n.get("bgpTimerConfiguredHoldTimeMsecs"))' "$OUT/$1/cpe_bgp_neighbors.json")"
}
established; capture up_10_30
vt vct-cpe -c "configure terminal" -c "router bgp 64551" -c "neighbor 100.64.0.2 timers 3 9"
sleep 12; capture stale_3_9     # more than one old keepalive interval: the session stays on 30 s
vt vct-cpe -c "clear bgp 100.64.0.2"
sleep 2; established; capture cleared_3_9
log "done"
