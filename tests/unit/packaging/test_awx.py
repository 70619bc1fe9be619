"""awx/: the AWX/AAP objects as JSON request bodies and the awx.awx playbook that sends them.

Checked here without an AWX: the JSON follows the rules AWX's API applies (credential type inputs and
injectors, survey specs), every field is one the awx.awx modules (named after the API fields) accept,
the playbook passes every JSON field through unchanged, the credential types inject exactly the variables
the example inventory's psk/bgp_password references name, and each job template's playbook exists (the
ones that do not yet are listed). tests/integration/runner runs the playbooks with these injectors.
"""
from __future__ import annotations

import ast
import json
import re
import subprocess
import sys
import warnings
from pathlib import Path

import pytest
import yaml
from jinja2 import StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

REPO = Path(__file__).resolve().parents[3]
AWX = REPO / "awx"
API = AWX / "api"
PENDING: set = set()  # job templates whose playbook is still being written (none)
NAME_RX = re.compile(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$")  # AWX: ids and extra_vars injector keys
FIELD_KEYS = {"id", "label", "type", "format", "choices", "help_text", "multiline", "secret", "ask_at_runtime",
              "default"}
SURVEY_TYPES = {"text": str, "textarea": str, "password": str, "multiplechoice": str, "multiselect": str,
                "integer": int, "float": float}
KINDS = {"plan_vc", "render_vc", "deploy_vc", "verify_vc", "diagnose_vc", "drift_vc"}


def load(name):
    return json.loads((API / name).read_text())


def module_options(module: str) -> set:
    import ansible_collections

    for base in ansible_collections.__path__:
        path = Path(base) / "awx" / "awx" / "plugins" / "modules" / (module + ".py")
        if path.is_file():
            tree = ast.parse(path.read_text())
            for node in tree.body:
                if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "DOCUMENTATION":
                    return set(yaml.safe_load(node.value.value)["options"])
    pytest.skip("awx.awx is not installed")


def example_references() -> set:
    regions = yaml.safe_load((REPO / "inventories/example/group_vars/all/vc.yml").read_text())["vc_regions"]
    refs = set()
    for region in regions:
        for t in region["tunnels"]:
            for key in ("psk", "bgp_password"):
                if t.get(key):
                    refs.add(re.match(r"^\{\{\s*(\w+)\s*\}\}$", t[key]).group(1))
    return refs


def tasks():
    play = yaml.safe_load((AWX / "configure_awx.yml").read_text())[0]
    return {t["name"]: t for t in play["tasks"]}


def awx_task(name):
    task = tasks()[name]
    module = next(k for k in task if k.startswith("awx.awx."))
    return module.split(".")[-1], task[module]


# ------------------------------------------------------------------------------- credential types
def test_credential_types_are_generated_from_the_example_inventory():
    proc = subprocess.run([sys.executable, str(AWX / "credential_types.py"), str(REPO / "inventories/example")],
                          capture_output=True, text=True, check=True)
    assert json.loads(proc.stdout) == load("credential_types.json")


def test_credential_types_follow_the_awx_schema():
    for ct in load("credential_types.json"):
        assert set(ct) == {"name", "description", "kind", "inputs", "injectors"}
        assert ct["kind"] in ("cloud", "net")
        ids = []
        for field in ct["inputs"]["fields"]:
            assert set(field) <= FIELD_KEYS and {"id", "label"} <= set(field), field
            assert NAME_RX.match(field["id"]) and field["id"] != "tower"
            assert field.get("type", "string") in ("string", "boolean")
            assert field.get("secret") is True, "%s must be secret" % field["id"]
            ids.append(field["id"])
        assert len(ids) == len(set(ids))
        assert set(ct["inputs"]["required"]) <= set(ids)
        assert set(ct["injectors"]) <= {"file", "env", "extra_vars"}
        env = ImmutableSandboxedEnvironment(undefined=StrictUndefined)
        for key, tmpl in ct["injectors"]["extra_vars"].items():
            assert NAME_RX.match(key), key  # AWX rejects templated or dotted keys
            env.from_string(tmpl).render({i: "EXAMPLE" for i in ids})  # AWX: only defined fields


def test_credential_types_inject_exactly_the_inventory_references():
    injected = [k for ct in load("credential_types.json") for k in ct["injectors"]["extra_vars"]]
    assert len(injected) == len(set(injected))
    assert set(injected) == example_references()


def test_a_literal_secret_in_the_inventory_is_refused(tmp_path):
    inv = tmp_path / "inv" / "group_vars" / "all"
    inv.mkdir(parents=True)
    data = yaml.safe_load((REPO / "inventories/example/group_vars/all/vc.yml").read_text())
    data["vc_regions"][1]["tunnels"][0]["psk"] = "a-literal-psk-in-git"
    (inv / "vc.yml").write_text(yaml.safe_dump(data))
    proc = subprocess.run([sys.executable, str(AWX / "credential_types.py"), str(tmp_path / "inv")],
                          capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert "regions[1].tunnels[0].psk" in proc.stderr and "a-literal-psk-in-git" not in proc.stderr


# --------------------------------------------------------------------------------- job templates
def test_job_templates_cover_every_operation():
    jts = load("job_templates.json")
    kinds = {Path(j["job_template"]["playbook"]).stem for j in jts}
    assert kinds == KINDS
    check = [j for j in jts if j["job_template"]["job_type"] == "check"]
    assert [j["job_template"]["playbook"] for j in check] == ["playbooks/deploy_vc.yml"]
    assert all(j["job_template"]["diff_mode"] for j in check)
    names = [j["job_template"]["name"] for j in jts]
    assert len(names) == len(set(names))


def test_job_template_fields_are_awx_api_fields():
    options = module_options("job_template")
    for j in load("job_templates.json"):
        assert set(j) == {"job_template", "credentials", "survey_spec"}
        assert set(j["job_template"]) <= options, set(j["job_template"]) - options
        assert j["job_template"]["job_type"] in ("run", "check")


def test_surveys_pass_the_awx_survey_validation():
    for j in load("job_templates.json"):
        spec = j["survey_spec"]
        assert isinstance(spec["name"], str) and isinstance(spec["description"], str) and spec["spec"]
        seen = set()
        for idx, q in enumerate(spec["spec"]):
            where = "%s question %d" % (spec["name"], idx)
            for key, typ in (("type", str), ("question_name", str), ("variable", str), ("required", bool)):
                assert isinstance(q.get(key), typ), "%s: %s" % (where, key)
            assert q["variable"] not in seen, where
            seen.add(q["variable"])
            assert NAME_RX.match(q["variable"]) and q["variable"].startswith("vc_"), where
            assert q["type"] in SURVEY_TYPES, where
            if "default" in q and q["default"] != "":
                assert isinstance(q["default"], SURVEY_TYPES[q["type"]]), where
            for key in ("min", "max"):
                assert q.get(key) is None or isinstance(q[key], int), where
            if q["type"] in ("multiplechoice", "multiselect"):
                assert q.get("choices"), where
                assert "default" not in q or q["default"] in q["choices"], where


def test_survey_variables_are_variables_the_playbooks_read():
    text = "\n".join(p.read_text() for p in (REPO / "playbooks").glob("*.yml"))
    text += "\n".join(p.read_text() for p in (REPO / "roles").glob("*/defaults/main.yml"))
    for j in load("job_templates.json"):
        if not (REPO / j["job_template"]["playbook"]).exists():
            continue
        for q in j["survey_spec"]["spec"]:
            where = "%s: %s" % (j["job_template"]["name"], q["variable"])
            assert q["variable"] in text, "%s is read by no playbook or role" % where


def test_job_template_playbooks_exist_or_are_listed_as_pending():
    missing = sorted({j["job_template"]["playbook"] for j in load("job_templates.json")
                      if not (REPO / j["job_template"]["playbook"]).is_file()})
    if missing:
        warnings.warn("job templates whose playbook does not exist yet: %s" % ", ".join(missing), stacklevel=1)
    assert set(missing) <= PENDING, "job templates name missing playbooks: %s" % sorted(set(missing) - PENDING)


def test_credentials_and_references_resolve():
    res = load("resources.json")
    types = {ct["name"]: ct for ct in load("credential_types.json")}
    creds = {c["name"]: c for c in res["credentials"]}
    for c in res["credentials"]:
        assert c["credential_type"] == "Machine" or c["credential_type"] in types, c["name"]
        if c["credential_type"] in types:
            ids = {f["id"] for f in types[c["credential_type"]]["inputs"]["fields"]}
            assert set(c["inputs"]) == ids, c["name"]
    for j in load("job_templates.json"):
        assert set(j["credentials"]) == set(creds), j["job_template"]["name"]
        kinds = [creds[n]["credential_type"] for n in j["credentials"]]
        assert len(kinds) == len(set(kinds)), "AWX takes one credential per type on a job template"
        assert j["job_template"]["inventory"] == res["inventory"]["name"]
        assert j["job_template"]["project"] == res["project"]["name"]
        assert j["job_template"]["execution_environment"] == res["execution_environment"]["name"]
    assert res["inventory_source"]["source_project"] == res["project"]["name"]
    assert (REPO / res["inventory_source"]["source_path"]).is_dir()


# ---------------------------------------------------------------------------------- the playbook
@pytest.mark.parametrize("task,source,prefix", [
    ("Job templates with their surveys", "job_templates.json", "item.job_template."),
    ("Credential types that inject the PSKs and BGP passwords (one per region)", "credential_types.json", "item."),
])
def test_playbook_passes_every_json_field_unchanged(task, source, prefix):
    module, params = awx_task(task)
    options = module_options(module)
    assert set(params) <= options, set(params) - options
    items = load(source)
    body_keys = set().union(*[set(i["job_template"]) if "job_template" in i else set(i) for i in items])
    for key in body_keys:
        assert params.get(key) == "{{ %s%s }}" % (prefix, key), "%s: %s is not passed as is" % (task, key)
    if module == "job_template":
        assert params["credentials"] == "{{ item.credentials }}"
        assert params["survey_spec"] == "{{ item.survey_spec }}"


def test_every_awx_task_uses_module_options_only():
    for name, task in tasks().items():
        module = next((k for k in task if k.startswith("awx.awx.")), None)
        if module:
            options = module_options(module.split(".")[-1])
            assert set(task[module]) <= options, (name, set(task[module]) - options)
        if module == "awx.awx.credential":
            assert task.get("no_log") is True, name
