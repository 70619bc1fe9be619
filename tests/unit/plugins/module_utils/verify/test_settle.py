"""verify/settle.py: waiting after a change, and the early stop at a fresh definitive cause (fail fast)."""
from __future__ import annotations

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.settle import DEFINITIVE, definitive, waiting

from .helpers import lab_plan, state_with, tunnel_a_down_below
from .test_faults import _remove_ike_a

PLAN = lab_plan()
TUNNELS = [t for r in PLAN["regions"] for t in r["tunnels"]]


def ev(name, peer="198.51.100.2", age_s=5, **kw):
    def mutate(s):
        e = dict({"event": name, "peer": peer, "message": "test"}, **kw)
        if age_s is not None:
            e["age_s"] = age_s
        s.setdefault("log_events", []).append(e)
    return mutate


DOWN = [_remove_ike_a, tunnel_a_down_below("ike")]


def test_a_healthy_state_is_settled_and_a_broken_one_waits():
    assert waiting(state_with(), TUNNELS, 10) == []
    assert waiting(state_with(*DOWN), TUNNELS, 10)[0].startswith(TUNNELS[0]["key"] + ": IKE SA")


def test_a_fresh_definitive_event_stops_the_wait_for_its_tunnel_only():
    for name in DEFINITIVE:
        s = state_with(*DOWN + [ev(name)])
        assert waiting(s, TUNNELS, 10, fresh_s=30) == [], name
        assert definitive(s, TUNNELS[0], 30)["event"] == name
        assert definitive(s, TUNNELS[1], 30) is None          # DC-B's tunnel is not blamed
    s = state_with(*DOWN + [ev("BGP_NOTIFICATION", peer="100.64.0.2", code=2, subcode=2)])
    assert waiting(s, TUNNELS, 10, fresh_s=30) == []


def test_old_retried_or_unaged_events_keep_waiting():
    for mutate in (ev("AUTHENTICATION_FAILED", age_s=120),          # before this wait began: an earlier run's
                   ev("AUTHENTICATION_FAILED", age_s=None),         # no age: cannot tell
                   ev("IKE_TIMEOUT"), ev("RETRANSMIT"),              # retrying may still succeed
                   ev("INVALID_KE_PAYLOAD"),                         # the initiator retries with the requested group
                   ev("BGP_NOTIFICATION", peer="100.64.0.2", code=6, subcode=6),
                   ev("AUTHENTICATION_FAILED", peer="198.51.100.6")):  # the other tunnel's peer
        s = state_with(*DOWN + [mutate])
        assert waiting(s, TUNNELS, 10, fresh_s=30), mutate
    assert waiting(state_with(*DOWN + [ev("AUTHENTICATION_FAILED")]), TUNNELS, 10)   # no fresh_s: never early


def test_the_verify_message_carries_the_diagnose_cause_evidence_and_fix():
    # deploy_vc.yml's failure message is this msg: the named cause, its evidence and the fix, not only the check
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.entry import check_host, verify_message

    s = state_with(*DOWN + [ev("AUTHENTICATION_FAILED", message="received AUTHENTICATION_FAILED notify error")])
    host, result, diagnosis = check_host({"plan": PLAN, "state": s, "host": "cpe1", "min_ike_uptime_s": 10,
                                          "require_traffic": True}, "vc_verify")
    msg = verify_message(host, result, diagnosis)
    assert "likely cause [ike.auth]" in msg
    assert "Evidence: log: AUTHENTICATION_FAILED from/to 198.51.100.2 (received AUTHENTICATION_FAILED notify error)" in msg
    assert "Fix: Re-enter this tunnel's pre-shared key" in msg


def test_a_withheld_conditional_default_is_still_coming_up_until_it_is_advertised():
    """docs/ha.md section 3: after a restart the CPE's IGP converges and BGP re-evaluates the condition; the deploy's
    gate waits for the default instead of failing the stage (lab: OSPF's wait timer, ~40 s)."""
    s = state_with()
    assert waiting(s, TUNNELS, 10) == []
    s["redistribution"] = {"default_condition": {"prefixes": ["10.10.20.0/24"], "routed": [], "routes": []}}
    for nbr in s["bgp_neighbors"]:
        nbr["advertised"] = ["0.0.0.0/0"]
    assert waiting(s, TUNNELS, 10) == []        # the default advertised on both tunnels: settled
    for nbr in s["bgp_neighbors"]:
        nbr["advertised"] = [p for p in nbr.get("advertised") or [] if p != "0.0.0.0/0"]
    got = waiting(s, TUNNELS, 10)
    assert got == ["%s: the conditional default (10.10.20.0/24 routed: none)" % t["key"] for t in TUNNELS]
    for nbr in s["bgp_neighbors"]:
        nbr["advertised"] = None                # not known: nothing to wait for
    assert waiting(s, TUNNELS, 10) == []
