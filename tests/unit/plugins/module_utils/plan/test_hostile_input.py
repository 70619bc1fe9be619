"""A hostile-input corpus through the plan phase (and the IOS-XE apply's own re-check): every value that
could reach a device line is refused with the field named, no traceback, no secret in any message, and
nothing reaches a device or a render."""
from __future__ import annotations

import json

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan, grammar
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import validate as ios_validate
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import validate as linux_validate
from ansible_collections.webex_di.virtual_connect.plugins.modules import vc_ios_config as M

from .helpers import region, regions

IOS = {"platform": "cisco.ios.ios", "wan_interface": "GigabitEthernet1", "wan_next_hop": "192.0.2.1"}
LINUX = {"platform": "linux", "wan_interface": "eth0"}

# shapes that break a line: injection, control characters, look-alikes, quoting/comment characters, length
INJECTIONS = [
    "x\n no router bgp 64551",
    "x\r\nusername evil privilege 15 secret 0 evil",
    "x\rend",
    "x\x00y",
    "x\ty",
    "x\x1b[2J",
    "x\x7f",
    "x\u2028y",                  # unicode line separator
    "x\u200by",                  # zero-width space
    "x\u202ey",                  # bidi override
    "\u0455ecret",               # Cyrillic look-alike 's'
    "GigabitEthernet1\n",        # a trailing newline alone
]


def _plan(cpe, mutate=None, label="us-east"):
    regs = regions(region(label))
    if mutate:
        mutate(regs[0])
    return build_plan(regs, cpes={"cpe1": dict(cpe)}, inventory_hosts=["cpe1"])


def _errors_at(result, path):
    return [f for f in result.findings if f["severity"] == "error" and f["path"] == path]


def _assert_refused(result, path, codes=None):
    hits = _errors_at(result, path)
    assert hits, "no error at %s: %s" % (path, [(f["code"], f["path"]) for f in result.errors])
    if codes:
        assert set(f["code"] for f in hits) & set(codes), hits
    assert not result.ok


@pytest.mark.parametrize("value", INJECTIONS + ["GigabitEthernet1 ; rm -rf /", "Gi1 shutdown", "Gi1!", "Gi1{x}", "x" * 80])
def test_ios_wan_interface(value):
    _assert_refused(_plan(dict(IOS, wan_interface=value)), "cpes.cpe1.wan_interface", ("cpe.setting", "ios.wan_interface"))


@pytest.mark.parametrize("value", ["GigabitEthernet1", "GigabitEthernet0/0/1.100", "Dialer1", "Port-channel1",
                                   "TenGigabitEthernet1/0/1", "Cellular0/2/0"])
def test_ios_wan_interface_real_names_pass(value):
    assert not _errors_at(_plan(dict(IOS, wan_interface=value)), "cpes.cpe1.wan_interface")


@pytest.mark.parametrize("value", INJECTIONS + ["192.0.2.1\nusername x privilege 15 secret y", "192.0.2.1 255.255.255.0",
                                                "192.0.2.300", "host", "192.0.2.1;", " 192.0.2.1"])
def test_ios_wan_next_hop(value):
    _assert_refused(_plan(dict(IOS, wan_next_hop=value)), "cpes.cpe1.wan_next_hop", ("cpe.setting", "ios.wan_next_hop"))


@pytest.mark.parametrize("value", INJECTIONS + ["VC-CMAP\n", "MAP ONE", "MAP!", "-MAP", "M" * 65, "MAP?"])
def test_ios_crypto_map_name(value):
    _assert_refused(_plan(dict(IOS, crypto_map_name=value)), "cpes.cpe1.crypto_map_name",
                    ("cpe.setting", "ios.crypto_map_name"))


@pytest.mark.parametrize("value", INJECTIONS + ["eth0 down", "eth/0", ".", "..", "a" * 16, "eth0;reboot"])
def test_linux_wan_interface(value):
    _assert_refused(_plan(dict(LINUX, wan_interface=value)), "cpes.cpe1.wan_interface",
                    ("cpe.setting", "linux.wan_interface"))


@pytest.mark.parametrize("value", ["192.0.2.1\n", "192.0.2.1\n bgp router-id 10.0.0.1", "1.2.3", "1.2.3.4 "])
def test_router_id(value):
    _assert_refused(_plan(dict(IOS, router_id=value)), "cpes.cpe1.router_id", ("bgp.router_id", "cpe.setting"))


@pytest.mark.parametrize("label", ["us-east\n no router bgp 1", "us-east\r", "us-east;rm", "us\u2010east", "u\u0455-east",
                                   "us-east\x00", "a" * 33, "us east", "-us", "us{east}", "us-east!"])
def test_region_label(label):
    _assert_refused(_plan(IOS, label=label), "regions[0].region", ("region.label",))


def test_labels_naming_the_same_objects_on_one_cpe_collide():
    for other in ("US-EAST", "us_east", "us.east", "US--East"):
        result = build_plan(regions(region("us-east"), region(other, octet=114, tun=1)), cpes={"cpe1": IOS},
                            inventory_hosts=["cpe1"])
        hits = _errors_at(result, "regions[1].region")
        assert [f["code"] for f in hits] == ["region.name_collision"], (other, result.errors)
        assert "us-east" in hits[0]["message"] and other in hits[0]["message"]


def test_labels_that_normalise_alike_on_different_cpes_do_not_collide():
    second = region("US_EAST", octet=114, tun=1)
    for t in second["tunnels"]:
        t["cpe"]["host"] = "cpe2"
        t["cpe"]["ipsec_ip"] = t["cpe"]["gre_ip"] = "192.0.2.30"
    result = build_plan(regions(region("us-east"), second), cpes={"cpe1": IOS, "cpe2": IOS}, inventory_hosts=["cpe1", "cpe2"])
    assert "region.name_collision" not in [f["code"] for f in result.findings]


# ---- secrets: refused with the field named, the value never in any message ------------------------------
PSK_BAD_EVERYWHERE = [
    "abcdefghijklmnop\n no router bgp 64551", "abcdefghij\rklmnopqr", "abcdefgh\x00ijklmnop", "abcdefghijklmnop\t",
    " abcdefghijklmnopq", "abcdefghijklmnopq ", "p\u0455k-abcdefghijklmnop", "x" * 129,
]
PSK_BAD_ON_IOS = [
    "0 abcdefghijklmnop", "6 abcdefghijklmnopqrstuvwxyz", "7 0822455D0A16544541", "local abcdefghijklmnop",
    "remote abcdefghijklmnop", "Remote abcdefghijklmnop", "abcdefgh?ijklmnop", "12 abcdefghijklmnop",
]
BGP_BAD_ON_IOS = ["7 abcdefghij", "0 abcdefghij", "1abcdefghij", "abc?def", "a" * 81]
BGP_BAD_ON_LINUX = ["abc def", "abc\u00a0def", "a" * 81, "abc\tdef"]


def _with_secret(field, value, which=0):
    def mutate(reg):
        reg["tunnels"][which][field] = value
    return mutate


def _no_secret_printed(result, value):
    text = json.dumps(result.findings) + json.dumps(result.plan)
    assert value not in text
    assert json.dumps(value)[1:-1] not in text


@pytest.mark.parametrize("platform", [IOS, LINUX])
@pytest.mark.parametrize("value", PSK_BAD_EVERYWHERE)
def test_psk_refused_on_every_platform(platform, value):
    result = _plan(platform, _with_secret("psk", value))
    _assert_refused(result, "regions[0].tunnels[0].psk", ("secret.format",))
    _no_secret_printed(result, value)


@pytest.mark.parametrize("value", PSK_BAD_ON_IOS)
def test_psk_the_ios_parser_would_read_differently(value):
    result = _plan(IOS, _with_secret("psk", value))
    _assert_refused(result, "regions[0].tunnels[0].psk", ("ios.psk",))
    _no_secret_printed(result, value)


@pytest.mark.parametrize("value", ["0 abcdefghijklmnop", "local abcdefghijklmnop", '"quoted" {braces} # ; $(x) `y`'])
def test_psk_shapes_linux_can_carry(value):
    """swanctl gets the key base64-encoded (0s...): quotes, braces, '#' and blanks cannot break vc-secrets.conf."""
    result = _plan(LINUX, _with_secret("psk", value))
    assert not _errors_at(result, "regions[0].tunnels[0].psk")


@pytest.mark.parametrize("value", BGP_BAD_ON_IOS)
def test_bgp_password_on_ios(value):
    result = _plan(IOS, _with_secret("bgp_password", value))
    _assert_refused(result, "regions[0].tunnels[0].bgp_password", ("ios.bgp_password",))
    _no_secret_printed(result, value)


@pytest.mark.parametrize("value", BGP_BAD_ON_LINUX)
def test_bgp_password_on_linux(value):
    result = _plan(LINUX, _with_secret("bgp_password", value))
    _assert_refused(result, "regions[0].tunnels[0].bgp_password", ("linux.bgp_password", "secret.format"))
    _no_secret_printed(result, value)


@pytest.mark.parametrize("value", ["pw\n no router bgp 64551", "pw\r\n", "p\u0430ssword"])
def test_bgp_password_injection_everywhere(value):
    for platform in (IOS, LINUX):
        result = _plan(platform, _with_secret("bgp_password", value))
        _assert_refused(result, "regions[0].tunnels[0].bgp_password", ("secret.format",))
        _no_secret_printed(result, value)


def test_good_secrets_pass_everywhere():
    good = {"psk": "Xk3#pL9!vQ2@mN7$wR5%", "bgp_password": "Bgp-Pass_w0rd!"}

    def mutate(reg):
        reg["tunnels"][0].update(good)
    for platform in (IOS, LINUX):
        result = _plan(platform, mutate)
        assert result.ok, result.errors


def test_every_rule_of_the_tables_has_words_and_a_check():
    for module in (ios_validate, linux_validate):
        for _field, (code, rule) in list(module.SETTING_RULES.items()) + list(module.SECRET_RULES.items()):
            assert code in module.FINDINGS
            assert rule in module.RULES and (rule in module.CHECKS or rule in grammar.CHECKS)
    assert grammar.check("text", "ok") is None and grammar.check("text", "a\nb")


# ---- the IOS-XE apply re-checks every value before it touches the device ----------------------------------
class _NoDevice(object):
    def __getattr__(self, name):
        raise AssertionError("the device was touched (%s) although an input rule fails" % name)


def _ios_params(**kw):
    result = _plan(IOS)
    p = {k: (v.get("default") if isinstance(v, dict) else None) for k, v in M.ARGUMENT_SPEC.items()}
    p.update(plan=result.plan, host="cpe1", wan_interface="GigabitEthernet1", wan_next_hop="192.0.2.1",
             secrets={"us-east-A": {"psk": "psk-dc-a-0123456789abcdef", "bgp_password": "bgp-a-secret"},
                      "us-east-B": {"psk": "psk-dc-b-0123456789abcdef", "bgp_password": None}})
    p.update(kw)
    return p


@pytest.mark.parametrize("key,value", [("wan_next_hop", "192.0.2.1\nusername evil privilege 15 secret 0 x"),
                                       ("wan_interface", "GigabitEthernet1\n no router bgp 64551"),
                                       ("crypto_map_name", "VC-CMAP\n")])
def test_ios_apply_refuses_a_hostile_setting_before_the_device(key, value):
    for state in ("merged", "restored"):
        params = _ios_params(**{key: value, "state": state, "backup_config": "!"})
        runner = M.run_merged if state == "merged" else M.run_restored
        out = runner(params, _NoDevice(), check_mode=False)
        assert out["failed"] and ("vc_%s" % key) in out["msg"], out
        assert "\n" not in out["msg"]


@pytest.mark.parametrize("psk", ["0 abcdefghijklmnop", "abcdefghijklmnop\n no router bgp 1", "local abcdefghijklmnop"])
def test_ios_apply_refuses_a_hostile_secret_before_the_device(psk):
    params = _ios_params()
    params["secrets"]["us-east-A"]["psk"] = psk
    out = M.run_merged(params, _NoDevice(), check_mode=True)
    assert out["failed"] and "us-east-A" in out["msg"] and "psk" in out["msg"]
    assert psk not in json.dumps(out)
    out = M.run_offline(dict(params, state="rendered"))
    assert out["failed"] and psk not in json.dumps(out)
