from __future__ import annotations

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.addressing import canonical_prefix
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.util import (
    clean_lines,
    mask_to_len,
    parse_uptime,
    sorted_prefixes,
)


@pytest.mark.parametrize("printed,expected", [
    ("0.0.0.0", "0.0.0.0/0"),
    ("10.0.0.0", "10.0.0.0/8"),          # class A
    ("127.0.0.0", "127.0.0.0/8"),
    ("162.135.0.0", "162.135.0.0/16"),    # class B, seen in the advertised-routes fixture
    ("172.16.0.0", "172.16.0.0/16"),
    ("192.168.50.0", "192.168.50.0/24"),  # class C
    ("203.0.113.0", "203.0.113.0/24"),    # the DI /24 itself prints bare
    ("198.18.10.0", "198.18.10.0/24"),
    ("203.0.113.0/25", "203.0.113.0/25"),
    ("203.0.113.5/24", "203.0.113.0/24"),  # host bits cleared
    ("0.0.0.0/0", "0.0.0.0/0"),
])
def test_canonical_prefix_classful_rule(printed, expected):
    assert canonical_prefix(printed) == expected


def test_canonical_prefix_default_len_and_garbage():
    assert canonical_prefix("1.1.1.1", default_len=32) == "1.1.1.1/32"
    assert canonical_prefix("192.168.10.168", default_len=29) == "192.168.10.168/29"
    assert canonical_prefix("300.1.1.1") is None
    assert canonical_prefix("10.0.0.0/33") is None
    assert canonical_prefix("Network") is None
    assert canonical_prefix("") is None


@pytest.mark.parametrize("text,seconds", [
    ("00:03:41", 221), ("11:12:24", 40344), ("1d18h", 86400 + 18 * 3600), ("3w0d", 21 * 86400),
    ("7w0d", 49 * 86400), ("1y10w", 365 * 86400 + 70 * 86400), ("never", None), ("", None),
])
def test_parse_uptime(text, seconds):
    assert parse_uptime(text) == seconds


def test_mask_and_sort():
    assert mask_to_len("255.255.255.252") == 30
    assert mask_to_len("0.0.0.0") == 0
    assert mask_to_len("255.0.255.0") is None
    assert sorted_prefixes(["9.0.0.0/8", "10.0.0.0/8", "9.0.0.0/8", "0.0.0.0/0", "9.0.0.0/16"]) == [
        "0.0.0.0/0", "9.0.0.0/8", "9.0.0.0/16", "10.0.0.0/8"]


def test_clean_lines_drops_prompts_and_crlf():
    lines = clean_lines("cpe1#show ip bgp summary\r\nBGP router identifier 1.1.1.1\r\n\tx\r\ncpe1#")
    assert lines == ["BGP router identifier 1.1.1.1", "        x"]
