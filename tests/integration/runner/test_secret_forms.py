"""The leak detector of the runner tests finds a secret in each form it claims to, and nothing else."""
from __future__ import annotations

import base64
import json

import pytest

from .awx_job import leaks, render_injectors, secret_forms, type7_encrypt

SECRET = "lab-psk-dc-a-0123456789"


@pytest.mark.parametrize("prefix", [b"", b"a", b"ab", b"abc"])
@pytest.mark.parametrize("suffix", [b"", b"x", b"yz"])
def test_base64_found_at_every_alignment(prefix, suffix):
    blob = base64.b64encode(prefix + SECRET.encode() + suffix).decode()
    assert leaks(json.dumps({"stdout": "data " + blob}), [SECRET]) == ["secret #0 in base64 form"]


@pytest.mark.parametrize("seed", range(16))
def test_type7_found_with_every_seed_in_either_case(seed):
    line = " neighbor 100.64.0.2 password 7 %s" % type7_encrypt(SECRET, seed)
    assert leaks(line, [SECRET]) == ["secret #0 in type 7 form"]
    assert leaks(line.lower(), [SECRET]) == ["secret #0 in type 7 form"]


def test_clear_found_and_report_does_not_quote_the_secret():
    found = leaks("psk is %s." % SECRET, ["other-secret-value", SECRET])
    assert found == ["secret #1 in clear form"] and SECRET not in " ".join(found)


def test_unrelated_text_is_clean():
    assert leaks("pre-shared-key 6 ABCDEFGHIJabcdefghij[]AAB lab-psk-dc-a-********", [SECRET]) == []
    assert len(secret_forms(SECRET)) == 1 + 3 + 16


def test_injectors_render_keys_and_values_like_awx():
    ctype = {"injectors": {"extra_vars": {"vault_vc_psk_lab_a": "{{ psk_dc_a }}", "vault_vc_bgp_lab_a": "{{ bgp }}"}}}
    got = render_injectors(ctype, {"psk_dc_a": "p1", "bgp": ""})
    assert got == {"vault_vc_psk_lab_a": "p1", "vault_vc_bgp_lab_a": ""}
