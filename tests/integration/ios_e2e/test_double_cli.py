"""Unit tests of the IOS-XE TEST DOUBLE's CLI (in process, fast): the normalised running-config forms of
the IOS-XE notes (docs/iosxe-notes.md), IOS mode behaviour, errors, files, and the show formats of the fixtures."""
from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from e2e_helpers import BASE, truth_of
from iosxe_double import Router, Session
from iosxe_double.passwords import type7_decrypt

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "iosxe"


@pytest.fixture()
def s(tmp_path):
    router = Router("cpe1", (BASE / "cpe_lab.cfg").read_text(), truth=truth_of("lab"), state_dir=tmp_path,
                    users={"admin": {"password": "a", "privilege": 15}, "op": {"password": "o", "privilege": 1}},
                    enable_secret="en-secret")
    return Session(router, "admin")


def conf(s: Session, *lines: str) -> list[str]:
    outs = [s.handle_line(x) for x in ("configure terminal",) + lines + ("end",)]
    return outs


def cfg(s: Session) -> str:
    return s.r.config_text()


def test_normalised_forms_of_the_notes(s):
    conf(s, "crypto ikev2 profile VC-X", "match identity remote address 198.51.100.10",
         "crypto ipsec transform-set VC-TS esp-gcm 256", "crypto map VC-CMAP 10 ipsec-isakmp",
         "set peer 198.51.100.10", "set transform-set VC-TS", "match address VC-GRE",
         "interface Tunnel101", "ip address 100.64.10.1 255.255.255.252", "keepalive", "tunnel mode gre ip",
         "router bgp 64551", "neighbor 100.64.10.6 remote-as 64562", "address-family ipv4 unicast",
         "neighbor 100.64.10.6 default-originate", "ip prefix-list VC-OUT permit 0.0.0.0/0",
         "ip access-list extended VC-GRE", "permit 47 192.0.2.10 0.0.0.0 host 198.51.100.20")
    c = cfg(s)
    assert " match identity remote address 198.51.100.10 255.255.255.255\n" in c
    assert "crypto ipsec transform-set VC-TS esp-gcm 256 \n mode tunnel\n" in c
    assert "crypto map VC-CMAP 10 ipsec-isakmp \n" in c and " set transform-set VC-TS \n" in c
    assert "interface Tunnel101\n ip address 100.64.10.1 255.255.255.252\n keepalive 10 3\n!" in c
    assert "tunnel mode" not in c
    assert " address-family ipv4\n" in c and "ipv4 unicast" not in c
    assert "  neighbor 100.64.10.6 activate\n  neighbor 100.64.10.6 default-originate\n" in c
    assert "ip prefix-list VC-OUT seq 5 permit 0.0.0.0/0\n" in c
    assert "ip access-list extended VC-GRE\n 10 permit gre host 192.0.2.10 host 198.51.100.20\n" in c


def test_new_bgp_process_gets_log_neighbor_changes():
    r = Router("cpe2", (BASE / "cpe_fresh.cfg").read_text())
    sess = Session(r, "admin")
    conf(sess, "router bgp 64561")
    assert "router bgp 64561\n bgp log-neighbor-changes\n" in r.config_text()


def test_secrets_are_stored_encrypted_and_change_when_retyped(s):
    conf(s, "crypto ikev2 keyring VC-KR", "peer DCA", "address 198.51.100.10", "pre-shared-key s3cret-psk",
         "router bgp 64551", "neighbor 100.64.0.2 remote-as 64552", "neighbor 100.64.0.2 password bgp-pw")
    first = cfg(s)
    assert "s3cret-psk" not in first and "bgp-pw" not in first
    psk_rx = r"^crypto ikev2 keyring VC-KR\n peer DCA\n  address 198.51.100.10\n  pre-shared-key 6 (\S+)$"
    psk1 = re.search(psk_rx, first, re.M).group(1)
    pw7 = re.search(r"^ neighbor 100.64.0.2 password 7 (\S+)$", first, re.M).group(1)
    assert type7_decrypt(pw7) == "bgp-pw"
    conf(s, "crypto ikev2 keyring VC-KR", "peer DCA", "pre-shared-key s3cret-psk")
    psk2 = re.search(psk_rx, cfg(s), re.M).group(1)
    assert psk1 != psk2


def test_sub_mode_commands_fall_back_to_parent_modes(s):
    typed = ("configure terminal", "router bgp 64551", "address-family ipv4", "neighbor 10.255.10.2 timers 10 30",
             "interface Tunnel55")
    outs = [s.handle_line(x) for x in typed]
    assert outs[2].endswith("cpe1(config-router-af)#")
    assert outs[3].endswith("cpe1(config-router)#")  # timers is a router-level command
    assert outs[4].endswith("cpe1(config-if)#")
    s.handle_line("end")
    assert " neighbor 10.255.10.2 timers 10 30\n" in cfg(s)


def test_ios_errors(s):
    s.handle_line("configure terminal")
    out = s.handle_line("router bgp 64551")
    out = s.handle_line("neighbr 1.1.1.1 remote-as 5")
    assert "^\n% Invalid input detected at '^' marker." in out
    caret = out.splitlines()[0]
    assert caret.index("^") == len("cpe1(config-router)#")
    assert "% Specify remote-as or peer-group commands first" in s.handle_line("neighbor 1.1.1.1 local-as 7")
    s.handle_line("neighbor 1.1.1.1 remote-as 65001")
    assert "Cannot have local-as same as BGP AS number" in s.handle_line("neighbor 1.1.1.1 local-as 64551")
    assert "BGP is already running; AS is 64551" in s.handle_line("router bgp 65000")
    s.handle_line("interface Tunnel9")
    assert "overlaps with GigabitEthernet2" in s.handle_line("ip address 10.20.0.9 255.255.255.0")
    assert "Bad mask" in s.handle_line("ip address 10.21.0.9 255.0.255.0")
    s.handle_line("end")
    assert "1.1.1.1 local-as" not in cfg(s)


def test_no_commands_remove_what_they_name(s):
    conf(s, "router bgp 64551", "neighbor 100.64.0.2 remote-as 64552", "neighbor 100.64.0.2 timers 10 30",
         "address-family ipv4", "neighbor 100.64.0.2 prefix-list VC-IN in", "ip prefix-list VC-IN permit 10.0.0.0/8",
         "ip prefix-list VC-IN permit 10.1.0.0/16", "crypto map VC-CMAP 10 ipsec-isakmp", "set peer 1.2.3.4")
    conf(s, "router bgp 64551", "no neighbor 100.64.0.2", "no ip prefix-list VC-IN seq 5", "no crypto map VC-CMAP 10")
    c = cfg(s)
    assert "100.64.0.2" not in c and "VC-CMAP" not in c
    assert "ip prefix-list VC-IN seq 10 permit 10.1.0.0/16" in c and "seq 5 permit 10.0.0.0/8" not in c


def test_privilege_and_enable(s):
    op = Session(s.r, "op")
    assert op.prompt() == "cpe1>"
    assert "Current privilege level is 1" in op.handle_line("show privilege")
    assert "% Invalid input" in op.handle_line("configure terminal")
    assert "% Invalid input" in op.handle_line("show running-config")
    assert op.handle_line("enable").endswith("Password: ")
    assert op.handle_line("nope").endswith("Password: ")
    assert op.handle_line("en-secret").endswith("cpe1#")
    assert "Current privilege level is 15" in op.handle_line("show privilege")
    assert not any("en-secret" in e["line"] for e in s.r.log)


def test_pipes_and_sections(s):
    out = s.handle_line("show running-config | section crypto map")
    assert out.startswith("crypto map CUST-CMAP 10 ipsec-isakmp \n set peer 172.31.255.2")
    assert "interface GigabitEthernet3" in out  # a child line matches: the whole section
    out = s.handle_line("show running-config | include ^ip prefix-list")
    assert out.splitlines()[0] == "ip prefix-list CUST-TO-BRANCH seq 5 permit 10.20.0.0/16"
    assert s.handle_line("sh run | sec include ^router").startswith("router bgp 64551\n bgp router-id")
    assert "all " in s.handle_line("show running-config ?")


def test_backup_to_flash_and_configure_replace(s):
    assert s.handle_line("copy running-config flash:before.cfg").endswith("Destination filename [before.cfg]? ")
    assert "bytes copied" in s.handle_line("")
    conf(s, "interface Tunnel77", "ip address 10.77.0.1 255.255.255.252", "no router bgp 64551")
    assert "Tunnel77" in cfg(s) and "router bgp" not in cfg(s)
    out = s.handle_line("configure replace flash:before.cfg")
    assert out.endswith("? [no]: ")
    assert "Rollback Done" in s.handle_line("y")
    c = cfg(s)
    assert "Tunnel77" not in c and "router bgp 64551" in c
    assert "pre-shared-key 6" in c  # the type 6 PSK of the backup is still known to the router
    assert "%Error opening flash:nope.cfg" in s.handle_line("configure replace flash:nope.cfg force")


def test_show_formats_follow_the_fixtures(s):
    ikev2 = s.handle_line("show crypto ikev2 sa")
    fixture = (FIXTURES / "show_crypto_ikev2_sa.txt").read_text().splitlines()
    assert ikev2.splitlines()[:3] == fixture[:3]
    assert re.search(r"^1\s+172\.31\.255\.1/500\s+172\.31\.255\.2/500\s+none/none\s+READY\s*$", ikev2, re.M)
    bgp = s.handle_line("show ip bgp summary")
    fx = (FIXTURES / "show_ip_bgp_summary.txt").read_text().splitlines()
    header = next(x for x in fx if x.startswith("Neighbor"))
    assert header in bgp.splitlines()
    brief = s.handle_line("show ip interface brief").splitlines()
    assert brief[0] == (FIXTURES / "show_ip_interface_brief.txt").read_text().splitlines()[0]


def test_state_follows_config_and_faults(s, tmp_path):
    # without VC config: no VC SA, no VC neighbour
    assert "198.51.100.2" not in s.handle_line("show crypto ikev2 sa")
    # the foreign session is shown and unaffected by faults
    (tmp_path / "faults.json").write_text(json.dumps({"tunnels": {"A": {"cisco_down": True}}}))
    assert "172.31.255.2/500" in s.handle_line("show crypto ikev2 sa")
    advertised = s.handle_line("show ip bgp neighbors 10.255.10.2 advertised-routes")
    assert "Total number of prefixes 0" in advertised  # foreign peer not up: no foreign spec given


def test_prefix_printing_is_classful_in_bgp_tables():
    from iosxe_double.show import bgp_net

    assert bgp_net("0.0.0.0/0") == "0.0.0.0"
    assert bgp_net("10.0.0.0/8") == "10.0.0.0"
    assert bgp_net("203.0.113.0/24") == "203.0.113.0"
    assert bgp_net("203.0.113.128/25") == "203.0.113.128/25"
    assert bgp_net("10.20.0.0/16") == "10.20.0.0/16"
