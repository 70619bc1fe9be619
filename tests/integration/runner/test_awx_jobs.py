"""Every playbook through ansible-runner from a private data dir, exactly as an AWX job runs it.

The collection comes from the tarball built from this checkout (installed into the private data dir's
requirements_collections), the inventory is AWX's inventory script with the secrets as references
(`psk: "{{ vault_vc_psk_lab_a }}"`), the secrets arrive through the custom credential type that
awx/credential_types.py writes for that inventory (its extra_vars injector rendered the AWX way into
env/tmpXXXX, `-e @file`), the CPE login through the Machine credential (env/passwords answering
`SSH password:`), survey answers through env/extravars. The CPE is the IOS-XE TEST DOUBLE.

Asserted: status, rc and the recap of each job, what the double saw (no login for plan/render, no
configuration typed in check mode, every tunnel up after deploy), the report and render files, that the
role tasks ran from the installed tarball, and that no event, stdout, artifact, report or render holds a
secret in clear, base64 or IOS type 7 form. Nothing depends on task names.
"""
from __future__ import annotations

import copy
import importlib.util
import json
import re
import sys
from pathlib import Path

import pytest
import yaml

from ..packaging.helpers import build_tarball, clean_env, fresh_clone
from .awx_job import REPO, PrivateDataDir, awx_inventory_script, leaks

E2E = REPO / "tests" / "integration" / "ios_e2e"
if str(E2E) not in sys.path:
    sys.path.insert(0, str(E2E))

from e2e_helpers import Lab  # noqa: E402

pytestmark = [pytest.mark.awx_runner, pytest.mark.xdist_group("awx_runner")]  # one rig, one worker
LOGIN = {"username": "admin", "password": "double-admin-pw"}
PLAYBOOKS = ["plan_vc", "render_vc", "deploy_vc", "verify_vc", "diagnose_vc", "drift_vc"]


def load_credential_types_module(project: Path):
    spec = importlib.util.spec_from_file_location("vc_awx_credential_types", project / "awx" / "credential_types.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def inventory_with_references(scenario: str):
    """The e2e scenario as an AWX inventory: secrets replaced by references, login left to the credential."""
    base = E2E / "inventory" / scenario
    all_vars = {}
    for path in sorted((base / "group_vars" / "all").glob("*.yml")):
        all_vars.update(yaml.safe_load(path.read_text()) or {})
    truth = copy.deepcopy(all_vars["vc_regions"])
    inputs_by_region, secrets = {}, []
    for region in all_vars["vc_regions"]:
        key = re.sub(r"\W", "_", region["region"]).lower()
        inputs = inputs_by_region.setdefault(region["region"], {})
        for t in region["tunnels"]:
            dc = str(t["datacenter"]).lower()
            for field, short in (("psk", "psk"), ("bgp_password", "bgp")):
                if t.get(field):
                    secrets.append(t[field])
                    inputs["%s_dc_%s" % (field, dc)] = t[field]
                    t[field] = "{{ vault_vc_%s_%s_%s }}" % (short, key, dc)
    for drop in ("ansible_user", "ansible_password", "ansible_port", "vc_report_dir", "vc_ios_backup_dir"):
        all_vars.pop(drop, None)
    hosts = yaml.safe_load((base / "hosts.yml").read_text())["all"]["children"]
    groups = {g: list((v or {}).get("hosts", {}) or {}) for g, v in hosts.items()}
    hostvars = {}
    for g in groups.values():
        for h in g:
            path = base / "host_vars" / (h + ".yml")
            hostvars[h] = yaml.safe_load(path.read_text()) if path.exists() else {}
    return groups, all_vars, hostvars, truth, inputs_by_region, secrets


@pytest.fixture(scope="module")
def awx(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("awx_runner")
    env = clean_env(tmp / "home")
    src = fresh_clone(tmp / "src")
    tarball = build_tarball(src, tmp / "dist", env)
    lab = Lab("lab", tmp / "double")
    pdd = PrivateDataDir(tmp / "pdd", src, tarball, env)
    groups, all_vars, hostvars, _truth, inputs, secrets = inventory_with_references("lab")
    for host, port in lab.ports.items():
        hostvars[host]["ansible_port"] = port
    pdd.write_inventory(awx_inventory_script(groups, all_vars, hostvars))
    ctypes = {ct["name"]: ct for ct in load_credential_types_module(pdd.project).credential_types(all_vars["vc_regions"])}
    creds = [(ctypes["Webex DI Virtual Connect secrets (%s)" % region], values) for region, values in inputs.items()]
    state = {"tmp": tmp, "lab": lab, "pdd": pdd, "creds": creds, "secrets": secrets + [LOGIN["password"]],
             "reports": tmp / "job-output" / "reports", "render": tmp / "job-output" / "render",
             "survey": {"vc_report_dir": str(tmp / "job-output" / "reports"),
                        "vc_ios_backup_dir": str(tmp / "job-output" / "backup")}}
    yield state
    lines = ["%-28s %-10s %6.1f s" % (j.ident, j.status, j.seconds) for j in pdd.jobs]
    (tmp / "timings.txt").write_text("\n".join(lines) + "\n")
    print("\n[awx runner] jobs:\n  " + "\n  ".join(lines))
    lab.stop()


def launch(awx, playbook, ident, **kw):
    kw.setdefault("credentials", awx["creds"])
    kw.setdefault("machine", LOGIN)
    extra = dict(awx["survey"])
    extra.update(kw.pop("extra_vars", {}))
    return awx["pdd"].launch("playbooks/%s.yml" % playbook, ident, extra_vars=extra, **kw)


def logins(awx):
    return list(awx["lab"].routers["cpe1"].ssh_clients)


def config_typed(awx, since):
    return [e["line"] for e in awx["lab"].routers["cpe1"].log[since:]
            if e["mode"] != "exec" or e["line"].startswith("conf")]


def assert_ok(job, host="cpe1"):
    assert (job.status, job.rc) == ("successful", 0), job.stdout[-4000:]
    st = job.host_stats(host)
    assert st.get("failures", 0) == 0 and st.get("dark", 0) == 0, st
    assert st.get("ok", 0) > 0, st


# ------------------------------------------------------------------------------------ the jobs
@pytest.fixture(scope="module")
def plan_job(awx):
    before = logins(awx)
    job = launch(awx, "plan_vc", "plan")
    return job, logins(awx)[len(before):]


@pytest.fixture(scope="module")
def bad_secret_job(awx, plan_job):
    before = logins(awx)
    creds = copy.deepcopy(awx["creds"])
    creds[0][1]["psk_dc_a"] = " padded-psk-value-0123 "
    job = launch(awx, "deploy_vc", "deploy-bad-secret", credentials=creds)
    return job, logins(awx)[len(before):], creds[0][1]["psk_dc_a"]


@pytest.fixture(scope="module")
def render_job(awx, bad_secret_job):
    before = logins(awx)
    job = launch(awx, "render_vc", "render", extra_vars={"vc_render_dir": str(awx["render"])})
    return job, logins(awx)[len(before):]


@pytest.fixture(scope="module")
def check_job(awx, render_job):
    router = awx["lab"].routers["cpe1"]
    before, n = router.config_text(), len(router.log)
    job = launch(awx, "deploy_vc", "deploy-check", check=True, diff=True)
    return job, before, router.config_text(), config_typed(awx, n)


@pytest.fixture(scope="module")
def deploy_job(awx, check_job):
    job = launch(awx, "deploy_vc", "deploy", diff=True)
    return job


@pytest.fixture(scope="module")
def verify_job(awx, deploy_job):
    awx["lab"].age(300)
    return launch(awx, "verify_vc", "verify")


@pytest.fixture(scope="module")
def diagnose_job(awx, verify_job):
    return launch(awx, "diagnose_vc", "diagnose")


@pytest.fixture(scope="module")
def fault_job(awx, diagnose_job):
    awx["lab"].set_fault("cpe1", {"tunnels": {"B": {"bgp_down": True}}})
    try:
        job = launch(awx, "verify_vc", "verify-fault", extra_vars={"vc_report_dir": str(awx["reports"] / "fault")})
    finally:
        awx["lab"].clear_faults()
    return job


@pytest.fixture(scope="module")
def drift_job(awx, fault_job):
    return launch(awx, "drift_vc", "drift", extra_vars={"vc_drift_report_dir": str(awx["reports"] / "drift")})


@pytest.fixture(scope="module")
def all_jobs(awx, drift_job):
    return awx["pdd"].jobs


def test_plan_job_succeeds_without_touching_a_device(plan_job):
    job, new_logins = plan_job
    assert_ok(job)
    assert new_logins == []
    assert "100.64.0.2" in job.stdout and "100.64.0.6" in job.stdout  # the per-tunnel plan is printed


def test_bad_secret_fails_the_job_before_any_device_naming_the_field(bad_secret_job):
    job, new_logins, bad = bad_secret_job
    assert job.status == "failed" and job.rc != 0
    assert new_logins == [], "a device was contacted although an input failed"
    assert "secret.format" in job.stdout and "regions[0].tunnels[0].psk" in job.stdout
    assert bad.strip() not in job.stdout


def test_render_job_writes_configs_offline(render_job, awx):
    job, new_logins = render_job
    assert_ok(job)
    assert new_logins == []
    cfg = (awx["render"] / "cpe1" / "vc-ios.cfg").read_text()
    assert "tunnel destination 198.51.100.65" in cfg and "tunnel destination 198.51.100.66" in cfg
    assert leaks(cfg, awx["secrets"]) == []


def test_check_job_sends_no_configuration(check_job):
    job, before, after, typed = check_job
    assert_ok(job)
    assert after == before and typed == []


def test_deploy_job_applies_and_passes_its_verify_gate(deploy_job, awx):
    from iosxe_double.cisco_side import Evaluator

    assert_ok(deploy_job)
    assert deploy_job.host_stats("cpe1").get("changed", 0) > 0
    ev = Evaluator(awx["lab"].routers["cpe1"]).evaluate()
    assert sorted(t.key for t in ev.tunnels) == ["lab-A", "lab-B"]
    assert all(t.ike_up and t.ipsec_up and t.gre_ok and t.bgp_state == "Established" for t in ev.tunnels)


def test_verify_job_passes_and_writes_reports(verify_job, awx):
    assert_ok(verify_job)
    report = json.loads((awx["reports"] / "cpe1.json").read_text())
    assert '"ok": true' in json.dumps(report) and "lab-A" in json.dumps(report) and "lab-B" in json.dumps(report)
    junit = (awx["reports"] / "junit-cpe1.xml").read_text()
    assert "<testsuite" in junit and 'failures="0"' in junit
    stats = (verify_job.stats.get("artifact_data") or {}).get("vc_verify", {}).get("cpe1", {})
    assert stats.get("ok") is True and set(stats.get("tunnels", {})) == {"lab-A", "lab-B"}, stats


def test_diagnose_job_succeeds(diagnose_job):
    assert_ok(diagnose_job)


def test_verify_job_fails_on_a_broken_tunnel(fault_job, awx):
    assert fault_job.status == "failed" and fault_job.rc != 0
    report = json.loads((awx["reports"] / "fault" / "cpe1.json").read_text())
    text = json.dumps(report)
    assert '"ok": false' in text and "lab-B" in text
    stats = (fault_job.stats.get("artifact_data") or {}).get("vc_verify", {}).get("cpe1", {})
    assert stats.get("ok") is False and stats["tunnels"]["lab-B"]["ok"] is False, stats


def test_drift_job_finds_no_drift_and_hands_its_summary_to_set_stats(drift_job, awx):
    assert_ok(drift_job)
    report = json.loads((awx["reports"] / "drift" / "drift-cpe1.json").read_text())
    assert report["drift"] is False and sorted(t["key"] for t in report["tunnels"]) == ["lab-A", "lab-B"]
    artifact = drift_job.stats.get("artifact_data") or {}
    assert artifact.get("vc_drift", {}).get("cpe1", {}).get("drift") is False, artifact


def test_no_secret_in_any_event_stdout_artifact_or_output(all_jobs, awx):
    assert len(all_jobs) >= 9
    for job in all_jobs:
        assert leaks(job.stdout, awx["secrets"]) == [], job.ident
        for event in job.events:
            assert leaks(json.dumps(event), awx["secrets"]) == [], (job.ident, event.get("event"), event.get("counter"))
        assert leaks(job.artifact_text(), awx["secrets"]) == [], job.ident
    for path in (awx["tmp"] / "job-output").rglob("*"):
        if path.is_file() and "backup" not in path.parts:
            assert leaks(path.read_text(errors="replace"), awx["secrets"]) == [], path.name


def test_jobs_ran_the_collection_installed_from_the_tarball(all_jobs, awx):
    installed = str(awx["pdd"].collections / "ansible_collections" / "webex_di" / "virtual_connect")
    role_paths = [p for j in all_jobs for p in j.resolved_task_paths() if "/roles/" in p]
    assert role_paths, "no role task seen in the events"
    assert all(p.startswith(installed) for p in role_paths), sorted({p for p in role_paths if not p.startswith(installed)})


def test_every_login_used_libssh(all_jobs, awx):
    banners = logins(awx)
    assert banners and all(b.startswith("SSH-2.0-libssh") for b in banners), banners
    for job in all_jobs:
        assert not re.search(r"^\[DEPRECATION WARNING\]:.*paramiko", job.stdout, re.M | re.I), job.ident


def test_every_existing_playbook_ran_as_a_job(all_jobs):
    ran = {Path(j.playbook).stem for j in all_jobs}
    assert set(PLAYBOOKS) <= ran, ran
