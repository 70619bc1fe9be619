"""Golden rendered configs of the example inventory (tests/golden/render_vc/example/, IOS-XE CPEs).

`ansible-playbook playbooks/render_vc.yml -i inventories/example -e vc_render_dir=DIR` runs offline (the
inventory's CPE addresses are never contacted) and must write exactly the golden IOS-XE files, which must
also equal what the renderer gives for the plan built in Python from the same inventory. For the Linux CPE
the playbook must write exactly what the Linux renderer (platforms/linux/render.py) returns.

Regenerate after an intended change:  VC_REGEN_GOLDEN=1 pytest tests/unit/plugins/module_utils/platforms/test_render_golden.py
"""
from __future__ import annotations

import re

import filecmp
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from ansible_collections.webex_di.virtual_connect.plugins.action.vc_plan import HOSTVARS
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.render import render_text
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.render import linux_intent

from .ios.config_helpers import REPO

INV = REPO / "inventories" / "example"
GOLDEN = REPO / "tests" / "golden" / "render_vc" / "example"
REGEN = os.environ.get("VC_REGEN_GOLDEN") == "1"


def _tree(root: Path):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def _example_plan():
    group = yaml.safe_load((INV / "group_vars" / "all" / "vc.yml").read_text())
    cpes = {}
    for f in sorted((INV / "host_vars").glob("*.yml")):
        hv = yaml.safe_load(f.read_text())
        cpes[f.stem] = {key: hv[var] for var, key in HOSTVARS.items() if var in hv}
    result = build_plan(group["vc_regions"], cpes=cpes,
                        options={"customer_prefixes": group.get("vc_customer_prefixes", [])})
    assert result.ok, result.findings
    return result.plan


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    out = tmp_path_factory.mktemp("render")
    env = dict(os.environ)
    env["ANSIBLE_COLLECTIONS_PATH"] = "%s:%s" % (REPO / ".build" / "collections",
                                                 next(p for p in sys.path if p.endswith("site-packages")))
    env.setdefault("ANSIBLE_LOCALHOST_WARNING", "false")
    env["ANSIBLE_INVENTORY_UNPARSED_WARNING"] = "false"
    proc = subprocess.run(["ansible-playbook", str(REPO / "playbooks" / "render_vc.yml"), "-i", str(INV),
                           "-e", "vc_render_dir=%s" % out], env=env, capture_output=True, text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    if REGEN:
        shutil.rmtree(GOLDEN, ignore_errors=True)
        for rel in _tree(out):
            if rel.endswith("vc-ios.cfg"):
                (GOLDEN / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy(out / rel, GOLDEN / rel)
    return out


def test_render_playbook_writes_exactly_the_golden_ios_files(rendered):
    ios_files = [p for p in _tree(rendered) if p.endswith("vc-ios.cfg")]
    assert ios_files == _tree(GOLDEN) == ["dc1-rtr1/vc-ios.cfg", "hq-rtr1/vc-ios.cfg"]
    for rel in _tree(GOLDEN):
        assert filecmp.cmp(rendered / rel, GOLDEN / rel, shallow=False), rel


def test_render_playbook_writes_what_the_linux_renderer_returns(rendered):
    intent = linux_intent(_example_plan(), "dc2-lnx1")
    want = {"dc2-lnx1/swanctl/conf.d/vc-connections.conf": intent["swanctl_conf"],
            "dc2-lnx1/nftables.d/vc-mss-clamp.nft": intent["nft"]}
    for item in intent["networkd"]:
        want["dc2-lnx1/systemd/network/" + os.path.basename(item.get("path") or item["name"])] = item["content"]
    assert [p for p in _tree(rendered) if p.startswith("dc2-lnx1/")] == sorted(want)
    for rel, content in want.items():
        assert (rendered / rel).read_text() == content, rel
    # no secret anywhere in the offline render (the example vault values all start with CHANGE-ME)
    for rel in _tree(rendered):
        assert "CHANGE-ME" not in (rendered / rel).read_text(), rel
    assert not any("secrets" in rel for rel in _tree(rendered))


def test_golden_ios_configs_equal_the_python_renderer():
    plan = _example_plan()
    hosts = [h for h, c in plan["cpes"].items() if c["platform"] == "cisco.ios.ios"]
    assert sorted(hosts) == ["dc1-rtr1", "hq-rtr1"]
    for host in hosts:
        hv = yaml.safe_load((INV / "host_vars" / ("%s.yml" % host)).read_text())
        text = render_text(plan, host, wan_next_hop=hv.get("vc_wan_next_hop"))
        assert text == (GOLDEN / host / "vc-ios.cfg").read_text(), host


def test_golden_ios_configs_follow_the_design():
    hq = (GOLDEN / "hq-rtr1" / "vc-ios.cfg").read_text()
    dc1 = (GOLDEN / "dc1-rtr1" / "vc-ios.cfg").read_text()
    # single CPE, two tunnels, different customer ASN per tunnel: tunnel B's neighbour uses local-as
    assert "router bgp 64551\n" in hq
    assert " neighbor 100.64.10.6 local-as 64561 no-prepend replace-as\n" in hq
    assert "local-as" not in hq.replace(" neighbor 100.64.10.6 local-as 64561 no-prepend replace-as\n", "")
    # the IaaS /24 and its /25 per DC are expected in, only the default route out
    assert "ip prefix-list VC-IN-US-EAST-A seq 5 permit 198.18.20.0/24\n" in hq
    assert "ip prefix-list VC-IN-US-EAST-B seq 10 permit 198.18.20.128/25\n" in hq
    assert "ip prefix-list VC-OUT-US-EAST-A seq 5 permit 0.0.0.0/0\n" in hq
    assert len(re.findall(r"^ip prefix-list VC-OUT-\S+ seq ", hq, re.M)) == 2    # entries (the marker line is not one)
    assert "ip prefix-list VC-OUT-US-EAST-A description webex_di.virtual_connect:us-east-A\n" in hq
    # dual CPE region: dc1-rtr1 carries only DC-A, in the enterprise AS with local-as
    assert "router bgp 65010\n" in dc1 and " neighbor 100.64.20.1 local-as 64571 no-prepend replace-as\n" in dc1
    assert "VC-EU-WEST-B" not in dc1 and "VC-US-EAST" not in dc1
    # GRE transport differs from the IPsec address there: the ACL and tunnel source use the GRE IP
    assert " permit gre host 192.0.2.21 host 198.51.100.148\n" in dc1
    assert " tunnel source 192.0.2.21\n" in dc1
    assert " ip address 100.64.20.0 255.255.255.254\n" in dc1
    assert "ip route 198.51.100.148 255.255.255.255 192.0.2.17 name VC-EU-WEST-A\n" in dc1
    for text in (hq, dc1):
        assert "CHANGE-ME" not in text
        assert " keepalive 10 3\n" in text and " ip tcp adjust-mss 1350\n" in text
        assert " dpd 10 2 periodic\n" in text and " tunnel path-mtu-discovery\n" in text
