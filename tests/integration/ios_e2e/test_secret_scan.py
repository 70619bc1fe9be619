"""Secret scan, end to end on the IOS-XE TEST DOUBLE: every output of deploy (check mode with --diff, the
deploy, a re-run) and verify at -vvv, and every file they write (backups, reports), hold no secret of the
inventory in clear (in a secret position, or anywhere for secrets that are not ordinary words of the output),
base64 or type 7 form; and masking is by field: no '********' appears where no secret field is (the old
substring masking turned 'set peer 198.51.100.6' into 'set peer ********.6' for the PSK '198.51.100').

Scenario "secrets" (tests/integration/ios_e2e/inventory/secrets): the lab region with a PSK that is part of
the Cisco addresses, a BGP password that is a word the router prints (Established), a PSK with blanks and a
password with '#'.
"""
from __future__ import annotations

import re

import pytest

import e2e_helpers
from e2e_helpers import REPO, make_lab, playbooks_present, truth_of  # noqa: I100

pytestmark = [
    pytest.mark.ios_e2e,
    pytest.mark.xdist_group("ios_e2e_secrets"),
    pytest.mark.skipif(not playbooks_present("deploy_vc.yml", "verify_vc.yml"),
                       reason="playbooks/deploy_vc.yml and verify_vc.yml are needed"),
]

DEPLOY = REPO / "playbooks" / "deploy_vc.yml"
VERIFY = REPO / "playbooks" / "verify_vc.yml"
e2e_helpers.SCENARIOS.setdefault("secrets", e2e_helpers.SCENARIOS["lab"])

from ..runner.awx_job import secret_forms  # noqa: E402

# where a mask may stand: the value of a secret field (IOS-XE, swanctl, FRR lines, JSON/YAML keys)
MASK_CONTEXT = re.compile(r"(pre-shared-key|password|secret|psk|bgp_password|key-string|community|key)[^\n]{0,40}?"
                          r"\*{8}", re.I)


def _secrets():
    out = []
    for region in truth_of("secrets"):
        for t in region["tunnels"]:
            out += [v for v in (t.get("psk"), t.get("bgp_password")) if v]
    return out


def _forms(secret):
    """The encoded forms of a secret (base64 at each alignment, type 7 with each seed): runner/awx_job.py."""
    return [(form, fold) for form, fold in secret_forms(secret) if form != secret]


def _leaks(text, secrets, where):
    found = []
    for i, secret in enumerate(secrets):
        positional = re.compile(r"(pre-shared-key|password|secret|psk)[\"':= ]+(?:[0-9] )?%s" % re.escape(secret), re.I)
        if positional.search(text):
            found.append("%s: secret #%d in a secret field, clear" % (where, i))
        # a secret that is not an ordinary word of the output must not appear at all
        ordinary = secret in ("Established",) or re.fullmatch(r"[0-9.]+", secret)
        if not ordinary and secret in text:
            found.append("%s: secret #%d in clear" % (where, i))
        for form, fold in _forms(secret):
            if (form.lower() in text.lower()) if fold else (form in text):
                found.append("%s: secret #%d in %s form" % (where, i, "type 7" if fold else "base64"))
                break
    for m in re.finditer(r"(?<!\*)\*{8}(?!\*)", text):     # the mask alone (not an Ansible '****' banner)
        line_start = text.rfind("\n", 0, m.start()) + 1
        if not MASK_CONTEXT.search(text[line_start:m.end()]):
            found.append("%s: a mask outside a secret field: %r" % (where, text[line_start:m.end() + 20]))
    return found


@pytest.fixture(scope="module")
def runs(tmp_path_factory, request):
    lab = make_lab("secrets", tmp_path_factory, request)
    out = {
        "check": lab.playbook(DEPLOY, "--check", "--diff", "-vvv"),
        "deploy": lab.playbook(DEPLOY, "--diff", "-vvv"),
        "rerun": lab.playbook(DEPLOY, "-vvv", "-e", "vc_deploy_verify=false", "-e", "vc_ios_prune=true"),
        "verify": lab.playbook(VERIFY, "-vvv"),
    }
    return lab, out


def test_the_runs_pass(runs):
    lab, out = runs
    for name, run in out.items():
        assert run.rc == 0, (name, run.out[-3000:])
    assert out["rerun"].recap["cpe1"]["changed"] == 0
    cfg = lab.routers["cpe1"].config_text()
    # the address-like PSK went in whole, and the addresses it is part of are intact everywhere
    assert re.search(r"^ set peer 198\.51\.100\.6$", cfg, re.M)
    assert "set peer 198.51.100.6" in out["check"].out and "set peer 198.51.100.2" in out["check"].out


def test_no_secret_in_any_output_at_vvv(runs):
    _lab, out = runs
    secrets = _secrets()
    leaks = []
    for name, run in out.items():
        leaks += _leaks(run.out, secrets, name)
    assert leaks == [], "\n".join(leaks[:40])


def test_no_secret_in_any_file_written(runs):
    lab, _out = runs
    secrets = _secrets()
    files = [p for p in lab.workdir.rglob("*") if p.is_file() and "pc" not in p.relative_to(lab.workdir).parts
             and p.parent.name not in ("cpe1",)]   # cpe1/: the double's own state (its running config)
    backups = [p for p in files if "backup" in p.parts]
    assert backups, "the deploy wrote no backup"
    leaks = []
    for path in files:
        leaks += _leaks(path.read_text(errors="replace"), secrets, str(path.relative_to(lab.workdir)))
    assert leaks == [], "\n".join(leaks[:40])


@pytest.mark.parametrize("extra", [
    {"vc_wan_next_hop": "192.0.2.1\nusername evil privilege 15 secret 0 evil"},
    {"vc_wan_interface": "GigabitEthernet1\n no router bgp 64551"},
    {"vc_crypto_map_name": "VC-CMAP\n"},
])
def test_a_hostile_host_variable_stops_the_deploy_in_the_plan_and_types_nothing(runs, extra):
    import json

    lab, _out = runs
    router = lab.routers["cpe1"]
    before, n_log = router.config_text(), len(router.log)
    run = lab.playbook(DEPLOY, "-e", json.dumps(extra))
    assert run.rc != 0
    key = next(iter(extra))[3:]
    assert "cpes.cpe1.%s" % key in run.out and "Traceback" not in run.out, run.out[-3000:]
    assert [e for e in router.log[n_log:] if e["mode"] != "exec" or e["line"].startswith("conf")] == []   # nothing typed
    assert router.config_text() == before and "evil" not in router.config_text()
