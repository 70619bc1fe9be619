"""The clear-text GRE guard of the VC nftables table (render.nft_guard_rules, docs/linux.md): what it renders per
tunnel, that it is left out for a split tunnel's GRE-only host, that its counters never make a run changed, and,
as root, on real nftables in two network namespaces: GRE between the CPE GRE IP and a DI GRE IP without IPsec is
counted and dropped both ways, other GRE passes, and the engine reports changed=0 on the counted table."""
from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import uuid

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import apply as A
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.runner import LinuxConfig

from .helpers import FIXTURES, SECRETS

LAB = FIXTURES / "lab"


def _guard_lines(script, chain):
    """The rule lines of ``chain`` in an nft script."""
    lines, inside = [], False
    for line in script.split("\n"):
        if line == "\tchain %s {" % chain:
            inside = True
        elif inside and line == "\t}":
            break
        elif inside and not line.strip().startswith("type "):
            lines.append(line.strip())
    return lines


def test_one_guard_rule_per_direction_covers_the_tunnels_of_the_cpe(plan):
    tunnels = L.host_tunnels(plan, "cpe1")
    script = L.render_nft_mss(tunnels)
    tag = L.nft_tag(L.nft_rules(tunnels))
    di = ", ".join(t["di"]["gre_ip"] for t in tunnels)
    cpe = tunnels[0]["cpe"]["gre_ip"]
    assert [t["cpe"]["gre_ip"] for t in tunnels] == [cpe, cpe]
    assert _guard_lines(script, "input") == [
        'ip protocol gre ip saddr { %s } ip daddr %s meta ipsec missing counter drop comment "%s"' % (di, cpe, tag)]
    assert _guard_lines(script, "output") == [
        'ip protocol gre ip saddr %s ip daddr { %s } rt ipsec missing counter drop comment "%s"' % (cpe, di, tag)]
    assert "\t\ttype filter hook input priority filter; policy accept;" in script
    assert "\t\ttype filter hook output priority filter; policy accept;" in script
    assert script.count('comment "%s"' % tag) == len(L.nft_rules(tunnels)) == 6     # 4 clamp + 2 guard rules
    assert '\tcomment "webex_di.virtual_connect:mss-clamp"' in script                  # the table's marker stays


def test_each_tunnel_gets_its_own_cpe_and_di_gre_ip(plan):
    tunnels = copy.deepcopy(L.host_tunnels(plan, "cpe1"))
    tunnels[1]["cpe"]["gre_ip"] = "192.0.2.10"          # tunnel B leaves from another GRE IP
    guard = L.nft_guard_rules(tunnels)
    assert guard["input"] == [
        "ip protocol gre ip saddr { 198.51.100.65 } ip daddr 192.0.2.2 meta ipsec missing counter drop",
        "ip protocol gre ip saddr { 198.51.100.66 } ip daddr 192.0.2.10 meta ipsec missing counter drop"]
    assert guard["output"] == [
        "ip protocol gre ip saddr 192.0.2.2 ip daddr { 198.51.100.65 } rt ipsec missing counter drop",
        "ip protocol gre ip saddr 192.0.2.10 ip daddr { 198.51.100.66 } rt ipsec missing counter drop"]
    single = L.nft_guard_rules(tunnels[:1])
    assert single["input"] == [guard["input"][0]] and single["output"] == [guard["output"][0]]


def test_the_dual_cpe_guards_only_its_own_tunnel():
    from .helpers import fixture_json

    plan = fixture_json("plan_lab_dual.json")
    (t,) = L.host_tunnels(plan, "cpe2")
    guard = L.nft_guard_rules([t])
    assert guard["input"] == ["ip protocol gre ip saddr { %s } ip daddr %s meta ipsec missing counter drop"
                              % (t["di"]["gre_ip"], t["cpe"]["gre_ip"])]
    others = [x["di"]["gre_ip"] for r in plan["regions"] for x in r["tunnels"] if x["cpe_host"] != "cpe2"]
    assert others and not any(ip in " ".join(guard["input"] + guard["output"]) for ip in others if ip != t["di"]["gre_ip"])


def test_a_split_tunnel_gre_only_host_gets_no_guard_for_it(plan):
    """Its IPsec runs on split.ipsec_host: its GRE leaves in clear towards that device by design (docs/ha.md), and
    only towards it: the split guard (test_split_guard.py) drops it when its next hop is another one."""
    tunnels = copy.deepcopy(L.host_tunnels(plan, "cpe1"))
    tunnels[1]["split"] = {"ipsec_host": "fw1", "gre_host": "cpe1", "ipsec_inside_ip": "10.0.0.1"}
    guard = L.nft_guard_rules(tunnels)
    assert [t["key"] for t in L.guard_tunnels(tunnels)] == ["lab-A"]
    assert tunnels[1]["di"]["gre_ip"] not in " ".join(guard["input"] + guard["output"])
    assert tunnels[0]["di"]["gre_ip"] in guard["input"][0]
    for t in tunnels:
        t["split"] = {"ipsec_host": "fw1", "gre_host": "cpe1", "ipsec_inside_ip": "10.0.0.1"}
    script = L.render_nft_mss(tunnels)
    assert L.nft_guard_rules(tunnels) == {"input": [], "output": []}
    assert "chain input" not in script and "chain forward {" in script
    assert _guard_lines(script, "output") == [
        'ip protocol gre ip saddr %s ip daddr %s rt ip nexthop != 10.0.0.1 counter drop comment "%s"'
        % (t["cpe"]["gre_ip"], t["di"]["gre_ip"], L.nft_tag(L.nft_rules(tunnels))) for t in tunnels]
    # the clamp stays (every tunnel still carries TCP over GRE), and one split guard rule per tunnel
    assert script.count('comment "vc:') == 4 + 2


def test_the_tag_follows_the_guard(plan):
    tunnels = copy.deepcopy(L.host_tunnels(plan, "cpe1"))
    tag = L.nft_tag(L.nft_rules(tunnels))
    tunnels[1]["di"]["gre_ip"] = "198.51.100.70"          # Cisco moved the DC-B GRE endpoint
    assert L.nft_tag(L.nft_rules(tunnels)) != tag
    assert "198.51.100.70" in L.render_nft_mss(tunnels)


def test_the_clamp_only_table_of_the_previous_version_is_reloaded_once(plan):
    """The lab capture (nft_table.json) is the table as the previous version left it: the clamp rules only. It is
    not current for this version (the guard is missing), so the first run after the upgrade reloads it."""
    tunnels = L.host_tunnels(plan, "cpe1")
    live = json.loads((LAB / "nft_table.json").read_text())
    assert A.nft_table_tags(live) == [L.nft_tag(L.nft_mss_rules(tunnels))] * 4
    assert not A.nft_current(live, L.nft_tag(L.nft_rules(tunnels)), len(L.nft_rules(tunnels)))


def test_the_counted_guard_table_as_nft_lists_it_is_current(plan):
    """nft_table_guard.json: ``nft -j list table`` of the rendered table after the guard dropped clear GRE both
    ways (nftables 1.0.6, written by the real-nftables test below with VC_CAPTURE_GUARD=1): counters change, the tags do not, so the run stays changed=0."""
    tunnels = L.host_tunnels(plan, "cpe1")
    live = json.loads((LAB / "nft_table_guard.json").read_text())
    counters = [e["counter"] for i in live["nftables"] if "rule" in i for e in i["rule"]["expr"] if "counter" in e]
    assert len(counters) == 2 and all(c["packets"] > 0 for c in counters)
    rules = L.nft_rules(tunnels)
    assert A.nft_current(live, L.nft_tag(rules), len(rules))
    moved = copy.deepcopy(tunnels)
    moved[0]["di"]["gre_ip"] = "198.51.100.70"
    assert not A.nft_current(live, L.nft_tag(L.nft_rules(moved)), len(L.nft_rules(moved)))


# ---------------------------------------------------------------------------------------------
# real nftables (root): two namespaces, clear-text GRE from raw sockets (no GRE or ESP module needed)
# ---------------------------------------------------------------------------------------------
SEND = r"""
import socket, sys, errno
src, dst, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
s.bind((src, 0))
ok = 0
for _ in range(n):
    try:
        s.sendto(b"\x00\x00\x08\x00" + b"\x45" + b"\x00" * 19, (dst, 0))
        ok += 1
    except OSError as exc:
        if exc.errno != errno.EPERM:
            raise
print(ok)
"""

RECV = r"""
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_RAW, 47)
s.settimeout(0.2)
print("ready", flush=True)
seen, end = [], time.time() + float(sys.argv[1])
while time.time() < end:
    try:
        data, addr = s.recvfrom(2048)
        seen.append(addr[0])
    except socket.timeout:
        pass
print(" ".join(seen))
"""


@pytest.fixture
def pair():
    """Namespaces cpe/di joined by a veth: the CPE GRE IP on one side, the DI GRE IPs (and a stranger) on the other."""
    if os.geteuid() != 0 or shutil.which("nft") is None:
        pytest.skip("needs root and nft")
    tag = uuid.uuid4().hex[:6]
    cpe, di = "vcgc" + tag, "vcgd" + tag
    made = []
    try:
        for ns in (cpe, di):
            if subprocess.run(["ip", "netns", "add", ns], check=False).returncode != 0:
                pytest.skip("cannot create a network namespace")
            made.append(ns)
        steps = [
            ["ip", "link", "add", "c0", "netns", cpe, "type", "veth", "peer", "name", "d0", "netns", di],
            ["ip", "-n", cpe, "link", "set", "c0", "up"], ["ip", "-n", di, "link", "set", "d0", "up"],
            ["ip", "-n", cpe, "addr", "add", "192.0.2.2/32", "dev", "c0"],
            ["ip", "-n", cpe, "route", "add", "198.51.100.0/24", "dev", "c0"],
            ["ip", "-n", di, "route", "add", "192.0.2.2/32", "dev", "d0"],
        ] + [["ip", "-n", di, "addr", "add", a + "/32", "dev", "d0"] for a in ("198.51.100.65", "198.51.100.66", "198.51.100.99")]
        for argv in steps:
            if subprocess.run(argv, capture_output=True, check=False).returncode != 0:
                pytest.skip("cannot build the namespaces (%s)" % " ".join(argv))
        yield cpe, di
    finally:
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], check=False)


def _exchange(pair, sender, src, dst, n):
    """``n`` GRE packets src -> dst from a raw socket in ``sender``'s namespace: (sent, sources the peer received)."""
    cpe, di = pair
    peer = di if sender == cpe else cpe
    recv = subprocess.Popen(["ip", "netns", "exec", peer, "python3", "-c", RECV, "1.5"], stdout=subprocess.PIPE, text=True)
    assert recv.stdout.readline().strip() == "ready"
    sent = subprocess.run(["ip", "netns", "exec", sender, "python3", "-c", SEND, src, dst, str(n)],
                          capture_output=True, text=True, check=True).stdout.strip()
    got = recv.communicate(timeout=10)[0].split()
    return int(sent), got


def _counters(ns):
    doc = json.loads(subprocess.run(["ip", "netns", "exec", ns, "nft", "-j", "list", "table", "inet", "vc_mss_clamp"],
                                    capture_output=True, text=True, check=True).stdout)
    out = {}
    for i in doc["nftables"]:
        if "rule" in i:
            for e in i["rule"]["expr"]:
                if "counter" in e:
                    out[i["rule"]["chain"]] = e["counter"]["packets"]
    return out, doc


def test_real_nftables_drops_clear_gre_both_ways_and_a_second_run_is_unchanged(plan, pair, tmp_path):
    cpe, di = pair
    pmtu = tmp_path / "ip_no_pmtu_disc"
    pmtu.write_text("0\n")
    calls = []

    def run(argv, data=None):
        calls.append(list(argv))
        if argv[0] != "nft":
            return 1, "", "unexpected %s" % " ".join(argv)
        p = subprocess.run(["ip", "netns", "exec", cpe] + list(argv), input=data, capture_output=True, text=True, check=False)
        return p.returncode, p.stdout, p.stderr

    params = {"plan": plan, "host": "cpe1", "secrets": copy.deepcopy(SECRETS), "features": ["mtu"], "tunnels": [], "nft": "nft",
              "nft_file": str(tmp_path / "vc-mss-clamp.nft"), "systemd": False, "proc_pmtu_file": str(pmtu),
              "swanctl_dir": str(tmp_path / "swanctl"), "swanctl": ["swanctl"], "networkd_dir": str(tmp_path / "net"),
              "gre_persist": False, "gre_prune": False, "ip": "ip", "vtysh": ["vtysh"], "frr_save": False,
              "frr_daemons_file": "", "frr_restart": ["true"], "frr_wait_s": 1, "adopt": []}
    # before: nothing stops clear GRE (what F1 measured on the lab CPE with its charon stopped)
    assert _exchange(pair, di, "198.51.100.65", "192.0.2.2", 3) == (3, ["198.51.100.65"] * 3)
    first = LinuxConfig(copy.deepcopy(params), run, check_mode=False, warn=lambda m: None).apply()
    assert first["changed"] is True
    # inbound clear GRE from both DI GRE IPs dropped; from another address it is not the guard's business
    assert _exchange(pair, di, "198.51.100.65", "192.0.2.2", 5)[1] == []
    assert _exchange(pair, di, "198.51.100.66", "192.0.2.2", 4)[1] == []
    assert _exchange(pair, di, "198.51.100.99", "192.0.2.2", 2)[1] == ["198.51.100.99"] * 2
    # outbound: the CPE's own clear GRE to a DI GRE IP never leaves (sendto EPERM), to another address it does
    assert _exchange(pair, cpe, "192.0.2.2", "198.51.100.66", 6) == (0, [])
    assert _exchange(pair, cpe, "192.0.2.2", "198.51.100.99", 2) == (2, ["192.0.2.2"] * 2)
    counted, doc = _counters(cpe)
    assert counted == {"input": 9, "output": 6}
    assert A.nft_current(doc, L.nft_tag(L.nft_rules(L.host_tunnels(plan, "cpe1"))), len(L.nft_rules(L.host_tunnels(plan, "cpe1"))))
    for check in (True, False):          # the counted table: --check and the real run both report nothing to do
        calls.clear()
        again = LinuxConfig(copy.deepcopy(params), run, check_mode=check, warn=lambda m: None).apply()
        assert again["changed"] is False and not again.get("diff") and again["commands"] == []
        assert not any(c[:2] == ["nft", "-f"] for c in calls)
    assert _counters(cpe)[0] == counted      # not reloaded: the counters survive
    if os.environ.get("VC_CAPTURE_GUARD") == "1":      # regenerate the fixture of the test above from this run
        (LAB / "nft_table_guard.json").write_text(json.dumps(doc, indent=1) + "\n")
