# shellcheck shell=bash
# frr_ns.sh -- what the FRR capture scripts share (sourced, not run): FRR daemons in network namespaces on the host.
# The caller sets R (the run folder: one sub-folder per namespace with its sockets, configs and pids) and NS (the
# namespace names), then calls ns_init; cleanup runs on exit.
log() { echo "[$(date +%T)] $*" >&2; }
nx() { local n=$1; shift; ip netns exec "$n" "$@"; }
vt() { local n=$1; shift; vtysh --vty_socket "$R/$n" "$@"; }
cleanup() {
	for p in "$R"/*/*.pid; do [ -f "$p" ] && kill "$(cat "$p")" 2>/dev/null; done
	sleep 0.5
	for n in $NS; do ip netns del "$n" 2>/dev/null; done
	rm -rf "$R"
}
ns_init() {  # fresh namespaces $NS (loopback up, forwarding on) with their FRR folders; cleanup on exit
	local n
	cleanup; trap cleanup EXIT
	for n in $NS; do
		ip netns add "$n"; nx "$n" ip link set lo up; nx "$n" sysctl -qw net.ipv4.ip_forward=1
		mkdir -p "$R/$n"; chown frr:frr "$R/$n"
	done
}
ns_links_up() {  # interface...: set each named interface up in every namespace that has it
	local n i
	for n in $NS; do for i in "$@"; do nx "$n" ip link set "$i" up 2>/dev/null; done; done
}
daemon() {  # namespace daemon config-text: start one FRR daemon of that namespace with that configuration
	local n=$1 d=$2
	printf '%s\n' "$3" > "$R/$n/$d.conf"; chown frr:frr "$R/$n/$d.conf"
	nx "$n" "/usr/lib/frr/$d" -d -N "$n" -i "$R/$n/$d.pid" -f "$R/$n/$d.conf" --vty_socket "$R/$n" -u frr -g frr \
		-z "$R/$n/zserv.api" 2>>"$R/daemons.log"
}
