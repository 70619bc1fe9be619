"""plan/targets.py: which CPEs a run acts on, and every way a run is refused before a device is touched."""
from __future__ import annotations

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.targets import resolve_targets

from .helpers import region


def plan(*regions):
    cpes = {h: {"platform": "cisco.ios.ios", "wan_interface": "Gi1"} for h in ("cpe1", "cpe2", "cpe3")}
    res = build_plan(list(regions), cpes=cpes)
    assert res.ok, res.findings
    return res.plan


SINGLE = region("us-east")                              # cpe1 carries both tunnels
DUAL = region("eu-west", octet=114, tun=1, dual=True)   # cpe1 tunnel 1, cpe2 tunnel 2


def test_every_planned_cpe_is_a_target_wherever_it_sits():
    out = resolve_targets(plan(SINGLE, DUAL), ["fw1", "cpe1", "cpe2"], ["fw1", "cpe1", "cpe2"])
    assert out["errors"] == [] and out["targets"] == ["cpe1", "cpe2"] and out["left_out"] == []
    assert out["regions"]["eu-west"] == {"hosts": ["cpe1", "cpe2"], "targets": ["cpe1", "cpe2"], "deployment": "dual_cpe"}


def test_empty_inventory():
    out = resolve_targets(plan(SINGLE), [], ["localhost"])
    assert out["targets"] == []
    assert any(e.startswith("the inventory has no host") and "cpe1" in e for e in out["errors"])


def test_planned_cpe_missing_from_the_inventory():
    out = resolve_targets(plan(SINGLE, DUAL), ["cpe1"], ["cpe1"])
    assert any("CPE host(s) cpe2 named by vc_regions" in e and "not in the inventory" in e for e in out["errors"])


def test_limit_splitting_a_dual_region_names_both_hosts_and_the_flag():
    p = plan(DUAL)
    out = resolve_targets(p, ["cpe1", "cpe2"], ["cpe2"], limit="cpe2")
    assert len(out["errors"]) == 1
    msg = out["errors"][0]
    assert "region eu-west" in msg and "--limit cpe2 selects cpe2 but leaves out cpe1" in msg
    assert "--limit cpe1,cpe2" in msg and "vc_allow_partial_region=true" in msg
    ok = resolve_targets(p, ["cpe1", "cpe2"], ["cpe2"], limit="cpe2", allow_partial=True)
    assert ok["errors"] == [] and ok["targets"] == ["cpe2"] and len(ok["warnings"]) == 1


def test_limit_leaving_out_whole_regions_is_fine():
    out = resolve_targets(plan(region("us-east"), region("eu-west", octet=114, tun=1, dual=True)),
                          ["cpe1", "cpe2"], ["cpe1", "cpe2"], limit="cpe1,cpe2")
    assert out["errors"] == []
    p = plan(region("r1"), {**region("r2", octet=115, tun=2), "tunnels": [
        dict(t, cpe=dict(t["cpe"], host="cpe3", ipsec_ip="192.0.2.30", gre_ip="192.0.2.30"))
        for t in region("r2", octet=115, tun=2)["tunnels"]]})
    out = resolve_targets(p, ["cpe1", "cpe3"], ["cpe3"], limit="cpe3")
    assert out["errors"] == [] and out["targets"] == ["cpe3"] and out["left_out"] == ["cpe1"]


def test_limit_selecting_no_planned_cpe():
    out = resolve_targets(plan(SINGLE), ["cpe1", "fw1"], ["fw1"], limit="fw1")
    assert out["targets"] == []
    assert out["errors"] == ["--limit fw1 selects none of the CPEs vc_regions names (cpe1): widen --limit (or the "
                             "inventory), nothing would be done"]


def test_user_group_must_hold_every_planned_cpe():
    p = plan(SINGLE, DUAL)
    out = resolve_targets(p, ["cpe1", "cpe2", "x"], ["cpe1", "cpe2", "x"], pattern="site_a", pattern_hosts=["cpe1", "x"])
    assert any("cpe2 named by vc_regions are not in vc_cpe_group=site_a" in e for e in out["errors"])
    assert any("host(s) x of vc_cpe_group=site_a carry no Virtual Connect tunnel" in w for w in out["warnings"])
    typo = resolve_targets(p, ["cpe1", "cpe2"], ["cpe1", "cpe2"], pattern="vc_cpez", pattern_hosts=[])
    assert any("vc_cpe_group=vc_cpez matches no host of the inventory" in e for e in typo["errors"])
    good = resolve_targets(p, ["cpe1", "cpe2", "x"], ["cpe1", "cpe2", "x"], pattern="vc", pattern_hosts=["cpe1", "cpe2"])
    assert good["errors"] == [] and good["targets"] == ["cpe1", "cpe2"]
