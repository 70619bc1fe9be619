"""The IPsec device's part of a split tunnel for the split capture (capture_split.sh): plan, FRR, updown script.

usage (inside `ip netns exec vcs-ipsec`): split_apply.py OUTDIR      env VTY=<vtysh socket dir>
The plan is inventories/lab's, tunnel 1 split (IPsec device ipsec1, GRE router cpe1, both Linux, RRI tag 99).
Writes plan.json and the updown script (vc-rri-updown.sh, as the ipsec feature renders it); the FRR delta of
ipsec1 (frr.frr_delta over render.frr_intent with its RRI tunnels) is typed with vtysh, then computed again: it
must be empty (idempotent).
"""
import copy
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
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import frr as F  # noqa: E402
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L  # noqa: E402

HOST = "ipsec1"
LINUX = {"platform": "linux", "wan_interface": "wan0"}


def split_plan():
    regions = yaml.safe_load((REPO / "inventories" / "lab" / "group_vars" / "all" / "vc.yml").read_text())["vc_regions"]
    regions = copy.deepcopy(regions)
    regions[0]["tunnels"][0]["cpe"].update(ipsec_host=HOST, ipsec_inside_ip="10.1.0.1", gre_ip="192.0.2.130")
    for r in regions:
        for t in r["tunnels"]:
            t["psk"] = "capture-psk-0123456789abcdef"
            t.pop("bgp_password", None)
    result = build_plan(regions, cpes={"cpe1": dict(LINUX), HOST: dict(LINUX)}, options={"rri": {"tag": 99}})
    assert result.ok, [f for f in result.findings if f["severity"] == "error"]
    return result.plan


def delta(plan):
    running = vtysh("-c", "show running-config")
    intent = L.frr_intent(L.host_tunnels(plan, HOST), plan["cpes"][HOST], {}, activate=F.needs_activate(running),
                          rri_tunnels=L.rri_tunnels(plan, HOST))
    return F.frr_delta(running, intent)


def main():
    out = Path(sys.argv[1])
    plan = split_plan()
    (out / "plan.json").write_text(json.dumps(plan, indent=1, sort_keys=True) + "\n")
    (out / L.RRI_UPDOWN).write_text(L.render_files(plan, HOST)["files"]["swanctl/" + L.RRI_UPDOWN])
    type_until_idempotent(delta, plan, out)


if __name__ == "__main__":
    main()
