"""The lab's own model of the Cisco side (tests/lab/labgen.py), from the real lab inventories."""
from __future__ import annotations

import ipaddress
import json
import re
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

import labgen  # noqa: E402  (tests/lab is not a package)
import pingstats  # noqa: E402


@pytest.fixture(scope="module", params=["lab", "lab-dual"])
def gen(request, tmp_path_factory):
    out = tmp_path_factory.mktemp(request.param)
    spec = labgen.generate(REPO / "inventories" / request.param, out)
    return request.param, spec, out


def test_split_and_announcements(gen):
    _name, spec, out = gen
    a, b = spec["dcs"]["A"], spec["dcs"]["B"]
    assert a["announce"] == ["203.0.113.0/25", "203.0.113.0/24", "198.18.10.0/25", "198.18.10.0/24"]
    assert b["announce"] == ["203.0.113.128/25", "203.0.113.0/24", "198.18.10.128/25", "198.18.10.0/24"]
    frr = (out / "dca-rtr" / "frr.conf").read_text()
    assert re.findall(r"^  network (\S+)$", frr, re.M) == a["announce"]
    # accepts only the default route from the customer
    assert re.findall(r"^ip prefix-list VC-FROM-CUST .*permit (\S+)$", frr, re.M) == ["0.0.0.0/0"]
    assert "ip route 0.0.0.0/0 100.64.255.2 250" in frr  # floating default over the DCI
    assert "neighbor 100.64.0.1 password lab-bgp-dc-a" in frr
    assert "neighbor 100.64.0.1 remote-as 64551" in frr and "router bgp 64552" in frr
    frr_b = (out / "dcb-rtr" / "frr.conf").read_text()
    assert "router bgp 64562" in frr_b and "remote-as 64561" in frr_b


def test_internet_router_knows_only_public_30s(gen):
    _name, spec, out = gen
    inet_lines = [line for line in (out / "build.sh").read_text().splitlines() if line.startswith(("addr inet", "route inet"))]
    assert not any(line.startswith("route inet") for line in inet_lines)
    for line in inet_lines:
        iface = ipaddress.ip_interface(line.split()[3])
        assert iface.network.prefixlen == 30
        for private in ("203.0.113.0/24", "198.18.10.0/24", "10.10.10.0/24"):
            assert not iface.network.overlaps(ipaddress.ip_network(private))
    cpe_ips = {c["ipsec_ip"] for c in spec["cpes"].values()}
    inet_nets = [ipaddress.ip_interface(line.split()[3]).network for line in inet_lines]
    for ip in cpe_ips | {t["di_ipsec_ip"] for t in spec["tunnels"]}:
        assert any(ipaddress.ip_address(ip) in n for n in inet_nets)
    for t in spec["tunnels"]:  # GRE endpoints are NOT on the internet
        assert not any(ipaddress.ip_address(t["di_gre_ip"]) in n for n in inet_nets)


def test_headend_protects_gre_only_and_never_leaks(gen):
    _name, spec, out = gen
    for t in spec["tunnels"]:
        conf = (out / spec["dcs"][t["datacenter"]]["vpn_ns"] / "swanctl.conf").read_text()
        assert f"local_ts = {t['di_gre_ip']}/32[gre]" in conf
        assert f"remote_ts = {t['cpe_gre_ip']}/32[gre]" in conf
        assert "mode = tunnel" in conf and "version = 2" in conf
        assert "start_action = trap" in conf
        assert "dpd_delay = 10s" in conf


def test_headend_is_as_strict_as_a_crypto_map(gen):
    # every headend drops the GRE of its ACL that is not protected by IPsec, both ways, before any CPE starts
    _name, spec, out = gen
    steps = [line.split() for line in (out / "build.sh").read_text().splitlines() if line and not line.startswith("#")]
    guards = [s[1:] for s in steps if s[0] == "headend_guard"]
    assert sorted(guards) == sorted([spec["dcs"][t["datacenter"]]["vpn_ns"], t["di_gre_ip"], t["cpe_gre_ip"]] for t in spec["tunnels"])
    first_cpe = [s[0] for s in steps].index("cpe_start")
    assert all(i < first_cpe for i, s in enumerate(steps) if s[0] == "headend_guard")
    env = dict(line.split("=", 1) for line in (out / "lab.env").read_text().splitlines())
    assert env["LAB_CPE_GRE_IPS"].strip("'").split() == sorted({t["cpe_gre_ip"] for t in spec["tunnels"]})
    for t in spec["tunnels"]:   # what the fault primitives need, per tunnel
        i = t["index"]
        assert env[f"LAB_T{i}_DI_IPSEC"] == t["di_ipsec_ip"] and env[f"LAB_T{i}_CPE_ASN"] == str(t["cpe_asn"])
        assert env[f"LAB_T{i}_OWN_25S"].strip("'").split()[0] == t["dc_prefix"]


def test_headend_can_be_a_pure_responder(tmp_path, monkeypatch):
    # the article: the DI side "may not always" initiate; the lab can model that (the guard still drops clear GRE)
    monkeypatch.setenv("LAB_CISCO_INITIATE", "0")
    spec = labgen.generate(REPO / "inventories" / "lab", tmp_path)
    assert spec["cisco"]["initiate"] is False
    conf = (tmp_path / "dca-vpn" / "swanctl.conf").read_text()
    assert "start_action = none" in conf and "start_action = trap" not in conf
    assert "headend_guard dca-vpn" in (tmp_path / "build.sh").read_text()


def test_dual_cpe_placement(gen):
    name, spec, out = gen
    build = (out / "build.sh").read_text()
    if name == "lab-dual":
        assert sorted(spec["cpes"]) == ["cpe1", "cpe2"]
        assert "route dca-rtr 192.0.2.2/32 via" in build and "route dcb-rtr 192.0.2.6/32 via" in build
    else:
        assert list(spec["cpes"]) == ["cpe1"]
    # Cisco side is started before any CPE (LAB-NOTES gotcha 5)
    steps = [line.split()[0] for line in build.splitlines() if line and not line.startswith("#")]
    assert max(i for i, s in enumerate(steps) if s in ("headend_start", "frr_instance_start")) < steps.index("cpe_start")
    env = dict(line.split("=", 1) for line in (out / "lab.env").read_text().splitlines())
    assert env["LAB_T1_KEY"] == "lab-A" and env["LAB_DCA_HOST"] == "203.0.113.10"
    json.loads((out / "spec.json").read_text())


def test_bad_inventory_is_refused(tmp_path):
    inv = tmp_path / "inv"
    (inv / "group_vars" / "all").mkdir(parents=True)
    (inv / "group_vars" / "all" / "vc.yml").write_text("vc_regions:\n  - region: x\n    di_prefix: 203.0.113.0/23\n    tunnels: []\n")
    with pytest.raises(labgen.LabError):
        labgen.generate(inv, tmp_path / "out")


def test_pingstats_outage_and_recovery_loss():
    lines = []
    seq = 1
    t = 100.0
    while t < 110.0:
        if not (102.0 <= t < 105.0):  # 3 s outage after the break at 102.0
            lines.append(f"[{t:.6f}] 64 bytes from 203.0.113.10: icmp_seq={seq} ttl=62 time=1.0 ms")
        seq += 1
        t += 0.2
    d = pingstats.stats("\n".join(lines), 102.0, 106.0)
    assert 3.0 <= d["outage_s"] <= 3.3
    assert d["lost"] == 15 and d["lost_after_restore"] == 0


# ---------------------------------------------------------------- the customer core router and the redistribution drill
import copy  # noqa: E402

import core_rib  # noqa: E402

FIX = REPO / "tests" / "fixtures" / "lab" / "core_rib" / "dual"


def _steps(out):
    return [line.split() for line in (out / "build.sh").read_text().splitlines() if line and not line.startswith("#")]


def test_lan_host_sits_behind_the_core(gen):
    _name, spec, out = gen
    steps = _steps(out)
    core = spec["core"]
    assert ["veth", "core", "host0", "lan", "eth0"] in steps
    assert ["route", "lan", "default", "via", core["host_gw"]] in steps
    assert ["bridge", "core", "br0", core["seg_cidr"]] in steps
    for name in spec["cpes"]:   # every CPE's lan0 is a port of the core's LAN segment, not of the LAN host
        assert ["veth", "core", f"l-{name}", name, "lan0"] in steps and ["bridge_port", "core", f"l-{name}"] in steps
    assert not any(s[0] == "veth" and s[1] == "lan" for s in steps)
    # the DC prefixes can reach the core only through the redistribution: no route of its own, no default
    assert not [s for s in steps if s[0] == "route" and s[1] == "core"]
    frr = (out / "core" / "frr.conf").read_text()
    assert "ip route" not in frr and "default-information" not in frr and "redistribute" not in frr
    assert re.findall(r"^ network (\S+) area", frr, re.M) == [core["seg_net"], core["host_net"]]
    assert " passive-interface host0" in frr
    kinds = [s[0] for s in steps]
    core_start = ["frr_instance_start", "core", "zebra", "ospfd"]
    assert core_start in steps and steps.index(core_start) < kinds.index("cpe_start")


def test_cpe_comes_with_the_customers_ospf(gen):
    _name, spec, out = gen
    starts = [s for s in _steps(out) if s[0] == "cpe_start"]
    assert len(starts) == len(spec["cpes"])
    for s in starts:
        c = spec["cpes"][s[1]]
        lan = ipaddress.ip_interface(c["lan_cidr"])
        assert s[2:] == [c["mgmt_ip"], str(lan.network), str(lan.ip)]


def test_redistribution_expectation_is_each_cpes_expect_received(gen):
    name, spec, out = gen
    red = spec["redistribution"]
    assert sorted(red) == sorted(spec["cpes"])
    for cpe, r in red.items():
        want = {p for t in spec["tunnels"] if t["cpe_host"] == cpe for p in t["expect_received"]}
        assert set(r["prefixes"]) == want and "0.0.0.0/0" not in r["prefixes"]
        assert r["next_hop"] == str(ipaddress.ip_interface(spec["cpes"][cpe]["lan_cidr"]).ip)
        assert r["metric_type"] == 2
    if name == "lab":
        assert len(red["cpe1"]["prefixes"]) == 6 and red["cpe1"]["tag"] == 65101
    else:   # dual: each CPE its DC's /25s and the /24 backups, never the other DC's /25
        assert "203.0.113.128/25" not in red["cpe1"]["prefixes"] and "203.0.113.0/25" not in red["cpe2"]["prefixes"]
        assert {red["cpe1"]["tag"], red["cpe2"]["tag"]} == {65101, 65102}
    env = dict(line.split("=", 1) for line in (out / "lab.env").read_text().splitlines())
    assert env["LAB_CPE1_REDIST_PREFIXES"].strip("'").split() == red["cpe1"]["prefixes"]
    assert env["LAB_CORE"] == "core" and env["LAB_CPE1_LAN_IP"] == red["cpe1"]["next_hop"]


def _data(inv="lab"):
    return labgen.load_inventory(REPO / "inventories" / inv)


def test_redistribution_defaults_and_refusals():
    data = _data()
    data["hostvars"]["cpe1"]["vc_redistribution"] = {"protocol": "ospf", "include_iaas": False, "metric_type": 1}
    r = labgen.build_spec(data)["redistribution"]["cpe1"]
    assert r["prefixes"] == ["203.0.113.0/24", "203.0.113.0/25", "203.0.113.128/25"]
    assert r["tag"] == 64551 and r["metric_type"] == 1   # default tag: the CPE's BGP ASN
    data["hostvars"]["cpe1"].pop("vc_redistribution")
    assert labgen.build_spec(data)["redistribution"] == {}
    data["hostvars"]["cpe1"]["vc_redistribution"] = {"protocol": "bgp", "neighbors": ["10.10.10.253"]}
    with pytest.raises(labgen.LabError, match="OSPF"):
        labgen.build_spec(data)


def test_lan_host_must_be_behind_the_core():
    data = _data()
    data["lab"]["lab_lan_host"] = "10.10.10.10/24"
    with pytest.raises(labgen.LabError, match="behind the core"):
        labgen.build_spec(data)
    data = _data()
    data["lab"]["lab_core_cidr"] = "10.10.30.253/24"   # the CPEs' lan0 not on the core's segment
    with pytest.raises(labgen.LabError, match="segment"):
        labgen.build_spec(data)


def _fixture():
    return [json.loads((FIX / f).read_text()) for f in ("spec.json", "core_route.json", "core_ospf_route.json")]


def _failed(res):
    return [text for ok, text in res if not ok]


def test_core_rib_accepts_the_captured_dual_lab():
    res = core_rib.checks(*_fixture())
    assert len(res) == 5 and not _failed(res)


def test_core_rib_refuses_a_default_a_static_an_extra_or_a_missing_prefix():
    spec, route, ospf = _fixture()
    r = copy.deepcopy(route)
    r["0.0.0.0/0"] = [{"prefix": "0.0.0.0/0", "protocol": "ospf", "selected": True, "nexthops": [{"ip": "10.10.10.1"}]}]
    assert any("0.0.0.0/0" in t for t in _failed(core_rib.checks(spec, r, ospf)))
    r = copy.deepcopy(route)
    r["203.0.113.0/25"][0]["protocol"] = "static"
    assert any("every learned route is OSPF" in t for t in _failed(core_rib.checks(spec, r, ospf)))
    r = copy.deepcopy(route)
    r["10.99.0.0/16"] = [{"prefix": "10.99.0.0/16", "protocol": "ospf", "selected": True, "nexthops": [{"ip": "10.10.10.1"}]}]
    assert any("exactly" in t for t in _failed(core_rib.checks(spec, r, ospf)))
    r = copy.deepcopy(route)
    del r["198.18.10.0/25"]
    assert any("exactly" in t for t in _failed(core_rib.checks(spec, r, ospf)))


def test_core_rib_refuses_a_wrong_next_hop_type_or_tag():
    spec, route, ospf = _fixture()
    r = copy.deepcopy(route)
    r["203.0.113.0/24"][0]["nexthops"] = r["203.0.113.0/24"][0]["nexthops"][:1]   # only cpe1: cpe2's /24 missing
    assert any("next hop" in t for t in _failed(core_rib.checks(spec, r, ospf)))
    o = copy.deepcopy(ospf)
    o["203.0.113.128/25"]["tag"] = 64561   # the ASN instead of the planned tag
    assert any("planned tag" in t for t in _failed(core_rib.checks(spec, route, o)))
    o = copy.deepcopy(ospf)
    o["203.0.113.0/25"]["routeType"] = "N E1"
    assert any("planned tag" in t for t in _failed(core_rib.checks(spec, route, o)))
    assert _failed(core_rib.checks({"redistribution": {}}, route, ospf))   # nothing expected: never a pass


# ------------------------------------------------------------------ split model (inventories/lab-split, rri: drills)
import rri_check  # noqa: E402


@pytest.fixture(scope="module")
def split(tmp_path_factory):
    out = tmp_path_factory.mktemp("lab-split")
    spec = labgen.generate(REPO / "inventories" / "lab-split", out)
    env = dict(line.split("=", 1) for line in (out / "lab.env").read_text().splitlines())
    return spec, out, [line.split() for line in (out / "build.sh").read_text().splitlines() if line and line[0] != "#"], env


def test_split_lab_has_the_ipsec_device_on_the_internet_and_the_inside_link(split):
    spec, _out, steps, env = split
    assert sorted(spec["cpes"]) == ["cpe1", "vpn1"]
    vpn, gre = spec["cpes"]["vpn1"], spec["cpes"]["cpe1"]
    # vpn1: its public address (tunnel 1's cpe.ipsec_ip) on the internet router, no LAN port; cpe1 keeps its WAN
    assert vpn["wan_cidr"] == "192.0.2.6/30" and vpn["lan_cidr"] is None and gre["wan_cidr"] == "192.0.2.2/30"
    assert ["veth", "inet", "to-vpn1", "vpn1", "wan0"] in steps and not any(s[:3] == ["veth", "core", "l-vpn1"] for s in steps)
    # the inside link holds cpe.gre_ip and cpe.ipsec_inside_ip; the GRE source is not put on lo as an extra address
    assert ["veth", "cpe1", "in-vpn1", "insw1", "p-cpe1"] in steps and ["veth", "vpn1", "in-cpe1", "insw1", "p-vpn1"] in steps
    assert ["l2switch", "insw1", "br0", "p-cpe1", "p-vpn1"] in steps   # a switch: no carrier loss seen through it
    assert ["addr", "cpe1", "in-vpn1", "10.1.0.2/30"] in steps and ["addr", "vpn1", "in-cpe1", "10.1.0.1/30"] in steps
    assert gre["extra_gre_ips"] == [] and not any(s[:3] == ["addr", "cpe1", "lo"] for s in steps)
    # the customer's OSPF (lab pre-configuration) on the inside link of both devices, the LAN on cpe1
    starts = {s[1]: s[2:] for s in steps if s[0] == "cpe_start"}
    assert starts == {"cpe1": ["172.31.255.2", "10.10.10.0/24,10.1.0.0/30", "10.10.10.1"],
                      "vpn1": ["172.31.255.6", "10.1.0.0/30", "10.1.0.1"]}
    # the Cisco side: the DC-A headend's peer is vpn1, its GRE peer cpe1's inside address
    assert "remote_addrs = 192.0.2.6" in (_out / "dca-vpn" / "swanctl.conf").read_text()
    assert ["route", "dca-rtr", "10.1.0.2/32", "via", "10.255.0.1"] in steps
    assert env["LAB_T1_IPSEC_HOST"] == "vpn1" and env["LAB_T2_IPSEC_HOST"] == "cpe1" and env["LAB_T1_RRI_TAG"] == "99"
    assert env["LAB_T1_IPSEC_INSIDE"] == "10.1.0.1" and env["LAB_CPES"] == "'cpe1 vpn1'"


def test_split_lab_refuses_an_inside_link_it_cannot_build(tmp_path):
    data = labgen.load_inventory(REPO / "inventories" / "lab-split")
    data["regions"][0]["tunnels"][0]["cpe"]["ipsec_inside_ip"] = "10.9.0.1"     # not in cpe.gre_ip's /30
    with pytest.raises(labgen.LabError, match="lab_inside_prefixlen"):
        labgen.build_spec(data)
    del data["regions"][0]["tunnels"][0]["cpe"]["ipsec_inside_ip"]
    with pytest.raises(labgen.LabError, match="ipsec_inside_ip"):
        labgen.build_spec(data)


def test_rri_check_reads_how_the_gre_router_holds_the_route():
    route = {"198.51.100.65/32": [{"protocol": "ospf", "selected": True, "nexthops": [{"ip": "10.1.0.1", "active": True}]}]}
    ospf = {"198.51.100.65/32": {"routeType": "N E2", "tag": 99}}
    assert rri_check.learned(route, ospf, "198.51.100.65/32") == "protocol=ospf via=10.1.0.1 type=N_E2 tag=99"
    assert rri_check.learned({}, ospf, "198.51.100.65/32") == "none"
    route["198.51.100.65/32"][0]["selected"] = False
    assert rri_check.learned(route, ospf, "198.51.100.65/32") == "none"


def test_rri_check_reads_the_verify_table_and_the_diagnose_report(tmp_path):
    log = "\n".join([
        "ok: [vpn1] => ", "    msg:", "    - 'tunnel 1 DC-A (region lab) [lab-A]: OK'",
        "    - '  ike_sa           PASS    IKEv2 SA with 198.51.100.2 established'",
        "    - '  rri_route        FAIL    no RRI route'", "    - 'tunnel 2 DC-B (region lab) [lab-B]: OK'",
        "    - '  rri_route        PASS    x'", "ok: [cpe1] => ", "    - 'tunnel 1 DC-A (region lab) [lab-A]: OK'",
        "    - '  rri_route        PASS    not its check, but another host'"])
    assert rri_check.rows(log, "vpn1", "lab-A", ["ike_sa"])
    assert not rri_check.rows(log, "vpn1", "lab-A", ["ike_sa", "rri_route"])
    assert not rri_check.rows(log, "vpn1", "lab-A", ["ipsec_sa"])          # a missing row is not a pass
    (tmp_path / "diagnose-cpe1.json").write_text(json.dumps({"tunnels": [
        {"key": "lab-A", "ok": False, "cause_id": "split.ipsec_device"}, {"key": "lab-B", "ok": True}]}))
    assert rri_check.cause(str(tmp_path), "cpe1", "lab-A") == "split.ipsec_device"
    assert rri_check.cause(str(tmp_path), "cpe1", "lab-B") == "ok"
    assert rri_check.cause(str(tmp_path), "vpn1", "lab-A") == "none"
    (tmp_path / "diagnose-cpe1.json").write_text(json.dumps({"tunnels": [
        {"key": "lab-A", "ok": False, "cause_id": "rri.no_route_to_ipsec_device", "fix": "verify and diagnose vpn1 first"}]}))
    assert rri_check.cause(str(tmp_path), "cpe1", "lab-A", "fix") == "verify and diagnose vpn1 first"
