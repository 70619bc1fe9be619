"""End to end on IOS-XE, split devices (seed 004, docs/ha.md section 2): deploy_vc.yml, verify_vc.yml and
diagnose_vc.yml for real (ansible-playbook, network_cli) against two IOS-XE TEST DOUBLE routers of one site.

DC-A's IPsec terminates on vpn1 (its public address 192.0.2.3), which protects GRE between cpe1's inside address
10.1.0.2 and the DI GRE endpoint and injects the route to it (RRI, tag 99) while its SA is up; cpe1 carries both GRE
tunnels and BGP sessions, reaching DC-A's GRE endpoint via vpn1 (10.1.0.1), and DC-B's IPsec itself. The doubles see
each other: cpe1's tunnel 1 is up only while vpn1's SA is (the Cisco side drops unprotected GRE).
"""
from __future__ import annotations

import json

import pytest

from e2e_helpers import REPO, make_lab, playbooks_present, section  # noqa: I100

pytestmark = [
    pytest.mark.ios_e2e,
    pytest.mark.skipif(not playbooks_present("deploy_vc.yml", "verify_vc.yml", "diagnose_vc.yml"),
                       reason="playbooks/deploy_vc.yml, verify_vc.yml and diagnose_vc.yml are needed"),
]

DEPLOY = REPO / "playbooks" / "deploy_vc.yml"
VERIFY = REPO / "playbooks" / "verify_vc.yml"
DIAGNOSE = REPO / "playbooks" / "diagnose_vc.yml"


@pytest.fixture(scope="module")
def split(tmp_path_factory, request):
    return make_lab("split", tmp_path_factory, request)


@pytest.fixture(scope="module")
def deployed(split):
    first = split.playbook(DEPLOY)
    configs = dict((n, r.config_text()) for n, r in split.routers.items())
    second = split.playbook(DEPLOY, "-e", "vc_deploy_verify=false")
    again = dict((n, r.config_text()) for n, r in split.routers.items())
    return {"first": first, "second": second, "configs": configs, "again": again}


def _report(split, name):
    return json.loads((split.workdir / "reports" / name).read_text())


def _status(report):
    return dict(((t["key"], c["check"]), c["status"]) for t in report["tunnels"] for c in t["checks"])


def test_each_device_gets_its_part_in_one_deploy_and_a_rerun_changes_nothing(deployed):
    first, second = deployed["first"], deployed["second"]
    assert first.rc == 0, first.out[-4000:]
    assert first.recap["vpn1"]["changed"] > 0 and first.recap["cpe1"]["changed"] > 0
    vpn, rtr = deployed["configs"]["vpn1"], deployed["configs"]["cpe1"]
    # the IPsec device: DC-A's crypto, GRE-only between the GRE router and the DI GRE endpoint, RRI tagged, on its WAN
    entry = "\n".join(section(vpn, r"^crypto map VC-CMAP 101 ipsec-isakmp"))
    assert " set peer 198.51.100.2" in entry and " reverse-route" in entry and " set reverse-route tag 99" in entry
    assert " permit gre host 10.1.0.2 host 198.51.100.65" in vpn
    assert "interface GigabitEthernet1\n description WAN internet\n ip address 192.0.2.3 255.255.255.0\n" in vpn
    assert " crypto map VC-CMAP\n" in vpn
    assert "interface Tunnel" not in vpn and "router bgp" not in vpn and "198.51.100.6 " not in vpn
    # the GRE/BGP router: both tunnels and sessions, DC-A's GRE via the IPsec device, IPsec only for DC-B
    assert "interface Tunnel101" in rtr and "interface Tunnel102" in rtr and "router bgp 64551" in rtr
    assert " tunnel source 10.1.0.2\n" in "\n".join(section(rtr, r"^interface Tunnel101")) + "\n"
    assert "ip route 198.51.100.65 255.255.255.255 10.1.0.1 name VC-LAB-A" in rtr
    assert "crypto map VC-CMAP 102 ipsec-isakmp" in rtr and "crypto map VC-CMAP 101" not in rtr
    assert "198.51.100.65" not in "\n".join(section(rtr, r"^ip access-list extended"))
    assert second.rc == 0, second.out[-4000:]
    assert second.recap["vpn1"]["changed"] == 0 and second.recap["cpe1"]["changed"] == 0, second.out[-3000:]
    assert deployed["again"] == deployed["configs"]


def test_verify_follows_the_split(split, deployed):
    run = split.playbook(VERIFY)
    assert run.rc == 0, run.out[-4000:]
    vpn, rtr = _status(_report(split, "vpn1.json")), _status(_report(split, "cpe1.json"))
    # the IPsec device: IKEv2, IPsec and the RRI route; it has no GRE or BGP of the tunnel
    for check in ("ike_sa", "ipsec_sa", "ipsec_selectors", "rri_route"):
        assert vpn[("lab-A", check)] == "pass", (check, vpn)
    assert not [k for k in vpn if k[0] == "lab-B"]
    # the GRE router: IKE/IPsec of tunnel 1 are vpn1's, the route to the DI GRE endpoint goes via vpn1, then GRE, BGP
    assert rtr[("lab-A", "ike_sa")] == "skip" and rtr[("lab-A", "split_route")] == "pass"
    for check in ("gre_up", "bgp_established", "bgp_received", "bgp_advertised"):
        assert rtr[("lab-A", check)] == "pass", (check, rtr)
    assert rtr[("lab-B", "ike_sa")] == "pass"


def test_a_psk_the_dc_refuses_on_the_ipsec_device_is_named_there_and_rri_is_withdrawn(split, deployed):
    split.set_fault("vpn1", {"tunnels": {"A": {"psk": "not-the-cisco-psk"}}})
    try:
        route = split.routers["vpn1"]
        from iosxe_double import Session

        shown = Session(route, "admin").handle_line("show ip route 198.51.100.65 255.255.255.255")
        assert "Routing entry for 198.51.100.65/32" not in shown          # RRI: no SA, no route
        run = split.playbook(DIAGNOSE)
        assert run.rc == 0, run.out[-4000:]
        vpn = _report(split, "diagnose-vpn1.json")
        rtr = _report(split, "diagnose-cpe1.json")
        causes_vpn = dict((t["key"], t.get("cause_id")) for t in vpn["tunnels"] if not t["ok"])
        causes_rtr = dict((t["key"], t.get("cause_id")) for t in rtr["tunnels"] if not t["ok"])
        assert causes_vpn == {"lab-A": "ike.auth"}, vpn
        # the GRE router sees its tunnel 1 down, tunnel 2 (own IPsec) stays OK
        assert list(causes_rtr) == ["lab-A"], rtr
        assert "vpn1" in json.dumps([t for t in rtr["tunnels"] if t["key"] == "lab-A"])
    finally:
        split.clear_faults()
    shown = Session(route, "admin").handle_line("show ip route 198.51.100.65 255.255.255.255")
    assert "Routing entry for 198.51.100.65/32" in shown and "198.51.100.2" in shown     # SA up again: RRI back
    split.age(60)                       # the new SA is a minute old (the double's clock; no real wait)
    run = split.playbook(VERIFY)
    assert run.rc == 0, run.out[-4000:]
