"""Diagnose with evidence against the IOS-XE TEST DOUBLE, fast (no ansible-playbook): the gather commands,
including the optional evidence commands (running-config filters, `show logging`, ping to the DI IPsec IP),
answered by the double -> build_ios_state -> diagnose_host. A fault injected on the double's Cisco side,
or drift typed into its configuration, must be named by the evidence-backed cause of the guide.
The ansible-playbook version of two of these is test_ios_e2e.py::test_diagnose_names_the_cause.
"""
from __future__ import annotations

import json
import re

import pytest

from test_double_contract import Rig  # noqa: I100  (sibling test module: the deployed-double harness)

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.diagnose import diagnose_host


def gather(rig: Rig) -> dict:
    state = rig.gather()
    assert state["gather_errors"] == [], state["gather_errors"]  # the double answers every evidence command
    return state


def causes(rig: Rig) -> dict:
    state = gather(rig)
    diag = diagnose_host(rig.plan, state, rig.host)
    return {t["key"]: (t["cause_id"], t["evidence"]) for t in diag["tunnels"] if not t["ok"]}


@pytest.fixture()
def rig():
    return Rig.deployed("lab", "cpe1")


def test_healthy_double_gives_evidence_and_no_fault(rig):
    state = gather(rig)
    assert causes(rig) == {}
    assert state["config"]["lab-A"]["ike"]["encryption"] == ["aes-gcm-256"]
    assert {p["destination"]: p["ok"] for p in state["probes"]} == {
        "100.64.0.2": True, "100.64.0.6": True, "198.51.100.2": True, "198.51.100.6": True}
    assert state["log_events"] == []
    text = json.dumps(state)
    for region in rig.regions:
        for t in region["tunnels"]:
            assert t["psk"] not in text and t["bgp_password"] not in text


@pytest.mark.parametrize("fault,cause,evidence", [
    ({"psk": "not-the-cisco-psk"}, "ike.auth", "log: AUTHENTICATION_FAILED from/to 198.51.100.6"),
    ({"cisco_down": True}, "ike.no_reachability", "ping 192.0.2.2 -> 198.51.100.6 failed"),
    ({"withdraw": ["203.0.113.128/25"]}, "routes.missing_dc_prefix", "missing 203.0.113.128/25"),
])
def test_cisco_side_fault_is_named_with_its_evidence(rig, fault, cause, evidence):
    rig.router.fault_overrides = {"tunnels": {"B": fault}}
    got = causes(rig)
    assert list(got) == ["lab-B"], got
    assert got["lab-B"][0] == cause, got
    assert any(e.startswith(evidence) for e in got["lab-B"][1]), got


@pytest.mark.parametrize("drift,key,cause,evidence", [
    (["crypto ikev2 proposal VC-PROP-GCM256-PRFSHA384-G20", "no group 20", "group 14"], "lab-A", "ike.dh_group",
     "configured IKE DH group [14], planned 20"),
    (["ip access-list extended VC-GRE-LAB-A", "no 10", "10 permit ip host 192.0.2.2 host 198.51.100.65"], "lab-A",
     "ipsec.acl_not_gre", "crypto ACL protocol ip"),
    (["crypto ipsec transform-set VC-TS-GCM256 esp-aes esp-sha-hmac"], "lab-A", "ipsec.encryption",
     "configured ESP encryption ['aes-cbc-128'], planned aes-gcm-256"),
    (["router bgp 64551", "no neighbor 100.64.0.6 local-as"], "lab-B", "bgp.local_as",
     "log: BGP_BAD_PEER_AS from/to 100.64.0.6 (%BGP-3-NOTIFICATION: received from neighbor 100.64.0.6"),
    (["router bgp 64551", "neighbor 100.64.0.6 remote-as 64999"], "lab-B", "bgp.remote_as", "configured remote-as 64999"),
    (["router bgp 64551", "neighbor 100.64.0.6 password not-the-cisco-one"], "lab-B", "bgp.auth",
     "log: BGP_AUTH_FAILED from/to 100.64.0.6 (%TCP-6-BADAUTH: Invalid MD5 digest from 100.64.0.6"),
])
def test_config_drift_is_named_with_its_evidence(rig, drift, key, cause, evidence):
    assert rig.type(drift) == []
    got = causes(rig)
    assert key in got and got[key][0] == cause, got
    unstamped = [re.sub(r"\(\w{3} [ \d]\d \d\d:\d\d:\d\d\.\d{3}: ", "(", e) for e in got[key][1]]  # log time stamps
    assert any(e.startswith(evidence) for e in unstamped), got


def test_without_evidence_a_psk_mismatch_is_not_named(rig):
    """The evidence is what makes the difference: without the log, a PSK mismatch (no IKE SA) looks like
    GRE traffic never triggering IKE at all."""
    rig.router.fault_overrides = {"tunnels": {"B": {"psk": "not-the-cisco-psk"}}}
    state = gather(rig)
    for key in ("config", "probes", "log_events"):
        state.pop(key)
    diag = diagnose_host(rig.plan, state, rig.host)
    assert [t["cause_id"] for t in diag["tunnels"] if not t["ok"]] == ["ike.no_trigger"]
