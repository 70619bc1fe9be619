#!/usr/bin/env bash
# capture_split.sh -- real outputs of a split tunnel's RRI on Linux (docs/ha.md section 2): the IPsec device's
# updown script installs/removes the route to the DI GRE /32, its FRR redistributes exactly that route into the
# inside OSPF with the RRI tag, the GRE router learns it (and loses it).
#
# Runs on any Linux host with FRR (apt frr) and network namespaces, as root; no GRE/ESP/strongSwan is needed: charon's
# call of the updown script is simulated (PLUTO_VERB, PLUTO_CONNECTION as charon sets them). Three namespaces: inet
# (the WAN next hop 192.0.2.1), ipsec (ipsec1: zebra + ospfd with the operator's OSPF on the inside link, then the
# collection's FRR intent, split_apply.py) and gre (cpe1, the GRE router: zebra + ospfd).
# Captures, with the CHILD SA "up" then "down" (-> $OUT/up, $OUT/down): both devices' kernel routes and FRR views.
# usage: OUT=tests/unit/plugins/module_utils/platforms/linux/fixtures/split sudo -E capture_split.sh
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:?}
PY=${PY:-python3}
. "$HERE/frr_ns.sh"
# shellcheck disable=SC2034  # R and NS are read by frr_ns.sh (sourced)
R=/run/vc-split-cap
# shellcheck disable=SC2034
NS="vcs-inet vcs-ipsec vcs-gre"
mkdir -p "$OUT/up" "$OUT/down"
ns_init
ip link add wan0 netns vcs-ipsec type veth peer name inet0 netns vcs-inet
ip link add in0 netns vcs-ipsec type veth peer name in0 netns vcs-gre
nx vcs-ipsec ip addr add 192.0.2.2/24 dev wan0; nx vcs-inet ip addr add 192.0.2.1/24 dev inet0
nx vcs-ipsec ip addr add 10.1.0.1/30 dev in0; nx vcs-gre ip addr add 10.1.0.2/30 dev in0
nx vcs-gre ip addr add 192.0.2.130/32 dev lo
ns_links_up wan0 inet0 in0
nx vcs-ipsec ip route add default via 192.0.2.1

# The customer's inside OSPF between the IPsec device and the GRE router (the operator's, before Virtual Connect).
for n in vcs-ipsec vcs-gre; do
	rid=$([ "$n" = vcs-ipsec ] && echo 10.1.0.1 || echo 10.1.0.2)
	daemon "$n" zebra "hostname ${n#vcs-}"
	daemon "$n" ospfd "hostname ${n#vcs-}
interface in0
 ip ospf hello-interval 1
 ip ospf dead-interval 3
exit
router ospf
 ospf router-id $rid
 network 10.1.0.0/30 area 0"
done
sleep 2
log "apply the collection's FRR intent on the IPsec device (redistribute kernel route-map VC-RRI)"
nx vcs-ipsec env VTY="$R/vcs-ipsec" "$PY" "$HERE/split_apply.py" "$OUT" || exit 1
for _ in $(seq 1 60); do vt vcs-gre -c "show ip ospf neighbor" | grep -q Full && break; sleep 1; done

capture() {  # dir
	local d=$OUT/$1
	nx vcs-ipsec ip -j route show table main > "$d/ipsec_routes.json"
	nx vcs-ipsec ip -j route get 198.51.100.2 > "$d/ipsec_route_get_peer.json"
	vt vcs-ipsec -c "show ip route 198.51.100.65/32 json" > "$d/ipsec_frr_route.json"
	vt vcs-ipsec -c "show ip ospf database external self-originate json" > "$d/ipsec_ospf_external_self.json"
	vt vcs-ipsec -c "show running-config" > "$d/ipsec_running.txt"
	nx vcs-gre ip -j route show table main > "$d/gre_routes.json"
	vt vcs-gre -c "show ip route 198.51.100.65/32 json" > "$d/gre_frr_route.json"
	vt vcs-gre -c "show ip ospf database external json" > "$d/gre_ospf_external.json"
	log "captured $1"
}
wait_gre() {  # present|absent: the GRE router's kernel route to the DI GRE /32
	local _
	for _ in $(seq 1 30); do
		if nx vcs-gre ip -4 route show 198.51.100.65/32 | grep -q via; then [ "$1" = present ] && return 0
		else [ "$1" = absent ] && return 0; fi
		sleep 0.5
	done
	log "the GRE router's route is not $1 after 15 s"; return 1
}
log "CHILD SA up: charon runs the updown script (up-client)"
t0=$(date +%s.%N)
nx vcs-ipsec env PLUTO_VERB=up-client PLUTO_CONNECTION=vc-lab-A-gre sh "$OUT/vc-rri-updown.sh"
wait_gre present; t1=$(date +%s.%N); log "GRE router learned it after $(echo "$t1 - $t0" | bc) s"
sleep 1; capture up
log "CHILD SA down (down-client)"
t0=$(date +%s.%N)
nx vcs-ipsec env PLUTO_VERB=down-client PLUTO_CONNECTION=vc-lab-A-gre sh "$OUT/vc-rri-updown.sh"
wait_gre absent; t1=$(date +%s.%N); log "GRE router lost it after $(echo "$t1 - $t0" | bc) s"
sleep 1; capture down
log "done"
