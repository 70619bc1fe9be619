# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The states of vc_ios_config over a cliconf-like connection (``get_config`` / ``edit_config`` / ``get``).

* ``merged``: read the running config once (it is also the backup), compute the commands of the selected
  features (and staged tunnels), send them in one configuration session, read back and compare; on a
  failure restore the VC-owned configuration to what was read (reverse commands);
* ``rendered`` / ``parsed``: offline, no connection;
* ``restored``: the VC-owned configuration back to a saved running config (the rollback of a whole run).

Secrets never reach a result: secret lines are masked by field (forms.mask), and a device message is
cleaned of any secret value it could echo.
"""
from __future__ import annotations

import re
from contextlib import contextmanager
from typing import Any, Dict, Iterator, List, Optional

from ansible.module_utils.connection import ConnectionError

from . import forms
from .bgp_reset import bgp_resets
from .diff import compute, restore_commands
from .parser import parse_vc
from .render import render, rendered_text
from .validate import secret_problems, setting_problems
from ...plan.secrets import decode_secrets, mask_values, secret_values
from ...plan.views import device_tunnels


def _mask_text(text: Any, secrets: Optional[Dict[str, Any]]) -> str:
    """A device message with its secret lines masked by field, then any literal secret value."""
    if isinstance(text, Exception) and text.args:
        text = text.args[0]
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = str(text)
    if text[:2] in ('b"', "b'") and text[-1:] in ('"', "'"):
        text = text[2:-1].replace("\\r\\n", "\n").replace("\\n", "\n")
    out = " | ".join(forms.mask(x).strip() for x in text.replace("\r", "").splitlines() if x.strip())
    return mask_values(out, secret_values(secrets))


# The prompt of one configuration exchange: the device's own hostname (learned from its exec prompt) at the start of
# a line, then the cisco.ios terminal plugin's tail (mode in brackets, > or #). The generic regex matches any word
# ending in > or # at the end of what was read, so network_cli waits its buffer read timeout after every prompt in
# case more output follows; anchored on the hostname, a prompt cannot be matched inside an echo or an IOS answer.
_PROMPT_TAIL = r"[\w\+\-\.:\/\[\]]*(?:\([^\)]+\)){0,3}(?:[>#]) ?$"
_HOSTNAME_IN_PROMPT = re.compile(r"^\s*([\w\+\-\.:\/\[\]]+?)(?:\([^\)]+\)){0,3}[>#]\s*$")
# A hostname longer than this may be cut in a configuration-mode prompt: only its first characters are matched.
_PROMPT_PREFIX_LEN = 8


def exchange_prompt_re(prompt: Any) -> Optional[str]:
    """The prompt pattern of a configuration exchange from the device's current ``prompt`` (``cpe1#``), or None
    when the prompt does not look like an IOS prompt (then nothing is tuned)."""
    if isinstance(prompt, bytes):
        prompt = prompt.decode("utf-8", "replace")
    m = _HOSTNAME_IN_PROMPT.match(str(prompt or ""))
    if not m:
        return None
    return r"(?:^|[\r\n])" + re.escape(m.group(1)[:_PROMPT_PREFIX_LEN]) + _PROMPT_TAIL


@contextmanager
def connection_options(conn: Any, options: Dict[str, Any]) -> Iterator[None]:
    """Set ``options`` ({network_cli option: value}, in order) on the persistent connection for the block and put the
    values read before back afterwards, in reverse order. A connection that fails to read or set one keeps its own
    for the rest (what was set is put back)."""
    saved = []  # type: List[Any]
    try:
        previous = [(name, conn.get_option(name)) for name in options]
        for name, value in options.items():
            conn.set_option(name, value)
            saved.append(previous[len(saved)])
    except ConnectionError:
        pass
    try:
        yield
    finally:
        try:
            for name, value in reversed(saved):
                conn.set_option(name, value)
        except ConnectionError:
            pass


@contextmanager
def config_exchange(conn: Any, buffer_read_timeout: Optional[float]) -> Iterator[None]:
    """Tune the persistent connection for the configuration lines only: prompts matched on the device's hostname and
    ``buffer_read_timeout`` seconds of waiting after each (network_cli's 0.1 s default costs 0.1 s per typed line).
    The running-config reads keep the connection's own settings; both options are put back afterwards (the next
    task sets every option again anyway). Error detection is unchanged: network_cli still reads every answer up to
    the prompt and fails on the cisco.ios error patterns. ``None``, or a prompt that cannot be learned: untouched."""
    options = {}  # type: Dict[str, Any]
    if buffer_read_timeout is not None:
        try:
            pattern = exchange_prompt_re(conn.get_prompt())
        except ConnectionError:
            pattern = None
        if pattern is not None:
            options = {"terminal_stdout_re": [{"pattern": pattern}],
                       "persistent_buffer_read_timeout": float(buffer_read_timeout)}
    with connection_options(conn, options):
        yield


def _intent(params: Dict[str, Any], require_secrets: Any) -> Any:
    intent = render(params["plan"], params["host"], params.get("secrets"),
                    wan_interface=params.get("wan_interface"), wan_next_hop=params.get("wan_next_hop"),
                    crypto_map_name=params.get("crypto_map_name"), require_secrets=require_secrets,
                    adopt=params.get("adopt"))
    # the plan phase checked these already; a module called without it types nothing the plan would refuse
    for _code, _key, message in setting_problems(params):
        intent.errors.append(message)
    for tkey, entry in sorted((params.get("secrets") or {}).items()):
        for _code, _field, message in secret_problems(tkey, entry if isinstance(entry, dict) else {}):
            intent.errors.append(message)
    timeout = params.get("config_buffer_read_timeout")
    if timeout is not None and not 0 <= timeout <= 10:
        intent.errors.append("config_buffer_read_timeout must be between 0 and 10 seconds, got %s" % timeout)
    known = [t["key"] for t in device_tunnels(params["plan"], params["host"])]   # a split tunnel's IPsec device too
    unknown = [k for k in (params.get("tunnels") or []) if k not in known]
    if unknown:
        intent.errors.append("tunnels %s are not tunnels of %s in the plan (known: %s)"
                             % (", ".join(unknown), params["host"], ", ".join(known) or "none"))
    return intent


def run_offline(params: Dict[str, Any]) -> Dict[str, Any]:
    """States rendered and parsed (pure, no connection)."""
    params = dict(params, secrets=decode_secrets(params.get("secrets")))
    state = params["state"]
    if state == "parsed":
        if params.get("running_config") is None:
            return dict(failed=True, msg="state=parsed needs running_config")
        wan = params.get("wan_interface")
        if not wan and params.get("plan") and params.get("host"):
            wan = ((params["plan"].get("cpes") or {}).get(params["host"]) or {}).get("wan_interface")
        return dict(changed=False, parsed=parse_vc(params["running_config"], wan))
    intent = _intent(params, require_secrets=False)
    if intent.errors:
        return dict(failed=True, msg="; ".join(intent.errors))
    res = compute(intent, params.get("running_config") or "", params["features"], prune=params["prune"],
                  require_wan=params.get("running_config") is not None)
    out = dict(changed=False, rendered=rendered_text(intent, params["features"]),
               commands=res.display, stale=res.stale, warnings=res.warnings)
    if res.errors:
        out.update(failed=True, msg="; ".join(res.errors))
    return out


def _staged(params: Dict[str, Any]) -> Optional[List[str]]:
    """The plan tunnel keys of a staged apply (None: every tunnel of the host)."""
    return list(params.get("tunnels") or []) or None


def absent_tunnels(plan: Dict[str, Any], host: str, running_config: str) -> List[str]:
    """The plan tunnel keys of ``host`` of which ``running_config`` holds no trace at all: no ``interface Tunnel<n>`` of
    the tunnel's number and none of its DI addresses (IPsec peer, GRE endpoint, tunnel IP / BGP neighbour) anywhere,
    ours or foreign. Such a tunnel carries no traffic before the change (deploy_vc.yml's staged rollout,
    docs/operations.md)."""
    text = running_config or ""
    out = []  # type: List[str]
    for t in device_tunnels(plan, host):
        di, bgp = t.get("di") or {}, t.get("bgp") or {}
        addresses = [a for a in (di.get("ipsec_ip"), di.get("gre_ip"), di.get("tunnel_ip"), bgp.get("neighbor")) if a]
        traces = [r"(?<![\d.])%s(?![\d.])" % re.escape(str(a)) for a in addresses]
        if t.get("tunnel_number") is not None:
            traces.append(r"^\s*interface\s+Tunnel%s\s*$" % re.escape(str(t["tunnel_number"])))
        if not any(re.search(rx, text, re.M | re.I) for rx in traces):
            out.append(t["key"])
    return out


def nothing_to_change(params: Dict[str, Any], intent: Any, running: str, res: Any,
                      tunnels: Optional[List[str]]) -> bool:
    """Whether ``running`` (the config read at the start of this run) already carries the whole plan of the host for the
    selected features: every tunnel, not only the staged ones, and the shared objects; nothing would be typed (a stale
    object that prune would remove, a forced secret or an error count as something to change). ``res`` is this run's
    diff; a staged run whose own tunnels need nothing is diffed once more on the same text for every tunnel (no device
    access). deploy_vc.yml then skips its later stage (plan core ``rest_unchanged``, docs/operations.md)."""
    if res.errors or res.commands:
        return False
    if tunnels is None:
        return True
    whole = compute(intent, running, params["features"], prune=params["prune"],
                    update_secrets=params["update_secrets"], tunnels=None)
    return not whole.errors and not whole.commands


def run_merged(params: Dict[str, Any], conn: Any, check_mode: bool) -> Dict[str, Any]:
    """State merged through a cliconf-like ``conn``: one read (the backup), one configuration session."""
    params = dict(params, secrets=decode_secrets(params.get("secrets")))
    # secrets are needed only by the parts that type them (IKEv2 keyring, BGP passwords)
    needed = [f for f, feature in (("psk", "ipsec"), ("bgp_password", "bgp")) if feature in params["features"]]
    intent = _intent(params, require_secrets=needed)
    if intent.errors:
        return dict(failed=True, changed=False, msg="; ".join(intent.errors), commands=[])
    feats, tunnels = params["features"], _staged(params)
    backup = conn.get_config()
    res = compute(intent, backup, feats, prune=params["prune"], update_secrets=params["update_secrets"], tunnels=tunnels)
    out = dict(changed=bool(res.commands), commands=res.display, stale=res.stale, diff=res.diff,
               warnings=res.warnings, absent_tunnels=absent_tunnels(params["plan"], params["host"], backup),
               nothing_to_change=nothing_to_change(params, intent, backup, res, tunnels))
    if params["backup"] and res.commands and not check_mode and not res.errors:
        out["__backup__"] = backup          # only when the device is about to change
    if res.errors:
        out.update(failed=True, changed=False, msg="; ".join(res.errors))
        return out
    # sessions whose timers this run changes are re-established after it (check mode: would be)
    out["bgp_reset"] = bgp_resets(backup, res.commands, params["plan"], params["host"], tunnels)
    if not res.commands or check_mode:
        return out
    failure = _apply_and_verify(params, conn, intent, res.commands, tunnels, out)
    if failure is not None:
        out.update(failed=True, msg=failure, bgp_reset=[])     # the resets run only after a verified apply
        _rollback(params, conn, intent, backup, out)
    return out


def _apply_and_verify(params: Dict[str, Any], conn: Any, intent: Any, commands: List[str],
                      tunnels: Optional[List[str]], out: Optional[Dict[str, Any]] = None) -> Optional[str]:
    """Send ``commands`` in one session; with ``verify`` read back and compare; then re-establish the BGP sessions
    of ``out["bgp_reset"]``. The failure, or None."""
    try:
        with config_exchange(conn, params.get("config_buffer_read_timeout")):
            conn.edit_config(candidate=commands)
    except ConnectionError as exc:
        return "apply failed: %s" % _mask_text(exc, params.get("secrets"))
    if params["verify"]:
        again = compute(intent, conn.get_config(), params["features"], prune=params["prune"], tunnels=tunnels)
        if again.commands:
            return "verify failed: after applying, the device still differs from the intent: %s" % (
                "; ".join(again.display))
    if out is not None:
        _reset_bgp(params, conn, out)
    return None


def _reset_bgp(params: Dict[str, Any], conn: Any, out: Dict[str, Any]) -> None:
    """``clear ip bgp X`` (a hard reset: only a new OPEN negotiates the new hold time) for each neighbour of
    ``out["bgp_reset"]``, after the configuration session. A refused clear is a warning, not a failure: the
    configuration is right and verified, its timers take effect at the session's next re-establishment;
    ``bgp_reset`` then keeps the neighbours that were reset."""
    done = []  # type: List[str]
    for neighbor in out.get("bgp_reset") or []:
        try:
            conn.get(command="clear ip bgp %s" % neighbor)
            done.append(neighbor)
        except ConnectionError as exc:
            out.setdefault("warnings", []).append(
                "clear ip bgp %s failed (%s): the session keeps its negotiated timers until it is re-established"
                % (neighbor, _mask_text(exc, params.get("secrets"))))
    out["bgp_reset"] = done


def _rollback(params: Dict[str, Any], conn: Any, intent: Any, backup: str, out: Dict[str, Any]) -> None:
    """After a failed apply or verify: the VC-owned configuration back to ``backup``; says what happened."""
    if not params["rollback"]:
        out["msg"] += " (rollback disabled: the device is left as it is)"
        return
    feats = params["features"]
    out["rolled_back"] = True
    try:
        try:
            conn.get(command="end")
        except Exception:   # not in config mode: fine
            pass
        restore = restore_commands(intent, backup, conn.get_config(), feats)
        out["restored"] = [forms.mask(c) for c in restore]
        if restore:
            with config_exchange(conn, params.get("config_buffer_read_timeout")):
                conn.edit_config(candidate=restore)
        left = restore_commands(intent, backup, conn.get_config(), feats)
        if left:
            out["msg"] += "; ROLLBACK INCOMPLETE, still differs from the backup: %s" % "; ".join(
                forms.mask(c) for c in left)
        else:
            out["msg"] += "; rolled back: the VC-owned configuration is as before (%d commands: %s)" % (
                len(restore), "; ".join(out["restored"]) or "nothing had changed")
    except ConnectionError as exc:
        out["msg"] += "; ROLLBACK FAILED: %s" % _mask_text(exc, params.get("secrets"))


def run_restored(params: Dict[str, Any], conn: Any, check_mode: bool) -> Dict[str, Any]:
    """State restored: VC-owned configuration back to ``backup_config``."""
    params = dict(params, secrets=decode_secrets(params.get("secrets")))
    intent = _intent(params, require_secrets=False)
    if intent.errors:
        return dict(failed=True, changed=False, msg="; ".join(intent.errors), commands=[])
    feats = params["features"]
    backup = params["backup_config"]
    try:
        commands = restore_commands(intent, backup, conn.get_config(), feats)
        out = dict(changed=bool(commands), commands=[forms.mask(c) for c in commands])
        if not commands or check_mode:
            out["msg"] = "nothing to restore" if not commands else "would restore %d commands" % len(commands)
            return out
        with config_exchange(conn, params.get("config_buffer_read_timeout")):
            conn.edit_config(candidate=commands)
        left = restore_commands(intent, backup, conn.get_config(), feats)
    except ConnectionError as exc:
        return dict(failed=True, changed=True, msg="restore failed: %s" % _mask_text(exc, params.get("secrets")))
    if left:
        out.update(failed=True, msg="restore incomplete, still differs from the backup: %s"
                   % "; ".join(forms.mask(c) for c in left))
    else:
        out["msg"] = "restored the Virtual Connect configuration saved before the change (%d commands)" % len(commands)
    return out
