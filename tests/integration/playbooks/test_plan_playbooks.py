"""The plan layer through real ansible-playbook runs: filters, the vc_plan module, plan_vc.yml."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
HERE = Path(__file__).parent


def run_playbook(*args, check=False):
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0")
    proc = subprocess.run(["ansible-playbook", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=300, check=False)
    out = proc.stdout + proc.stderr
    if check:
        assert proc.returncode == 0, out
    return proc.returncode, out


def test_filters_playbook():
    rc, out = run_playbook("-i", "localhost,cpe1,", str(HERE / "filters.yml"))
    assert rc == 0, out
    assert "failed=0" in out
    assert "psk-aaaa" not in out


def test_plan_vc_prints_both_regions():
    rc, out = run_playbook("-i", "inventories/example", "playbooks/plan_vc.yml", check=True)
    assert "region us-east: 203.0.113.0/24, IaaS 198.18.20.0/24, single_cpe" in out
    assert "region eu-west: 198.18.30.0/24, dual_cpe" in out
    assert "local-as 64561 (router 64551)" in out
    assert "CHANGE-ME" not in out


def test_plan_vc_check_mode_is_clean():
    rc, out = run_playbook("-i", "inventories/example", "playbooks/plan_vc.yml", "--check")
    assert rc == 0 and "changed=0" in out


@pytest.fixture
def broken_inventory(tmp_path):
    inv = tmp_path / "inv"
    shutil.copytree(REPO / "inventories" / "example", inv)
    path = inv / "group_vars" / "all" / "vc.yml"
    data = yaml.safe_load(path.read_text())
    east, west = data["vc_regions"]
    east["di_prefix"] = "203.0.113.7/24"  # host bits
    east["tunnels"][0]["di"]["asn"] = 3356  # public ASN
    east["tunnels"][1]["cpe"]["tunnel_ip"] = "100.64.10.1/29"  # overlaps tunnel 1
    east["tunnels"][1]["di"]["tunnel_ip"] = "100.64.10.6"
    del west["tunnels"][1]["psk"]  # missing PSK
    west["tunnels"].append(dict(west["tunnels"][0]))  # three tunnels
    path.write_text(yaml.safe_dump(data))
    return inv


def test_broken_input_fails_before_anything_with_every_problem(broken_inventory):
    rc, out = run_playbook("-i", str(broken_inventory), "playbooks/deploy_vc.yml", "-vvv")
    assert rc != 0
    for needle in (
        "regions[0].di_prefix: 203.0.113.7/24 has host bits set; did you mean 203.0.113.0/24?",
        "regions[0].tunnels[0].di.asn: 3356 is not a private ASN",
        "regions[0].tunnels[1].cpe.tunnel_ip: tunnel 2 subnet 100.64.10.0/29 overlaps tunnel 1 subnet",
        "regions[1].tunnels[1].psk: the pre-shared key is missing",
        "regions[1].tunnels: 3 tunnel(s) given",
    ):
        assert needle in out, needle
    # nothing after the plan ran: no role task, no connection attempt
    assert "TASK [Apply, verify" not in out and "IPsec (IKEv2" not in out
    assert "CHANGE-ME" not in out


def test_an_unset_platform_stops_the_deploy_in_the_plan(tmp_path):
    """A CPE whose ansible_network_os is not set never silently becomes another platform: the plan refuses it,
    naming the host and the known values, before any role runs."""
    inv = tmp_path / "inv"
    shutil.copytree(REPO / "inventories" / "example", inv)
    hv = inv / "host_vars" / "dc2-lnx1.yml"
    hv.write_text("".join(x for x in hv.read_text().splitlines(True) if not x.startswith("ansible_network_os")))
    rc, out = run_playbook("-i", str(inv), "playbooks/deploy_vc.yml")
    assert rc != 0
    assert "cpes.dc2-lnx1.platform: ansible_network_os of dc2-lnx1 is not set; set it to one of" in out
    assert "[platform.unknown]" in out
    assert "IPsec (IKEv2" not in out and "Apply the queued features" not in out
