"""Normalized IOS-XE forms (IOSXE-NOTES.md) shared by the renderer, the engine and the test double."""
from __future__ import annotations

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import forms


@pytest.mark.parametrize("line,key,masked", [
    ("pre-shared-key 6 AbC[d]EF", "pre-shared-key", "pre-shared-key ********"),
    ("pre-shared-key 7 0822455D0A16", "pre-shared-key", "pre-shared-key ********"),
    ("pre-shared-key plain-text", "pre-shared-key", "pre-shared-key ********"),
    ("pre-shared-key local 0 x y", "pre-shared-key local", "pre-shared-key local ********"),
    ("  neighbor 100.64.0.2 password 7 08F8154", "neighbor 100.64.0.2 password", "  neighbor 100.64.0.2 password ********"),
    ("neighbor 100.64.0.2 password s3cr3t with spaces", "neighbor 100.64.0.2 password",
     "neighbor 100.64.0.2 password ********"),
])
def test_secrets_are_recognised_in_every_type_and_masked(line, key, masked):
    assert forms.secret_key(line) == key
    assert forms.mask(line) == masked
    assert forms.no_form(line) == "no " + key          # removal never repeats the value


def test_non_secret_lines_are_untouched():
    for line in ("neighbor 1.2.3.4 remote-as 65000", "keyring local VC-KEYRING", "password encryption aes"):
        assert forms.secret_key(line) is None
        assert forms.mask(line) == line


def test_printed_forms_follow_iosxe_notes():
    assert forms.printed_form("crypto ipsec transform-set VC-TS-GCM256 esp-gcm 256") == \
        "crypto ipsec transform-set VC-TS-GCM256 esp-gcm 256 "
    assert forms.printed_form("crypto map VC-CMAP 101 ipsec-isakmp") == "crypto map VC-CMAP 101 ipsec-isakmp "
    assert forms.printed_form("set transform-set VC-TS-GCM256", ("crypto map VC-CMAP 101 ipsec-isakmp",)) == \
        "set transform-set VC-TS-GCM256 "
    assert forms.printed_form("match identity remote address 198.51.100.2", ("crypto ikev2 profile VC-X",)) == \
        "match identity remote address 198.51.100.2 255.255.255.255"
    assert forms.printed_form("keepalive", ("interface Tunnel101",)) == "keepalive 10 3"
    assert forms.printed_form("address-family ipv4 unicast") == "address-family ipv4"
    assert forms.printed_form("permit gre host 1.1.1.1 host 2.2.2.2", ("ip access-list extended VC-GRE-X",),
                              acl_seq=10) == "10 permit gre host 1.1.1.1 host 2.2.2.2"
    assert forms.printed_form("pre-shared-key abc", ("crypto ikev2 keyring K", "peer P"), aes_encryption=True) \
        .startswith("pre-shared-key 6 ")
    assert forms.printed_form("neighbor 1.1.1.1 password abc", ("router bgp 1",), password_encryption=True) \
        .startswith("neighbor 1.1.1.1 password 7 ")


def test_compare_form_ignores_what_iosxe_adds():
    assert forms.compare_form("crypto map VC-CMAP 101 ipsec-isakmp ") == "crypto map VC-CMAP 101 ipsec-isakmp"
    assert forms.compare_form(" 20 permit gre host 1.1.1.1 host 2.2.2.2", "ip access-list extended VC-X") == \
        "permit gre host 1.1.1.1 host 2.2.2.2"


def test_single_valued_settings_and_removal_forms():
    assert forms.setting_key("neighbor 1.1.1.1 remote-as 65000") == "neighbor 1.1.1.1 remote-as"
    assert forms.setting_key("neighbor 1.1.1.1 prefix-list VC-IN-X in") == "neighbor 1.1.1.1 prefix-list in"
    assert forms.setting_key("set peer 1.1.1.1") is None               # a crypto map may list several peers
    assert forms.setting_key("encryption aes-gcm-256") is None          # a proposal may list several
    assert forms.no_form("neighbor 1.1.1.1 local-as 64561 no-prepend replace-as") == "no neighbor 1.1.1.1 local-as"
    assert forms.no_form("10 permit ip any any") == "no permit ip any any"
    assert forms.no_header("crypto ipsec transform-set VC-TS-GCM256 esp-gcm 256") == \
        "no crypto ipsec transform-set VC-TS-GCM256"
    assert forms.no_header("crypto map VC-CMAP 101 ipsec-isakmp") == "no crypto map VC-CMAP 101"


def test_names_derive_from_the_plan():
    ike = {"encryption": "aes-cbc-256", "integrity": "sha256", "prf": "sha256", "dh_group": 14}
    assert forms.proposal_name(ike) == "VC-PROP-CBC256-SHA256-PRFSHA256-G14"
    assert forms.transform_set_name({"encryption": "aes-cbc-256", "integrity": "sha256"}) == "VC-TS-CBC256-SHA256"
    assert forms.esp_transforms({"encryption": "aes-cbc-256", "integrity": "sha256"}) == "esp-aes 256 esp-sha256-hmac"
    assert forms.esp_transforms({"encryption": "aes-gcm-256", "integrity": None}) == "esp-gcm 256"
    assert forms.object_name("US-EAST-A") == "VC-US-EAST-A"
