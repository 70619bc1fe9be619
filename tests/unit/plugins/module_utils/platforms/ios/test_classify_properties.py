from __future__ import annotations

import ipaddress

import pytest
from hypothesis import given, strategies as st

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import show_parsers as P
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.assemble import classify_command
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.addressing import canonical_prefix, classful_length


@pytest.mark.parametrize("command,kind,args", [
    ("show ip bgp summary", "bgp_summary", {}),
    ("show bgp ipv4 unicast summary", "bgp_summary", {}),
    ("show bgp all summary", "bgp_summary", {}),
    ("sh  ip bgp  summary", "bgp_summary", {}),
    ("show ip bgp neighbors 100.64.0.2 advertised-routes", "bgp_routes", {"neighbor": "100.64.0.2", "which": "advertised-routes"}),
    ("show bgp ipv4 unicast neighbors 100.64.0.6 received-routes", "bgp_routes", {"neighbor": "100.64.0.6", "which": "received-routes"}),
    ("show ip bgp neighbors 100.64.0.2", "bgp_neighbor", {"neighbor": "100.64.0.2"}),
    ("show crypto ipsec sa peer 198.51.100.2 detail", "ipsec_sa", {}),
    ("show crypto ipsec sa", "ipsec_sa", {}),
    ("show crypto session", "crypto_session", {}),
    ("show crypto ikev2 sa detailed", "ikev2_sa", {}),
    ("show interfaces Tunnel101", "interface", {"name": "tunnel101"}),
    ("show ip interface Tunnel101", "ip_interface", {"name": "tunnel101"}),
    ("show ip interface brief", "ip_interface_brief", {}),
    ("show ip route 203.0.113.0 255.255.255.0 longer-prefixes", "ip_route", {}),
    ("ping 100.64.0.2 source Tunnel101 repeat 3", "ping", {"target": "100.64.0.2", "source": "Tunnel101"}),
    ("ping 100.64.0.2 source tu101", "ping", {"target": "100.64.0.2", "source": "Tunnel101"}),
    ("show crypto map", None, {}),
    ("show running-config", "running_config", {}),
    ("show running-config | section ^crypto map", "running_config", {}),
    ("sh run | include ^interface ", "running_config", {}),
    ("show logging | include IKEV2|BGP", "logging", {}),
    ("show log", "logging", {}),
    ("show login", None, {}),
])
def test_classify_command(command, kind, args):
    got_kind, got_args = classify_command(command)
    assert got_kind == kind
    for k, v in args.items():
        assert got_args[k] == v


@given(st.integers(min_value=0, max_value=2 ** 32 - 1), st.integers(min_value=0, max_value=32))
def test_canonical_prefix_is_identity_on_cidrs(addr, length):
    net = ipaddress.IPv4Network((addr, length), strict=False)
    assert canonical_prefix(str(net)) == str(net)


@given(st.integers(min_value=1, max_value=223), st.integers(min_value=0, max_value=255))
def test_bare_prefix_gets_classful_length(first, second):
    printed = "%d.%d.0.0" % (first, second)
    got = ipaddress.IPv4Network(canonical_prefix(printed))
    expected_len = 8 if first < 128 else (16 if first < 192 else 24)
    assert got.prefixlen == expected_len == classful_length(printed)
    assert ipaddress.IPv4Address(printed) in got


@given(st.lists(st.tuples(st.integers(1, 223), st.integers(0, 255), st.integers(0, 255), st.sampled_from([None, 24, 25, 26])),
                min_size=1, max_size=8))
def test_bgp_table_rows_roundtrip(rows):
    """Rows printed the IOS way (bare when classful-C /24, wrapped when > 16 chars) come back canonical."""
    hdr = "     Network          Next Hop            Metric LocPrf Weight Path\n"
    body, expected = "", set()
    for a, b, c, plen in rows:
        printed = "%d.%d.%d.0" % (a, b, c) + ("" if plen is None else "/%d" % plen)
        expected.add(canonical_prefix(printed))
        if len(printed) > 16:
            body += " *>   %s\n%23s%-16s%10s%7s%7s 64552 i\n" % (printed, "", "100.64.0.2", "0", "", "0")
        else:
            body += " *>   %-17s%-16s%10s%7s%7s 64552 i\n" % (printed, "100.64.0.2", "0", "", "0")
    parsed = P.parse_bgp_table(hdr + body + "\nTotal number of prefixes %d\n" % len(rows))
    assert set(parsed["prefixes"]) == expected
    assert all(r["next_hop"] == "100.64.0.2" and r["as_path"] == "64552" for r in parsed["routes"])
