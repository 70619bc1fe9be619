"""Run the collection's playbooks the way AWX/AAP runs a job: ansible-runner on a private data dir.

What AWX does for a job, and what this harness does the same way:
- project/            the project checkout (here: a fresh copy of this repository, without .build)
- requirements_collections/  the collections of the job; AWX fills it from collections/requirements.yml,
                      here `ansible-galaxy collection install` of the collection tarball built from the
                      checkout, so the job runs the packaged collection and nothing else
- inventory/hosts     AWX's inventory script: `print(<JSON of every group, host and variable>)`
- env/envvars         ANSIBLE_COLLECTIONS_PATH: requirements_collections, then the project ansible.cfg's
                      collections_path, then the defaults, as AWX builds it
- env/extravars       the job template's extra vars and the survey answers
- env/passwords       the Machine credential's password, answered on ansible's `SSH password:` prompt
                      (AWX adds `-u <user> --ask-pass`)
- env/tmpXXXXXX       each custom credential's `extra_vars` injector, rendered with AWX's algorithm (keys
                      and values through an ImmutableSandboxedEnvironment), mode 0400, passed as `-e @file`
Then `ansible-runner run <pdd> -p <playbook>` and the outcome is read from the artifacts: status, rc, the
job events (playbook_on_stats is the recap) and stdout. Assertions are on outcomes, never task names.
"""
from __future__ import annotations

import base64
import json
import os
import shlex
import shutil
import stat
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
TESTS = REPO / "tests"
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))

from iosxe_double.passwords import type7_encrypt  # noqa: E402


# ------------------------------------------------------------------------------------ secrets
def secret_forms(secret: str) -> list[tuple[str, bool]]:
    """The forms a leaked secret can take, as (text, compare case-insensitively): clear text; base64 at each
    of the 3 byte alignments (only the 4-character groups made of the secret's bytes alone, so the form
    does not depend on what surrounds it); IOS type 7 with each of its 16 seeds (hex, either case)."""
    raw = secret.encode()
    forms = [(secret, False)]
    for pad in range(3):
        enc = base64.b64encode(b"\0" * pad + raw).decode()
        core = enc[4 if pad else 0:4 * ((pad + len(raw)) // 3)]
        if len(core) >= 8:
            forms.append((core, False))
    forms += [(type7_encrypt(secret, seed), True) for seed in range(16)]
    return forms


def leaks(text: str, secrets: list[str]) -> list[str]:
    """Which secrets (by position in `secrets`, never by value) appear in text, and in which form."""
    found, low = [], text.lower()
    for idx, secret in enumerate(secrets):
        for form, fold in secret_forms(secret):
            if (form.lower() in low) if fold else (form in text):
                kind = "clear" if form == secret else "type 7" if fold else "base64"
                found.append("secret #%d in %s form" % (idx, kind))
                break
    return found


# ------------------------------------------------------------------------------------ inventory
def awx_inventory_script(groups: dict, all_vars: dict, hostvars: dict) -> str:
    """AWX writes inventory/hosts as a script printing the inventory's JSON (get_script_data)."""
    data = {"all": {"children": sorted(groups), "vars": all_vars}}
    for name, hosts in groups.items():
        data[name] = {"hosts": sorted(hosts), "vars": {}, "children": []}
    data["_meta"] = {"hostvars": hostvars}
    return "#! /usr/bin/env python3\n# -*- coding: utf-8 -*-\nprint(%r)\n" % json.dumps(data)


def render_injectors(credential_type: dict, inputs: dict) -> dict:
    """AWX's CredentialType.inject_credential for `extra_vars`: every key and value is a template."""
    env = ImmutableSandboxedEnvironment()
    namespace = {k: v for k, v in inputs.items() if v != ""}

    def build(node):
        if isinstance(node, dict):
            return {build(k): build(v) for k, v in node.items()}
        if isinstance(node, list):
            return [build(x) for x in node]
        return env.from_string(node).render(**namespace)

    return build(credential_type.get("injectors", {}).get("extra_vars", {}))


# ------------------------------------------------------------------------------------ the job
@dataclass
class Job:
    ident: str
    playbook: str
    status: str
    rc: int
    stdout: str
    events: list
    artifacts: Path
    seconds: float
    stats: dict = field(default_factory=dict)

    def host_stats(self, host: str) -> dict:
        return {k: (v or {}).get(host, 0) for k, v in self.stats.items() if isinstance(v, dict)}

    def artifact_text(self) -> str:
        parts = []
        for path in sorted(self.artifacts.rglob("*")):
            if path.is_file():
                parts.append(path.read_text(errors="replace"))
        return "\n".join(parts)

    def resolved_task_paths(self) -> list[str]:
        return [e["event_data"].get("task_path", "") for e in self.events
                if e.get("event") == "playbook_on_task_start" and e["event_data"].get("task_path")]


class PrivateDataDir:
    """One AWX-style private data dir (project, collections, inventory, env) reused by several jobs."""

    def __init__(self, root: Path, project_src: Path, tarball: Path, base_env: dict):
        self.root = root
        self.base_env = base_env
        self.project = root / "project"
        shutil.copytree(project_src, self.project, symlinks=True)
        self.collections = root / "requirements_collections"
        proc = subprocess.run(["ansible-galaxy", "collection", "install", str(tarball), "-p", str(self.collections)],
                              env=dict(base_env, ANSIBLE_COLLECTIONS_PATH=str(self.collections)), capture_output=True,
                              text=True, check=False, cwd=str(root))
        assert proc.returncode == 0, proc.stdout + proc.stderr
        (root / "env").mkdir(parents=True, exist_ok=True)
        (root / "inventory").mkdir(exist_ok=True)
        self.jobs: list[Job] = []

    def collections_path(self) -> str:
        import configparser

        paths = [str(self.collections)]
        cfg = configparser.ConfigParser()
        cfg.read(self.project / "ansible.cfg")
        for p in cfg.get("defaults", "collections_path", fallback="").split(":"):
            if p and p not in paths:
                paths.append(p)
        for p in ("~/.ansible/collections", "/usr/share/ansible/collections"):
            if p not in paths:
                paths.append(p)
        return ":".join(paths)

    def write_inventory(self, script: str) -> None:
        path = self.root / "inventory" / "hosts"
        path.write_text(script)
        path.chmod(stat.S_IRUSR | stat.S_IXUSR | stat.S_IWUSR)

    def launch(self, playbook: str, ident: str, *, extra_vars: dict | None = None, credentials: list | None = None,
               machine: dict | None = None, check: bool = False, diff: bool = False, limit: str | None = None,
               timeout: int = 900) -> Job:
        """One job: credentials are (credential_type, inputs) pairs; machine is {username, password}."""
        env_dir = self.root / "env"
        for name in ("extravars", "passwords", "cmdline", "envvars", "settings"):
            (env_dir / name).unlink(missing_ok=True)
        for old in env_dir.glob("tmp*"):
            old.chmod(0o600)
            old.unlink()
        args: list[str] = []
        if check:
            args.append("--check")
        if diff:
            args.append("--diff")
        passwords = {}
        if machine:
            args += ["-u", machine["username"]]
            if machine.get("password"):
                args.append("--ask-pass")
                passwords[r"^SSH [pP]assword:\s*?$"] = machine["password"]
        for ctype, inputs in credentials or []:
            injected = render_injectors(ctype, inputs)
            if injected:
                handle, path = tempfile.mkstemp(dir=str(env_dir))
                with os.fdopen(handle, "w") as fh:
                    fh.write(yaml.safe_dump(injected))
                os.chmod(path, stat.S_IRUSR)
                args += ["-e", "@%s" % path]
        (env_dir / "cmdline").write_text(" ".join(shlex.quote(a) for a in args))
        (env_dir / "extravars").write_text(json.dumps(extra_vars or {}))
        (env_dir / "passwords").write_text(json.dumps(passwords))
        (env_dir / "envvars").write_text(json.dumps({
            # AWX: requirements_collections, then the project's ansible.cfg collections_path, then the defaults
            # (AWX versions before ansible-core 2.19 named it ANSIBLE_COLLECTIONS_PATHS, which 2.19 ignores)
            "ANSIBLE_COLLECTIONS_PATH": self.collections_path(),
            "ANSIBLE_PERSISTENT_CONTROL_PATH_DIR": str(self.root / "cp"),
            "ANSIBLE_LOCAL_TEMP": str(self.root / "tmp"),
            "ANSIBLE_FORCE_COLOR": "False",
            "ANSIBLE_HOST_KEY_CHECKING": "False",
            "ANSIBLE_PERSISTENT_COMMAND_TIMEOUT": "60",
        }))
        settings = {"job_timeout": timeout, "pexpect_timeout": 10, "suppress_ansible_output": True}
        (env_dir / "settings").write_text(json.dumps(settings))
        cmd = ["ansible-runner", "run", str(self.root), "-p", playbook, "--ident", ident]
        if limit:
            cmd += ["--limit", limit]
        t0 = time.monotonic()
        proc = subprocess.run(cmd, env=self.base_env, capture_output=True, text=True, timeout=timeout + 60,
                              check=False)
        seconds = time.monotonic() - t0
        art = self.root / "artifacts" / ident
        assert art.is_dir(), "ansible-runner wrote no artifacts: %s %s" % (proc.stdout[-2000:], proc.stderr[-2000:])
        files = sorted((art / "job_events").glob("*.json"), key=lambda p: int(p.name.split("-", 1)[0]))
        events = [json.loads(p.read_text()) for p in files]
        stats = next((e["event_data"] for e in events if e.get("event") == "playbook_on_stats"), {})
        job = Job(ident, playbook, (art / "status").read_text().strip(), int((art / "rc").read_text().strip()),
                  (art / "stdout").read_text(errors="replace"), events, art, seconds, stats)
        self.jobs.append(job)
        return job
