"""vc_ios_config merged: a run that changes the BGP timers of an existing neighbour re-establishes its session
(``clear ip bgp X`` after the configuration session), so that the new hold time is negotiated."""
from __future__ import annotations

from ansible_collections.webex_di.virtual_connect.plugins.modules import vc_ios_config as M

from ..module_utils.platforms.ios import config_helpers as H
from .test_vc_ios_config import params

FAST = {"bgp": {"keepalive_s": 3, "hold_s": 9}}
CLEARS = ["clear ip bgp 100.64.0.2", "clear ip bgp 100.64.0.6"]


def _deployed():
    """A CPE deployed with the default timers (10/30): nothing was reset then (new neighbours)."""
    plan, secrets = H.lab_plan()
    conn = H.FakeConn(H.BASE)
    first = M.run_merged(params(plan, secrets), conn, check_mode=False)
    assert first["changed"] is True and not first.get("failed")
    assert "neighbor 100.64.0.2 timers 10 30" in first["commands"]
    assert first["bgp_reset"] == [] and conn.executed == []
    return conn


def test_switching_the_timers_resets_both_sessions_after_the_config_session_then_a_rerun_resets_none():
    conn = _deployed()
    fast, secrets = H.lab_plan(options=FAST)
    second = M.run_merged(params(fast, secrets), conn, check_mode=False)
    assert not second.get("failed") and second["changed"] is True
    assert "neighbor 100.64.0.2 timers 3 9" in second["commands"] and "neighbor 100.64.0.6 timers 3 9" in second["commands"]
    assert second["bgp_reset"] == ["100.64.0.2", "100.64.0.6"]
    assert conn.executed == CLEARS
    last_config = max(i for i, (kind, _c) in enumerate(conn.log) if kind == "config")
    assert [c for kind, c in conn.log[last_config + 1:] if kind == "exec"] == CLEARS   # after the session
    assert "clear ip bgp 100.64.0.2" not in second["commands"]        # commands stay configuration lines
    third = M.run_merged(params(fast, secrets), conn, check_mode=False)
    assert third["changed"] is False and third["bgp_reset"] == [] and conn.executed == CLEARS


def test_check_mode_reports_the_resets_and_runs_nothing():
    conn = _deployed()
    fast, secrets = H.lab_plan(options=FAST)
    sent = list(conn.sent)
    result = M.run_merged(params(fast, secrets), conn, check_mode=True)
    assert result["changed"] is True and result["bgp_reset"] == ["100.64.0.2", "100.64.0.6"]
    assert conn.executed == [] and conn.sent == sent


def test_a_staged_apply_resets_only_its_own_tunnels_neighbour():
    conn = _deployed()
    fast, secrets = H.lab_plan(options=FAST)
    stage1 = M.run_merged(params(fast, secrets, tunnels=["lab-A"]), conn, check_mode=False)
    assert stage1["bgp_reset"] == ["100.64.0.2"] and conn.executed == ["clear ip bgp 100.64.0.2"]
    stage2 = M.run_merged(params(fast, secrets, tunnels=["lab-B"]), conn, check_mode=False)
    assert stage2["bgp_reset"] == ["100.64.0.6"] and conn.executed == CLEARS


def test_a_refused_clear_is_a_warning_and_the_neighbour_is_left_out():
    conn = _deployed()
    conn.fail_exec = "100.64.0.2"
    fast, secrets = H.lab_plan(options=FAST)
    result = M.run_merged(params(fast, secrets), conn, check_mode=False)
    assert not result.get("failed") and not result.get("rolled_back")
    assert result["bgp_reset"] == ["100.64.0.6"] and conn.executed == ["clear ip bgp 100.64.0.6"]
    warning, = [w for w in result["warnings"] if "clear ip bgp" in w]
    assert warning.startswith("clear ip bgp 100.64.0.2 failed (") and "negotiated timers" in warning


def test_a_failed_verify_rolls_back_and_resets_nothing():
    conn = _deployed()
    conn.drop = "neighbor 100.64.0.6 timers 3 9"       # the 'router' ignores one line: verify fails
    fast, secrets = H.lab_plan(options=FAST)
    result = M.run_merged(params(fast, secrets), conn, check_mode=False)
    assert result["failed"] is True and result["rolled_back"] is True
    assert not any(c.startswith("clear") for c in conn.executed)
    assert "verify failed" in result["msg"] and result["bgp_reset"] == []
