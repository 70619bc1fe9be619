"""Router state and CLI sessions of the IOS-XE TEST DOUBLE (no SSH here: see server.py)."""
from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path

from .config import CLIError, ConfigParser, Node, load_text, render_lines

PROMPT_SUFFIX = {
    "config": "(config)", "config-if": "(config-if)", "config-router": "(config-router)",
    "config-router-af": "(config-router-af)", "config-router-ospf": "(config-router)",
    "config-route-map": "(config-route-map)", "config-crypto-map": "(config-crypto-map)",
    "config-ikev2-profile": "(config-ikev2-profile)", "config-ikev2-keyring": "(config-ikev2-keyring)",
    "config-ikev2-keyring-peer": "(config-ikev2-keyring-peer)", "config-ikev2-proposal": "(config-ikev2-proposal)",
    "config-ikev2-policy": "(config-ikev2-policy)", "cfg-crypto-trans": "(cfg-crypto-trans)",
    "config-ext-nacl": "(config-ext-nacl)", "config-std-nacl": "(config-std-nacl)", "config-line": "(config-line)",
    "config-archive": "(config-archive)", "config-cp": "(config-cp)",
}

# exec keyword tree, for IOS-style abbreviations ("sh run", "conf t"); {} = arguments follow
EXEC_WORDS: dict = {
    "show": {
        "running-config": {}, "startup-config": {}, "version": {}, "privilege": {}, "clock": {}, "interfaces": {},
        "ip": {"interface": {"brief": {}}, "route": {}, "bgp": {}, "prefix-list": {}, "access-lists": {},
               "ospf": {}},
        "bgp": {}, "crypto": {"ikev2": {"sa": {}, "profile": {}, "proposal": {}, "policy": {}},
                              "ipsec": {"sa": {}, "transform-set": {}}, "session": {}, "map": {}},
        "archive": {}, "access-lists": {}, "users": {}, "terminal": {}, "inventory": {}, "flash:": {}, "logging": {},
        "bootflash:": {},
    },
    "configure": {"terminal": {}, "replace": {}, "confirm": {}, "revert": {}},
    "copy": {}, "write": {"memory": {}, "terminal": {}},
    "terminal": {"length": {}, "width": {}, "monitor": {}, "no": {}},
    "enable": {}, "disable": {}, "exit": {}, "logout": {}, "quit": {}, "ping": {}, "dir": {}, "delete": {},
    "more": {}, "end": {}, "clear": {}, "traceroute": {},
}


def expand(tokens: list[str], tree: dict) -> list[str]:
    out: list[str] = []
    node: dict | None = tree
    for tok in tokens:
        if not node:
            out.append(tok)
            node = None
            continue
        low = tok.lower()
        if low in node:
            out.append(low)
            node = node[low]
            continue
        cands = [k for k in node if k.startswith(low)]
        if len(cands) == 1:
            out.append(cands[0])
            node = node[cands[0]]
        else:
            out.append(tok)
            node = None
    return out


def apply_pipe(text: str, spec: str) -> str:
    """IOS output modifiers: include, exclude, begin, section, count."""
    parts = spec.strip().split(None, 1)
    if not parts:
        raise CLIError("% Incomplete command.", pos=None)
    op = parts[0].lower()
    arg = parts[1] if len(parts) > 1 else ""
    ops = ["include", "exclude", "begin", "section", "count"]
    cands = [o for o in ops if o.startswith(op)]
    if len(cands) != 1:
        raise CLIError("% Invalid input detected at '^' marker.", pos=None)
    op = cands[0]
    lines = text.split("\n")
    sub = None
    if op == "section":
        first = arg.split(None, 1)
        if first and first[0].lower() in ("include", "exclude") and len(first) > 1:
            sub, arg = first[0].lower(), first[1]
    if not arg and op != "count":
        raise CLIError("% Incomplete command.", pos=None)
    try:
        rx = re.compile(arg.strip())
    except re.error:
        raise CLIError("% Invalid regular expression", pos=None)
    if op == "include":
        return "\n".join(ln for ln in lines if rx.search(ln))
    if op == "exclude":
        return "\n".join(ln for ln in lines if not rx.search(ln))
    if op == "count":
        return "Number of lines which match regexp = %d" % sum(1 for ln in lines if rx.search(ln))
    if op == "begin":
        for i, ln in enumerate(lines):
            if rx.search(ln):
                return "\n".join(lines[i:])
        return ""
    # section: a top-level line and its indented children
    sections: list[list[str]] = []
    for ln in lines:
        if ln.startswith(" ") and sections:
            sections[-1].append(ln)
        else:
            sections.append([ln])
    out: list[str] = []
    for sec in sections:
        if sec[0].strip() in ("!", "") and len(sec) == 1:
            continue
        if sub == "include":
            hit = bool(rx.search(sec[0]))
        elif sub == "exclude":
            hit = not rx.search(sec[0])
        else:
            hit = any(rx.search(ln) for ln in sec)
        if hit:
            out.extend(sec)
    return "\n".join(out)


# What the double counts per router (Router.counters): none of it changes what a client sees.
COUNTERS = (
    "ssh_connections",     # TCP connections accepted on the router's port
    "ssh_sessions",        # SSH shells opened (after authentication)
    "auth_failures",       # password attempts refused
    "lines",               # non-empty lines typed (exec and configuration modes; not answers to prompts)
    "exec_commands",       # of which typed at the exec prompt (including `configure terminal`)
    "config_lines",        # of which typed in a configuration mode (including `end`/`exit`)
    "prompt_answers",      # answers to Password: / [confirm] / Destination filename prompts
    "config_sessions",     # `configure terminal` entered
    "config_replaces",     # `configure replace flash:...` run
    "file_merges",         # `copy flash:... running-config` run
    "show_run_full",       # whole running config sent: `show running-config` / `write terminal`, no filter
    "show_run_filtered",   # `show running-config` with an argument (interface X) or an output modifier (| ...)
    "cli_errors",          # answers that are IOS errors (% Invalid input, % Incomplete command, ...)
    "bytes_out",           # bytes sent to clients (echo, outputs and prompts)
    "busy_us",             # microseconds the double spent answering lines (its own cost, not the client's)
)


class Router:
    """One simulated router: its running configuration, flash, command log and fault switches."""

    def __init__(self, hostname: str, base_config: str, *, users: dict | None = None, enable_secret: str | None = None,
                 truth: list | None = None, foreign: dict | None = None, state_dir: str | Path | None = None,
                 interfaces_hw: list[str] | None = None, inventory_name: str | None = None):
        self.lock = threading.RLock()
        self._spec = dict(hostname=hostname, base_config=base_config, users=users, enable_secret=enable_secret,
                          truth=truth, foreign=foreign, state_dir=state_dir, interfaces_hw=interfaces_hw,
                          inventory_name=inventory_name)
        self._load(**self._spec)
        # what reset() restores: the configuration as first loaded (type 6 cipher texts included, as a reload from
        # the startup config keeps them) and the hardware interfaces
        self._boot = (self.config_text(), self.parser.type6, list(self.parser.hw))

    def _load(self, hostname: str, base_config: str, *, users: dict | None, enable_secret: str | None,
              truth: list | None, foreign: dict | None, state_dir: str | Path | None,
              interfaces_hw: list[str] | None, inventory_name: str | None, type6=None) -> None:
        hw = interfaces_hw or re.findall(r"^interface ((?:GigabitEthernet|TenGigabitEthernet)\d+)\s*$", base_config, re.M)
        self.parser = ConfigParser(interfaces_hw=hw)
        self.parser.master_key = True
        if type6 is not None:
            self.parser.type6 = type6
        errors = load_text(self.parser, base_config)
        if errors:
            raise ValueError("base configuration of %s rejected: %s" % (hostname, errors))
        if self.parser.root.get(("hostname",)) is None:
            self.parser.root.set("hostname " + hostname, ("hostname",))
        self.users = users or {"admin": {"password": "admin", "privilege": 15}}
        self.enable_secret = enable_secret
        self.truth = truth or []
        self.inventory_name = inventory_name or hostname
        self.foreign = foreign or {}
        self.state_dir = Path(state_dir) if state_dir else None
        self.flash: dict[str, str] = {}
        self.startup: str | None = None
        self.log: list[dict] = []
        self.boot_time = time.time() - (9 * 86400 + 3 * 3600 + 4 * 60)
        self.last_change = time.time()
        self.last_change_by = "admin"
        self.fault_overrides: dict = {}
        self.up_since: dict[str, float] = {}
        # the hold/keepalive a VC BGP session negotiated in its OPEN, by the same key as up_since ("<key>:bgp"):
        # fixed when it became Established (None while a configuration session that brought it up is still open)
        self.bgp_negotiated: dict[str, tuple[int, int] | None] = {}
        self.editing: set[int] = set()  # the sessions in configuration mode (id of the Session)
        self.errors: list[dict] = []
        self.ssh_clients: list[str] = []  # SSH version banner of every client that logged in (server.py)
        self.counters: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.sessions: list[dict] = []
        self._persist()

    def reset(self) -> None:
        """Back to the state the router started in (base config, empty flash, no log, zero counters), as after a
        reload without saving: for benchmarks that run several rounds on the same server. Callers close the
        router's SSH sessions first (DoubleServer.reset does)."""
        with self.lock:
            text, type6, hw = self._boot
            spec = dict(self._spec)
            spec.update(base_config=text, interfaces_hw=hw, type6=type6)
            self._load(**spec)
            if self.state_dir is not None:
                for name in ("commands.log", "counters.json"):
                    path = self.state_dir / name
                    if path.exists():
                        path.unlink()
                flash = self.state_dir / "flash"
                for f in flash.iterdir() if flash.is_dir() else []:
                    f.unlink()

    # ---- instrumentation (never visible to a client): what a benchmark counts per router
    @property
    def config_sessions(self) -> int:
        return self.counters["config_sessions"]

    def count(self, key: str, n: int = 1) -> None:
        with self.lock:
            self.counters[key] += n

    def session_opened(self, user: str, peer: str = "") -> dict:
        """An SSH shell was opened: a new entry of ``sessions`` (closed by session_closed)."""
        with self.lock:
            self.counters["ssh_sessions"] += 1
            entry = {"id": self.counters["ssh_sessions"], "user": user, "peer": peer, "opened": time.time(),
                     "closed": None, "lines": 0, "bytes_out": 0, "end": None}
            self.sessions.append(entry)
            return entry

    def session_closed(self, entry: dict, how: str) -> None:
        """``how``: "exit" (the client typed exit/logout), "eof" (the client closed the channel), "error"."""
        with self.lock:     # the snapshot is on disk before anyone sees the session closed
            if entry.get("closed") is None:
                entry["closed"] = time.time()
                entry["end"] = how
            self.write_counters()

    def counters_snapshot(self) -> dict:
        """Counters and the session list, JSON-safe (a copy)."""
        with self.lock:
            return {"host": self.inventory_name, "hostname": self.hostname, "counters": dict(self.counters),
                    "sessions": [dict(e) for e in self.sessions]}

    def write_counters(self) -> None:
        """<state_dir>/counters.json (atomic replace); also written when an SSH session ends."""
        if self.state_dir is None:
            return
        path = self.state_dir / "counters.json"
        tmp = path.with_name("counters.json.tmp")
        tmp.write_text(json.dumps(self.counters_snapshot(), indent=1, sort_keys=True))
        tmp.replace(path)

    # ---- configuration
    @property
    def hostname(self) -> str:
        node = self.parser.root.get(("hostname",))
        return node.line.split()[1] if node else "Router"

    def running_lines(self) -> list[str]:
        return render_lines(self.parser.root)

    def running_config(self, header: bool = True) -> str:
        body = "\n".join(self.running_lines())
        if not header:
            return body + "\nend"
        stamp = time.strftime("%H:%M:%S UTC %a %b %d %Y", time.gmtime(self.last_change))
        body = "!\n! Last configuration change at %s by %s\n!\n%s\nend" % (stamp, self.last_change_by, body)
        return "Building configuration...\n\nCurrent configuration : %d bytes\n%s" % (len(body) + 1, body)

    def config_text(self) -> str:
        """What a client sees, without the volatile header: the form tests compare."""
        return "\n".join(self.running_lines()) + "\nend\n"

    def changed(self, user: str) -> None:
        self.last_change = time.time()
        self.last_change_by = user
        self._persist()
        self.stamp()

    def stamp(self) -> None:
        """Start the clocks of SAs and sessions that a configuration change brought up (or stop them)."""
        from .cisco_side import Evaluator
        Evaluator(self).evaluate()

    def internal_error(self, line: str) -> str:
        import traceback
        text = traceback.format_exc()
        self.errors.append({"line": line, "traceback": text})
        if self.state_dir is not None:
            with open(self.state_dir / "errors.log", "a") as fh:
                fh.write("### %s\n%s\n" % (line, text))
        return "%Error: IOS-XE test double internal error on '" + line + "' (see errors.log)"

    def replace_config(self, text: str) -> list[str]:
        parser = ConfigParser(interfaces_hw=list(self.parser.hw))
        parser.master_key = self.parser.master_key
        parser.type6 = self.parser.type6
        errors = load_text(parser, text)
        self.parser = parser
        return errors

    # ---- faults: router.fault_overrides, or <state_dir>/faults.json (re-read on every command)
    def faults(self) -> dict:
        data: dict = {}
        if self.state_dir is not None:
            path = self.state_dir / "faults.json"
            if path.exists():
                try:
                    data = json.loads(path.read_text() or "{}")
                except ValueError:
                    data = {}
        merged = dict(data)
        merged.update(self.fault_overrides)
        return merged

    def _persist(self) -> None:
        if self.state_dir is None:
            return
        self.state_dir.mkdir(parents=True, exist_ok=True)
        (self.state_dir / "running-config").write_text(self.config_text())
        flash = self.state_dir / "flash"
        flash.mkdir(exist_ok=True)
        for name, text in self.flash.items():
            (flash / name.replace("/", "_")).write_text(text)

    def record(self, user: str, mode: str, line: str) -> dict:
        entry = {"t": time.time(), "user": user, "mode": mode, "line": line}
        self.log.append(entry)
        if self.state_dir is not None:
            with open(self.state_dir / "commands.log", "a") as fh:
                fh.write("%s\t%s\t%s\n" % (user, mode, line))
        return entry

    def timings(self) -> list[dict]:
        """Per line typed: arrival time ``t``, seconds the double took to answer ``dt``, the mode, and ``cmd``: the
        exec command, or only the first word of a configuration line (no secret leaves the double this way)."""
        with self.lock:
            return [{"t": e["t"], "dt": e.get("dt", 0.0), "mode": e["mode"],
                     "cmd": e["line"].strip() if e["mode"] == "exec" else (e["line"].split() or [""])[0]}
                    for e in self.log]

    def config_commands(self) -> list[dict]:
        """Commands typed in a configuration mode (or that enter one / change the config wholesale)."""
        return [e for e in self.log if e["mode"] != "exec" or re.match(
            r"^\s*(conf|configure|copy\s+\S+\s+(running|system:running)|write|delete)", e["line"], re.I)]


class Session:
    """One CLI session (one SSH shell)."""

    def __init__(self, router: Router, username: str):
        self.r = router
        self.user = username
        self.priv = int(router.users.get(username, {}).get("privilege", 1))
        self.stack: list[tuple[str, Node]] | None = None
        self.pending = None  # callable(answer) -> output, for prompts (Password:, [confirm], ...)
        self.echo = True
        self.closed = False
        self.term_length = 24
        self.term_width = 80
        self._tries = 0
        self.entry: dict | None = None  # this session's entry in router.sessions (set by the SSH server)
        self._entry_now: dict | None = None

    # ---- prompt
    def prompt(self) -> str:
        host = self.r.hostname
        if self.stack is not None:
            return host + PROMPT_SUFFIX[self.stack[-1][0]] + "#"
        return host + ("#" if self.priv >= 15 else ">")

    def greeting(self) -> str:
        return "\n" + self.prompt()

    # ---- input
    def handle_line(self, line: str) -> str:
        """Process one input line; return the output including the next prompt."""
        t0 = time.perf_counter()
        self._entry_now = None
        try:
            return self._handle_line(line)
        finally:
            dt = time.perf_counter() - t0
            if self._entry_now is not None:
                self._entry_now["dt"] = dt
            self.r.count("busy_us", int(dt * 1e6))

    def _handle_line(self, line: str) -> str:
        with self.r.lock:
            if self.pending is not None:
                self.r.counters["prompt_answers"] += 1
                pending, self.pending = self.pending, None
                self.echo = True
                try:
                    out = pending(line)
                except Exception:  # noqa: BLE001
                    out = self.r.internal_error("<answer to a prompt>")
                if self.pending is not None:
                    return out  # another question follows, no prompt
                return (out + "\n" if out else "") + self.prompt()
            mode = self.stack[-1][0] if self.stack is not None else "exec"
            if line.strip():
                self._entry_now = self.r.record(self.user, mode, line)
                self.r.counters["lines"] += 1
                self.r.counters["exec_commands" if mode == "exec" else "config_lines"] += 1
                if self.entry is not None:
                    self.entry["lines"] += 1
            prompt_before = self.prompt()
            entry = self._entry_now if line.strip() else None
            try:
                out = self._dispatch(line)
            except CLIError as exc:
                out = self._error(prompt_before, line, exc)
                self._count_error(entry, out)
            except Exception:  # noqa: BLE001 - a bug of the double must surface as a device error
                out = self.r.internal_error(line)
                self._count_error(entry, out)
            else:
                if out.lstrip().startswith("%"):
                    self._count_error(entry, out)
            if self.pending is not None:
                return out
            if self.closed:
                return out
            return (out + "\n" if out else "") + self.prompt()

    def _count_error(self, entry, out: str) -> None:
        """An answer starting with % (an IOS error, or a % NOTE): counted (cli_errors) and kept on the line's log
        entry (``"error"``: the answer's first % line; a configuration line's answer never echoes a secret)."""
        self.r.counters["cli_errors"] += 1
        if entry is not None:
            entry["error"] = next((x.strip() for x in out.splitlines() if x.strip().startswith("%")), out.strip()[:200])

    def _error(self, prompt: str, line: str, exc: CLIError) -> str:
        if exc.pos is None:
            return exc.message
        spans = [m.start() for m in re.finditer(r"\S+", line)]
        col = spans[exc.pos] if exc.pos < len(spans) else len(line.rstrip()) + 1
        return " " * (len(prompt) + col) + "^\n" + exc.message + "\n"

    def _dispatch(self, line: str) -> str:
        stripped = line.strip()
        if not stripped:
            return ""
        if self.stack is not None:
            return self._config_line(stripped)
        return self.exec_command(stripped)

    # ---- configuration mode
    def _config_line(self, s: str) -> str:
        if s.startswith("!"):
            return ""
        low = s.lower()
        toks = low.split()
        if toks[0] == "end" or low == "\x1a":
            self._leave_config()
            return ""
        if toks[0] == "do" and len(toks) > 1:
            return self.exec_command(s[2:].strip(), from_config=True)
        if toks[0] == "exit" and len(toks) == 1:
            assert self.stack is not None
            if len(self.stack) == 1:
                self._leave_config()
            else:
                self.stack.pop()
            return ""
        if toks[0] == "exit-address-family" and self.stack[-1][0] == "config-router-af":
            self.stack.pop()
            return ""
        before = self.r.config_text()
        try:
            msg = self.r.parser.execute(self.stack, s)
        finally:
            if self.r.config_text() != before:
                self.r.changed(self.user)
        return msg

    def _leave_config(self) -> None:
        self.stack = None
        self.r.editing.discard(id(self))
        self.r.stamp()   # a BGP session the configuration brought up negotiates the timers configured now

    def closed_by_peer(self) -> None:
        """The SSH shell ended (the server calls this): a configuration session left open ends with it."""
        if self.stack is not None:
            self._leave_config()

    # ---- exec mode
    def exec_command(self, s: str, from_config: bool = False) -> str:
        pipe = None
        if "|" in s:
            s, pipe = s.split("|", 1)
        toks = expand(s.split(), EXEC_WORDS)
        if not toks:
            return ""
        if toks[-1] == "?":
            return self._help(toks[:-1])
        if toks[:2] == ["show", "running-config"] or toks[:2] == ["write", "terminal"]:
            full = len(toks) == 2 and pipe is None
            self.r.counters["show_run_full" if full else "show_run_filtered"] += 1
        out = self._exec(toks, from_config)
        if pipe is not None:
            out = apply_pipe(out, pipe)
        return out

    def _help(self, toks: list[str]) -> str:
        if toks[:2] == ["show", "running-config"]:
            return ("  all              Configuration with defaults\n  brief            configuration without "
                    "certificate data\n  interface        Show interface configuration\n  partition        "
                    "Configuration corresponding a partition\n  view             View options\n  |                "
                    "Output modifiers\n  <cr>             <cr>")
        return "  <cr>             <cr>"

    def _need_priv(self, toks: list[str]) -> None:
        if self.priv < 15:
            raise CLIError("% Invalid input detected at '^' marker.", pos=0 if toks[0] != "show" else 1)

    def _exec(self, t: list[str], from_config: bool) -> str:
        from . import show  # late import: show needs the model

        w0 = t[0]
        if w0 == "enable":
            if self.priv >= 15:
                return ""
            if not self.r.enable_secret:
                return "% No password set"
            self._tries = 0
            return self._ask_password()
        if w0 == "disable":
            self.priv = 1
            return ""
        if w0 in ("exit", "logout", "quit"):
            self.closed = True
            return ""
        if w0 == "terminal":
            if len(t) >= 3 and t[1] in ("length", "width"):
                if not t[2].isdigit() or int(t[2]) > 512:
                    raise CLIError(pos=2)
                if t[1] == "length":
                    self.term_length = int(t[2])
                else:
                    self.term_width = int(t[2])
                return ""
            if len(t) >= 2 and t[1] in ("monitor", "no"):
                return ""
            raise CLIError("% Incomplete command.", pos=None) if len(t) < 3 else CLIError(pos=1)
        if w0 == "ping":
            return show.ping(self.r, t[1:])
        if w0 == "traceroute":
            raise CLIError(pos=0)
        if w0 == "show":
            if len(t) < 2:
                raise CLIError("% Type \"show ?\" for a list of subcommands", pos=None)
            if t[1] in ("running-config", "startup-config", "archive", "flash:", "bootflash:", "users"):
                self._need_priv(t)
            return show.show(self, t)
        if w0 == "end":
            return ""
        self._need_priv(t)
        if w0 == "configure":
            if from_config:
                raise CLIError(pos=0)
            sub = t[1] if len(t) > 1 else "terminal"
            if sub == "terminal":
                if len(t) > 2 and t[2].lower() != "revert":
                    raise CLIError(pos=2)
                self.stack = [("config", self.r.parser.root)]
                self.r.editing.add(id(self))
                self.r.counters["config_sessions"] += 1
                return "Enter configuration commands, one per line.  End with CNTL/Z."
            if sub == "replace":
                return self._configure_replace(t[2:])
            if sub in ("confirm", "revert"):
                return ""
            raise CLIError(pos=1)
        if w0 == "copy":
            return self._copy(t[1:])
        if w0 == "write":
            if len(t) == 1 or t[1] == "memory":
                self.r.startup = self.r.running_config()
                return "Building configuration...\n[OK]"
            if t[1] == "terminal":
                return self.r.running_config()
            raise CLIError(pos=1)
        if w0 == "dir":
            return self._dir(t[1:])
        if w0 == "more":
            if len(t) < 2:
                raise CLIError("% Incomplete command.", pos=None)
            name = self._flash_name(t[-1])
            if name is None or name not in self.r.flash:
                return "%%Error opening %s (No such file or directory)" % t[-1]
            return self.r.flash[name]
        if w0 == "delete":
            return self._delete(t[1:])
        if w0 == "clear":
            return self._clear(t[1:])
        raise CLIError(pos=0)

    def _clear(self, t: list[str]) -> str:
        """``clear ip bgp <A>|*``, a hard reset: the Virtual Connect sessions it names go down and, as nothing else
        changed, come up again at once: a new up-since and the timers negotiated from what is configured now (the
        Cisco side's hold time caps them). A soft reset (``soft``, ``in``, ``out``) renegotiates nothing; any other
        ``clear`` is accepted and does nothing, as before."""
        from .cisco_side import Evaluator

        low = [x.lower() for x in t]
        if low[:2] != ["ip", "bgp"] or len(low) < 3 or any(x in ("soft", "in", "out") for x in low[3:]):
            return ""
        for vt in Evaluator(self.r).evaluate().tunnels:
            if low[2] in ("*", vt.di["tunnel_ip"]):
                self.r.up_since.pop("%s:bgp" % vt.key, None)
                self.r.bgp_negotiated.pop("%s:bgp" % vt.key, None)
        self.r.stamp()
        return ""

    def _ask_password(self) -> str:
        self.echo = False

        def answer(pw: str) -> str:
            if pw == self.r.enable_secret:
                self.priv = 15
                return ""
            self._tries += 1
            if self._tries >= 3:
                return "% Bad secrets\n"
            return self._ask_password()

        self.pending = answer
        return "Password: "

    # ---- files
    @staticmethod
    def _flash_name(path: str) -> str | None:
        m = re.match(r"^(?:flash|bootflash):/?(.+)$", path)
        return m.group(1) if m else None

    def _quiet(self) -> bool:
        return self.r.parser.root.get(("file", "prompt")) is not None and "quiet" in \
            self.r.parser.root.get(("file", "prompt")).line

    def _confirm(self, question: str, then, default_yes: bool = True) -> str:
        def answer(a: str) -> str:
            a = a.strip().lower()
            if a in ("", "y", "yes") if default_yes else a in ("y", "yes"):
                return then()
            return "%Error: operation aborted"

        self.pending = answer
        return question

    def _copy(self, t: list[str]) -> str:
        if len(t) < 2:
            raise CLIError("% Incomplete command.", pos=None)
        src, dst = t[0].lower(), t[1]
        src = {"run": "running-config", "running": "running-config", "system:running-config": "running-config",
               "start": "startup-config", "nvram:startup-config": "startup-config"}.get(src, src)
        dst_l = {"system:running-config": "running-config", "nvram:startup-config": "startup-config",
                 "run": "running-config", "start": "startup-config"}.get(dst.lower(), dst.lower())
        if src in ("running-config", "startup-config"):
            text = self.r.running_config() if src == "running-config" else self.r.startup
            if text is None:
                return "%Error opening nvram:startup-config (No such file or directory)"
            if dst_l == "startup-config":
                def save() -> str:
                    self.r.startup = text
                    return "Building configuration...\n[OK]"
                return save() if self._quiet() else self._ask("Destination filename [startup-config]? ", save)
            name = self._flash_name(dst)
            if name is None:
                raise CLIError(pos=2)

            def write(fname: str = name) -> str:
                def do() -> str:
                    self.r.flash[fname] = text
                    self.r._persist()
                    return "%d bytes copied in 0.052 secs (%d bytes/sec)" % (len(text), len(text) * 19)
                if fname in self.r.flash and not self._quiet():
                    return self._confirm("%Warning:There is a file already existing with this name \n"
                                         "Do you want to over write? [confirm]", do)
                return do()
            if self._quiet():
                return write()
            return self._ask("Destination filename [%s]? " % name, write, default=name)
        name = self._flash_name(src)
        if name is not None and dst_l == "running-config":
            if name not in self.r.flash:
                return "%%Error opening %s (No such file or directory)" % t[0]
            text = self.r.flash[name]

            def merge(_answer: str = "") -> str:
                self.r.counters["file_merges"] += 1
                stack = [("config", self.r.parser.root)]
                for raw in text.splitlines():
                    s = raw.strip()
                    if not s or s.startswith("!") or s == "end" or s.startswith("Building") or s.startswith("Current"):
                        continue
                    try:
                        self.r.parser.execute(stack, s)
                    except CLIError:
                        pass
                self.r.changed(self.user)
                return "%d bytes copied in 0.210 secs (%d bytes/sec)" % (len(text), len(text) * 4)
            return merge() if self._quiet() else self._ask("Destination filename [running-config]? ", merge)
        raise CLIError(pos=1)

    def _ask(self, question: str, then, default: str | None = None) -> str:
        self.pending = (lambda a: then(a.strip() or default)) if default is not None else (lambda a: then())
        return question

    def _configure_replace(self, t: list[str]) -> str:
        if not t:
            raise CLIError("% Incomplete command.", pos=None)
        name = self._flash_name(t[0])
        if name is None:
            raise CLIError(pos=2)
        if name not in self.r.flash:
            return "%%Error opening %s (No such file or directory)" % t[0]
        text = self.r.flash[name]

        def do() -> str:
            self.r.counters["config_replaces"] += 1
            self.r.replace_config(text)
            self.r.changed(self.user)
            return "Total number of passes: 1\nRollback Done\n"
        if "force" in [x.lower() for x in t[1:]]:
            return do()
        return self._confirm(
            "This will apply all necessary additions and deletions\nto replace the current running configuration "
            "with the\ncontents of the specified configuration file, which is\nassumed to be a complete "
            "configuration, not a partial\nconfiguration. Enter Y if you are sure you want to proceed. ? [no]: ",
            do, default_yes=False)

    def _dir(self, t: list[str]) -> str:
        lines = ["Directory of bootflash:/", ""]
        for i, (name, text) in enumerate(sorted(self.r.flash.items())):
            lines.append("%6d  -rw-  %12d  Jan 6 2025 10:00:00 +00:00  %s" % (20 + i, len(text), name))
        lines += ["", "6286540800 bytes total (5016817664 bytes free)"]
        return "\n".join(lines)

    def _delete(self, t: list[str]) -> str:
        force = "/force" in [x.lower() for x in t]
        paths = [x for x in t if not x.startswith("/")]
        if not paths:
            raise CLIError("% Incomplete command.", pos=None)
        name = self._flash_name(paths[0])
        if name is None:
            raise CLIError(pos=1)

        def do() -> str:
            if name not in self.r.flash:
                return "%%Error deleting bootflash:/%s (No such file or directory)" % name
            del self.r.flash[name]
            if self.r.state_dir is not None:
                p = self.r.state_dir / "flash" / name.replace("/", "_")
                if p.exists():
                    p.unlink()
            return ""
        if force or self._quiet():
            return do()
        return self._ask("Delete filename [%s]? " % name,
                         lambda: self._confirm("Delete bootflash:/%s? [confirm]" % name, do))
