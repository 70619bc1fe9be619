"""Report writers: readable table, JSON, JUnit XML, files."""
from __future__ import annotations

import json
import xml.etree.ElementTree as ET

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify import (
    CHECK_NAMES,
    diagnose_host,
    render_json,
    render_junit,
    render_table,
    verify_host,
    write_reports,
)

from .helpers import A, B, healthy_state, lab_plan, state_with, tunnel_a_down_below
from .test_faults import _remove_ike_a, _remote_as, _bgp_active


def _broken():
    plan = lab_plan()
    state = state_with(_remove_ike_a, tunnel_a_down_below("ike"))
    result = verify_host(plan, state, "cpe1")
    return result, diagnose_host(plan, state, "cpe1", verify_result=result)


def test_table_names_tunnels_checks_and_cause():
    result, diag = _broken()
    text = render_table(result, diag)
    lines = text.splitlines()
    assert lines[0] == "Virtual Connect verify of cpe1: FAILED (28 pass, 1 fail, 13 skip)"
    assert "tunnel 1 DC-A (region lab) [lab-A]: FAILED at ike_sa (IKEv2 phase 1)" in lines
    assert "tunnel 2 DC-B (region lab) [lab-B]: OK" in lines
    row = [ln for ln in lines if ln.strip().startswith("ike_sa ")][0]
    assert row.split()[:2] == ["ike_sa", "FAIL"] and "198.51.100.2" in row
    assert any(ln.strip().startswith("expected: remote=198.51.100.2 state=established version=2") for ln in lines)
    assert any(ln.strip().startswith("cause [ike.no_trigger]: Interesting traffic is not triggering") for ln in lines)
    assert any(ln.strip().startswith("ipsec_sa") and "SKIP" in ln and "blocked by ike (ike_sa)" in ln for ln in lines)


def test_healthy_table_has_every_check_as_pass():
    plan = lab_plan()
    result = verify_host(plan, healthy_state(), "cpe1")
    lines = render_table(result).splitlines()
    for name in CHECK_NAMES:
        rows = [ln for ln in lines if ln.strip().split(" ")[0] == name]
        assert len(rows) == 2 and all(r.split()[1] == "PASS" for r in rows), name


def test_json_round_trips_with_diagnosis():
    result, diag = _broken()
    doc = json.loads(render_json(result, diag))
    assert doc["host"] == "cpe1" and doc["ok"] is False
    assert [t["key"] for t in doc["tunnels"]] == [A, B]
    assert doc["diagnosis"]["tunnels"][0]["cause_id"] == "ike.no_trigger"
    checks = doc["tunnels"][0]["checks"]
    assert set(checks[0]) >= {"check", "status", "expected", "actual", "message"}


def test_junit_one_testcase_per_check_failures_with_message():
    result, diag = _broken()
    root = ET.fromstring(render_junit(result, diag).split("\n", 1)[1])
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("skipped")) == ("42", "1", "13")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == ["cpe1 tunnel 1 DC-A (region lab)", "cpe1 tunnel 2 DC-B (region lab)"]
    cases = suites[0].findall("testcase")
    assert [c.get("name") for c in cases] == list(CHECK_NAMES)
    failures = [(c.get("name"), c.find("failure")) for c in cases if c.find("failure") is not None]
    assert len(failures) == 1
    name, failure = failures[0]
    assert name == "ike_sa" and failure.get("message") == "no IKE SA with the DI IPsec IP 198.51.100.2"
    assert "cause [ike.no_trigger]" in failure.text
    assert all(c.find("skipped") is not None for c in cases if c.get("name") in ("ipsec_sa", "gre_ping"))
    assert all(len(c) == 0 for c in suites[1].findall("testcase"))


def test_write_reports_creates_the_directory(tmp_path):
    plan = lab_plan()
    state = state_with(_remote_as, _bgp_active)
    result = verify_host(plan, state, "cpe1")
    out = write_reports(str(tmp_path / "a" / "b"), "cpe1", {
        "json": ("cpe1.json", render_json(result)), "junit": ("junit-cpe1.xml", render_junit(result))})
    assert out == {"json": str(tmp_path / "a" / "b" / "cpe1.json"),
                   "junit": str(tmp_path / "a" / "b" / "junit-cpe1.xml")}
    assert json.loads((tmp_path / "a" / "b" / "cpe1.json").read_text())["tunnels"][0]["first_failure"]["check"] == \
        "bgp_remote_as"
    assert sorted(p.name for p in (tmp_path / "a" / "b").iterdir()) == ["cpe1.json", "junit-cpe1.xml"]
    assert write_reports(None, "cpe1", {"json": ("x.json", "{}")}) == {}
