"""After restarting FRR (daemons turned on), nothing is read or typed before FRR has loaded its saved configuration:
the customer's 'router ospf' of frr.conf must be in the running configuration (lab, under load: ospfd was up and the
integrated config not yet applied, so the OSPF redistribution was refused and 'write memory' could have saved a
configuration without the customer's OSPF)."""
from __future__ import annotations

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.runner import ApplyError, LinuxConfig

from .test_runner import params

SAVED = "frr version 8.4.4\n!\nrouter ospf\n ospf router-id 10.10.10.1\n network 10.10.10.0/24 area 0.0.0.0\nexit\n!\n"


class SlowFrr(object):
    """FRR whose daemons answer at once after the restart but whose saved config arrives after ``late`` reads."""

    def __init__(self, late):
        self.late = late
        self.restarted = False
        self.reads = 0
        self.calls = []

    def __call__(self, argv, data=None):
        self.calls.append(" ".join(argv))
        cmd = " ".join(argv)
        if argv[0] == "restart-frr":
            self.restarted = True
            return 0, "", ""
        if cmd.endswith("show daemons"):
            return 0, ("zebra staticd bgpd ospfd" if self.restarted else "zebra staticd"), ""
        if cmd.endswith("show running-config"):
            self.reads += 1
            return 0, (SAVED if self.reads > self.late else "frr version 8.4.4\n!\n"), ""
        return 1, "", "unexpected %s" % cmd


def _engine(plan, tmp_path, frr, wait=5):
    daemons = tmp_path / "frr" / "daemons"
    daemons.parent.mkdir()
    daemons.write_text("zebra=yes\nbgpd=no\nospfd=no\n")
    (tmp_path / "frr" / "frr.conf").write_text(SAVED)
    p = params(plan, tmp_path, features=["bgp"], frr_daemons_file=str(daemons), frr_restart=["restart-frr"], frr_wait_s=wait)
    return LinuxConfig(p, frr), daemons


def test_the_restart_waits_until_the_saved_router_blocks_are_running(plan, tmp_path):
    frr = SlowFrr(late=2)
    engine, daemons = _engine(plan, tmp_path, frr)
    assert engine._daemons(["bgpd", "ospfd"]) is True
    assert "bgpd=yes" in daemons.read_text() and "ospfd=yes" in daemons.read_text()
    assert frr.reads == 3            # two reads without 'router ospf', the third with it


def test_a_saved_configuration_that_never_loads_stops_the_run_before_anything_is_typed(plan, tmp_path):
    frr = SlowFrr(late=10 ** 6)
    engine, _daemons = _engine(plan, tmp_path, frr, wait=1)
    with pytest.raises(ApplyError, match="has not loaded its saved configuration .*router ospf missing"):
        engine._daemons(["bgpd", "ospfd"])
    assert not any("-f" in c.split() for c in frr.calls)
