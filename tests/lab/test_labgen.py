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
