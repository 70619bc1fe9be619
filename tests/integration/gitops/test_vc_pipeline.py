"""examples/gitops/vc-pipeline, the one script the GitHub Actions and GitLab CI examples call, run here
as the pipelines run it: merge request (plan + render + check --diff, JUnit), merge (deploy with its
verify gate + verify), and the failing cases that must turn a pipeline red: an input error, a failed
verify. The CPE is the IOS-XE TEST DOUBLE; the playbooks run by FQCN from the collection path."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[3]
E2E = REPO / "tests" / "integration" / "ios_e2e"
if str(E2E) not in sys.path:
    sys.path.insert(0, str(E2E))

from e2e_helpers import INVENTORY, Lab  # noqa: E402

pytestmark = [pytest.mark.ios_e2e, pytest.mark.xdist_group("gitops")]  # one rig, one worker
SCRIPT = REPO / "examples" / "gitops" / "vc-pipeline"
SECRETS = [t[k] for r in yaml.safe_load((INVENTORY / "lab/group_vars/all/vc.yml").read_text())["vc_regions"]
           for t in r["tunnels"] for k in ("psk", "bgp_password")]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    lab = Lab("lab", tmp_path_factory.mktemp("gitops"))
    yield lab
    lab.stop()


def pipeline(lab, *args, inventory=None, out="out"):
    cmd = [sys.executable, str(SCRIPT), *args, "-i", str(inventory or INVENTORY / "lab"), "--out",
           str(lab.workdir / out), "--junit"]
    proc = subprocess.run(cmd, cwd=str(lab.workdir), env=lab.env(), capture_output=True, text=True, timeout=600,
                          check=False)
    (lab.workdir / ("pipeline-%s.log" % "-".join(args))).write_text(proc.stdout + proc.stderr)
    return proc


def suite(path: Path) -> ET.Element:
    """The file's test suite (a <testsuites> of one suite counts as that suite; failures summed)."""
    root = ET.parse(path).getroot()
    if root.tag == "testsuites":
        suites = root.findall("testsuite")
        assert suites, path
        merged = ET.Element("testsuite", failures=str(sum(int(x.get("failures", 0)) for x in suites)),
                            tests=str(sum(int(x.get("tests", 0)) for x in suites)))
        merged.extend(c for x in suites for c in x)
        return merged
    assert root.tag == "testsuite"
    return root


@pytest.fixture(scope="module")
def merge_request(lab):
    router = lab.routers["cpe1"]
    before = router.config_text()
    proc = pipeline(lab, "mr")
    return proc, before, router.config_text()


@pytest.fixture(scope="module")
def merged(lab, merge_request):
    return pipeline(lab, "merge", out="out-merge")


def test_merge_request_plans_renders_and_checks_with_junit(lab, merge_request):
    proc, before, after = merge_request
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert after == before, "the merge request pipeline changed the CPE"
    for stage in ("plan", "render", "check"):
        root = suite(lab.workdir / "out" / "junit" / ("%s.xml" % stage))
        assert root.get("failures") == "0" and int(root.get("tests")) >= 2, stage
        assert "cpe1" in {c.get("name") for c in root.iter("testcase")}, stage
    assert (lab.workdir / "out" / "render" / "cpe1" / "vc-ios.cfg").is_file()
    assert "webex_di.virtual_connect.deploy_vc --check --diff" in proc.stdout
    for secret in SECRETS:
        assert secret not in proc.stdout


def test_merge_deploys_and_verifies(lab, merged):
    assert merged.returncode == 0, merged.stdout[-4000:] + merged.stderr[-2000:]
    for stage in ("deploy", "verify"):
        assert suite(lab.workdir / "out-merge" / "junit" / ("%s.xml" % stage)).get("failures") == "0"
    per_host = suite(lab.workdir / "out-merge" / "reports" / "junit-cpe1.xml")
    assert per_host.get("failures") == "0"


def test_failed_verify_fails_the_pipeline_with_junit(lab, merged):
    lab.set_fault("cpe1", {"tunnels": {"A": {"ipsec_down": True}}})
    try:
        proc = pipeline(lab, "verify", out="out-fault")
    finally:
        lab.clear_faults()
    assert proc.returncode == 1, proc.stdout[-3000:]
    root = suite(lab.workdir / "out-fault" / "junit" / "verify.xml")
    assert int(root.get("failures")) >= 1
    failed = [c.get("name") for c in root.iter("testcase") if c.find("failure") is not None]
    assert "cpe1" in failed
    assert int(suite(lab.workdir / "out-fault" / "reports" / "junit-cpe1.xml").get("failures")) >= 1


def test_input_error_fails_plan_and_stops_the_merge_request(lab, tmp_path):
    inv = tmp_path / "inv"
    shutil.copytree(INVENTORY / "lab", inv)
    vc = inv / "group_vars" / "all" / "vc.yml"
    data = yaml.safe_load(vc.read_text())
    data["vc_regions"][0]["di_prefix"] = "203.0.113.7/24"
    vc.write_text(yaml.safe_dump(data))
    n = len(lab.routers["cpe1"].log)
    proc = pipeline(lab, "mr", inventory=inv, out="out-bad")
    assert proc.returncode == 1
    root = suite(lab.workdir / "out-bad" / "junit" / "plan.xml")
    assert int(root.get("failures")) >= 1 and "prefix.host_bits" in ET.tostring(root, encoding="unicode")
    assert not (lab.workdir / "out-bad" / "junit" / "render.xml").exists(), "the pipeline went on after plan failed"
    assert lab.routers["cpe1"].log[n:] == []


def test_drift_stage_passes_without_drift_and_writes_its_reports(lab, merged):
    proc = pipeline(lab, "drift", out="out-drift")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert json.loads((lab.workdir / "out-drift" / "reports" / "drift-cpe1.json").read_text())["drift"] is False
    assert int(suite(lab.workdir / "out-drift" / "reports" / "junit-drift-cpe1.xml").get("failures")) == 0
    assert int(suite(lab.workdir / "out-drift" / "junit" / "drift.xml").get("failures")) == 0


def test_usage_errors_exit_2():
    proc = subprocess.run([sys.executable, str(SCRIPT), "frobnicate"], capture_output=True, text=True, check=False)
    assert proc.returncode == 2
