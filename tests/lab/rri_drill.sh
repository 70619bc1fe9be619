#!/usr/bin/env bash
# rri_drill.sh -- the split-device drills of the embedded lab (docs/ha.md section 2), sourced by lab_test.sh and
# ha_figures.sh (after ha_drills.sh: ha_pingstats, ha_ok_json, ha_delta). Lab inventories/lab-split: tunnel 1's IPsec
# on vpn1 (dynamic RRI of the DI GRE /32, redistributed into the customer's OSPF on the inside link), its GRE/BGP on
# cpe1; tunnel 2 all on cpe1. Needs the caller's check/record/figure/verify_green and $RUN. Every check starts "rri:".
#
#   drill_rri_injected [SUFFIX]   the /32 on vpn1 (proto 249, via its WAN next hop) and on cpe1 learned by OSPF (E2,
#                                 the planned tag, next hop vpn1's inside address); LAN -> DC-A over tunnel 1
#   drill_rri_sa_down [SUFFIX]    vpn1's SA goes down while vpn1 lives: its IKE/ESP towards the DC-A headend dropped on
#                                 the internet router (one way) and the headend deletes the IKE SA (vpn1 receives the
#                                 DELETE: down-client); the route leaves vpn1 and cpe1, DC-A traffic moves to tunnel 2;
#                                 diagnose names the cause on each device; restore -> the route back, zero loss, green
#   drill_rri_device_dies [SUFFIX] vpn1 dies as a whole and reboots (labctl cpe-power vpn1 off|on reboot): cpe1 loses
#                                 the route with the OSPF adjacency (dead interval), DC-A on tunnel 2; back -> zero loss
# Each drill runs a continuous ping LAN host -> DC-A host through the core and measures the outage; the caller wraps
# them in the internet capture (0 clear-text GRE: the split guard on cpe1 keeps tunnel 1's GRE off its default route).

RRI_INV=${RRI_INV:-inventories/lab-split}

rri_env() { # the split tunnel's names (lab.env of the lab-split build)
	RRI_VPN=$LAB_T1_IPSEC_HOST RRI_GRE=$LAB_T1_CPE RRI_INSIDE=$LAB_T1_IPSEC_INSIDE RRI_DI=$LAB_T1_DI_GRE/32
	RRI_G1=$(gre_dev "$RRI_GRE" "$LAB_T1_DI_GRE"); RRI_G2=$(gre_dev "$RRI_GRE" "$LAB_T2_DI_GRE")
}
# rri_learned: how cpe1 holds the DI GRE /32 ("protocol=ospf via=10.1.0.1 type=N_E2 tag=99" or "none")
rri_learned() {
	local d=$RUN/rri-probe
	mkdir -p "$d"
	gx "$RRI_GRE" vtysh -c "show ip route $RRI_DI json" > "$d/route.json" 2>/dev/null
	gx "$RRI_GRE" vtysh -c "show ip ospf route json" > "$d/ospf.json" 2>/dev/null
	"$HA_PY" "$REPO/tests/lab/rri_check.py" learned "$d/route.json" "$d/ospf.json" "$RRI_DI"
}
rri_vpn_route() { gx "$RRI_VPN" ip -4 route show exact "$RRI_DI"; }
# rri_guard_drops: packets the split guard of cpe1 (rt ip nexthop != the IPsec device) dropped so far
rri_guard_drops() {
	gx "$RRI_GRE" nft list chain inet vc_mss_clamp output 2>/dev/null | awk '/rt ip nexthop/ {
		for (i = 1; i <= NF; i++) if ($i == "packets") s += $(i + 1) } END { print s + 0 }'
}
# rri_diagnose NAME: diagnose_vc.yml on the split lab, one report per host in $RUN/NAME
rri_diagnose() {
	mkdir -p "$RUN/$1"
	ap playbooks/diagnose_vc.yml "$RRI_INV" -e "vc_report_dir=$RUN/$1" -e vc_linux_verify_wait_s=0 > "$RUN/$1.log" 2>&1
}
rri_cause() { "$HA_PY" "$REPO/tests/lab/rri_check.py" cause "$RUN/$1" "$2" "$LAB_T1_KEY"; }
# rri_gre_cause_ok CAUSE FIX: the GRE router's diagnosis points at the IPsec device's SA
# shellcheck disable=SC2317  # called through check()
rri_gre_cause_ok() {
	case $1 in
	split.ipsec_device) return 0 ;;
	rri.no_route_to_ipsec_device) grep -q "verify and diagnose $RRI_VPN first" <<<"$2" ;;
	*) return 1 ;;
	esac
}

# ------------------------------------------------------------------ rri: injected
drill_rri_injected() { # [SUFFIX]
	local s=${1:-} v l
	rri_env
	v=$(rri_vpn_route)
	check "rri$s: $RRI_VPN holds the RRI route $RRI_DI proto 249 via its WAN next hop ($v)" \
		grep -qE "via [0-9.]+ dev $LAB_VPN1_WAN_IF proto 249" <<<"$v"
	l=$(rri_learned)
	check "rri$s: $RRI_GRE learned $RRI_DI by OSPF, E2, tag $LAB_T1_RRI_TAG, next hop $RRI_VPN's inside $RRI_INSIDE ($l)" \
		test "$l" = "protocol=ospf via=$RRI_INSIDE type=N_E2 tag=$LAB_T1_RRI_TAG"
	check "rri$s: $RRI_GRE routes the DC-A host via tunnel 1 ($RRI_G1)" route_is "$RRI_GRE" "$LAB_DCA_HOST" "$RRI_G1"
	check "rri$s: LAN host reaches the DC-A host through the core" gx lan ping -c 3 -i 0.3 -W 2 -q "$LAB_DCA_HOST"
}

# rri_recover BASE SUFFIX T_RESTORE T_BREAK: after the restore, the route back on cpe1 and DC-A back on tunnel 1; the
# ping stopped and measured (outage, zero loss on recovery); verify green. Figures BASE_<what>SUFFIX (ha_figures.sh)
rri_recover() {
	local base=$1 s=$2 tr=$3 tb=$4 t ps rc name=$1$2
	if t=$(guest route-watch "$RRI_GRE" "$RRI_DI" present 300); then
		figure "${base}_learned_s$s" "$(ha_delta "$t" "$tr")"
		record PASS "$name: $RRI_GRE learned the RRI route again $(ha_delta "$t" "$tr") s after the restore"
	else
		record FAIL "$name: $RRI_GRE has no route to $RRI_DI 300 s after the restore"
	fi
	check "$name: LAN->DC-A back on tunnel 1" wait_for 240 route_is "$RRI_GRE" "$LAB_DCA_HOST" "$RRI_G1"
	figure "${base}_back_s$s" "$(ha_delta "$(guest now)" "$tr")"
	sleep 3
	guest ping-stop "$name" > "$RUN/$name.ping"
	ps=$(ha_pingstats "$RUN/$name.ping" "$tb" "$tr")
	figure "${base}_ping$s" "$ps"
	check "$name: traffic resumed over tunnel 2 meanwhile (outage measured)" ha_ok_json "$ps" 'd["outage_s"] is not None and d["outage_s"] < 120'
	check "$name: recovery with zero loss" ha_ok_json "$ps" 'd["lost_after_restore"] == 0'
	verify_green "$RRI_INV" "$name-verify-back"; rc=$?
	check "$name: verify_vc.yml green again (both devices)" test "$rc" -eq 0
}

# ------------------------------------------------------------------ rri: the SA goes down on a live IPsec device
drill_rri_sa_down() { # [SUFFIX]
	local s=${1:-} b=rri-sa-down name tb tw tv="" tr g0 c
	name=$b$s
	rri_env
	g0=$(rri_guard_drops)
	guest ping-start "$name" lan "$LAB_DCA_HOST"; sleep 2
	# vpn1 -> headend dropped (vpn1 cannot re-establish), then the headend deletes the IKE SA: its DELETE reaches vpn1
	guest blackhole on "$LAB_T1_CPE_IPSEC" "$LAB_T1_DI_IPSEC" oneway >/dev/null
	tb=$(guest sa-delete "$LAB_T1_VPN" "$LAB_T1_KEY")
	hlog "$name: the DC-A headend deleted the SA, vpn1 cannot re-establish it"
	if tv=$(guest route-watch "$RRI_VPN" "$RRI_DI" absent 60); then
		figure "${b}_vpn_withdrawn_s$s" "$(ha_delta "$tv" "$tb")"
		record PASS "$name: $RRI_VPN withdrew its RRI route (down-client) $(ha_delta "$tv" "$tb") s after the SA went down"
	else
		record FAIL "$name: $RRI_VPN still holds $RRI_DI 60 s after the SA went down"
	fi
	if tw=$(guest route-watch "$RRI_GRE" "$RRI_DI" absent 60); then
		figure "${b}_withdrawn_s$s" "$(ha_delta "$tw" "$tb")"
		[ -n "$tv" ] && figure "${b}_ospf_withdrawn_s$s" "$(ha_delta "$tw" "$tv")"
		record PASS "$name: $RRI_GRE lost the route $(ha_delta "$tw" "$tb") s after the SA went down"
	else
		record FAIL "$name: $RRI_GRE still routes $RRI_DI 60 s after the SA went down ($(rri_learned))"
	fi
	check "$name: LAN->DC-A moves to tunnel 2 (BGP on tunnel 1 expires)" wait_for 120 route_is "$RRI_GRE" "$LAB_DCA_HOST" "$RRI_G2"
	check "$name: LAN host reaches the DC-A host over tunnel 2" wait_for 60 gx lan ping -c 2 -i 0.3 -W 1 -q "$LAB_DCA_HOST"
	if [ -z "$s" ] || [ -n "${LAB_HA_VERIFY_EACH:-}" ]; then
		rri_diagnose "$name-diagnose"
		c=$(rri_cause "$name-diagnose" "$RRI_VPN")
		check "rri: sa-down$s: diagnose names an IKE/IPsec cause on the IPsec device $RRI_VPN ($c)" grep -qE '^(ike|ipsec|rri)\.' <<<"$c"
		# the GRE router: its GRE is down behind the IPsec device. With dynamic RRI its route to the DI GRE IP is gone
		# too, so diagnose stops at split_route (rri.no_route_to_ipsec_device) and its fix names the IPsec device's SA
		# first; with the route in place (static route, IOS-XE) it names split.ipsec_device (docs/ha.md section 2)
		c=$(rri_cause "$name-diagnose" "$RRI_GRE")
		check "rri: sa-down$s: diagnose on the GRE router $RRI_GRE names the IPsec device $RRI_VPN's SA ($c)" \
			rri_gre_cause_ok "$c" "$("$HA_PY" "$REPO/tests/lab/rri_check.py" cause "$RUN/$name-diagnose" "$RRI_GRE" "$LAB_T1_KEY" fix)"
		check "rri: sa-down$s: diagnose keeps tunnel 2 OK on $RRI_GRE" grep -q "OK\|ok" <(
			"$HA_PY" "$REPO/tests/lab/rri_check.py" cause "$RUN/$name-diagnose" "$RRI_GRE" "$LAB_T2_KEY")
	fi
	figure "${b}_guard_dropped$s" "$(($(rri_guard_drops) - g0))"
	tr=$(guest blackhole off "$LAB_T1_CPE_IPSEC" "$LAB_T1_DI_IPSEC")
	hlog "$name: restored"
	rri_recover "$b" "$s" "$tr" "$tb"
}

# ------------------------------------------------------------------ rri: the IPsec device dies as a whole
drill_rri_device_dies() { # [SUFFIX]
	local s=${1:-} b=rri-device-dies name tk tw tr
	name=$b$s
	rri_env
	guest ping-start "$name" lan "$LAB_DCA_HOST"; sleep 2
	tk=$(guest cpe-power "$RRI_VPN" off reboot)
	hlog "$name: $RRI_VPN dead (every data interface down, then its daemons stopped)"
	if tw=$(guest route-watch "$RRI_GRE" "$RRI_DI" absent 120); then
		figure "${b}_withdrawn_s$s" "$(ha_delta "$tw" "$tk")"
		record PASS "$name: $RRI_GRE lost the route with the OSPF adjacency $(ha_delta "$tw" "$tk") s after $RRI_VPN died"
	else
		record FAIL "$name: $RRI_GRE still routes $RRI_DI 120 s after $RRI_VPN died"
	fi
	check "$name: LAN->DC-A moves to tunnel 2" wait_for 120 route_is "$RRI_GRE" "$LAB_DCA_HOST" "$RRI_G2"
	check "$name: LAN host reaches the DC-A host over tunnel 2" wait_for 60 gx lan ping -c 2 -i 0.3 -W 1 -q "$LAB_DCA_HOST"
	tr=$(guest cpe-power "$RRI_VPN" on reboot)
	hlog "$name: $RRI_VPN back (booted: charon initiates, FRR starts)"
	rri_recover "$b" "$s" "$tr" "$tk"
}
