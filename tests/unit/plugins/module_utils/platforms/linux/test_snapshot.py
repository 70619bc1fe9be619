"""Linux rollback (snapshot.py): what a vc_linux_config run records before its first change, and the restore of each
object type (files with mode/owner, swanctl reload re-establishing only changed connections, GRE links, nftables,
the FRR VC part), untouched objects, idempotency, check mode, and secrets absent from every result."""
from __future__ import annotations

import base64
import copy
import json
import os

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import frr as F
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as R
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import snapshot as S
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.runner import LinuxConfig

from .helpers import FIXTURES, SECRETS, fixture_text

LAB = FIXTURES / "lab"


class Cpe(object):
    """A stand-in CPE whose ip links/addresses, charon and nft table change with the commands the engine runs."""

    def __init__(self):
        self.calls = []
        self.loaded = False
        self.terminated = []
        self.nft = None
        links = json.loads((LAB / "ip_link.json").read_text())
        addrs = json.loads((LAB / "ip_addr.json").read_text())
        self.links = [x for x in links if not x["ifname"].startswith("vcgre")]      # a bare CPE
        self.addrs = [x for x in addrs if not x["ifname"].startswith("vcgre")]

    def link(self, name):
        return next((x for x in self.links if x["ifname"] == name), None)

    def addr(self, name):
        return next((x for x in self.addrs if x["ifname"] == name), None)

    def __call__(self, argv, data=None):
        self.calls.append(list(argv))
        cmd = " ".join(argv)
        if argv[0] == "swanctl":
            if "--list-conns" in cmd:
                return 0, (LAB / "swanctl_list_conns_raw.txt").read_text() if self.loaded else "list-conns reply {}", ""
            if "--load-all" in cmd:
                self.loaded = True
                return 0, "loaded", ""
            if "--terminate" in cmd:
                self.terminated.append(argv[argv.index("--ike") + 1])
                return 0, "terminate completed successfully", ""
        if argv[0] == "ip":
            return self.ip(argv[1:])
        if argv[0] == "nft":
            return self.nft_cmd(argv[1:], data)
        return 1, "", "unexpected %s" % cmd

    def ip(self, a):
        if a == ["-j", "-d", "link", "show"]:
            return 0, json.dumps(self.links), ""
        if a == ["-j", "addr", "show"]:
            return 0, json.dumps(self.addrs), ""
        if a[:2] == ["link", "add"]:
            name = a[2]
            data = {"local": a[a.index("local") + 1], "remote": a[a.index("remote") + 1], "pmtudisc": "pmtudisc" in a}
            ttl = a[a.index("ttl") + 1]
            data["ttl"] = 0 if ttl == "inherit" else int(ttl)
            self.links.append({"ifname": name, "flags": ["POINTOPOINT", "NOARP"], "mtu": 1476,
                               "linkinfo": {"info_kind": "gre", "info_data": data}})
            self.addrs.append({"ifname": name, "addr_info": []})
            return 0, "", ""
        if a[:2] == ["link", "del"]:
            self.links = [x for x in self.links if x["ifname"] != a[3]]
            self.addrs = [x for x in self.addrs if x["ifname"] != a[3]]
            return 0, "", ""
        if a[:3] == ["link", "set", "dev"]:
            link, rest = self.link(a[3]), a[4:]
            while rest:
                word = rest.pop(0)
                if word == "mtu":
                    link["mtu"] = int(rest.pop(0))
                elif word == "up":
                    link["flags"] = link["flags"] + ["UP"]
                elif word == "down":
                    link["flags"] = [f for f in link["flags"] if f != "UP"]
                elif word == "alias":
                    value = rest.pop(0)
                    link.pop("ifalias", None) if value == "" else link.update(ifalias=value)
                elif word == "type":
                    rest.pop(0)
                elif word in ("local", "remote", "ttl"):
                    value = rest.pop(0)
                    link["linkinfo"]["info_data"][word] = int(value) if word == "ttl" else value
                elif word in ("pmtudisc", "nopmtudisc"):
                    link["linkinfo"]["info_data"]["pmtudisc"] = word == "pmtudisc"
            return 0, "", ""
        if a[0] == "addr" and a[1] in ("add", "del"):
            entry = self.addr(a[4])
            local, plen = a[2].split("/")
            info = {"family": "inet", "local": local, "prefixlen": int(plen)}
            if a[1] == "add":
                entry["addr_info"].append(info)
            else:
                entry["addr_info"] = [x for x in entry["addr_info"] if (x["local"], x["prefixlen"]) != (local, int(plen))]
            return 0, "", ""
        return 1, "", "unexpected ip %s" % " ".join(a)

    def nft_cmd(self, a, data):
        if a[:2] == ["list", "table"]:
            return (0, self.nft, "") if self.nft is not None else (1, "", "No such file or directory")
        if a[:2] == ["delete", "table"]:
            self.nft = None
            return 0, "", ""
        if a == ["-f", "-"]:
            self.nft = data.split("delete table inet vc_mss_clamp\n", 1)[1]
            return 0, "", ""
        return 1, "", "unexpected nft"


def params(plan, tmp_path, **kw):
    p = {"plan": plan, "host": "cpe1", "secrets": copy.deepcopy(SECRETS), "features": ["ipsec", "gre"], "tunnels": [],
         "swanctl_dir": str(tmp_path / "swanctl"), "swanctl": ["swanctl"], "swanctl_uri": None, "swanctl_conf": None,
         "networkd_dir": str(tmp_path / "net"), "gre_persist": True, "gre_prune": True, "ip": "ip", "adopt": [],
         "nft_file": str(tmp_path / "vc.nft"), "nft": "nft", "systemd": False, "vtysh": ["vtysh"], "frr_save": False,
         "frr_daemons_file": "", "frr_restart": [], "frr_wait_s": 1, "snapshot_key": SEAL_KEY}
    p.update(kw)
    return p


SEAL_KEY = "5e" * 32


def deploy(p, cpe):
    """The engine's result as the action plugin sees it: the snapshot arrives sealed (no secret form in it) and is
    unsealed with the run's key."""
    engine = LinuxConfig(p, cpe, warn=lambda _t: None)
    result = engine.apply()
    result.update(engine.snapshot_result())
    if S.KEY in result:
        sealed = result[S.KEY]
        assert sealed.startswith(S.SEAL_PREFIX)
        for form in secret_forms(p["secrets"]):
            assert form not in sealed
        result[S.KEY] = S.unseal(sealed, p["snapshot_key"])
    return result


def test_seal_round_trip_and_tamper():
    text = json.dumps({"files": {"/etc/swanctl/conf.d/vc-secrets.conf": "secret = lab-psk-very-secret"}})
    sealed = S.seal(text, SEAL_KEY)
    assert "lab-psk-very-secret" not in sealed and base64.b64encode(b"lab-psk-very-secret").decode() not in sealed
    assert S.unseal(sealed, SEAL_KEY) == text
    assert S.seal(text, SEAL_KEY) != sealed                       # a fresh nonce every time
    with pytest.raises(S.SealError):
        S.unseal(sealed, "00" * 32)                                # another run's key
    raw = bytearray(base64.b64decode(sealed[len(S.SEAL_PREFIX):]))
    raw[-1] ^= 1
    with pytest.raises(S.SealError):
        S.unseal(S.SEAL_PREFIX + base64.b64encode(bytes(raw)).decode(), SEAL_KEY)


def test_no_key_no_content(plan, tmp_path):
    """Without the action plugin's key (the module run alone) the snapshot content never leaves the CPE."""
    engine = LinuxConfig(params(plan, tmp_path, snapshot_key=None), Cpe(), warn=lambda _t: None)
    assert engine.apply()["changed"]
    out = engine.snapshot_result()
    assert S.KEY not in out and out["snapshot"]["files"]


def restore(snap_text, p, cpe, check_mode=False):
    warnings = []
    return S.Restore(S.loads(snap_text, "cpe1"), p, cpe, check_mode=check_mode, warn=warnings.append).restore()


def tree(root):
    """Every file under root: content, mode, owner."""
    out = {}
    for dirpath, _dirs, files in os.walk(str(root)):
        for name in files:
            path = os.path.join(dirpath, name)
            st = os.stat(path)
            with open(path) as fh:
                out[path] = (fh.read(), st.st_mode & 0o7777, st.st_uid, st.st_gid)
    return out


def link_state(cpe):
    return json.dumps(sorted(cpe.links, key=lambda x: x["ifname"]), sort_keys=True), json.dumps(cpe.addrs, sort_keys=True)


def secret_forms(secrets):
    forms = []
    for entry in secrets.values():
        for value in entry.values():
            forms += [value, base64.b64encode(value.encode()).decode()]
    return forms


def assert_no_secret(result, secrets):
    text = json.dumps({k: v for k, v in result.items() if k != S.KEY})
    for form in secret_forms(secrets):
        assert form not in text


def test_a_first_deploy_records_absence_and_its_restore_leaves_nothing_of_ours(plan, tmp_path):
    cpe = Cpe()
    before_links = link_state(cpe)
    result = deploy(params(plan, tmp_path), cpe)
    snap = json.loads(result[S.KEY])
    files = snap["files"]
    assert sorted(os.path.basename(p) for p in files) == [
        "vc-connections.conf", "vc-secrets.conf", "vcgre101.netdev", "vcgre101.network", "vcgre102.netdev", "vcgre102.network"]
    assert all(e["exists"] is False for e in files.values())
    assert snap["links"] == {"vcgre101": None, "vcgre102": None}
    assert snap["frr"] is None and snap["nft"] is None          # features not run are not in the snapshot
    assert result["snapshot"]["links"] == ["vcgre101", "vcgre102"] and "content" not in json.dumps(result["snapshot"])
    assert_no_secret(result, SECRETS)

    out = restore(result[S.KEY], params(plan, tmp_path), cpe)
    assert out["changed"] and tree(tmp_path) == {}              # every file of ours gone
    assert link_state(cpe) == before_links                      # the links it made gone, the others as they were
    assert out["restored"]["links"] == ["vcgre101", "vcgre102"]
    assert "swanctl --load-all" in out["commands"]
    assert_no_secret(out, SECRETS)
    again = restore(result[S.KEY], params(plan, tmp_path), cpe)
    assert again["changed"] is False and again["commands"] == []


def test_a_staged_change_restores_content_mode_owner_link_and_re_establishes_only_the_changed_connection(plan, tmp_path):
    cpe = Cpe()
    deploy(params(plan, tmp_path), cpe)                         # the previous state: both tunnels deployed
    secrets_path = tmp_path / "swanctl" / "conf.d" / "vc-secrets.conf"
    os.chown(str(secrets_path), 4321, 4322)                      # owner and mode the deploy does not set: kept by restore
    os.chmod(str(secrets_path), 0o640)
    files_before, links_before = tree(tmp_path), link_state(cpe)
    cpe.terminated = []

    changed = copy.deepcopy(plan)
    for t in changed["regions"][0]["tunnels"]:
        t["mtu"]["tunnel_ip_mtu"] = 1380                         # changes both tunnels' links and networkd files ...
    rotated = copy.deepcopy(SECRETS)
    rotated["lab-A"]["psk"] = "rotated-psk-a-0123456789xyz"
    result = deploy(params(changed, tmp_path, tunnels=["lab-A"], secrets=rotated), cpe)   # ... staged on tunnel A only
    assert cpe.terminated == ["vc-lab-A"]                       # the changed connection re-established to prove it
    snap = json.loads(result[S.KEY])
    assert snap["tunnels"] == ["lab-A"] and list(snap["links"]) == ["vcgre101"]
    assert snap["links"]["vcgre101"]["mtu"] == 1400
    assert sorted(os.path.basename(p) for p in snap["files"]) == ["vc-secrets.conf", "vcgre101.netdev"]
    entry = snap["files"][str(secrets_path)]
    assert (entry["mode"], entry["uid"], entry["gid"]) == (0o640, 4321, 4322)
    assert entry["content"] == files_before[str(secrets_path)][0]
    assert_no_secret(result, SECRETS)
    assert_no_secret(result, rotated)
    assert cpe.link("vcgre101")["mtu"] == 1380 and cpe.link("vcgre102")["mtu"] == 1400

    cpe.calls, cpe.terminated = [], []
    out = restore(result[S.KEY], params(changed, tmp_path), cpe)
    assert tree(tmp_path) == files_before                       # content, mode and owner of every file as before
    assert link_state(cpe) == links_before
    assert cpe.terminated == ["vc-lab-A"]                       # tunnel B (unchanged) keeps its SAs
    assert not any("vcgre102" in " ".join(c) for c in cpe.calls)   # untouched link never changed
    assert out["restored"]["connections"] == ["vc-lab-A"] and out["restored"]["links"] == ["vcgre101"]
    assert sorted(os.path.basename(p) for p in out["restored"]["files"]) == ["vc-secrets.conf", "vcgre101.netdev"]
    assert_no_secret(out, SECRETS)
    assert_no_secret(out, rotated)
    assert all("secret = 0s" not in d["before"] + d["after"] for d in out["diff"])
    assert restore(result[S.KEY], params(changed, tmp_path), cpe)["changed"] is False


def test_check_mode_restore_reports_and_changes_nothing(plan, tmp_path):
    cpe = Cpe()
    result = deploy(params(plan, tmp_path), cpe)
    files, links = tree(tmp_path), link_state(cpe)
    cpe.calls = []
    out = restore(result[S.KEY], params(plan, tmp_path), cpe, check_mode=True)
    assert out["changed"] and "ip link del dev vcgre101" in out["commands"]
    assert tree(tmp_path) == files and link_state(cpe) == links
    assert all(c[:2] in (["ip", "-j"],) for c in cpe.calls)     # reads only


def test_a_deploy_that_changes_nothing_has_no_snapshot_and_check_mode_takes_none(plan, tmp_path):
    cpe = Cpe()
    deploy(params(plan, tmp_path), cpe)
    assert S.KEY not in deploy(params(plan, tmp_path), cpe)
    changed = copy.deepcopy(plan)
    changed["regions"][0]["tunnels"][0]["mtu"]["tunnel_ip_mtu"] = 1380
    engine = LinuxConfig(params(changed, tmp_path), cpe, check_mode=True)
    assert engine.apply()["changed"] and engine.snapshot_result() == {}


def test_a_snapshot_of_another_host_or_version_is_refused(plan, tmp_path):
    cpe = Cpe()
    text = deploy(params(plan, tmp_path), cpe)[S.KEY]
    with pytest.raises(S.RestoreError, match="taken on cpe1, not on cpe2"):
        S.loads(text, "cpe2")
    with pytest.raises(S.RestoreError, match="not a vc_linux_config snapshot"):
        S.loads(json.dumps({"version": 99}), "cpe1")


def test_nft_table_restored_or_deleted(tmp_path):
    cpe = Cpe()
    prev = "table inet vc_mss_clamp {\n\tchain forward {\n\t\ttcp flags syn tcp option maxseg size set 1350 comment \"vc:1\"\n\t}\n}\n"
    cpe.nft = prev.replace("1350", "1300").replace("vc:1", "vc:2")
    snap = json.dumps({"version": S.VERSION, "host": "cpe1", "files": {}, "links": {}, "frr": None, "unit_enabled": None,
                       "nft": {"exists": True, "text": prev}})
    out = restore(snap, {"nft": "nft"}, cpe)
    assert out["restored"]["nft_table"] and cpe.nft == prev
    assert restore(snap, {"nft": "nft"}, cpe)["changed"] is False
    gone = json.dumps({"version": S.VERSION, "host": "cpe1", "files": {}, "links": {}, "frr": None, "unit_enabled": None,
                       "nft": {"exists": False, "text": None}})
    assert restore(gone, {"nft": "nft"}, cpe)["commands"] == ["nft delete table inet vc_mss_clamp"] and cpe.nft is None


def test_link_restore_commands_per_attribute_and_never_a_foreign_link():
    prev = {"name": "vcgre101", "kind": "gre", "local": "192.0.2.2", "remote": "198.51.100.65", "ttl": 255, "pmtudisc": True,
            "mtu": 1400, "up": True, "addresses": ["100.64.0.1/30"], "alias": "webex_di.virtual_connect:lab-A"}
    cur = dict(prev, remote="198.51.100.99", mtu=1380, addresses=["100.64.0.9/30"], up=False)
    assert S.link_restore_commands("vcgre101", prev, cur, lambda _t: None) == [
        ["link", "set", "dev", "vcgre101", "type", "gre", "local", "192.0.2.2", "remote", "198.51.100.65", "ttl", "255", "pmtudisc"],
        ["link", "set", "dev", "vcgre101", "mtu", "1400"],
        ["addr", "del", "100.64.0.9/30", "dev", "vcgre101"],
        ["addr", "add", "100.64.0.1/30", "dev", "vcgre101"],
        ["link", "set", "dev", "vcgre101", "up"]]
    assert S.link_restore_commands("vcgre101", prev, None, lambda _t: None)[0][:3] == ["link", "add", "vcgre101"]
    assert S.link_restore_commands("vcgre101", prev, dict(prev), lambda _t: None) == []
    warnings = []
    assert S.link_restore_commands("vcgre101", None, dict(prev, alias=None), warnings.append) == [] and warnings


# ------------------------------------------------------------------ FRR
def intent_of(plan, keys, passwords, running=""):
    tunnels = [t for t in R.host_tunnels(plan, "cpe1") if t["key"] in keys]
    return R.frr_intent(tunnels, plan["cpes"]["cpe1"], passwords, activate=F.needs_activate(running))


def test_frr_restore_commands_remove_what_a_first_deploy_added():
    running = fixture_text("frr_running_converged.txt")
    passwords = dict((k, v["bgp_password"]) for k, v in SECRETS.items())
    plan = json.loads((FIXTURES / "plan_lab.json").read_text())
    intent = intent_of(plan, ["lab-A", "lab-B"], passwords, running)
    part = F.frr_delta(running, intent)["before"]
    assert "neighbor 100.64.0.2" in part
    # router bgp did not exist before and holds only our lines now: it goes too
    cmds = S.frr_restore_commands(part, "", router_existed=False,
                                  router_lines=[c["line"] for c in F.bgp_router(F.parse_running(part))["children"]])
    assert [c for c in cmds if "router bgp" in c] == ["no router bgp 64551"]
    assert all(c.startswith("no ") or c in ("bfd", "exit") or c.startswith(" no ") for c in cmds)
    # ... but not when someone else's neighbour (here the ISP uplink) lives in it now
    kept = S.frr_restore_commands(part, "", router_existed=False,
                                  router_lines=[c["line"] for c in F.bgp_router(F.parse_running(running))["children"]])
    assert "no router bgp 64551" not in kept and " no neighbor 100.64.0.2" in kept
    # the router existed (the operator's): only our lines go, the router stays
    kept = S.frr_restore_commands(part, "", router_existed=True)
    assert "no router bgp 64551" not in kept and " no neighbor 100.64.0.2" in kept and " no neighbor 100.64.0.6" in kept
    assert S.frr_restore_commands(part, part) == []


def test_frr_restore_commands_retype_what_a_change_removed_and_negate_what_it_added():
    prev = ("ip prefix-list VC-lab-A-IN seq 5 permit 203.0.113.0/24\nroute-map VC-lab-A-IN permit 10\n"
            " match ip address prefix-list VC-lab-A-IN\nexit\nrouter bgp 64551\n neighbor 100.64.0.2 remote-as 64552\n"
            " neighbor 100.64.0.2 description VC-lab-A\n neighbor 100.64.0.2 password old-secret\n"
            " address-family ipv4 unicast\n  neighbor 100.64.0.2 route-map VC-lab-A-IN in\n exit-address-family\nexit\n")
    cur = ("ip prefix-list VC-lab-A-IN seq 5 permit 203.0.113.0/24\nip prefix-list VC-lab-A-IN seq 10 permit 198.18.10.0/24\n"
           "ip prefix-list VC-NEW seq 5 permit 10.0.0.0/8\nroute-map VC-lab-A-IN permit 10\n match ip address prefix-list VC-NEW\nexit\n"
           "router bgp 64551\n neighbor 100.64.0.2 remote-as 64999\n neighbor 100.64.0.2 description VC-lab-A\n"
           " neighbor 100.64.0.2 password new-secret\n neighbor 100.64.0.9 remote-as 65000\n neighbor 100.64.0.9 description VC-x\n"
           " address-family ipv4 unicast\n  neighbor 100.64.0.2 route-map VC-lab-A-IN in\n  neighbor 100.64.0.9 activate\n"
           " exit-address-family\nexit\n")
    cmds = S.frr_restore_commands(cur, prev)
    assert cmds == [
        "no ip prefix-list VC-lab-A-IN seq 10 permit 198.18.10.0/24",
        "route-map VC-lab-A-IN permit 10", " no match ip address prefix-list VC-NEW", " match ip address prefix-list VC-lab-A-IN", "exit",
        "router bgp 64551", " no neighbor 100.64.0.9", " no neighbor 100.64.0.2 password new-secret",
        " neighbor 100.64.0.2 remote-as 64552", " neighbor 100.64.0.2 password old-secret", "exit",
        "no ip prefix-list VC-NEW"]
    assert "old-secret" not in S.mask_frr("\n".join(cmds)) and "new-secret" not in S.mask_frr("\n".join(cmds))


def test_real_frr_first_deploy_and_staged_change_are_restored_exactly(plan, tmp_path, host_frr):
    cpe = Cpe()
    operator = "router bgp 64551\n neighbor 10.9.9.9 remote-as 65099\nexit\n"
    host_frr.configure(operator)
    pristine = host_frr.running()

    def run(argv, data=None):
        return host_frr.runner(argv, data) if argv[:1] == ["vtysh"] else cpe(argv, data)

    p = params(plan, tmp_path, features=["bgp"], vtysh=host_frr.vtysh)
    first = deploy(p, run)
    assert "neighbor 100.64.0.2" in host_frr.running()
    assert json.loads(first[S.KEY])["frr"]["router_existed"] is True
    assert_no_secret(first, SECRETS)
    out = restore(first[S.KEY], p, run)
    assert out["restored"]["frr"] and host_frr.running() == pristine      # the operator's neighbour stays
    assert_no_secret(out, SECRETS)
    assert restore(first[S.KEY], p, run)["changed"] is False

    deploy(p, run)
    deployed = host_frr.running()
    rotated = copy.deepcopy(SECRETS)
    rotated["lab-A"]["bgp_password"] = "rotated-bgp-a"
    second = deploy(dict(p, tunnels=["lab-A"], secrets=rotated), run)
    assert host_frr.running() != deployed
    assert_no_secret(second, rotated)
    out = restore(second[S.KEY], dict(p, tunnels=["lab-A"]), run)
    assert host_frr.running() == deployed and not any("100.64.0.6" in c for c in out["commands"])
    assert_no_secret(out, SECRETS)
    assert_no_secret(out, rotated)


# ------------------------------------------------------------------ re-establishing a changed connection
def test_reestablish_drains_our_neighbour_first_and_always_enables_it_again(monkeypatch):
    monkeypatch.setattr(S.time, "sleep", lambda _s: None)
    running = fixture_text("frr_running_converged.txt")
    calls = []

    def run(argv, data=None):
        calls.append(" ".join(argv))
        if argv[-1] == "show running-config":
            return 0, running, ""
        if "--initiate" in argv:
            return 1, "", "initiate failed: AUTHENTICATION_FAILED"
        return 0, "", ""

    def swanctl(args):
        return ["swanctl"] + list(args)

    done = S.reestablish(run, swanctl, ["vtysh"], "vc-lab-A", "vc-lab-A-gre", "100.64.0.2")
    assert calls == [
        "vtysh -c show running-config",
        "vtysh -c configure terminal -c router bgp 64551 -c neighbor 100.64.0.2 shutdown",
        "swanctl --terminate --ike vc-lab-A --timeout 10",
        "swanctl --initiate --child vc-lab-A-gre --timeout 20",
        "vtysh -c configure terminal -c router bgp 64551 -c no neighbor 100.64.0.2 shutdown"]
    assert done[0].endswith("neighbor 100.64.0.2 shutdown (drain)") and done[-1].endswith("no neighbor 100.64.0.2 shutdown")
    # the operator's neighbour (no VC description) is never shut down; without FRR only the SA is redone
    calls.clear()
    S.reestablish(run, swanctl, ["vtysh"], "vc-x", "vc-x-gre", "10.255.0.1")
    assert not any("shutdown" in c for c in calls) and any("--terminate" in c for c in calls)
    calls.clear()
    S.reestablish(run, swanctl, [], "vc-lab-A", "vc-lab-A-gre", "100.64.0.2")
    assert calls == ["swanctl --terminate --ike vc-lab-A --timeout 10", "swanctl --initiate --child vc-lab-A-gre --timeout 20"]

    def broken(argv, data=None):
        if "--terminate" in argv:
            raise OSError("swanctl vanished")
        return run(argv, data)

    calls.clear()
    with pytest.raises(OSError):
        S.reestablish(broken, swanctl, ["vtysh"], "vc-lab-A", "vc-lab-A-gre", "100.64.0.2")
    assert calls[-1].endswith("no neighbor 100.64.0.2 shutdown")     # enabled again whatever happened


def test_a_restored_daemons_file_restarts_frr_and_a_removed_file_goes(tmp_path):
    daemons = tmp_path / "frr" / "daemons"
    daemons.parent.mkdir()
    daemons.write_text("bgpd=yes\n")
    extra = tmp_path / "new" / "vc-extra.conf"
    extra.parent.mkdir()
    extra.write_text("made by the failed run\n")
    snap = {"version": S.VERSION, "host": "cpe1", "links": {}, "frr": None, "nft": None, "unit_enabled": None,
            "daemons_file": str(daemons),
            "files": {str(daemons): {"exists": True, "content": "bgpd=no\n", "mode": 0o640, "uid": 0, "gid": 0, "dir_existed": True},
                      str(extra): {"exists": False, "dir_existed": False}}}
    calls = []

    def run(argv, data=None):
        calls.append(argv)
        return 0, "", ""

    out = S.Restore(snap, {"frr_restart": ["service", "frr", "restart"]}, run).restore()
    assert daemons.read_text() == "bgpd=no\n" and (daemons.stat().st_mode & 0o777) == 0o640
    assert not extra.exists() and not extra.parent.exists()         # the directory the failed run made goes too
    assert calls == [["service", "frr", "restart"]] and "service frr restart" in out["commands"]
    calls.clear()
    assert S.Restore(snap, {"frr_restart": ["service", "frr", "restart"]}, run).restore()["changed"] is False and calls == []
