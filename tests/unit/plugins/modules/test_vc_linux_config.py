"""vc_linux_config runs for real through Ansible (ad-hoc, connection local): swanctl files (with a stand-in swanctl,
so without the preflight, which needs a running charon; the preflight is proven on this host at the end),
networkd files and GRE links and nftables in a network namespace, and FRR on this host.

Proves idempotency (second run changed=false), check mode, and that secrets never appear in the result or diff.
"""
from __future__ import annotations

import copy

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from ..module_utils.platforms.linux.helpers import FIXTURES, SECRETS, fixture_text

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


FAKE_SWANCTL = """#!/bin/sh
# a stand-in for swanctl: --load-all marks the connections loaded, --list-conns prints them (captured output)
case "$*" in
  *--load-all*) touch "$(dirname "$0")/loaded"; echo "loaded 2 connections" ;;
  *--list-conns*) [ -e "$(dirname "$0")/loaded" ] && cat "$(dirname "$0")/conns.txt" || echo "list-conns reply {}" ;;
  *) exit 1 ;;
esac
"""


def fake_swanctl(tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    (bindir / "conns.txt").write_text((FIXTURES / "lab" / "swanctl_list_conns_raw.txt").read_text())
    (bindir / "swanctl").write_text(FAKE_SWANCTL)
    (bindir / "swanctl").chmod(0o755)
    return str(bindir / "swanctl")


@needs_ansible
def test_ipsec_writes_both_files_loads_once_and_masks_the_psk(plan, tmp_path):
    d = tmp_path / "swanctl"
    args = {"plan": plan, "host": "cpe1", "preflight": False, "secrets": SECRETS, "features": ["ipsec", "ha"], "swanctl_dir": str(d),
            "swanctl": [fake_swanctl(tmp_path)]}
    res, raw = module("vc_linux_config", args, check=True, tmp_path=tmp_path)
    assert res["changed"] and not (d / "conf.d" / "vc-secrets.conf").exists()
    res, raw = module("vc_linux_config", args, tmp_path=tmp_path)
    assert res["changed"] and sorted(res["changed_files"]) == sorted(
        [str(d / "conf.d" / "vc-connections.conf"), str(d / "conf.d" / "vc-secrets.conf")])
    assert "swanctl --load-all" in res["commands"]
    secrets_file = d / "conf.d" / "vc-secrets.conf"
    assert oct(secrets_file.stat().st_mode & 0o777) == "0o600"
    assert "secret = 0s" in secrets_file.read_text()
    assert res["features"]["ha"]["checked"] == ["vc-lab-A", "vc-lab-B"]
    b64 = [line.split("0s", 1)[1] for line in secrets_file.read_text().splitlines() if "secret = 0s" in line]
    for s in list(b64) + [v["psk"] for v in SECRETS.values()]:
        assert s not in raw
    assert "secret = ********" in raw
    res, raw = module("vc_linux_config", args, tmp_path=tmp_path)
    assert res["changed"] is False and res["commands"] == []


FAKE_IP = """#!/bin/sh
# a stand-in for iproute2 (the host kernel here has no GRE): the links and addresses a converged CPE showed
case "$*" in
  "-j -d link show") cat "$(dirname "$0")/ip_link.json" ;;
  "-j addr show") cat "$(dirname "$0")/ip_addr.json" ;;
  *) echo "unexpected: $*" >&2; exit 1 ;;
esac
"""


@needs_ansible
def test_gre_writes_and_prunes_networkd_files_only_when_they_differ(plan, tmp_path):
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for name in ("ip_link.json", "ip_addr.json"):
        (bindir / name).write_text((FIXTURES / "lab" / name).read_text())
    # the capture predates the ownership marker: the links as this version leaves them carry their alias
    links = json.loads((bindir / "ip_link.json").read_text())
    for link in links:
        if link.get("ifname") in ("vcgre101", "vcgre102"):
            link["ifalias"] = "webex_di.virtual_connect:lab-%s" % ("A" if link["ifname"] == "vcgre101" else "B")
    (bindir / "ip_link.json").write_text(json.dumps(links))
    (bindir / "ip").write_text(FAKE_IP)
    (bindir / "ip").chmod(0o755)
    d = tmp_path / "net"
    d.mkdir()
    (d / "vcgre999.netdev").write_text("# Managed by webex_di.virtual_connect (Webex Calling Dedicated Instance Virtual "
                                       "Connect): do not edit.\nstale\n")
    (d / "vcgre998.netdev").write_text("# an operator's file named like ours\n")     # not ours: never deleted
    (d / "other.netdev").write_text("operator\n")
    args = {"plan": plan, "host": "cpe1", "preflight": False, "features": ["gre"], "networkd_dir": str(d), "ip": str(bindir / "ip")}
    res, raw = module("vc_linux_config", args, check=True, tmp_path=tmp_path)
    assert res["changed"] and not res.get("failed") and not (d / "vcgre101.netdev").exists() and (d / "vcgre999.netdev").exists()
    res, raw = module("vc_linux_config", args, tmp_path=tmp_path)
    assert res["changed"] and not res.get("failed"), raw
    names = ("vcgre101.netdev", "vcgre101.network", "vcgre102.netdev", "vcgre102.network", "vcgre999.netdev")
    assert sorted(res["changed_files"]) == sorted(str(d / n) for n in names)
    assert (d / "vcgre101.netdev").exists() and not (d / "vcgre999.netdev").exists() and (d / "other.netdev").exists()
    assert (d / "vcgre998.netdev").read_text() == "# an operator's file named like ours\n"
    assert res["commands"] == []   # the live links already match the plan
    assert any("no keepalives" in w for w in res.get("warnings", []))
    res, raw = module("vc_linux_config", args, tmp_path=tmp_path)
    assert res["changed"] is False and not res.get("failed")


@needs_ansible
def test_bgp_converges_idempotently_without_printing_passwords(host_frr, plan, tmp_path):
    host_frr.configure(fixture_text("frr_operator.conf"))
    args = {"plan": plan, "host": "cpe1", "preflight": False, "secrets": SECRETS, "features": ["bgp"], "vtysh": host_frr.vtysh,
            "frr_daemons_file": "", "frr_save": False}
    res, raw = module("vc_linux_config", args, check=True, tmp_path=tmp_path)
    assert res["changed"] and res["commands"]
    assert "neighbor 100.64.0.6 password" not in host_frr.running()  # check mode changed nothing
    res, raw = module("vc_linux_config", args, tmp_path=tmp_path)
    assert res["changed"], raw
    for s in ("lab-bgp-dc-a", "lab-bgp-dc-b", "lab-psk-dc-a-0123456789"):
        assert s not in raw
    assert "neighbor 100.64.0.6 password ********" in raw
    assert "neighbor 100.64.0.6 password lab-bgp-dc-b" in host_frr.running()
    res, raw = module("vc_linux_config", args, tmp_path=tmp_path)
    assert res["changed"] is False and res["commands"] == []


@needs_ansible
def test_new_timers_of_a_staged_tunnel_re_establish_its_session_once(host_frr, plan, tmp_path):
    """BGP negotiates the hold time in its OPEN: a running session keeps the old one (real FRR, fixtures/bgp_timers),
    so a run that changes a staged tunnel's timers clears that neighbour, and only that one."""
    host_frr.configure(fixture_text("frr_operator.conf"))
    args = {"plan": plan, "host": "cpe1", "preflight": False, "secrets": SECRETS, "features": ["bgp"], "vtysh": host_frr.vtysh,
            "frr_daemons_file": "", "frr_save": False}
    res, raw = module("vc_linux_config", args, tmp_path=tmp_path)
    assert res["changed"] and res["features"]["bgp"]["reset"] == [], raw     # new neighbours negotiate what they have
    fast = copy.deepcopy(plan)
    for t in fast["regions"][0]["tunnels"]:
        t["bgp"]["timers"].update(keepalive_s=3, hold_s=9)
    staged = dict(args, plan=fast, tunnels=["lab-A"])
    res, raw = module("vc_linux_config", staged, check=True, tmp_path=tmp_path)
    assert res["changed"] and res["features"]["bgp"]["reset"] == ["100.64.0.2"], raw
    assert "neighbor 100.64.0.2 timers 3 9" not in host_frr.running()       # check mode typed and cleared nothing
    res, raw = module("vc_linux_config", staged, tmp_path=tmp_path)
    assert res["features"]["bgp"]["reset"] == ["100.64.0.2"], raw
    assert "vtysh: clear bgp 100.64.0.2 (new timers)" in res["commands"]
    running = host_frr.running()
    assert "neighbor 100.64.0.2 timers 3 9" in running and "neighbor 100.64.0.6 timers 10 30" in running
    res, raw = module("vc_linux_config", staged, tmp_path=tmp_path)
    assert res["changed"] is False and res["commands"] == [] and res["features"]["bgp"]["reset"] == []


@needs_ansible
def test_bgp_refuses_another_asn(host_frr, plan, tmp_path):
    host_frr.configure("router bgp 65123\nexit\n")
    res, raw = module("vc_linux_config", {"plan": plan, "host": "cpe1", "preflight": False, "secrets": SECRETS, "features": ["bgp"],
                                          "vtysh": host_frr.vtysh, "frr_daemons_file": ""}, tmp_path=tmp_path)
    assert res.get("failed") and "router bgp 65123" in res["msg"]


@needs_ansible
def test_bgp_enables_bgpd_in_the_daemons_file(host_frr, plan, tmp_path):
    daemons = tmp_path / "daemons"
    daemons.write_text("zebra=yes\nbgpd=no\nospfd=no\n")
    args = {"plan": plan, "host": "cpe1", "preflight": False, "secrets": SECRETS, "features": ["bgp"], "vtysh": host_frr.vtysh,
            "frr_daemons_file": str(daemons), "frr_restart": ["true"], "frr_save": False}
    res, raw = module("vc_linux_config", args, tmp_path=tmp_path)
    assert res["features"]["bgp"]["daemons_changed"] is True
    assert daemons.read_text() == "zebra=yes\nbgpd=yes\nospfd=no\n"
    res, raw = module("vc_linux_config", args, tmp_path=tmp_path)
    assert res["features"]["bgp"]["daemons_changed"] is False and res["changed"] is False


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
def test_mtu_loads_the_table_once_and_replaces_an_outdated_one(plan, netns, tmp_path):
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L

    tunnels = L.host_tunnels(plan, "cpe1")
    script = tmp_path / "nft.d" / "vc-mss-clamp.nft"
    args = {"plan": plan, "host": "cpe1", "preflight": False, "features": ["mtu"], "nft_file": str(script), "systemd": False}
    res, raw = module("vc_linux_config", args, tmp_path=tmp_path, netns=netns)
    assert res["changed"] and res["features"]["mtu"]["ip_no_pmtu_disc"] == 0
    assert script.read_text() == L.render_nft_mss(tunnels)
    listing = subprocess.run(["ip", "netns", "exec", netns, "nft", "list", "table", "inet", "vc_mss_clamp"], capture_output=True, text=True, check=False).stdout
    assert 'oifname "vcgre102"' in listing and "maxseg size set 1350" in listing
    res, raw = module("vc_linux_config", args, tmp_path=tmp_path, netns=netns)
    assert res["changed"] is False
    # someone edits the live table: the next run restores it, the operator's own table is left alone
    nft = ["ip", "netns", "exec", netns, "nft"]
    subprocess.run(nft + ["add", "table", "inet", "operator"], check=True)
    subprocess.run(nft + ["add", "chain", "inet", "operator", "c", "{ type filter hook input priority 0 ; }"], check=True)
    handles = json.loads(subprocess.run(nft + ["-j", "-a", "list", "table", "inet", "vc_mss_clamp"], capture_output=True, text=True, check=False).stdout)
    handle = [i["rule"]["handle"] for i in handles["nftables"] if "rule" in i][0]
    subprocess.run(nft + ["delete", "rule", "inet", "vc_mss_clamp", "forward", "handle", str(handle)], check=True)
    res, raw = module("vc_linux_config", args, tmp_path=tmp_path, netns=netns)
    assert res["changed"] is True
    rs = subprocess.run(["ip", "netns", "exec", netns, "nft", "list", "ruleset"], capture_output=True, text=True, check=False).stdout
    assert "table inet operator" in rs and rs.count("maxseg size set 1350") == 4
    plan["regions"][0]["tunnels"][0]["mtu"]["tcp_mss"] = 1300
    res, raw = module("vc_linux_config", dict(args, plan=plan), tmp_path=tmp_path, netns=netns)
    assert res["changed"] is True


@needs_ansible
def test_preflight_on_this_host_fails_naming_what_is_missing_and_writes_nothing(plan, tmp_path):
    # the real preflight script on the real host: the module's verdict is exactly the findings of the same report
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import preflight as P

    def run(argv, env):
        p = subprocess.run(argv, capture_output=True, text=True, env=dict(os.environ, **env), check=False)
        return p.returncode, p.stdout, p.stderr

    d = tmp_path / "swanctl"
    features = ["ipsec", "gre", "mtu", "bgp", "ha"]
    want = [f for f in P.run_preflight(run, plan, "cpe1", features) if f["severity"] == "error"]
    args = {"plan": plan, "host": "cpe1", "secrets": SECRETS, "features": features, "swanctl_dir": str(d),
            "networkd_dir": str(tmp_path / "networkd"), "nft_file": str(tmp_path / "vc.nft"), "systemd": False,
            "frr_daemons_file": str(tmp_path / "daemons")}
    for check in (True, False):
        res, raw = module("vc_linux_config", args, check=check, tmp_path=tmp_path)
        if not want:
            pytest.skip("this host has every piece Virtual Connect needs: nothing to refuse")
        assert res.get("failed") is True and res["changed"] is False
        assert res["msg"].startswith("preflight of cpe1: %d missing piece(s), nothing was changed" % len(want))
        for f in want:
            assert f["message"] in res["msg"]
            assert f.get("package") or f.get("module") or f["component"] in ("preflight", "kernel")
        assert [f for f in res["preflight"] if f["severity"] == "error"] == want
        assert res["commands"] == [] and res["changed_files"] == []
        assert not d.exists() and not (tmp_path / "networkd").exists() and not (tmp_path / "vc.nft").exists()
        assert not (tmp_path / "daemons").exists()
        for s in [v["psk"] for v in SECRETS.values()]:
            assert s not in raw


@needs_ansible
def test_a_refusal_through_ansible_names_the_object_and_the_fix_and_writes_nothing(plan, tmp_path):
    """Through the real module: an operator's networkd file at the path of ours, and a collision in the ipsec feature's
    swanctl file; one failed result naming both, no traceback, nothing written, in check mode and for real."""
    swanctl = fake_swanctl(tmp_path)
    bindir = tmp_path / "bin"
    links = json.loads((FIXTURES / "lab" / "ip_link.json").read_text())
    (bindir / "ip_link.json").write_text(json.dumps([x for x in links if x.get("ifname") not in ("vcgre101", "vcgre102")]))
    (bindir / "ip_addr.json").write_text((FIXTURES / "lab" / "ip_addr.json").read_text())
    (bindir / "ip").write_text(FAKE_IP)
    (bindir / "ip").chmod(0o755)
    net = tmp_path / "net"
    net.mkdir()
    (net / "vcgre101.netdev").write_text("[NetDev]\nName=vcgre101\nKind=gre\n")
    conf_d = tmp_path / "swanctl" / "conf.d"
    conf_d.mkdir(parents=True)
    (conf_d / "vc-connections.conf").write_text("connections {\n}\n")
    args = {"plan": plan, "host": "cpe1", "preflight": False, "secrets": SECRETS, "features": ["ipsec", "gre"],
            "swanctl_dir": str(tmp_path / "swanctl"), "swanctl": [swanctl], "networkd_dir": str(net),
            "ip": str(bindir / "ip")}
    for check in (True, False):
        res, raw = module("vc_linux_config", args, check=check, tmp_path=tmp_path)
        assert res.get("failed") is True and res["changed"] is False, raw
        assert "Traceback" not in raw and "module_stderr" not in res
        assert str(net / "vcgre101.netdev") in res["msg"] and str(conf_d / "vc-connections.conf") in res["msg"]
        assert "cpe1: nothing was changed" in res["msg"] and "vc_linux_adopt" in res["msg"]
        assert sorted(p.name for p in net.iterdir()) == ["vcgre101.netdev"]
        assert sorted(p.name for p in conf_d.iterdir()) == ["vc-connections.conf"]
        assert (conf_d / "vc-connections.conf").read_text() == "connections {\n}\n"
