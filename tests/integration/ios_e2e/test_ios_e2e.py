"""End to end on IOS-XE: deploy_vc.yml and verify_vc.yml for real (ansible-playbook, network_cli over
paramiko) against IOS-XE TEST DOUBLE routers (tests/iosxe_double) on 127.0.0.1.

Scenarios (inventories in tests/integration/ios_e2e/inventory):
  lab   one CPE, both tunnels, production config already on the router; check mode, apply, idempotency,
        foreign config untouched, no secret printed, verify, injected faults -> verify names the tunnel
  asn   enterprise ASN on the router, a customer ASN per tunnel (local-as), login needs `enable`
  dual  two CPEs, one tunnel each; one of them has no BGP process yet
Each fixture step depends on the previous one, so the order holds under any test selection.
"""
from __future__ import annotations

import json
import re

import pytest
import yaml

from e2e_helpers import INVENTORY, REPO, make_lab, playbooks_present, truth_of  # noqa: I100

pytestmark = [
    pytest.mark.ios_e2e,
    pytest.mark.skipif(not playbooks_present("deploy_vc.yml", "verify_vc.yml"),
                       reason="playbooks/deploy_vc.yml and verify_vc.yml are needed"),
]

DEPLOY = REPO / "playbooks" / "deploy_vc.yml"
VERIFY = REPO / "playbooks" / "verify_vc.yml"
DIAGNOSE = REPO / "playbooks" / "diagnose_vc.yml"


def secrets_of(scenario: str) -> list[str]:
    out = []
    for region in truth_of(scenario):
        for t in region["tunnels"]:
            out += [v for v in (t.get("psk"), t.get("bgp_password")) if v]
    return out


def parents_and_lines(config: str) -> set[tuple[str, ...]]:
    """Every line of a rendered config with its parents, e.g. ('router bgp 1', ' address-family ipv4', ...)."""
    out, stack = set(), []
    for raw in config.splitlines():
        line = raw.rstrip()
        if not line.strip() or line.strip() == "!" or line == "end":
            continue
        depth = len(line) - len(line.lstrip(" "))
        stack = stack[:depth] + [line.strip()]
        out.add(tuple(stack))
    return out


def assert_all_up(router, keys: list[str]) -> None:
    from iosxe_double.cisco_side import Evaluator

    ev = Evaluator(router).evaluate()
    got = {vt.key: vt for vt in ev.tunnels}
    assert sorted(got) == sorted(keys)
    for key, vt in got.items():
        assert vt.ike_up and vt.ipsec_up, "%s: %s %s" % (key, vt.ike_reason, vt.ipsec_reason)
        assert vt.gre_ok and ev.oper[vt.tunnel_iface], "%s: %s" % (key, vt.gre_reason)
        assert vt.bgp_state == "Established", "%s: %s" % (key, vt.bgp_reason)


def with_fault(lab, faults: dict, playbook):
    """Run ``playbook`` while cpe1 has ``faults`` (aged sessions before and after: the SAs the fault took down
    come back and settle before the next test)."""
    lab.age()
    lab.set_fault("cpe1", faults)
    try:
        return lab.playbook(playbook)
    finally:
        lab.clear_faults()
        lab.age()


def assert_no_secret(text: str, scenario: str) -> None:
    for secret in secrets_of(scenario):
        assert secret not in text, "a secret of %s was printed" % scenario


# ------------------------------------------------------------------------------------------ lab
@pytest.fixture(scope="module")
def lab(tmp_path_factory, request):
    return make_lab("lab", tmp_path_factory, request)


@pytest.fixture(scope="module")
def lab_check(lab):
    router = lab.routers["cpe1"]
    before = router.config_text()
    n_log = len(router.log)
    run = lab.playbook(DEPLOY, "--check", "--diff")
    return {"run": run, "before": before, "after": router.config_text(), "log": router.log[n_log:]}


@pytest.fixture(scope="module")
def lab_deployed(lab, lab_check):
    router = lab.routers["cpe1"]
    before = router.config_text()
    run = lab.playbook(DEPLOY, "--diff")
    return {"run": run, "before": before, "after": router.config_text()}


@pytest.fixture(scope="module")
def lab_second(lab, lab_deployed):
    router = lab.routers["cpe1"]
    n_log = len(router.log)
    before = router.config_text()
    run = lab.playbook(DEPLOY, "-e", "vc_deploy_verify=false")
    return {"run": run, "before": before, "after": router.config_text(), "log": router.log[n_log:]}


@pytest.fixture(scope="module")
def lab_verified(lab, lab_second):
    return lab.playbook(VERIFY)


def test_check_mode_sends_no_configuration(lab_check):
    run = lab_check["run"]
    assert run.rc == 0, run.out[-3000:]
    assert lab_check["after"] == lab_check["before"]
    typed = [e["line"] for e in lab_check["log"] if e["mode"] != "exec" or e["line"].startswith("conf")]
    assert typed == [], "check mode typed configuration commands: %s" % typed[:5]
    # the would-be commands are shown, with the PSK masked
    assert "crypto map VC-CMAP" in run.stdout or "crypto map" in run.stdout
    assert_no_secret(run.out, "lab")


def test_deploy_applies_the_plan_in_normalised_form(lab, lab_deployed):
    run = lab_deployed["run"]
    assert run.rc == 0, run.out[-4000:]
    assert run.recap["cpe1"]["failed"] == 0 and run.recap["cpe1"]["changed"] > 0
    cfg = lab_deployed["after"]
    for region in truth_of("lab"):
        for t in region["tunnels"]:
            cpe, di = t["cpe"], t["di"]
            assert re.search(r"^ \d+ permit gre host %s host %s$" % (re.escape(cpe["gre_ip"]), re.escape(di["gre_ip"])),
                             cfg, re.M), "GRE-only crypto ACL for %s" % di["gre_ip"]
            assert re.search(r"^ set peer %s$" % re.escape(di["ipsec_ip"]), cfg, re.M)
            assert " neighbor %s remote-as %s" % (di["tunnel_ip"], di["asn"]) in cfg
            tun = re.search(r"^interface (Tunnel\d+)\n((?: .*\n)+?)(?=!)", cfg, re.M)
            assert tun
    assert "tunnel destination 198.51.100.65" in cfg and "tunnel destination 198.51.100.66" in cfg
    # the router ASN is tunnel A's (64551), tunnel B's customer ASN 64561 needs local-as
    assert " neighbor 100.64.0.6 local-as 64561 no-prepend replace-as" in cfg
    assert " neighbor 100.64.0.2 local-as" not in cfg
    for block in re.findall(r"^interface Tunnel10[12]\n(?:.+\n)+?(?=!)", cfg, re.M):
        for line in (" ip mtu 1400", " ip tcp adjust-mss 1350", " keepalive 10 3", " tunnel path-mtu-discovery"):
            assert line + "\n" in block
    # and the Cisco side, as the double models it, is satisfied: SAs, tunnels, BGP up
    assert_all_up(lab.routers["cpe1"], ["lab-A", "lab-B"])
    assert lab.routers["cpe1"].errors == []


def test_deploy_leaves_unrelated_configuration_untouched(lab_deployed):
    before = parents_and_lines(lab_deployed["before"])
    after = parents_and_lines(lab_deployed["after"])
    missing = sorted(before - after)
    assert missing == [], "production lines changed or removed: %s" % missing[:10]
    # the foreign keyring's type 6 PSK was not re-typed (re-entering a secret changes its cipher text)
    foreign = [ln for ln in lab_deployed["before"].splitlines() if "pre-shared-key 6" in ln]
    assert foreign and all(ln in lab_deployed["after"].splitlines() for ln in foreign)


def test_secrets_never_printed_and_stored_encrypted(lab_check, lab_deployed):
    assert_no_secret(lab_deployed["run"].out, "lab")
    cfg = lab_deployed["after"]
    assert_no_secret(cfg, "lab")  # the double stores them as type 6 / type 7, like IOS-XE
    assert re.search(r"^  pre-shared-key 6 \S+$", cfg, re.M)
    assert re.search(r"^ neighbor 100\.64\.0\.2 password 7 [0-9A-F]+$", cfg, re.M)


def test_second_run_changes_nothing(lab_second):
    run = lab_second["run"]
    assert run.rc == 0, run.out[-3000:]
    assert run.recap["cpe1"]["changed"] == 0, run.out[-3000:]
    assert lab_second["after"] == lab_second["before"]
    typed = [e["line"] for e in lab_second["log"] if e["mode"] != "exec" or e["line"].startswith("conf")]
    assert typed == []


def test_verify_passes_and_writes_reports(lab, lab_verified):
    assert lab_verified.rc == 0, lab_verified.out[-4000:]
    report = json.loads((lab.workdir / "reports" / "cpe1.json").read_text())
    text = json.dumps(report)
    assert '"ok": true' in text
    assert "lab-A" in text and "lab-B" in text


@pytest.mark.parametrize("fault,layer_rx", [
    ({"psk": "not-the-cisco-psk"}, r"ike"),
    ({"withdraw": ["203.0.113.128/25"]}, r"received|route"),
])
def test_verify_fails_naming_the_tunnel(lab, lab_verified, fault, layer_rx):
    router = lab.routers["cpe1"]
    before = router.config_text()
    run = with_fault(lab, {"tunnels": {"B": fault}}, VERIFY)
    assert run.rc != 0
    fails = re.findall(r"^\s*(?:fatal|\[ERROR\]).*$", run.out, re.M)
    joined = "\n".join(fails)
    assert "lab-B" in joined or "DC-B" in joined, joined[-2000:]
    assert re.search(layer_rx, joined), joined[-2000:]
    assert "[lab-A]: " not in joined  # tunnel A is healthy and must not be blamed
    assert router.config_text() == before  # verify changes nothing


@pytest.mark.parametrize("fault,cause", [
    ({"psk": "not-the-cisco-psk"}, "ike.auth"),                      # evidence: the IKEv2 log of the router
    ({"withdraw": ["203.0.113.128/25"]}, "routes.missing_dc_prefix"),
])
def test_diagnose_names_the_cause(lab, lab_verified, fault, cause):
    """diagnose_vc.yml over network_cli gathers the evidence commands too (running-config filters, show
    logging, ping to the DI IPsec IP) and names the guide's cause of the injected fault."""
    router = lab.routers["cpe1"]
    before = router.config_text()
    n_log = len(router.log)
    run = with_fault(lab, {"tunnels": {"B": fault}}, DIAGNOSE)
    assert run.rc == 0, run.out[-4000:]  # diagnose reports, it does not fail by default
    doc = json.loads((lab.workdir / "reports" / "diagnose-cpe1.json").read_text())
    assert {t["key"]: t["cause_id"] for t in doc["tunnels"] if not t["ok"]} == {"lab-B": cause}
    assert "cause [%s]" % cause in run.stdout
    typed = [e["line"] for e in router.log[n_log:]]
    assert "show logging | include IKEV2|IKEv2|CRYPTO|BGP|BADAUTH" in typed
    assert "ping 198.51.100.6 source 192.0.2.2 repeat 3" in typed
    assert not [t for t in typed if t.startswith("conf")]
    assert_no_secret(run.out + json.dumps(doc), "lab")
    assert router.config_text() == before


# ------------------------------------------------------------------------------------------ asn + enable
@pytest.fixture(scope="module")
def asn(tmp_path_factory, request):
    return make_lab("asn", tmp_path_factory, request)


def test_enterprise_asn_local_as_per_tunnel_with_enable(asn):
    router = asn.routers["edge1"]
    base = router.config_text()
    run = asn.playbook(DEPLOY, "--diff")
    assert run.rc == 0, run.out[-4000:]
    cfg = router.config_text()
    # the login user is privilege 1: network_cli had to `enable` (become) before configuring
    first = [e["line"] for e in router.log[:8]]
    assert "enable" in first, first
    assert "router bgp 65010" in cfg and "router bgp 6457" not in cfg
    assert " neighbor 100.64.20.2 local-as 64571 no-prepend replace-as" in cfg
    assert " neighbor 100.64.20.6 local-as 64581 no-prepend replace-as" in cfg
    assert " neighbor 100.64.20.6 password" not in cfg  # DC-B has no BGP password in the inventory
    assert parents_and_lines(base) <= parents_and_lines(cfg)
    assert_all_up(router, ["emea-A", "emea-B"])
    assert_no_secret(run.out, "asn")


# ------------------------------------------------------------------------------------------ dual CPE
@pytest.fixture(scope="module")
def dual(tmp_path_factory, request):
    return make_lab("dual", tmp_path_factory, request)


def test_dual_cpe_each_router_gets_its_tunnel_only(dual):
    base1 = dual.routers["cpe1"].config_text()
    run = dual.playbook(DEPLOY)
    assert run.rc == 0, run.out[-4000:]
    assert set(run.recap) == {"cpe1", "cpe2"}
    c1, c2 = dual.routers["cpe1"].config_text(), dual.routers["cpe2"].config_text()
    assert " neighbor 100.64.0.2 remote-as 64552" in c1 and "100.64.0.6" not in c1
    assert " neighbor 100.64.0.6 remote-as 64562" in c2 and "100.64.0.2" not in c2
    assert "router bgp 64561" in c2  # cpe2 had no BGP: its process uses tunnel B's customer ASN
    assert "198.51.100.66" not in c1 and "198.51.100.65" not in c2
    assert parents_and_lines(base1) <= parents_and_lines(c1)
    assert_all_up(dual.routers["cpe1"], ["lab-A"])
    assert_all_up(dual.routers["cpe2"], ["lab-B"])
    verify = dual.playbook(VERIFY)
    assert verify.rc == 0, verify.out[-4000:]


def test_inventories_are_valid_yaml():
    for path in INVENTORY.rglob("*.yml"):
        assert yaml.safe_load(path.read_text()) is not None, path
