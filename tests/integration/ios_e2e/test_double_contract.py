"""Fast (no ansible-playbook) round trip between the collection's IOS-XE code and the IOS-XE TEST DOUBLE:
plan -> rendered commands (vc_ios_config's render/compute) typed into the double's CLI -> the verify
gather commands answered by the double -> the collection's parsers -> verify. Then faults injected on
the double's Cisco side (or drift typed into its config) must fail exactly the right tunnel at the right
layer. The slow, real-connection version of this is test_ios_e2e.py.
"""
from __future__ import annotations

import pytest
import yaml

from e2e_helpers import BASE, INVENTORY, SCENARIOS, truth_of

from ansible_collections.webex_di.virtual_connect.plugins.filter.vc_filters import vc_secrets
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.diff import compute
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.render import render
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.assemble import build_ios_state
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.commands import ios_gather_commands
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify import verify_host
from iosxe_double import Router, Session
from iosxe_double.config import CLIError

HOSTVAR_KEYS = {"vc_wan_interface": "wan_interface", "vc_bgp_asn": "bgp_asn", "vc_tunnel_base": "tunnel_base",
                "vc_wan_mtu": "wan_mtu", "vc_nat_t": "nat_t", "vc_bgp_router_id": "router_id"}


class Rig:
    """One scenario host: a double router and the plan, configured the way deploy_vc.yml would."""

    def __init__(self, scenario: str, host: str):
        spec = SCENARIOS[scenario][host]
        self.host = host
        self.regions = truth_of(scenario)
        self.router = Router(host, (BASE / spec["base"]).read_text(), users={"admin": {"password": "x",
                             "privilege": 15}}, truth=self.regions, foreign=spec.get("foreign"), inventory_name=host)
        self.session = Session(self.router, "admin")
        self.hostvars = yaml.safe_load((INVENTORY / scenario / "host_vars" / ("%s.yml" % host)).read_text())
        cpes = {}
        for h in SCENARIOS[scenario]:
            hv = yaml.safe_load((INVENTORY / scenario / "host_vars" / ("%s.yml" % h)).read_text())
            cpes[h] = {"platform": "cisco.ios.ios"}
            cpes[h].update({HOSTVAR_KEYS[k]: v for k, v in hv.items() if k in HOSTVAR_KEYS})
        result = build_plan(self.regions, cpes=cpes)
        assert result.ok, result.findings
        self.plan = result.plan

    def commands(self) -> list[str]:
        intent = render(self.plan, self.host, vc_secrets(self.regions),
                        wan_interface=self.hostvars.get("vc_wan_interface"),
                        wan_next_hop=self.hostvars.get("vc_wan_next_hop"), require_secrets=True)
        assert not intent.errors, intent.errors
        res = compute(intent, self.router.running_config())
        assert not res.errors, res.errors
        return res.commands

    def type(self, lines: list[str]) -> list[str]:
        """Type configuration lines; return the device messages (errors) like a terminal shows them."""
        msgs = []
        for line in ["configure terminal"] + lines + ["end"]:
            out = self.session.handle_line(line)
            body = out.rsplit("\n", 1)[0] if "\n" in out else ""
            if "%" in body and "% NOTE" not in body:
                msgs.append("%s -> %s" % (line, body.strip()))
        return msgs

    def deploy(self) -> None:
        errors = self.type(self.commands())
        assert errors == [], errors

    def age(self, seconds: float = 300) -> None:
        """Let time pass on the double (the verify wants IKE SAs older than a few seconds)."""
        self.router.stamp()
        for k in list(self.router.up_since):
            self.router.up_since[k] -= seconds

    @classmethod
    def deployed(cls, scenario: str, host: str) -> "Rig":
        """A rig whose double carries the rendered configuration, its sessions aged past verify's threshold."""
        rig = cls(scenario, host)
        rig.deploy()
        rig.age()
        return rig

    def gather(self) -> dict:
        """Every gather command typed into the double's CLI, parsed into the state (refused ones in gather_errors)."""
        outputs, errors = {}, []
        for item in ios_gather_commands(self.plan, self.host):
            try:
                outputs[item["command"]] = self.session.exec_command(item["command"])
            except CLIError as exc:
                errors.append({"command": item["command"], "message": exc.message})
        return build_ios_state(outputs, host=self.host, plan=self.plan, errors=errors)

    def verify(self) -> dict:
        return verify_host(self.plan, self.gather(), self.host)


def failing(result: dict) -> dict:
    return {t["key"]: t["first_failure"] for t in result["tunnels"] if not t["ok"]}


@pytest.fixture()
def lab_rig():
    return Rig.deployed("lab", "cpe1")


@pytest.mark.parametrize("scenario,host", [("lab", "cpe1"), ("asn", "edge1"), ("dual", "cpe1"), ("dual", "cpe2")])
def test_deploy_then_verify_passes_and_is_idempotent(scenario, host):
    rig = Rig(scenario, host)
    rig.deploy()
    assert rig.commands() == [], "second computation against the double's normalised config must be empty"
    rig.age()
    result = rig.verify()
    assert result["ok"], failing(result)
    assert rig.router.errors == []


def test_young_ike_sa_is_reported(lab_rig):
    lab_rig.router.up_since.clear()
    lab_rig.router.stamp()
    result = lab_rig.verify()
    assert {k: f["check"] for k, f in failing(result).items()} == {"lab-A": "ike_sa_stable", "lab-B": "ike_sa_stable"}


@pytest.mark.parametrize("fault,layer", [
    ({"cisco_down": True}, "ike"),
    ({"psk": "wrong-psk"}, "ike"),
    ({"ipsec_down": True}, "ipsec"),
    ({"gre_down": True}, "gre"),
    ({"bgp_down": True}, "bgp"),
    ({"withdraw": ["203.0.113.128/25"]}, "routes"),
])
def test_cisco_side_fault_fails_that_tunnel_at_that_layer(lab_rig, fault, layer):
    lab_rig.router.fault_overrides = {"tunnels": {"B": fault}}
    result = lab_rig.verify()
    fails = failing(result)
    assert list(fails) == ["lab-B"], fails
    assert fails["lab-B"]["layer"] == layer, fails


@pytest.mark.parametrize("drift,key,layer", [
    # someone widens the crypto ACL: Cisco's GRE-only policy refuses the CHILD SA
    # (entry 20: entry 10 is the remark carrying the collection's marker)
    (["ip access-list extended VC-GRE-LAB-A", "no 20", "20 permit ip host 192.0.2.2 host 198.51.100.65"],
     "lab-A", "ipsec"),
    # the per-neighbour local-as is removed: tunnel B opens with the wrong AS
    (["router bgp 64551", "no neighbor 100.64.0.6 local-as"], "lab-B", "bgp"),
    # the inbound prefix list loses the DC-A /25
    (["no ip prefix-list VC-IN-LAB-A seq 20 permit 203.0.113.0/25"], "lab-A", "routes"),
])
def test_config_drift_fails_the_right_tunnel(lab_rig, drift, key, layer):
    assert lab_rig.type(drift) == []
    result = lab_rig.verify()
    fails = failing(result)
    assert list(fails) == [key], fails
    assert fails[key]["layer"] == layer, fails
    # and the collection would repair it
    assert lab_rig.commands() != []
