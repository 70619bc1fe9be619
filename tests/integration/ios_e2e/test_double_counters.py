"""The IOS-XE TEST DOUBLE's instrumentation (what make bench-ios reads): per-router counters, the session list,
reset, the control socket, and the double as a process serving many routers. The counters are the
benchmark's evidence (configuration sessions, full running-config reads, lines typed, SSH sessions): each is
checked against commands typed for real, over SSH where SSH is what is counted."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import paramiko
import pytest
import yaml

from e2e_helpers import BASE, TESTS, truth_of
from iosxe_double import COUNTERS, DoubleServer, Router, Session, control_request

USERS = {"admin": {"password": "a-pw", "privilege": 15}, "op": {"password": "o-pw", "privilege": 1}}


def router(tmp_path=None, name="cpe1") -> Router:
    return Router(name, (BASE / "cpe_lab.cfg").read_text(), truth=truth_of("lab"), users=USERS,
                  enable_secret="en-secret", state_dir=tmp_path)


def test_counts_what_is_typed_by_kind():
    r = router()
    s = Session(r, "admin")
    assert set(r.counters) == set(COUNTERS) and not any(r.counters.values())
    for line in ("terminal length 0", "show running-config", "sh run", "show running-config | include ^interface",
                 "show running-config interface GigabitEthernet1", "show run | section crypto", "show version",
                 "configure terminal", "interface Loopback9", "description bench", "do show running-config",
                 "bogus-command", "end", "", "write terminal", "conf t", "end"):
        s.handle_line(line)
    c = r.counters
    assert c["lines"] == 16                     # the empty line is not a line typed
    assert c["config_sessions"] == 2            # `configure terminal` and `conf t`
    assert c["show_run_full"] == 4              # show running-config, sh run, do show running-config, write terminal
    assert c["show_run_filtered"] == 3          # | include, interface X, | section
    assert c["config_lines"] == 6               # interface, description, do show run, bogus, end, end
    assert c["exec_commands"] == c["lines"] - c["config_lines"]
    assert c["cli_errors"] == 1                 # bogus-command
    assert c["busy_us"] > 0
    assert r.config_sessions == 2
    assert "interface Loopback9\n description bench\n" in r.config_text()


def test_prompt_answers_and_errors_are_counted_apart_from_lines():
    r = router()
    s = Session(r, "op")
    assert s.handle_line("enable").endswith("Password: ")
    s.handle_line("wrong")
    s.handle_line("en-secret")
    assert s.prompt().endswith("#")
    s.handle_line("configure replace flash:none.cfg")
    assert r.counters["prompt_answers"] == 2 and r.counters["lines"] == 2
    assert r.counters["cli_errors"] == 1        # %Error opening flash:none.cfg
    assert r.counters["config_replaces"] == 0   # the replace did not run


def test_timings_never_carry_a_configuration_value():
    r = router()
    s = Session(r, "admin")
    for line in ("configure terminal", "crypto ikev2 keyring VC-KR", "peer X", "address 198.51.100.2",
                 "pre-shared-key very-secret-psk-1", "end", "show ip bgp summary"):
        s.handle_line(line)
    t = r.timings()
    assert [e["cmd"] for e in t] == ["configure terminal", "crypto", "peer", "address", "pre-shared-key", "end",
                                     "show ip bgp summary"]
    assert "very-secret-psk-1" not in json.dumps(t)
    assert all(e["dt"] > 0 and e["t"] > 0 for e in t)


def test_reset_restores_the_base_config_and_zeroes_the_counters(tmp_path):
    r = router(tmp_path)
    before = r.config_text()
    s = Session(r, "admin")
    for line in ("configure terminal", "interface Loopback9", "description x", "end",
                 "copy running-config flash:b.cfg", "", ""):
        s.handle_line(line)
    assert r.config_text() != before and r.flash and (tmp_path / "commands.log").exists()
    r.reset()
    assert r.config_text() == before
    assert r.flash == {} and r.log == [] and r.sessions == [] and not any(r.counters.values())
    assert not (tmp_path / "commands.log").exists() and not list((tmp_path / "flash").iterdir())
    assert (tmp_path / "running-config").read_text() == before


def _shell(port: int, user: str, password: str):
    client = paramiko.SSHClient()
    client.set_missing_host_key_policy(paramiko.AutoAddPolicy())
    client.connect("127.0.0.1", port=port, username=user, password=password, look_for_keys=False,
                   allow_agent=False, timeout=10)
    chan = client.invoke_shell()
    chan.settimeout(10)
    return client, chan


def _read_until(chan, suffix: bytes) -> bytes:
    buf = b""
    deadline = time.monotonic() + 10
    while not buf.rstrip().endswith(suffix):
        assert time.monotonic() < deadline, buf
        buf += chan.recv(65536)
    return buf


def _type(chan, line: str, prompt: bytes = b"cpe1#") -> bytes:
    chan.send(line + "\r")
    return _read_until(chan, prompt)


def _wait(cond, what: str):
    deadline = time.monotonic() + 10
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_ssh_sessions_bytes_and_auth_failures_over_ssh(tmp_path):
    routers = {"cpe1": router(tmp_path / "cpe1", "cpe1"), "cpe2": router(tmp_path / "cpe2", "cpe2")}
    srv = DoubleServer(routers)
    ports = srv.start()
    try:
        with pytest.raises(paramiko.AuthenticationException):
            _shell(ports["cpe1"], "admin", "wrong")
        received = 0
        for k in range(2):  # two sessions: one ends with `exit`, one by closing the channel
            client, chan = _shell(ports["cpe1"], "admin", "a-pw")
            received += len(_read_until(chan, b"cpe1#"))
            received += len(_type(chan, "terminal length 0"))
            received += len(_type(chan, "show running-config"))
            received += len(_type(chan, "configure terminal", b"cpe1(config)#"))
            received += len(_type(chan, "end"))
            if k == 0:
                chan.send("exit\r")
                _wait(lambda: routers["cpe1"].sessions[0]["closed"], "session 1 closed")
            client.close()
        r = routers["cpe1"]
        _wait(lambda: all(e["closed"] for e in r.sessions), "sessions closed")
        c = r.counters
        assert c["ssh_connections"] == 3 and c["ssh_sessions"] == 2 and c["auth_failures"] == 1
        assert c["show_run_full"] == 2 and c["config_sessions"] == 2 and c["lines"] == 9
        assert c["bytes_out"] >= received > 2 * len(r.running_config())
        assert [e["end"] for e in r.sessions] == ["exit", "eof"]
        assert [e["lines"] for e in r.sessions] == [5, 4]
        assert not any(routers["cpe2"].counters.values())          # counted per router
        snap_file = tmp_path / "cpe1" / "counters.json"

        def _snap():
            try:
                return json.loads(snap_file.read_text())
            except (OSError, ValueError):
                return {}
        # the snapshot is rewritten when a session ends, on the server's thread: wait for the second end
        _wait(lambda: [e.get("end") for e in _snap().get("sessions", [])] == ["exit", "eof"], "counters.json written")
        snap = _snap()
        assert snap["counters"] == c and snap["host"] == "cpe1" and len(snap["sessions"]) == 2
    finally:
        srv.stop()


def test_control_socket_counters_reset_stats_and_closing_sessions(tmp_path):
    routers = {"cpe1": router(tmp_path / "cpe1", "cpe1"), "cpe2": router(tmp_path / "cpe2", "cpe2")}
    base = routers["cpe1"].config_text()
    srv = DoubleServer(routers)
    ports = srv.start()
    sock = str(tmp_path / "control.sock")
    srv.serve_control(sock)
    try:
        assert control_request(sock, {"op": "ping"}) == {"ok": True, "ports": ports}
        client, chan = _shell(ports["cpe1"], "admin", "a-pw")
        _read_until(chan, b"cpe1#")
        _type(chan, "configure terminal", b"cpe1(config)#")
        _type(chan, "interface Loopback9", b"cpe1(config-if)#")
        got = control_request(sock, {"op": "counters", "routers": ["cpe1"]})["routers"]
        assert list(got) == ["cpe1"] and got["cpe1"]["counters"]["config_sessions"] == 1
        assert got["cpe1"]["sessions"][0]["closed"] is None                 # still open
        assert [e["cmd"] for e in control_request(sock, {"op": "timings"})["routers"]["cpe1"]] == [
            "configure terminal", "interface"]
        stats = control_request(sock, {"op": "stats"})["stats"]
        assert stats["pid"] == os.getpid() and stats["cpu_s"] > 0 and stats["rss_kib"] > 0
        assert control_request(sock, {"op": "reset"}) == {"reset": ["cpe1", "cpe2"]}
        chan.settimeout(5)
        assert chan.recv(100) == b""                                        # reset dropped the session
        client.close()
        assert routers["cpe1"].config_text() == base and not any(routers["cpe1"].counters.values())
        assert "error" in control_request(sock, {"op": "counters", "routers": ["nope"]})
        assert "error" in control_request(sock, {"op": "frobnicate"})
        client, chan = _shell(ports["cpe1"], "admin", "a-pw")              # serves again after the reset
        _read_until(chan, b"cpe1#")
        client.close()
        _wait(lambda: routers["cpe1"].counters["ssh_sessions"] == 1, "new session counted")
    finally:
        srv.stop()
    assert not Path(sock).exists()


def test_one_process_serves_many_routers(tmp_path):
    """python -m iosxe_double: every router of the spec on its own port, control socket, counters.json on
    SIGTERM."""
    spec = {"routers": [{"hostname": "r%d" % i, "base_config": str(BASE / "cpe_fresh.cfg"),
                         "users": {"admin": {"password": "pw", "privilege": 15}},
                         "state_dir": str(tmp_path / ("r%d" % i))} for i in range(6)]}
    (tmp_path / "spec.yml").write_text(yaml.safe_dump(spec))
    ports_file, sock = tmp_path / "ports.json", str(tmp_path / "c.sock")
    proc = subprocess.Popen([sys.executable, "-m", "iosxe_double", "--spec", str(tmp_path / "spec.yml"),
                             "--ports-file", str(ports_file), "--control", sock, "--quiet"],
                            env=dict(os.environ, PYTHONPATH=str(TESTS)), cwd=str(tmp_path))
    try:
        _wait(ports_file.exists, "ports file")
        ports = json.loads(ports_file.read_text())
        assert sorted(ports) == ["r%d" % i for i in range(6)] and len(set(ports.values())) == 6
        for name in ("r0", "r5"):
            client, chan = _shell(ports[name], "admin", "pw")
            _read_until(chan, b"cpe2#")                    # the hostname of cpe_fresh.cfg
            _type(chan, "show running-config", b"cpe2#")
            client.close()
        _wait(lambda: control_request(sock, {"op": "counters"})["routers"]["r5"]["sessions"][0]["closed"],
              "closed")
        got = control_request(sock, {"op": "counters"})["routers"]
        assert [got[n]["counters"]["show_run_full"] for n in sorted(got)] == [1, 0, 0, 0, 0, 1]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    assert proc.returncode == 0
    assert json.loads((tmp_path / "r0" / "counters.json").read_text())["counters"]["ssh_sessions"] == 1
