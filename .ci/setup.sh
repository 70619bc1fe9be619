#!/usr/bin/env bash
# Installs everything the tests and the lab need on a fresh Debian 12 machine (run as root).
# Every package is named here: nothing relies on Recommends (a fresh machine has none of them), and
# `make setup` then checks that the installed strongSwan negotiates every suite the collection offers.
set -euo pipefail
cd "$(dirname "$0")/.."
APT_PACKAGES=(
  # the lab VM (the host kernel has no GRE/ESP): qemu TCG + Debian's kernel, booted by virtme-ng
  qemu-system-x86 linux-image-amd64 kmod busybox-static udev
  # strongSwan, the Linux platform's IKE daemon (the CPE and the modelled Cisco headends):
  #   libstrongswan            aes sha1 sha2 hmac gmp kdf kernel-netlink x509 ... (core plugins)
  #   libstrongswan-standard-plugins  openssl (ECP/MODP DH groups, AES-GCM via openssl) + gcm: only a
  #                                   Recommends of libstrongswan, so it must be named
  #   libstrongswan-extra-plugins     curve25519, ccm, chapoly, ctr (named in the lab's load list)
  strongswan-swanctl charon-systemd strongswan-libcharon libstrongswan
  libstrongswan-standard-plugins libstrongswan-extra-plugins libcharon-extra-plugins
  # FRR (the CPE's BGP and the modelled Cisco GRE/BGP routers): zebra, bgpd, staticd, bfdd, ospfd
  frr frr-pythontools
  # the lab's plumbing and evidence
  openssh-server openssh-client nftables tcpdump iputils-ping iproute2 jq procps psmisc util-linux
  # Python for the Linux CPE's Ansible modules (the lab CPEs run Debian's python3)
  python3 python3-minimal
  # ansible-test sanity's shellcheck test (skipped, not failed, when the program is missing)
  shellcheck
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
python3 -m pip install -q --disable-pip-version-check -r requirements-test.txt
python3 tests/lab/check_stack.py   # every suite the collection offers, the FRR daemons: names what is missing
echo "setup: done ($(ansible --version | head -1), $(python3 --version))"
