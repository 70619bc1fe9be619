"""What one deploy, its idempotent re-run and a verify cost each router, counted by the IOS-XE TEST DOUBLE (issue 10).

The counts are behaviour, not timing, so they are asserted exactly, from the double's own counters
(``router.counters``: SSH shells, ``configure terminal``, full / filtered running-config reads, CLI errors) and
from the exec commands it logged (cisco.ios's own terminal settings and device probe aside; the only lines the
router refuses are those probes):

* a deploy on a router without Virtual Connect: one SSH session for the whole play (the persistent connection
  serves every task), one configuration session, two full running-config reads (the apply's read, which is also
  the backup, and its read-back), the settle look (IKE SAs, CHILD SAs, BGP summary, the log, the clock) until settled
  (twice: the IKE SAs' missing age is waited for exactly), then every verify show command exactly once;
* the re-run (changed=0): one SSH session, one full read, no configuration session, one settle look (settled), the
  gather once;
* a verify: one SSH session, no full read and no configuration session.

And what each costs the controller in device tasks (each task that talks to the router starts an
``ansible-connection`` process, about 1 s of CPU): one per deploy stage (the apply gathers what the stage's verify
judges in the same task, ``vc_ios_config`` option ``gather``), one per verify.

These are the costs of one apply stage (``-e vc_deploy_staged=false``: both tunnels of the CPE at once). The
default safe rollout (docs/operations.md) applies and verifies tunnel 1 before tunnel 2, so a CPE with both
tunnels pays them once per stage, except in a re-run with nothing to change: stage 1's read finds the whole plan on
the router (``nothing_to_change``), stage 1 verifies every tunnel and stage 2 is left out, so the staged re-run costs
what the unstaged one does (one SSH session, one full read, no configuration session). Drift on tunnel 2 still makes
stage 2 run and fix it.
"""
from __future__ import annotations

import re
from collections import Counter

import pytest

from e2e_helpers import REPO, make_lab, section  # noqa: I100

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.views import host_plan  # noqa: I100
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.commands import (
    live_gather_commands, settle_look_commands)

pytestmark = [pytest.mark.ios_e2e]

DEPLOY = REPO / "playbooks" / "deploy_vc.yml"
VERIFY = REPO / "playbooks" / "verify_vc.yml"
# what cisco.ios types by itself: terminal settings when it opens the shell, and once per connection the device
# probe of its first ios_command (show version; show vlan, which a router refuses, so cisco.ios takes it for L3)
SETUP = re.compile(r"^(terminal (length|width) \d+|show privilege|enable|show version|show vlan)$")
CONFIGURE = re.compile(r"^\s*conf(igure)?( t(erminal)?)?\s*$")   # counted as config_sessions
PROBES_REFUSED = {"terminal width 0", "show vlan"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory, request):
    return make_lab("lab", tmp_path_factory, request)


def costs(lab, playbook, *args):
    """Run ``playbook`` on cpe1; the double's counter increments and the exec commands typed meanwhile."""
    router = lab.routers["cpe1"]
    before = router.counters_snapshot()["counters"]
    n = len(router.log)
    run = lab.playbook(playbook, *args)
    assert run.rc == 0, run.out[-4000:]
    after = router.counters_snapshot()["counters"]
    delta = {k: after[k] - before.get(k, 0) for k in after}
    execs = [e["line"].strip() for e in router.log[n:] if e["mode"] == "exec" and not CONFIGURE.match(e["line"])]
    answers = [e for e in router.log[n:] if e.get("error")]
    assert delta["cli_errors"] == len(answers)
    refused = [e["line"].strip() for e in answers if not e["error"].startswith("% NOTE:")]
    assert set(refused) <= PROBES_REFUSED, refused       # none of ours
    return run, delta, [x for x in execs if not SETUP.match(x)]


@pytest.fixture(scope="module")
def commands(lab):
    from e2e_helpers import truth_of

    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan

    result = build_plan(truth_of("lab"), cpes={"cpe1": {"platform": "cisco.ios.ios", "wan_interface": "GigabitEthernet1"}})
    assert result.ok, result.findings
    plan = host_plan(result.plan, "cpe1")
    # online, the gather (vc_ios_gather) reads the device clock right after the log (the age of its events)
    return live_gather_commands(plan, "cpe1"), settle_look_commands(plan, "cpe1")


UNSTAGED = ("-e", "vc_deploy_staged=false")
# the collection's tasks that talk to the router (the apply, the verify's gather); the rollback only on a failure
DEVICE_TASKS = ("Apply the Virtual Connect features on IOS-XE", "Gather the state on the router")


def device_tasks(out):
    """The names of the tasks of a run that ran on cpe1 and talk to the router."""
    found = []
    for block in out.split("\nTASK [")[1:]:
        name, _sep, body = block.partition("\n")
        if any(n in name for n in DEVICE_TASKS) and re.search(r"^(ok|changed|failed|fatal): \[cpe1\]", body, re.M):
            found.append(name.split("]")[0])
    return found


@pytest.fixture(scope="module")
def deployed(lab):
    return costs(lab, DEPLOY, *UNSTAGED)


def test_a_first_deploy_costs_one_ssh_session_one_config_session_and_two_full_reads(deployed, commands):
    run, delta, execs = deployed
    gather, settle = commands
    assert run.recap["cpe1"]["changed"] > 0 and run.recap["cpe1"]["failed"] == 0
    assert delta["ssh_sessions"] == 1                     # one shell for the whole play, every task reuses it
    assert delta["config_sessions"] == 1                  # every feature in one configuration session
    assert delta["show_run_full"] == 2                    # the read (the backup comes from it) + the read-back
    assert delta["config_replaces"] == 0 and delta["file_merges"] == 0
    full = [x for x in execs if x in ("show running-config", "sh run")]
    assert len(full) == 2
    # after the apply: the settle look, the wait for exactly the IKE SAs' missing age, the look again (settled), then
    # every verify command exactly once (no poll)
    assert execs[0] == "show running-config"
    rest = execs[len(execs) - execs[::-1].index("show running-config"):]
    assert rest[:2 * len(settle)] == settle + settle
    assert Counter(rest[2 * len(settle):]) == Counter(gather), rest
    assert delta["show_run_filtered"] == sum(1 for c in gather if c.startswith("show running-config"))
    # one device task: the apply read, changed, read back, settled and gathered the verify's state
    assert [n.split(" : ")[-1] for n in device_tasks(run.out)] == ["Apply the Virtual Connect features on IOS-XE"]


def test_the_idempotent_rerun_reads_once_and_never_enters_configuration_mode(lab, deployed, commands):
    gather, settle = commands
    run, delta, execs = costs(lab, DEPLOY, *UNSTAGED)
    assert run.recap["cpe1"]["changed"] == 0
    assert delta["ssh_sessions"] == 1 and delta["config_sessions"] == 0 and delta["show_run_full"] == 1
    assert execs == ["show running-config"] + settle + gather
    assert len(device_tasks(run.out)) == 1


def test_a_verify_reads_each_show_command_once_and_no_full_config(lab, deployed, commands):
    gather, _settle = commands
    run, delta, execs = costs(lab, VERIFY)
    assert run.recap["cpe1"]["changed"] == 0
    assert delta["ssh_sessions"] == 1 and delta["config_sessions"] == 0 and delta["show_run_full"] == 0
    assert execs == gather
    assert [n.split(" : ")[-1] for n in device_tasks(run.out)] == [
        "Gather the state on the router (after a change, until settled or a definitive cause shows)"]


STAGE_2_LEFT_OUT = "Stage 2 (lab-B) left out on cpe1"


def test_a_staged_rerun_with_nothing_to_change_ends_in_stage_1(lab, deployed, commands):
    gather, settle = commands
    lab.age()
    run, delta, execs = costs(lab, DEPLOY)                # the default: staged
    assert run.recap["cpe1"]["changed"] == 0 and run.recap["cpe1"]["failed"] == 0
    assert delta["ssh_sessions"] == 1 and delta["config_sessions"] == 0 and delta["show_run_full"] == 1
    # stage 1's read, then its verify of every tunnel (the settle look and the gather of the whole CPE), nothing more
    assert execs == ["show running-config"] + settle + gather
    assert len(device_tasks(run.out)) == 1
    assert STAGE_2_LEFT_OUT in run.out and "Stage 2 - tunnel 2" in run.out
    assert "included: " not in run.out.split("TASK [Stage 2 - tunnel 2")[1].split("PLAY RECAP")[0]


def test_drift_on_tunnel_2_still_runs_stage_2_which_fixes_it(lab, deployed, commands):
    gather, settle = commands
    router = lab.routers["cpe1"]
    text = router.config_text()
    tunnel2 = section(text, r"^interface Tunnel102$")
    assert " ip mtu 1400" in tunnel2
    drifted = text.replace("\n".join(tunnel2), "\n".join(tunnel2).replace(" ip mtu 1400", " ip mtu 1300"), 1)
    assert drifted != text and router.replace_config(drifted) == []
    assert " ip mtu 1300" in section(router.config_text(), r"^interface Tunnel102$")
    lab.age()
    n = len(router.log)
    run, delta, execs = costs(lab, DEPLOY)
    assert run.rc == 0 and run.recap["cpe1"]["changed"] > 0 and run.recap["cpe1"]["failed"] == 0
    assert STAGE_2_LEFT_OUT not in run.out
    # stage 1 types nothing (tunnel 1 matches); stage 2 types the fix in its one configuration session
    typed = [e["line"].strip() for e in router.log[n:] if e["mode"] != "exec"]
    assert "ip mtu 1400" in typed and not any("Tunnel101" in x for x in typed), typed
    assert delta["ssh_sessions"] == 1 and delta["config_sessions"] == 1
    assert delta["show_run_full"] == 3                    # stage 1's read, stage 2's read and its read-back
    assert len(device_tasks(run.out)) == 2                # one per stage
    assert " ip mtu 1400" in section(router.config_text(), r"^interface Tunnel102$")
    again = costs(lab, DEPLOY)                            # and the next run ends in stage 1 again
    assert again[0].recap["cpe1"]["changed"] == 0 and again[1]["show_run_full"] == 1 and STAGE_2_LEFT_OUT in again[0].out
