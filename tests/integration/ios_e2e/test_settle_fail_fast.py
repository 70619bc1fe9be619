"""The IOS-XE settle wait after a change ends at a definitive cause (issue 10), end to end on the IOS-XE TEST DOUBLE.

With a PSK the Cisco side refuses, the router logs `IKEv2-ERROR ... Failed to authenticate the IKE SA` for DC-A's
tunnel at once. The settle look of vc_ios_gather reads that line with the router's clock (it is seconds old, so it is
about this change): the wait for the tunnel ends there (one look, no poll until vc_deploy_settle_s = 180 s), verify
judges, the stage is rolled back and the deploy fails with the diagnose result (cause, evidence, fix) in its message.
"""
from __future__ import annotations

import re

import pytest

from e2e_helpers import REPO, make_lab, truth_of  # noqa: I100

pytestmark = [pytest.mark.ios_e2e]

DEPLOY = REPO / "playbooks" / "deploy_vc.yml"
LOOK = "show crypto ipsec sa"        # the settle look's CHILD SA read (the full gather reads them per peer)


@pytest.fixture(scope="module")
def lab(tmp_path_factory, request):
    return make_lab("lab", tmp_path_factory, request)


def test_a_refused_psk_ends_the_settle_wait_and_the_failure_names_cause_evidence_and_fix(lab):
    router = lab.routers["cpe1"]
    before = router.config_text()
    n = len(router.log)
    lab.set_fault("cpe1", {"tunnels": {"A": {"psk": "not-the-cisco-psk"}}})
    try:
        run = lab.playbook(DEPLOY, "-e", "vc_deploy_settle_s=180")
    finally:
        lab.clear_faults()
    assert run.rc != 0 and run.recap["cpe1"]["failed"] == 1, run.out[-4000:]
    execs = [e["line"].strip() for e in router.log[n:] if e["mode"] == "exec"]
    # one settle look: the fresh authentication failure ended the wait (no poll every 5 s for 180 s)
    assert execs.count(LOOK) == 1, execs
    assert "show clock" in execs
    fail = [x for x in re.findall(r"^\s*(?:fatal|\[ERROR\]).*$", run.out, re.M) if "deployment failed" in x]
    assert fail, run.out[-4000:]
    msg = fail[-1]
    assert "deployment failed on cpe1 in stage 1 (lab-A)" in msg
    assert "likely cause [ike.auth]" in msg                          # the diagnose result: cause,
    assert "Evidence:" in msg and "AUTHENTICATION_FAILED" in msg      # its evidence (the router log)
    assert "Fix:" in msg                                              # and the fix
    assert "restored the Virtual Connect configuration saved before the change" in msg and "ROLLBACK FAILED" not in msg
    assert router.config_text() == before                             # stage 1 restored
    secrets = [v for r in truth_of("lab") for t in r["tunnels"] for v in (t.get("psk"), t.get("bgp_password")) if v]
    assert secrets and not [s for s in secrets if s in run.out]
