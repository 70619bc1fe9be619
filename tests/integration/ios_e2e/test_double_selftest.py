"""The IOS-XE TEST DOUBLE works with ansible.netcommon.network_cli + cisco.ios (no collection code)."""
from __future__ import annotations

from pathlib import Path

import pytest

from e2e_helpers import make_lab

pytestmark = pytest.mark.ios_e2e
HERE = Path(__file__).resolve().parent


def test_cisco_ios_modules_against_the_double(tmp_path_factory, request):
    lab = make_lab("asn", tmp_path_factory, request)  # login at privilege 1: exercises enable
    router = lab.routers["edge1"]
    run = lab.playbook(HERE / "playbooks" / "double_selftest.yml")
    assert run.rc == 0, run.out[-4000:]
    log = [e["line"] for e in router.log]
    assert "enable" in log and "terminal length 0" in log and "terminal width 512" in log
    assert "show privilege" in log
    cfg = router.config_text()
    assert "interface Loopback77\n description self-test loopback\n ip address 10.77.77.77 255.255.255.255\n" in cfg
    assert "  neighbor 10.1.0.2 soft-reconfiguration inbound\n" in cfg
    assert "frobnicate" not in cfg
    backup = (lab.workdir / "backup" / "selftest.cfg").read_text()
    assert "router bgp 65010" in backup and "Loopback77" not in backup
    assert router.errors == []
