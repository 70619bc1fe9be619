"""A shared Linux CPE (docs/ownership.md) through the vc_linux_config engine, every feature in one run.

The stack: FRR for real (its own namespace, helpers.HostFrr), nftables for real (a network namespace), iproute2 as a
stateful stand-in (this host's kernel has no GRE), swanctl as a stand-in. The CPE starts with operator objects named
like ours: FRR look-alikes (fixtures/frr_shared_cpe.conf: VC-* prefix-lists and route-maps, one used by an operator
neighbour, a neighbour described VC-..., a BFD profile VC-OPS), GRE links vcgre9 and vcgre103 (not in the plan), their
networkd files, swanctl files named vc-*, nftables tables of the operator.

* deploy, re-run, prune (tunnel B leaves the CPE) and restore (the plan again): everything outside our marked
  objects is byte-identical after each step, the re-runs change nothing;
* an object the plan names that exists without the marker (a swanctl file, a networkd file, a GRE link, the nftables
  table, an FRR neighbour / prefix-list / route-map) refuses the whole run - in check mode too - before the first
  write: no file, link, table or FRR line changes, no mutating command is run, even when the collision is in the
  last feature (bgp) and the first (ipsec) would have written files. Adopting it (vc_linux_adopt) is explicit.
"""
from __future__ import annotations

import copy
import hashlib
import json
import os
import re
import shutil
import subprocess
import uuid

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.runner import ApplyError, LinuxConfig

from .helpers import FIXTURES, SECRETS, fixture_text
from .test_frr_ownership import operator_part

LAB = FIXTURES / "lab"
FEATURES = ["ipsec", "gre", "mtu", "bgp"]
MUTATING = ("--load-all", "link add", "link set", "link del", "addr add", "addr del", "-f -", "-f /dev/stdin",
            "write memory", "daemon-reload", "enable")


def _link(name, local, remote, alias=None, mtu=1400, up=True):
    link = {"ifname": name, "flags": ["POINTOPOINT", "NOARP"] + (["UP", "LOWER_UP"] if up else []), "mtu": mtu,
            "linkinfo": {"info_kind": "gre", "info_data": {"local": local, "remote": remote, "ttl": 255, "pmtudisc": True}}}
    if alias:
        link["ifalias"] = alias
    return link


class FakeIp(object):
    """iproute2 with state: the ``ip`` commands the engine runs change the links and addresses it lists."""

    def __init__(self, links, addrs):
        self.links = dict((x["ifname"], x) for x in links)
        self.addrs = dict((k, list(v)) for k, v in addrs.items())

    def snapshot(self):
        return json.dumps([self.links, self.addrs], sort_keys=True)

    def __call__(self, args):
        if args == ["-j", "-d", "link", "show"]:
            return 0, json.dumps(list(self.links.values())), ""
        if args == ["-j", "addr", "show"]:
            return 0, json.dumps([{"ifname": n, "addr_info": [{"family": "inet", "local": a.split("/")[0],
                                                               "prefixlen": int(a.split("/")[1])} for a in self.addrs.get(n, [])]}
                                  for n in self.links]), ""
        if args[:2] == ["link", "add"]:
            name, kv = args[2], dict(zip(args[5::2], args[6::2]))
            self.links[name] = _link(name, kv["local"], kv["remote"], up=False, mtu=1476)
            self.links[name]["linkinfo"]["info_data"]["pmtudisc"] = args[-1] == "pmtudisc"
            return 0, "", ""
        if args[:3] == ["link", "set", "dev"] and args[3] in self.links:
            link, rest = self.links[args[3]], args[4:]
            while rest:
                if rest[0] == "up":
                    link["flags"] = sorted(set(link["flags"]) | {"UP", "LOWER_UP"})
                    rest = rest[1:]
                elif rest[0] == "mtu":
                    link["mtu"], rest = int(rest[1]), rest[2:]
                elif rest[0] == "alias":
                    link["ifalias"], rest = rest[1], rest[2:]
                elif rest[0] == "type":
                    kv = dict(zip(rest[2::2], rest[3::2]))
                    link["linkinfo"]["info_data"].update(local=kv["local"], remote=kv["remote"])
                    rest = []
                else:
                    return 1, "", "fake ip: %s" % rest
            return 0, "", ""
        if args[:3] == ["link", "del", "dev"] and args[3] in self.links:
            del self.links[args[3]]
            self.addrs.pop(args[3], None)
            return 0, "", ""
        if args[0] == "addr" and args[3] == "dev" and args[4] in self.links:
            have = self.addrs.setdefault(args[4], [])
            if args[1] == "add":
                have.append(args[2])
            elif args[2] in have:
                have.remove(args[2])
            return 0, "", ""
        return 1, "", "fake ip: unexpected %s" % " ".join(args)


class Cpe(object):
    """The engine's ``run``: swanctl and ip stand-ins, nft in a namespace, vtysh of a real FRR. Records every call."""

    def __init__(self, frr, netns, ip):
        self.frr, self.netns, self.ip = frr, netns, ip
        self.calls = []
        self.loaded = False

    def __call__(self, argv, data=None):
        argv = list(argv)
        self.calls.append(" ".join(argv))
        if argv[0] == "swanctl":
            if "--load-all" in argv:
                self.loaded = True
                return 0, "loaded", ""
            return 0, (LAB / "swanctl_list_conns_raw.txt").read_text() if self.loaded else "list-conns reply {}", ""
        if argv[0] == "ip":
            return self.ip(argv[1:])
        if argv[0] == "nft":
            p = subprocess.run(["ip", "netns", "exec", self.netns] + argv, input=data, capture_output=True, text=True, check=False)
            return p.returncode, p.stdout, p.stderr
        if argv[:len(self.frr.vtysh)] == self.frr.vtysh:
            return self.frr.runner(argv, data)
        return 1, "", "unexpected %s" % " ".join(argv)

    def mutations(self):
        return [c for c in self.calls if any(m in c for m in MUTATING)]


@pytest.fixture
def netns():
    if os.geteuid() != 0 or shutil.which("nft") is None:
        pytest.skip("needs root and nft")
    name = "vcs%s" % uuid.uuid4().hex[:8]
    if subprocess.run(["ip", "netns", "add", name], check=False).returncode != 0:
        pytest.skip("cannot create a network namespace")
    yield name
    subprocess.run(["ip", "netns", "del", name], check=False)


OPERATOR_NFT = """table inet vc_operator {
\tchain input {
\t\ttype filter hook input priority 0; policy accept;
\t\ttcp dport 179 counter comment "vc:operator bgp"
\t}
}
table inet filter {
\tchain forward {
\t\ttype filter hook forward priority 0; policy accept;
\t}
}
"""


@pytest.fixture
def shared(plan, host_frr, netns, tmp_path):
    """The shared CPE before Virtual Connect: returns (params, cpe)."""
    host_frr.configure(fixture_text("frr_shared_cpe.conf"))
    subprocess.run(["ip", "netns", "exec", netns, "nft", "-f", "-"], input=OPERATOR_NFT, text=True, check=True)
    ip = FakeIp([_link("eth0", None, None), _link("vcgre9", "192.0.2.2", "203.0.113.9"),
                 _link("vcgre103", "192.0.2.2", "203.0.113.103", alias="tunnel of the operator, vcgre103")],
                {"vcgre9": ["10.9.9.1/30"], "vcgre103": ["10.9.10.1/30"]})
    ip.links["eth0"]["linkinfo"] = {"info_kind": None}
    net = tmp_path / "etc" / "systemd" / "network"
    net.mkdir(parents=True)
    (net / "vcgre9.netdev").write_text("[NetDev]\nName=vcgre9\nKind=gre\n")
    (net / "vcgre103.network").write_text("# operator: our own tunnel\n[Match]\nName=vcgre103\n")
    (net / "10-eth0.network").write_text("[Match]\nName=eth0\n[Network]\nDHCP=yes\n")
    conf_d = tmp_path / "etc" / "swanctl" / "conf.d"
    conf_d.mkdir(parents=True)
    (conf_d / "vc-operator.conf").write_text("connections {\n  vc-operator {\n    remote_addrs = 203.0.113.50\n  }\n}\n")
    (conf_d / "site.conf").write_text("secrets {\n}\n")
    pmtu = tmp_path / "ip_no_pmtu_disc"
    pmtu.write_text("0\n")
    params = {"plan": plan, "host": "cpe1", "secrets": copy.deepcopy(SECRETS), "features": list(FEATURES), "tunnels": [],
              "swanctl_dir": str(tmp_path / "etc" / "swanctl"), "swanctl": ["swanctl"], "swanctl_uri": None,
              "swanctl_conf": None, "networkd_dir": str(net), "gre_persist": True, "gre_prune": True, "adopt": [],
              "ip": "ip", "nft_file": str(tmp_path / "etc" / "nftables.d" / "vc-mss-clamp.nft"), "nft": "nft",
              "systemd": False, "vtysh": list(host_frr.vtysh), "frr_save": False, "frr_daemons_file": "",
              "frr_restart": ["true"], "frr_wait_s": 1, "proc_pmtu_file": str(pmtu)}
    return params, Cpe(host_frr, netns, ip), tmp_path


OURS_FILES = ("vc-connections.conf", "vc-secrets.conf", "vcgre101.netdev", "vcgre101.network", "vcgre102.netdev",
              "vcgre102.network", "vc-mss-clamp.nft")


def files_state(root, ours=OURS_FILES):
    """sha256 of every file under root but ours (name -> hash), and the mode."""
    out = {}
    for dirpath, _dirs, files in os.walk(str(root)):
        for name in files:
            path = os.path.join(dirpath, name)
            if name in ours or name == "ip_no_pmtu_disc":
                continue
            with open(path, "rb") as fh:
                out[os.path.relpath(path, str(root))] = (hashlib.sha256(fh.read()).hexdigest(), os.stat(path).st_mode)
    return out


def operator_state(cpe, root):
    """Everything that is not ours: files, the links not in the plan, the operator's nft tables, FRR's operator part."""
    links = dict((n, link) for n, link in cpe.ip.links.items() if n not in ("vcgre101", "vcgre102"))
    addrs = dict((n, a) for n, a in cpe.ip.addrs.items() if n not in ("vcgre101", "vcgre102"))
    nft = ["ip", "netns", "exec", cpe.netns, "nft", "list", "table", "inet"]
    tables = [subprocess.run(nft + [t], capture_output=True, text=True, check=True).stdout for t in ("vc_operator", "filter")]
    return {"files": files_state(root), "links": json.dumps([links, addrs], sort_keys=True), "nft": tables,
            "frr": operator_part(cpe.frr.running())}


def apply(params, cpe, check_mode=False, **kw):
    warnings = []
    result = LinuxConfig(dict(params, **kw), cpe, check_mode=check_mode, warn=warnings.append).apply()
    return result, warnings


def test_deploy_rerun_prune_restore_keep_every_operator_object_byte_identical(shared, plan):
    params, cpe, root = shared
    before = operator_state(cpe, root)
    assert "VC-OPS-RM" in before["frr"] and "vcgre9" in before["links"]

    result, _w = apply(params, cpe)                                       # deploy
    assert result["changed"] and sorted(result["features"]) == sorted(FEATURES)
    assert operator_state(cpe, root) == before
    assert cpe.ip.links["vcgre101"]["ifalias"] == "webex_di.virtual_connect:lab-A"
    listing = subprocess.run(["ip", "netns", "exec", cpe.netns, "nft", "list", "table", "inet", "vc_mss_clamp"],
                             capture_output=True, text=True, check=True).stdout
    assert '\tcomment "webex_di.virtual_connect:mss-clamp"' in listing
    assert "neighbor 100.64.0.6 description webex_di.virtual_connect:lab-B" in cpe.frr.running()

    again, _w = apply(params, cpe)                                        # re-run
    assert again["changed"] is False and again["commands"] == [] and again["changed_files"] == []

    pruned_plan = copy.deepcopy(plan)                                     # prune: tunnel B leaves this CPE
    pruned_plan["regions"][0]["tunnels"][1]["cpe_host"] = "elsewhere"
    result, _w = apply(params, cpe, plan=pruned_plan)
    assert result["changed"]
    assert "vcgre102" not in cpe.ip.links and "100.64.0.6" not in cpe.frr.running()
    assert not (root / "etc" / "systemd" / "network" / "vcgre102.netdev").exists()
    assert operator_state(cpe, root) == before
    assert apply(params, cpe, plan=pruned_plan)[0]["changed"] is False

    result, _w = apply(params, cpe)                                       # restore the full plan
    assert result["changed"] and "vcgre102" in cpe.ip.links
    assert operator_state(cpe, root) == before
    assert apply(params, cpe)[0]["changed"] is False


def _swanctl(p, _cpe, root):
    (root / "etc" / "swanctl" / "conf.d" / "vc-connections.conf").write_text("connections {\n  site-b {\n  }\n}\n")
    return str(root / "etc" / "swanctl" / "conf.d" / "vc-connections.conf")


def _secrets(p, _cpe, root):
    (root / "etc" / "swanctl" / "conf.d" / "vc-secrets.conf").write_text("# Managed by hand\nsecrets {\n}\n")
    return str(root / "etc" / "swanctl" / "conf.d" / "vc-secrets.conf")


def _networkd(p, _cpe, root):
    (root / "etc" / "systemd" / "network" / "vcgre102.network").write_text("[Match]\nName=vcgre102\n")
    return str(root / "etc" / "systemd" / "network" / "vcgre102.network")


def _link_collision(p, cpe, root):
    cpe.ip.links["vcgre101"] = _link("vcgre101", "192.0.2.2", "203.0.113.101", alias="operator")
    return "vcgre101"


def _nft(p, cpe, root):
    subprocess.run(["ip", "netns", "exec", cpe.netns, "nft", "-f", "-"], check=True, text=True,
                   input="table inet vc_mss_clamp {\n\tchain forward {\n\t\ttype filter hook forward priority 0;\n\t}\n}\n")
    return "table inet vc_mss_clamp"


def _frr_neighbor(p, cpe, root):
    cpe.frr.configure("router bgp 64551\n neighbor 100.64.0.6 remote-as 64999\n neighbor 100.64.0.6 description VC-LAB-B\nexit\n")
    return "neighbor 100.64.0.6"


def _frr_route_map(p, cpe, root):
    cpe.frr.configure("route-map VC-LAB-B-OUT permit 10\n set metric 5\nexit\n")
    return "route-map VC-LAB-B-OUT"


def _frr_prefix_list(p, cpe, root):
    cpe.frr.configure("ip prefix-list VC-LAB-A-IN seq 5 permit 10.0.0.0/8\n")
    return "ip prefix-list VC-LAB-A-IN"


COLLISIONS = {"swanctl connections file": _swanctl, "swanctl secrets file": _secrets, "networkd file": _networkd,
              "GRE link": _link_collision, "nftables table": _nft, "FRR neighbour": _frr_neighbor,
              "FRR route-map": _frr_route_map, "FRR prefix-list": _frr_prefix_list}


def whole_state(cpe, root):
    nft = subprocess.run(["ip", "netns", "exec", cpe.netns, "nft", "list", "ruleset"], capture_output=True, text=True, check=True)
    return {"files": files_state(root, ours=()), "ip": cpe.ip.snapshot(), "nft": nft.stdout, "frr": cpe.frr.running()}


@pytest.mark.parametrize("case", sorted(COLLISIONS))
def test_a_plan_named_object_without_the_marker_refuses_the_run_before_any_write(shared, case):
    params, cpe, root = shared
    label = COLLISIONS[case](params, cpe, root)
    state = whole_state(cpe, root)
    for check_mode in (True, False):
        cpe.calls = []
        with pytest.raises(ApplyError) as err:
            apply(params, cpe, check_mode=check_mode)
        msg = str(err.value)
        assert label in msg and "cpe1" in msg and "nothing was changed" in msg
        assert "vc_linux_adopt" in msg and repr([label]) in msg, msg
        assert cpe.mutations() == [], cpe.mutations()
        assert whole_state(cpe, root) == state
        for s in [v["psk"] for v in SECRETS.values()] + [v["bgp_password"] for v in SECRETS.values()]:
            assert s not in msg
    # adopting it is explicit: then it is ours, carries the marker, and the next run changes nothing
    result, _w = apply(params, cpe, adopt=[label])
    assert result["changed"]
    assert apply(params, cpe, adopt=[label])[0]["changed"] is False
    assert apply(params, cpe)[0]["changed"] is False        # marked now: no adopt needed any more


def test_the_refusal_names_every_collision_of_every_feature_at_once(shared):
    params, cpe, root = shared
    labels = [COLLISIONS[c](params, cpe, root) for c in ("swanctl connections file", "GRE link", "nftables table", "FRR neighbour")]
    with pytest.raises(ApplyError) as err:
        apply(params, cpe)
    for label in labels:
        assert label in str(err.value)
    assert cpe.mutations() == []


def test_a_staged_run_refuses_what_any_planned_tunnel_names_before_its_first_stage(shared):
    params, cpe, root = shared
    _frr_neighbor(params, cpe, root)                 # a collision on tunnel B's neighbour
    for stage in (["lab-A"], ["lab-B"]):
        with pytest.raises(ApplyError, match="neighbor 100.64.0.6"):
            apply(params, cpe, tunnels=stage)
        assert cpe.mutations() == []
    result, _w = apply(params, cpe, tunnels=["lab-A"], adopt=["neighbor 100.64.0.6"])   # adopted: stage A goes
    assert result["changed"] and "neighbor 100.64.0.6 remote-as 64999" in cpe.frr.running()   # B untouched in stage A
    assert re.search(r"neighbor 100.64.0.2 description webex_di.virtual_connect:lab-A", cpe.frr.running())


def test_a_connection_of_our_name_in_another_swanctl_file_is_refused(shared):
    params, cpe, root = shared
    other = root / "etc" / "swanctl" / "conf.d" / "site.conf"
    other.write_text("connections {\n  vc-lab-B {   # copied by hand\n    remote_addrs = 198.51.100.6\n  }\n}\n")
    state = whole_state(cpe, root)
    with pytest.raises(ApplyError) as err:
        apply(params, cpe)
    assert str(other) in str(err.value) and "vc-lab-B" in str(err.value) and "cpe1" in str(err.value)
    assert cpe.mutations() == [] and whole_state(cpe, root) == state
    other.write_text("connections {\n  vc-lab-Bx {\n  }\n}\n# vc-lab-B {\n")       # another name, a comment: fine
    assert apply(params, cpe)[0]["changed"]
