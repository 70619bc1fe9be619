"""The example pipelines (GitHub Actions, GitLab CI) call the one script, examples/gitops/vc-pipeline,
with the stage their trigger calls for, and the script ships in the collection tarball as an executable."""
from __future__ import annotations

import os
import re
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[3]
GITOPS = REPO / "examples" / "gitops"
SCRIPT_IN_COLLECTION = "collections/ansible_collections/webex_di/virtual_connect/examples/gitops/vc-pipeline"
CALL = re.compile(r'"?\$\{?VC_PIPELINE\}?"? (\w+)( --junit)?')


def calls(text: str) -> list[tuple[str, bool]]:
    return [(m.group(1), bool(m.group(2))) for m in CALL.finditer(text)]


def test_script_is_executable_and_knows_the_stages():
    assert os.access(GITOPS / "vc-pipeline", os.X_OK)
    text = (GITOPS / "vc-pipeline").read_text()
    for stage in ("plan", "render", "check", "deploy", "verify", "drift", "mr", "merge"):
        assert '"%s"' % stage in text, stage


def test_github_workflow_stages_follow_their_triggers():
    wf = yaml.safe_load((GITOPS / "github" / "virtual-connect.yml").read_text())
    assert wf["env"]["VC_PIPELINE"] == SCRIPT_IN_COLLECTION
    assert set(wf["on"]) >= {"pull_request", "push", "schedule"}
    want = {"merge-request": ("pull_request", "mr"), "deploy": ("push", "merge"), "drift": ("schedule", "drift")}
    for job, (event, stage) in want.items():
        spec = wf["jobs"][job]
        assert event in spec["if"], job
        runs = "\n".join(s.get("run", "") for s in spec["steps"])
        assert calls(runs) == [(stage, True)], (job, calls(runs))
        assert "collections/requirements.yml" in runs
    assert wf["jobs"]["deploy"]["environment"] == "production"
    assert wf["concurrency"]["cancel-in-progress"] is False


def test_gitlab_pipeline_stages_follow_their_rules():
    ci = yaml.safe_load((GITOPS / "gitlab-ci.yml").read_text())
    assert ci["variables"]["VC_PIPELINE"] == SCRIPT_IN_COLLECTION
    want = {"merge-request": ("merge_request_event", "mr"), "deploy": ("CI_DEFAULT_BRANCH", "merge"),
            "drift": ("schedule", "drift")}
    for job, (rule, stage) in want.items():
        spec = ci[job]
        assert any(rule in r["if"] for r in spec["rules"]), job
        assert calls("\n".join(spec["script"])) == [(stage, True)], job
        assert "vc-out/junit/*.xml" in spec["artifacts"]["reports"]["junit"]
    assert ci["deploy"]["resource_group"] == ci["drift"]["resource_group"]
    assert any("collections/requirements.yml" in line for line in ci["default"]["before_script"])


def test_build_ignore_keeps_the_examples():
    galaxy = yaml.safe_load((REPO / "galaxy.yml").read_text())
    import fnmatch

    for path in ("examples/gitops/vc-pipeline", "examples/gitops/gitlab-ci.yml", "awx/configure_awx.yml",
                 "awx/api/job_templates.json", "awx/credential_types.py"):
        parts = path.split("/")
        prefixes = ["/".join(parts[:i]) for i in range(1, len(parts) + 1)]
        assert not [p for p in galaxy["build_ignore"] for x in prefixes if fnmatch.fnmatch(x, p)], path
