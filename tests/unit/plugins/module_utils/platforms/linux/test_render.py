"""Linux renderers: plan in -> exact files out (golden), the proposal mapping, names, and refusals."""
from __future__ import annotations

import os

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L

from .helpers import GOLDEN, SECRETS, fixture_json

REGEN = os.environ.get("VC_REGEN_GOLDEN") == "1"


def golden(name, text):
    path = GOLDEN / name
    if REGEN:
        path.write_text(text)
    assert text == path.read_text(), "rendered %s differs from tests/unit/plugins/module_utils/platforms/linux/golden/%s" % (name, name)


def test_golden_lab_cpe1(plan):
    tunnels = L.host_tunnels(plan, "cpe1")
    golden("cpe1.vc-connections.conf", L.render_swanctl_connections(tunnels))
    golden("cpe1.vc-secrets.conf", L.render_swanctl_secrets(tunnels, SECRETS))
    for f in L.render_networkd(tunnels):
        golden("cpe1." + f["path"], f["content"])
    golden("cpe1.vc-mss-clamp.nft", L.render_nft_mss(tunnels))
    golden("cpe1.frr.conf", L.render_frr(L.frr_intent(tunnels, plan["cpes"]["cpe1"])))


def test_golden_lab_dual_cpe2():
    plan = fixture_json("plan_lab_dual.json")
    tunnels = L.host_tunnels(plan, "cpe2")
    assert [t["key"] for t in tunnels] == ["lab-B"]
    golden("dual-cpe2.vc-connections.conf", L.render_swanctl_connections(tunnels))
    golden("dual-cpe2.frr.conf", L.render_frr(L.frr_intent(tunnels, plan["cpes"]["cpe2"])))


@pytest.mark.parametrize(
    "ike,esp,want_ike,want_esp",
    [
        ({"encryption": "aes-gcm-256", "integrity": None, "prf": "sha384", "dh_group": 20},
         {"encryption": "aes-gcm-256", "integrity": None, "pfs_group": 20}, "aes256gcm16-prfsha384-ecp384", "aes256gcm16-ecp384"),
        ({"encryption": "aes-gcm-128", "integrity": None, "prf": "sha256", "dh_group": 19},
         {"encryption": "aes-gcm-128", "integrity": None, "pfs_group": 19}, "aes128gcm16-prfsha256-ecp256", "aes128gcm16-ecp256"),
        ({"encryption": "aes-cbc-256", "integrity": "sha256", "prf": "sha256", "dh_group": 14},
         {"encryption": "aes-cbc-256", "integrity": "sha256", "pfs_group": 14}, "aes256-sha256-prfsha256-modp2048", "aes256-sha256-modp2048"),
        ({"encryption": "aes-cbc-256", "integrity": "sha512", "prf": "sha512", "dh_group": 21},
         {"encryption": "aes-cbc-256", "integrity": "sha512", "pfs_group": None}, "aes256-sha512-prfsha512-ecp521", "aes256-sha512"),
    ],
)
def test_proposal_mapping(ike, esp, want_ike, want_esp):
    assert L.ike_proposal(ike) == want_ike
    assert L.esp_proposal(esp) == want_esp


def test_unknown_algorithm_is_refused():
    with pytest.raises(L.RenderError, match="DH group 2"):
        L.ike_proposal({"encryption": "aes-gcm-256", "prf": "sha384", "dh_group": 2})
    with pytest.raises(L.RenderError, match="3des"):
        L.esp_proposal({"encryption": "3des", "pfs_group": 20})


def test_trap_actions_and_gre_only_selectors(plan):
    conf = L.render_swanctl_connections(L.host_tunnels(plan, "cpe1"))
    assert conf.count("start_action = trap") == conf.count("dpd_action = trap") == conf.count("close_action = trap") == 2
    assert "local_ts = 192.0.2.2/32[gre]" in conf and "remote_ts = 198.51.100.66/32[gre]" in conf
    assert "start_action = start" not in conf and "secret =" not in conf and "lab-psk" not in conf


def test_secrets_are_base64_and_survive_quotes():
    plan = fixture_json("plan_lab.json")
    text = L.render_swanctl_secrets(L.host_tunnels(plan, "cpe1"), {"lab-A": {"psk": 'a"b c\\'}, "lab-B": {"psk": "x"}})
    assert 'secret = 0sYSJiIGNc' in text and 'a"b' not in text
    with pytest.raises(L.RenderError, match="lab-B"):
        L.render_swanctl_secrets(L.host_tunnels(plan, "cpe1"), {"lab-A": {"psk": "x"}})


def test_link_names_and_the_15_character_limit(plan):
    t = L.host_tunnels(plan, "cpe1")[0]
    assert L.link_name(t) == "vcgre101"
    t["tunnel_number"] = 12345678901
    with pytest.raises(L.RenderError, match="15"):
        L.link_name(t)


def test_gre_links_carry_plan_values(plan):
    links = L.gre_links(L.host_tunnels(plan, "cpe1"))
    assert links[1] == {
        "name": "vcgre102", "local": "192.0.2.2", "remote": "198.51.100.66", "ttl": 255, "mtu": 1400, "pmtudisc": True,
        "address": "100.64.0.5/30", "peer": "100.64.0.6", "tunnel": "lab-B",
        "alias": "webex_di.virtual_connect:lab-B",
    }


def test_keepalive_warning_is_visible(plan):
    warnings = L.keepalive_warnings(L.host_tunnels(plan, "cpe1"))
    assert len(warnings) == 2 and all("no keepalives" in w for w in warnings)
    for t in plan["regions"][0]["tunnels"]:
        t["gre"]["keepalive"]["enabled"] = False
    assert L.keepalive_warnings(L.host_tunnels(plan, "cpe1")) == []


def test_nft_tag_follows_the_rules(plan):
    tunnels = L.host_tunnels(plan, "cpe1")
    tag = L.nft_tag(L.nft_mss_rules(tunnels))
    tunnels[0]["mtu"]["tcp_mss"] = 1300
    assert L.nft_tag(L.nft_mss_rules(tunnels)) != tag
    assert "maxseg size set 1300" in L.render_nft_mss(tunnels)


def test_mask_secrets():
    assert L.mask_secrets("neighbor 1.1.1.1 password abc\nx abc y", ["abc"]) == "neighbor 1.1.1.1 password ********\nx ******** y"


def test_intent_for_a_host_without_tunnels(plan):
    it = L.linux_intent(plan, "nobody")
    assert it["tunnels"] == [] and it["links"] == [] and it["keepalive_warnings"] == []
