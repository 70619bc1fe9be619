"""vc_ios_config diff engine, cisco.ios style: a running-config fixture in, the exact commands out.

Every case has an idempotent twin: the commands are applied to the fixture with the IOS-config
applier (an independent emulation of IOS-XE config mode and of how it prints the result) and the
engine must then find nothing to do.
"""
from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import diff as D
from .applier import apply_commands
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.parser import parse_tree
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import render as R

from . import config_helpers as H

FIX = Path(__file__).parent / "fixtures"


def fixture(name: str) -> str:
    return (FIX / name).read_text()


@pytest.fixture(scope="module")
def lab():
    return H.lab_plan()


def intent_for(lab, host="cpe1", **kw):
    plan, secrets = lab
    kw.setdefault("wan_next_hop", "192.0.2.1")
    return R.render(plan, host, secrets, require_secrets=True, **kw)


def converge(intent, running, **kw):
    """Commands for ``running``, the config after applying them, and the idempotency check."""
    res = D.compute(intent, running, **kw)
    assert not res.errors, res.errors
    after = apply_commands(running, res.commands)
    again = D.compute(intent, after, **kw)
    assert again.commands == [], "not idempotent: %s" % again.display
    return res, after


def blocks(text: str):
    return {n.text: n.to_lines() for n in parse_tree(text)}


def block_sets(text: str):
    """Blocks as sets of lines (IOS keeps its own order inside a block; we compare content)."""
    return {n.text: sorted(n.to_lines()) for n in parse_tree(text)}


# ------------------------------------------------------------------------------------------------
def test_converged_router_with_type7_secrets_needs_nothing(lab):
    res = D.compute(intent_for(lab), fixture("lab_converged_type7.cfg"))
    assert res.errors == []
    assert res.commands == []
    assert res.stale == []


def test_converged_router_with_type6_psk_and_cleartext_password_needs_nothing(lab):
    res = D.compute(intent_for(lab), fixture("lab_converged_type6.cfg"))
    assert res.commands == []


def test_update_secrets_resends_only_secret_lines(lab):
    res = D.compute(intent_for(lab), fixture("lab_converged_type7.cfg"), update_secrets=True)
    assert res.display == [
        "crypto ikev2 keyring VC-KEYRING", "peer VC-LAB-A", "pre-shared-key ********", "exit",
        "peer VC-LAB-B", "pre-shared-key ********", "exit",
        "router bgp 64551", "neighbor 100.64.0.2 password ********", "neighbor 100.64.0.6 password ********",
    ]
    # the real commands carry the secrets from vc_regions, the display never does
    assert "pre-shared-key lab-psk-dc-a-0123456789" in res.commands
    assert not any("lab-psk" in c or "lab-bgp" in c for c in res.display)


def test_fresh_router_gets_everything_in_dependency_order(lab):
    res, after = converge(intent_for(lab), H.BASE)
    cmds = res.commands
    first = {c: i for i, c in reversed(list(enumerate(cmds)))}
    order = ["ip access-list extended VC-GRE-LAB-A", "crypto ikev2 proposal VC-PROP-GCM256-PRFSHA384-G20",
             "crypto ikev2 policy VC-POLICY", "crypto ikev2 keyring VC-KEYRING", "crypto ikev2 profile VC-LAB-A",
             "crypto ipsec transform-set VC-TS-GCM256 esp-gcm 256", "crypto map VC-CMAP 101 ipsec-isakmp",
             "ip route 198.51.100.65 255.255.255.255 192.0.2.1 name VC-LAB-A",
             "interface GigabitEthernet1", "crypto map VC-CMAP", "interface Tunnel101",
             "ip prefix-list VC-IN-LAB-A seq 5 permit 198.18.10.0/24", "router bgp 64551"]
    positions = [first[c] for c in order]
    assert positions == sorted(positions)
    # a new BGP process gets the plan's router id; the neighbour exists before its address family lines
    assert cmds[first["router bgp 64551"] + 1] == "bgp router-id 192.0.2.2"
    assert first["neighbor 100.64.0.6 remote-as 64562"] < first["neighbor 100.64.0.6 local-as 64561 no-prepend replace-as"]
    assert cmds[-1] == "exit-address-family"
    # the documented design, as the router prints it back
    b = blocks(after)
    assert b["crypto map VC-CMAP 101 ipsec-isakmp"] == [
        "crypto map VC-CMAP 101 ipsec-isakmp", " description webex_di.virtual_connect:lab-A", " set peer 198.51.100.2",
        " set transform-set VC-TS-GCM256", " set pfs group20", " set ikev2-profile VC-LAB-A", " match address VC-GRE-LAB-A"]
    assert b["ip access-list extended VC-GRE-LAB-B"] == [
        "ip access-list extended VC-GRE-LAB-B", " 10 remark webex_di.virtual_connect:lab-B",
        " 20 permit gre host 192.0.2.2 host 198.51.100.66"]
    assert b["interface Tunnel102"] == [
        "interface Tunnel102", " description VC-LAB-B Webex DI Virtual Connect DC-B lab webex_di.virtual_connect:lab-B",
        " ip address 100.64.0.5 255.255.255.252", " ip mtu 1400", " ip tcp adjust-mss 1350", " keepalive 10 3",
        " tunnel source 192.0.2.2", " tunnel destination 198.51.100.66", " tunnel path-mtu-discovery"]
    assert " dpd 10 2 periodic" in b["crypto ikev2 profile VC-LAB-A"]
    assert " match identity remote address 198.51.100.2 255.255.255.255" in b["crypto ikev2 profile VC-LAB-A"]


def test_stale_vc_lines_get_no_and_changed_settings_are_reentered(lab):
    running = fixture("lab_converged_type7.cfg")
    running = running.replace(" ip mtu 1400\n ip tcp adjust-mss 1350\n keepalive 10 3\n tunnel source 192.0.2.2\n"
                              " tunnel destination 198.51.100.65\n tunnel path-mtu-discovery\n",
                              " ip mtu 1300\n ip tcp adjust-mss 1350\n keepalive 5 2\n shutdown\n tunnel source 192.0.2.2\n"
                              " tunnel destination 198.51.100.65\n", 1)
    running = running.replace(" 20 permit gre host 192.0.2.2 host 198.51.100.65\n",
                              " 20 permit gre host 192.0.2.2 host 198.51.100.65\n 30 permit ip any any\n")
    running = running.replace(" set pfs group20\n set ikev2-profile VC-LAB-A\n match address VC-GRE-LAB-A\n",
                              " set pfs group14\n set ikev2-profile VC-LAB-A\n match address VC-GRE-LAB-A\n reverse-route\n")
    running = running.replace("ip prefix-list VC-IN-LAB-B seq 10 permit 198.18.10.128/25\n",
                              "ip prefix-list VC-IN-LAB-B seq 10 permit 198.18.10.0/25\n"
                              "ip prefix-list VC-IN-LAB-A seq 25 permit 10.0.0.0/8\n")
    running = running.replace(" neighbor 100.64.0.2 timers 10 30\n",
                              " neighbor 100.64.0.2 timers 10 30\n neighbor 100.64.0.2 weight 100\n")
    running = running.replace(" neighbor 100.64.0.6 timers 10 30\n", " neighbor 100.64.0.6 timers 60 180\n")
    running = running.replace("  neighbor 100.64.0.2 prefix-list VC-OUT-LAB-A out\n",
                              "  neighbor 100.64.0.2 prefix-list VC-OUT-LAB-A out\n  neighbor 100.64.0.2 route-map FOO in\n")
    res, after = converge(intent_for(lab), running)
    assert res.commands == [
        "ip access-list extended VC-GRE-LAB-A", "no permit ip any any",
        "crypto map VC-CMAP 101 ipsec-isakmp", "no reverse-route", "set pfs group20",
        "interface Tunnel101", "no shutdown", "ip mtu 1400", "keepalive 10 3", "tunnel path-mtu-discovery",
        "no ip prefix-list VC-IN-LAB-B seq 10 permit 198.18.10.0/25",
        "no ip prefix-list VC-IN-LAB-A seq 25 permit 10.0.0.0/8",
        "ip prefix-list VC-IN-LAB-B seq 10 permit 198.18.10.128/25",
        "router bgp 64551", "no neighbor 100.64.0.2 weight 100", "neighbor 100.64.0.6 timers 10 30",
        "address-family ipv4", "no neighbor 100.64.0.2 route-map FOO in", "exit-address-family",
    ]
    assert block_sets(after) == block_sets(fixture("lab_converged_type7.cfg"))


def test_foreign_config_is_never_touched(lab):
    running = fixture("foreign_router.cfg").replace("interface GigabitEthernet1\n", "interface GigabitEthernet1\n", 1)
    res, after = converge(intent_for(lab), running)
    for cmd in res.commands:
        assert not cmd.startswith("no "), cmd
        for foreign in ("CUST", "10.1.1.2", "Tunnel1\n", "BRANCH", "Loopback0"):
            assert foreign not in cmd + "\n", cmd
    before_b, after_b = blocks(running), blocks(after)
    for header, lines in before_b.items():
        if header in ("interface GigabitEthernet1", "router bgp 64551"):
            continue
        assert after_b[header] == lines, header
    # shared sections: foreign lines intact, only our lines added
    assert set(before_b["interface GigabitEthernet1"]) <= set(after_b["interface GigabitEthernet1"])
    assert set(after_b["interface GigabitEthernet1"]) - set(before_b["interface GigabitEthernet1"]) == {" crypto map VC-CMAP"}
    bgp_before, bgp_after = before_b["router bgp 64551"], after_b["router bgp 64551"]
    assert set(bgp_before) <= set(bgp_after)
    assert all("100.64.0." in x for x in set(bgp_after) - set(bgp_before))
    assert " bgp router-id 10.255.0.1" in bgp_after     # the existing process keeps its router id


def test_foreign_vc_lookalikes_in_shared_sections_are_kept_when_vc_lines_go(lab):
    # a stale VC neighbour line is removed, the customer's neighbour with similar settings stays
    running = fixture("foreign_router.cfg").replace(
        " neighbor 10.1.1.2 password 7 05080F1C2243\n",
        " neighbor 10.1.1.2 password 7 05080F1C2243\n neighbor 10.1.1.2 timers 10 30\n")
    res, after = converge(intent_for(lab), running)
    assert " neighbor 10.1.1.2 timers 10 30" in blocks(after)["router bgp 64551"]


def test_foreign_crypto_map_on_wan_interface_fails_clearly(lab):
    running = H.BASE.replace(" ip address 192.0.2.2 255.255.255.252\n",
                             " ip address 192.0.2.2 255.255.255.252\n crypto map CORP\n")
    running += "crypto map CORP 10 ipsec-isakmp \n set peer 203.0.113.250\n match address CORP-ACL\n!\n"
    res = D.compute(intent_for(lab), running)
    assert res.commands == []
    assert len(res.errors) == 1
    assert "already carries crypto map CORP" in res.errors[0]
    assert "vc_crypto_map_name: CORP" in res.errors[0]


def test_vc_entries_join_the_customers_crypto_map_when_named(lab):
    running = H.BASE.replace(" ip address 192.0.2.2 255.255.255.252\n",
                             " ip address 192.0.2.2 255.255.255.252\n crypto map CORP\n")
    running += "crypto map CORP 10 ipsec-isakmp \n set peer 203.0.113.250\n match address CORP-ACL\n!\n"
    res, after = converge(intent_for(lab, crypto_map_name="CORP"), running)
    assert "crypto map CORP 101 ipsec-isakmp" in res.commands
    assert "crypto map CORP 102 ipsec-isakmp" in res.commands
    assert "crypto map CORP" not in res.commands          # already applied: the interface is not touched
    assert not any(c.startswith("crypto map VC-CMAP") for c in res.commands)
    assert blocks(after)["crypto map CORP 10 ipsec-isakmp"] == blocks(running)["crypto map CORP 10 ipsec-isakmp"]


def test_crypto_map_sequence_taken_by_a_foreign_entry_fails(lab):
    running = H.BASE.replace(" ip address 192.0.2.2 255.255.255.252\n",
                             " ip address 192.0.2.2 255.255.255.252\n crypto map CORP\n")
    running += "crypto map CORP 101 ipsec-isakmp \n set peer 203.0.113.250\n match address CORP-ACL\n!\n"
    res = D.compute(intent_for(lab, crypto_map_name="CORP"), running)
    assert res.commands == []
    assert any("crypto map CORP 101 exists" in e for e in res.errors)


def test_foreign_tunnel_interface_number_fails(lab):
    running = H.BASE + "interface Tunnel101\n description to branch 7\n ip address 10.7.0.1 255.255.255.252\n!\n"
    res = D.compute(intent_for(lab), running)
    assert res.commands == []
    assert any("interface Tunnel101 exists and is not a Virtual Connect tunnel" in e for e in res.errors)


def test_blank_tunnel_interface_is_free(lab):
    running = H.BASE + "interface Tunnel101\n no ip address\n shutdown\n!\n"
    res, after = converge(intent_for(lab), running)
    assert res.errors == []
    assert "no shutdown" in res.commands
    assert " no ip address" not in blocks(after)["interface Tunnel101"]


def test_other_bgp_as_fails_with_the_fix(lab):
    running = H.BASE + "router bgp 65010\n bgp log-neighbor-changes\n neighbor 10.0.0.1 remote-as 65011\n!\n"
    res = D.compute(intent_for(lab), running)
    assert res.commands == []
    assert any("already runs BGP AS 65010" in e and "vc_bgp_asn: 65010" in e for e in res.errors)


def test_enterprise_asn_uses_local_as_on_both_neighbours():
    plan, secrets = H.lab_plan(cpes={"cpe1": {"platform": "cisco.ios.ios", "wan_interface": H.WAN, "bgp_asn": 65010}})
    intent = R.render(plan, "cpe1", secrets, require_secrets=True)
    running = H.BASE + "router bgp 65010\n bgp log-neighbor-changes\n neighbor 10.0.0.1 remote-as 65011\n!\n"
    res, after = converge(intent, running)
    bgp = blocks(after)["router bgp 65010"]
    assert " neighbor 100.64.0.2 local-as 64551 no-prepend replace-as" in bgp
    assert " neighbor 100.64.0.6 local-as 64561 no-prepend replace-as" in bgp
    assert " neighbor 10.0.0.1 remote-as 65011" in bgp
    assert "bgp router-id 192.0.2.2" not in res.commands     # existing process: router id is the customer's


def test_activate_is_shown_without_default_ipv4_unicast(lab):
    running = H.BASE + "router bgp 64551\n bgp log-neighbor-changes\n no bgp default ipv4-unicast\n!\n"
    res, after = converge(intent_for(lab), running)
    af = blocks(after)["router bgp 64551"]
    assert "  neighbor 100.64.0.2 activate" in af
    # and with the default (activate implied, not printed) the same intent is idempotent too
    res2, after2 = converge(intent_for(lab), H.BASE)
    assert "  neighbor 100.64.0.2 activate" not in blocks(after2)["router bgp 64551"]


def test_features_limit_what_is_added_and_removed(lab):
    running = fixture("lab_converged_type7.cfg").replace(" ip mtu 1400\n", " ip mtu 1300\n", 1)
    running = running.replace(" keepalive 10 3\n", " keepalive 5 2\n", 1)
    gre_only = D.compute(intent_for(lab), running, features=["gre"])
    assert gre_only.commands == ["interface Tunnel101", "keepalive 10 3"]
    mtu_only = D.compute(intent_for(lab), running, features=["mtu"])
    assert mtu_only.commands == ["interface Tunnel101", "ip mtu 1400"]
    bgp_only = D.compute(intent_for(lab), running, features=["bgp"])
    assert bgp_only.commands == []


def test_rri_from_the_plan_goes_in_the_crypto_map_entry():
    plan, secrets = H.lab_plan(options={"rri": {"enabled": True, "tag": 77}})
    intent = R.render(plan, "cpe1", secrets, require_secrets=True)
    res, after = converge(intent, fixture("lab_converged_type7.cfg"), features=["ha"])
    assert res.commands == [   # seed 004: 'reverse-route', then 'set reverse-route tag N' for the redistribution
        "crypto map VC-CMAP 101 ipsec-isakmp", "reverse-route", "set reverse-route tag 77",
        "crypto map VC-CMAP 102 ipsec-isakmp", "reverse-route", "set reverse-route tag 77",
    ]
    # and the ha role removes it again when the plan no longer wants it
    plan2, _findings = H.lab_plan()
    res2, _after2 = converge(R.render(plan2, "cpe1", secrets, require_secrets=True), after, features=["ha"])
    assert res2.commands == [
        "crypto map VC-CMAP 101 ipsec-isakmp", "no reverse-route", "no set reverse-route tag 77",
        "crypto map VC-CMAP 102 ipsec-isakmp", "no reverse-route", "no set reverse-route tag 77",
    ]


def test_stale_vc_objects_are_reported_then_pruned_in_reverse_order(lab):
    running = (fixture("lab_converged_type7.cfg").replace("end\n", "") + (
        "interface Tunnel105\n description VC-OLD-A Webex DI Virtual Connect DC-A old webex_di.virtual_connect:old-A\n"
        " ip address 100.64.9.1 255.255.255.252\n!\n"
        "ip access-list extended VC-GRE-OLD-A\n 10 remark webex_di.virtual_connect:old-A\n"
        " 20 permit gre host 192.0.2.2 host 198.51.100.99\n!\n"
        "crypto map VC-CMAP 105 ipsec-isakmp \n description webex_di.virtual_connect:old-A\n set peer 198.51.100.98\n"
        " match address VC-GRE-OLD-A\n!\n"
        "ip prefix-list VC-IN-OLD-A description webex_di.virtual_connect:old-A\n"
        "ip prefix-list VC-IN-OLD-A seq 5 permit 203.0.99.0/24\n"
    )).replace(
        " neighbor 100.64.0.2 remote-as 64552\n",
        " neighbor 100.64.9.2 remote-as 64999\n neighbor 100.64.9.2 description webex_di.virtual_connect:old-A\n"
        " neighbor 100.64.0.2 remote-as 64552\n",
    )
    report = D.compute(intent_for(lab), running)
    assert report.commands == []
    assert sorted(report.stale) == sorted([
        "interface Tunnel105", "ip access-list extended VC-GRE-OLD-A", "crypto map VC-CMAP 105 ipsec-isakmp",
        "ip prefix-list VC-IN-OLD-A", "router bgp 64551 neighbor 100.64.9.2"])
    assert any("prune" in w for w in report.warnings)
    res, after = converge(intent_for(lab), running, prune=True)
    assert res.commands == [
        "router bgp 64551", "no neighbor 100.64.9.2", "no ip prefix-list VC-IN-OLD-A", "no interface Tunnel105",
        "no crypto map VC-CMAP 105", "no ip access-list extended VC-GRE-OLD-A"]
    assert block_sets(after) == block_sets(fixture("lab_converged_type7.cfg"))


def test_dual_cpe_each_router_gets_its_own_tunnel():
    plan, secrets = H.lab_plan("lab-dual")
    i1 = R.render(plan, "cpe1", secrets, require_secrets=True)
    i2 = R.render(plan, "cpe2", secrets, require_secrets=True)
    r1, a1 = converge(i1, H.BASE)
    r2, a2 = converge(i2, H.BASE)
    assert "interface Tunnel101" in r1.commands and "interface Tunnel102" not in r1.commands
    assert "interface Tunnel102" in r2.commands and "interface Tunnel101" not in r2.commands
    assert "router bgp 64561" in r2.commands                      # cpe2's own ASN, no local-as needed
    assert not any("local-as" in c for c in r2.commands)
    assert "crypto map VC-CMAP 102 ipsec-isakmp" in r2.commands


def test_wan_interface_missing_on_router_fails(lab):
    res = D.compute(intent_for(lab, wan_interface="GigabitEthernet9"), H.BASE)
    assert res.commands == []
    assert any("GigabitEthernet9" in e and "does not exist" in e for e in res.errors)


def test_missing_secret_is_an_error_for_apply_but_masked_offline(lab):
    plan, secrets = lab
    partial = {k: dict(v) for k, v in secrets.items()}
    partial["lab-B"].pop("psk")
    intent = R.render(plan, "cpe1", partial, require_secrets=True)
    assert any("lab-B" in e and "psk" in e for e in intent.errors)
    offline = R.render(plan, "cpe1", None)
    assert offline.errors == []
    assert "pre-shared-key ********" in offline.to_text()
    # a masked placeholder is never typed
    res = D.compute(offline, H.BASE, require_wan=True)
    assert not any("********" in c for c in res.commands)


def test_diff_before_after_are_masked(lab):
    running = fixture("lab_converged_type7.cfg").replace(" keepalive 10 3\n", " keepalive 5 2\n", 1)
    res = D.compute(intent_for(lab), running)
    diff = res.diff
    assert " keepalive 5 2" in diff["before"] and " keepalive 10 3" in diff["after"]
    assert " keepalive 5 2" not in diff["after"]
    for text in (diff["before"], diff["after"]):
        assert "08244274F18E" not in text and "lab-psk" not in text
        assert "pre-shared-key ********" in text


def test_restore_commands_bring_back_the_backup(lab):
    backup = fixture("lab_converged_type7.cfg").replace(" keepalive 10 3\n", " keepalive 5 2\n", 1)
    backup = backup.replace("ip prefix-list VC-OUT-LAB-B seq 5 permit 0.0.0.0/0\n", "")
    res = D.compute(intent_for(lab), backup)
    half = apply_commands(backup, res.commands[: len(res.commands) // 2 + 3])
    intent = intent_for(lab)
    restore = D.restore_commands(intent, backup, half)
    restored = apply_commands(half, restore)
    assert block_sets(restored) == block_sets(apply_commands(backup, []))
    assert D.restore_commands(intent, backup, restored) == []


def test_restore_removes_objects_created_by_the_failed_run(lab):
    res = D.compute(intent_for(lab), H.BASE)
    half = apply_commands(H.BASE, res.commands[:40])
    restore = D.restore_commands(intent_for(lab), H.BASE, half)
    restored = apply_commands(half, restore)
    assert block_sets(restored) == block_sets(apply_commands(H.BASE, []))


def test_changed_wan_next_hop_adds_the_new_route_before_removing_the_old(lab):
    # found by the property test: two static routes with other next hops coexist on IOS (no override)
    running = fixture("lab_converged_type7.cfg")
    res, _after = converge(intent_for(lab, wan_next_hop="192.0.2.9"), running)
    assert res.commands == [
        "ip route 198.51.100.65 255.255.255.255 192.0.2.9 name VC-LAB-A",
        "ip route 198.51.100.66 255.255.255.255 192.0.2.9 name VC-LAB-B",
        "no ip route 198.51.100.65 255.255.255.255 192.0.2.1 name VC-LAB-A",
        "no ip route 198.51.100.66 255.255.255.255 192.0.2.1 name VC-LAB-B",
    ]
    # and without a next hop our routes go, the customer's default route stays
    res2, after2 = converge(intent_for(lab, wan_next_hop=None), running + "ip route 0.0.0.0 0.0.0.0 192.0.2.1\n")
    assert res2.commands == ["no ip route 198.51.100.65 255.255.255.255 192.0.2.1 name VC-LAB-A",
                             "no ip route 198.51.100.66 255.255.255.255 192.0.2.1 name VC-LAB-B"]
    assert "ip route 0.0.0.0 0.0.0.0 192.0.2.1" in blocks(after2)
