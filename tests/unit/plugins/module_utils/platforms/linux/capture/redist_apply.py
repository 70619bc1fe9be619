"""Apply the collection's FRR intent for the redistribution capture (capture_redistribution.sh), twice.

usage (inside `ip netns exec vcr-cpe`): redist_apply.py ospf|bgp|cond OUTDIR      env VTY=<vtysh socket dir>
(cond: OSPF with the conditional default, default_requires the core's LAN 10.20.30.0/24: capture_default_cond.sh)
The plan is the one of inventories/example-ha for ha-lnx1 (DC-B of us-east), with vc_redistribution set to the
mode asked for; the delta (frr.frr_delta) is typed with vtysh, then computed again: it must be empty (idempotent).
"""
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[6]
sys.path.insert(0, str(REPO / ".build" / "collections"))
sys.path.insert(0, str(HERE))
import yaml  # noqa: E402
from frr_typing import type_until_idempotent, vtysh  # noqa: E402

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan  # noqa: E402
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.views import cpe_tunnels  # noqa: E402
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import frr as F  # noqa: E402
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L  # noqa: E402

HOST = "ha-lnx1"
MODES = {
    "ospf": {"protocol": "ospf", "metric": 20, "metric_type": 1},
    "bgp": {"protocol": "bgp", "neighbors": ["10.0.0.2"]},
    "cond": {"protocol": "ospf", "metric": 20, "metric_type": 1, "default_requires": ["10.20.30.0/24"]},
}


def plan_for(mode):
    inv = REPO / "inventories" / "example-ha"
    group = yaml.safe_load((inv / "group_vars" / "all" / "vc.yml").read_text())
    regions = group["vc_regions"]
    for r in regions:
        for t in r["tunnels"]:
            t["psk"] = "capture-psk-0123456789abcdef"
            t.pop("bgp_password", None)
    cpes = {HOST: {"platform": "linux", "wan_interface": "t0", "redistribution": MODES[mode]}}
    for host in ("ha-rtr1", "ha-rtr2"):
        cpes[host] = {"platform": "cisco.ios.ios", "wan_interface": "Gi1"}
    result = build_plan(regions, cpes=cpes, options={"bgp": group["vc_bgp"], "dpd": group["vc_dpd"]})
    assert result.ok, [f for f in result.findings if f["severity"] == "error"]
    return result.plan


def delta(plan):
    running = vtysh("-c", "show running-config")
    cpe = plan["cpes"][HOST]
    intent = L.frr_intent(cpe_tunnels(plan, HOST), cpe, {}, activate=F.needs_activate(running))
    return F.frr_delta(running, intent)


def main():
    mode, out = sys.argv[1], Path(sys.argv[2])
    plan = plan_for(mode)
    (out / "plan.json").write_text(json.dumps(plan, indent=1, sort_keys=True) + "\n")
    type_until_idempotent(delta, plan, out)


if __name__ == "__main__":
    main()
