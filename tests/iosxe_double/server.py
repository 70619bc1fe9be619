"""SSH front end of the IOS-XE TEST DOUBLE: a paramiko server (password auth) on one port per simulated
router; one DoubleServer (one process, one accept thread) serves any number of routers.

In a test:
    from iosxe_double import DoubleServer, Router
    srv = DoubleServer({"cpe1": Router("cpe1", base_config, truth=vc_regions)})
    ports = srv.start()          # {"cpe1": 40123} on 127.0.0.1
    srv.counters()               # {"cpe1": {"counters": {...}, "sessions": [...]}}: what the router counted
    srv.reset()                  # every router back to its base config (closes its SSH sessions)
    srv.stop()

Out of process (benchmarks): ``srv.serve_control(path)`` answers one JSON request per line on a unix socket
(``{"op": "counters"|"reset"|"stats"|"timings"|"ping", "routers": [names]}``); it is not reachable over SSH, so a
client sees exactly what it saw before. From a shell (the lead's demos): python -m iosxe_double --help
"""
from __future__ import annotations

import json
import logging
import os
import resource
import selectors
import socket
import threading

import paramiko

from .cli import Router, Session

log = logging.getLogger("iosxe_double")
_HOST_KEY: paramiko.PKey | None = None
_KEY_LOCK = threading.Lock()


def host_key() -> paramiko.PKey:
    global _HOST_KEY
    with _KEY_LOCK:
        if _HOST_KEY is None:
            _HOST_KEY = paramiko.ECDSAKey.generate(bits=256)
        return _HOST_KEY


class _Auth(paramiko.ServerInterface):
    def __init__(self, router: Router):
        self.router = router
        self.username: str | None = None
        self.shell = threading.Event()

    def get_allowed_auths(self, username):
        return "password"

    def check_auth_password(self, username, password):
        user = self.router.users.get(username)
        if user is not None and user.get("password") == password:
            self.username = username
            return paramiko.AUTH_SUCCESSFUL
        self.router.count("auth_failures")
        return paramiko.AUTH_FAILED

    def check_channel_request(self, kind, chanid):
        return paramiko.OPEN_SUCCEEDED if kind == "session" else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED

    def check_channel_pty_request(self, channel, term, width, height, pixelwidth, pixelheight, modes):
        return True

    def check_channel_window_change_request(self, channel, width, height, pixelwidth, pixelheight):
        return True

    def check_channel_shell_request(self, channel):
        self.shell.set()
        return True


def _crlf(text: str) -> bytes:
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8", "replace")


def serve_channel(chan, session: Session) -> str:
    """Line discipline of a vty: echo, CR/LF, backspace, Ctrl-Z, and the no-echo password prompt.
    Returns how the session ended: "exit" (exit/logout typed), "eof" (the client closed), "error"."""
    router = session.r
    entry = session.entry

    def send(text: str) -> None:
        data = _crlf(text)
        chan.sendall(data)
        with router.lock:
            if entry is not None and not any(e is entry for e in router.sessions):
                return      # a session a reset dropped: what it still sends is not the new round's
            router.counters["bytes_out"] += len(data)
            if entry is not None:
                entry["bytes_out"] += len(data)

    how = "eof"
    send(session.greeting())
    line = ""
    skip_lf = False
    while not session.closed:
        try:
            data = chan.recv(4096)
        except (socket.timeout, OSError, EOFError):
            how = "error"
            break
        if not data:
            break
        echo = ""
        for ch in data.decode("utf-8", "replace"):
            if ch == "\n" and skip_lf:
                skip_lf = False
                continue
            skip_lf = ch == "\r"
            if ch in "\r\n":
                out = session.handle_line(line)
                line = ""
                send(echo + "\n" + out)
                echo = ""
                if session.closed:
                    break
            elif ch in "\x08\x7f":
                if line:
                    line = line[:-1]
                    if session.echo:
                        echo += "\b \b"
            elif ch == "\x1a":  # Ctrl-Z
                out = session.handle_line("end") if session.stack is not None else ""
                send(echo + "^Z\n" + (out or session.prompt()))
                echo, line = "", ""
            elif ch == "\x03":  # Ctrl-C
                line = ""
                echo += "^C\n" + session.prompt()
            else:
                line += ch
                if session.echo:
                    echo += ch
        if echo:
            send(echo)
    if session.closed:
        how = "exit"
    try:
        chan.close()
    except Exception:  # noqa: BLE001 - best effort on teardown
        pass
    return how


def record_client(router: Router, banner: str | None) -> None:
    """Remember which SSH implementation connected (`SSH-2.0-libssh_0.11.1`, `SSH-2.0-paramiko_3.5.0`):
    router.ssh_clients and <state_dir>/ssh-clients.log, so tests can assert which library network_cli used."""
    banner = (banner or "").strip()
    with router.lock:
        router.ssh_clients.append(banner)
        if router.state_dir is not None:
            router.state_dir.mkdir(parents=True, exist_ok=True)
            with open(router.state_dir / "ssh-clients.log", "a") as fh:
                fh.write(banner + "\n")


class DoubleServer:
    def __init__(self, routers: dict[str, Router], host: str = "127.0.0.1"):
        self.routers = routers
        for router in routers.values():
            router.site = routers       # the routers of one site see each other (split IPsec/GRE devices)
        self.host = host
        self.ports: dict[str, int] = {}
        self._socks: list[socket.socket] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._transports: dict[str, set[paramiko.Transport]] = {name: set() for name in routers}
        self._control: socket.socket | None = None
        self._control_path: str | None = None

    def start(self, ports: dict[str, int] | None = None) -> dict[str, int]:
        """Listen on one port per router (0 = any free port); one thread accepts for all of them."""
        sel = selectors.DefaultSelector()
        for name in self.routers:
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, (ports or {}).get(name, 0)))
            sock.listen(64)
            sock.setblocking(False)
            self._socks.append(sock)
            self.ports[name] = sock.getsockname()[1]
            sel.register(sock, selectors.EVENT_READ, name)
        th = threading.Thread(target=self._accept, args=(sel,), name="iosxe-double-accept", daemon=True)
        th.start()
        self._threads.append(th)
        return dict(self.ports)

    def _accept(self, sel: selectors.BaseSelector) -> None:
        while not self._stop.is_set():
            try:
                events = sel.select(timeout=0.5)
            except (OSError, ValueError):
                break
            for key, _mask in events:
                try:
                    conn, _peer = key.fileobj.accept()
                except (BlockingIOError, InterruptedError):
                    continue
                except OSError:
                    continue
                conn.setblocking(True)
                name = key.data
                threading.Thread(target=self._handle, args=(conn, name), name="iosxe-double-" + name,
                                 daemon=True).start()
        sel.close()

    def _handle(self, conn: socket.socket, name: str) -> None:
        router = self.routers[name]
        router.count("ssh_connections")
        try:
            peer = "%s:%d" % conn.getpeername()[:2]
        except OSError:
            peer = ""
        transport = paramiko.Transport(conn)
        with self._lock:
            self._transports.setdefault(name, set()).add(transport)
        transport.add_server_key(host_key())
        auth = _Auth(router)
        entry = None
        session = None
        how = "error"
        try:
            transport.start_server(server=auth)
            chan = transport.accept(30)
            record_client(router, transport.remote_version)
            if chan is None or not auth.shell.wait(30):
                return
            session = Session(router, auth.username or "")
            entry = session.entry = router.session_opened(session.user, peer)
            how = serve_channel(chan, session)
        except (paramiko.SSHException, EOFError, OSError) as exc:
            log.debug("session ended: %s", exc)
        finally:
            transport.close()
            with self._lock:
                self._transports.get(name, set()).discard(transport)
            if session is not None:
                with router.lock:
                    session.closed_by_peer()
            if entry is not None:
                router.session_closed(entry, how)

    # ---- instrumentation and control (benchmarks); nothing here is reachable over SSH
    def counters(self, names: list[str] | None = None) -> dict[str, dict]:
        """What each router counted (Router.counters_snapshot), by inventory name."""
        return {n: self.routers[n].counters_snapshot() for n in (names or self.routers)}

    def close_sessions(self, names: list[str] | None = None) -> None:
        for name in names or list(self.routers):
            with self._lock:
                transports = list(self._transports.get(name, ()))
            for t in transports:
                t.close()

    def reset(self, names: list[str] | None = None) -> list[str]:
        """Close the routers' SSH sessions and put them back to their base configuration (Router.reset)."""
        names = list(names or self.routers)
        self.close_sessions(names)
        for name in names:
            self.routers[name].reset()
        return names

    @staticmethod
    def stats() -> dict:
        """This process: pid, CPU seconds (user+sys), peak and current RSS, threads."""
        ru = resource.getrusage(resource.RUSAGE_SELF)
        rss_kib = 0
        try:
            with open("/proc/self/status") as fh:
                for ln in fh:
                    if ln.startswith("VmRSS:"):
                        rss_kib = int(ln.split()[1])
        except OSError:
            pass
        return {"pid": os.getpid(), "cpu_s": ru.ru_utime + ru.ru_stime, "maxrss_kib": ru.ru_maxrss,
                "rss_kib": rss_kib, "threads": threading.active_count()}

    def control(self, request: dict) -> dict:
        """One control request: {"op": "ping"|"counters"|"reset"|"stats"|"timings", "routers": [names] (optional)}."""
        op = request.get("op")
        names = request.get("routers") or None
        unknown = [n for n in names or [] if n not in self.routers]
        if unknown:
            return {"error": "unknown routers: %s" % ", ".join(unknown)}
        if op == "ping":
            return {"ok": True, "ports": self.ports}
        if op == "counters":
            return {"routers": self.counters(names)}
        if op == "reset":
            return {"reset": self.reset(names)}
        if op == "stats":
            return {"stats": self.stats()}
        if op == "timings":
            return {"routers": {n: self.routers[n].timings() for n in names or self.routers}}
        return {"error": "unknown op %r" % (op,)}

    def serve_control(self, path: str) -> None:
        """Answer control requests (one JSON object per line) on the unix socket ``path``."""
        if os.path.exists(path):
            os.unlink(path)
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.bind(path)
        sock.listen(8)
        sock.settimeout(0.5)
        self._control, self._control_path = sock, path
        th = threading.Thread(target=self._control_loop, args=(sock,), name="iosxe-double-control", daemon=True)
        th.start()
        self._threads.append(th)

    def _control_loop(self, sock: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _addr = sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            with conn:
                conn.settimeout(60)
                fh = conn.makefile("rwb")
                for raw in fh:
                    try:
                        answer = self.control(json.loads(raw))
                    except Exception as exc:  # noqa: BLE001 - answer the caller, keep serving
                        answer = {"error": "%s: %s" % (type(exc).__name__, exc)}
                    fh.write(json.dumps(answer).encode() + b"\n")
                    fh.flush()

    def stop(self) -> None:
        self._stop.set()
        for s in self._socks:
            try:
                s.close()
            except OSError:
                pass
        if self._control is not None:
            try:
                self._control.close()
                if self._control_path and os.path.exists(self._control_path):
                    os.unlink(self._control_path)
            except OSError:
                pass
        self.close_sessions()
        for router in self.routers.values():
            with router.lock:
                router.write_counters()


def control_request(path: str, request: dict, timeout: float = 60) -> dict:
    """Send one control request to a DoubleServer.serve_control socket (another process) and return its answer."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(path)
        fh = sock.makefile("rwb")
        fh.write(json.dumps(request).encode() + b"\n")
        fh.flush()
        line = fh.readline()
    if not line:
        raise ConnectionError("no answer from the double's control socket %s" % path)
    return json.loads(line)
