"""The Linux modules run for real through Ansible (ad-hoc, connection local): files and FRR on this host.

Proves idempotency (second run changed=false), check mode, and that secrets never appear in the result or diff.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..module_utils.platforms.linux.helpers import SECRETS, fixture_text

REPO = Path(__file__).resolve().parents[4]


def module(name, args, check=False, diff=True, tmp_path=None, netns=None):
    env = dict(os.environ)
    env.update(
        ANSIBLE_COLLECTIONS_PATH="%s:%s" % (REPO / ".build" / "collections", env.get("ANSIBLE_COLLECTIONS_PATH", "")),
        ANSIBLE_LOAD_CALLBACK_PLUGINS="1",
        ANSIBLE_STDOUT_CALLBACK="json",
        ANSIBLE_HOME=str(tmp_path / "ansible-home"),
        ANSIBLE_LOCAL_TEMP=str(tmp_path / "ansible-tmp"),
    )
    argv = (["ip", "netns", "exec", netns] if netns else []) + [
        "ansible", "localhost", "-c", "local", "-i", "localhost,", "-m", "webex_di.virtual_connect.%s" % name,
        "-a", json.dumps(args), "-e", "ansible_python_interpreter=%s" % sys.executable,
    ]
    if check:
        argv.append("--check")
    if diff:
        argv.append("--diff")
    p = subprocess.run(argv, capture_output=True, text=True, env=env, cwd=str(REPO), check=False)
    out = json.loads(p.stdout)
    result = out["plays"][0]["tasks"][0]["hosts"]["localhost"]
    return result, p.stdout


needs_ansible = pytest.mark.skipif(shutil.which("ansible") is None, reason="needs ansible")


@needs_ansible
def test_files_module_writes_prunes_and_masks(tmp_path):
    d = tmp_path / "net"
    (d).mkdir()
    (d / "vcgre999.netdev").write_text("stale\n")
    (d / "other.netdev").write_text("operator\n")
    args = {"dir": str(d), "files": [{"path": "sub/a.conf", "content": "secret = hunter2\n", "mode": "0600"}],
            "prune": ["vcgre*.netdev"], "secrets": ["hunter2"]}
    res, raw = module("vc_linux_files", args, check=True, tmp_path=tmp_path)
    assert res["changed"] and not (d / "sub" / "a.conf").exists() and (d / "vcgre999.netdev").exists()
    res, raw = module("vc_linux_files", args, tmp_path=tmp_path)
    assert res["changed"] and sorted(res["changed_files"]) == sorted([str(d / "sub/a.conf"), str(d / "vcgre999.netdev")])
    assert (d / "sub" / "a.conf").read_text() == "secret = hunter2\n"
    assert oct((d / "sub" / "a.conf").stat().st_mode & 0o777) == "0o600"
    assert not (d / "vcgre999.netdev").exists() and (d / "other.netdev").exists()
    assert "hunter2" not in raw and "secret = ********" in raw
    res, raw = module("vc_linux_files", args, tmp_path=tmp_path)
    assert res["changed"] is False


@needs_ansible
def test_frr_module_converges_idempotently_without_printing_passwords(host_frr, plan, tmp_path):
    host_frr.configure(fixture_text("frr_operator.conf"))
    args = {"plan": plan, "host": "cpe1", "secrets": SECRETS, "vtysh": host_frr.vtysh, "daemons_file": "", "save": False}
    res, raw = module("vc_linux_frr", args, check=True, tmp_path=tmp_path)
    assert res["changed"] and res["commands"]
    assert "neighbor 100.64.0.6 password" not in host_frr.running()  # check mode changed nothing
    res, raw = module("vc_linux_frr", args, tmp_path=tmp_path)
    assert res["changed"], raw
    for s in ("lab-bgp-dc-a", "lab-bgp-dc-b", "lab-psk-dc-a-0123456789"):
        assert s not in raw
    assert "neighbor 100.64.0.6 password ********" in raw
    assert "neighbor 100.64.0.6 password lab-bgp-dc-b" in host_frr.running()
    res, raw = module("vc_linux_frr", args, tmp_path=tmp_path)
    assert res["changed"] is False and res["commands"] == []


@needs_ansible
def test_frr_module_refuses_another_asn(host_frr, plan, tmp_path):
    host_frr.configure("router bgp 65123\nexit\n")
    res, raw = module("vc_linux_frr", {"plan": plan, "host": "cpe1", "secrets": SECRETS, "vtysh": host_frr.vtysh, "daemons_file": ""},
                      tmp_path=tmp_path)
    assert res.get("failed") and "router bgp 65123" in res["msg"]


@needs_ansible
def test_frr_module_enables_bgpd_in_the_daemons_file(host_frr, plan, tmp_path):
    daemons = tmp_path / "daemons"
    daemons.write_text("zebra=yes\nbgpd=no\nospfd=no\n")
    args = {"plan": plan, "host": "cpe1", "secrets": SECRETS, "vtysh": host_frr.vtysh, "daemons_file": str(daemons),
            "restart": ["true"], "save": False}
    res, raw = module("vc_linux_frr", args, tmp_path=tmp_path)
    assert res["daemons_changed"] is True
    assert daemons.read_text() == "zebra=yes\nbgpd=yes\nospfd=no\n"
    res, raw = module("vc_linux_frr", args, tmp_path=tmp_path)
    assert res["daemons_changed"] is False and res["changed"] is False


@pytest.fixture
def netns():
    if os.geteuid() != 0 or shutil.which("nft") is None:
        pytest.skip("needs root and nft")
    name = "vcn%d" % os.getpid()
    if subprocess.run(["ip", "netns", "add", name], check=False).returncode != 0:
        pytest.skip("cannot create a network namespace")
    yield name
    subprocess.run(["ip", "netns", "del", name], check=False)


@needs_ansible
def test_nft_module_loads_once_and_replaces_an_outdated_table(plan, netns, tmp_path):
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L

    tunnels = L.host_tunnels(plan, "cpe1")
    script = tmp_path / "nft.d" / "vc-mss-clamp.nft"
    args = {"content": L.render_nft_mss(tunnels), "path": str(script)}
    res, raw = module("vc_linux_nft", args, tmp_path=tmp_path, netns=netns)
    assert res["changed"] and res["ip_no_pmtu_disc"] == 0 and script.read_text() == args["content"]
    listing = subprocess.run(["ip", "netns", "exec", netns, "nft", "list", "table", "inet", "vc_mss_clamp"], capture_output=True, text=True, check=False).stdout
    assert 'oifname "vcgre102"' in listing and "maxseg size set 1350" in listing
    res, raw = module("vc_linux_nft", args, tmp_path=tmp_path, netns=netns)
    assert res["changed"] is False
    # someone edits the live table: the next run restores it, the operator's own table is left alone
    nft = ["ip", "netns", "exec", netns, "nft"]
    subprocess.run(nft + ["add", "table", "inet", "operator"], check=True)
    subprocess.run(nft + ["add", "chain", "inet", "operator", "c", "{ type filter hook input priority 0 ; }"], check=True)
    handles = json.loads(subprocess.run(nft + ["-j", "-a", "list", "table", "inet", "vc_mss_clamp"], capture_output=True, text=True, check=False).stdout)
    handle = [i["rule"]["handle"] for i in handles["nftables"] if "rule" in i][0]
    subprocess.run(nft + ["delete", "rule", "inet", "vc_mss_clamp", "forward", "handle", str(handle)], check=True)
    res, raw = module("vc_linux_nft", args, tmp_path=tmp_path, netns=netns)
    assert res["changed"] is True
    rs = subprocess.run(["ip", "netns", "exec", netns, "nft", "list", "ruleset"], capture_output=True, text=True, check=False).stdout
    assert "table inet operator" in rs and rs.count("maxseg size set 1350") == 4
    tunnels[0]["mtu"]["tcp_mss"] = 1300
    res, raw = module("vc_linux_nft", dict(args, content=L.render_nft_mss(tunnels)), tmp_path=tmp_path, netns=netns)
    assert res["changed"] is True
