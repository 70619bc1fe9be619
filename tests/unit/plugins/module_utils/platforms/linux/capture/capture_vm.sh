#!/usr/bin/env bash
# capture_vm.sh -- runs INSIDE a virtme-ng VM (see run_capture.sh). Builds a minimal Virtual Connect
# topology (cpe, inet, two split Cisco-side headends + GRE/BGP routers), configures the CPE from the
# plan with the collection's Linux renderers and idempotency logic (cpe_apply.py), then captures the
# real command outputs the Linux state parsers are tested against (-> $OUT).
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${OUT:?}
PY=${PY:?the host python3 (run_capture.sh passes it)}
SITE=$("$PY" -c "import sysconfig; print(sysconfig.get_paths()['purelib'])")
AP_BIN=$(dirname "$PY")/ansible-playbook
R=/run/cap
mkdir -p "$OUT" "$R"
nx() { local n=$1; shift; ip netns exec "$n" "$@"; }
log() { echo "[$(cut -d' ' -f1 /proc/uptime)] $*" | tee -a "$OUT/capture.log" >&2; }
wait_until() { local to=$1 i=0; shift; while ! "$@" >/dev/null 2>&1; do i=$((i+1)); [ $i -gt $((to*5)) ] && return 1; sleep 0.2; done; }
modprobe -a veth ip_gre esp4 xfrm_user nf_tables
for n in cpe inet dia-vpn dia-rtr dib-vpn dib-rtr; do
	ip netns add $n; nx $n ip link set lo up
	nx $n sysctl -qw net.ipv4.ip_forward=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
done
veth() { ip link add "$2" netns "$1" type veth peer name "$4" netns "$3"; nx "$1" ip link set "$2" up; nx "$3" ip link set "$4" up; }
veth cpe wan0 inet c0; veth inet a0 dia-vpn out0; veth inet b0 dib-vpn out0
veth dia-vpn in0 dia-rtr up0; veth dib-vpn in0 dib-rtr up0
nx cpe ip addr add 192.0.2.2/30 dev wan0; nx cpe ip route add default via 192.0.2.1
nx inet ip addr add 192.0.2.1/30 dev c0; nx inet ip addr add 198.51.100.1/30 dev a0; nx inet ip addr add 198.51.100.5/30 dev b0
for x in "dia 198.51.100.2 198.51.100.1 198.51.100.17 198.51.100.18 198.51.100.65" "dib 198.51.100.6 198.51.100.5 198.51.100.21 198.51.100.22 198.51.100.66"; do
	set -- "$x"
	nx "$1"-vpn ip addr add "$2"/30 dev out0; nx "$1"-vpn ip route add default via "$3"
	nx "$1"-vpn ip addr add "$4"/30 dev in0; nx "$1"-vpn ip route add "$6"/32 via "$5"
	nx "$1"-rtr ip addr add "$5"/30 dev up0; nx "$1"-rtr ip addr add "$6"/32 dev lo
	nx "$1"-rtr ip route add 192.0.2.2/32 via "$4"
done
# ---- Cisco side (headends: responders; GRE/BGP routers)
ss_conf() { mkdir -p $R/"$1"; cat > $R/"$1"/strongswan.conf <<EOC
charon {
  load_modular = no
  load = random nonce openssl pem pkcs1 x509 pubkey revocation constraints aes sha1 sha2 hmac gcm gmp curve25519 kdf kernel-netlink socket-default vici updown
  plugins { vici { socket = unix://$R/$1/charon.vici } }
  filelog { f { path = $R/$1/charon.log
    default = 1 } }
}
EOC
}
for x in "dia-vpn 198.51.100.2 198.51.100.65 lab-psk-dc-a-0123456789" "dib-vpn 198.51.100.6 198.51.100.66 lab-psk-dc-b-0123456789"; do
	set -- "$x"; ss_conf "$1"
	cat > $R/"$1"/swanctl.conf <<EOC
connections { cust { version = 2
  local_addrs = $2
  remote_addrs = 192.0.2.2
  proposals = aes256gcm16-prfsha384-ecp384
  dpd_delay = 10s
  mobike = no
  local { auth = psk
    id = $2 }
  remote { auth = psk
    id = 192.0.2.2 }
  children { gre { mode = tunnel
    local_ts = $3/32[gre]
    remote_ts = 192.0.2.2/32[gre]
    esp_proposals = aes256gcm16-ecp384
    dpd_action = clear } } } }
secrets { ike-c { id-a = $2
  id-b = 192.0.2.2
  secret = "$4" } }
EOC
done
sw() { local n=$1; shift; swanctl "$@" --uri "unix://$R/$n/charon.vici"; }
start_charon() {
	ip netns exec "$1" env STRONGSWAN_CONF=$R/"$1"/strongswan.conf /usr/sbin/charon-systemd >$R/"$1"/stdout 2>&1 </dev/null &
	wait_until 30 sw "$1" --stats || { log "charon $1 failed"; return 1; }
}
start_frr() {
	install -d -o frr -g frr -m 0755 /run/frr/"$1" /etc/frr/"$1"
	echo "service integrated-vtysh-config" > /etc/frr/"$1"/vtysh.conf
	for d in zebra staticd bgpd bfdd; do
		nx "$1" /usr/lib/frr/$d -d -N "$1" -P 0 -u frr -g frr --log file:$R/frr-"$1"-$d.log
		[ $d = zebra ] && wait_until 20 test -S /run/frr/"$1"/zserv.api
	done
	wait_until 20 vtysh -N "$1" -c "show version"
}
for x in "dia-rtr gre1 198.51.100.65 100.64.0.2/30 64552 100.64.0.1 64551 203.0.113.0/25 lab-bgp-dc-a" "dib-rtr gre2 198.51.100.66 100.64.0.6/30 64562 100.64.0.5 64561 203.0.113.128/25 lab-bgp-dc-b"; do
	set -- "$x"
	nx "$1" ip link add "$2" type gre local "$3" remote 192.0.2.2 ttl 255
	nx "$1" ip link set "$2" mtu 1400 up; nx "$1" ip addr add "$4" dev "$2"
	start_frr "$1"
	vtysh -N "$1" -f /dev/stdin <<EOC
ip route 203.0.113.0/24 Null0
ip route $8 Null0
ip route 198.18.10.0/24 Null0
ip prefix-list TO-CUST seq 5 permit $8
ip prefix-list TO-CUST seq 10 permit 203.0.113.0/24
ip prefix-list TO-CUST seq 15 permit 198.18.10.0/24
ip prefix-list FROM-CUST seq 5 permit 0.0.0.0/0
route-map TO-CUST permit 10
 match ip address prefix-list TO-CUST
exit
route-map FROM-CUST permit 10
 match ip address prefix-list FROM-CUST
exit
router bgp $5
 bgp router-id $3
 neighbor $6 remote-as $7
 neighbor $6 password $9
 neighbor $6 timers connect 10
 address-family ipv4 unicast
  network $8
  network 203.0.113.0/24
  network 198.18.10.0/24
  neighbor $6 soft-reconfiguration inbound
  neighbor $6 route-map FROM-CUST in
  neighbor $6 route-map TO-CUST out
 exit-address-family
exit
EOC
done
start_charon dia-vpn && sw dia-vpn --load-all --file $R/dia-vpn/swanctl.conf >/dev/null
start_charon dib-vpn && sw dib-vpn --load-all --file $R/dib-vpn/swanctl.conf >/dev/null
# ---- CPE: from the plan, through the collection's renderers
ss_conf cpe
bgp_up() { [ "$(vtysh -N cpe -c "show bgp neighbors $1 json" | jq -r --arg n "$1" '.[$n].bgpState')" = Established ]; }
start_charon cpe
start_frr cpe
if [ "${MODE:-capture}" = ansible ]; then
	# the collection's roles through the real playbook, inside the cpe namespace (connection local)
	echo "include conf.d/*.conf" > $R/cpe/swanctl.conf
	REPO=$(cd "$HERE/../../../../../../.." && pwd)
	export ANSIBLE_HOME=/tmp/ansible ANSIBLE_LOCAL_TEMP=/tmp/ansible/tmp ANSIBLE_REMOTE_TEMP=/tmp/ansible/rtmp
	export ANSIBLE_COLLECTIONS_PATH=$REPO/.build/collections:$SITE
	export ANSIBLE_CONFIG=$REPO/ansible.cfg ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1
	AP="nx cpe $AP_BIN $REPO/playbooks/deploy_vc.yml -i $HERE/inventory/hosts.yml -e @$REPO/inventories/lab/group_vars/all/vc.yml -e vc_report_dir=$OUT/reports"
	for run in check1:--check first:--diff second:--diff check2:--check; do
		log "ansible-playbook run ${run%%:*}"
		t=$(cut -d' ' -f1 /proc/uptime)
		$AP ${run#*:} --diff > "$OUT/ansible-${run%%:*}.log" 2>&1
		echo "rc=$? seconds=$(awk -v a="$t" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN{print b-a}')" >> "$OUT/ansible-${run%%:*}.log"
		grep -A3 "PLAY RECAP" "$OUT/ansible-${run%%:*}.log" | tee -a "$OUT/capture.log"
		if [ "${run%%:*}" = first ]; then wait_until 120 bgp_up 100.64.0.6; fi
	done
	log "ansible done"
	exit 0
fi
log "CPE apply (1st)"
nx cpe env R=$R "$PY" "$HERE"/cpe_apply.py apply "$OUT" 2>&1 | tee -a "$OUT/capture.log"
log "CPE apply (2nd: must change nothing)"
nx cpe env R=$R "$PY" "$HERE"/cpe_apply.py apply "$OUT" 2>&1 | tee "$OUT/second_apply.txt" | tee -a "$OUT/capture.log"
log "waiting for BGP"
if wait_until 200 bgp_up 100.64.0.2 && wait_until 100 bgp_up 100.64.0.6; then log "BGP up"; else log "BGP NOT up"; fi
sleep 5
nx cpe ping -c 3 -i 0.3 -W 2 -I 100.64.0.1 100.64.0.2 > "$OUT/ping_ok.txt" 2>&1; echo "rc=$?" >> "$OUT/ping_ok.txt"
log "capture"
C=$OUT/fixtures; mkdir -p "$C"
sw cpe --list-sas --raw > "$C"/swanctl_list_sas_raw.txt 2>&1
sw cpe --list-sas > "$C"/swanctl_list_sas.txt 2>&1
sw cpe --list-conns --raw > "$C"/swanctl_list_conns_raw.txt 2>&1
sw cpe --list-conns > "$C"/swanctl_list_conns.txt 2>&1
nx cpe ip -j -d link show > "$C"/ip_link.json
nx cpe ip -j addr show > "$C"/ip_addr.json
nx cpe ip -j route show table main > "$C"/ip_route.json
nx cpe nft -j list table inet vc_mss_clamp > "$C"/nft_table.json
nx cpe nft list ruleset > "$C"/nft_ruleset.txt
vtysh -N cpe -c "show running-config" > "$C"/frr_running_config.txt
vtysh -N cpe -c "show bgp neighbors json" > "$C"/vtysh_bgp_neighbors.json
for n in 100.64.0.2 100.64.0.6; do
	vtysh -N cpe -c "show bgp ipv4 unicast neighbors $n received-routes json" > "$C"/vtysh_received_$n.json
	vtysh -N cpe -c "show bgp ipv4 unicast neighbors $n advertised-routes json" > "$C"/vtysh_advertised_$n.json
	vtysh -N cpe -c "show bgp ipv4 unicast neighbors $n routes json" > "$C"/vtysh_routes_$n.json
done
vtysh -N cpe -c "show ip route json" > "$C"/vtysh_ip_route.json
nx cpe ip xfrm policy > "$C"/xfrm_policy.txt
nx cpe env R=$R "$PY" "$HERE"/cpe_apply.py state "$OUT" > "$C"/state_gathered.json 2>&1
# ---- a broken tunnel: DC-A's headend unreachable
nx inet ip link set a0 down
sw dia-vpn --terminate --ike cust --force --timeout 2 >/dev/null 2>&1
sleep 45
sw cpe --list-sas --raw > "$C"/swanctl_list_sas_raw.t1_down.txt 2>&1
vtysh -N cpe -c "show bgp neighbors json" > "$C"/vtysh_bgp_neighbors.t1_down.json
nx cpe ip -j route show table main > "$C"/ip_route.t1_down.json
nx cpe ping -c 2 -i 0.3 -W 1 -I 100.64.0.1 100.64.0.2 > "$OUT/ping_fail.txt" 2>&1; echo "rc=$?" >> "$OUT/ping_fail.txt"
nx cpe env R=$R "$PY" "$HERE"/cpe_apply.py state "$OUT" > "$C"/state_gathered.t1_down.json 2>&1
cp $R/cpe/charon.log "$OUT"/charon-cpe.log 2>/dev/null
log "done"
