"""The vc_linux_config engine (runner.py) with a stand-in host: features in one run, check mode, and staged
tunnels (only the staged tunnels' objects change; the others keep exactly what the CPE has)."""
from __future__ import annotations

import copy
import json

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import apply as A
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import frr as F
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.runner import ApplyError, LinuxConfig

from .helpers import FIXTURES, SECRETS, fixture_text

LAB = FIXTURES / "lab"


class Host(object):
    """Enough of a CPE for the engine: swanctl answers from the capture, ip from JSON that the commands change."""

    def __init__(self, links=None, addrs=None):
        self.calls = []
        self.loaded = False
        self.links = links if links is not None else json.loads((LAB / "ip_link.json").read_text())
        self.addrs = addrs if addrs is not None else json.loads((LAB / "ip_addr.json").read_text())

    def __call__(self, argv, data=None):
        self.calls.append(list(argv))
        cmd = " ".join(argv)
        if "--list-conns" in cmd:
            return 0, (LAB / "swanctl_list_conns_raw.txt").read_text() if self.loaded else "list-conns reply {}", ""
        if "--load-all" in cmd:
            self.loaded = True
            return 0, "loaded", ""
        if cmd.endswith("-j -d link show"):
            return 0, json.dumps(self.links), ""
        if cmd.endswith("-j addr show"):
            return 0, json.dumps(self.addrs), ""
        return 1, "", "unexpected %s" % cmd


def params(plan, tmp_path, **kw):
    p = {"plan": plan, "host": "cpe1", "secrets": copy.deepcopy(SECRETS), "features": ["ipsec"], "tunnels": [],
         "swanctl_dir": str(tmp_path / "swanctl"), "swanctl": ["swanctl"], "swanctl_uri": None, "swanctl_conf": None,
         "networkd_dir": str(tmp_path / "net"), "gre_persist": True, "gre_prune": True, "ip": "ip",
         "nft_file": str(tmp_path / "vc.nft"), "nft": "nft", "systemd": False, "vtysh": ["vtysh"], "frr_save": False,
         "frr_daemons_file": "", "frr_restart": ["true"], "frr_wait_s": 1}
    p.update(kw)
    return p


def run(p, host, check_mode=False):
    warnings = []
    result = LinuxConfig(p, host, check_mode=check_mode, warn=warnings.append).apply()
    return result, warnings


def test_ipsec_writes_loads_and_then_changes_nothing(plan, tmp_path):
    host = Host()
    result, _w = run(params(plan, tmp_path), host, check_mode=True)
    assert result["changed"] and not (tmp_path / "swanctl").exists() and host.loaded is False
    result, _w = run(params(plan, tmp_path), host)
    assert result["changed"] and host.loaded and result["commands"] == ["swanctl --load-all"]
    conf = (tmp_path / "swanctl" / "conf.d" / "vc-connections.conf").read_text()
    assert conf == L.render_swanctl_connections(L.host_tunnels(plan, "cpe1"))
    assert all("secret = 0s" not in d["before"] + d["after"] for d in result["diff"])   # PSK lines masked
    assert any("secret = ********" in d["after"] for d in result["diff"])
    again, _w = run(params(plan, tmp_path), host)
    assert again["changed"] is False and again["commands"] == []


def test_a_staged_run_keeps_the_other_tunnels_sections_as_they_are(plan, tmp_path):
    host = Host()
    run(params(plan, tmp_path), host)                       # both tunnels deployed
    conf_path = tmp_path / "swanctl" / "conf.d" / "vc-connections.conf"
    secrets_path = tmp_path / "swanctl" / "conf.d" / "vc-secrets.conf"
    before_conf, before_secrets = conf_path.read_text(), secrets_path.read_text()
    changed = copy.deepcopy(plan)
    for t in changed["regions"][0]["tunnels"]:
        t["ipsec"]["dpd"]["interval_s"] = 20                # a change on both tunnels ...
    new_secrets = copy.deepcopy(SECRETS)
    new_secrets["lab-A"]["psk"] = new_secrets["lab-B"]["psk"] = "rotated-psk-0123456789abc"
    result, _w = run(params(changed, tmp_path, tunnels=["lab-A"], secrets=new_secrets), host)   # ... staged on A
    assert result["changed"]
    conf, secrets = A.swanctl_sections(conf_path.read_text()), A.swanctl_sections(secrets_path.read_text())
    assert conf["vc-lab-B"] == A.swanctl_sections(before_conf)["vc-lab-B"]            # B as it was
    assert secrets["ike-vc-lab-B"] == A.swanctl_sections(before_secrets)["ike-vc-lab-B"]
    assert "    dpd_delay = 20s" in conf["vc-lab-A"] and conf["vc-lab-A"] != A.swanctl_sections(before_conf)["vc-lab-A"]
    assert secrets["ike-vc-lab-A"] != A.swanctl_sections(before_secrets)["ike-vc-lab-A"]
    result, _w = run(params(changed, tmp_path, tunnels=["lab-B"], secrets=new_secrets), host)   # stage 2
    assert conf_path.read_text() == L.render_swanctl_connections(L.host_tunnels(changed, "cpe1"))
    assert secrets_path.read_text() == L.render_swanctl_secrets(L.host_tunnels(changed, "cpe1"), new_secrets)


def test_an_unknown_stage_is_refused(plan, tmp_path):
    with pytest.raises(ApplyError, match="lab-C"):
        LinuxConfig(params(plan, tmp_path, tunnels=["lab-C"]), Host())


def test_gre_links_of_unstaged_tunnels_are_never_touched(plan, tmp_path):
    links = [x for x in json.loads((LAB / "ip_link.json").read_text()) if x["ifname"] != "vcgre102"]
    for link in links:      # the capture predates the marker: tunnel A's link as this version leaves it
        if link["ifname"] == "vcgre101":
            link["ifalias"] = "webex_di.virtual_connect:lab-A"
    result, warnings = run(params(plan, tmp_path, features=["gre"], tunnels=["lab-B"]), Host(links=links), check_mode=True)
    assert result["commands"][0] == "ip link add vcgre102 type gre local 192.0.2.2 remote 198.51.100.66 ttl 255 pmtudisc"
    assert not any("vcgre101" in c for c in result["commands"])
    assert [w.split(" ")[0] for w in warnings] == ["vcgre102"]     # the keepalive warning of the staged tunnel
    assert sorted(p.rsplit("/", 1)[1] for p in result["changed_files"]) == ["vcgre102.netdev", "vcgre102.network"]
    # prune never removes a planned link that is not staged, even when its tunnel is missing entirely
    kept = A.gre_changes(L.gre_links([t for t in L.host_tunnels(plan, "cpe1") if t["key"] == "lab-B"]),
                         json.loads((LAB / "ip_link.json").read_text()), json.loads((LAB / "ip_addr.json").read_text()),
                         prune=True, keep=["vcgre101"])
    assert kept["commands"] == []


def test_frr_objects_of_unstaged_tunnels_are_neither_compared_nor_stale(plan):
    tunnels = L.host_tunnels(plan, "cpe1")
    running = fixture_text("frr_running_converged.txt")
    staged = [t for t in tunnels if t["key"] == "lab-A"]
    other = [t for t in tunnels if t["key"] == "lab-B"][0]
    intent = L.frr_intent(staged, plan["cpes"]["cpe1"], {"lab-A": SECRETS["lab-A"]["bgp_password"]},
                          activate=F.needs_activate(running))
    keep = {"neighbors": [other["bgp"]["neighbor"]],
            "names": [L.frr_name(other, "-IN"), L.frr_name(other, "-OUT"), L.frr_name(other)]}
    assert F.frr_delta(running, intent, keep)["commands"] == []
    unkept = F.frr_delta(running, intent)     # without keep, tunnel B's objects would look stale
    assert "no neighbor 100.64.0.6" in [c.strip() for c in unkept["commands"]]


def test_frr_not_running_yet_its_saved_config_is_checked_before_the_first_write(plan, tmp_path):
    """bgpd (or all of FRR) not running: what it will load when the bgp feature starts it is frr.conf; a collision
    there refuses the run before the ipsec feature writes its files."""
    etc = tmp_path / "frr"
    etc.mkdir()
    (etc / "daemons").write_text("zebra=yes\nbgpd=no\n")
    (etc / "frr.conf").write_text("router bgp 64551\n neighbor 100.64.0.6 remote-as 64999\nexit\n")
    host = Host()
    p = params(plan, tmp_path, features=["ipsec", "bgp"], frr_daemons_file=str(etc / "daemons"))
    with pytest.raises(ApplyError) as err:
        run(p, host)
    assert "neighbor 100.64.0.6" in str(err.value) and str(etc / "frr.conf") in str(err.value)
    assert not (tmp_path / "swanctl").exists() and not [c for c in host.calls if "--load-all" in c]
    (etc / "frr.conf").write_text("router bgp 64551\n neighbor 10.255.0.1 remote-as 64999\nexit\n")
    with pytest.raises(ApplyError) as err:     # no collision: the run goes on; its bgp feature then needs FRR running
        run(p, host)
    assert "nothing was changed" not in str(err.value)
    assert (tmp_path / "swanctl" / "conf.d" / "vc-connections.conf").exists()
