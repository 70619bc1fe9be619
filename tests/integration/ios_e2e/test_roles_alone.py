"""The feature roles used alone and in any order on the IOS-XE TEST DOUBLE, and what one deploy costs the router.

* mtu first on a fresh router used to create interface TunnelN without the VC description, and a later gre run
  refused it as foreign: every role alone, in an order that starts with mtu, must converge to exactly what a
  deploy builds (a deploy afterwards changes nothing);
* a deploy reads the running config once before its change (the backup comes from that read) and once after
  (the apply's own check), types the whole change in one configuration session and writes one backup; an
  idempotent re-run reads it once and enters configuration mode never.
"""
from __future__ import annotations

import re

import pytest

from e2e_helpers import REPO, make_lab  # noqa: I100

pytestmark = [pytest.mark.ios_e2e]

DEPLOY = REPO / "playbooks" / "deploy_vc.yml"
ROLES = REPO / "tests" / "integration" / "ios_e2e" / "playbooks" / "roles_in_order.yml"
FULL_READ = re.compile(r"^\s*(show running-config|sh run)\s*$")


@pytest.fixture(scope="module")
def dual(tmp_path_factory, request):
    return make_lab("dual", tmp_path_factory, request)


def reads_and_sessions(router, since):
    lines = [e["line"] for e in router.log[since:]]
    return (sum(1 for x in lines if FULL_READ.match(x)),
            sum(1 for x in lines if re.match(r"^\s*conf(igure)?( t(erminal)?)?\s*$", x)))


def test_roles_alone_in_any_order_converge_to_the_deploy(dual):
    router = dual.routers["cpe2"]      # a fresh router: no tunnel, no BGP
    run = dual.playbook(ROLES, "--limit", "cpe2", "-e", '{"vc_test_roles": ["mtu", "bgp", "gre", "ha", "ipsec"]}')
    assert run.rc == 0, run.out[-4000:]
    cfg = router.config_text()
    tunnel = re.search(r"^interface Tunnel102\n((?: .*\n)+)", cfg, re.M).group(1)
    assert " description VC-LAB-B " in tunnel and " ip mtu 1400\n" in tunnel and " tunnel source 192.0.2.6\n" in tunnel
    again = dual.playbook(ROLES, "--limit", "cpe2", "-e", '{"vc_test_roles": ["ipsec", "ha", "gre", "bgp", "mtu"]}')
    assert again.rc == 0 and again.recap["cpe2"]["changed"] == 0, again.out[-4000:]
    deploy = dual.playbook(DEPLOY, "--limit", "cpe2", "-e", "vc_deploy_verify=false", "-e", "vc_allow_partial_region=true")
    assert deploy.rc == 0 and deploy.recap["cpe2"]["changed"] == 0, deploy.out[-4000:]
    assert router.config_text() == cfg


def test_a_deploy_reads_the_router_once_and_configures_it_in_one_session(dual):
    router = dual.routers["cpe1"]      # production config, no Virtual Connect yet
    backups = dual.workdir / "backup"
    before = set(backups.glob("*")) if backups.exists() else set()
    n = len(router.log)
    run = dual.playbook(DEPLOY, "--limit", "cpe1", "-e", "vc_allow_partial_region=true")
    assert run.rc == 0 and run.recap["cpe1"]["changed"] > 0, run.out[-4000:]
    assert reads_and_sessions(router, n) == (2, 1)      # the read (backup) + the apply's read-back; one session
    assert len(set(backups.glob("*")) - before) == 1
    n = len(router.log)
    rerun = dual.playbook(DEPLOY, "--limit", "cpe1", "-e", "vc_deploy_verify=false", "-e", "vc_allow_partial_region=true")
    assert rerun.rc == 0 and rerun.recap["cpe1"]["changed"] == 0, rerun.out[-4000:]
    assert reads_and_sessions(router, n) == (1, 0)
