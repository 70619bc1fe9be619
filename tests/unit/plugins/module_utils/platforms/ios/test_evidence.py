"""Diagnose evidence of an IOS-XE CPE (platforms/ios/evidence.py): running-config text -> config facts,
show logging -> log events, pings -> probes; never a secret; the offline file names of the new commands.

data/running_config_lab.txt is the IOS-XE TEST DOUBLE's `show running-config` of the lab CPE after deploy
(production objects of the base config included), plus an enable secret, an SNMP community and an IKEv1 key.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.assemble import build_ios_state
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.commands import ios_gather_commands
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.saved_outputs import read_saved_outputs
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.commands import (
    LOGGING,
    RUNNING_CRYPTO,
    RUNNING_LINKS,
    evidence_commands,
)
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.evidence import (
    MAX_EVENTS_PER_KIND,
    build_evidence,
    config_facts,
    log_events_from_text,
    probes_from_pings,
)
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.diagnose import diagnose_host

from .helpers import OFFLINE

RUNNING = (Path(__file__).parent / "data" / "running_config_lab.txt").read_text()
SECRETS = re.findall(r"(?:pre-shared-key|neighbor \S+ password|secret|snmp-server community|isakmp key) (?:[0-9] )?(\S+)",
                     RUNNING)


def _replace_block(text: str, header: str, body: list[str]) -> str:
    """The running config with the block under `header` replaced (header kept when body[0] is None)."""
    lines = text.splitlines()
    i = lines.index(header)
    j = i + 1
    while j < len(lines) and lines[j].startswith(" "):
        j += 1
    return "\n".join(lines[:i] + body + lines[j:])


# ------------------------------------------------------------------------------------------ config
def test_full_running_config_gives_the_planned_facts(plan):
    facts = config_facts([RUNNING], plan, "cpe1")
    assert sorted(facts) == ["lab-A", "lab-B"]
    a, b = facts["lab-A"], facts["lab-B"]
    assert a["ike"] == {"version": 2, "initiate": True, "encryption": ["aes-gcm-256"], "integrity": [], "prf": ["sha384"],
                        "dh_group": [20], "profile": "VC-LAB-A", "lifetime_s": 86400, "psk_set": True,
                        "crypto_map": "VC-CMAP 101"}
    assert a["esp"] == {"encryption": ["aes-gcm-256"], "integrity": [], "mode": "tunnel", "pfs_group": 20,
                        "lifetime_s": 3600}
    assert a["crypto_acl"] == {"name": "VC-GRE-LAB-A", "protocol": "gre", "source": "192.0.2.2",
                               "destination": "198.51.100.65", "entries": 1}
    assert a["gre"] == {"name": "Tunnel101", "source": "192.0.2.2", "destination": "198.51.100.65",
                        "address": "100.64.0.1/30", "tunnel_vrf": None, "source_interface": "GigabitEthernet1",
                        "source_vrf": None}
    assert a["bgp"] == {"router_as": 64551, "neighbor": "100.64.0.2", "remote_as": 64552, "local_as": 64551,
                        "password_set": True, "peer_group": None}
    # tunnel B: its own crypto map entry, ACL, tunnel and the per-neighbour local-as
    assert (b["ike"]["crypto_map"], b["crypto_acl"]["destination"], b["gre"]["name"]) == (
        "VC-CMAP 102", "198.51.100.66", "Tunnel102")
    assert (b["bgp"]["neighbor"], b["bgp"]["remote_as"], b["bgp"]["local_as"]) == ("100.64.0.6", 64562, 64561)
    # every fact agrees with the plan
    for t in plan["regions"][0]["tunnels"]:
        f = facts[t["key"]]
        assert f["crypto_acl"]["source"] == t["crypto_acl"]["source"]
        assert f["bgp"]["local_as"] == t["bgp"]["local_as"] and f["bgp"]["remote_as"] == t["bgp"]["remote_as"]
        assert f["esp"]["pfs_group"] == t["ipsec"]["esp"]["pfs_group"]


def test_no_secret_ever_enters_the_evidence(plan):
    assert len(SECRETS) >= 7  # 3 PSKs (type 6), 2 BGP passwords (type 7), enable/user secrets, community, IKEv1 key
    state = build_ios_state({"show running-config": RUNNING}, host="cpe1", plan=plan)
    text = json.dumps(state)
    for secret in SECRETS:
        assert secret not in text
    assert "pre-shared-key" not in text and "password 7" not in text


def test_filtered_outputs_give_the_same_facts_without_secret_presence(plan):
    saved = read_saved_outputs(str(OFFLINE / "healthy"), "cpe1", evidence_commands(plan, "cpe1"))
    filtered = config_facts([saved["outputs"][RUNNING_CRYPTO], saved["outputs"][RUNNING_LINKS]], plan, "cpe1")
    full = config_facts([RUNNING], plan, "cpe1")
    for key in full:
        full[key]["ike"]["psk_set"] = None        # the filters never fetch the keyring
        full[key]["bgp"]["password_set"] = None   # nor a neighbour password line
    assert filtered == full
    # the saved filtered outputs hold no secret line at all
    assert not re.search(r"pre-shared-key|password", saved["outputs"][RUNNING_CRYPTO] + saved["outputs"][RUNNING_LINKS])


def test_lost_indentation_gives_the_same_facts(plan):
    flat = "\n".join(line.lstrip() for line in RUNNING.splitlines())
    assert config_facts([flat], plan, "cpe1") == config_facts([RUNNING], plan, "cpe1")


def test_a_section_that_was_not_gathered_stays_out(plan):
    outputs = read_saved_outputs(str(OFFLINE / "healthy"), "cpe1", evidence_commands(plan, "cpe1"))["outputs"]
    crypto_only = config_facts([outputs[RUNNING_CRYPTO]], plan, "cpe1")
    assert sorted(crypto_only["lab-A"]) == ["crypto_acl", "esp", "ike"]
    links_only = config_facts([outputs[RUNNING_LINKS]], plan, "cpe1")
    assert sorted(links_only["lab-A"]) == ["bgp", "gre"]


ENTRY_101 = "crypto map VC-CMAP 101 ipsec-isakmp "
TS_GCM = "crypto ipsec transform-set VC-TS-GCM256 esp-gcm 256 "
ACL_A = "ip access-list extended VC-GRE-LAB-A"
PROP = "crypto ikev2 proposal VC-PROP-GCM256-PRFSHA384-G20"
PROFILE_A = "crypto ikev2 profile VC-LAB-A"


def _entry(*lines):
    return ["crypto map VC-CMAP 101 ipsec-isakmp", " set peer 198.51.100.2"] + [" " + x for x in lines]


@pytest.mark.parametrize("header,body,section,expected", [
    # IKEv1: the crypto map entry has no ikev2-profile
    (ENTRY_101, _entry("set transform-set VC-TS-GCM256", "set pfs group20", "match address VC-GRE-LAB-A"),
     "ike", {"version": 1}),
    # PFS off, PFS without a group (IOS: group 1), SA lifetime on the entry
    (ENTRY_101, _entry("set transform-set VC-TS-GCM256", "set ikev2-profile VC-LAB-A", "match address VC-GRE-LAB-A"),
     "esp", {"pfs_group": "none"}),
    (ENTRY_101, _entry("set transform-set VC-TS-GCM256", "set pfs", "set security-association lifetime seconds 28800",
                       "set ikev2-profile VC-LAB-A", "match address VC-GRE-LAB-A"),
     "esp", {"pfs_group": 1, "lifetime_s": 28800}),
    # transport mode; CBC with integrity while the plan says GCM (integrity of the planned cipher: unknown)
    (TS_GCM, [TS_GCM.strip(), " mode transport"], "esp", {"mode": "transport"}),
    (TS_GCM, ["crypto ipsec transform-set VC-TS-GCM256 esp-aes 256 esp-sha256-hmac", " mode tunnel"],
     "esp", {"encryption": ["aes-cbc-256"], "integrity": None}),
    # crypto ACL widened to IP, or to subnets
    (ACL_A, [ACL_A, " 10 permit ip any any"], "crypto_acl", {"protocol": "ip", "source": "any", "destination": "any"}),
    (ACL_A, [ACL_A, " 10 deny   tcp any any eq 22", " 20 permit gre 192.0.2.0 0.0.0.255 198.51.100.64 0.0.0.63"],
     "crypto_acl", {"protocol": "gre", "source": "192.0.2.0/24", "destination": "198.51.100.64/26", "entries": 2}),
    # IKEv2 proposal: GCM's NULL integrity, DH lists; a CBC-only proposal; lifetime on the profile
    (PROP, [PROP, " encryption aes-gcm-256", " prf sha384", " group 19 20"], "ike", {"dh_group": [19, 20], "integrity": []}),
    (PROP, [PROP, " encryption aes-cbc-256", " integrity sha256", " group 14"],
     "ike", {"encryption": ["aes-cbc-256"], "integrity": None, "prf": ["sha256"], "dh_group": [14]}),
    (PROFILE_A, [PROFILE_A, " match identity remote address 198.51.100.2 255.255.255.255", " keyring local VC-KEYRING",
                 " lifetime 28800"], "ike", {"lifetime_s": 28800, "psk_set": True}),
])
def test_config_variants(plan, header, body, section, expected):
    facts = config_facts([_replace_block(RUNNING, header, body)], plan, "cpe1")["lab-A"][section]
    assert {k: facts.get(k) for k in expected} == expected


def test_a_second_cbc_proposal_does_not_hide_the_null_integrity_of_gcm(plan):
    text = RUNNING.replace("\n proposal VC-PROP-GCM256-PRFSHA384-G20\n",
                           "\n proposal VC-PROP-GCM256-PRFSHA384-G20 CUST-PROP\n")
    ike = config_facts([text], plan, "cpe1")["lab-A"]["ike"]
    assert (ike["encryption"], ike["integrity"], ike["prf"], ike["dh_group"]) == (
        ["aes-gcm-256", "aes-cbc-256"], [], ["sha384"], [20])
    # the production policy (match address local 172.31.255.1) never counts for the VC tunnels
    assert "aes-cbc-256" not in config_facts([RUNNING], plan, "cpe1")["lab-A"]["ike"]["encryption"]


def test_gre_source_interface_and_vrfs(plan):
    text = _replace_block(RUNNING, "interface Tunnel101", [
        "interface Tunnel101", " ip address 100.64.0.1 255.255.255.252", " tunnel source Loopback101",
        " tunnel destination 198.51.100.65", " tunnel vrf INET"])
    text = text.replace("interface Loopback0\n", "interface Loopback101\n vrf forwarding WAN\n ip address 192.0.2.2 "
                        "255.255.255.255\n!\ninterface Loopback0\n")
    gre = config_facts([text], plan, "cpe1")["lab-A"]["gre"]
    assert (gre["source"], gre["source_interface"], gre["tunnel_vrf"], gre["source_vrf"]) == (
        "192.0.2.2", "Loopback101", "INET", "WAN")


def test_bgp_peer_group_and_wrong_neighbour(plan):
    text = RUNNING.replace(" neighbor 100.64.0.2 remote-as 64552\n",
                           " neighbor DI peer-group\n neighbor DI remote-as 64999\n neighbor 100.64.0.3 peer-group DI\n")
    text = text.replace("neighbor 100.64.0.2 ", "neighbor 100.64.0.3 ")
    bgp = config_facts([text], plan, "cpe1")["lab-A"]["bgp"]
    assert (bgp["neighbor"], bgp["peer_group"], bgp["remote_as"], bgp["local_as"]) == ("100.64.0.3", "DI", 64999, 64551)


def test_dynamic_crypto_map_only_means_respond_only(plan):
    text = _replace_block(RUNNING, "crypto map VC-CMAP 101 ipsec-isakmp ", [
        "crypto dynamic-map VC-DYN 10", " set peer 198.51.100.2", " set transform-set VC-TS-GCM256",
        " set ikev2-profile VC-LAB-A", "crypto map VC-CMAP 65000 ipsec-isakmp dynamic VC-DYN"])
    facts = config_facts([text], plan, "cpe1")["lab-A"]
    assert facts["ike"]["initiate"] is False and "esp" not in facts


def test_config_drift_names_the_cause_in_diagnose(plan):
    """Evidence alone (the show outputs say IKE is down) lets diagnose name the configured cause."""
    saved = read_saved_outputs(str(OFFLINE / "broken"), "cpe1", ios_gather_commands(plan, "cpe1"))
    outputs = dict(saved["outputs"])
    outputs[RUNNING_CRYPTO] = outputs[RUNNING_CRYPTO].replace(" group 20", " group 14")
    causes = {t["key"]: t["cause_id"] for t in diagnose_host(plan, build_ios_state(outputs, "cpe1", plan), "cpe1")[
        "tunnels"]}
    assert causes["lab-A"] == "ike.dh_group"
    outputs[RUNNING_CRYPTO] = saved["outputs"][RUNNING_CRYPTO].replace(" 10 permit gre host 192.0.2.2 host 198.51.100.65",
                                                                       " 10 permit ip any any")
    causes = {t["key"]: t["cause_id"] for t in diagnose_host(plan, build_ios_state(outputs, "cpe1", plan), "cpe1")[
        "tunnels"]}
    assert causes["lab-A"] == "ike.crypto_acl_not_gre"


# ------------------------------------------------------------------------------------------ logs
# Real IOS / IOS-XE message texts (docs/offline-verify.md "Log events" names the sources).
REAL_BGP = [
    "*Jul  4 13:47:13.106: %BGP-3-NOTIFICATION: sent to neighbor 100.64.0.2 active 2/2 (peer in wrong AS) 2 bytes 0064",
    "*Jul  4 13:47:13.802: %BGP-3-NOTIFICATION: received from neighbor 100.64.0.6 passive 2/2 (peer in wrong AS) 2 bytes FC27",
    "*Jun  3 18:20:36.451 UTC: %BGP-3-NOTIFICATION: sent to neighbor 100.64.0.2 4/0 (hold time expired) 0 bytes",
    "*Jun  3 18:20:20.792 UTC: %TCP-6-BADAUTH: Invalid MD5 digest from 100.64.0.2(179) to 100.64.0.1(17744) tableid - 0",
    "*Mar  1 03:09:07.729: %TCP-6-BADAUTH: No MD5 digest from 100.64.0.6:11003 to 100.64.0.5:179",
]


def test_bgp_messages(plan):
    events = log_events_from_text(["\n".join(REAL_BGP)], plan, "cpe1")
    got = [(e["event"], e["peer"], e.get("direction")) for e in events]
    assert got == [("BGP_BAD_PEER_AS", "100.64.0.2", "sent"), ("BGP_BAD_PEER_AS", "100.64.0.6", "received"),
                   ("BGP_AUTH_FAILED", "100.64.0.2", None), ("BGP_AUTH_FAILED", "100.64.0.6", None)]
    assert events[0]["message"] == REAL_BGP[0].strip()


def test_ikev2_debug_lines_get_their_peer_from_the_session_and_a_phase(plan):
    log = """
Nov 21 10:42:50.614: IKEv2:(SESSION ID = 9,SA ID = 1):Sending Packet [To 198.51.100.2:500/From 192.0.2.2:500/VRF i0:f0]
Nov 21 10:42:50.614: IKEv2 IKE_SA_INIT Exchange REQUEST
Nov 21 10:42:50.700: IKEv2:(SESSION ID = 9,SA ID = 1):Received Packet [From 198.51.100.2:500/To 192.0.2.2:500/VRF i0:f0]
Nov 21 10:42:50.700: IKEv2 IKE_SA_INIT Exchange RESPONSE
Nov 21 10:42:50.701: IKEv2-ERROR:(SESSION ID = 9,SA ID = 1):: Received no proposal chosen notify
Nov 21 10:43:00.100: IKEv2:(SESSION ID = 10,SA ID = 1):Sending Packet [To 198.51.100.6:500/From 192.0.2.2:500/VRF i0:f0]
Nov 21 10:43:00.100: IKEv2 IKE_AUTH Exchange REQUEST
Nov 21 10:43:00.200: IKEv2 IKE_AUTH Exchange RESPONSE
Nov 21 10:43:00.201: IKEv2-ERROR:(SESSION ID = 10,SA ID = 1):: Received no proposal chosen notify
Nov 21 10:43:00.300: IKEv2-ERROR:(SESSION ID = 10,SA ID = 1):: Received TS_UNACCEPTABLE notify
Nov 21 10:44:00.100: IKEv2-ERROR:(SESSION ID = 11,SA ID = 1):: Failed to authenticate the IKE SA
Nov 21 10:44:00.101: IKEv2:(SESSION ID = 12,SA ID = 1):Retransmitting packet
Nov 21 10:44:00.102: IKEv2-ERROR:(SESSION ID = 13,SA ID = 1):Expected Policies: : Failed to find a matching policy
"""
    got = [(e["event"], e["peer"], e.get("phase")) for e in log_events_from_text([log], plan, "cpe1")]
    assert got == [("NO_PROPOSAL_CHOSEN", "198.51.100.2", "ike"), ("NO_PROPOSAL_CHOSEN", "198.51.100.6", "ipsec"),
                   ("TS_UNACCEPTABLE", "198.51.100.6", "ipsec"), ("AUTHENTICATION_FAILED", None, "ike"),
                   ("IKE_TIMEOUT", None, "ike"), ("NO_PROPOSAL_CHOSEN", None, "ipsec")]


def test_foreign_peers_up_lines_secrets_and_the_cap(plan):
    log = "\n".join([
        # a production (non-VC) peer's failure keeps that peer: it is never blamed on a VC tunnel
        "%BGP-3-NOTIFICATION: sent to neighbor 10.255.10.2 active 2/2 (peer in wrong AS) 2 bytes FE4B",
        # resolved since: the session came up afterwards
        "%BGP-3-NOTIFICATION: received from neighbor 100.64.0.6 active 2/2 (peer in wrong AS) 2 bytes FC27",
        "%BGP-5-ADJCHANGE: neighbor 100.64.0.6 Up ",
        # a line that names a secret is never kept, whatever it says
        "IKEv2-ERROR:(SESSION ID = 3,SA ID = 1):: Failed to authenticate the IKE SA, pre-shared-key lab-psk-x",
    ] + ["%%TCP-6-BADAUTH: Invalid MD5 digest from 100.64.0.2(179) to 100.64.0.1(%d) tableid - 0" % p
         for p in range(20000, 20025)])
    events = log_events_from_text([log], plan, "cpe1")
    assert events[0]["peer"] == "10.255.10.2"
    assert not [e for e in events if e["peer"] == "100.64.0.6"]
    assert "lab-psk-x" not in json.dumps(events)
    md5 = [e for e in events if e["event"] == "BGP_AUTH_FAILED"]
    assert len(md5) == MAX_EVENTS_PER_KIND and md5[-1]["message"].endswith("(20024) tableid - 0")  # the latest


# ------------------------------------------------------------------------------------------ probes
PING_OK = ("Type escape sequence to abort.\nSending 3, 100-byte ICMP Echos to 198.51.100.2, timeout is 2 seconds:\n"
           "Packet sent with a source address of 192.0.2.2 \n!!!\nSuccess rate is 100 percent (3/3), round-trip "
           "min/avg/max = 1/2/4 ms")
PING_FAIL = ("Type escape sequence to abort.\nSending 3, 100-byte ICMP Echos to 100.64.0.2, timeout is 2 seconds:\n"
             "...\nSuccess rate is 0 percent (0/3)")


def test_probes(plan):
    probes = probes_from_pings([
        ({"target": "198.51.100.2", "source": "192.0.2.2"}, PING_OK),
        ({"target": "100.64.0.2", "source": "Tunnel101"}, PING_FAIL),          # no 'Packet sent' line
        ({"target": "198.51.100.6", "source": "GigabitEthernet1"}, PING_FAIL),  # the plan's WAN interface
        ({"target": "198.51.100.6", "source": None}, "% Unrecognized host or address"),
    ], plan, "cpe1")
    assert probes == [
        {"type": "ping", "source": "192.0.2.2", "destination": "198.51.100.2", "ok": True},
        {"type": "ping", "source": "100.64.0.1", "destination": "100.64.0.2", "ok": False},
        {"type": "ping", "source": "192.0.2.2", "destination": "198.51.100.6", "ok": False},
        {"type": "ping", "source": None, "destination": "198.51.100.6", "ok": None},
    ]


# ------------------------------------------------------------------------------------------ state + offline
def test_state_keys_only_for_what_was_gathered(plan):
    assert build_evidence([], [], [], plan, "cpe1") == {}
    refused = "show logging\n        ^\n% Invalid input detected at '^' marker.\n"
    assert build_evidence([refused], [refused], [], plan, "cpe1") == {}
    assert build_evidence([], [""], [], plan, "cpe1") == {"log_events": []}   # gathered, nothing matched


def test_offline_healthy_and_broken_evidence(plan):
    for scenario in ("healthy", "broken"):
        saved = read_saved_outputs(str(OFFLINE / scenario), "cpe1", ios_gather_commands(plan, "cpe1"))
        state = build_ios_state(saved["outputs"], host="cpe1", plan=plan)
        assert sorted(state["config"]) == ["lab-A", "lab-B"]
        assert {p["destination"]: p["ok"] for p in state["probes"]} == {
            "100.64.0.2": scenario == "healthy", "100.64.0.6": True, "198.51.100.2": True, "198.51.100.6": True}
        events = [(e["event"], e["peer"]) for e in state["log_events"]]
        if scenario == "healthy":
            assert events == []
        else:  # tunnel 1: IKE_SA_INIT retransmitted to DC-A; the hold-time expiry is no event
            assert events == [("IKE_TIMEOUT", "198.51.100.2")] * 3


def test_evidence_files_are_optional_with_short_names(plan, tmp_path):
    files = {c["command"]: c["file"] for c in evidence_commands(plan, "cpe1")}
    assert files[RUNNING_CRYPTO] == "show_running-config_crypto.txt"
    assert files[RUNNING_LINKS] == "show_running-config_links.txt"
    assert files[LOGGING] == "show_logging.txt"
    assert files["ping 198.51.100.2 source 192.0.2.2 repeat 3"] == "ping_198.51.100.2_source_192.0.2.2_repeat_3.txt"
    assert all(c["optional"] for c in evidence_commands(plan, "cpe1"))
    # a whole 'show running-config' saved once serves both running-config items
    (tmp_path / "cpe1").mkdir()
    (tmp_path / "cpe1" / "show_running-config.txt").write_text(RUNNING)
    saved = read_saved_outputs(str(tmp_path), "cpe1", ios_gather_commands(plan, "cpe1"))
    # (secret fields masked as the file is read: a saved whole configuration holds the router's secrets)
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.secrets import mask_secret_lines
    assert saved["outputs"][RUNNING_CRYPTO] == saved["outputs"][RUNNING_LINKS] == mask_secret_lines(RUNNING)
    assert "$9$fVEnZeAnNAyKv" not in saved["outputs"][RUNNING_CRYPTO]
    assert [m["command"] for m in saved["missing"] if m["command"] in (RUNNING_CRYPTO, RUNNING_LINKS)] == []
    state = build_ios_state(saved["outputs"], host="cpe1", plan=plan)
    assert state["config"] == config_facts([RUNNING], plan, "cpe1")
    assert "probes" not in state and "log_events" not in state
