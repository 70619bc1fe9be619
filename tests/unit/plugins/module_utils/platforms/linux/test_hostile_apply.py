"""The hostile-input corpus through the Linux apply engine (vc_linux_config) called directly, without the plan phase:
every value is refused with the field named, no secret in the message, and nothing is run on the CPE - not even a
read (docs/ownership.md section 4)."""
from __future__ import annotations

import copy

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.runner import ApplyError, LinuxConfig

from .helpers import SECRETS

CONTROL = ["x\ny", "x\rno router bgp 1", "x\x00", "x\x1b[2J", "x\ty", "x\x7f"]
UNICODE = ["lab\u2010psk-0123456789", "lab-psk\u200b-0123456789", "lab-psk-\u202e0123456789", "lab-\u0440sk-0123456789"]


class NoHost(object):
    def __call__(self, argv, data=None):
        raise AssertionError("the CPE was touched (%s) although an input rule fails" % " ".join(argv))


def params(plan, tmp_path, **kw):
    p = {"plan": plan, "host": "cpe1", "secrets": copy.deepcopy(SECRETS), "features": ["ipsec", "gre", "mtu", "bgp", "ha"],
         "tunnels": [], "swanctl_dir": str(tmp_path / "swanctl"), "swanctl": ["swanctl"], "swanctl_uri": None,
         "swanctl_conf": None, "networkd_dir": str(tmp_path / "net"), "gre_persist": True, "gre_prune": True, "adopt": [],
         "ip": "ip", "nft_file": str(tmp_path / "vc.nft"), "nft": "nft", "systemd": False, "vtysh": ["vtysh"],
         "frr_save": False, "frr_daemons_file": "", "frr_restart": ["true"], "frr_wait_s": 1}
    p.update(kw)
    return p


def refused(p, *fragments):
    with pytest.raises(ApplyError) as err:
        LinuxConfig(p, NoHost()).apply()
    msg = str(err.value)
    for f in fragments:
        assert f in msg, msg
    assert "\n" not in msg and "Traceback" not in msg
    return msg


@pytest.mark.parametrize("value", CONTROL + UNICODE + ["p" * 200, " lab-psk-0123456789"])
def test_a_hostile_psk_is_refused_by_field_and_never_printed(plan, tmp_path, value):
    secrets = copy.deepcopy(SECRETS)
    secrets["lab-B"]["psk"] = value
    msg = refused(params(plan, tmp_path, secrets=secrets), "lab-B", "psk")
    assert value not in msg


@pytest.mark.parametrize("value", CONTROL + UNICODE + ["two words", "w" * 81])
def test_a_bgp_password_frr_or_tcp_md5_cannot_carry_is_refused(plan, tmp_path, value):
    secrets = copy.deepcopy(SECRETS)
    secrets["lab-A"]["bgp_password"] = value
    msg = refused(params(plan, tmp_path, secrets=secrets), "lab-A", "bgp_password")
    assert value not in msg


@pytest.mark.parametrize("path, value", [
    (("gre", "source"), "192.0.2.2\nip link del eth0"),
    (("bgp", "neighbor"), "100.64.0.2\n no router bgp 64551"),
    (("ipsec", "remote_id"), "198.51.100.2 }\nconnections { evil {"),
    (("region",), "us-east\r"),
    (("name",), "LAB-A\u00a0"),
    (("cpe", "tunnel_cidr"), "100.64.0.1/30\x00"),
])
def test_a_plan_value_with_a_control_or_non_ascii_character_is_refused_before_any_read(plan, tmp_path, path, value):
    target = plan["regions"][0]["tunnels"][0]
    for k in path[:-1]:
        target = target[k]
    target[path[-1]] = value
    refused(params(plan, tmp_path), "plan.tunnels.lab-A.%s" % ".".join(path), "nothing was changed")
    assert not (tmp_path / "swanctl").exists() and not (tmp_path / "net").exists()


def test_a_hostile_cpe_setting_in_the_plan_is_refused(plan, tmp_path):
    plan["cpes"]["cpe1"]["bgp"]["router_id"] = "192.0.2.2\nexit\nno router bgp 64551"
    refused(params(plan, tmp_path), "plan.cpe.bgp.router_id", "line break")
