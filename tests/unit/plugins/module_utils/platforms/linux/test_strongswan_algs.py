"""strongSwan algorithm requirements per suite, read from real `swanctl --list-algs` outputs
(tests/fixtures/linux, see SOURCES.md): with and without libstrongswan-standard-plugins."""
from __future__ import annotations

from pathlib import Path

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.crypto import SUITES
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import strongswan_algs as S

FIX = Path(__file__).resolve().parents[5] / "fixtures" / "linux"


@pytest.fixture(scope="module")
def full():
    return S.parse_list_algs((FIX / "swanctl_list_algs.raw.txt").read_text())


@pytest.fixture(scope="module")
def bare():
    return S.parse_list_algs((FIX / "swanctl_list_algs.no_standard_plugins.raw.txt").read_text())


def test_raw_output_is_read_per_section(full):
    assert full["aead"]["AES_GCM_16"] == "openssl"
    assert "ECP_384" in full["dh"] and "MODP_2048" in full["dh"]
    assert full["prf"]["PRF_HMAC_SHA2_384"] == "openssl"


def test_plain_output_reads_like_raw():
    plain = "encryption:\n  AES_CBC[aes]\naead:\n  AES_GCM_16[gcm]\nke:\n  ECP_384[openssl]\n"
    assert S.parse_list_algs(plain) == {"encryption": {"AES_CBC": "aes"}, "aead": {"AES_GCM_16": "gcm"},
                                        "dh": {"ECP_384": "openssl"}}


@pytest.mark.parametrize("suite", sorted(SUITES))
def test_every_suite_is_offered_with_the_standard_plugins(full, suite):
    req = S.required_algorithms(SUITES[suite]["ike"], SUITES[suite]["esp"])
    assert req and S.missing_algorithms(full, req) == []


def test_without_standard_plugins_the_package_is_named(bare):
    gcm = SUITES["gcm256"]
    missing = S.missing_algorithms(bare, S.required_algorithms(gcm["ike"], gcm["esp"]))
    assert {m["name"] for m in missing} == {"AES_GCM_16", "ECP_384"}
    assert {m["package"] for m in missing} == {"libstrongswan-standard-plugins"}
    assert all("libstrongswan-standard-plugins" in m["message"] for m in missing)
    # a MODP/CBC suite still works there: gmp, aes and hmac are in libstrongswan itself
    cbc = dict(SUITES["cbc256-sha256"])
    assert S.missing_algorithms(bare, S.required_algorithms(cbc["ike"], cbc["esp"])) == []


def test_required_is_unique_and_rejects_unknown_tokens():
    gcm = SUITES["gcm256"]
    req = S.required_algorithms(gcm["ike"], gcm["esp"])
    assert [r["name"] for r in req] == ["AES_GCM_16", "ECP_384", "PRF_HMAC_SHA2_384"]
    with pytest.raises(ValueError, match="DH group 99"):
        S.required_algorithms(dict(gcm["ike"], dh_group=99), gcm["esp"])


def test_loaded_plugins_and_their_packages():
    stats = (FIX / "swanctl_stats.txt").read_text()
    loaded = S.parse_loaded_plugins(stats)
    assert "openssl" in loaded and "vici" in loaded
    missing = S.missing_plugins([p for p in loaded if p not in ("openssl", "curve25519")], ["openssl", "curve25519", "vici"])
    assert [(m["plugin"], m["package"]) for m in missing] == [
        ("openssl", "libstrongswan-standard-plugins"), ("curve25519", "libstrongswan-extra-plugins")]
