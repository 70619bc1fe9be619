# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diagnose: walk the article's troubleshooting order and name the most likely cause and its fix.

The first failing check of a tunnel (verify's root failure) picks the layer; the rules of that layer
are tried in order against the check results and the optional evidence of the state (`config`,
`probes`, `log_events`, see docs/contract.md section 3). The first rule that matches is the cause;
each rule has a layer fallback so a failure always gets a cause. Causes use the article's wording.
"""
from __future__ import annotations

import ipaddress
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.checks import (
    FAIL, PASS, df_probe_failed, merge_options, probe_deltas, tunnel_context, verify_host,
)
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.common import (
    LAYER_TITLES, as_list, canon_prefix, canon_ts, iface_eq, ip_eq, norm_alg, norm_dh, norm_protocol,
)
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.registry import platform_of_host, wording
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.ha_checks import host_roles, red_values
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.settle import definitive

# Fix wording each platform provides (platforms/<name>/vocabulary.py WORDING), used as {key} in the fixes.
WORDING_KEYS = ("ikev2_only", "gre_only_selectors", "initiate", "tunnel_mode", "esp_proposal", "admin_up",
                "gre_keepalive", "firewalls", "crypto_support", "rri_inject", "rri_path", "split_route", "bgp_reset")

# Normalised log event names (state.log_events[].event) and accepted spellings.
EVENT_ALIASES = {
    "INVALID_KE": "INVALID_KE_PAYLOAD",
    "INVALID_KE_PAYLOAD": "INVALID_KE_PAYLOAD",
    "NO_PROPOSAL_CHOSEN": "NO_PROPOSAL_CHOSEN",
    "AUTHENTICATION_FAILED": "AUTHENTICATION_FAILED",
    "AUTH_FAILED": "AUTHENTICATION_FAILED",
    "TS_UNACCEPTABLE": "TS_UNACCEPTABLE",
    "IKE_TIMEOUT": "IKE_TIMEOUT",
    "RETRANSMIT": "IKE_TIMEOUT",
    "PEER_NOT_RESPONDING": "IKE_TIMEOUT",
    "BGP_BAD_PEER_AS": "BGP_BAD_PEER_AS",
    "BAD_PEER_AS": "BGP_BAD_PEER_AS",
    "BGP_AUTH_FAILED": "BGP_AUTH_FAILED",
    "DH_GROUP_UNSUPPORTED": "DH_GROUP_UNSUPPORTED",
    "BGP_NOTIFICATION": "BGP_NOTIFICATION",
}


# ---------------------------------------------------------------------------------------------
# Evidence helpers
# ---------------------------------------------------------------------------------------------

def _cfg(dctx: Dict[str, Any], section: str) -> Dict[str, Any]:
    value = dctx["config"].get(section)
    return value if isinstance(value, dict) else {}


def _events(dctx: Dict[str, Any], *names: str, **kw: Any) -> List[Dict[str, Any]]:
    """Log events of this tunnel (peer is one of its DI addresses, or not given) with these names.
    phase=... keeps events of that phase or without a phase."""
    phase = kw.get("phase")
    t = dctx["tunnel"]
    peers = (t["di"]["ipsec_ip"], t["di"]["gre_ip"], t["di"]["tunnel_ip"])
    out = []
    for ev in as_list(dctx["state"].get("log_events")):
        if not isinstance(ev, dict):
            continue
        name = EVENT_ALIASES.get(str(ev.get("event") or "").strip().upper())
        if name not in names:
            continue
        if ev.get("peer") is not None and not any(ip_eq(ev.get("peer"), p) for p in peers):
            continue
        if phase is not None and ev.get("phase") not in (None, phase):
            continue
        out.append(ev)
    return out


def _ev_text(events: List[Dict[str, Any]]) -> str:
    first = events[0]
    text = "log: %s" % EVENT_ALIASES.get(str(first.get("event")).upper(), first.get("event"))
    if first.get("peer"):
        text += " from/to %s" % first.get("peer")
    if first.get("message"):
        text += " (%s)" % first.get("message")
    if len(events) > 1:
        text += " x%d" % len(events)
    return text


def _only_part(dctx: Dict[str, Any], phase: str, part: str) -> List[Dict[str, Any]]:
    """NO_PROPOSAL_CHOSEN events of this tunnel whose proposals differ only in ``part`` (``mismatch``: the
    gatherer compared the proposals it received with the ones configured: encryption, integrity, prf, dh_group)."""
    return [e for e in _events(dctx, "NO_PROPOSAL_CHOSEN", phase=phase) if e.get("mismatch") == [part]]


def _peer_talks(dctx: Dict[str, Any]) -> bool:
    """An IKEv2 answer or request of the DI peer is in the log (a notify it sent us, or one we answered it): the
    path carries IKEv2 both ways, whatever a ping says."""
    return any(e.get("direction") in ("received", "sent") for e in _events(
        dctx, "AUTHENTICATION_FAILED", "NO_PROPOSAL_CHOSEN", "TS_UNACCEPTABLE", "INVALID_KE_PAYLOAD"))


def _udp_refused(dctx: Dict[str, Any], destination: Any) -> Optional[Dict[str, Any]]:
    """The last UDP probe to ``destination`` when it was refused (ICMP port unreachable came back)."""
    found = None
    for probe in as_list(dctx["state"].get("probes")):
        if isinstance(probe, dict) and probe.get("type") == "udp" and ip_eq(probe.get("destination"), destination):
            found = probe
    return found if found is not None and found.get("refused") else None


def _probe(dctx: Dict[str, Any], destination: Any, source: Any = None) -> Optional[bool]:
    """ok of the last ping probe to `destination` (optionally from `source`), None when absent."""
    found = None
    for probe in as_list(dctx["state"].get("probes")):
        if not isinstance(probe, dict) or probe.get("type", "ping") != "ping":
            continue
        if not ip_eq(probe.get("destination"), destination):
            continue
        if source is not None and probe.get("source") is not None and not ip_eq(probe.get("source"), source):
            continue
        found = probe
    if found is None:
        return None
    return found.get("ok")


def _ike_established(dctx: Dict[str, Any]) -> bool:
    sa = dctx["ike_sa"]
    return sa is not None and str(sa.get("state") or "").lower() == "established"


def _list_mismatch(plan_value: Any, cfg_value: Any, norm: Callable[[Any], Any]) -> Optional[bool]:
    """Config value(s) unknown -> None; else True when the plan value is not among them."""
    if cfg_value is None:
        return None
    values = [norm(v) for v in as_list(cfg_value)]
    return norm(plan_value) not in values


def _is_gcm(alg: Any) -> bool:
    return alg is not None and "gcm" in str(alg).lower()


def _int_mismatch(plan_value: Any, cfg_value: Any) -> Optional[bool]:
    if cfg_value is None or plan_value is None:
        return None
    try:
        return int(cfg_value) != int(plan_value)
    except (TypeError, ValueError):
        return True


def _values(dctx: Dict[str, Any]) -> Dict[str, Any]:
    t = dctx["tunnel"]
    sib = dctx["sibling"] or {}
    ipsec = t["ipsec"]
    values = {
        "host": dctx["host"],
        "label": dctx["label"],
        "tunnel_key": t.get("key"),
        "dc": t.get("datacenter"),
        "sib_dc": sib.get("datacenter", "?"),
        "index": t.get("index"),
        "cpe_ipsec": t["cpe"]["ipsec_ip"],
        "cpe_gre": t["crypto_acl"]["source"],
        "cpe_tun": t["cpe"]["tunnel_ip"],
        "cpe_cidr": t["cpe"]["tunnel_cidr"],
        "di_ipsec": t["di"]["ipsec_ip"],
        "di_gre": t["crypto_acl"]["destination"],
        "di_tun": t["di"]["tunnel_ip"],
        "remote_as": t["bgp"]["remote_as"],
        "local_as": t["bgp"]["local_as"],
        "keepalive_s": (t["bgp"].get("timers") or {}).get("keepalive_s"),
        "hold_s": (t["bgp"].get("timers") or {}).get("hold_s"),
        "dc_prefix": t.get("dc_prefix"),
        "expect": ", ".join(t.get("expect_received") or []),
        "advertise": ", ".join(t.get("advertise") or []),
        "ike": "IKEv%s %s integrity %s PRF %s DH group %s lifetime %ss" % (
            ipsec.get("ike_version"), ipsec["ike"].get("encryption"), ipsec["ike"].get("integrity") or "NULL",
            ipsec["ike"].get("prf"), ipsec["ike"].get("dh_group"), ipsec["ike"].get("lifetime_s")),
        "esp": "%s integrity %s PFS group %s lifetime %ss %s mode" % (
            ipsec["esp"].get("encryption"), ipsec["esp"].get("integrity") or "NULL",
            ipsec["esp"].get("pfs_group"), ipsec["esp"].get("lifetime_s"), ipsec.get("mode")),
        "nat_port": 4500 if ipsec.get("nat_t") else 500,
        "tunnel_if": (dctx["gre"] or {}).get("name") or "the tunnel interface",
        "ka_interval": (t["gre"].get("keepalive") or {}).get("interval_s"),
        "ka_retries": (t["gre"].get("keepalive") or {}).get("retries"),
        "tunnel_mtu": (t.get("mtu") or {}).get("tunnel_ip_mtu"),
        "tcp_mss": (t.get("mtu") or {}).get("tcp_mss"),
        "wan_mtu": (t.get("mtu") or {}).get("wan_mtu"),
    }
    values.update(red_values(dctx.get("redistribution")))
    split = t.get("split") or {}
    values.update(split_inside=split.get("ipsec_inside_ip", ""), rri_tag=(split.get("rri") or {}).get("tag", ""),
                  split_ipsec_host=split.get("ipsec_host", ""))
    # how this CPE's platform says the fixes (its vocabulary, through the registry)
    for key in WORDING_KEYS:
        phrase = wording(dctx.get("platform"), key)
        values[key] = _fmt(phrase, values) if phrase else key.replace("_", " ")
    return values


# ---------------------------------------------------------------------------------------------
# Rules. Each: id, layer, checks it explains, cause, fix, match(dctx, check) -> evidence list or None
# ---------------------------------------------------------------------------------------------

RULES = []


def rule(rule_id: str, layer: str, checks: Sequence[str],
         cause: str, fix: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def deco(func: Callable[..., Any]) -> Callable[..., Any]:
        RULES.append({"id": rule_id, "layer": layer, "checks": tuple(checks), "cause": cause, "fix": fix,
                      "match": func})
        return func
    return deco


IKE_DOWN = ("ike_sa",)
IKE_ALL = ("ike_sa", "ike_sa_stable")

# ----- IKEv2 phase 1 ------------------------------------------------------------------------


@rule("ike.version", "ike", IKE_DOWN,
      "The IKE version is not version 2.",
      "Configure IKEv2 only towards {di_ipsec} ({ikev2_only}).")
def _r_ike_version(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    want = dctx["tunnel"]["ipsec"].get("ike_version", 2)
    ev = []
    sa = dctx["ike_sa"]
    if sa is not None and sa.get("version") is not None and int(sa["version"]) != int(want):
        ev.append("IKE SA with %s is IKEv%s" % (sa.get("remote"), sa["version"]))
    if _int_mismatch(want, _cfg(dctx, "ike").get("version")):
        ev.append("configured IKE version %s" % _cfg(dctx, "ike").get("version"))
    return ev or None


@rule("ike.unsupported", "ike", IKE_DOWN,
      "The CPE's own IPsec software cannot use a planned IKEv2 algorithm (it says the DH group or algorithm is "
      "not supported), so it never sends a valid proposal to {di_ipsec}.",
      "Install the missing crypto support on this CPE ({crypto_support}), or plan a suite it supports; "
      "then apply again.")
def _r_ike_unsupported(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    events = _events(dctx, "DH_GROUP_UNSUPPORTED")
    return [_ev_text(events)] if events else None


@rule("ike.crypto_acl_not_gre", "ike", IKE_DOWN,
      "The IPsec tunnel access list is misconfigured: the crypto map access list is not 'permit gre host "
      "{cpe_gre} host {di_gre}'. The access list must be specific to GRE; IP will not work.",
      "Protect GRE only (protocol 47) from the CPE GRE transport IP {cpe_gre} to the DI GRE transport IP "
      "{di_gre}: {gre_only_selectors}.")
def _r_ike_acl_gre(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    acl = _cfg(dctx, "crypto_acl")
    proto = norm_protocol(acl.get("protocol"))
    if acl.get("protocol") is not None and proto != 47:
        return ["crypto ACL protocol %s" % acl.get("protocol")]
    return None


@rule("ike.crypto_acl_addresses", "ike", IKE_DOWN,
      "The IPsec tunnel access list is misconfigured: it does not permit GRE from the CPE tunnel transport IP "
      "{cpe_gre} to the Dedicated Instance tunnel transport IP {di_gre}, so GRE traffic does not trigger "
      "the IPsec tunnel.",
      "Set the crypto ACL to 'permit gre host {cpe_gre} host {di_gre}'.")
def _r_ike_acl_addr(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    return _acl_address_evidence(dctx)


def _acl_address_evidence(dctx: Dict[str, Any]) -> Optional[List[str]]:
    acl = _cfg(dctx, "crypto_acl")
    ev = []
    if acl.get("source") is not None and not ip_eq(acl["source"], dctx["tunnel"]["crypto_acl"]["source"]):
        ev.append("crypto ACL source %s" % acl["source"])
    want_dst = dctx["tunnel"]["crypto_acl"]["destination"]
    if acl.get("destination") is not None and not ip_eq(acl["destination"], want_dst):
        ev.append("crypto ACL destination %s" % acl["destination"])
    return ev or None


@rule("ike.no_reachability", "ike", IKE_DOWN,
      "There is no connectivity between the customer and the Dedicated Instance IPsec tunnel endpoint IP "
      "{di_ipsec}.",
      "Ping {di_ipsec} from {cpe_ipsec}; if it fails, traceroute to find where packets stop (some firewalls "
      "and internet devices do not allow traceroute) and fix the WAN routing / ISP path.")
def _r_ike_reach(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    t = dctx["tunnel"]
    if _peer_talks(dctx):
        return None     # IKEv2 messages cross both ways: only ICMP is filtered
    if _probe(dctx, t["di"]["ipsec_ip"]) is False:
        return ["ping %s -> %s failed" % (t["cpe"]["ipsec_ip"], t["di"]["ipsec_ip"])]
    return None


@rule("ike.peer_down", "ike", IKE_DOWN,
      "The Dedicated Instance IPsec endpoint {di_ipsec} answers, but nothing listens for IKEv2 on it: UDP 500 is "
      "refused (ICMP port unreachable), so its IKEv2 service is down or a device on the path rejects UDP 500.",
      "Check for a firewall rule rejecting UDP 500/4500 between {cpe_ipsec} and {di_ipsec}; if there is none, open "
      "a case with Cisco: the IPsec headend {di_ipsec} does not run IKEv2. The CPE configuration needs no change.")
def _r_ike_peer_down(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    t = dctx["tunnel"]
    if _ike_established(dctx) or _probe(dctx, t["di"]["ipsec_ip"]) is False or _peer_talks(dctx):
        return None
    refused = _udp_refused(dctx, t["di"]["ipsec_ip"])
    if refused is None:
        return None
    ev = ["UDP %s -> %s:%s refused (ICMP port unreachable)" % (refused.get("source"), t["di"]["ipsec_ip"], refused.get("port", 500))]
    if _probe(dctx, t["di"]["ipsec_ip"]) is True:
        ev.append("ping %s ok: the host is up" % t["di"]["ipsec_ip"])
    events = _events(dctx, "IKE_TIMEOUT")
    if events:
        ev.append(_ev_text(events))
    return ev


def _param_rule(rule_id: str, layer: str, checks: Sequence[str], section: str,
                what: str, cause: str, fix: str) -> Callable[..., Any]:
    """IKE/ESP parameter mismatch seen in the device config evidence."""
    @rule(rule_id, layer, checks, cause, fix)
    def _match(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
        plan = dctx["tunnel"]["ipsec"][section]
        cfg = _cfg(dctx, section)
        if what == "integrity_gcm":
            if _is_gcm(plan.get("encryption")) and cfg.get("integrity") is not None and \
                    [v for v in as_list(cfg.get("integrity")) if norm_alg(v) not in ("null", "none", "")]:
                return ["GCM cipher with integrity %s configured" % cfg.get("integrity")]
            return None
        if what == "integrity":
            if plan.get("integrity") is None:
                return None
            bad = _list_mismatch(plan.get("integrity"), cfg.get("integrity"), norm_alg)
        elif what == "encryption":
            bad = _list_mismatch(plan.get("encryption"), cfg.get("encryption"), norm_alg)
        elif what == "prf":
            bad = _list_mismatch(plan.get("prf"), cfg.get("prf"), norm_alg)
        elif what in ("dh_group", "pfs_group"):
            if what not in cfg:
                bad = None
            else:
                bad = _list_mismatch(plan.get(what), cfg.get(what), norm_dh)
                if cfg.get(what) is None:
                    bad = None
                elif str(cfg.get(what)).lower() in ("0", "none", "false", "disabled"):
                    bad = plan.get(what) is not None
        else:  # lifetime_s
            bad = _int_mismatch(plan.get(what), cfg.get(what))
        if bad:
            return ["configured %s %s %s, planned %s" % (section.upper(), what, cfg.get(what), plan.get(what))]
        if what in ("encryption", "integrity", "prf") and not (section == "ike" and _ike_established(dctx)):
            events = _only_part(dctx, "ike" if section == "ike" else "ipsec", what)
            if events:
                return ["%s: the proposals differ only in %s" % (_ev_text(events), what)]
        return None
    return _match


_param_rule("ike.integrity_gcm", "ike", IKE_DOWN, "ike", "integrity_gcm",
            "The IKEv2 session parameters do not match: when the GCM cipher is used, GCM handles "
            "authentication and the authentication (integrity) parameter must be NULL.",
            "Remove the integrity algorithm from the IKEv2 proposal (keep {ike}).")
_param_rule("ike.encryption", "ike", IKE_DOWN, "ike", "encryption",
            "The IKEv2 session parameters do not match between the Dedicated Instance side and the customer "
            "side: the encryption parameter differs from what the Dedicated Instance side expects.",
            "Set the IKEv2 proposal to {ike}.")
_param_rule("ike.integrity", "ike", IKE_DOWN, "ike", "integrity",
            "The IKEv2 session parameters do not match: the authentication (integrity) parameter differs "
            "from what the Dedicated Instance side expects.",
            "Set the IKEv2 proposal to {ike}.")
_param_rule("ike.prf", "ike", IKE_DOWN, "ike", "prf",
            "The IKEv2 session parameters do not match: the pseudo-random function (PRF) setting differs.",
            "Set the IKEv2 proposal PRF as planned: {ike}.")


@rule("ike.dh_group", "ike", IKE_DOWN,
      "The IKEv2 session parameters do not match: the Diffie-Hellman modulus group differs.",
      "Set the IKEv2 proposal DH group as planned: {ike}.")
def _r_ike_dh(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    ev = []
    plan = dctx["tunnel"]["ipsec"]["ike"]
    cfg = _cfg(dctx, "ike")
    if cfg.get("dh_group") is not None and _list_mismatch(plan.get("dh_group"), cfg.get("dh_group"), norm_dh):
        ev.append("configured IKE DH group %s, planned %s" % (cfg.get("dh_group"), plan.get("dh_group")))
    if not _ike_established(dctx):
        events = _events(dctx, "INVALID_KE_PAYLOAD", phase="ike")
        if events:
            ev.append(_ev_text(events))
        events = _only_part(dctx, "ike", "dh_group")
        if events:
            ev.append("%s: the proposals differ only in the DH group" % _ev_text(events))
    return ev or None


_param_rule("ike.lifetime", "ike", IKE_ALL, "ike", "lifetime_s",
            "The IKEv2 session parameters do not match: the lifetime setting differs.",
            "Set the IKEv2 SA lifetime to {ike}.")


@rule("ike.auth", "ike", IKE_DOWN,
      "The IKEv2 session parameters do not match: authentication failed (pre-shared key or IKE identity).",
      "Re-enter this tunnel's pre-shared key on the CPE (never print it) and use local identity {cpe_ipsec} "
      "(address) towards remote {di_ipsec}.")
def _r_ike_auth(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    events = _events(dctx, "AUTHENTICATION_FAILED")
    return [_ev_text(events)] if events else None


@rule("ike.proposal", "ike", IKE_DOWN,
      "The IKEv2 session parameters do not match between the Dedicated Instance side and the customer side "
      "(the peer answered NO_PROPOSAL_CHOSEN).",
      "Recheck IKE version 2, encryption and integrity (GCM: integrity NULL), lifetime, DH group and PRF: "
      "{ike}.")
def _r_ike_proposal(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    if _ike_established(dctx):
        return None
    events = _events(dctx, "NO_PROPOSAL_CHOSEN", phase="ike")
    return [_ev_text(events)] if events else None


@rule("ike.not_initiator", "ike", IKE_DOWN,
      "The Dedicated Instance side may not start the IKEv2 exchange: the CPE must be able to send the first "
      "IKEv2 packet, but it is configured to only respond.",
      "Let the CPE initiate IKEv2 to {di_ipsec} ({initiate}).")
def _r_ike_initiator(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    if _cfg(dctx, "ike").get("initiate") is False:
        return ["IKE configured not to initiate"]
    return None


@rule("ike.firewall", "ike", IKE_DOWN,
      "A firewall is blocking the IKEv2 UDP packets (UDP {nat_port}; 4500 when NAT is between the IPsec "
      "endpoints): the CPE sends IKEv2 requests but no answer comes back from {di_ipsec}.",
      "Permit UDP 500 and 4500 (and ESP) between {cpe_ipsec} and {di_ipsec} on every firewall in the path; "
      "capture UDP port 500/4500 to confirm IKEv2 packets are sent to and received from {di_ipsec}.")
def _r_ike_firewall(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    t = dctx["tunnel"]
    if _probe(dctx, t["di"]["ipsec_ip"]) is False:
        return None
    ev = []
    sa = dctx["ike_sa"]
    if sa is not None and str(sa.get("state") or "").lower() == "connecting":
        ev.append("IKE SA with %s stuck connecting" % t["di"]["ipsec_ip"])
    events = _events(dctx, "IKE_TIMEOUT")
    if events:
        ev.append(_ev_text(events))
    if ev and _probe(dctx, t["di"]["ipsec_ip"]) is True:
        ev.append("ping %s ok: the path exists" % t["di"]["ipsec_ip"])
    return ev or None


@rule("ike.no_trigger", "ike", IKE_DOWN,
      "Interesting traffic is not triggering the IPsec tunnel: no IKEv2 negotiation with {di_ipsec} is seen.",
      "The CPE must initiate: crypto ACL 'permit gre host {cpe_gre} host {di_gre}', GRE keepalives enabled on "
      "the tunnel interface, BGP neighbour {di_tun} configured; then ping from tunnel IP {cpe_tun} to "
      "{di_tun} (never transport IP to transport IP). Check the IPsec logs; capture UDP 500/4500 if there are "
      "none.")
def _r_ike_no_trigger(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    if dctx["ike_sas"] or _events(dctx, "NO_PROPOSAL_CHOSEN", "AUTHENTICATION_FAILED", "INVALID_KE_PAYLOAD",
                                  "TS_UNACCEPTABLE", "IKE_TIMEOUT", "DH_GROUP_UNSUPPORTED"):
        return None
    ev = ["no IKE SA and no IKEv2 log message for %s" % dctx["tunnel"]["di"]["ipsec_ip"]]
    gre = dctx["gre"]
    if gre is not None and gre.get("keepalive") is False:
        ev.append("GRE keepalives off on %s" % gre.get("name"))
    if dctx["nbr"] is None:
        ev.append("no BGP neighbour %s" % dctx["tunnel"]["di"]["tunnel_ip"])
    return ev


@rule("ike.down", "ike", IKE_DOWN,
      "The IKEv2 session is not active.",
      "Check the IPsec logs for the IKEv2 negotiation; recheck the crypto ACL (GRE), reachability of "
      "{di_ipsec}, the IKEv2 parameters ({ike}) and firewalls (UDP 500/4500).")
def _r_ike_down(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    sa = dctx["ike_sa"]
    return ["IKE SA with %s: %s" % (dctx["tunnel"]["di"]["ipsec_ip"], sa.get("state") if sa else "none")]


@rule("ike.flapping", "ike", ("ike_sa_stable",),
      "The IKEv2 session is flapping: more than one IKE SA with {di_ipsec}.",
      "Check the IPsec logs for repeated negotiations; make sure only one side's lifetime/rekey and DPD "
      "settings are as planned ({ike}) and that no duplicate peer configuration exists.")
def _r_ike_flapping(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    if len(dctx["ike_sas"]) > 1:
        return ["%d IKE SAs with %s" % (len(dctx["ike_sas"]), dctx["tunnel"]["di"]["ipsec_ip"])]
    return None


@rule("ike.young", "ike", ("ike_sa_stable",),
      "The IKEv2 session has not been up for more than a few seconds: it is just born or flapping.",
      "Verify again after a minute: the 'active time' must keep growing. If it resets, check the IPsec "
      "logs, DPD and lifetimes ({ike}).")
def _r_ike_young(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    sa = dctx["ike_sa"]
    return ["IKE SA uptime %ss" % (sa.get("uptime_s") if sa else None)]


# ----- IPsec phase 2 ------------------------------------------------------------------------

IPSEC_ALL = ("ipsec_sa", "ipsec_selectors", "ipsec_protocol", "ipsec_mode", "ipsec_traffic")
IPSEC_NEG = ("ipsec_sa", "ipsec_selectors", "ipsec_protocol", "ipsec_mode")


@rule("ipsec.transport_mode", "ipsec", ("ipsec_sa", "ipsec_mode"),
      "IPsec is not configured in tunnel mode.",
      "Configure tunnel mode ({tunnel_mode}): the DI IPsec headend is not the GRE endpoint, transport mode "
      "cannot work.")
def _r_ipsec_mode(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    ev = []
    sa = dctx["ipsec_sa"]
    if sa is not None and sa.get("mode") is not None and str(sa["mode"]).lower() != "tunnel":
        ev.append("CHILD SA mode %s" % sa["mode"])
    mode = _cfg(dctx, "esp").get("mode")
    if mode is not None and str(mode).lower() != "tunnel":
        ev.append("configured IPsec mode %s" % mode)
    return ev or None


@rule("ipsec.acl_not_gre", "ipsec", ("ipsec_sa", "ipsec_protocol"),
      "The crypto access list is not specific to GRE: it must be 'permit gre host {cpe_gre} host {di_gre}'; "
      "the 'IP' protocol will not work.",
      "Set the crypto ACL / traffic selectors to GRE (protocol 47) between {cpe_gre} and {di_gre}.")
def _r_ipsec_acl(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    ev = []
    sa = dctx["ipsec_sa"]
    if sa is not None and sa.get("protocol") is not None and norm_protocol(sa["protocol"]) != 47:
        ev.append("CHILD SA protocol %s" % sa["protocol"])
    acl = _cfg(dctx, "crypto_acl")
    if acl.get("protocol") is not None and norm_protocol(acl["protocol"]) != 47:
        ev.append("crypto ACL protocol %s" % acl["protocol"])
    return ev or None


@rule("ipsec.selectors", "ipsec", ("ipsec_sa", "ipsec_selectors"),
      "The source and destination IPsec addresses do not match: the traffic selectors must be the GRE "
      "transport IPs {cpe_gre} -> {di_gre}.",
      "Set the crypto ACL to 'permit gre host {cpe_gre} host {di_gre}' and the GRE tunnel source/destination "
      "to the same addresses.")
def _r_ipsec_selectors(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    ev = []
    sa = dctx["ipsec_sa"]
    t = dctx["tunnel"]
    if sa is not None:
        if sa.get("local_ts") is not None and canon_ts(sa["local_ts"]) != canon_ts(t["crypto_acl"]["source"]):
            ev.append("CHILD SA local_ts %s" % sa["local_ts"])
        if sa.get("remote_ts") is not None and canon_ts(sa["remote_ts"]) != canon_ts(t["crypto_acl"]["destination"]):
            ev.append("CHILD SA remote_ts %s" % sa["remote_ts"])
    ev.extend(_acl_address_evidence(dctx) or [])
    return ev or None


_param_rule("ipsec.integrity_gcm", "ipsec", IPSEC_NEG, "esp", "integrity_gcm",
            "The IPsec settings do not match the Dedicated Instance side: with the GCM cipher the "
            "authentication parameter must be NULL.",
            "Remove the ESP integrity algorithm ({esp_proposal}): {esp}.")
_param_rule("ipsec.encryption", "ipsec", IPSEC_NEG, "esp", "encryption",
            "The IPsec encryption and authentication parameters do not match the Dedicated Instance side.",
            "Set the ESP proposal to {esp}.")
_param_rule("ipsec.integrity", "ipsec", IPSEC_NEG, "esp", "integrity",
            "The IPsec encryption and authentication parameters do not match the Dedicated Instance side.",
            "Set the ESP proposal to {esp}.")


@rule("ipsec.pfs", "ipsec", IPSEC_NEG,
      "The perfect forward secrecy (PFS) setting does not match the Dedicated Instance side.",
      "Set PFS as planned: {esp}.")
def _r_ipsec_pfs(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    ev = []
    plan = dctx["tunnel"]["ipsec"]["esp"]
    cfg = _cfg(dctx, "esp")
    if "pfs_group" in cfg and cfg["pfs_group"] is not None:
        off = str(cfg["pfs_group"]).lower() in ("0", "none", "false", "disabled")
        if (off and plan.get("pfs_group") is not None) or (
                not off and _list_mismatch(plan.get("pfs_group"), cfg["pfs_group"], norm_dh)):
            ev.append("configured PFS group %s, planned %s" % (cfg["pfs_group"], plan.get("pfs_group")))
    if _ike_established(dctx):
        events = _events(dctx, "INVALID_KE_PAYLOAD", phase="ipsec")
        if events:
            ev.append(_ev_text(events))
        events = _only_part(dctx, "ipsec", "dh_group")
        if events:
            ev.append("%s: the ESP proposals differ only in the PFS group" % _ev_text(events))
    return ev or None


_param_rule("ipsec.lifetime", "ipsec", IPSEC_ALL, "esp", "lifetime_s",
            "The IPsec lifetime setting does not match the Dedicated Instance side.",
            "Set the IPsec SA lifetime as planned: {esp}.")


@rule("ipsec.ts_unacceptable", "ipsec", IPSEC_NEG,
      "The Dedicated Instance side rejected the traffic selectors (TS_UNACCEPTABLE): the crypto access list "
      "must permit GRE from {cpe_gre} to {di_gre}, in tunnel mode.",
      "Set the crypto ACL to 'permit gre host {cpe_gre} host {di_gre}' and IPsec tunnel mode.")
def _r_ipsec_ts(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    events = _events(dctx, "TS_UNACCEPTABLE")
    return [_ev_text(events)] if events else None


@rule("ipsec.proposal", "ipsec", IPSEC_NEG,
      "The IPsec settings on the CPE side do not match the Dedicated Instance side (NO_PROPOSAL_CHOSEN "
      "for the IPsec SA).",
      "Recheck encryption and authentication (GCM: NULL), PFS and lifetime: {esp}.")
def _r_ipsec_proposal(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    if not _ike_established(dctx):
        return None
    events = _events(dctx, "NO_PROPOSAL_CHOSEN", phase="ipsec")
    return [_ev_text(events)] if events else None


def _traffic(dctx: Dict[str, Any]) -> Dict[str, Any]:
    """The packet counters ipsec_traffic judged (summed over the tunnel's twin CHILD SAs), else the SA's own."""
    actual = (dctx["checks"].get("ipsec_traffic") or {}).get("actual")
    if isinstance(actual, dict) and actual.get("pkts_in") is not None and actual.get("pkts_out") is not None:
        return actual
    return dctx["ipsec_sa"] or {}


@rule("ipsec.no_outbound", "ipsec", ("ipsec_traffic",),
      "No GRE packet is encrypted towards the Dedicated Instance: the GRE traffic does not match the IPsec "
      "policy or does not leave through the interface carrying it.",
      "Check that the GRE tunnel source/destination are exactly {cpe_gre} -> {di_gre}, that {di_gre} is "
      "routed out of the WAN interface with the crypto map, and that GRE keepalives are on.")
def _r_ipsec_no_out(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    sa = _traffic(dctx)
    if sa.get("pkts_out") is not None and int(sa["pkts_out"]) <= 0:
        return ["CHILD SA pkts_out 0"]
    return None


@rule("ipsec.no_inbound", "ipsec", ("ipsec_traffic",),
      "The CPE encrypts GRE packets but nothing comes back from the Dedicated Instance: a firewall is "
      "blocking the IPsec packets (ESP, or UDP 4500 with NAT) or the DI side does not return traffic (its GRE "
      "endpoint {di_gre} does not answer: GRE filtered behind its headend, or its tunnel not pointing to {cpe_gre}).",
      "Permit ESP (IP protocol 50) and UDP 4500 from {di_ipsec}; capture on the WAN to see whether ESP "
      "from {di_ipsec} arrives; if it does not, open a case with Cisco with the capture (ask them to check that "
      "their GRE tunnel {di_gre} -> {cpe_gre} is up and GRE passes between their headend and GRE router).")
def _r_ipsec_no_in(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    sa = _traffic(dctx)
    if sa.get("pkts_in") is not None and int(sa["pkts_in"]) <= 0 and int(sa.get("pkts_out") or 0) > 0:
        return ["CHILD SA pkts_out %s, pkts_in 0" % sa.get("pkts_out")]
    t = dctx["tunnel"]
    delta = probe_deltas(dctx["state"], t["di"]["ipsec_ip"], canon_ts(t["crypto_acl"]["destination"]))
    if delta is not None and delta[0] > 0 and delta[1] == 0:
        return ["during the tunnel ping %d packet(s) encrypted towards %s, 0 decrypted from it" % (delta[0], t["di"]["ipsec_ip"])]
    return None


@rule("ipsec.down", "ipsec", IPSEC_ALL,
      "The IPsec session is not active.",
      "Check the IPsec logs for error messages or negotiation errors; recheck encryption/authentication, "
      "PFS, lifetime, tunnel mode and the source/destination IPsec addresses: {esp}.")
def _r_ipsec_down(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    sa = dctx["ipsec_sa"]
    return ["CHILD SA with %s: %s" % (dctx["tunnel"]["di"]["ipsec_ip"], sa.get("state") if sa else "none")]


# ----- GRE tunnel ---------------------------------------------------------------------------

GRE_DOWN = ("gre_interface", "gre_up", "gre_ping")


@rule("gre.missing", "gre", ("gre_interface",),
      "There is no GRE tunnel interface towards the Dedicated Instance GRE IP {di_gre}.",
      "Create the tunnel interface (address {cpe_cidr}, source {cpe_gre}, destination {di_gre}): run the "
      "deploy playbook for this CPE.")
def _r_gre_missing(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    return ["no tunnel interface to %s" % dctx["tunnel"]["gre"]["destination"]] if dctx["gre"] is None else None


@rule("gre.admin_down", "gre", ("gre_interface",),
      "The tunnel interface is administratively down.",
      "Bring the tunnel interface up: {admin_up}.")
def _r_gre_admin(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    gre = dctx["gre"]
    if gre is not None and gre.get("admin_up") is False:
        return ["%s admin down" % gre.get("name")]
    return None


def _vrf(value: Any) -> str:
    return "global" if value in (None, "", "default", "global") else str(value)


@rule("gre.path_mtu", "gre", ("gre_ping",),
      "Large packets are lost on this tunnel while small ones pass: packets of the tunnel MTU ({tunnel_mtu} bytes) "
      "with DF set do not come back, so the path between {cpe_ipsec} and {di_ipsec} drops big packets without an "
      "ICMP 'fragmentation needed' (a path-MTU black hole) and TCP sessions with full-size segments stall.",
      "Keep TCP MSS {tcp_mss} and the tunnel IP MTU {tunnel_mtu} on {tunnel_if} with path-MTU discovery on; find where "
      "big packets stop (ping {di_tun} from {cpe_tun} with DF set and growing sizes); if the WAN path carries less "
      "than {wan_mtu} bytes, lower the tunnel IP MTU and the MSS to fit, or have the ISP fix the path (and let ICMP "
      "'fragmentation needed' through every firewall).")
def _r_gre_path_mtu(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    big = df_probe_failed(dctx["state"], dctx["tunnel"])
    if big is None:
        return None
    t = dctx["tunnel"]
    return ["ping %s -> %s ok; with DF set and %s bytes of payload: %s of %s answered" % (
        t["cpe"]["tunnel_ip"], t["di"]["tunnel_ip"], big.get("size"), big.get("received", 0), big.get("sent", "?"))]


@rule("gre.vrf", "gre", GRE_DOWN,
      "The tunnel interface transport VRF does not match the VRF of the loopback (source) interface.",
      "Set 'tunnel vrf' to the VRF of the tunnel source interface (or remove it when the source is in the "
      "global table).")
def _r_gre_vrf(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    cfg = _cfg(dctx, "gre")
    if "tunnel_vrf" in cfg and "source_vrf" in cfg and _vrf(cfg["tunnel_vrf"]) != _vrf(cfg["source_vrf"]):
        return ["tunnel vrf %s, source interface vrf %s" % (_vrf(cfg["tunnel_vrf"]), _vrf(cfg["source_vrf"]))]
    return None


@rule("gre.endpoints", "gre", ("gre_endpoints", "gre_up", "gre_ping"),
      "The source or destination tunnel transport address is incorrect and does not match the Dedicated "
      "Instance expected values.",
      "Set tunnel source {cpe_gre} and tunnel destination {di_gre}.")
def _r_gre_endpoints(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    ev = []
    t = dctx["tunnel"]
    for label, obj in (("state", dctx["gre"] or {}), ("config", _cfg(dctx, "gre"))):
        if obj.get("source") is not None and not ip_eq(obj["source"], t["gre"]["source"]):
            ev.append("%s tunnel source %s" % (label, obj["source"]))
        if obj.get("destination") is not None and not ip_eq(obj["destination"], t["gre"]["destination"]):
            ev.append("%s tunnel destination %s" % (label, obj["destination"]))
    return ev or None


@rule("gre.address", "gre", ("gre_address", "gre_up", "gre_ping"),
      "The tunnel interface mask or IP address is incorrect and does not match the Dedicated Instance "
      "expected values.",
      "Set the tunnel interface address to {cpe_cidr}.")
def _r_gre_address(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    ev = []
    want = dctx["tunnel"]["cpe"]["tunnel_cidr"]
    for label, obj in (("state", dctx["gre"] or {}), ("config", _cfg(dctx, "gre"))):
        if obj.get("address") is not None and not iface_eq(obj["address"], want):
            ev.append("%s tunnel address %s" % (label, obj["address"]))
    return ev or None


@rule("gre.keepalive", "gre", ("gre_keepalive",),
      "Keepalives are not enabled (as planned) on the CPE tunnel interface. If the CPE does not support "
      "keepalives, Cisco must be told so that the default keepalives on the Dedicated Instance side are "
      "disabled.",
      "Enable GRE keepalives on the tunnel interface as planned ({gre_keepalive}).")
def _r_gre_keepalive(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    c = dctx["checks"].get("gre_keepalive") or {}
    if c.get("status") == FAIL:
        return ["keepalive %s" % (c.get("actual"),)]
    return None


@rule("gre.firewall", "gre", GRE_DOWN,
      "A firewall is blocking the GRE packets sent into or received from the IPsec tunnel (GRE is carried "
      "over the IPsec tunnel).",
      "Permit GRE (IP protocol 47) between {cpe_gre} and {di_gre} on the CPE and any firewall between the "
      "tunnel and the IPsec device; capture to see that the ICMP ping from {cpe_tun} to {di_tun} becomes a "
      "GRE packet encapsulated into IPsec, and watch the tunnel and IPsec counters.")
def _r_gre_firewall(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    if (dctx["checks"].get("ipsec_traffic") or {}).get("status") == PASS:
        sa = dctx["ipsec_sa"] or {}
        return ["IPsec counters move (out %s, in %s) but the tunnel does not come up / answer" % (
            sa.get("pkts_out"), sa.get("pkts_in"))]
    return None


@rule("split.ipsec_device", "gre", GRE_DOWN,
      "Tunnel {index}'s GRE reaches the Dedicated Instance only through the IPsec SA of its IPsec device "
      "{split_ipsec_host} (split devices); the route to that device is in place, so the IKEv2/IPsec SA on "
      "{split_ipsec_host} is the next thing to check, in the troubleshooting order.",
      "Verify and diagnose {split_ipsec_host} (its IKE SA with {di_ipsec}, the CHILD SA for GRE {cpe_gre} -> {di_gre} "
      "and the RRI route {di_gre}/32); this tunnel comes up when that SA is up.")
def _r_split_ipsec_device(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    split = dctx["tunnel"].get("split") or {}
    route = dctx["checks"].get("split_route") or {}
    if dctx.get("role") != "gre" or not split or route.get("status") != PASS:
        return None
    return ["IPsec of this tunnel runs on %s (%s)" % (split.get("ipsec_host"), route.get("message")),
            (dctx["checks"].get(check) or {}).get("message")]


@rule("gre.down", "gre", GRE_DOWN,
      "The GRE tunnel is not up end to end.",
      "Check the tunnel VRF, keepalives, tunnel IP/mask {cpe_cidr}, source {cpe_gre} / destination {di_gre} "
      "and firewalls blocking GRE; ping from tunnel IP {cpe_tun} to {di_tun}.")
def _r_gre_down(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    return [(dctx["checks"].get(check) or {}).get("message")]


# ----- BGP session --------------------------------------------------------------------------

BGP_ALL = ("bgp_neighbor", "bgp_remote_as", "bgp_local_as", "bgp_established")


@rule("bgp.neighbor_ip", "bgp", ("bgp_neighbor", "bgp_established"),
      "The remote BGP neighbour IP does not match the remote GRE tunnel IP {di_tun}.",
      "Configure the BGP neighbour as {di_tun} (the Dedicated Instance tunnel IP), remote-as {remote_as}; when this "
      "CPE already does, the Dedicated Instance side's neighbour must be {cpe_tun}: check it with Cisco.")
def _r_bgp_nbr_ip(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    t = dctx["tunnel"]
    if check == "bgp_established":
        # the DI side removed its neighbour statement for us (Cease / Peer De-configured, RFC 4486 subcode 3)
        events = [e for e in _events(dctx, "BGP_NOTIFICATION") if e.get("direction") in (None, "received")
                  and e.get("code") == 6 and e.get("subcode") == 3]
        return [_ev_text(events) + ": the Dedicated Instance side has no neighbour %s" % t["cpe"]["tunnel_ip"]] if events else None
    net = ipaddress.ip_network(t["cpe"]["tunnel_cidr"], strict=False)
    ev = []
    for nbr in as_list(dctx["state"].get("bgp_neighbors")):
        try:
            inside = ipaddress.ip_address(str(nbr.get("neighbor"))) in net
        except ValueError:
            inside = False
        if inside and not ip_eq(nbr.get("neighbor"), t["bgp"]["neighbor"]):
            ev.append("neighbour %s configured in the tunnel subnet %s" % (nbr.get("neighbor"), net))
    cfg = _cfg(dctx, "bgp")
    if cfg.get("neighbor") is not None and not ip_eq(cfg["neighbor"], t["bgp"]["neighbor"]):
        ev.append("configured neighbour %s" % cfg["neighbor"])
    return ev or None


@rule("bgp.not_configured", "bgp", ("bgp_neighbor",),
      "BGP is not enabled or not configured with the Dedicated Instance tunnel IP {di_tun} as neighbour.",
      "Configure BGP neighbour {di_tun} remote-as {remote_as} (local AS {local_as}) on this CPE.")
def _r_bgp_missing(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    return ["no BGP neighbour %s" % dctx["tunnel"]["bgp"]["neighbor"]] if dctx["nbr"] is None else None


@rule("bgp.remote_as", "bgp", ("bgp_remote_as", "bgp_established"),
      "The remote AS number does not match the AS number configured on the Dedicated Instance side: recheck "
      "the neighbour AS configuration.",
      "Set 'neighbor {di_tun} remote-as {remote_as}'.")
def _r_bgp_remote_as(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    ev = []
    nbr = dctx["nbr"] or {}
    if nbr.get("remote_as") is not None and str(nbr["remote_as"]) != str(dctx["tunnel"]["bgp"]["remote_as"]):
        ev.append("neighbour %s remote-as %s" % (nbr.get("neighbor"), nbr["remote_as"]))
    cfg = _cfg(dctx, "bgp")
    if cfg.get("remote_as") is not None and str(cfg["remote_as"]) != str(dctx["tunnel"]["bgp"]["remote_as"]):
        ev.append("configured remote-as %s" % cfg["remote_as"])
    events = [e for e in _events(dctx, "BGP_BAD_PEER_AS") if e.get("direction") == "sent"]
    if events:
        ev.append(_ev_text(events))
    return ev or None


@rule("bgp.local_as", "bgp", ("bgp_local_as", "bgp_established"),
      "The local AS number does not match what the Dedicated Instance side expects: verify that the local AS "
      "number matches the expected Dedicated Instance parameters.",
      "Use local AS {local_as} towards {di_tun} (a per-neighbour 'local-as {local_as} no-prepend replace-as' "
      "when the router's ASN differs).")
def _r_bgp_local_as(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    ev = []
    nbr = dctx["nbr"] or {}
    if nbr.get("local_as") is not None and str(nbr["local_as"]) != str(dctx["tunnel"]["bgp"]["local_as"]):
        ev.append("neighbour %s local AS %s" % (nbr.get("neighbor"), nbr["local_as"]))
    cfg = _cfg(dctx, "bgp")
    if cfg.get("local_as") is not None and str(cfg["local_as"]) != str(dctx["tunnel"]["bgp"]["local_as"]):
        ev.append("configured local AS %s" % cfg["local_as"])
    events = [e for e in _events(dctx, "BGP_BAD_PEER_AS") if e.get("direction") in (None, "received")]
    if events:
        ev.append(_ev_text(events))
    return ev or None


@rule("bgp.auth", "bgp", ("bgp_established",),
      "The BGP TCP session is rejected: the BGP (TCP MD5) password does not match the Dedicated Instance side.",
      "Re-enter this tunnel's BGP password for neighbour {di_tun} (never print it), or remove it if Cisco "
      "uses none.")
def _r_bgp_auth(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    events = _events(dctx, "BGP_AUTH_FAILED")
    return [_ev_text(events)] if events else None


@rule("bgp.firewall", "bgp", ("bgp_established",),
      "The tunnel ping succeeds but the BGP session does not come up: a firewall is blocking the BGP TCP "
      "packets (port 179) inside GRE sent into or received from the IPsec tunnel.",
      "Permit TCP 179 between {cpe_tun} and {di_tun} through the tunnel ({firewalls}); check the BGP logs "
      "for setting errors.")
def _r_bgp_firewall(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    if (dctx["checks"].get("gre_ping") or {}).get("status") == PASS:
        return ["tunnel ping %s -> %s ok, BGP %s" % (
            dctx["tunnel"]["cpe"]["tunnel_ip"], dctx["tunnel"]["di"]["tunnel_ip"], (dctx["nbr"] or {}).get("state"))]
    return None


@rule("bgp.timers_not_in_effect", "bgp", ("bgp_timers",),
      "The BGP session with {di_tun} runs an older hold time than planned: BGP negotiates it when the session comes "
      "up, so timers changed on a running session (a failover profile switched) wait for the next re-establishment, "
      "and a dead tunnel is detected that much later.",
      "Re-establish the session while the other tunnel carries the traffic: {bgp_reset} (deploy_vc.yml does it for "
      "the tunnels whose timers it changes). A hold time of 0 means a side disabled keepalives: set "
      "'timers {keepalive_s} {hold_s}' on both.")
def _r_bgp_timers(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    return [(dctx["checks"].get(check) or {}).get("message")]


@rule("bgp.down", "bgp", BGP_ALL,
      "The BGP session is not established.",
      "Ping from tunnel IP {cpe_tun} to {di_tun}; if it succeeds check the BGP logs: remote AS {remote_as}, "
      "local AS {local_as}, neighbour {di_tun}, TCP 179 through firewalls.")
def _r_bgp_down(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    return [(dctx["checks"].get(check) or {}).get("message")]


# ----- BGP route exchange -------------------------------------------------------------------

def _rx_diff(dctx: Dict[str, Any]) -> Tuple[set, set]:
    c = dctx["checks"].get("bgp_received") or {}
    return set(c.get("missing") or []), set(c.get("extra") or [])


@rule("routes.swapped", "routes", ("bgp_received",),
      "This tunnel receives the routes of data center {sib_dc}: the tunnel pointing to Dedicated Instance "
      "data center {dc} must receive DC-{dc}'s /25 local route and the /24 backup route. The tunnels are "
      "swapped.",
      "Point tunnel {index} to DC-{dc}: check the DI addresses (IPsec {di_ipsec}, GRE {di_gre}, tunnel "
      "{di_tun}) of this tunnel against Cisco's handover sheet.")
def _r_routes_swapped(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    sib = dctx["sibling"]
    nbr = dctx["nbr"] or {}
    if sib is None or nbr.get("received") is None:
        return None
    got = set(canon_prefix(p) for p in nbr["received"])
    if got and got == set(canon_prefix(p) for p in sib["expect_received"]) and \
            got != set(canon_prefix(p) for p in dctx["tunnel"]["expect_received"]):
        return ["received %s = DC-%s's routes" % (", ".join(sorted(got)), sib.get("datacenter"))]
    return None


def _own_25s(t: Dict[str, Any]) -> set:
    return set(canon_prefix(p) for p in (t.get("dc_prefix"), t.get("iaas_dc_prefix")) if p)


@rule("routes.missing_dc_prefix", "routes", ("bgp_received", "route_via_tunnel"),
      "The BGP session of the tunnel pointing to Dedicated Instance data center {dc} does not receive the "
      "data center {dc} /25 local route.",
      "Check the inbound prefix list / route-map of neighbour {di_tun} (must permit {expect}); if the route "
      "is not sent, open a case with Cisco.")
def _r_routes_missing25(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    missing, _extra = _rx_diff(dctx)
    hit = sorted(missing & _own_25s(dctx["tunnel"]))
    return ["missing %s" % ", ".join(hit)] if hit else None


@rule("routes.missing_backup", "routes", ("bgp_received",),
      "The tunnel does not receive the /24 backup route (the same /24 is advertised by data center A and "
      "data center B).",
      "Check the inbound prefix list / route-map of neighbour {di_tun} (must permit {expect}).")
def _r_routes_missing24(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    missing, _extra = _rx_diff(dctx)
    backup = set(canon_prefix(p) for p in dctx["tunnel"]["expect_received"]) - _own_25s(dctx["tunnel"])
    hit = sorted(missing & backup)
    return ["missing %s" % ", ".join(hit)] if hit else None


@rule("routes.other_dc_prefix", "routes", ("bgp_received",),
      "The tunnel to data center {dc} receives data center {sib_dc}'s /25: while both tunnels are up, the "
      "data center {dc} tunnel must not be used to send traffic to data center {sib_dc}.",
      "Filter inbound on neighbour {di_tun} to exactly {expect}; tell Cisco DC-{dc} advertises DC-{sib_dc}'s "
      "/25.")
def _r_routes_other25(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    sib = dctx["sibling"]
    if sib is None:
        return None
    _missing, extra = _rx_diff(dctx)
    hit = sorted(extra & _own_25s(sib))
    return ["extra %s" % ", ".join(hit)] if hit else None


@rule("routes.extra", "routes", ("bgp_received",),
      "The tunnel receives routes other than its data center's /25 local route and the /24 backup route.",
      "Filter inbound on neighbour {di_tun} to exactly {expect}.")
def _r_routes_extra(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    _missing, extra = _rx_diff(dctx)
    return ["extra %s" % ", ".join(sorted(extra))] if extra else None


@rule("routes.default_withheld", "routes", ("bgp_advertised",),
      "The CPE withholds 0.0.0.0/0 from Dedicated Instance on purpose: its conditional default "
      "(vc_redistribution.default_requires) sends it only while a customer prefix ({red_cond}) is in the CPE's "
      "routing table, and none is: the customer IGP towards the core is down or has not converged (or the core no "
      "longer announces the prefix). Return traffic goes over the other tunnel or CPE meanwhile.",
      "Bring up {red_igp} and check that the core announces {red_cond} to this CPE; the default is advertised again "
      "once the prefix is in the routing table (the router re-checks the condition by itself).")
def _r_routes_withheld(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    c = dctx["checks"].get("bgp_advertised") or {}
    red = dctx.get("redistribution") or {}
    cond = (((dctx.get("state") or {}).get("redistribution") or {}).get("default_condition")) or {}
    if "0.0.0.0/0" not in (c.get("missing") or []) or not red.get("default_condition") or cond.get("routed") != []:
        return None
    ev = ["0.0.0.0/0 not advertised to %s" % dctx["tunnel"]["bgp"]["neighbor"],
          "none of %s in the routing table" % ", ".join(cond.get("prefixes") or red["default_condition"]["prefixes"])]
    for r in cond.get("routes") or []:   # present, but not from the protocol the condition follows (platform rule)
        ev.append("%s is routed by %s (via %s), not by the customer IGP the condition follows"
                  % (r.get("prefix"), r.get("protocol"), r.get("next_hop") or r.get("interface")))
    return ev


@rule("routes.default_not_advertised", "routes", ("bgp_advertised",),
      "The 0.0.0.0/0 route must be advertised from the customer to the Dedicated Instance data center side, "
      "on both the data center A and the data center B tunnel; it is not advertised on this tunnel.",
      "Advertise the default to {di_tun}: 'neighbor {di_tun} default-originate' (or network 0.0.0.0) with an "
      "outbound prefix list permitting only {advertise}.")
def _r_routes_no_default(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    c = dctx["checks"].get("bgp_advertised") or {}
    missing = set(c.get("missing") or [])
    return ["not advertised %s" % ", ".join(sorted(missing))] if "0.0.0.0/0" in missing else None


@rule("routes.more_specific", "routes", ("bgp_advertised",),
      "The customer advertises more than 0.0.0.0/0: the Dedicated Instance side will not accept more "
      "specific routes.",
      "Apply an outbound prefix list permitting only {advertise} to neighbour {di_tun}.")
def _r_routes_more_specific(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    c = dctx["checks"].get("bgp_advertised") or {}
    extra = c.get("extra") or []
    return ["also advertised %s" % ", ".join(extra)] if extra else None


@rule("routes.wrong_tunnel", "routes", ("route_via_tunnel",),
      "While both tunnels are up, data center {dc}'s /25 must be reached via the data center {dc} tunnel; it "
      "is routed via another path (suboptimal routing that can break traffic through firewalls).",
      "Remove what makes the other path win (weight / local-preference / route-map / static route); the /25 "
      "learnt from {di_tun} must be the best route, the /24 is only the backup.")
def _r_routes_wrong_tunnel(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    c = dctx["checks"].get("route_via_tunnel") or {}
    t = dctx["tunnel"]
    ev = []
    for prefix, routes in (c.get("actual") or {}).items():
        for r in routes:
            if not ip_eq(r.get("next_hop"), t["di"]["tunnel_ip"]) and not (
                    dctx["gre"] and r.get("interface") == dctx["gre"].get("name")):
                ev.append("%s via %s %s" % (prefix, r.get("next_hop"), r.get("interface") or ""))
    return [e.strip() for e in ev] or None


@rule("routes.not_installed", "routes", ("route_via_tunnel",),
      "Data center {dc}'s /25 is received but not installed in the routing table.",
      "Check the RIB (route-maps, administrative distance, a conflicting static or VRF): {dc_prefix} must be "
      "installed via {di_tun}.")
def _r_routes_not_installed(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    c = dctx["checks"].get("route_via_tunnel") or {}
    empty = [p for p, routes in (c.get("actual") or {}).items() if not routes]
    return ["%s not in the routing table" % ", ".join(empty)] if empty else None


@rule("routes.mismatch", "routes", ("bgp_received", "bgp_advertised", "route_via_tunnel"),
      "The route exchange with the Dedicated Instance does not match the plan.",
      "Tunnel {index} must receive exactly {expect} and advertise exactly {advertise}.")
def _r_routes_mismatch(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    return [(dctx["checks"].get(check) or {}).get("message")]


# ----- Redistribution into the customer network (customer-side HA, docs/ha.md; verify/ha_checks.py) --------------
RED_ALL = ("redistribution_config", "redistribution_core", "redistribution_exported")


def _red_check(dctx: Dict[str, Any], name: str) -> Dict[str, Any]:
    return dctx["checks"].get(name) or {}


def _failed(dctx: Dict[str, Any], check: str, without_actual: bool = False) -> Optional[List[str]]:
    """The evidence of a rule that is its check failing (``without_actual``: and it found nothing): the message."""
    c = _red_check(dctx, check)
    return [c.get("message")] if c.get("status") == FAIL and not (without_actual and c.get("actual")) else None


@rule("redistribution.not_configured", "redistribution", ("redistribution_config",),
      "The CPE does not redistribute the routes it learns from Dedicated Instance into the customer network.",
      "Apply the bgp feature on this CPE: {red_how}.")
def _r_red_missing(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    return _failed(dctx, check)


@rule("redistribution.core_down", "redistribution", ("redistribution_core",),
      "The iBGP session from the CPE to the customer core router is not established.",
      "Check the core router's iBGP configuration (neighbor {cpe_core_hint} remote-as {red_asn}) and the path between them.")
def _r_red_core(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    return _failed(dctx, check)


@rule("redistribution.default_leak", "redistribution", ("redistribution_exported",),
      "The CPE hands the default route to the customer core: the route-map of the redistribution does not filter.",
      "Redistribute only through route-map {red_map} (prefix list {red_map}: exactly {red_prefixes}).")
def _r_red_default(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    extra = _red_check(dctx, check).get("extra") or []
    return ["0.0.0.0/0 handed to the core"] if "0.0.0.0/0" in extra else None


@rule("redistribution.not_filtered", "redistribution", ("redistribution_exported",),
      "The CPE hands routes other than the Dedicated Instance prefixes to the customer core.",
      "Redistribute only through route-map {red_map} (prefix list {red_map}: exactly {red_prefixes}).")
def _r_red_extra(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    extra = _red_check(dctx, check).get("extra") or []
    return ["also handed to the core: %s" % ", ".join(extra)] if extra else None


@rule("redistribution.prefix_missing", "redistribution", ("redistribution_exported",),
      "A Dedicated Instance prefix this tunnel receives is not handed to the customer core.",
      "The prefix list {red_map} must permit exactly {red_prefixes}; re-apply the bgp feature.")
def _r_red_missing_prefix(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    c = _red_check(dctx, check)
    missing = c.get("missing") or []
    rx = dctx["checks"].get("bgp_received") or {}
    if not missing or rx.get("status") != PASS:
        return None
    return ["received from Dedicated Instance but not handed to the core: %s" % ", ".join(missing)]


@rule("redistribution.tag", "redistribution", ("redistribution_exported",),
      "The Dedicated Instance routes reach the customer core with another route tag than planned.",
      "Set the tag in route-map {red_map} (set tag {red_tag}); the customer's filters on the tag depend on it.")
def _r_red_tag(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    wrong = _red_check(dctx, check).get("wrong_tag") or []
    return wrong or None


@rule("redistribution.mismatch", "redistribution", RED_ALL,
      "The hand-over of the Dedicated Instance prefixes to the customer core does not match the plan.",
      "The CPE must hand exactly {red_prefixes} to the core ({red_how}).")
def _r_red_mismatch(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    return [_red_check(dctx, check).get("message")]


# ----- Split devices: the route between the IPsec device and the GRE router (seed 004, docs/ha.md) --------------
@rule("rri.not_injected", "ipsec", ("rri_route",),
      "The IPsec device does not inject the route to the Dedicated Instance GRE endpoint {di_gre} (RRI) although its "
      "SA is up: the GRE router's packets are not attracted to the crypto map.",
      "{rri_inject}")
def _r_rri_missing(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    return _failed(dctx, check, without_actual=True)


@rule("rri.wrong_next_hop", "ipsec", ("rri_route",),
      "The route to the Dedicated Instance GRE endpoint {di_gre} on the IPsec device does not point to the Cisco IPsec "
      "peer {di_ipsec}: another (static) route wins over the RRI route.",
      "Remove the other route to {di_gre} on the IPsec device; RRI installs {di_gre}/32 {rri_path} while the SA is up.")
def _r_rri_nh(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    return _failed(dctx, check)


@rule("rri.no_route_to_ipsec_device", "gre", ("split_route",),
      "The GRE router has no route to the Dedicated Instance GRE endpoint {di_gre} via its IPsec device: GRE never "
      "reaches the crypto map.",
      "{split_route}")
def _r_split_missing(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    return _failed(dctx, check, without_actual=True)


@rule("rri.route_elsewhere", "gre", ("split_route",),
      "The GRE router routes the Dedicated Instance GRE endpoint {di_gre} elsewhere than its IPsec device: GRE would "
      "leave unencrypted or be dropped.",
      "Make {di_gre}/32 point to the IPsec device {split_inside}.")
def _r_split_elsewhere(dctx: Dict[str, Any], check: str) -> Optional[List[str]]:
    return _failed(dctx, check)


RULE_IDS = tuple(r["id"] for r in RULES)


# ---------------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------------

def _fmt(text: str, values: Dict[str, Any]) -> str:
    try:
        return text.format(**values)
    except (KeyError, IndexError, ValueError):
        return text


def explain(dctx: Dict[str, Any], check: str) -> Dict[str, Any]:
    """The first rule of the check's layer that matches: {cause_id, cause, fix, evidence}."""
    values = _values(dctx)
    for r in RULES:
        if check not in r["checks"]:
            continue
        evidence = r["match"](dctx, check)
        if evidence:
            return {
                "cause_id": r["id"],
                "layer": r["layer"],
                "layer_title": LAYER_TITLES[r["layer"]],
                "check": check,
                "cause": _fmt(r["cause"], values),
                "fix": _fmt(r["fix"], values),
                "evidence": [e for e in evidence if e],
            }
    return {"cause_id": None, "layer": None, "layer_title": None, "check": check,
            "cause": "no rule explains %s" % check, "fix": None, "evidence": []}


def _notes(dctx: Dict[str, Any]) -> List[str]:
    """Advice that is not a fault: e.g. a transport-IP ping that cannot work by design."""
    notes = []
    t = dctx["tunnel"]
    transport = _probe(dctx, t["di"]["gre_ip"], t["cpe"]["gre_ip"])
    if transport is False:
        notes.append("ping %s -> %s (transport IP to transport IP) fails by design: the crypto ACL carries "
                     "only GRE. Ping tunnel IP %s -> %s instead." % (t["cpe"]["gre_ip"], t["di"]["gre_ip"],
                                                                     t["cpe"]["tunnel_ip"], t["di"]["tunnel_ip"]))
    if (t.get("gre") or {}).get("keepalive", {}).get("enabled") is False:
        notes.append("GRE keepalives are not used on this platform: Cisco must be told to disable the "
                     "Dedicated Instance side's default keepalives.")
    return notes


# causes that say only "not (yet) up": "wait, it is just coming up" (settle.py: waiting is never a verdict) and "no IKE
# SA" with nothing more; a definitive event of the tunnel in the log (one no retry fixes) says why
WAIT_CAUSES = ("ike.young", "ike.down")
DEFINITIVE_WINDOW_S = 120


def _definitive_behind_wait(dctx: Dict[str, Any], state: Dict[str, Any], tunnel: Dict[str, Any],
                            blocked: Sequence[str]) -> Optional[Dict[str, Any]]:
    """A young IKE SA blocks the later checks, but when the log holds a definitive event of this tunnel (one no retry
    fixes: settle.DEFINITIVE, at most DEFINITIVE_WINDOW_S old), the check it blocks whose rule names that event from
    the log is the cause: e.g. the IKE SA is 5 s old because the peer refused its CHILD SA (TS_UNACCEPTABLE)."""
    ev = definitive(state, tunnel, DEFINITIVE_WINDOW_S)
    if ev is None:
        return None
    for check in blocked:
        cause = explain(dctx, check)
        if cause["cause_id"] and cause["cause_id"] not in WAIT_CAUSES and cause["layer"] == ev.get("phase") \
                and any(str(e).startswith("log: ") for e in cause["evidence"]):
            cause["message"] = "%s (blocked by the IKE SA %s; the log says why)" % (
                check, "being young" if dctx.get("ike_sa") else "being down")
            return cause
    return None


def diagnose_host(plan: Dict[str, Any], state: Dict[str, Any], host: str,
                  options: Optional[Dict[str, Any]] = None, verify_result: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """Diagnose every plan tunnel of `host`: per tunnel the first failing layer, the named cause (article
    wording), the fix, the evidence, other independent faults, and the checks blocked by the cause."""
    options = merge_options(options)
    state = state or {}
    result = verify_result or verify_host(plan, state, host, options)
    by_key = dict((t["key"], t) for t in result["tunnels"])
    config = state.get("config") if isinstance(state.get("config"), dict) else {}
    platform = platform_of_host(plan, host, state)
    out = []
    for region, tunnel, role in host_roles(plan, host):
        vt = by_key[tunnel["key"]]
        dctx = tunnel_context(state, region, tunnel, options)
        dctx["role"] = role
        dctx.update({
            "redistribution": (((plan or {}).get("cpes") or {}).get(host) or {}).get("redistribution"),
            "host": host,
            "platform": platform,
            "label": vt["label"],
            "checks": dict((c["check"], c) for c in vt["checks"]),
            "config": config.get(tunnel["key"]) if isinstance(config.get(tunnel["key"]), dict) else {},
        })
        roots = [c for c in vt["checks"] if c["status"] == FAIL]
        causes = []
        seen = set()
        for c in roots:
            cause = explain(dctx, c["check"])
            cause["message"] = c["message"]
            if cause["cause_id"] in seen:
                continue
            seen.add(cause["cause_id"])
            causes.append(cause)
        blocked = [c["check"] for c in vt["checks"] if c.get("blocked_by")]
        if causes and causes[0]["cause_id"] in WAIT_CAUSES:
            named = _definitive_behind_wait(dctx, state, tunnel, blocked)
            if named is not None:
                causes.insert(0, named)
        primary = causes[0] if causes else None
        out.append({
            "key": tunnel["key"],
            "index": tunnel.get("index"),
            "datacenter": tunnel.get("datacenter"),
            "region": vt["region"],
            "label": vt["label"],
            "ok": primary is None,
            "layer": primary["layer"] if primary else None,
            "layer_title": primary["layer_title"] if primary else None,
            "check": primary["check"] if primary else None,
            "message": primary["message"] if primary else None,
            "cause_id": primary["cause_id"] if primary else None,
            "cause": primary["cause"] if primary else None,
            "fix": primary["fix"] if primary else None,
            "evidence": primary["evidence"] if primary else [],
            "other_causes": causes[1:],
            "blocked": blocked,
            "notes": _notes(dctx),
        })
    return {"host": host, "ok": all(t["ok"] for t in out), "tunnels": out, "warnings": result["warnings"]}


def diagnosis_lines(diag: Dict[str, Any]) -> List[str]:
    lines = []
    for t in diag["tunnels"]:
        head = "%s %s [%s]" % (diag["host"], t["label"], t["key"])
        if t["ok"]:
            lines.append("%s: OK, every check passed" % head)
        else:
            lines.append("%s: %s failed at %s: %s" % (head, t["layer_title"], t["check"], t["message"]))
            lines.append("  cause [%s]: %s" % (t["cause_id"], t["cause"]))
            if t["evidence"]:
                lines.append("  evidence: %s" % "; ".join(t["evidence"]))
            lines.append("  fix: %s" % t["fix"])
            for other in t["other_causes"]:
                lines.append("  also [%s] at %s: %s" % (other["cause_id"], other["check"], other["cause"]))
            if t["blocked"]:
                lines.append("  blocked by this: %s" % ", ".join(t["blocked"]))
        for note in t["notes"]:
            lines.append("  note: %s" % note)
    for w in diag.get("warnings") or []:
        lines.append("warning: %s" % w)
    return lines
