#!/usr/bin/env bash
# run_capture.sh -- boot a virtme-ng VM (TCG) and run capture_vm.sh in it; results under $OUT.
set -u
HERE=$(cd "$(dirname "$0")" && pwd)
REPO=$(cd "$HERE/../../../../../../.." && pwd)
OUT=${OUT:-$REPO/.build/linux-capture}
KERNEL=${KERNEL:-$(printf '%s\n' /boot/vmlinuz-*-amd64 | sort -V | tail -n 1)}
rm -rf "$OUT"; mkdir -p "$OUT"
timeout "${VM_TIMEOUT:-900}" vng --run "$KERNEL" --disable-kvm --memory 2G --cpus 2 --rwdir "$OUT" \
	--exec "env OUT=$OUT PY=$(command -v python3) MODE=${MODE:-capture} bash $HERE/capture_vm.sh" > "$OUT/console.log" 2>&1
echo "vng rc=$?"
