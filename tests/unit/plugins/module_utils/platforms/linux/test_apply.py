"""Idempotency logic of the live Linux state: GRE links (ip -j) and the nftables MSS clamp (nft -j)."""
from __future__ import annotations

import copy
import json

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import apply as A

from .helpers import FIXTURES

LAB = FIXTURES / "lab"


def js(name):
    data = json.loads((LAB / name).read_text())
    if name == "ip_link.json":
        # the lab capture predates the ownership marker: the links as a deploy of this version leaves them
        # carry the alias webex_di.virtual_connect:<tunnel key> (ip -j prints it as "ifalias")
        keys = {"vcgre101": "lab-A", "vcgre102": "lab-B"}
        for link in data:
            if link.get("ifname") in keys:
                link["ifalias"] = "webex_di.virtual_connect:" + keys[link["ifname"]]
    return data


def wanted(plan):
    return L.gre_links(L.host_tunnels(plan, "cpe1"))


def test_links_as_captured_need_nothing(plan):
    ch = A.gre_changes(wanted(plan), js("ip_link.json"), js("ip_addr.json"))
    assert ch["commands"] == []
    assert ch["before"] == ch["after"]


def test_missing_links_are_created_with_ttl_255_and_pmtudisc(plan):
    links = [x for x in js("ip_link.json") if not x["ifname"].startswith("vcgre")]
    ch = A.gre_changes(wanted(plan), links, js("ip_addr.json"))
    assert ch["commands"][:3] == [
        ["link", "add", "vcgre101", "type", "gre", "local", "192.0.2.2", "remote", "198.51.100.65", "ttl", "255", "pmtudisc"],
        ["link", "set", "dev", "vcgre101", "mtu", "1400", "up"],
        ["addr", "add", "100.64.0.1/30", "dev", "vcgre101"],
    ]
    assert ch["commands"][3] == ["link", "set", "dev", "vcgre101", "alias", "webex_di.virtual_connect:lab-A"]
    assert len(ch["commands"]) == 8


def test_only_what_differs_is_changed(plan):
    links, addrs = js("ip_link.json"), js("ip_addr.json")
    for x in links:
        if x["ifname"] == "vcgre102":
            x["mtu"] = 1476
            x["flags"].remove("UP")
    for a in addrs:
        if a["ifname"] == "vcgre101":
            a["addr_info"] = [dict(a["addr_info"][0], local="100.64.0.9", prefixlen=29)] + a["addr_info"][1:]
    ch = A.gre_changes(wanted(plan), links, addrs)
    assert ch["commands"] == [
        ["addr", "del", "100.64.0.9/29", "dev", "vcgre101"],
        ["addr", "add", "100.64.0.1/30", "dev", "vcgre101"],
        ["link", "set", "dev", "vcgre102", "mtu", "1400"],
        ["link", "set", "dev", "vcgre102", "up"],
    ]


def test_changed_endpoint_or_inherited_ttl_is_fixed_in_place(plan):
    links = js("ip_link.json")
    links[[x["ifname"] for x in links].index("vcgre101")]["linkinfo"]["info_data"]["ttl"] = "inherit"
    p2 = copy.deepcopy(plan)
    p2["regions"][0]["tunnels"][1]["gre"]["destination"] = "198.51.100.99"
    ch = A.gre_changes(wanted(p2), links, js("ip_addr.json"))
    assert ch["commands"] == [
        ["link", "set", "dev", "vcgre101", "type", "gre", "local", "192.0.2.2", "remote", "198.51.100.65", "ttl", "255", "pmtudisc"],
        ["link", "set", "dev", "vcgre102", "type", "gre", "local", "192.0.2.2", "remote", "198.51.100.99", "ttl", "255", "pmtudisc"],
    ]


def test_stale_vc_links_are_pruned_and_others_untouched(plan):
    p2 = copy.deepcopy(plan)
    p2["regions"][0]["tunnels"][1]["cpe_host"] = "cpe2"
    ch = A.gre_changes(wanted(p2), js("ip_link.json"), js("ip_addr.json"))
    assert ch["commands"] == [["link", "del", "dev", "vcgre102"]]
    assert ch["after"]["vcgre102"] is None
    assert A.gre_changes(wanted(p2), js("ip_link.json"), js("ip_addr.json"), prune=False)["commands"] == []
    assert not [c for c in ch["commands"] if "wan0" in c or "lo" in c]


def test_a_non_gre_link_of_ours_is_replaced(plan):
    links = js("ip_link.json")
    links[[x["ifname"] for x in links].index("vcgre101")]["linkinfo"] = {"info_kind": "dummy"}
    ch = A.gre_changes(wanted(plan), links, js("ip_addr.json"))
    assert ch["commands"][0] == ["link", "del", "dev", "vcgre101"]
    assert ch["commands"][1][:5] == ["link", "add", "vcgre101", "type", "gre"]


def test_a_link_with_our_name_but_without_our_marker_is_never_touched(plan):
    """Shared CPE: an operator's vcgre101 (any kind, no alias of ours) is reported foreign, not replaced; it is
    taken over only when adopted explicitly, and then gets the marker."""
    links = js("ip_link.json")
    for kind in ({"info_kind": "dummy"}, None):
        link = links[[x["ifname"] for x in links].index("vcgre101")]
        link.pop("ifalias", None)
        if kind:
            link["linkinfo"] = kind
        ch = A.gre_changes(wanted(plan), links, js("ip_addr.json"))
        assert ch["foreign"] == ["vcgre101"]
        assert not [c for c in ch["commands"] if "vcgre101" in c]
    ch = A.gre_changes(wanted(plan), links, js("ip_addr.json"), adopt=["vcgre101"])
    assert ch["foreign"] == [] and ["link", "set", "dev", "vcgre101", "alias", "webex_di.virtual_connect:lab-A"] in ch["commands"]


def test_prune_removes_only_links_carrying_our_marker(plan):
    links = js("ip_link.json")
    operator = copy.deepcopy(links[[x["ifname"] for x in links].index("vcgre102")])
    operator.update(ifname="vcgre105", ifindex=99)
    operator.pop("ifalias")                                   # named like ours, not ours
    stale = copy.deepcopy(operator)
    stale.update(ifname="vcgre111", ifindex=98, ifalias="webex_di.virtual_connect:old-A")   # ours, not in the plan
    ch = A.gre_changes(wanted(plan), links + [operator, stale], js("ip_addr.json"))
    assert ch["commands"] == [["link", "del", "dev", "vcgre111"]]


def test_nft_table_as_captured_is_current(plan):
    rules = L.nft_mss_rules(L.host_tunnels(plan, "cpe1"))
    live = js("nft_table.json")
    assert A.nft_table_tags(live) == [L.nft_tag(rules)] * 4
    assert A.nft_current(live, L.nft_tag(rules), len(rules))


def test_nft_table_outdated_or_missing(plan):
    tunnels = L.host_tunnels(plan, "cpe1")
    live = js("nft_table.json")
    tunnels[0]["mtu"]["tcp_mss"] = 1300
    rules = L.nft_mss_rules(tunnels)
    assert not A.nft_current(live, L.nft_tag(rules), len(rules))
    extra = copy.deepcopy(live)
    extra["nftables"].append(copy.deepcopy([i for i in live["nftables"] if "rule" in i][0]))
    rules = L.nft_mss_rules(L.host_tunnels(plan, "cpe1"))
    assert not A.nft_current(extra, L.nft_tag(rules), len(rules))
    assert A.nft_table_tags({"nftables": [{"metainfo": {}}]}) is None
    assert not A.nft_current(None, L.nft_tag(rules), len(rules))
