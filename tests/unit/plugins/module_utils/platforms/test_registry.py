"""The platform registry: the one place naming platforms, what each platform package provides, and how the
shared layers reach a platform (plan-phase rules, vocabulary, fix wording) without naming one."""
from __future__ import annotations

import importlib
import re
from pathlib import Path

import pytest
import yaml

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.crypto import SUITES
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms import registry
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms import (
    UnknownPlatform, get_platform, known_network_os, platform_of, platforms,
)

REPO = Path(__file__).resolve().parents[5]
PLUGINS = REPO / "plugins"
MU = "ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms"


def lab_regions():
    return yaml.safe_load((REPO / "inventories" / "lab" / "group_vars" / "all" / "vc.yml").read_text())["vc_regions"]


@pytest.mark.parametrize("network_os,name", [("cisco.ios.ios", "ios"), ("cisco.ios", "ios"), ("ios", "ios"),
                                             ("IOS", "ios"), (" linux ", "linux")])
def test_every_network_os_value_names_its_package(network_os, name):
    platform = get_platform(network_os)
    assert platform.name == name == platform_of(network_os)
    assert platform.package == "%s.%s" % (MU, name)
    assert network_os.strip().lower() in platform.network_os


@pytest.mark.parametrize("network_os,said", [(None, "is not set"), ("", "is not set"), ("junos", "'junos'"),
                                             ("cisco.iosxr.iosxr", "not supported")])
def test_an_unset_or_unknown_platform_is_an_error_listing_the_known_values(network_os, said):
    with pytest.raises(UnknownPlatform) as exc:
        get_platform(network_os, "cpe9")
    assert said in str(exc.value) and "cpe9" in str(exc.value)
    assert ", ".join(known_network_os()) in str(exc.value)


def test_each_platform_provides_what_its_descriptor_names():
    for platform in platforms():
        for part in platform.parts:
            assert callable(platform.part(part)), (platform.name, part)
        assert platform.apply_module.startswith("webex_di.virtual_connect.")
        module = PLUGINS / "modules" / ("%s.py" % platform.apply_module.rsplit(".", 1)[1])
        assert module.exists(), module
        for role in ("apply", "verify", "rollback"):
            assert (REPO / "roles" / role / "tasks" / ("%s.yml" % platform.name)).exists(), (role, platform.name)
        for code, (severity, rule) in platform.findings.items():
            assert code.startswith(platform.name + ".") and severity in ("error", "warning") and rule


def test_platform_rules_are_in_the_findings_reference():
    text = (REPO / "docs" / "findings.md").read_text()
    for code, (severity, rule) in registry.finding_rules().items():
        assert "| `%s` | %s | %s |" % (code, severity, rule) in text, code


def test_vocabulary_spellings_fold_to_the_plan_tokens():
    tokens = set()
    for spec in SUITES.values():
        for part in ("ike", "esp"):
            tokens.update(v for k, v in spec[part].items() if k in ("encryption", "integrity", "prf") and v)
    for platform in platforms():
        vocabulary = platform.vocabulary
        for spelling, token in vocabulary.ALGORITHMS.items():
            assert spelling == re.sub(r"\s+", "", spelling.lower()), spelling
            assert registry.fold_algorithm(spelling) == token
        assert all(isinstance(n, int) for n in vocabulary.DH_GROUPS.values())
    assert {"aes-gcm-256", "sha384"} <= tokens
    assert registry.fold_algorithm("aes256gcm16") == registry.fold_algorithm("esp-gcm256") == "aes-gcm-256"
    assert registry.fold_dh_group("ecp384") == 20 and registry.fold_dh_group("group77") is None


def test_wording_of_a_known_platform_and_of_an_unknown_one():
    ios, linux = get_platform("cisco.ios.ios"), get_platform("linux")
    assert "ikev2-profile" in registry.wording(ios, "ikev2_only")
    assert "version = 2" in registry.wording(linux, "ikev2_only")
    both = registry.wording(None, "ikev2_only")
    assert both.startswith("%s: " % ios.title) and ("%s: " % linux.title) in both


def test_the_plan_phase_refuses_an_unknown_platform_and_runs_each_platform_rules():
    regions = lab_regions()
    r = build_plan(regions, cpes={"cpe1": {"platform": "junos", "wan_interface": "g1"}})
    assert [(f["code"], f["path"]) for f in r.errors] == [("platform.unknown", "cpes.cpe1.platform")]
    r = build_plan(regions, cpes={"cpe1": {"platform": "", "wan_interface": "g1"}})
    assert "is not set" in r.errors[0]["message"]
    r = build_plan(regions, cpes={"cpe1": {"platform": "cisco.ios.ios", "wan_interface": "g1", "crypto_map_name": "A B"}})
    assert [f["code"] for f in r.errors] == ["ios.crypto_map_name"]
    r = build_plan(regions, cpes={"cpe1": {"platform": "linux", "wan_interface": "g1", "crypto_map_name": "A"}})
    assert [f["code"] for f in r.errors] == ["input.unknown"]     # an IOS-XE setting means nothing on Linux
    regions[0]["tunnels"][1]["bgp_password"] = "two words"
    r = build_plan(regions, cpes={"cpe1": {"platform": "linux", "wan_interface": "g1"}})
    assert [(f["code"], f["path"]) for f in r.errors] == [("linux.bgp_password", "regions[0].tunnels[1].bgp_password")]
    assert "two words" not in repr(r.findings)
    assert build_plan(regions, cpes={"cpe1": {"platform": "cisco.ios.ios", "wan_interface": "g1"}}).ok   # IOS takes it


def test_ios_tunnel_number_must_be_a_crypto_map_sequence():
    regions = lab_regions()
    regions[0]["tunnels"][0]["cpe"]["tunnel_number"] = 70000
    r = build_plan(regions, cpes={"cpe1": {"platform": "cisco.ios.ios", "wan_interface": "g1"}})
    assert [(f["code"], f["path"]) for f in r.errors] == [("ios.tunnel_number", "regions[0].tunnels[0].cpe.tunnel_number")]
    assert build_plan(regions, cpes={"cpe1": {"platform": "linux", "wan_interface": "g1"}}).ok


def test_shared_layers_name_no_platform():
    """plan/ and verify/ reach platforms through the registry only; the words left are about the Cisco side
    (the Dedicated Instance is Cisco's, whatever the CPE) and the one IOS-XE CLI rule every PSK meets there."""
    allowed = re.compile(r"cisco|IOSXE-NOTES|IOS-XE's CLI|by IOS-XE\"", re.I)
    found = []
    for layer in ("plan", "verify"):
        for path in sorted((PLUGINS / "module_utils" / layer).glob("*.py")):
            for n, line in enumerate(path.read_text().splitlines(), 1):
                if re.search(r"ios|cisco|linux|strongswan|swanctl|frr|vtysh", line, re.I) and not allowed.search(line):
                    found.append("%s:%d: %s" % (path.relative_to(REPO), n, line.strip()))
    assert found == []
    for layer in ("plan", "verify"):
        for path in (PLUGINS / "module_utils" / layer).glob("*.py"):
            assert ".platforms." not in path.read_text().replace(".platforms.registry", ""), path


def test_the_plan_core_imports_no_platform_package_eagerly():
    core = importlib.import_module("ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.planner")
    assert "platforms" not in " ".join(n for n in vars(core) if not n.startswith("__"))
