"""The split guard of a Linux GRE router (render.nft_split_guard_rules, docs/ha.md section 2): the GRE of a split
tunnel goes in clear to the IPsec device by design, and only there. When the RRI route to the DI GRE IP is withdrawn
(SA down, IPsec device dead) the GRE would follow the router's default route to the internet in clear text: the lab
drill ``rri:`` measured 150 such packets (LAN pings and BGP) before this rule. As root, on real nftables in three
network namespaces: GRE router, IPsec device (inside link) and internet (default route)."""
from __future__ import annotations

import copy
import os
import shutil
import subprocess
import uuid

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import apply as A
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L

from .test_gre_guard import RECV, SEND, _counters, _guard_lines
from .test_split_linux import build

PLAN = build().plan
GRE_IP, INSIDE, DI_GRE = "192.0.2.130", "10.1.0.1", "198.51.100.65"


def _tables():
    return L.host_tunnels(PLAN, "cpe1"), L.rri_tunnels(PLAN, "cpe1")


def test_the_gre_router_of_a_split_tunnel_drops_its_gre_unless_it_goes_to_the_ipsec_device():
    tunnels, forwarded = _tables()
    assert [t["key"] for t in tunnels] == ["lab-A", "lab-B"] and forwarded == []
    assert L.nft_split_guard_rules(tunnels) == [
        "ip protocol gre ip saddr %s ip daddr %s rt ip nexthop != %s counter drop" % (GRE_IP, DI_GRE, INSIDE)]
    script = L.render_nft_mss(tunnels, forwarded)
    out = _guard_lines(script, "output")
    # the own tunnel's IPsec guard (lab-B) and the split guard (lab-A), both carrying the table's tag
    assert len(out) == 2 and out[1].startswith(L.nft_split_guard_rules(tunnels)[0])
    assert all(line.endswith('comment "%s"' % L.nft_tag(L.nft_rules(tunnels, forwarded))) for line in out)
    # the IPsec device gets no split guard (its forward guard covers the GRE it carries), a plain tunnel neither
    assert L.nft_split_guard_rules(L.host_tunnels(PLAN, "ipsec1")) == []
    assert "rt ip nexthop" not in L.render_nft_mss(L.host_tunnels(PLAN, "ipsec1"), L.rri_tunnels(PLAN, "ipsec1"))


def test_the_split_guard_follows_the_inside_address():
    tunnels, forwarded = _tables()
    tag = L.nft_tag(L.nft_rules(tunnels, forwarded))
    moved = copy.deepcopy(tunnels)
    moved[0]["split"]["ipsec_inside_ip"] = "10.1.0.5"
    assert L.nft_tag(L.nft_rules(moved, forwarded)) != tag
    assert "rt ip nexthop != 10.1.0.5" in L.render_nft_mss(moved, forwarded)


@pytest.fixture
def trio():
    """gre (the GRE router: 10.1.0.2/30 + GRE IP on in0, default via the internet on wan0), vpn (the IPsec device,
    10.1.0.1), net (the internet router, 192.0.2.10)."""
    if os.geteuid() != 0 or shutil.which("nft") is None:
        pytest.skip("needs root and nft")
    tag = uuid.uuid4().hex[:6]
    gre, vpn, net = "vcsg" + tag, "vcsv" + tag, "vcsn" + tag
    made = []
    try:
        for ns in (gre, vpn, net):
            if subprocess.run(["ip", "netns", "add", ns], check=False).returncode != 0:
                pytest.skip("cannot create a network namespace")
            made.append(ns)
        steps = [
            ["ip", "link", "add", "in0", "netns", gre, "type", "veth", "peer", "name", "in0", "netns", vpn],
            ["ip", "link", "add", "wan0", "netns", gre, "type", "veth", "peer", "name", "wan0", "netns", net],
            ["ip", "-n", gre, "addr", "add", "10.1.0.2/30", "dev", "in0"],
            ["ip", "-n", gre, "addr", "add", GRE_IP + "/32", "dev", "in0"],
            ["ip", "-n", gre, "addr", "add", "192.0.2.9/30", "dev", "wan0"],
            ["ip", "-n", vpn, "addr", "add", INSIDE + "/30", "dev", "in0"],
            ["ip", "-n", net, "addr", "add", "192.0.2.10/30", "dev", "wan0"],
            # the receivers: what reaches the IPsec device and what reaches the internet side
            ["ip", "-n", vpn, "addr", "add", DI_GRE + "/32", "dev", "lo"],
            ["ip", "-n", net, "addr", "add", DI_GRE + "/32", "dev", "lo"],
            ["ip", "-n", net, "addr", "add", "198.51.100.99/32", "dev", "lo"],
        ] + [["ip", "-n", ns, "link", "set", i, "up"] for ns, i in ((gre, "in0"), (gre, "wan0"), (vpn, "in0"), (net, "wan0"), (vpn, "lo"), (net, "lo"))] + [
            ["ip", "-n", gre, "route", "add", "default", "via", "192.0.2.10"],
            ["ip", "-n", vpn, "route", "add", GRE_IP + "/32", "via", "10.1.0.2"],
            ["ip", "-n", net, "route", "add", GRE_IP + "/32", "via", "192.0.2.9"],
        ]
        for argv in steps:
            if subprocess.run(argv, capture_output=True, check=False).returncode != 0:
                pytest.skip("cannot build the namespaces (%s)" % " ".join(argv))
        yield gre, vpn, net
    finally:
        for ns in made:
            subprocess.run(["ip", "netns", "del", ns], check=False)


def _send(gre, peer, dst, n):
    """``n`` GRE packets GRE_IP -> dst from the GRE router: (sent, sources ``peer`` received)."""
    recv = subprocess.Popen(["ip", "netns", "exec", peer, "python3", "-c", RECV, "1.5"], stdout=subprocess.PIPE, text=True)
    assert recv.stdout.readline().strip() == "ready"
    sent = subprocess.run(["ip", "netns", "exec", gre, "python3", "-c", SEND, GRE_IP, dst, str(n)],
                          capture_output=True, text=True, check=True).stdout.strip()
    return int(sent), recv.communicate(timeout=10)[0].split()


def test_real_nftables_keeps_the_split_gre_off_the_default_route(trio):
    gre, vpn, net = trio
    tunnels, forwarded = _tables()
    # without the guard: the RRI route gone, the split tunnel's GRE leaves by the default route, in clear
    assert _send(gre, net, DI_GRE, 3) == (3, [GRE_IP] * 3)
    load = subprocess.run(["ip", "netns", "exec", gre, "nft", "-f", "-"], input=L.render_nft_mss(tunnels, forwarded),
                          capture_output=True, text=True, check=False)
    assert load.returncode == 0, load.stderr
    assert _send(gre, net, DI_GRE, 4) == (0, [])                  # dropped in the output hook: sendto EPERM
    assert _send(gre, net, "198.51.100.99", 2) == (2, [GRE_IP] * 2)   # other GRE is not the guard's business
    # the RRI route learned (via the IPsec device's inside address): the GRE passes, to the IPsec device
    subprocess.run(["ip", "-n", gre, "route", "add", DI_GRE + "/32", "via", INSIDE], check=True)
    assert _send(gre, vpn, DI_GRE, 3) == (3, [GRE_IP] * 3)
    # a route to it via anything else (an IGP default, another router) is not the IPsec device: dropped
    subprocess.run(["ip", "-n", gre, "route", "replace", DI_GRE + "/32", "via", "192.0.2.10"], check=True)
    assert _send(gre, net, DI_GRE, 2) == (0, [])
    counted, doc = _counters(gre)
    rules = L.nft_rules(tunnels, forwarded)
    assert counted["output"] == 6
    assert A.nft_current(doc, L.nft_tag(rules), len(rules))     # the counted table stays current (changed=0)
