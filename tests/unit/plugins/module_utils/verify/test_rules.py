"""Every diagnose cause rule: one state that triggers it and one that does not (another rule wins)."""
from __future__ import annotations

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify import RULE_IDS, diagnose_host

from .helpers import A, B, child, gre, ike, lab_plan, nbr, state_with, tunnel_a_down_below
from .test_faults import (
    _adv_more, _adv_none, _bgp_active, _child_missing, _extra, _extra_other_dc, _flapping, _gre_down,
    _local_as_b, _missing_24, _missing_25, _no_inbound, _no_outbound, _proto_ip, _remote_as, _remove_ike_a,
    _transport, _wrong_tunnel, _young,
)

PLANS = {}


def plan_for(name):
    if name == "split":
        from .test_split import PLAN as SPLIT_PLAN
        return SPLIT_PLAN
    if name.startswith("ha-"):
        from .test_ha import PLANS as HA_PLANS
        return HA_PLANS[name[3:]]
    if name not in PLANS:
        PLANS[name] = lab_plan(options={"crypto": {"suite": "cbc256-sha256"}}) if name == "cbc" else lab_plan()
    return PLANS[name]


# ---- evidence builders ---------------------------------------------------------------------------

def cfg(section, key=A, **values):
    def mutate(s):
        s.setdefault("config", {}).setdefault(key, {}).setdefault(section, {}).update(values)
    return mutate


def event(name, peer="198.51.100.2", **extra):
    def mutate(s):
        s.setdefault("log_events", []).append(dict({"event": name, "peer": peer, "message": "test"}, **extra))
    return mutate


def probe(destination, ok, source=None):
    def mutate(s):
        s.setdefault("probes", []).append({"type": "ping", "source": source, "destination": destination, "ok": ok})
    return mutate


def udp_probe(destination, result, source="192.0.2.2"):
    def mutate(s):
        s.setdefault("probes", []).append({"type": "udp", "source": source, "destination": destination, "port": 500,
                                           "ok": None if result == "no answer" else result == "answered",
                                           "refused": result == "refused", "result": result})
    return mutate


def df_probe(destination, ok, size=1372, **extra):
    def mutate(s):
        s.setdefault("probes", []).append(dict({"type": "ping", "source": "100.64.0.1", "destination": destination,
                                                "ok": ok, "sent": 2, "received": 2 if ok else 0, "size": size,
                                                "df": True}, **extra))
    return mutate


def counters(out_delta, in_delta, remote="198.51.100.2", remote_ts="198.51.100.65/32[gre]"):
    def mutate(s):
        s.setdefault("ipsec_counters", []).append({"remote": remote, "remote_ts": remote_ts, "local_ts": "192.0.2.2/32[gre]",
                                                   "pkts_out_delta": out_delta, "pkts_in_delta": in_delta, "probe": "test"})
    return mutate


def _updater(select):
    """A builder of state mutators that update the object ``select(state)`` picks (tunnel A's)."""
    def build(**values):
        def mutate(s):
            select(s).update(values)
        return mutate
    return build


sa_a, child_a, gre_a, nbr_a = (_updater(select) for select in (ike, child, gre, nbr))


IKE_GONE = [_remove_ike_a, tunnel_a_down_below("ike")]
IKE_CONNECTING = [sa_a(state="connecting", uptime_s=None), tunnel_a_down_below("ike")]
CHILD_GONE = [_child_missing, tunnel_a_down_below("ipsec")]
GRE_DOWN = [_gre_down, tunnel_a_down_below("gre")]
BGP_DOWN = [_bgp_active]


def _drop_gre_a(s):
    s["tunnels"] = s["tunnels"][1:]


def _drop_nbr_a(s):
    s["bgp_neighbors"] = s["bgp_neighbors"][1:]
    s["routes"] = [r for r in s["routes"] if r["interface"] != "Tunnel101"]


def _swapped(s):
    nbr(s)["received"] = ["198.18.10.0/24", "198.18.10.128/25", "203.0.113.0/24", "203.0.113.128/25"]
    s["routes"] = [r for r in s["routes"] if r["interface"] != "Tunnel101"]


def _not_in_rib(s):
    s["routes"] = [r for r in s["routes"] if r["prefix"] != "203.0.113.0/25"]


# rule, plan, tunnel, state that triggers it, state that does not, the cause of that other state
CASES = [
    # IKEv2 phase 1
    ("ike.version", "lab", A, [sa_a(version=1), tunnel_a_down_below("ike")],
     [sa_a(state="down"), tunnel_a_down_below("ike")], "ike.down"),
    ("ike.version", "lab", A, IKE_GONE + [cfg("ike", version=1)], IKE_GONE + [cfg("ike", version=2)], "ike.no_trigger"),
    ("ike.unsupported", "lab", A, IKE_GONE + [event("DH_GROUP_UNSUPPORTED", direction="local", phase="ike", group="ECP_384")],
     IKE_GONE, "ike.no_trigger"),
    ("ike.peer_down", "lab", A, IKE_CONNECTING + [probe("198.51.100.2", True), udp_probe("198.51.100.2", "refused")],
     IKE_CONNECTING + [probe("198.51.100.2", True), udp_probe("198.51.100.2", "no answer")], "ike.firewall"),
    ("ike.peer_down", "lab", A, IKE_GONE + [event("RETRANSMIT"), udp_probe("198.51.100.2", "refused")],
     IKE_GONE + [event("RETRANSMIT"), udp_probe("198.51.100.2", "refused"), probe("198.51.100.2", False)],
     "ike.no_reachability"),
    ("ike.crypto_acl_not_gre", "lab", A, IKE_GONE + [cfg("crypto_acl", protocol="ip")],
     IKE_GONE + [cfg("crypto_acl", protocol="gre")], "ike.no_trigger"),
    ("ike.crypto_acl_addresses", "lab", A, IKE_GONE + [cfg("crypto_acl", protocol=47, source="192.0.2.99",
                                                           destination="198.51.100.65")],
     IKE_GONE + [cfg("crypto_acl", protocol=47, source="192.0.2.2", destination="198.51.100.65")], "ike.no_trigger"),
    ("ike.no_reachability", "lab", A, IKE_GONE + [probe("198.51.100.2", False)],
     IKE_GONE + [probe("198.51.100.2", True)], "ike.no_trigger"),
    ("ike.integrity_gcm", "lab", A, IKE_GONE + [cfg("ike", encryption=["aes-gcm-256"], integrity=["sha384"])],
     IKE_GONE + [cfg("ike", encryption=["aes-gcm-256"], integrity=[])], "ike.no_trigger"),
    ("ike.encryption", "lab", A, IKE_GONE + [cfg("ike", encryption=["aes-cbc-256"])],
     IKE_GONE + [cfg("ike", encryption=["aes256gcm16"])], "ike.no_trigger"),
    ("ike.integrity", "cbc", A, IKE_GONE + [cfg("ike", encryption=["aes-cbc-256"], integrity=["sha1"])],
     IKE_GONE + [cfg("ike", encryption=["aes256"], integrity=["sha2_256"])], "ike.no_trigger"),
    ("ike.prf", "lab", A, IKE_GONE + [cfg("ike", prf=["sha256"])], IKE_GONE + [cfg("ike", prf=["prfsha384"])],
     "ike.no_trigger"),
    ("ike.dh_group", "lab", A, IKE_GONE + [cfg("ike", dh_group=[14])], IKE_GONE + [cfg("ike", dh_group=["ecp384"])],
     "ike.no_trigger"),
    ("ike.dh_group", "lab", A, IKE_CONNECTING + [event("INVALID_KE")],
     IKE_CONNECTING + [event("INVALID_KE", peer="198.51.100.6")], "ike.firewall"),
    ("ike.dh_group", "lab", A, IKE_GONE + [event("NO_PROPOSAL_CHOSEN", phase="ike", direction="sent", mismatch=["dh_group"])],
     IKE_GONE + [event("NO_PROPOSAL_CHOSEN", phase="ike", direction="sent", mismatch=["encryption", "prf"])], "ike.proposal"),
    ("ike.encryption", "lab", A, IKE_GONE + [event("NO_PROPOSAL_CHOSEN", phase="ike", mismatch=["encryption"])],
     IKE_GONE + [event("NO_PROPOSAL_CHOSEN", phase="ike", mismatch=["encryption", "dh_group"])], "ike.proposal"),
    ("ike.prf", "lab", A, IKE_GONE + [event("NO_PROPOSAL_CHOSEN", phase="ike", mismatch=["prf"])],
     IKE_GONE + [event("NO_PROPOSAL_CHOSEN", phase="ike", mismatch=[])], "ike.proposal"),
    ("ike.lifetime", "lab", A, IKE_GONE + [cfg("ike", lifetime_s=3600)], IKE_GONE + [cfg("ike", lifetime_s=86400)],
     "ike.no_trigger"),
    ("ike.auth", "lab", A, IKE_CONNECTING + [event("AUTHENTICATION_FAILED")], IKE_CONNECTING, "ike.firewall"),
    # the peer answers IKEv2 while pings are filtered: not a reachability problem
    ("ike.auth", "lab", A, IKE_GONE + [probe("198.51.100.2", False), event("AUTHENTICATION_FAILED", direction="received")],
     IKE_GONE + [probe("198.51.100.2", False)], "ike.no_reachability"),
    ("ike.proposal", "lab", A, IKE_GONE + [event("NO_PROPOSAL_CHOSEN", phase="ike")],
     IKE_GONE + [event("NO_PROPOSAL_CHOSEN", phase="ipsec")], "ike.down"),
    ("ike.not_initiator", "lab", A, IKE_GONE + [cfg("ike", initiate=False)], IKE_GONE + [cfg("ike", initiate=True)],
     "ike.no_trigger"),
    ("ike.firewall", "lab", A, IKE_CONNECTING, IKE_CONNECTING + [probe("198.51.100.2", False)], "ike.no_reachability"),
    ("ike.firewall", "lab", A, IKE_GONE + [event("IKE_TIMEOUT")], IKE_GONE, "ike.no_trigger"),
    ("ike.no_trigger", "lab", A, IKE_GONE, IKE_GONE + [event("RETRANSMIT")], "ike.firewall"),
    ("ike.down", "lab", A, [sa_a(state="down"), tunnel_a_down_below("ike")], IKE_CONNECTING, "ike.firewall"),
    ("ike.flapping", "lab", A, [_flapping, tunnel_a_down_below("ike")], [_young], "ike.young"),
    ("ike.young", "lab", A, [_young], [_young, cfg("ike", lifetime_s=600)], "ike.lifetime"),
    # IPsec phase 2
    ("ipsec.transport_mode", "lab", A, [_transport, tunnel_a_down_below("ipsec")],
     CHILD_GONE + [cfg("esp", mode="tunnel")], "ipsec.down"),
    ("ipsec.transport_mode", "lab", A, CHILD_GONE + [cfg("esp", mode="transport")],
     CHILD_GONE + [cfg("esp", mode="tunnel")], "ipsec.down"),
    ("ipsec.acl_not_gre", "lab", A, [_proto_ip], CHILD_GONE + [cfg("crypto_acl", protocol=47)], "ipsec.down"),
    ("ipsec.acl_not_gre", "lab", A, CHILD_GONE + [cfg("crypto_acl", protocol="ip")],
     CHILD_GONE + [cfg("crypto_acl", protocol="gre")], "ipsec.down"),
    ("ipsec.selectors", "lab", A, [child_a(remote_ts="198.51.100.99/32"), tunnel_a_down_below("ipsec")],
     CHILD_GONE + [cfg("crypto_acl", source="192.0.2.2", destination="198.51.100.65")], "ipsec.down"),
    ("ipsec.integrity_gcm", "lab", A, CHILD_GONE + [cfg("esp", encryption=["esp-gcm 256"], integrity=["sha256"])],
     CHILD_GONE + [cfg("esp", encryption=["esp-gcm 256"], integrity=[])], "ipsec.down"),
    ("ipsec.encryption", "lab", A, CHILD_GONE + [cfg("esp", encryption=["aes-cbc-256"])],
     CHILD_GONE + [cfg("esp", encryption=["esp-gcm 256"])], "ipsec.down"),
    ("ipsec.integrity", "cbc", A, CHILD_GONE + [cfg("esp", encryption=["aes-cbc-256"], integrity=["sha1"])],
     CHILD_GONE + [cfg("esp", encryption=["esp-256-aes"], integrity=["esp-sha256-hmac"])], "ipsec.down"),
    ("ipsec.pfs", "lab", A, CHILD_GONE + [cfg("esp", pfs_group="none")], CHILD_GONE + [cfg("esp", pfs_group="group20")],
     "ipsec.down"),
    ("ipsec.pfs", "lab", A, CHILD_GONE + [event("INVALID_KE_PAYLOAD", phase="ipsec")],
     CHILD_GONE + [event("INVALID_KE_PAYLOAD", phase="ike")], "ipsec.down"),
    ("ipsec.lifetime", "lab", A, CHILD_GONE + [cfg("esp", lifetime_s=28800)], CHILD_GONE + [cfg("esp", lifetime_s=3600)],
     "ipsec.down"),
    ("ipsec.ts_unacceptable", "lab", A, CHILD_GONE + [event("TS_UNACCEPTABLE")],
     CHILD_GONE + [event("AUTHENTICATION_FAILED")], "ipsec.down"),
    ("ipsec.proposal", "lab", A, CHILD_GONE + [event("NO_PROPOSAL_CHOSEN")],
     CHILD_GONE + [event("NO_PROPOSAL_CHOSEN", phase="ike")], "ipsec.down"),
    ("ipsec.no_outbound", "lab", A, [_no_outbound, tunnel_a_down_below("ipsec")],
     [_no_inbound, tunnel_a_down_below("ipsec")], "ipsec.no_inbound"),
    ("ipsec.no_inbound", "lab", A, [_no_inbound, tunnel_a_down_below("ipsec")],
     [_no_outbound, tunnel_a_down_below("ipsec")], "ipsec.no_outbound"),
    ("ipsec.no_inbound", "lab", A, GRE_DOWN + [counters(3, 0)], GRE_DOWN + [counters(3, 3)], "gre.firewall"),
    ("ipsec.no_inbound", "lab", A, GRE_DOWN + [counters(3, 0), counters(0, 0)],
     GRE_DOWN + [counters(3, 0), counters(0, 2)], "gre.firewall"),   # two CHILD SAs: the answer came on the other
    ("ipsec.pfs", "lab", A, CHILD_GONE + [event("NO_PROPOSAL_CHOSEN", phase="ipsec", mismatch=["dh_group"])],
     CHILD_GONE + [event("NO_PROPOSAL_CHOSEN", phase="ipsec", mismatch=["encryption", "dh_group"])], "ipsec.proposal"),
    ("ipsec.down", "lab", A, CHILD_GONE, CHILD_GONE + [event("TS_UNACCEPTABLE")], "ipsec.ts_unacceptable"),
    # GRE tunnel
    ("gre.missing", "lab", A, [_drop_gre_a, tunnel_a_down_below("gre")],
     [gre_a(admin_up=False), _gre_down, tunnel_a_down_below("gre")], "gre.admin_down"),
    ("gre.admin_down", "lab", A, [gre_a(admin_up=False), _gre_down, tunnel_a_down_below("gre")],
     [_drop_gre_a, tunnel_a_down_below("gre")], "gre.missing"),
    ("gre.vrf", "lab", A, GRE_DOWN + [cfg("gre", tunnel_vrf="INET", source_vrf=None)],
     GRE_DOWN + [cfg("gre", tunnel_vrf="INET", source_vrf="INET")], "gre.firewall"),
    ("gre.endpoints", "lab", A, [gre_a(destination="198.51.100.99"), _gre_down, tunnel_a_down_below("gre")],
     GRE_DOWN, "gre.firewall"),
    ("gre.address", "lab", A, [gre_a(address="100.64.0.1/29", ping_ok=False), tunnel_a_down_below("gre")],
     GRE_DOWN, "gre.firewall"),
    ("gre.keepalive", "lab", A, [gre_a(keepalive=False)], GRE_DOWN, "gre.firewall"),
    ("gre.keepalive", "lab", A, [gre_a(keepalive={"enabled": False, "interval_s": None, "retries": None})],
     [gre_a(keepalive={"enabled": True, "interval_s": 10, "retries": 3}), _gre_down, tunnel_a_down_below("gre")],
     "gre.firewall"),
    ("gre.keepalive", "lab", A, [gre_a(keepalive={"interval_s": 5, "retries": 3})], GRE_DOWN, "gre.firewall"),
    ("gre.path_mtu", "lab", A, [df_probe("100.64.0.2", False)], GRE_DOWN + [df_probe("100.64.0.2", False)], "gre.firewall"),
    ("gre.firewall", "lab", A, GRE_DOWN, GRE_DOWN + [child_a(pkts_in=None, pkts_out=None)], "gre.down"),
    ("gre.down", "lab", A, GRE_DOWN + [child_a(pkts_in=None, pkts_out=None)], GRE_DOWN, "gre.firewall"),
    # BGP session
    ("bgp.neighbor_ip", "lab", A, [nbr_a(neighbor="100.64.0.3"), _bgp_active], [_drop_nbr_a], "bgp.not_configured"),
    ("bgp.neighbor_ip", "lab", A, BGP_DOWN + [event("BGP_NOTIFICATION", peer="100.64.0.2", direction="received", code=6, subcode=3)],
     BGP_DOWN + [event("BGP_NOTIFICATION", peer="100.64.0.2", direction="received", code=6, subcode=6)], "bgp.firewall"),
    ("bgp.not_configured", "lab", A, [_drop_nbr_a], [nbr_a(neighbor="100.64.0.3"), _bgp_active], "bgp.neighbor_ip"),
    ("bgp.remote_as", "lab", A, [_remote_as, _bgp_active], BGP_DOWN, "bgp.firewall"),
    ("bgp.remote_as", "lab", A, BGP_DOWN + [event("BGP_BAD_PEER_AS", peer="100.64.0.2", direction="sent")],
     BGP_DOWN + [event("BGP_BAD_PEER_AS", peer="100.64.0.2", direction="received")], "bgp.local_as"),
    ("bgp.local_as", "lab", B, [_local_as_b, nbr_a(), lambda s: nbr(s, 1).update(state="Idle")],
     [lambda s: nbr(s, 1).update(state="Idle")], "bgp.firewall"),
    ("bgp.remote_as", "lab", A, BGP_DOWN + [cfg("bgp", remote_as=64999)], BGP_DOWN + [cfg("bgp", remote_as=64552)],
     "bgp.firewall"),
    ("bgp.local_as", "lab", A, BGP_DOWN + [cfg("bgp", local_as=64561)], BGP_DOWN + [cfg("bgp", local_as=64551)],
     "bgp.firewall"),
    ("bgp.local_as", "lab", A, BGP_DOWN + [event("BAD_PEER_AS", peer="100.64.0.2")],
     BGP_DOWN + [event("BAD_PEER_AS", peer="100.64.0.6")], "bgp.firewall"),
    ("bgp.auth", "lab", A, BGP_DOWN + [event("BGP_AUTH_FAILED", peer="100.64.0.2")],
     BGP_DOWN + [event("BGP_AUTH_FAILED", peer="100.64.0.6")], "bgp.firewall"),
    ("bgp.firewall", "lab", A, BGP_DOWN, BGP_DOWN + [gre_a(ping_ok=None)], "bgp.down"),
    ("bgp.down", "lab", A, BGP_DOWN + [gre_a(ping_ok=None)], BGP_DOWN, "bgp.firewall"),
    # the session came up before the timers changed (hold time negotiated in the OPEN), or a side runs hold time 0
    ("bgp.timers_not_in_effect", "lab", A, [nbr_a(hold_time_s=90)], [nbr_a(hold_time_s=9), _missing_25],
     "routes.missing_dc_prefix"),
    ("bgp.timers_not_in_effect", "lab", A, [nbr_a(hold_time_s=0)], [nbr_a(hold_time_s=None), _missing_25],
     "routes.missing_dc_prefix"),
    # BGP route exchange
    ("routes.swapped", "lab", A, [_swapped], [_missing_25], "routes.missing_dc_prefix"),
    ("routes.missing_dc_prefix", "lab", A, [_missing_25], [_missing_24], "routes.missing_backup"),
    ("routes.missing_backup", "lab", A, [_missing_24], [_missing_25], "routes.missing_dc_prefix"),
    ("routes.other_dc_prefix", "lab", A, [_extra_other_dc], [_extra], "routes.extra"),
    ("routes.extra", "lab", A, [_extra], [_extra_other_dc], "routes.other_dc_prefix"),
    ("routes.default_not_advertised", "lab", A, [_adv_none], [_adv_more], "routes.more_specific"),
    ("routes.more_specific", "lab", A, [_adv_more], [_adv_none], "routes.default_not_advertised"),
    ("routes.wrong_tunnel", "lab", A, [_wrong_tunnel], [_not_in_rib], "routes.not_installed"),
    ("routes.not_installed", "lab", A, [_not_in_rib], [_wrong_tunnel], "routes.wrong_tunnel"),
    ("routes.mismatch", "lab", A, [nbr_a(received=None, prefixes_received=3)], [_missing_25],
     "routes.missing_dc_prefix"),
]


from .test_ha import HA_CASES  # noqa: E402  (the redistribution layer's rules, docs/ha.md)

from .test_split import IPSEC_DEVICE_CASES, SPLIT_CASES  # noqa: E402  (split devices, docs/ha.md)

CASES += HA_CASES + SPLIT_CASES
# the IPsec device's rules run on vpn1 (test_split.test_ipsec_device_rules_trigger_and_do_not)
COVERED_ELSEWHERE = [c[0] for c in IPSEC_DEVICE_CASES]


def _causes(plan, state, key):
    t = dict((t["key"], t) for t in diagnose_host(plan, state, "cpe1")["tunnels"])[key]
    return t, [t["cause_id"]] + [o["cause_id"] for o in t["other_causes"]]


@pytest.mark.parametrize("rule,plan,key,trigger,other,other_cause", CASES,
                         ids=["%s-%d" % (c[0], i) for i, c in enumerate(CASES)])
def test_rule_triggers_and_does_not(rule, plan, key, trigger, other, other_cause):
    p = plan_for(plan)
    t, causes = _causes(p, state_with(*trigger), key)
    assert t["cause_id"] == rule, t
    assert t["evidence"], t
    assert "{" not in t["cause"] and "{" not in t["fix"], "unfilled placeholder"
    t2, causes2 = _causes(p, state_with(*other), key)
    assert rule not in causes2, t2
    assert t2["cause_id"] == other_cause, t2


def test_every_rule_has_a_case():
    assert sorted(set(c[0] for c in CASES) | set(COVERED_ELSEWHERE)) == sorted(RULE_IDS)
    assert len(RULE_IDS) == len(set(RULE_IDS))


def test_causes_use_the_plan_values():
    p = plan_for("lab")
    t, _causes_list = _causes(p, state_with(*IKE_GONE, cfg("crypto_acl", protocol="ip")), A)
    assert "permit gre host 192.0.2.2 host 198.51.100.65" in t["cause"]
    t, _causes_list = _causes(p, state_with(_remote_as, _bgp_active), A)
    assert "neighbor 100.64.0.2 remote-as 64552" in t["fix"]
    assert "neighbour 100.64.0.2 remote-as 64999" in t["evidence"]


def test_transport_ip_ping_is_a_note_not_a_fault():
    p = plan_for("lab")
    d = dict((t["key"], t) for t in diagnose_host(
        p, state_with(probe("198.51.100.65", False, source="192.0.2.2")), "cpe1")["tunnels"])
    assert d[A]["ok"] and d[A]["cause_id"] is None
    assert any("transport IP to transport IP" in n for n in d[A]["notes"])
    assert d[B]["notes"] == []
