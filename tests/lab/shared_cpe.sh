#!/usr/bin/env bash
# shared_cpe.sh -- a shared CPE in the embedded lab (docs/ownership.md), sourced by lab_test.sh: shared_cpe INVENTORY
# On the deployed single-CPE lab, cpe1 gets what an operator (or an older run) left on a production router:
#  - operator FRR objects named like ours, none carrying the marker: prefix-list VC-OPS-IN, route-map VC-OPS-RM used by
#    an operator neighbour described "VC-LEGACY ...", route-map OPS-IN;
#  - a look-alike GRE link vcgre9 (not in the plan) and its networkd file vcgre9.netdev (no header);
#  - stale objects of ours (marked, no longer in the plan): neighbour 100.64.9.2, prefix-list/route-map VC-OLD-IN,
#    link vcgre150 and its networkd file.
# Then: deploy (apply only: vc_deploy_verify=false, one stage) removes exactly the stale marked objects, re-run
# changed=0, the operator objects byte-identical throughout (vtysh sections, ip -d link, file hashes). Last, a
# collision: our neighbour 100.64.0.6 loses its marker (an old-style description) and our nft script is removed -> the
# run is refused naming the neighbour, cpe1 and vc_linux_adopt, before the first write (FRR unchanged, the file not
# written back); vc_linux_adopt then takes it back. Needs lib.sh (guest/gx/ap) and lab_test.sh's check/record/figure.
# The deploy and the adopt run are -vvv: no PSK or BGP password, in clear or base64, in any of the outputs.
# Lab time: ~4 apply-only runs (tests/lab/README.md).

SHARED_OPERATOR_FRR='ip prefix-list VC-OPS-IN seq 5 permit 10.20.0.0/16
ip prefix-list OPS-IN seq 5 permit 10.0.0.0/8 le 24
route-map VC-OPS-RM permit 10
 match ip address prefix-list VC-OPS-IN
exit
route-map OPS-IN permit 10
 match ip address prefix-list OPS-IN
exit
router bgp 64551
 neighbor 10.10.10.254 remote-as 65010
 neighbor 10.10.10.254 description VC-LEGACY operator uplink
 address-family ipv4 unicast
  neighbor 10.10.10.254 route-map OPS-IN in
  neighbor 10.10.10.254 route-map VC-OPS-RM out
 exit-address-family
exit'
SHARED_STALE_FRR='ip prefix-list VC-OLD-IN description webex_di.virtual_connect:old-A
ip prefix-list VC-OLD-IN seq 5 permit 10.99.0.0/16
route-map VC-OLD-IN permit 10
 description webex_di.virtual_connect:old-A
 match ip address prefix-list VC-OLD-IN
exit
router bgp 64551
 neighbor 100.64.9.2 remote-as 64599
 neighbor 100.64.9.2 description webex_di.virtual_connect:old-A
 address-family ipv4 unicast
  neighbor 100.64.9.2 route-map VC-OLD-IN in
 exit-address-family
exit'
SHARED_HEADER='# Managed by webex_di.virtual_connect (Webex Calling Dedicated Instance Virtual Connect): do not edit.'
SHARED_FAST=(-e vc_deploy_verify=false -e vc_deploy_staged=false)

# the operator's part of cpe1: its FRR sections, its link, its files (what must stay byte-identical)
shared_operator_state() {
	gx cpe1 vtysh -c "show running-config" | $PY -c '
import re, sys
names = {"VC-OPS-IN", "VC-OPS-RM", "OPS-IN", "10.10.10.254"}
keep, block = [], False
for line in sys.stdin.read().splitlines():
    words = set(re.findall(r"\S+", line))
    if line.startswith("route-map "):
        block = bool(words & names)
    elif not line.startswith(" "):
        block = False
    if block or words & names:
        keep.append(line)
print("\n".join(keep))'
	gx cpe1 ip -d link show vcgre9
	gx cpe1 sha256sum /etc/systemd/network/vcgre9.netdev
}

# shared_no_secret INVENTORY FILES...: no PSK or BGP password of the inventory, in clear or base64, in the files
shared_no_secret() {
	local inv=$1; shift
	! grep -qF -f <($PY -c '
import base64, sys, yaml
for r in yaml.safe_load(open(sys.argv[1]))["vc_regions"]:
    for t in r["tunnels"]:
        for k in ("psk", "bgp_password"):
            if t.get(k):
                print(t[k]); print(base64.b64encode(t[k].encode()).decode())' "$REPO/$inv/group_vars/all/vc.yml") "$@"
}

shared_cpe() { # shared_cpe INVENTORY
	local inv=$1 t0 n before
	t0=$(now)
	printf '%s\n' "$SHARED_OPERATOR_FRR" "$SHARED_STALE_FRR" | gx cpe1 vtysh -f /dev/stdin >/dev/null
	gx cpe1 ip link add vcgre9 type gre local 192.0.2.2 remote 203.0.113.9 ttl 64
	gx cpe1 ip link add vcgre150 type gre local 192.0.2.2 remote 203.0.113.150 ttl 255
	gx cpe1 ip link set dev vcgre150 alias webex_di.virtual_connect:old-A
	gx cpe1 mkdir -p /etc/systemd/network
	printf '[NetDev]\nName=vcgre9\nKind=gre\n' | gx cpe1 tee /etc/systemd/network/vcgre9.netdev >/dev/null
	printf '%s\n[NetDev]\nName=vcgre150\nKind=gre\n' "$SHARED_HEADER" | gx cpe1 tee /etc/systemd/network/vcgre150.netdev >/dev/null
	before=$(shared_operator_state)
	check "shared CPE: operator objects in place (VC-OPS-RM used by 10.10.10.254, vcgre9 and vcgre9.netdev)" \
		grep -qz "neighbor 10.10.10.254 route-map VC-OPS-RM out.*vcgre9[@:].*/etc/systemd/network/vcgre9.netdev" <<<"$before"

	ap playbooks/deploy_vc.yml "$inv" "${SHARED_FAST[@]}" -vvv > "$RUN/shared-deploy.log" 2>&1
	check "shared CPE: deploy ok" test "$(recap_failed "$RUN/shared-deploy.log")" -eq 0
	check "shared CPE: stale marked objects pruned (neighbour 100.64.9.2, VC-OLD-IN, vcgre150 and its file)" \
		test -z "$(gx cpe1 vtysh -c 'show running-config' | grep -E '100\.64\.9\.2|VC-OLD-IN')$(gx cpe1 ip -br link show vcgre150 2>/dev/null)$(gx cpe1 ls /etc/systemd/network/vcgre150.netdev 2>/dev/null)"
	check "shared CPE: deploy left the operator objects byte-identical" test "$(shared_operator_state)" = "$before"

	ap playbooks/deploy_vc.yml "$inv" "${SHARED_FAST[@]}" > "$RUN/shared-rerun.log" 2>&1
	n=$(recap_changed "$RUN/shared-rerun.log")
	check "shared CPE: re-run changed=0 with the look-alikes present" test "$n" -eq 0 -a "$(recap_failed "$RUN/shared-rerun.log")" -eq 0
	check "shared CPE: re-run left the operator objects byte-identical" test "$(shared_operator_state)" = "$before"

	# a collision: our neighbour without its marker; our nft script gone (the mtu feature would write it back)
	gx cpe1 vtysh -c "configure terminal" -c "router bgp 64551" -c "neighbor 100.64.0.6 description VC-LAB-B" >/dev/null
	gx cpe1 mv /etc/nftables.d/vc-mss-clamp.nft /root/vc-mss-clamp.nft.saved
	local frr_before
	frr_before=$(gx cpe1 vtysh -c "show running-config")
	ap playbooks/deploy_vc.yml "$inv" "${SHARED_FAST[@]}" > "$RUN/shared-refused.log" 2>&1
	check "shared CPE: an unmarked neighbour at our address refuses the run" test "$(recap_failed "$RUN/shared-refused.log")" -gt 0
	check "shared CPE: the refusal names neighbor 100.64.0.6, cpe1 and vc_linux_adopt" \
		grep -q "cpe1: nothing was changed: .*neighbor 100.64.0.6.*vc_linux_adopt" "$RUN/shared-refused.log"
	check "shared CPE: refused before the first write (FRR unchanged, nft script not rewritten)" \
		test "$(gx cpe1 vtysh -c 'show running-config')" = "$frr_before" -a -z "$(gx cpe1 ls /etc/nftables.d/vc-mss-clamp.nft 2>/dev/null)"
	ap playbooks/deploy_vc.yml "$inv" "${SHARED_FAST[@]}" -vvv -e '{"vc_linux_adopt": ["neighbor 100.64.0.6"]}' \
		> "$RUN/shared-adopt.log" 2>&1
	check "shared CPE: vc_linux_adopt takes it back (marker and nft script restored)" \
		test "$(recap_failed "$RUN/shared-adopt.log")" -eq 0 -a -n "$(gx cpe1 vtysh -c 'show running-config' | grep 'neighbor 100.64.0.6 description webex_di.virtual_connect:lab-B')" -a -n "$(gx cpe1 ls /etc/nftables.d/vc-mss-clamp.nft)"
	check "shared CPE: the operator objects byte-identical at the end" test "$(shared_operator_state)" = "$before"
	gx cpe1 rm -f /root/vc-mss-clamp.nft.saved
	check "shared CPE: no PSK or BGP password (clear or base64) in the outputs, two of them at -vvv" \
		shared_no_secret "$inv" "$RUN"/shared-*.log

	# leave the lab as the later steps expect it: the operator's objects go (by hand, as the operator would)
	printf '%s\n' "no route-map VC-OPS-RM permit 10" "no route-map OPS-IN permit 10" "no ip prefix-list VC-OPS-IN" \
		"no ip prefix-list OPS-IN" "router bgp 64551" " no neighbor 10.10.10.254" "exit" | gx cpe1 vtysh -f /dev/stdin >/dev/null
	gx cpe1 ip link del vcgre9
	gx cpe1 rm -f /etc/systemd/network/vcgre9.netdev
	gx cpe1 vtysh -c "write memory" >/dev/null
	figure shared_cpe_s "$(elapsed "$t0")"
}
