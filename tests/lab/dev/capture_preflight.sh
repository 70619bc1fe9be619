#!/usr/bin/env bash
# capture_preflight.sh -- dev-only: capture the outputs tests/fixtures/linux/preflight is made of (see SOURCES.md).
# Runs INSIDE the lab VM (tests/lab/vm.sh guest x root bash tests/lab/dev/capture_preflight.sh OUT SCRIPT) with the
# lab built and deployed:
#   cpe_deployed.txt          the preflight script on cpe1 (everything installed, VC configured)
#   cpe_pristine_frr.txt      the same with Debian's package-default /etc/frr/daemons (bgpd=no, bfdd=no)
#   cpe_no_frr_no_nft.txt     cpe1 with FRR and nftables absent (their files hidden by bind mounts in a private
#                             mount namespace: what the script sees on a box where the packages are not installed)
#   charon_no_standard_plugins.txt  a charon whose plugin list lacks openssl and gcm (the plugins of
#                             libstrongswan-standard-plugins), in a scratch namespace, queried by the script
#   charon_no_standard_plugins.log  that charon's log when it initiates the collection's suite
set -u
OUT=$1 SCRIPT=$2
LABROOT=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$OUT"
x() { bash "$LABROOT/guest/labctl.sh" x "$@"; }
x cpe1 sh "$SCRIPT" > "$OUT/cpe_deployed.txt" 2>&1
# Debian's package-default daemons file (the lab keeps a pristine /etc copy for bare CPEs); the directories are
# under OUT (the VM's rwdir), which the CPE's mount namespace sees too
P=$OUT/.pristine-frr E=$OUT/.empty
rm -rf "$P" "$E"; mkdir -p "$P" "$E" && cp -a /run/lab/fs/.etc/frr/. "$P/"
x cpe1 unshare -m sh -c "mount --bind $P /etc/frr && sh $SCRIPT" > "$OUT/cpe_pristine_frr.txt" 2>&1
x cpe1 unshare -m sh -c "mount --bind $E /usr/lib/frr && mount --bind $E /etc/frr &&
	mount --bind /dev/null /usr/bin/vtysh && mount --bind /dev/null /usr/sbin/nft && sh $SCRIPT" > "$OUT/cpe_no_frr_no_nft.txt" 2>&1
# a charon without openssl/gcm (= libstrongswan-standard-plugins not installed), in a scratch namespace
D=/run/lab-nostd
rm -rf "$D"; mkdir -p "$D"
ip netns add pf-nostd 2>/dev/null
ip -n pf-nostd link set lo up
ip -n pf-nostd link add d0 type dummy && ip -n pf-nostd link set d0 up && ip -n pf-nostd addr add 192.0.2.50/24 dev d0
load=$(sed 's/\bopenssl\b//; s/\bgcm\b//' "$LABROOT/guest/strongswan.load")
cat > "$D/strongswan.conf" <<EOF
charon {
  load_modular = no
  load = $load
  plugins { vici { socket = unix://$D/charon.vici } }
  filelog { f { path = $D/charon.log
      time_format = %b %e %T
      ike_name = yes
      flush_line = yes
      default = 1 } }
}
charon-systemd { journal { default = -1 } }
EOF
cat > "$D/swanctl.conf" <<EOF
connections {
  vc-probe {
    version = 2
    local_addrs = 192.0.2.50
    remote_addrs = 192.0.2.51
    proposals = aes256gcm16-prfsha384-ecp384
    local { auth = psk
      id = 192.0.2.50 }
    remote { auth = psk
      id = 192.0.2.51 }
    children { vc-probe-gre { mode = tunnel
        local_ts = 192.0.2.50/32[gre]
        remote_ts = 192.0.2.51/32[gre]
        esp_proposals = aes256gcm16-ecp384 } }
  }
}
secrets { ike-probe { id-a = 192.0.2.50
    id-b = 192.0.2.51
    secret = "capture-only-not-a-secret" } }
EOF
STRONGSWAN_CONF=$D/strongswan.conf ip netns exec pf-nostd /usr/sbin/charon-systemd >/dev/null 2>&1 </dev/null &
pid=$!
for _ in $(seq 1 100); do STRONGSWAN_CONF=$D/strongswan.conf swanctl --stats --uri "unix://$D/charon.vici" >/dev/null 2>&1 && break; sleep 0.2; done
VC_SWANCTL_URI="unix://$D/charon.vici" STRONGSWAN_CONF=$D/strongswan.conf ip netns exec pf-nostd sh "$SCRIPT" \
	> "$OUT/charon_no_standard_plugins.txt" 2>&1
STRONGSWAN_CONF=$D/strongswan.conf swanctl --load-all --noprompt --file "$D/swanctl.conf" --uri "unix://$D/charon.vici" \
	> "$OUT/charon_no_standard_plugins.load.txt" 2>&1
STRONGSWAN_CONF=$D/strongswan.conf timeout 20 swanctl --initiate --child vc-probe-gre --timeout 8 --uri "unix://$D/charon.vici" \
	> "$OUT/charon_no_standard_plugins.initiate.txt" 2>&1
sleep 1
cp "$D/charon.log" "$OUT/charon_no_standard_plugins.log"
kill "$pid" 2>/dev/null; sleep 1
ip netns del pf-nostd
rm -rf "$P" "$E"
echo "captured into $OUT"
