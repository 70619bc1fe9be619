"""Configure the capture VM's CPE namespace from the plan with the collection's Linux logic, or gather its state.

usage (inside `ip netns exec cpe`): cpe_apply.py apply|state OUTDIR      env R=/run/cap
Used only by capture_vm.sh to produce real outputs for the parser tests; the roles do this on real CPEs.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[6]
sys.path.insert(0, str(REPO / ".build" / "collections"))
import yaml  # noqa: E402

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L  # noqa: E402
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import apply as A  # noqa: E402
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import frr as F  # noqa: E402
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import state as S  # noqa: E402

R = os.environ.get("R", "/run/cap")
VTYSH = ["vtysh", "-N", "cpe"]
SWANCTL = ["swanctl"]
URI = "unix://%s/cpe/charon.vici" % R


def run(argv, data=None):
    p = subprocess.run(argv, input=data, capture_output=True, text=True, check=False)
    return p.returncode, p.stdout, p.stderr


def load_plan():
    regions = yaml.safe_load(open(REPO / "inventories/lab/group_vars/all/vc.yml"))["vc_regions"]
    try:
        from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan
        plan = build_plan(regions, cpes={"cpe1": {"platform": "linux", "wan_interface": "wan0"}}).plan
    except Exception as exc:  # plan core not there yet: the hand-made plan of the same inventory
        print("build_plan unavailable (%s): hand-made plan" % exc)
        plan = json.load(open(HERE.parent / "fixtures/plan_lab.json"))
    secrets = {}
    for r in regions:
        for t in r["tunnels"]:
            secrets["%s-%s" % (r["region"], t["datacenter"])] = {"psk": t["psk"], "bgp_password": t.get("bgp_password")}
    return plan, secrets


def apply(out):
    plan, secrets = load_plan()
    json.dump(plan, open(Path(out) / "plan.json", "w"), indent=1, sort_keys=True)
    tunnels = L.host_tunnels(plan, "cpe1")
    changes = 0
    d = Path(R) / "cpe" / "conf.d"
    d.mkdir(parents=True, exist_ok=True)
    files = {d / "vc-connections.conf": L.render_swanctl_connections(tunnels), d / "vc-secrets.conf": L.render_swanctl_secrets(tunnels, secrets)}
    (Path(R) / "cpe" / "swanctl.conf").write_text("include conf.d/*.conf\n")
    for path, text in files.items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changes += 1
            rc, o, e = run(SWANCTL + ["--load-all", "--noprompt", "--file", str(Path(R) / "cpe" / "swanctl.conf"), "--uri", URI])
            print("swanctl load rc", rc, o, e)
    links = json.loads(run(["ip", "-j", "-d", "link", "show"])[1])
    addrs = json.loads(run(["ip", "-j", "addr", "show"])[1])
    ch = A.gre_changes(L.gre_links(tunnels), links, addrs)
    for cmd in ch["commands"]:
        print("ip", " ".join(cmd), run(["ip"] + cmd)[0])
        changes += 1
    nft = L.render_nft_mss(tunnels)
    rules = L.nft_mss_rules(tunnels)
    rc, o, e = run(["nft", "-j", "list", "table", "inet", L.NFT_TABLE])
    if not A.nft_current(o if rc == 0 else None, L.nft_tag(rules), len(rules)):
        print("nft load", run(["nft", "-f", "-"], nft)[0])
        changes += 1
    running = run(VTYSH + ["-c", "show running-config"])[1]
    pw = dict((k, v["bgp_password"]) for k, v in secrets.items())
    intent = L.frr_intent(tunnels, plan["cpes"]["cpe1"], pw, activate=F.needs_activate(running))
    delta = F.frr_delta(running, intent)
    if delta["commands"]:
        rc, o, e = run(VTYSH + ["-f", "/dev/stdin"], "\n".join(delta["commands"]) + "\n")
        print("vtysh -f rc", rc, o, e)
        changes += 1
        again = F.frr_delta(run(VTYSH + ["-c", "show running-config"])[1], intent)
        print("FRR converged:", not again["commands"], again["commands"])
    print("CHANGES", changes)


def state(out):  # pylint: disable=unused-argument
    plan = load_plan()[0]
    tunnels = L.host_tunnels(plan, "cpe1")
    targets = S.targets_from_plan(tunnels, L.link_name)
    st = S.gather(run, "cpe1", targets, {"swanctl": SWANCTL, "vtysh": VTYSH}, swanctl_uri=URI)
    print(json.dumps(st, indent=1, sort_keys=True))


if __name__ == "__main__":
    {"apply": apply, "state": state}[sys.argv[1]](sys.argv[2])
