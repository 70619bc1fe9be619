"""Property tests (hypothesis) of the address and MTU math the plan rests on."""

from __future__ import annotations

import ipaddress

from hypothesis import given, settings, strategies as st

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import addressing as A
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.crypto import SUITES
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.mtu import max_inner_mtu, max_esp_payload

u32 = st.integers(min_value=0, max_value=2**32 - 1)


@given(u32)
def test_ip_text_round_trip_matches_stdlib(value):
    text = A.int_to_ip(value)
    assert text == str(ipaddress.IPv4Address(value))
    assert A.ip_to_int(text) == value


@given(u32, st.integers(min_value=0, max_value=32))
def test_prefix_parsing_matches_stdlib(value, plen):
    text = "%s/%d" % (A.int_to_ip(value), plen)
    strict_ok = value & A.mask_of(plen) == value
    try:
        net = A.parse_prefix(text)
    except A.AddressError as exc:
        assert not strict_ok and exc.code == "prefix.host_bits"
        assert str(ipaddress.IPv4Network(text, strict=False)) in exc.message  # the suggested fix is right
    else:
        assert strict_ok and A.cidr(net) == str(ipaddress.IPv4Network(text))


@given(st.integers(min_value=0, max_value=2**24 - 1))
def test_split_of_any_24(block):
    net = (block << 8, 24)
    low, high = A.split_half(net)
    std = list(ipaddress.IPv4Network(A.cidr(net)).subnets(new_prefix=25))
    assert [A.cidr(low), A.cidr(high)] == [str(s) for s in std]
    assert not A.overlaps(low, high) and A.net_contains(net, low) and A.net_contains(net, high)


@given(st.integers(min_value=0, max_value=2**30 - 1), st.sampled_from([30, 31]), st.data())
def test_valid_tunnel_pairs_are_accepted(block, plen, data):
    net = block << (32 - plen) & A.ALL_ONES if plen == 30 else (block << 1) & A.ALL_ONES
    hosts = (
        list(ipaddress.IPv4Network("%s/%d" % (A.int_to_ip(net), plen)).hosts())
        if plen == 30
        else list(ipaddress.IPv4Network("%s/31" % A.int_to_ip(net)))
    )
    cpe, di = data.draw(st.permutations(hosts))[:2]
    out = A.tunnel_addressing("%s/%d" % (cpe, plen), str(di))
    assert out["network"] == "%s/%d" % (A.int_to_ip(net), plen)
    assert out["netmask"] == str(ipaddress.IPv4Network(out["network"]).netmask)
    assert out["shared_space"] == ipaddress.IPv4Network(out["network"]).subnet_of(ipaddress.IPv4Network("100.64.0.0/10"))


@given(st.lists(st.tuples(u32, st.integers(min_value=8, max_value=32)), max_size=25))
@settings(max_examples=200)
def test_overlap_sweep_equals_brute_force(items):
    nets = [((v & A.mask_of(p)), p) for v, p in items]
    tagged = [(n, i) for i, n in enumerate(nets)]
    got = {frozenset(p) for p in A.find_overlaps(tagged)}
    want = {
        frozenset((i, j))
        for i in range(len(nets))
        for j in range(i + 1, len(nets))
        if ipaddress.IPv4Network(A.cidr(nets[i])).overlaps(ipaddress.IPv4Network(A.cidr(nets[j])))
    }
    assert got == want


@given(st.integers(min_value=1280, max_value=9216), st.sampled_from(sorted(SUITES)), st.booleans())
def test_mtu_model_invariants(wan, suite, nat_t):
    esp = SUITES[suite]["esp"]
    inner = max_inner_mtu(wan, esp["encryption"], esp["integrity"], nat_t)
    payload = max_esp_payload(wan, esp["encryption"], esp["integrity"], nat_t)
    assert inner == payload - 24  # GRE's IP header + GRE header
    block = 4 if "gcm" in esp["encryption"] else 16
    assert (payload + 2) % block == 0
    # one more byte of payload would not fit in the WAN MTU any more
    iv, icv = (8, 16) if block == 4 else (16, {"sha1": 12, "sha256": 16, "sha384": 24, "sha512": 32}[esp["integrity"]])

    def wire(p):
        padded = p + 2 + (-(p + 2)) % block
        return 20 + (8 if nat_t else 0) + 8 + iv + padded + icv

    assert wire(payload) <= wan < wire(payload + block)
    assert max_inner_mtu(wan + 16, esp["encryption"], esp["integrity"], nat_t) >= inner


@given(st.lists(st.tuples(u32, st.integers(min_value=0, max_value=32)), max_size=20))
def test_sort_prefixes_is_numeric_and_unique(items):
    texts = ["%s/%d" % (A.int_to_ip(v & A.mask_of(p)), p) for v, p in items]
    out = A.sort_prefixes(texts)
    assert len(out) == len(set(texts))
    keys = [(int(ipaddress.IPv4Network(t).network_address), ipaddress.IPv4Network(t).prefixlen) for t in out]
    assert keys == sorted(keys)
