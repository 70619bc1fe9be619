"""End to end on IOS-XE, customer-side HA (docs/ha.md): deploy_vc.yml, verify_vc.yml and diagnose_vc.yml for real
(ansible-playbook, network_cli) against an IOS-XE TEST DOUBLE CPE that runs the customer's OSPF.

The CPE hands exactly the DI prefixes to OSPF process 1 (route-map VC-REDIST, E1, metric 20, tag 4242) next to the
operator's own redistribution, while an eBGP branch neighbour puts 10.99.0.0/16 and 172.22.0.0/16 in the same RIB;
verify reads the OSPF database the CPE originates; a drift (the redistribution removed on the router) is named by
diagnose as redistribution.not_configured, and the next deploy puts it back.
"""
from __future__ import annotations

import json

import pytest

from e2e_helpers import REPO, make_lab, playbooks_present  # noqa: I100

pytestmark = [
    pytest.mark.ios_e2e,
    pytest.mark.skipif(not playbooks_present("deploy_vc.yml", "verify_vc.yml", "diagnose_vc.yml"),
                       reason="playbooks/deploy_vc.yml, verify_vc.yml and diagnose_vc.yml are needed"),
]

DEPLOY = REPO / "playbooks" / "deploy_vc.yml"
VERIFY = REPO / "playbooks" / "verify_vc.yml"
DIAGNOSE = REPO / "playbooks" / "diagnose_vc.yml"
DI = ["198.18.10.0/24", "198.18.10.0/25", "198.18.10.128/25", "203.0.113.0/24", "203.0.113.0/25", "203.0.113.128/25"]


@pytest.fixture(scope="module")
def ha(tmp_path_factory, request):
    return make_lab("ha", tmp_path_factory, request)


@pytest.fixture(scope="module")
def ha_deployed(ha):
    router = ha.routers["cpe1"]
    before = router.config_text()
    first = ha.playbook(DEPLOY, "--diff")
    after = router.config_text()
    second = ha.playbook(DEPLOY, "-e", "vc_deploy_verify=false")
    return {"before": before, "first": first, "after": after, "second": second, "again": router.config_text()}


def _checks(report):
    return dict(((t["key"], c["check"]), c) for t in report["tunnels"] for c in t["checks"])


def test_deploy_hands_the_di_prefixes_to_ospf_idempotently(ha_deployed):
    first, second = ha_deployed["first"], ha_deployed["second"]
    assert first.rc == 0, first.out[-4000:]
    assert first.recap["cpe1"]["changed"] > 0
    cfg = ha_deployed["after"]
    assert "route-map VC-REDIST permit 10\n description webex_di.virtual_connect:redistribution\n match ip address prefix-list VC-REDIST\n set metric 20\n" \
           " set metric-type type-1\n set tag 4242\n" in cfg
    assert " redistribute bgp 64551 route-map VC-REDIST\n" in cfg
    assert " redistribute connected route-map CUST-CONNECTED\n" in cfg          # the operator's, untouched
    for i, prefix in enumerate(DI):
        assert "ip prefix-list VC-REDIST seq %d permit %s\n" % (5 * (i + 1), prefix) in cfg
    assert second.rc == 0 and second.recap["cpe1"]["changed"] == 0, second.out[-3000:]
    assert ha_deployed["again"] == cfg


def test_verify_sees_exactly_the_di_prefixes_in_ospf(ha, ha_deployed):
    run = ha.playbook(VERIFY)
    assert run.rc == 0, run.out[-4000:]
    report = json.loads((ha.workdir / "reports" / "cpe1.json").read_text())
    checks = _checks(report)
    for key in ("lab-A", "lab-B"):
        for name in ("redistribution_config", "redistribution_exported"):
            assert checks[(key, name)]["status"] == "pass", checks[(key, name)]
    assert checks[("lab-A", "redistribution_exported")]["expected"] == [
        "198.18.10.0/24", "198.18.10.0/25", "203.0.113.0/24", "203.0.113.0/25"]


def test_drift_is_diagnosed_and_the_next_deploy_repairs_it(ha, ha_deployed):
    from iosxe_double import Session

    router = ha.routers["cpe1"]
    s = Session(router, "admin")
    for line in ("enable", "configure terminal", "router ospf 1", "no redistribute bgp 64551 route-map VC-REDIST", "end"):
        s.handle_line(line)
    assert "redistribute bgp" not in router.config_text()
    run = ha.playbook(DIAGNOSE)
    assert run.rc == 0, run.out[-4000:]
    doc = json.loads((ha.workdir / "reports" / "diagnose-cpe1.json").read_text())
    assert {t["key"]: t["cause_id"] for t in doc["tunnels"] if not t["ok"]} == {
        "lab-A": "redistribution.not_configured", "lab-B": "redistribution.not_configured"}
    assert "cause [redistribution.not_configured]" in run.stdout
    repair = ha.playbook(DEPLOY, "-e", "vc_deploy_verify=false")
    assert repair.rc == 0 and repair.recap["cpe1"]["changed"] > 0, repair.out[-3000:]
    assert " redistribute bgp 64551 route-map VC-REDIST\n" in router.config_text()


COND_RED = {"protocol": "ospf", "ospf_process": 1, "metric": 20, "metric_type": 1, "tag": 4242,
            "default_requires": ["10.30.40.0/24"]}
COND_STATIC = "ip route 10.30.40.0 255.255.255.0 10.20.0.2"


def test_conditional_default_over_ssh(ha, ha_deployed):
    """vc_redistribution.default_requires (docs/ha.md section 3): deployed over SSH, idempotent; with no route to the
    condition prefix the double withholds the default (it evaluates the route-map against its RIB), verify fails on
    bgp_advertised and diagnose names routes.default_withheld; the route appears, verify is green; dropping the
    option puts the unconditional default back."""
    from iosxe_double import Session

    router = ha.routers["cpe1"]
    cond = json.dumps({"vc_redistribution": COND_RED})
    first = ha.playbook(DEPLOY, "-e", cond, "-e", "vc_deploy_verify=false")
    assert first.rc == 0 and first.recap["cpe1"]["changed"] > 0, first.out[-3000:]
    cfg = router.config_text()
    assert "  neighbor 100.64.0.2 default-originate route-map VC-DEFAULT-COND\n" in cfg
    assert "route-map VC-DEFAULT-COND permit 10\n description webex_di.virtual_connect:redistribution\n" in cfg
    again = ha.playbook(DEPLOY, "-e", cond, "-e", "vc_deploy_verify=false")
    assert again.rc == 0 and again.recap["cpe1"]["changed"] == 0, again.out[-3000:]
    down = ha.playbook(VERIFY, "-e", cond)
    assert down.rc != 0
    checks = _checks(json.loads((ha.workdir / "reports" / "cpe1.json").read_text()))
    assert checks[("lab-A", "bgp_advertised")]["status"] == "fail"
    diag = ha.playbook(DIAGNOSE, "-e", cond)
    assert diag.rc == 0, diag.out[-4000:]
    doc = json.loads((ha.workdir / "reports" / "diagnose-cpe1.json").read_text())
    assert {t["key"]: t["cause_id"] for t in doc["tunnels"] if not t["ok"]} == {
        "lab-A": "routes.default_withheld", "lab-B": "routes.default_withheld"}
    s = Session(router, "admin")
    for line in ("enable", "configure terminal", COND_STATIC, "end"):
        s.handle_line(line)
    up = ha.playbook(VERIFY, "-e", cond)
    assert up.rc == 0, up.out[-4000:]
    for line in ("configure terminal", "no " + COND_STATIC, "end"):
        s.handle_line(line)
    back = ha.playbook(DEPLOY, "-e", "vc_deploy_verify=false", "-e", "vc_ios_prune=true")
    assert back.rc == 0 and back.recap["cpe1"]["changed"] > 0, back.out[-3000:]
    assert "  neighbor 100.64.0.2 default-originate\n" in router.config_text()
    assert "VC-DEFAULT-COND" not in router.config_text()
    assert ha.playbook(VERIFY).rc == 0
