"""module_utils/drift.py: differences per tunnel from a state and from a platform check result."""
from __future__ import annotations

import copy
import json
from pathlib import Path

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.drift import drift_host, render_junit, stats

FAULTS = Path(__file__).resolve().parents[4] / "fixtures" / "linux" / "faults"
PLAN = json.loads((FAULTS / "plan.json").read_text())
PLAN = PLAN.get("plan", PLAN)
STATE = json.loads((FAULTS / "routes_extra" / "state.json").read_text())


def by_key(result):
    return dict((t["key"], t["differences"]) for t in result["tunnels"])


def test_a_captured_healthy_cpe_has_no_drift():
    out = drift_host(PLAN, "cpe1", STATE)
    assert out["drift"] is False and out["summary"]["total"] == 0
    assert out["lines"] == ["cpe1: no drift: 2 tunnel(s) as planned"]


def test_state_differences_are_named_per_tunnel():
    state = copy.deepcopy(STATE)
    state["tunnels"][1]["address"] = "100.64.0.9/30"
    state["tunnels"][0]["admin_up"] = False
    nbr = next(n for n in state["bgp_neighbors"] if n["neighbor"] == "100.64.0.6")
    nbr["remote_as"] = 65000
    out = drift_host(PLAN, "cpe1", state)
    got = dict((k, [(d["object"], d["kind"]) for d in v]) for k, v in by_key(out).items())
    assert got == {"lab-A": [("GRE tunnel interface", "differs")],
                   "lab-B": [("GRE tunnel address", "differs"), ("BGP neighbour remote AS", "differs")]}
    assert out["summary"] == {"missing": 0, "differs": 3, "extra": 0, "error": 0, "total": 3}


def test_operational_faults_are_not_drift():
    state = copy.deepcopy(STATE)
    state["ike_sas"] = []
    state["ipsec_sas"] = []
    for n in state["bgp_neighbors"]:
        n["state"], n["received"] = "Idle", []
    assert drift_host(PLAN, "cpe1", state)["drift"] is False


def test_config_check_commands_extra_and_error():
    cfg = {"commands": ["interface Tunnel102", "ip mtu 1400"], "tunnels": {"lab-A": [], "lab-B": ["interface Tunnel102", "ip mtu 1400"]},
           "extra": ["interface Tunnel199"]}
    out = drift_host(PLAN, "cpe1", {}, cfg)
    assert by_key(out)["lab-A"] == []
    assert [d["kind"] for d in by_key(out)["lab-B"]] == ["differs"]
    assert [(d["object"], d["kind"]) for d in out["host_differences"]] == [("interface Tunnel199", "extra")]
    assert stats(out) == {"drift": True, "summary": out["summary"],
                          "tunnels": {"lab-A": {"ok": True, "differences": 0}, "lab-B": {"ok": False, "differences": 1}}}
    junit = render_junit(out)
    assert 'tests="3"' in junit and 'failures="2"' in junit
    linux = drift_host(PLAN, "cpe1", {}, {"commands": ["ip link del vcgre105"], "files": ["/etc/swanctl/conf.d/vc-connections.conf"]})
    assert [d["object"] for d in linux["host_differences"]] == ["configuration", "files"]
    err = drift_host(PLAN, "cpe1", {}, {"error": "interface Gi1 already carries crypto map X"})
    assert err["drift"] is True and err["summary"]["error"] == 1


def test_config_evidence_is_compared():
    state = copy.deepcopy(STATE)
    state["config"] = {"lab-A": {"ike": {"encryption": ["aes-cbc-256"], "prf": ["sha384"], "dh_group": [20]},
                                 "crypto_acl": {"protocol": "ip", "source": "192.0.2.2", "destination": "198.51.100.65"}}}
    got = [(d["object"], d["kind"]) for d in by_key(drift_host(PLAN, "cpe1", state))["lab-A"]]
    assert got == [("IKEv2 encryption", "differs"), ("crypto ACL (GRE only)", "differs")]


def test_a_host_without_tunnels_is_an_error():
    out = drift_host(PLAN, "nobody", STATE)
    assert out["drift"] is True and out["host_differences"][0]["kind"] == "error"
