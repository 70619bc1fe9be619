"""platforms/ios/gather.py (vc_ios_gather): the settle wait and the gather over a cliconf-like connection, on a fake
router answering the saved healthy lab outputs, its clock and its IKE SAs' age following a fake clock."""
from __future__ import annotations

import re
import time

from ansible.module_utils.connection import ConnectionError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import gather as G
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.commands import (
    CLOCK, LOGGING, ios_gather_commands, live_gather_commands, settle_commands, settle_look_commands)
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.saved_outputs import read_saved_outputs

from .helpers import OFFLINE

EPOCH = 1796190000.0   # the fake router's clock at the start (Dec 2 2026)
AUTH_FAILED = "IKEv2-ERROR:(SESSION ID = 101,SA ID = 1):: Failed to authenticate the IKE SA"
IKE_A_LINE = re.compile(r"^1\s+192\.0\.2\.2/500\s+198\.51\.100\.2/500.*\n.*\n.*\n", re.M)


class FakeRouter(object):
    """Answers the gather's commands; ``ike_age`` the IKE SAs' age at the start, ``ike_a_down`` drops DC-A's IKE SA,
    ``log`` [(seconds before the start, line)], ``refuse`` commands answered with an IOS error."""

    def __init__(self, outputs, ike_age=2474, ike_a_down=False, log=(), refuse=()):
        self.outputs, self.ike_age, self.ike_a_down = outputs, ike_age, ike_a_down
        self.log, self.refuse = list(log), set(refuse)
        self.t = 0.0
        self.sent = []
        self.options = {"persistent_buffer_read_timeout": 0.1, "terminal_stdout_re": None, "terminal_stderr_re": None}
        self.option_log = []

    # the fake clock of the test: sleeping advances it
    def clock(self):
        return self.t

    def sleep(self, seconds):
        self.t += seconds

    def get_prompt(self):
        return b"cpe1#"

    def get_option(self, name):
        return self.options[name]

    def set_option(self, name, value):
        self.option_log.append((name, value))
        self.options[name] = value

    def get(self, command):
        self.sent.append(command)
        self.t += 0.01
        if command in self.refuse:
            raise ConnectionError(command + "\r\n% Invalid input detected at '^' marker.")
        if command == CLOCK:
            return time.strftime("*%H:%M:%S.000 UTC %a %b %d %Y", time.gmtime(EPOCH + self.t))
        if command == LOGGING:
            return "\n".join("%s.000: %s" % (time.strftime("%b %e %H:%M:%S", time.gmtime(EPOCH + self.t - ago)), line)
                             for ago, line in self.log)
        if command == "show crypto ipsec sa":
            return "\n".join(v for k, v in sorted(self.outputs.items()) if k.startswith("show crypto ipsec sa peer"))
        text = self.outputs[command]
        if command == "show crypto ikev2 sa":
            text = re.sub(r"Active Time: 86400/\d+ sec", "Active Time: 86400/%d sec" % int(self.ike_age + self.t), text)
            if self.ike_a_down:
                text = IKE_A_LINE.sub("", text)
        if self.ike_a_down and command == "show crypto session detail":
            text = ""
        return text


def healthy_outputs(plan):
    saved = read_saved_outputs(str(OFFLINE / "healthy"), "cpe1", ios_gather_commands(plan, "cpe1"))
    return dict(saved["outputs"])


def run(router, plan, **kw):
    return G.gather(router, plan, "cpe1", sleep=router.sleep, clock=router.clock, **kw)


def test_the_live_commands_add_the_clock_after_the_log(plan):
    live = live_gather_commands(plan, "cpe1")
    assert [c for c in live if c != CLOCK] == [c["command"] for c in ios_gather_commands(plan, "cpe1")]
    assert live[live.index(LOGGING) + 1] == CLOCK
    assert settle_look_commands(plan, "cpe1") == settle_commands(plan, "cpe1") + [LOGGING, CLOCK]


def test_without_settle_every_command_is_read_once(plan):
    router = FakeRouter(healthy_outputs(plan))
    out = run(router, plan)
    assert router.sent == live_gather_commands(plan, "cpe1")
    assert (out["looks"], out["gathers"], out["waited_s"], out["settled"]) == (0, 1, 0, True)
    assert [t["name"] for t in out["state"]["tunnels"]] == ["Tunnel101", "Tunnel102"]


def test_settled_routers_are_looked_at_once_then_gathered_once(plan):
    router = FakeRouter(healthy_outputs(plan))
    out = run(router, plan, settle_s=180, min_ike_uptime_s=10)
    assert router.sent == settle_look_commands(plan, "cpe1") + live_gather_commands(plan, "cpe1")
    assert (out["looks"], out["gathers"], out["waited_s"]) == (1, 1, 0)


def test_young_ike_sas_are_waited_for_exactly_their_missing_age(plan):
    router = FakeRouter(healthy_outputs(plan), ike_age=3)
    out = run(router, plan, settle_s=180, min_ike_uptime_s=10)
    assert out["looks"] == 2 and out["gathers"] == 1 and out["settled"]
    assert 6.9 <= out["waited_s"] <= 7.0      # 10 s - 3 s, less the look's own read time


def test_a_fresh_authentication_failure_ends_the_wait_at_once(plan):
    router = FakeRouter(healthy_outputs(plan), ike_a_down=True)
    router.log = [(1, "IKEv2:(SESSION ID = 1,SA ID = 1):Sending Packet [To 198.51.100.2:500/From 192.0.2.2:500/VRF i0:f0]"),
                  (0, AUTH_FAILED.replace("101", "1"))]
    out = run(router, plan, settle_s=180, min_ike_uptime_s=10)
    assert (out["looks"], out["gathers"], out["waited_s"]) == (1, 1, 0)
    assert not out["settled"] and out["waiting"] == []
    events = [e for e in out["state"]["log_events"] if e["event"] == "AUTHENTICATION_FAILED"]
    assert events and events[0]["peer"] == "198.51.100.2" and events[0]["age_s"] < 1


def test_an_old_failure_in_the_log_does_not_end_the_wait(plan):
    router = FakeRouter(healthy_outputs(plan), ike_a_down=True)
    router.log = [(3600, "IKEv2:(SESSION ID = 1,SA ID = 1):Sending Packet [To 198.51.100.2:500/From 192.0.2.2:500/VRF i0:f0]"),
                  (3600, AUTH_FAILED.replace("101", "1"))]
    out = run(router, plan, settle_s=30, min_ike_uptime_s=10, poll_s=5)
    assert out["looks"] >= 6 and 29 <= out["waited_s"] <= 31   # polled until settle_s
    assert out["waiting"][0].endswith(": IKE SA") and not out["settled"]


def test_a_refused_command_is_a_gather_error_not_a_failure(plan):
    router = FakeRouter(healthy_outputs(plan), refuse={"show ip interface Tunnel102"})
    out = run(router, plan)
    assert out["state"]["gather_errors"][0]["command"] == "show ip interface Tunnel102"
    assert "Invalid input" in out["state"]["gather_errors"][0]["message"]


def test_the_prompt_and_buffer_wait_are_tuned_for_the_task_and_put_back(plan):
    router = FakeRouter(healthy_outputs(plan))
    run(router, plan, buffer_read_timeout=0.0)
    assert router.option_log[0][0] == "terminal_stdout_re" and "cpe1" in router.option_log[0][1][0]["pattern"]
    assert router.option_log[1] == ("persistent_buffer_read_timeout", 0.0)
    assert router.options == {"persistent_buffer_read_timeout": 0.1, "terminal_stdout_re": None,
                              "terminal_stderr_re": None}
    router = FakeRouter(healthy_outputs(plan))
    run(router, plan, buffer_read_timeout=None)
    assert [name for name, _value in router.option_log] == ["terminal_stderr_re", "terminal_stderr_re"]


def test_the_gather_counts_only_ios_error_answers_as_refused(plan):
    """The router log's 'IKEv2-ERROR:' lines are read like any output: during the gather the connection's error
    patterns are IOS's own answers only (cisco.ios's would take 'ERROR:' for a failed command), put back after."""
    router = FakeRouter(healthy_outputs(plan))
    router.options["terminal_stderr_re"] = [{"pattern": "theirs"}]
    seen = []
    real_get = router.get

    def get(command):
        seen.append((command, router.options["terminal_stderr_re"]))
        return real_get(command)
    router.get = get
    run(router, plan)
    patterns = [p["pattern"] for p in seen[0][1]]
    assert all(value == seen[0][1] for _c, value in seen)
    assert not any(re.search(p, AUTH_FAILED, re.I) for p in patterns)
    for answer in ("% Invalid input detected at '^' marker.", "% Incomplete command.", "% Ambiguous command",
                   "Command authorization failed.", "% Error opening nvram:/x"):
        assert any(re.search(p, answer, re.I) for p in patterns), answer
    assert router.options["terminal_stderr_re"] == [{"pattern": "theirs"}]


# after_apply: the gather of vc_ios_config option gather, the stage decisions of the plan core ------------------------

STAGED = [["lab-A"], ["lab-B"]]     # rollout_stages of the lab plan (checked below)
FRESH = {"changed": True, "absent_tunnels": ["lab-A", "lab-B"], "nothing_to_change": False}
UNCHANGED = {"changed": False, "absent_tunnels": [], "nothing_to_change": True}
DRIFT_2 = {"changed": False, "absent_tunnels": [], "nothing_to_change": False}


def _after(router, plan, out, stage, **spec):
    spec = dict({"stages": STAGED, "stage": stage, "partners": [], "settle_s": 180, "min_ike_uptime_s": 10,
                 "poll_s": 5.0, "buffer_read_timeout": 0.0}, **spec)
    out = dict(out)
    G.after_apply(router, plan, "cpe1", spec, out, sleep=router.sleep, clock=router.clock)
    return out


def test_after_apply_stage_1_of_a_first_deploy_looks_at_tunnel_1_and_leaves_its_age(plan):
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.targets import rollout_stages
    assert rollout_stages(plan, "cpe1") == STAGED
    router = FakeRouter(healthy_outputs(plan), ike_age=1)
    out = _after(router, plan, FRESH, 1)
    assert out["gather"]["tunnels"] == ["lab-A"] and out["gather"]["ike_age_deferred"] is True
    assert out["gather"]["min_ike_uptime_s"] == 0 and out["gather"]["waited_s"] == 0
    assert [t["name"] for t in out["state"]["tunnels"]] == ["Tunnel101"]


def test_after_apply_the_last_stage_waits_for_the_age_of_every_tunnel(plan):
    router = FakeRouter(healthy_outputs(plan), ike_age=3)
    out = _after(router, plan, dict(FRESH, absent_tunnels=["lab-B"]), 2)
    assert out["gather"]["tunnels"] == ["lab-A", "lab-B"] and out["gather"]["ike_age_deferred"] is False
    assert out["gather"]["min_ike_uptime_s"] == 10 and 6.9 <= out["gather"]["waited_s"] <= 7.0
    assert out["gather"]["settled"] and [t["name"] for t in out["state"]["tunnels"]] == ["Tunnel101", "Tunnel102"]


def test_after_apply_nothing_to_change_looks_at_every_tunnel_in_stage_1(plan):
    router = FakeRouter(healthy_outputs(plan))
    out = _after(router, plan, UNCHANGED, 1, min_ike_uptime_s=None)
    assert out["gather"]["tunnels"] == ["lab-A", "lab-B"]
    assert out["gather"]["min_ike_uptime_s"] == G.DEFAULT_MIN_IKE_UPTIME_S == 10
    # drift on tunnel 2: stage 2 runs, stage 1 judges tunnel 1 only (with its age: tunnel 2 carries traffic)
    out = _after(FakeRouter(healthy_outputs(plan)), plan, DRIFT_2, 1)
    assert out["gather"]["tunnels"] == ["lab-A"] and out["gather"]["min_ike_uptime_s"] == 10


def test_after_apply_gathers_nothing_after_a_failed_apply_in_check_mode_or_unasked(plan):
    for out, check in ((dict(FRESH, failed=True, msg="apply failed: x"), False), (FRESH, True)):
        router = FakeRouter(healthy_outputs(plan))
        res = dict(out)
        G.after_apply(router, plan, "cpe1", {"stages": STAGED, "stage": 1}, res, check_mode=check)
        assert router.sent == [] and "state" not in res and "gather" not in res
    router, res = FakeRouter(healthy_outputs(plan)), dict(FRESH)
    G.after_apply(router, plan, "cpe1", None, res)
    assert router.sent == [] and res == FRESH


def test_after_apply_a_router_that_stops_answering_leaves_gather_errors_for_the_verify(plan):
    class Gone(FakeRouter):
        def get(self, command):
            self.sent.append(command)
            raise ConnectionError("socket closed")
    router, res = Gone(healthy_outputs(plan)), dict(FRESH)
    G.after_apply(router, plan, "cpe1", {"stages": STAGED, "stage": 1, "settle_s": 0}, res,
                  sleep=router.sleep, clock=router.clock)
    assert "failed" not in res and res["gather"]["gathers"] == 1
    assert {e["message"] for e in res["state"]["gather_errors"]} == {"socket closed"}
    assert len(res["state"]["gather_errors"]) == len(router.sent)


def test_log_ages_are_read_on_the_device_clock():
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.evidence import (
        device_clock, log_age_s)
    clock = device_clock(["*05:41:07.123 UTC Wed Dec 2 2026"])
    assert clock == (1796190067.123, "UTC")
    assert log_age_s("Dec  2 05:41:05.123: %BGP-3-NOTIFICATION: sent to neighbor 100.64.0.2", clock) == 2.0
    assert log_age_s("000123: *Dec  2 05:41:05.123: %TCP-6-BADAUTH: x", clock) == 2.0        # sequence number
    assert log_age_s("Dec  2 2026 05:41:05.123 UTC: x", clock) == 2.0                        # year, zone
    assert log_age_s("Dec  2 2026 05:41:05.123 CET: x", clock) is None                       # another zone
    assert log_age_s("1w2d: %BGP-3-NOTIFICATION: x", clock) is None                          # uptime stamp
    assert log_age_s("Dec  2 05:45:05.123: x", clock) is None                                # after the clock
    assert log_age_s("Dec 31 23:59:59.000: x", clock) > 86400 * 300                          # last year's
    assert log_age_s("Dec  2 05:41:05.123: x", None) is None and device_clock(["% Invalid input"]) is None


def test_the_gather_settings_are_checked_the_same_for_both_tasks(plan):
    assert G.settings(5.0, 0.0) == (None, 0.0)
    assert G.settings(5.0, 30) == (None, 10.0)               # at most 10 s
    assert G.settings(5.0, -1) == (None, None) and G.settings(5.0, None) == (None, None)   # the connection's own
    assert G.settings(0, 0.0)[0] == "poll_s must be positive, got 0"
    router, res = FakeRouter(healthy_outputs(plan)), dict(FRESH)
    G.after_apply(router, plan, "cpe1", {"stages": STAGED, "stage": 1, "poll_s": 0}, res)
    assert res["failed"] is True and res["msg"] == "gather: poll_s must be positive, got 0.0" and router.sent == []
    from ansible_collections.webex_di.virtual_connect.plugins.modules import vc_ios_gather
    out = vc_ios_gather.run({"plan": plan, "host": "cpe1", "settle_s": 0, "min_ike_uptime_s": 0, "poll_s": -1,
                             "buffer_read_timeout": 0.0}, router)
    assert out == {"failed": True, "msg": "vc_ios_gather: poll_s must be positive, got -1"}
