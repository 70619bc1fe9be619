# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Compare the plan with the state of one CPE: named checks per tunnel, in the article's order.

Each check is a dict {check, layer, status, expected, actual, message} (plus `blocked_by`, and
`missing`/`extra` for prefix lists). status is pass, fail or skip. A check that would fail while an
earlier layer (or a check it needs in its own layer) already failed is reported as skip with
`blocked_by` naming that first failure: one fault, one failing check.
"""
from __future__ import annotations

import re
from typing import Any, Dict, Iterator, List, Optional, Tuple

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.common import (
    LAYERS, LAYER_TITLES, as_list, canon_prefix, canon_ts, iface_eq, ip_eq, norm_protocol, sibling_tunnel, tunnel_label,
)

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.ha_checks import (
    CHECKS as HA_CHECKS, SPLIT_CHECKS, SPLIT_ORDER, check_redistribution, check_split, host_roles, role_filter,
)

PASS = "pass"
FAIL = "fail"
SKIP = "skip"

DEFAULT_OPTIONS = {
    # the article: the IKEv2 SA must be up "more than a few seconds" and not flapping
    "min_ike_uptime_s": 10,
    # CHILD SA counters must show packets both ways
    "require_traffic": True,
}

# (name, layer, checks of the same layer it needs). Order = the troubleshooting order.
BASE_CHECKS = (
    ("ike_sa", "ike", ()),
    ("ike_sa_stable", "ike", ("ike_sa",)),
    ("ipsec_sa", "ipsec", ()),
    ("ipsec_selectors", "ipsec", ("ipsec_sa",)),
    ("ipsec_protocol", "ipsec", ("ipsec_sa",)),
    ("ipsec_mode", "ipsec", ("ipsec_sa",)),
    ("ipsec_traffic", "ipsec", ("ipsec_sa", "ipsec_selectors", "ipsec_protocol", "ipsec_mode")),
    ("gre_interface", "gre", ()),
    ("gre_endpoints", "gre", ("gre_interface",)),
    ("gre_address", "gre", ("gre_interface",)),
    ("gre_keepalive", "gre", ("gre_interface",)),
    ("gre_up", "gre", ("gre_interface", "gre_endpoints")),
    ("gre_ping", "gre", ("gre_interface", "gre_endpoints", "gre_address", "gre_up")),
    ("bgp_neighbor", "bgp", ()),
    ("bgp_remote_as", "bgp", ("bgp_neighbor",)),
    ("bgp_local_as", "bgp", ("bgp_neighbor",)),
    ("bgp_established", "bgp", ("bgp_neighbor", "bgp_remote_as", "bgp_local_as")),
    ("bgp_timers", "bgp", ("bgp_established",)),
    ("bgp_received", "routes", ()),
    ("bgp_advertised", "routes", ()),
    ("route_via_tunnel", "routes", ("bgp_received",)),
)
# layer redistribution: only for a CPE whose plan hands the DI prefixes to the core (ha_checks.py)
CHECKS = BASE_CHECKS + SPLIT_CHECKS + HA_CHECKS
_TRAILING_NUMBER = re.compile(r"(\d+)$")
CHECK_NAMES = tuple(c[0] for c in BASE_CHECKS)   # the checks of every tunnel
ALL_CHECK_NAMES = tuple(c[0] for c in BASE_CHECKS + HA_CHECKS)
for _name, _before in SPLIT_ORDER.items():   # split devices: in the troubleshooting order (docs/ha.md)
    _i = ALL_CHECK_NAMES.index(_before)
    ALL_CHECK_NAMES = ALL_CHECK_NAMES[:_i] + (_name,) + ALL_CHECK_NAMES[_i:]
CHECK_LAYER = dict((c[0], c[1]) for c in CHECKS)
CHECK_DEPS = dict((c[0], c[2]) for c in CHECKS)
CHECK_DEPS["gre_up"] = CHECK_DEPS["gre_up"] + ("split_route",)     # no route to the IPsec device: no GRE


def _result(name: str, status: str, expected: Any, actual: Any, message: str, **extra: Any) -> Dict[str, Any]:
    out = {
        "check": name,
        "layer": CHECK_LAYER[name],
        "status": status,
        "expected": expected,
        "actual": actual,
        "message": message,
        "blocked_by": None,
    }
    out.update(extra)
    return out


def _is_true(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in ("true", "yes", "up"))


def _is_false(value: Any) -> bool:
    return value is False or (isinstance(value, str) and value.strip().lower() in ("false", "no", "down"))


# ---------------------------------------------------------------------------------------------
# Matching state objects to a plan tunnel
# ---------------------------------------------------------------------------------------------

def match_ike_sas(state: Dict[str, Any], tunnel: Dict[str, Any]) -> List[Dict[str, Any]]:
    """IKE SAs whose remote is this tunnel's DI IPsec IP."""
    peer = tunnel["di"]["ipsec_ip"]
    return [sa for sa in as_list(state.get("ike_sas")) if ip_eq(sa.get("remote"), peer)]


def best_ike_sa(sas: List[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if not sas:
        return None
    established = [sa for sa in sas if str(sa.get("state") or "").lower() == "established"]
    pool = established or sas
    return sorted(pool, key=lambda sa: -(sa.get("uptime_s") or 0))[0]


def match_ipsec_sas(state: Dict[str, Any], tunnel: Dict[str, Any]) -> List[Dict[str, Any]]:
    """CHILD SAs towards this tunnel: remote is the DI IPsec IP, or (remote unknown) the remote
    selector is the DI GRE IP."""
    peer = tunnel["di"]["ipsec_ip"]
    want_remote_ts = canon_ts(tunnel["di"]["gre_ip"])
    out = []
    for sa in as_list(state.get("ipsec_sas")):
        if sa.get("remote") is not None:
            if ip_eq(sa.get("remote"), peer):
                out.append(sa)
        elif canon_ts(sa.get("remote_ts")) == want_remote_ts:
            out.append(sa)
    return out


def _ipsec_score(sa: Dict[str, Any], tunnel: Dict[str, Any]) -> Tuple[int, ...]:
    score = 0
    if str(sa.get("state") or "").lower() == "installed":
        score += 8
    if canon_ts(sa.get("local_ts")) == canon_ts(tunnel["cpe"]["gre_ip"]) and \
            canon_ts(sa.get("remote_ts")) == canon_ts(tunnel["di"]["gre_ip"]):
        score += 4
    if norm_protocol(sa.get("protocol")) == 47:
        score += 2
    if str(sa.get("mode") or "").lower() == "tunnel":
        score += 1
    return score


def best_ipsec_sa(sas: List[Dict[str, Any]], tunnel: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    if not sas:
        return None
    return sorted(sas, key=lambda sa: -_ipsec_score(sa, tunnel))[0]


def match_gre_tunnel(state: Dict[str, Any], tunnel: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The GRE interface of this tunnel: by destination, then by address, then by number."""
    tunnels = as_list(state.get("tunnels"))
    dest = tunnel["gre"]["destination"]
    for item in tunnels:
        if ip_eq(item.get("destination"), dest):
            return item
    for item in tunnels:
        if ip_eq(item.get("address"), tunnel["cpe"]["tunnel_ip"]):
            return item
    number = tunnel.get("tunnel_number")
    if number is not None:
        for item in tunnels:
            match = _TRAILING_NUMBER.search(str(item.get("name") or ""))
            if match and int(match.group(1)) == int(number):
                return item
    return None


def match_bgp_neighbor(state: Dict[str, Any], tunnel: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    for nbr in as_list(state.get("bgp_neighbors")):
        if ip_eq(nbr.get("neighbor"), tunnel["bgp"]["neighbor"]):
            return nbr
    return None


def _routes_for(state: Dict[str, Any], prefix: Any) -> List[Dict[str, Any]]:
    want = canon_prefix(prefix)
    return [r for r in as_list(state.get("routes")) if canon_prefix(r.get("prefix")) == want]


# ---------------------------------------------------------------------------------------------
# Checks (raw: before blocking)
# ---------------------------------------------------------------------------------------------

def _check_ike(ctx: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    tunnel, options = ctx["tunnel"], ctx["options"]
    peer = tunnel["di"]["ipsec_ip"]
    version = tunnel["ipsec"].get("ike_version", 2)
    sas = ctx["ike_sas"]
    sa = ctx["ike_sa"]
    expected = {"remote": peer, "state": "established", "version": version}
    if sa is None:
        yield _result("ike_sa", FAIL, expected, None,
                      "no IKE SA with the DI IPsec IP %s" % peer)
    else:
        actual = {"remote": sa.get("remote"), "local": sa.get("local"), "state": sa.get("state"),
                  "version": sa.get("version")}
        sa_state = str(sa.get("state") or "").lower()
        if sa_state != "established":
            yield _result("ike_sa", FAIL, expected, actual,
                          "IKE SA with %s is %s, expected established" % (peer, sa.get("state")))
        elif sa.get("version") is not None and int(sa.get("version")) != int(version):
            yield _result("ike_sa", FAIL, expected, actual,
                          "IKE SA with %s is IKEv%s, expected IKEv%s" % (peer, sa.get("version"), version))
        else:
            yield _result("ike_sa", PASS, expected, actual, "IKEv%s SA with %s established" % (
                sa.get("version") or version, peer))

    minimum = int(options["min_ike_uptime_s"])
    expected = {"uptime_s_min": minimum, "sas_to_peer_max": 2}
    established = [s for s in sas if str(s.get("state") or "").lower() == "established"]
    if sa is None or str(sa.get("state") or "").lower() != "established":
        yield _result("ike_sa_stable", SKIP, expected, None, "no established IKE SA")
        return
    uptime = sa.get("uptime_s")
    actual = {"uptime_s": uptime, "sas_to_peer": len(sas)}
    if uptime is not None and int(uptime) < minimum:
        yield _result("ike_sa_stable", FAIL, expected, actual,
                      "IKE SA with %s up for only %ss (< %ss): just born or flapping%s" % (
                          peer, uptime, minimum,
                          "; %d IKE SAs with this peer" % len(sas) if len(sas) > 1 else ""))
    elif len(sas) > 2:
        yield _result("ike_sa_stable", FAIL, expected, actual,
                      "%d IKE SAs with %s (%d established): the session is flapping or duplicated" % (
                          len(sas), peer, len(established)))
    elif uptime is None:
        yield _result("ike_sa_stable", SKIP, expected, actual, "IKE SA uptime not known on this platform")
    else:
        yield _result("ike_sa_stable", PASS, expected, actual, "IKE SA up for %ss%s" % (
            uptime, " (2 SAs with this peer: a rekey in progress)" if len(sas) == 2 else ""))


def _check_ipsec(ctx: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    tunnel, options = ctx["tunnel"], ctx["options"]
    peer = tunnel["di"]["ipsec_ip"]
    want_l = canon_ts(tunnel["crypto_acl"]["source"])
    want_r = canon_ts(tunnel["crypto_acl"]["destination"])
    want_proto = int(tunnel["crypto_acl"].get("protocol_number") or 47)
    want_mode = tunnel["ipsec"].get("mode", "tunnel")
    sa = ctx["ipsec_sa"]
    if sa is None:
        yield _result("ipsec_sa", FAIL, {"remote": peer, "state": "installed"}, None,
                      "no CHILD/IPsec SA with %s" % peer)
    else:
        st = str(sa.get("state") or "").lower()
        yield _result("ipsec_sa", PASS if st == "installed" else FAIL,
                      {"remote": peer, "state": "installed"},
                      {"remote": sa.get("remote"), "state": sa.get("state")},
                      "CHILD SA with %s %s" % (peer, "installed" if st == "installed"
                                               else "is %s, expected installed" % sa.get("state")))
    if sa is None:
        for name in ("ipsec_selectors", "ipsec_protocol", "ipsec_mode", "ipsec_traffic"):
            yield _result(name, SKIP, None, None, "no CHILD SA")
        return

    got_l, got_r = canon_ts(sa.get("local_ts")), canon_ts(sa.get("remote_ts"))
    exp = {"local_ts": want_l, "remote_ts": want_r}
    act = {"local_ts": got_l, "remote_ts": got_r}
    if got_l is None and got_r is None:
        yield _result("ipsec_selectors", SKIP, exp, act, "traffic selectors not known on this platform")
    elif got_l == want_l and got_r == want_r:
        yield _result("ipsec_selectors", PASS, exp, act, "selectors %s === %s" % (want_l, want_r))
    else:
        yield _result("ipsec_selectors", FAIL, exp, act,
                      "selectors %s === %s, expected %s === %s (CPE GRE IP -> DI GRE IP)" % (
                          got_l, got_r, want_l, want_r))

    proto = norm_protocol(sa.get("protocol"))
    if sa.get("protocol") is None:
        yield _result("ipsec_protocol", SKIP, want_proto, None, "selector protocol not known on this platform")
    elif proto == want_proto:
        yield _result("ipsec_protocol", PASS, want_proto, proto, "selectors carry GRE only (protocol 47)")
    else:
        yield _result("ipsec_protocol", FAIL, want_proto, sa.get("protocol"),
                      "selectors carry protocol %s, expected %d (GRE)%s" % (
                          sa.get("protocol"), want_proto, ": an 'ip' ACL does not match Cisco's GRE-only policy"
                          if proto == 0 else ""))

    mode = sa.get("mode")
    if mode is None:
        yield _result("ipsec_mode", SKIP, want_mode, None, "IPsec mode not known on this platform")
    elif str(mode).lower() == str(want_mode).lower():
        yield _result("ipsec_mode", PASS, want_mode, mode, "%s mode" % mode)
    else:
        yield _result("ipsec_mode", FAIL, want_mode, mode, "IPsec SA in %s mode, expected %s mode" % (mode, want_mode))

    p_in, p_out = sa.get("pkts_in"), sa.get("pkts_out")
    # both sides initiated at once: two installed CHILD SAs with the same selectors, one may carry the outbound
    # and the other the inbound packets (an IKE stack may keep both): the tunnel's traffic is their sum
    twins = [x for x in as_list(ctx.get("ipsec_sas")) if str(x.get("state") or "").lower() == "installed"
             and canon_ts(x.get("local_ts")) == canon_ts(sa.get("local_ts"))
             and canon_ts(x.get("remote_ts")) == canon_ts(sa.get("remote_ts"))]
    if len(twins) > 1 and all(x.get("pkts_in") is not None and x.get("pkts_out") is not None for x in twins):
        p_in, p_out = sum(int(x["pkts_in"]) for x in twins), sum(int(x["pkts_out"]) for x in twins)
    exp = {"pkts_in": ">0", "pkts_out": ">0"}
    act = {"pkts_in": p_in, "pkts_out": p_out}
    if not options["require_traffic"]:
        yield _result("ipsec_traffic", SKIP, exp, act, "traffic check disabled (require_traffic=false)")
    elif p_in is None or p_out is None:
        yield _result("ipsec_traffic", SKIP, exp, act, "packet counters not known on this platform")
    elif int(p_in) > 0 and int(p_out) > 0:
        delta = probe_deltas(ctx["state"], peer, want_r)
        if delta is not None and delta[0] > 0 and delta[1] == 0:
            act.update(pkts_out_delta=delta[0], pkts_in_delta=0)
            yield _result("ipsec_traffic", FAIL, exp, act,
                          "during the probe %d packet(s) were encrypted towards %s and none decrypted from it "
                          "(%s out, %s in since the SA came up)" % (delta[0], peer, p_out, p_in))
        else:
            yield _result("ipsec_traffic", PASS, exp, act, "%s packets out, %s in" % (p_out, p_in))
    else:
        which = []
        if int(p_out) <= 0:
            which.append("nothing encrypted towards %s" % peer)
        if int(p_in) <= 0:
            which.append("nothing decrypted from %s" % peer)
        yield _result("ipsec_traffic", FAIL, exp, act, "no traffic in the CHILD SA: %s" % ", ".join(which))


def probe_deltas(state: Dict[str, Any], peer: Any, remote_ts: Any) -> Optional[Tuple[int, int]]:
    """(packets out, packets in) of the CHILD SAs with ``peer`` (and ``remote_ts`` when given) while the
    gatherer probed (state ``ipsec_counters``, docs/contract.md section 3); None when not measured. Summed over
    every SA with the peer: with two CHILD SAs at once one may carry the outbound and the other the inbound."""
    rows = [r for r in as_list(state.get("ipsec_counters")) if isinstance(r, dict) and ip_eq(r.get("remote"), peer)
            and (r.get("remote_ts") is None or canon_ts(r.get("remote_ts")) == remote_ts)]
    if not rows:
        return None
    try:
        return (sum(int(r.get("pkts_out_delta") or 0) for r in rows), sum(int(r.get("pkts_in_delta") or 0) for r in rows))
    except (TypeError, ValueError):
        return None


def _keepalive_on(value: Any) -> Optional[bool]:
    """True/False/None for a state keepalive: dict with interval = on, False/{enabled: false}/0 = off."""
    if value is None:
        return None
    if value is False:
        return False
    if isinstance(value, dict):
        if value.get("enabled") is False:
            return False
        interval = value.get("interval_s")
        if interval is not None and int(interval) <= 0:
            return False
        if value.get("enabled") is True or interval is not None:
            return True
        return None
    return bool(value)


def _tunnel_ping(ctx: Dict[str, Any]) -> Optional[bool]:
    """ping_ok of the GRE interface, else a probe from the CPE tunnel IP to the DI tunnel IP."""
    gre = ctx["gre"]
    if gre is not None and gre.get("ping_ok") is not None:
        how = "tunnel ping %s -> %s" % (ctx["tunnel"]["cpe"]["tunnel_ip"], ctx["tunnel"]["di"]["tunnel_ip"])
        return gre.get("ping_ok"), how
    for probe in as_list(ctx["state"].get("probes")):
        if probe.get("df") or probe.get("type", "ping") != "ping":
            continue    # a DF probe of the tunnel MTU is judged apart (df_probe_failed)
        if ip_eq(probe.get("destination"), ctx["tunnel"]["di"]["tunnel_ip"]) and probe.get("ok") is not None:
            return probe.get("ok"), "probe ping %s -> %s" % (probe.get("source"), probe.get("destination"))
    return None, None


def _check_gre(ctx: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    tunnel = ctx["tunnel"]
    gre = ctx["gre"]
    want_src, want_dst = tunnel["gre"]["source"], tunnel["gre"]["destination"]
    if gre is None:
        yield _result("gre_interface", FAIL, {"destination": want_dst, "admin_up": True}, None,
                      "no GRE tunnel interface to %s (tunnel %s)" % (want_dst, tunnel.get("tunnel_number")))
        for name in ("gre_endpoints", "gre_address", "gre_keepalive", "gre_up", "gre_ping"):
            yield _result(name, SKIP, None, None, "no GRE tunnel interface")
        return
    name = gre.get("name")
    if _is_false(gre.get("admin_up")):
        yield _result("gre_interface", FAIL, {"name": name, "admin_up": True},
                      {"name": name, "admin_up": False}, "%s is administratively down" % name)
    else:
        yield _result("gre_interface", PASS, {"name": name, "admin_up": True},
                      {"name": name, "admin_up": gre.get("admin_up")}, "%s present" % name)

    exp = {"source": want_src, "destination": want_dst}
    act = {"source": gre.get("source"), "destination": gre.get("destination")}
    bad = []
    if gre.get("source") is not None and not ip_eq(gre.get("source"), want_src):
        bad.append("source %s, expected %s" % (gre.get("source"), want_src))
    if gre.get("destination") is not None and not ip_eq(gre.get("destination"), want_dst):
        bad.append("destination %s, expected %s" % (gre.get("destination"), want_dst))
    if bad:
        yield _result("gre_endpoints", FAIL, exp, act, "%s tunnel %s" % (name, "; ".join(bad)))
    elif gre.get("source") is None and gre.get("destination") is None:
        yield _result("gre_endpoints", SKIP, exp, act, "tunnel source/destination not known")
    else:
        yield _result("gre_endpoints", PASS, exp, act, "%s -> %s" % (want_src, want_dst))

    want_addr = tunnel["cpe"]["tunnel_cidr"]
    addr = gre.get("address")
    if addr is None:
        yield _result("gre_address", SKIP, want_addr, None, "tunnel address not known")
    elif iface_eq(addr, want_addr):
        yield _result("gre_address", PASS, want_addr, addr, "address %s" % want_addr)
    else:
        yield _result("gre_address", FAIL, want_addr, addr,
                      "%s address %s, expected %s (IP and mask must match the DI side)" % (name, addr, want_addr))

    ka_plan = (tunnel.get("gre") or {}).get("keepalive") or {}
    ka = gre.get("keepalive")
    on = _keepalive_on(ka)
    exp = {"interval_s": ka_plan.get("interval_s"), "retries": ka_plan.get("retries")} \
        if ka_plan.get("enabled") else False
    if not ka_plan.get("enabled"):
        yield _result("gre_keepalive", SKIP, False, ka,
                      "GRE keepalives not planned on this platform (Cisco must be told to disable theirs)")
    elif on is None:
        yield _result("gre_keepalive", SKIP, exp, ka, "keepalive state not known on this platform")
    elif on is False:
        yield _result("gre_keepalive", FAIL, exp, ka, "GRE keepalives are not enabled on %s" % name)
    elif isinstance(ka, dict) and (
            (ka.get("interval_s") is not None and int(ka["interval_s"]) != int(ka_plan.get("interval_s") or 0)) or
            (ka.get("retries") is not None and int(ka["retries"]) != int(ka_plan.get("retries") or 0))):
        yield _result("gre_keepalive", FAIL, exp, ka, "GRE keepalive %s/%s, expected %s/%s" % (
            ka.get("interval_s"), ka.get("retries"), ka_plan.get("interval_s"), ka_plan.get("retries")))
    else:
        yield _result("gre_keepalive", PASS, exp, ka, "keepalive %s/%s" % (
            ka_plan.get("interval_s"), ka_plan.get("retries")))

    yield _yes_no("gre_up", gre.get("oper_up"), True, "line protocol not known", "%s is up" % name,
                  "%s line protocol is down" % name)
    ok, how = _tunnel_ping(ctx)
    big = df_probe_failed(ctx["state"], tunnel) if _is_true(ok) else None
    if big is not None:
        yield _result("gre_ping", FAIL, "%s -> %s" % (tunnel["cpe"]["tunnel_ip"], tunnel["di"]["tunnel_ip"]), False,
                      "%s ok, but %d-byte pings with DF set (the tunnel MTU %s) are lost" % (
                          how, int(big["size"]), (tunnel.get("mtu") or {}).get("tunnel_ip_mtu")), df_probe=big)
        return
    yield _yes_no("gre_ping", ok, "%s -> %s" % (tunnel["cpe"]["tunnel_ip"], tunnel["di"]["tunnel_ip"]),
                  "no tunnel ping in the state (tunnel IP -> tunnel IP)", "%s ok" % how, "%s failed" % how)


def df_probe_failed(state: Dict[str, Any], tunnel: Dict[str, Any]) -> Optional[Dict[str, Any]]:
    """The last ping probe with DF set (``df: true``, ``size``) from the CPE tunnel IP to the DI tunnel IP, when it
    failed on the path (not refused locally: ``error``); None when there is none or it passed."""
    found = None
    for probe in as_list(state.get("probes")):
        if not isinstance(probe, dict) or probe.get("type", "ping") != "ping" or not probe.get("df") or not probe.get("size"):
            continue
        if ip_eq(probe.get("destination"), tunnel["di"]["tunnel_ip"]):
            found = probe
    if found is None or found.get("ok") is not False or found.get("error"):
        return None
    return found


def _yes_no(name: str, value: Any, expected: Any, unknown: str, yes: str, no: str) -> Dict[str, Any]:
    """A check of one yes/no fact of the state: unknown (None) skips, true passes, anything else fails."""
    if value is None:
        return _result(name, SKIP, expected, None, unknown)
    if _is_true(value):
        return _result(name, PASS, expected, True, yes)
    return _result(name, FAIL, expected, False, no)


def _check_bgp(ctx: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    tunnel = ctx["tunnel"]
    bgp = tunnel["bgp"]
    nbr = ctx["nbr"]
    if nbr is None:
        others = [n.get("neighbor") for n in as_list(ctx["state"].get("bgp_neighbors"))]
        yield _result("bgp_neighbor", FAIL, bgp["neighbor"], others,
                      "no BGP neighbour %s (the DI tunnel IP); neighbours seen: %s" % (
                          bgp["neighbor"], ", ".join(str(o) for o in others) or "none"))
        for name in ("bgp_remote_as", "bgp_local_as", "bgp_established"):
            yield _result(name, SKIP, None, None, "no BGP neighbour %s" % bgp["neighbor"])
        return
    yield _result("bgp_neighbor", PASS, bgp["neighbor"], nbr.get("neighbor"), "neighbour %s configured" % bgp["neighbor"])

    for name, key, want in (("bgp_remote_as", "remote_as", bgp["remote_as"]),
                            ("bgp_local_as", "local_as", bgp["local_as"])):
        got = nbr.get(key)
        label = "remote AS" if key == "remote_as" else "local AS"
        if got is None:
            yield _result(name, SKIP, want, None, "%s not known on this platform" % label)
        elif str(got) == str(want):
            yield _result(name, PASS, want, got, "%s %s" % (label, want))
        else:
            yield _result(name, FAIL, want, got, "%s %s, expected %s" % (label, got, want))

    st = nbr.get("state")
    if str(st or "").lower() == "established":
        yield _result("bgp_established", PASS, "Established", st, "Established for %ss" % nbr.get("uptime_s"))
        yield _check_bgp_timers(bgp, nbr)
    else:
        yield _result("bgp_established", FAIL, "Established", st,
                      "BGP with %s is %s, expected Established" % (bgp["neighbor"], st))
        yield _result("bgp_timers", SKIP, (bgp.get("timers") or {}).get("hold_s"), None,
                      "no session: the hold time is negotiated when it comes up")


def _check_bgp_timers(bgp: Dict[str, Any], nbr: Dict[str, Any]) -> Dict[str, Any]:
    """The hold time the Established session runs: BGP negotiates it in the OPEN (the lower of both ends), so it
    is at most the plan's. Above it, the session came up before the timers changed and still detects a dead tunnel
    that much later (a failover profile switched, docs/ha.md section 3) until it is re-established."""
    want = (bgp.get("timers") or {}).get("hold_s")
    got = nbr.get("hold_time_s")
    if want is None or got is None:
        return _result("bgp_timers", SKIP, want, got, "the negotiated hold time is not known on this platform")
    try:
        want, got = int(want), int(got)
    except (TypeError, ValueError):
        return _result("bgp_timers", SKIP, want, got, "the negotiated hold time %r is not a number" % (got,))
    if got == 0:
        return _result("bgp_timers", FAIL, want, got, "the session with %s runs hold time 0 (no keepalives): a dead "
                       "tunnel is never detected; the plan's hold time is %d s" % (bgp["neighbor"], want))
    if got > want:
        return _result("bgp_timers", FAIL, want, got, "the session with %s runs hold time %d s, negotiated when it came "
                       "up; the plan's is %d s: the new timers take effect once the session is re-established"
                       % (bgp["neighbor"], got, want))
    return _result("bgp_timers", PASS, want, got, "hold time %d s negotiated (plan %d s)" % (got, want))


def _prefix_diff(want: List[Any], got: List[Any]) -> Tuple[List[str], List[str]]:
    want_set = set(canon_prefix(p) for p in want)
    got_set = set(canon_prefix(p) for p in got)
    return sorted(want_set - got_set), sorted(got_set - want_set)


def _prefix_check(name: str, want: List[str], got_list: List[Any], verb: str, where: str, missing_fmt: str,
                  extra_fmt: str) -> Dict[str, Any]:
    """One exact-prefix-list check: pass when ``got_list`` is exactly ``want``, else name what is missing/extra."""
    missing, extra = _prefix_diff(want, got_list)
    got = sorted(set(canon_prefix(p) for p in got_list))
    if not missing and not extra:
        return _result(name, PASS, want, got, "%s exactly %s" % (verb, ", ".join(want)), missing=[], extra=[])
    parts = []
    if missing:
        parts.append(missing_fmt % ", ".join(missing))
    if extra:
        parts.append(extra_fmt % ", ".join(extra))
    return _result(name, FAIL, want, got, "%s: %s" % (where, "; ".join(parts)), missing=missing, extra=extra)


def _check_routes(ctx: Dict[str, Any]) -> Iterator[Dict[str, Any]]:
    tunnel, nbr, state = ctx["tunnel"], ctx["nbr"], ctx["state"]
    want_rx = sorted(canon_prefix(p) for p in tunnel["expect_received"])
    want_tx = sorted(canon_prefix(p) for p in tunnel["advertise"])
    if nbr is None:
        yield _result("bgp_received", SKIP, want_rx, None, "no BGP neighbour")
        yield _result("bgp_advertised", SKIP, want_tx, None, "no BGP neighbour")
    else:
        received = nbr.get("received")
        if received is None:
            count = nbr.get("prefixes_received")
            if count is None:
                yield _result("bgp_received", SKIP, want_rx, None, "received prefixes not known")
            elif int(count) == len(want_rx):
                yield _result("bgp_received", PASS, want_rx, count,
                              "%s prefixes received (list not available: count only)" % count)
            else:
                yield _result("bgp_received", FAIL, want_rx, count,
                              "%s prefixes received, expected %d (%s)" % (count, len(want_rx), ", ".join(want_rx)))
        else:
            yield _prefix_check("bgp_received", want_rx, received, "received", "received from %s" % tunnel["bgp"]["neighbor"],
                                "missing %s", "extra %s")

        advertised = nbr.get("advertised")
        if advertised is None:
            yield _result("bgp_advertised", SKIP, want_tx, None, "advertised prefixes not known")
        else:
            yield _prefix_check("bgp_advertised", want_tx, advertised, "advertised",
                                "advertised to %s" % tunnel["bgp"]["neighbor"], "not advertised %s",
                                "also advertised %%s (the DI side accepts only %s)" % ", ".join(want_tx))

    # Forwarding: while this tunnel is up, its DC's /25 (and IaaS /25) go via this tunnel only.
    own = [p for p in (tunnel.get("dc_prefix"), tunnel.get("iaas_dc_prefix")) if p]
    gre = ctx["gre"]
    via = {"next_hop": tunnel["di"]["tunnel_ip"], "interface": gre.get("name") if gre else None}
    if state.get("routes") is None:
        yield _result("route_via_tunnel", SKIP, via, None, "no routes in the state")
        return
    if nbr is None or str(nbr.get("state") or "").lower() != "established":
        yield _result("route_via_tunnel", SKIP, via, None, "this tunnel's BGP session is not up")
        return
    sibling = ctx["sibling"]
    sib_nh = sibling["di"]["tunnel_ip"] if sibling else None
    bad, actual = [], {}
    for prefix in own:
        routes = _routes_for(state, prefix)
        actual[canon_prefix(prefix)] = [{"next_hop": r.get("next_hop"), "interface": r.get("interface")}
                                        for r in routes]
        if not routes:
            bad.append("%s not in the routing table" % canon_prefix(prefix))
            continue
        for r in routes:
            ok = ip_eq(r.get("next_hop"), via["next_hop"]) or (
                via["interface"] is not None and r.get("interface") == via["interface"])
            if not ok:
                where = "via %s %s" % (r.get("next_hop"), r.get("interface") or "")
                if sib_nh and ip_eq(r.get("next_hop"), sib_nh):
                    where = "via %s (the DC-%s tunnel)" % (tunnel_label(sibling), sibling.get("datacenter"))
                bad.append("%s routed %s" % (canon_prefix(prefix), where.strip()))
    expected = dict((canon_prefix(p), via) for p in own)
    if bad:
        yield _result("route_via_tunnel", FAIL, expected, actual,
                      "%s; expected via %s %s" % ("; ".join(bad), via["next_hop"], via["interface"] or ""))
    else:
        yield _result("route_via_tunnel", PASS, expected, actual, "%s via %s" % (
            ", ".join(canon_prefix(p) for p in own), via["next_hop"]))


# ---------------------------------------------------------------------------------------------
# Blocking and entry points
# ---------------------------------------------------------------------------------------------

def apply_blocking(raw: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Turn failures caused by an earlier failure into skip + blocked_by (the root failure)."""
    by_name = {}
    out = []
    for item in raw:
        name = item["check"]
        layer = item["layer"]
        blocker = None
        # any root failure of an earlier layer blocks this one
        for prev in out:
            if LAYERS.index(prev["layer"]) < LAYERS.index(layer) and prev["status"] == FAIL:
                blocker = prev["check"]
                break
        if blocker is None:
            for dep in CHECK_DEPS[name]:
                d = by_name.get(dep)
                if d is None:
                    continue
                if d["status"] == FAIL:
                    blocker = dep
                    break
                if d.get("blocked_by"):
                    blocker = d["blocked_by"]
                    break
        item = dict(item)
        if blocker is not None and item["status"] != PASS:
            item["status"] = SKIP
            item["blocked_by"] = blocker
            item["message"] = "blocked by %s (%s): %s" % (CHECK_LAYER[blocker], blocker, item["message"])
        by_name[name] = item
        out.append(item)
    return out


def tunnel_context(state: Dict[str, Any], region: Dict[str, Any], tunnel: Dict[str, Any],
                   options: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    ike_sas = match_ike_sas(state, tunnel)
    ipsec_sas = match_ipsec_sas(state, tunnel)
    return {
        "state": state,
        "region": region,
        "tunnel": tunnel,
        "sibling": sibling_tunnel(region, tunnel),
        "options": options,
        "ike_sas": ike_sas,
        "ike_sa": best_ike_sa(ike_sas),
        "ipsec_sas": ipsec_sas,
        "ipsec_sa": best_ipsec_sa(ipsec_sas, tunnel),
        "gre": match_gre_tunnel(state, tunnel),
        "nbr": match_bgp_neighbor(state, tunnel),
    }


def check_tunnel(ctx: Dict[str, Any]) -> List[Dict[str, Any]]:
    raw = []
    for gen in (_check_ike, _check_ipsec, _check_gre, _check_bgp, _check_routes, check_redistribution, check_split):
        raw.extend(gen(ctx))
    order = dict((n, i) for i, n in enumerate(ALL_CHECK_NAMES))
    raw.sort(key=lambda r: order[r["check"]])
    return apply_blocking(role_filter(raw, ctx))


def merge_options(options: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    merged = dict(DEFAULT_OPTIONS)
    for key, value in (options or {}).items():
        if value is not None and key in merged:
            merged[key] = value
    return merged


def verify_host(plan: Dict[str, Any], state: Dict[str, Any], host: str,
                options: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Verify every plan tunnel of `host` against `state`.

    Returns {host, ok, tunnels: [{key, name, index, datacenter, region, label, ok, first_failure,
    checks: [...]}], summary: {pass, fail, skip}, warnings: [...]}.
    """
    options = merge_options(options)
    state = state or {}
    warnings = []
    if state.get("host") not in (None, host):
        warnings.append("state is for host %s, verifying %s" % (state.get("host"), host))
    for err in as_list(state.get("gather_errors")) + as_list(state.get("errors")):
        if isinstance(err, dict):
            warnings.append("gather error: %s: %s" % (err.get("command"), err.get("message")))
        elif err:
            warnings.append("gather error: %s" % err)
    tunnels = []
    summary = {PASS: 0, FAIL: 0, SKIP: 0}
    redistribution = (((plan or {}).get("cpes") or {}).get(host) or {}).get("redistribution")
    for region, tunnel, role in host_roles(plan, host):
        ctx = tunnel_context(state, region, tunnel, options)
        ctx.update(redistribution=redistribution if role != "ipsec" else None, role=role, host=host)
        checks = check_tunnel(ctx)
        first = None
        for c in checks:
            summary[c["status"]] += 1
            if first is None and c["status"] == FAIL:
                first = {"check": c["check"], "layer": c["layer"], "message": c["message"]}
        tunnels.append({
            "key": tunnel.get("key"),
            "name": tunnel.get("name"),
            "index": tunnel.get("index"),
            "datacenter": tunnel.get("datacenter"),
            "region": tunnel.get("region", region.get("region")),
            "label": tunnel_label(tunnel),
            "role": role,
            "ok": first is None,
            "first_failure": first,
            "first_failure_title": LAYER_TITLES[first["layer"]] if first else None,
            "checks": checks,
        })
    if not tunnels:
        warnings.append("the plan has no Virtual Connect tunnel on host %s" % host)
    return {
        "host": host,
        "platform": state.get("platform"),
        "ok": all(t["ok"] for t in tunnels),
        "tunnels": tunnels,
        "summary": summary,
        "warnings": warnings,
        "options": options,
    }


def failure_lines(result: Dict[str, Any]) -> List[str]:
    """One line per root failure: '<host>: tunnel 1 DC-A (region r) [key]: <check>: <message>'."""
    lines = []
    for t in result["tunnels"]:
        for c in t["checks"]:
            if c["status"] == FAIL:
                lines.append("%s: %s [%s]: %s: %s" % (result["host"], t["label"], t["key"], c["check"], c["message"]))
    return lines
