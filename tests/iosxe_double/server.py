"""SSH front end of the IOS-XE TEST DOUBLE: one paramiko server (password auth) per simulated router.

In a test:
    from iosxe_double import DoubleServer, Router
    srv = DoubleServer({"cpe1": Router("cpe1", base_config, truth=vc_regions)})
    ports = srv.start()          # {"cpe1": 40123} on 127.0.0.1
    ...
    srv.stop()

From a shell (the lead's demos): python -m iosxe_double --help
"""
from __future__ import annotations

import logging
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


def serve_channel(chan, session: Session) -> None:
    """Line discipline of a vty: echo, CR/LF, backspace, Ctrl-Z, and the no-echo password prompt."""
    chan.sendall(_crlf(session.greeting()))
    line = ""
    skip_lf = False
    while not session.closed:
        try:
            data = chan.recv(4096)
        except (socket.timeout, OSError, EOFError):
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
                chan.sendall(_crlf(echo + "\n" + out))
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
                chan.sendall(_crlf(echo + "^Z\n" + (out or session.prompt())))
                echo, line = "", ""
            elif ch == "\x03":  # Ctrl-C
                line = ""
                echo += "^C\n" + session.prompt()
            else:
                line += ch
                if session.echo:
                    echo += ch
        if echo:
            chan.sendall(_crlf(echo))
    try:
        chan.close()
    except Exception:  # noqa: BLE001 - best effort on teardown
        pass


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
        self.host = host
        self.ports: dict[str, int] = {}
        self._socks: list[socket.socket] = []
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._transports: list[paramiko.Transport] = []

    def start(self, ports: dict[str, int] | None = None) -> dict[str, int]:
        for name, router in self.routers.items():
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind((self.host, (ports or {}).get(name, 0)))
            sock.listen(16)
            sock.settimeout(0.5)
            self._socks.append(sock)
            self.ports[name] = sock.getsockname()[1]
            th = threading.Thread(target=self._accept, args=(sock, router), name="iosxe-double-" + name, daemon=True)
            th.start()
            self._threads.append(th)
        return dict(self.ports)

    def _accept(self, sock: socket.socket, router: Router) -> None:
        while not self._stop.is_set():
            try:
                conn, _created = sock.accept()
            except socket.timeout:
                continue
            except OSError:
                break
            threading.Thread(target=self._handle, args=(conn, router), daemon=True).start()

    def _handle(self, conn: socket.socket, router: Router) -> None:
        transport = paramiko.Transport(conn)
        self._transports.append(transport)
        transport.add_server_key(host_key())
        auth = _Auth(router)
        try:
            transport.start_server(server=auth)
            chan = transport.accept(30)
            record_client(router, transport.remote_version)
            if chan is None or not auth.shell.wait(30):
                transport.close()
                return
            serve_channel(chan, Session(router, auth.username or ""))
        except (paramiko.SSHException, EOFError, OSError) as exc:
            log.debug("session ended: %s", exc)
        finally:
            transport.close()

    def stop(self) -> None:
        self._stop.set()
        for s in self._socks:
            try:
                s.close()
            except OSError:
                pass
        for t in self._transports:
            t.close()
