"""The IOS-XE fleet benchmark's harness (tests/bench/ios_bench.py) works: its fleet is a clean plan with unique
inputs, the plain push gets the real secrets, the figures are computed as documented, and one real run
(N=1, one round, every stage) ends with the documented last line. Asserts nothing about speed."""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

import ios_bench as bench  # noqa: E402  (tests/conftest.py, loaded by pytest, makes the collection importable)

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan  # noqa: E402

LAST_LINE = re.compile(r"^ios-bench: first_ratio=(?P<r1>\S+) rerun_ratio=(?P<r2>\S+) verify_s=(?P<v>\S+) "
                       r"cpu_per_cpe_s=(?P<c>\S+) show_run_reads=(?P<s>\S+) fleet50_s=(?P<f>\S+)$")


def test_fleet_is_a_clean_plan_with_unique_inputs():
    fleet = bench.make_fleet(50)
    cpes = {h: {"wan_interface": "GigabitEthernet1", "platform": "cisco.ios.ios"} for h in fleet["hosts"]}
    result = build_plan(fleet["regions"], cpes=cpes)
    assert result.ok and result.findings == []
    tunnels = [t for r in fleet["regions"] for t in r["tunnels"]]
    assert len(tunnels) == 100 and len(fleet["hosts"]) == 50
    for values in ([t["cpe"]["tunnel_ip"] for t in tunnels], [t["di"]["ipsec_ip"] for t in tunnels],
                   [t["di"]["gre_ip"] for t in tunnels], [t["cpe"]["asn"] for t in tunnels] +
                   [t["di"]["asn"] for t in tunnels], [t["psk"] for t in tunnels],
                   [t["cpe"]["tunnel_number"] for t in tunnels], [s["wan"] for s in fleet["hosts"].values()],
                   [r["di_prefix"] for r in fleet["regions"]]):
        assert len(set(values)) == len(values)
    first = fleet["regions"][0]["tunnels"]
    assert [t["cpe"]["tunnel_number"] for t in first] == [101, 102]   # the lab scenario's numbers on cpe001
    with pytest.raises(SystemExit):
        bench.make_fleet(0)


def test_base_config_of_each_cpe_loads_in_the_double():
    from iosxe_double import Router

    fleet = bench.make_fleet(3)
    for host, spec in fleet["hosts"].items():
        text = bench.base_config(host, spec)
        router = Router(host, text)
        cfg = router.config_text()
        assert "hostname %s\n" % host in cfg and " ip address %s 255.255.255.0\n" % spec["wan"] in cfg
        assert "router bgp %d\n" % spec["asn"] in cfg and "ip route 0.0.0.0 0.0.0.0 %s\n" % spec["next_hop"] in cfg
        assert "crypto map CUST-CMAP" in cfg    # the production objects stay


def test_fill_secrets_types_each_secret_where_render_masked_it():
    fleet = bench.make_fleet(2)
    a, b = fleet["regions"][1]["tunnels"]
    rendered = "\n".join([
        "! secrets are masked (********)",
        "crypto ikev2 keyring VC-KEYRING",
        " peer VC-SITE002-A", "  address %s" % a["di"]["ipsec_ip"], "  pre-shared-key ********", " !",
        " peer VC-SITE002-B", "  address %s" % b["di"]["ipsec_ip"], "  pre-shared-key ********", " !",
        "router bgp 1", " neighbor %s password ********" % b["di"]["tunnel_ip"]])
    out = bench.fill_secrets(rendered, "cpe002", fleet)
    assert "  pre-shared-key %s\n" % a["psk"] in out and "  pre-shared-key %s\n" % b["psk"] in out
    assert out.index(a["psk"]) < out.index(b["psk"])
    assert " neighbor %s password %s\n" % (b["di"]["tunnel_ip"], b["bgp_password"]) in out
    assert "********" in out.splitlines()[0]                     # comments are left alone
    with pytest.raises(SystemExit):
        bench.fill_secrets(rendered, "cpe001", fleet)            # not this CPE's peers: refuse, never guess


def test_exchanges_split_round_trips_from_controller_gaps():
    t = [{"t": 100.0, "dt": 0.01}, {"t": 100.11, "dt": 0.01}, {"t": 100.22, "dt": 0.0}, {"t": 103.22, "dt": 0.0},
         {"t": 200.0, "dt": 0.0}]
    ex = bench.exchanges(t, 99.0, 104.0)
    assert ex["lines"] == 4 and ex["round_trips"] == 2 and ex["controller_gaps"] == 1
    assert ex["round_trip_s"] == pytest.approx(0.2) and ex["controller_gaps_s"] == pytest.approx(3.0)
    assert ex["before_first_s"] == pytest.approx(1.0) and ex["after_last_s"] == pytest.approx(0.78)
    assert ex["double_s"] == pytest.approx(0.02)
    assert bench.exchanges([], 0, 1)["lines"] == 0


def _size(n, walls, cpu=8.0, reads=9):
    runs = []
    counters = dict(dict.fromkeys(bench.COUNTER_KEYS, 1), show_run_full=reads)
    for stage, wall in walls.items():
        runs.append({"stage": stage, "wall_s": wall, "cpu_s": cpu * n, "cpu_connections_s": 0.1, "double_cpu_s": 0.1,
                     "problems": [], "recap": {"cpe001": {"changed": 0, "failed": 0, "unreachable": 0}},
                     "exchanges": {}, "tasks": None,
                     "hosts": {"cpe%03d" % (i + 1): {"counters": dict(counters), "sessions": []} for i in range(n)}})
    size = {"n": n, "runs": runs}
    size["summary"] = bench.summarise(size)
    return size


def test_last_line_figures_and_na():
    one = _size(1, {"ours_deploy": 20.0, "ours_rerun": 6.0, "ours_verify": 4.0, "plain_push": 10.0,
                    "plain_rerun": 4.0})
    line, figs = bench.last_line([one])
    assert line == ("ios-bench: first_ratio=2.00 rerun_ratio=1.50 verify_s=4.0 cpu_per_cpe_s=8.00 "
                    "show_run_reads=9 fleet50_s=na")
    fifty = _size(50, {"ours_deploy": 300.0}, cpu=10.0, reads=1)
    line, figs = bench.last_line([one, fifty])
    assert LAST_LINE.match(line)
    assert figs["fleet50_s"] == 300.0 and figs["cpu_per_cpe_s"] == 10.0 and figs["first_ratio"] == 2.0
    line, figs = bench.last_line([_size(1, {"ours_deploy": 20.0})])
    assert line == ("ios-bench: first_ratio=na rerun_ratio=na verify_s=na cpu_per_cpe_s=8.00 show_run_reads=9 "
                    "fleet50_s=na")


def test_one_cpe_one_round_end_to_end(tmp_path):
    """The real thing at its smallest: N=1, one round, all five stages; outcomes asserted by the harness. The
    buffer read timeout of network_cli (0.1 s after every line, for both variants) is cut to 0.01 s here
    through the harness's own --env option, so the test takes about 40 s instead of 70: it checks the
    harness, not the figures."""
    out = tmp_path / "ios-bench.json"
    proc = subprocess.run([sys.executable, str(HERE / "ios_bench.py"), "--sizes", "1", "--rounds", "1",
                           "--workdir", str(tmp_path / "work"), "--out", str(out),
                           "--env", "ANSIBLE_PERSISTENT_BUFFER_READ_TIMEOUT=0.01"],
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    last = proc.stdout.rstrip("\n").splitlines()[-1]
    m = LAST_LINE.match(last)
    assert m, last
    assert m.group("f") == "na" and float(m.group("r1")) > 0 and float(m.group("r2")) > 0
    assert float(m.group("v")) > 0 and float(m.group("c")) > 0 and int(m.group("s")) >= 1
    data = json.loads(out.read_text())
    assert data["meta"]["last_line"] == last and data["meta"]["subreaper"] is True
    assert data["meta"]["env"] == ["ANSIBLE_PERSISTENT_BUFFER_READ_TIMEOUT=0.01"]
    runs = {r["stage"]: r for r in data["sizes"][0]["runs"]}
    assert sorted(runs) == sorted(bench.STAGES) and all(not r["problems"] for r in runs.values())

    def host(stage):
        return runs[stage]["hosts"]["cpe001"]["counters"]

    assert host("ours_deploy")["config_sessions"] >= 1 and host("ours_rerun")["config_sessions"] == 0
    assert host("ours_verify")["config_sessions"] == 0 and host("ours_verify")["show_run_full"] == 0
    assert host("plain_push")["config_sessions"] == 1 and host("plain_push")["show_run_full"] == 1
    assert all(host(s)["ssh_sessions"] >= 1 for s in bench.STAGES)
    assert runs["ours_rerun"]["recap"]["cpe001"]["changed"] == 0
    assert runs["ours_deploy"]["cpu_connections_s"] > 0 and runs["ours_deploy"]["cpu_playbook_s"] > 0
    assert runs["ours_deploy"]["tasks"]["tasks"], "the per-task callback wrote nothing"
