#!/usr/bin/env bash
# DEV-ONLY (not used by lab_test.sh or demo.sh): a throw-away manual configuration of the single-CPE lab's
# cpe1, written by hand to prove the modelled Cisco side (IKE/CHILD SA installed, BGP established, exact
# prefixes) independently of the collection. Usage: tests/lab/vm.sh start; tests/lab/vm.sh build;
# bash tests/lab/dev/cpe_manual.sh
set -eu
. "$(dirname "$0")/../lib.sh"
vm_state
cat > "$LAB_DIR/dev-cpe1.sh" <<'EOF'
set -e
cat > /etc/swanctl/conf.d/dev.conf <<'E2'
connections {
  dca { version = 2
    local_addrs = 192.0.2.2
    remote_addrs = 198.51.100.2
    proposals = aes256gcm16-prfsha384-ecp384
    dpd_delay = 10s
    mobike = no
    keyingtries = 0
    local { auth = psk
      id = 192.0.2.2 }
    remote { auth = psk
      id = 198.51.100.2 }
    children { dca-gre { mode = tunnel
      local_ts = 192.0.2.2/32[gre]
      remote_ts = 198.51.100.65/32[gre]
      esp_proposals = aes256gcm16-ecp384
      start_action = trap
      dpd_action = trap
      close_action = trap } } }
  dcb { version = 2
    local_addrs = 192.0.2.2
    remote_addrs = 198.51.100.6
    proposals = aes256gcm16-prfsha384-ecp384
    dpd_delay = 10s
    mobike = no
    keyingtries = 0
    local { auth = psk
      id = 192.0.2.2 }
    remote { auth = psk
      id = 198.51.100.6 }
    children { dcb-gre { mode = tunnel
      local_ts = 192.0.2.2/32[gre]
      remote_ts = 198.51.100.66/32[gre]
      esp_proposals = aes256gcm16-ecp384
      start_action = trap
      dpd_action = trap
      close_action = trap } } }
}
secrets {
  ike-a { id-a = 192.0.2.2
    id-b = 198.51.100.2
    secret = "lab-psk-dc-a-0123456789" }
  ike-b { id-a = 192.0.2.2
    id-b = 198.51.100.6
    secret = "lab-psk-dc-b-0123456789" }
}
E2
service strongswan reload
ip link add gre1 type gre local 192.0.2.2 remote 198.51.100.65 ttl 255
ip link set gre1 mtu 1400 up; ip addr add 100.64.0.1/30 dev gre1
ip link add gre2 type gre local 192.0.2.2 remote 198.51.100.66 ttl 255
ip link set gre2 mtu 1400 up; ip addr add 100.64.0.5/30 dev gre2
sed -i 's/^bgpd=no/bgpd=yes/; s/^bfdd=no/bfdd=yes/' /etc/frr/daemons
cat >> /etc/frr/frr.conf <<'E2'
ip prefix-list DEF seq 5 permit 0.0.0.0/0
ip prefix-list A seq 5 permit 203.0.113.0/25
ip prefix-list A seq 10 permit 203.0.113.0/24
ip prefix-list A seq 15 permit 198.18.10.0/25
ip prefix-list A seq 20 permit 198.18.10.0/24
ip prefix-list B seq 5 permit 203.0.113.128/25
ip prefix-list B seq 10 permit 203.0.113.0/24
ip prefix-list B seq 15 permit 198.18.10.128/25
ip prefix-list B seq 20 permit 198.18.10.0/24
route-map A permit 10
 match ip address prefix-list A
route-map B permit 10
 match ip address prefix-list B
route-map OUT permit 10
 match ip address prefix-list DEF
router bgp 64551
 bgp router-id 192.0.2.2
 timers bgp 10 30
 neighbor 100.64.0.2 remote-as 64552
 neighbor 100.64.0.2 password lab-bgp-dc-a
 neighbor 100.64.0.2 timers connect 10
 neighbor 100.64.0.6 remote-as 64562
 neighbor 100.64.0.6 local-as 64561 no-prepend replace-as
 neighbor 100.64.0.6 password lab-bgp-dc-b
 neighbor 100.64.0.6 timers connect 10
 address-family ipv4 unicast
  neighbor 100.64.0.2 default-originate
  neighbor 100.64.0.2 soft-reconfiguration inbound
  neighbor 100.64.0.2 route-map A in
  neighbor 100.64.0.2 route-map OUT out
  neighbor 100.64.0.6 default-originate
  neighbor 100.64.0.6 soft-reconfiguration inbound
  neighbor 100.64.0.6 route-map B in
  neighbor 100.64.0.6 route-map OUT out
E2
service frr restart
EOF
scp -q "${SSH_OPTS[@]}" -o ProxyCommand="ssh ${SSH_OPTS[*]} -i $LAB_DIR/ssh/id_ed25519 -p $VM_PORT -W %h:%p root@127.0.0.1" \
	-i "$LAB_DIR/ssh/id_ed25519" "$LAB_DIR/dev-cpe1.sh" root@172.31.255.2:/tmp/dev.sh
ssh "${SSH_OPTS[@]}" -o ProxyCommand="ssh ${SSH_OPTS[*]} -i $LAB_DIR/ssh/id_ed25519 -p $VM_PORT -W %h:%p root@127.0.0.1" \
	-i "$LAB_DIR/ssh/id_ed25519" root@172.31.255.2 bash /tmp/dev.sh
