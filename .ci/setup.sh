#!/usr/bin/env bash
# Installs everything the tests and the lab need on a fresh Debian 12 machine (run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
APT_PACKAGES=(
  qemu-system-x86 linux-image-amd64           # the lab VM (the host kernel has no GRE/ESP)
  strongswan-swanctl charon-systemd libcharon-extra-plugins frr   # the lab's CPE and Cisco side
  openssh-server nftables tcpdump iputils-ping iproute2 jq procps kmod busybox-static
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
echo "setup: done ($(ansible --version | head -1), $(python3 --version))"
