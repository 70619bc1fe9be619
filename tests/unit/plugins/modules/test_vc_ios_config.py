"""vc_ios_config module logic (merged / rendered / parsed) over a cliconf-like connection to the applier."""
from __future__ import annotations

import json
import re
from pathlib import Path

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import apply as A
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.parser import parse_tree
from ansible_collections.webex_di.virtual_connect.plugins.modules import vc_ios_config as M

from ..module_utils.platforms.ios import config_helpers as H

FIX = Path(H.__file__).parent / "fixtures"


def params(plan, secrets, **kw):
    p = {k: (v.get("default") if isinstance(v, dict) else None) for k, v in M.ARGUMENT_SPEC.items()}
    p.update(plan=plan, host="cpe1", secrets=secrets, wan_next_hop="192.0.2.1")
    p.update(kw)
    return p


def block_sets(text):
    return {n.text: sorted(n.to_lines()) for n in parse_tree(text)}


def no_secret_in(result, secrets):
    text = json.dumps(result)
    for entry in secrets.values():
        for value in entry.values():
            assert value not in text


def test_check_mode_reports_exact_commands_and_sends_nothing():
    plan, secrets = H.lab_plan()
    conn = H.FakeConn(H.BASE)
    result = M.run_merged(params(plan, secrets), conn, check_mode=True)
    assert result["changed"] is True
    assert conn.sent == []
    assert "pre-shared-key ********" in result["commands"]
    assert result["commands"][0] == "ip access-list extended VC-GRE-LAB-A"
    no_secret_in(result, secrets)


def test_apply_then_second_run_is_unchanged():
    plan, secrets = H.lab_plan()
    conn = H.FakeConn(H.BASE)
    first = M.run_merged(params(plan, secrets, backup=True), conn, check_mode=False)
    assert first["changed"] is True and not first.get("failed")
    assert first["__backup__"] == H.FakeConn(H.BASE).get_config()
    assert "pre-shared-key lab-psk-dc-a-0123456789" in conn.sent      # the device got the real secret
    no_secret_in({k: v for k, v in first.items() if k != "__backup__"}, secrets)
    second = M.run_merged(params(plan, secrets), conn, check_mode=False)
    assert second["changed"] is False
    assert second["commands"] == []


def test_failed_apply_rolls_back_and_says_what_was_restored():
    plan, secrets = H.lab_plan()
    start = (FIX / "lab_converged_type7.cfg").read_text().replace(" keepalive 10 3\n", " keepalive 5 2\n", 1)
    start = start.replace("ip prefix-list VC-OUT-LAB-B seq 5 permit 0.0.0.0/0\n", "")
    conn = H.FakeConn(start, fail_on="ip prefix-list VC-OUT-LAB-B")
    before = conn.get_config()
    result = M.run_merged(params(plan, secrets), conn, check_mode=False)
    assert result["failed"] is True
    assert result["rolled_back"] is True
    assert "apply failed" in result["msg"] and "rolled back" in result["msg"]
    assert "keepalive 5 2" in result["restored"]
    assert block_sets(conn.get_config()) == block_sets(before)
    no_secret_in(result, secrets)


def test_verify_failure_rolls_back_a_fresh_router_completely():
    plan, secrets = H.lab_plan()
    conn = H.FakeConn(H.BASE, drop="neighbor 100.64.0.6 timers")     # the 'router' ignores one command
    before = conn.get_config()
    result = M.run_merged(params(plan, secrets), conn, check_mode=False)
    assert result["failed"] is True
    assert "verify failed" in result["msg"] and "neighbor 100.64.0.6 timers 10 30" in result["msg"]
    assert "no interface Tunnel101" in result["restored"]
    assert block_sets(conn.get_config()) == block_sets(before)


def test_rollback_disabled_leaves_the_device():
    plan, secrets = H.lab_plan()
    conn = H.FakeConn(H.BASE, fail_on="interface Tunnel102")
    result = M.run_merged(params(plan, secrets, rollback=False), conn, check_mode=False)
    assert result["failed"] is True and "rollback disabled" in result["msg"]
    assert "interface Tunnel101" in conn.get_config()


def test_safety_error_sends_nothing():
    plan, secrets = H.lab_plan()
    start = H.BASE.replace(" ip address 192.0.2.2 255.255.255.252\n", " ip address 192.0.2.2 255.255.255.252\n crypto map CORP\n")
    conn = H.FakeConn(start)
    result = M.run_merged(params(plan, secrets), conn, check_mode=False)
    assert result["failed"] is True and "crypto map CORP" in result["msg"]
    assert conn.sent == []


def test_rendered_needs_no_connection_and_masks_secrets():
    plan, secrets = H.lab_plan()
    result = M.run_offline(params(plan, None, state="rendered"))
    assert not result.get("failed"), result
    assert "crypto map VC-CMAP 101 ipsec-isakmp" in result["rendered"]
    assert "pre-shared-key ********" in result["rendered"]
    # offline commands against a given running config
    result2 = M.run_offline(params(plan, None, state="rendered",
                                   running_config=(FIX / "lab_converged_type7.cfg").read_text()))
    assert result2["commands"] == []


def test_parsed_returns_the_vc_view_only():
    text = (FIX / "foreign_router.cfg").read_text() + (FIX / "lab_converged_type7.cfg").read_text()
    result = M.run_offline(params(None, None, state="parsed", running_config=text, wan_interface="GigabitEthernet1"))
    parsed = result["parsed"]
    assert sorted(parsed["objects"]["profile"]) == ["VC-LAB-A", "VC-LAB-B"]
    assert sorted(parsed["crypto_maps"]) == ["CUST-MAP", "VC-CMAP"]
    assert parsed["wan_crypto_map"] == "VC-CMAP"
    assert sorted(parsed["bgp"]["neighbors"]) == ["100.64.0.2", "100.64.0.6"]     # not the customer's 10.1.1.2
    assert "neighbor 100.64.0.2 password ********" in parsed["bgp"]["neighbors"]["100.64.0.2"]["lines"]
    assert sorted(parsed["interfaces"]) == ["GigabitEthernet1", "Tunnel101", "Tunnel102"]
    assert "Tunnel1" not in parsed["interfaces"]
    assert sorted(parsed["prefix_lists"]) == ["VC-IN-LAB-A", "VC-IN-LAB-B", "VC-OUT-LAB-A", "VC-OUT-LAB-B"]
    assert "08244274F18E" not in json.dumps(parsed)


def test_restored_state_undoes_a_whole_run_of_several_roles():
    plan, secrets = H.lab_plan()
    start = (FIX / "foreign_router.cfg").read_text()
    conn = H.FakeConn(start)
    before = conn.get_config()
    saved = None
    for feature in ("ipsec", "gre", "mtu", "bgp"):
        r = M.run_merged(params(plan, secrets, features=[feature], backup=True), conn, check_mode=False)
        assert not r.get("failed"), r
        saved = saved or r["__backup__"]
    assert "interface Tunnel101" in conn.get_config()
    result = M.run_restored(params(plan, None, state="restored", backup_config=saved), conn, check_mode=False)
    assert not result.get("failed"), result
    assert result["changed"] is True and "restored" in result["msg"]
    assert block_sets(conn.get_config()) == block_sets(before)
    again = M.run_restored(params(plan, None, state="restored", backup_config=saved), conn, check_mode=False)
    assert again["changed"] is False


# ------------------------------------------------------------------ the configuration exchange (issue 10)
def test_config_lines_are_typed_with_hostname_prompts_and_no_buffer_wait_then_the_settings_come_back():
    plan, secrets = H.lab_plan()
    conn = H.FakeConn(H.BASE)
    result = M.run_merged(params(plan, secrets), conn, check_mode=False)
    assert result["changed"] and not result.get("failed")
    assert len(conn.exchange_options) == 1                       # one configuration session
    during = conn.exchange_options[0]
    assert during["persistent_buffer_read_timeout"] == 0.0
    assert during["terminal_stdout_re"] == [{"pattern": A.exchange_prompt_re("cpe1#")}]
    assert conn.options == {"persistent_buffer_read_timeout": 0.1, "terminal_stdout_re": None}   # put back


def test_a_failed_exchange_and_its_rollback_put_the_settings_back_too():
    plan, secrets = H.lab_plan()
    start = (FIX / "lab_converged_type7.cfg").read_text().replace(" keepalive 10 3\n", " keepalive 5 2\n", 1)
    start = start.replace("ip prefix-list VC-OUT-LAB-B seq 5 permit 0.0.0.0/0\n", "")
    conn = H.FakeConn(start, fail_on="ip prefix-list VC-OUT-LAB-B")
    result = M.run_merged(params(plan, secrets), conn, check_mode=False)
    assert result["failed"] and result["rolled_back"] and result["restored"]
    assert [o["persistent_buffer_read_timeout"] for o in conn.exchange_options] == [0.0, 0.0]   # apply, rollback
    assert conn.options == {"persistent_buffer_read_timeout": 0.1, "terminal_stdout_re": None}


def test_the_exchange_is_left_alone_when_asked_or_when_the_prompt_is_not_an_ios_prompt():
    plan, secrets = H.lab_plan()
    conn = H.FakeConn(H.BASE)
    M.run_merged(params(plan, secrets, config_buffer_read_timeout=None), conn, check_mode=False)
    assert conn.exchange_options == [{"persistent_buffer_read_timeout": 0.1, "terminal_stdout_re": None}]
    conn = H.FakeConn(H.BASE)
    conn.prompt = None
    M.run_merged(params(plan, secrets, config_buffer_read_timeout=0.02), conn, check_mode=False)
    assert conn.exchange_options == [{"persistent_buffer_read_timeout": 0.1, "terminal_stdout_re": None}]
    bad = M.run_merged(params(plan, secrets, config_buffer_read_timeout=-1.0), H.FakeConn(H.BASE), check_mode=False)
    assert bad["failed"] and "config_buffer_read_timeout" in bad["msg"]


def test_the_exchange_prompt_matches_only_the_device_prompt_at_a_line_start():
    rx = re.compile(A.exchange_prompt_re("cpe1#"))
    for prompt in ("cpe1#", "cpe1(config)#", "cpe1(config-if)#", "cpe1(config-router-af)#", "cpe1(config-ikev2-profile)#",
                   "cpe1>", "cpe1# "):
        assert rx.search("ip mtu 1400\r\n" + prompt), prompt
        assert rx.search(prompt), prompt
    for text in ("description uplink to cpe1#", "ip mtu 1400\r\n% Invalid input\r\nrouter#", "banner#", "\r\nr>",
                 "\r\n *>", "Tunnel101 is up, line protocol is up>"):
        assert not rx.search(text), text
    # a long hostname: its first characters (a configuration-mode prompt may cut it)
    long_rx = re.compile(A.exchange_prompt_re("customer-edge-router-frankfurt-01#"))
    assert long_rx.search("\r\ncustomer-edge-rout(config-if)#") and not long_rx.search("\r\ncustome(config)#")
    for prompt in (None, "", "Password:", "--More--", b"% Bad secrets"):
        assert A.exchange_prompt_re(prompt) is None
    assert A.exchange_prompt_re(b"cpe-2.lab#") == A.exchange_prompt_re("cpe-2.lab(config)#")


def test_nothing_to_change_on_a_fresh_router_staged_or_not():
    plan, secrets = H.lab_plan()
    for tunnels in ([], ["lab-A"], ["lab-B"]):
        result = M.run_merged(params(plan, secrets, tunnels=tunnels), H.FakeConn(H.BASE), check_mode=True)
        assert result["changed"] is True and result["nothing_to_change"] is False, tunnels


def test_nothing_to_change_once_the_whole_plan_is_on_the_router_in_every_stage():
    plan, secrets = H.lab_plan()
    conn = H.FakeConn(H.BASE)
    assert M.run_merged(params(plan, secrets), conn, check_mode=False)["changed"] is True
    for tunnels in ([], ["lab-A"], ["lab-B"]):
        n = len(conn.sent)
        result = M.run_merged(params(plan, secrets, tunnels=tunnels), conn, check_mode=False)
        assert result["changed"] is False and result["commands"] == [], tunnels
        assert result["nothing_to_change"] is True and len(conn.sent) == n, tunnels


def test_a_stage_with_nothing_of_its_own_to_type_still_sees_the_other_tunnel():
    plan, secrets = H.lab_plan()
    conn = H.FakeConn(H.BASE)
    # only tunnel 1 (and the shared objects) deployed: stage 1 types nothing, but tunnel 2 is missing
    assert M.run_merged(params(plan, secrets, tunnels=["lab-A"]), conn, check_mode=False)["changed"] is True
    again = M.run_merged(params(plan, secrets, tunnels=["lab-A"]), conn, check_mode=False)
    assert again["commands"] == [] and again["nothing_to_change"] is False
    assert again["absent_tunnels"] == ["lab-B"]


def test_drift_on_tunnel_2_is_something_to_change_for_stage_1():
    plan, secrets = H.lab_plan()
    converged = (FIX / "lab_converged_type7.cfg").read_text()
    assert M.run_merged(params(plan, secrets, tunnels=["lab-A"]), H.FakeConn(converged), check_mode=True)[
        "nothing_to_change"] is True
    drifted = converged.replace(" ip address 100.64.0.5 255.255.255.252\n ip mtu 1400\n",
                                " ip address 100.64.0.5 255.255.255.252\n ip mtu 1300\n", 1)
    assert drifted != converged
    stage1 = M.run_merged(params(plan, secrets, tunnels=["lab-A"]), H.FakeConn(drifted), check_mode=True)
    assert stage1["commands"] == [] and stage1["nothing_to_change"] is False
    stage2 = M.run_merged(params(plan, secrets, tunnels=["lab-B"]), H.FakeConn(drifted), check_mode=True)
    assert "ip mtu 1400" in stage2["commands"] and stage2["nothing_to_change"] is False


def test_forced_secrets_and_errors_are_never_nothing_to_change():
    plan, secrets = H.lab_plan()
    converged = (FIX / "lab_converged_type7.cfg").read_text()
    forced = M.run_merged(params(plan, secrets, tunnels=["lab-A"], update_secrets=True), H.FakeConn(converged),
                          check_mode=True)
    assert forced["commands"] and forced["nothing_to_change"] is False
    start = H.BASE.replace(" ip address 192.0.2.2 255.255.255.252\n", " ip address 192.0.2.2 255.255.255.252\n crypto map CORP\n")
    refused = M.run_merged(params(plan, secrets), H.FakeConn(start), check_mode=True)
    assert refused["failed"] is True and refused["nothing_to_change"] is False


def test_a_stale_object_is_something_to_change_only_when_prune_would_remove_it():
    plan, secrets = H.lab_plan()
    running = (FIX / "lab_converged_type7.cfg").read_text().replace("end\n", "") + (
        "ip prefix-list VC-IN-OLD-A description webex_di.virtual_connect:old-A\n"
        "ip prefix-list VC-IN-OLD-A seq 5 permit 203.0.99.0/24\nend\n")
    reported = M.run_merged(params(plan, secrets, tunnels=["lab-A"]), H.FakeConn(running), check_mode=True)
    assert reported["stale"] == ["ip prefix-list VC-IN-OLD-A"] and reported["nothing_to_change"] is True
    pruned = M.run_merged(params(plan, secrets, tunnels=["lab-A"], prune=True), H.FakeConn(running), check_mode=True)
    assert pruned["commands"] == ["no ip prefix-list VC-IN-OLD-A"] and pruned["nothing_to_change"] is False
