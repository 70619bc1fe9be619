"""Builders for the IOS-XE config tests: plans from the shipped inventories, a fake cliconf connection."""
from __future__ import annotations

import copy
import re
from pathlib import Path

import yaml

from ansible.module_utils.connection import ConnectionError as AnsibleConnectionError
from .applier import IOSConfigError, Router
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan, secrets_by_tunnel

REPO = Path(__file__).resolve().parents[6]

WAN = "GigabitEthernet1"
BASE = """hostname cpe1
interface GigabitEthernet1
 ip address 192.0.2.2 255.255.255.252
!
"""


def lab_regions(name: str = "lab"):
    return yaml.safe_load((REPO / "inventories" / name / "group_vars" / "all" / "vc.yml").read_text())["vc_regions"]


def lab_plan(name: str = "lab", options=None, cpes=None):
    regions = lab_regions(name)
    hosts = sorted({t["cpe"]["host"] for r in regions for t in r["tunnels"]})
    cpes = cpes or {h: {"platform": "cisco.ios.ios", "wan_interface": WAN} for h in hosts}
    result = build_plan(copy.deepcopy(regions), cpes=cpes, options=options)
    assert result.ok, result.findings
    return result.plan, secrets_by_tunnel(regions)


class FakeConn(object):
    """cliconf-like connection over the applier: get_config / edit_config / get, like cisco.ios cliconf.

    ``fail_on``: a substring; the first command containing it is rejected (IOS '% Invalid input') after the
    commands before it were applied, exactly like a router stopping half-way.
    ``drop``: substring of commands the 'router' silently ignores (to provoke a verify failure).
    ``fail_exec``: a substring; exec commands (``get``) containing it are refused. ``executed``: the exec commands
    that ``get`` ran, ``log``: every exchange in order (``("config", cmd)`` / ``("exec", cmd)``).
    """

    def __init__(self, running: str, fail_on=None, drop=None, fail_exec=None):
        self.router = Router(running)
        self.fail_on = fail_on
        self.drop = drop
        self.fail_exec = fail_exec
        self.sent = []
        self.executed = []
        self.log = []
        # network_cli's options as the module sees them over the connection's RPC (get_option / set_option), and
        # the options in force during each edit_config
        self.prompt = "cpe1#"
        self.options = {"persistent_buffer_read_timeout": 0.1, "terminal_stdout_re": None}
        self.exchange_options = []

    def get_prompt(self):
        return self.prompt

    def get_option(self, name):
        return self.options[name]

    def set_option(self, name, value):
        assert name in self.options, name
        self.options[name] = value

    def get_config(self, source="running", flags=None):
        return self.router.text()

    def get(self, command=None, **_kw):
        self.log.append(("exec", command))
        if self.fail_exec and command and self.fail_exec in command:
            raise AnsibleConnectionError("%s\r\n%% Invalid input detected at '^' marker." % command)
        self.executed.append(command)
        return ""

    def edit_config(self, candidate=None, **_kw):
        self.exchange_options.append(dict(self.options))
        self.router.stack = []
        for cmd in candidate:
            if self.fail_on and self.fail_on in cmd:
                self.fail_on = None
                raise AnsibleConnectionError("%s\r\n%% Invalid input detected at '^' marker." % cmd)
            self.sent.append(cmd)
            self.log.append(("config", cmd))
            if self.drop and self.drop in cmd:
                continue
            try:
                self.router.command(cmd)
            except IOSConfigError as exc:
                raise AnsibleConnectionError(str(exc))
        return {"request": list(candidate)}


IOS_ERROR = re.compile(r"% (Invalid|Incomplete|Ambiguous)|% .*(rror|not found|overlaps)")


def send_config(session, commands):
    """Type ``commands`` in configuration mode on a session of the IOS-XE test double; ``[(command, answer)]`` of
    the ones IOS-XE refused."""
    errors = []
    session.handle_line("configure terminal")
    for cmd in commands:
        out = session.handle_line(cmd)
        if IOS_ERROR.search(out):
            errors.append((cmd, out))
    session.handle_line("end")
    return errors
