# shellcheck shell=bash
# faults.sh -- fault injection primitives of the embedded lab (sourced by labctl.sh, runs INSIDE the VM).
#
#   labctl.sh fault inject NAME T     inject fault NAME on tunnel T (1 = DC-A, 2 = DC-B) of the built lab
#   labctl.sh fault remove NAME T     undo it: restores exactly the healthy lab (saved copies, reversed commands)
#   labctl.sh fault list              the fault names, one per line: NAME<TAB>where<TAB>what
#
# Every fault is injected where it happens in real life: on the modelled Cisco side (IPsec headend
# <dc>-vpn, GRE/BGP router <dc>-rtr), on the internet router (inet), or -- the one operator mistake of the
# matrix -- by hand on the CPE's FRR. Nothing here uses the collection. Faults that only show when the
# tunnel (re)negotiates are injected as "the fault is there when it negotiates": the Cisco side clears the
# IKE SA (IOS 'clear crypto session'), so the CPE meets the fault at once instead of after its DPD timeout.
# A fault's saved state lives in /run/lab/faults/NAME; 'remove' fails if NAME was not injected.

FAULTS="
ike_psk_mismatch	headend	the headend's pre-shared key differs (IKE_AUTH fails)
ike_proposal_mismatch	headend	the headend accepts only another IKE encryption/PRF (same DH group)
ike_dh_mismatch	headend	the headend accepts only another IKE DH group (ECP-521)
ike_udp_blocked	inet	the internet drops UDP 500/4500 between the CPE and the headend
ike_headend_unreachable	inet	no IP path at all between the CPE and the headend's IPsec IP
ike_headend_dead	headend	the headend's IKE daemon is stopped (its policies go: the crypto map guard must hold)
ipsec_esp_blocked	inet	the internet drops ESP between the CPE and the headend (IKE still passes)
ipsec_ts_mismatch	headend	the headend's crypto ACL names another customer GRE IP (TS_UNACCEPTABLE)
gre_wrong_endpoint	rtr	the Cisco GRE router's tunnel destination is a wrong customer GRE IP
gre_blocked	headend	a firewall between the headend and the GRE router drops GRE (inside IPsec)
bgp_local_as	rtr	the Cisco side expects another customer ASN (it sends NOTIFICATION 2/2 bad peer AS)
bgp_remote_as	rtr	the Cisco side presents another ASN than the handover sheet (the CPE rejects it)
bgp_password	rtr	the Cisco side's BGP (TCP MD5) password differs
bgp_tcp179_blocked	rtr	a firewall inside the tunnel drops TCP 179 (BGP)
bgp_neighbor_ip	rtr	the Cisco side's BGP neighbour is not the CPE's tunnel IP
routes_missing_dc_prefix	rtr	the DC stops announcing its DI /25
routes_missing_backup	rtr	the DC stops announcing the DI /24 (backup)
routes_extra	rtr	the DC also offers an unexpected prefix (10.99.0.0/16): the CPE must filter it
routes_other_dc	rtr	the DC also offers the other DC's DI /25
routes_swapped	rtr	the DC announces the other DC's /25s instead of its own (tunnels swapped)
routes_more_specific	cpe	an operator makes the CPE advertise its LAN /24 besides 0.0.0.0/0 (by hand, CPE FRR)
mtu_blackhole	inet	the path drops packets larger than 1400 bytes, no ICMP (PMTUD black hole)
"
WRONG_CPE_IP=192.0.2.254        # a customer GRE/IPsec address that no lab CPE has
WRONG_ASN=64999
EXTRA_PREFIX=10.99.0.0/16
WRONG_NBR=100.64.0.9            # outside every tunnel /30: FRR will not even try to connect to it
MTU_LIMIT=1400

# ------------------------------------------------------------------ helpers
ft_vars() { # ft_vars T: the tunnel's lab values as shell variables
	. "$R/lab.env"
	local t=$1 v
	for v in KEY CPE VPN RTR GRE_IF CPE_IPSEC DI_IPSEC CPE_GRE DI_GRE CPE_TUN DI_TUN CPE_ASN DI_ASN OWN_25S OTHER_25S CPE_LAN INET_IF; do
		eval "T_$v=\${LAB_T${t}_$v:-}"
	done
	[ -n "$T_KEY" ] || die "no tunnel $t in this lab"
}
hconf() { echo "$R/ns/$T_VPN/swanctl.conf"; }
hload() { sw "$T_VPN" --load-all --noprompt --file "$(hconf)" >"$FD/load.log" 2>&1 || { cat "$FD/load.log" >&2; return 1; }; }
hsave() { cp "$(hconf)" "$FD/swanctl.conf"; }
hrestore() { cp "$FD/swanctl.conf" "$(hconf)" && hload && hinit; }
hterm() { sw "$T_VPN" --terminate --ike "$T_KEY" --force >/dev/null 2>&1 || true; }   # 'clear crypto session' on the headend
hinit() { # the fault is gone: the headend's GRE router traffic (BFD, BGP) triggers the crypto map at once, as on a real
	# headend (the Linux model would wait out its kernel acquire state of the failed attempt first: up to 165 s).
	# A pure responder (LAB_CISCO_INITIATE=0) never initiates. Detaches after 1 s (charon goes on with it).
	[ "${LAB_CISCO_INITIATE:-1}" = 1 ] || return 0
	sw "$T_VPN" --initiate --child "$T_KEY-gre" --timeout 1 >/dev/null 2>&1 || true
}
hedit() { # hedit SED-EXPRESSION: change the headend's config (saved first), load it, clear the IKE SA
	if ! { hsave && sed -i "$1" "$(hconf)" && ! cmp -s "$FD/swanctl.conf" "$(hconf)"; }; then die "headend config edit did nothing: $1"; fi
	hload && hterm
}
rtr() { vtysh -N "$T_RTR" -c "configure terminal" "$@" >"$FD/vtysh.log" 2>&1 || { cat "$FD/vtysh.log" >&2; return 1; }; }
rbgp() { rtr -c "router bgp $T_DI_ASN" "$@"; }
raf() { rbgp -c "address-family ipv4 unicast" "$@"; }
rclear() { vtysh -N "$T_RTR" -c "clear bgp $T_CPE_TUN" >/dev/null 2>&1 || true; }   # also: connect now (after a remove)
nft_table() { # nft_table NS NAME RULES...: a fault's own table (forward hook, before the lab's own rules)
	local n=$1 name=$2; shift 2
	{ printf 'table inet %s {\n\tchain forward {\n\t\ttype filter hook forward priority -10; policy accept;\n' "$name"
	  printf '\t\t%s\n' "$@"; printf '\t}\n}\n'; } | x "$n" nft -f - || return 1
	echo "$n $name" >> "$FD/nft"
}
nft_tables_remove() { local n name; while read -r n name; do x "$n" nft delete table inet "$name"; done < "$FD/nft"; }
between() { echo "ip saddr $1 ip daddr $2"; }   # one direction

# ------------------------------------------------------------------ IKEv2
f_ike_psk_mismatch() { case $1 in inject) hedit 's/^\(    secret = \).*/\1"lab-wrong-psk-0000"/' ;; remove) hrestore ;; esac; }
f_ike_proposal_mismatch() { case $1 in inject) hedit 's/^\(    proposals = \).*/\1aes128gcm16-prfsha256-ecp384/' ;; remove) hrestore ;; esac; }
f_ike_dh_mismatch() { case $1 in inject) hedit 's/^\(    proposals = \).*/\1aes256gcm16-prfsha384-ecp521/' ;; remove) hrestore ;; esac; }
f_ike_udp_blocked() {
	case $1 in
	inject) # the CPE's IKE is dropped first, the headend clears its SA (its DELETE still reaches the CPE), then both ways
		nft_table inet lab_fault_udp "$(between "$T_CPE_IPSEC" "$T_DI_IPSEC") udp dport { 500, 4500 } counter drop" &&
			hterm && sleep 1 &&
			nft_table inet lab_fault_udp2 "$(between "$T_DI_IPSEC" "$T_CPE_IPSEC") udp sport { 500, 4500 } counter drop" ;;
	remove) nft_tables_remove && hinit ;;
	esac
}
f_ike_headend_unreachable() {
	case $1 in
	inject) nft_table inet lab_fault_reach "$(between "$T_CPE_IPSEC" "$T_DI_IPSEC") counter drop" && hterm && sleep 1 &&
		nft_table inet lab_fault_reach2 "$(between "$T_DI_IPSEC" "$T_CPE_IPSEC") counter drop" ;;
	remove) nft_tables_remove && hinit ;;
	esac
}
f_ike_headend_dead() {
	local pid
	case $1 in
	inject) # SIGTERM: charon deletes its IKE SAs (DELETE to the CPE) and removes its policies
		pid=$(cat "$R/ns/$T_VPN/charon.pid"); kill "$pid" || return 1
		wait_until 30 sh -c "! kill -0 $pid" || die "charon of $T_VPN does not stop" ;;
	remove) GEN=$R/gen headend_start "$T_VPN" >/dev/null 2>&1 ;;
	esac
}
# ------------------------------------------------------------------ IPsec
f_ipsec_esp_blocked() {
	case $1 in
	inject) nft_table inet lab_fault_esp "$(between "$T_CPE_IPSEC" "$T_DI_IPSEC") ip protocol esp counter drop" \
		"$(between "$T_DI_IPSEC" "$T_CPE_IPSEC") ip protocol esp counter drop" ;;
	remove) nft_tables_remove ;;
	esac
}
f_ipsec_ts_mismatch() {
	case $1 in inject) hedit "s|^\(        remote_ts = \)$T_CPE_GRE/32|\1$WRONG_CPE_IP/32|" ;; remove) hrestore ;; esac
}
# ------------------------------------------------------------------ GRE
f_gre_wrong_endpoint() {
	local dst=$WRONG_CPE_IP
	[ "$1" = remove ] && dst=$T_CPE_GRE
	x "$T_RTR" ip link set dev "$T_GRE_IF" type gre local "$T_DI_GRE" remote "$dst" ttl 255
}
f_gre_blocked() {
	case $1 in
	inject) nft_table "$T_VPN" lab_fault_gre 'iifname "in0" ip protocol gre counter drop' 'oifname "in0" ip protocol gre counter drop' ;;
	remove) nft_tables_remove ;;
	esac
}
# ------------------------------------------------------------------ BGP session (on the Cisco GRE/BGP router)
f_bgp_local_as() {
	case $1 in
	inject) rbgp -c "neighbor $T_CPE_TUN remote-as $WRONG_ASN" && rclear ;;
	remove) rbgp -c "neighbor $T_CPE_TUN remote-as $T_CPE_ASN" && rclear ;;
	esac
}
f_bgp_remote_as() {
	case $1 in
	inject) rbgp -c "neighbor $T_CPE_TUN local-as $WRONG_ASN no-prepend replace-as" && rclear ;;
	remove) rbgp -c "no neighbor $T_CPE_TUN local-as $WRONG_ASN no-prepend replace-as" && rclear ;;
	esac
}
f_bgp_password() {
	local line
	case $1 in
	inject) rbgp -c "neighbor $T_CPE_TUN password lab-wrong-bgp-pw" && rclear ;;
	remove) # the healthy lab's own line (generated from the inventory), or none
		line=$(grep -E "^ neighbor $T_CPE_TUN password " "$R/gen/$T_RTR/frr.conf" | sed 's/^ //')
		if [ -n "$line" ]; then rbgp -c "$line"; else rbgp -c "no neighbor $T_CPE_TUN password"; fi && rclear ;;
	esac
}
f_bgp_tcp179_blocked() { # the GRE router's own BGP packets on its tunnel interface, both ways
	case $1 in
	inject)
		printf '%s\n' "table inet lab_fault_bgp {" \
			"chain input179 {" "type filter hook input priority -10; policy accept;" \
			"iifname \"$T_GRE_IF\" tcp sport 179 counter drop" "iifname \"$T_GRE_IF\" tcp dport 179 counter drop" "}" \
			"chain output179 {" "type filter hook output priority -10; policy accept;" \
			"oifname \"$T_GRE_IF\" tcp sport 179 counter drop" "oifname \"$T_GRE_IF\" tcp dport 179 counter drop" "}" \
			"}" | x "$T_RTR" nft -f - || return 1
		echo "$T_RTR lab_fault_bgp" >> "$FD/nft" ;;
	remove) nft_tables_remove && rclear ;;
	esac
}
f_bgp_neighbor_ip() {
	case $1 in
	inject) rbgp -c "no neighbor $T_CPE_TUN" -c "neighbor $WRONG_NBR remote-as $T_CPE_ASN" ;;
	remove) # back to the generated configuration (vtysh -f adds what is missing)
		rbgp -c "no neighbor $WRONG_NBR" &&
			vtysh -N "$T_RTR" -f "$R/gen/$T_RTR/frr.conf" >"$FD/vtysh.log" 2>&1 && rclear ;;
	esac
}
# ------------------------------------------------------------------ route exchange
# shellcheck disable=SC2086  # the word splitting of the prefix list is wanted
first25() { set -- $T_OWN_25S; echo "$1"; }
f_routes_missing_dc_prefix() { case $1 in inject) raf -c "no network $(first25)" ;; remove) raf -c "network $(first25)" ;; esac; }
f_routes_missing_backup() { . "$R/lab.env"; case $1 in inject) raf -c "no network $LAB_DI_PREFIX" ;; remove) raf -c "network $LAB_DI_PREFIX" ;; esac; }
f_routes_extra() {
	case $1 in
	inject) rtr -c "ip route $EXTRA_PREFIX Null0" -c "ip prefix-list VC-TO-CUST seq 900 permit $EXTRA_PREFIX" &&
		raf -c "network $EXTRA_PREFIX" ;;
	remove) raf -c "no network $EXTRA_PREFIX" &&
		rtr -c "no ip prefix-list VC-TO-CUST seq 900 permit $EXTRA_PREFIX" -c "no ip route $EXTRA_PREFIX Null0" ;;
	esac
}
f_routes_other_dc() {
	local action=$1 p
	# shellcheck disable=SC2086  # the word splitting of the prefix list is wanted
	set -- $T_OTHER_25S; p=$1
	case $action in
	inject) rtr -c "ip prefix-list VC-TO-CUST seq 910 permit $p" && raf -c "network $p" ;;
	remove) raf -c "no network $p" && rtr -c "no ip prefix-list VC-TO-CUST seq 910 permit $p" ;;
	esac
}
f_routes_swapped() {
	local p seq=920 args=()
	case $1 in
	inject)
		for p in $T_OTHER_25S; do rtr -c "ip prefix-list VC-TO-CUST seq $seq permit $p" || return 1; seq=$((seq + 1)); done
		for p in $T_OWN_25S; do args+=(-c "no network $p"); done
		for p in $T_OTHER_25S; do args+=(-c "network $p"); done
		raf "${args[@]}" ;;
	remove)
		for p in $T_OTHER_25S; do args+=(-c "no network $p"); done
		for p in $T_OWN_25S; do args+=(-c "network $p"); done
		raf "${args[@]}" || return 1
		for p in $T_OTHER_25S; do rtr -c "no ip prefix-list VC-TO-CUST seq $seq permit $p" || return 1; seq=$((seq + 1)); done ;;
	esac
}
f_routes_more_specific() { # a careless operator on the CPE: lets the LAN out through the tunnel's outbound filter
	local run rm pl asn
	run=$(x "$T_CPE" vtysh -c "show running-config")
	asn=$(sed -n 's/^router bgp \([0-9]*\).*/\1/p' <<<"$run" | head -n 1)
	rm=$(sed -n "s/^ *neighbor $T_DI_TUN route-map \(\S*\) out$/\1/p" <<<"$run" | head -n 1)
	pl=$(awk -v rm="route-map $rm permit" '$0 ~ "^"rm {f=1; next} f && /match ip address prefix-list/ {print $NF; exit} /^exit|^!/ {f=0}' <<<"$run")
	{ [ -n "$asn" ] && [ -n "$rm" ] && [ -n "$pl" ]; } || die "CPE $T_CPE: no outbound route-map/prefix-list for $T_DI_TUN"
	echo "$asn $rm $pl" > "$FD/cpe-objects"
	case $1 in
	inject) x "$T_CPE" vtysh -c "configure terminal" -c "ip prefix-list $pl seq 1000 permit $T_CPE_LAN" \
		-c "router bgp $asn" -c "address-family ipv4 unicast" -c "network $T_CPE_LAN" >"$FD/vtysh.log" 2>&1 ;;
	remove) x "$T_CPE" vtysh -c "configure terminal" -c "router bgp $asn" -c "address-family ipv4 unicast" \
		-c "no network $T_CPE_LAN" -c "exit-address-family" -c "exit" -c "no ip prefix-list $pl seq 1000 permit $T_CPE_LAN" \
		>"$FD/vtysh.log" 2>&1 ;;
	esac
}
# ------------------------------------------------------------------ MTU
f_mtu_blackhole() {
	case $1 in
	inject) nft_table inet lab_fault_mtu "$(between "$T_CPE_IPSEC" "$T_DI_IPSEC") ip length > $MTU_LIMIT counter drop" \
		"$(between "$T_DI_IPSEC" "$T_CPE_IPSEC") ip length > $MTU_LIMIT counter drop" ;;
	remove) nft_tables_remove ;;
	esac
}

# ------------------------------------------------------------------ entry point
cmd_fault() { # inject|remove|list NAME T
	local action=${1:-} name=${2:-} t=${3:-1}
	if [ "$action" = list ]; then printf '%s\n' "$FAULTS" | sed '/^$/d'; return 0; fi
	grep -q "^$name	" <<<"$FAULTS" || die "unknown fault '$name' (labctl.sh fault list)"
	ft_vars "$t"
	FD=$R/faults/$name
	case $action in
	inject) [ -e "$FD/injected" ] && die "fault $name is already injected"; rm -rf "$FD"; mkdir -p "$FD"; : > "$FD/nft" ;;
	remove) [ -e "$FD/injected" ] || die "fault $name is not injected" ;;
	*) die "fault: inject|remove|list" ;;
	esac
	"f_$name" "$action" || die "fault $name $action failed (tunnel $t)"
	if [ "$action" = inject ]; then echo "$t" > "$FD/injected"; else rm -rf "$FD"; fi
	date +%s.%N
}
