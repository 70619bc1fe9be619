# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The input model: field names, defaults of the optional knobs, and their validation.

The region fields are the contract of DESIGN.md section 2. Knobs (crypto, DPD, BGP timers, MTU,
GRE keepalives, RRI) have defaults that work with the documented Cisco side; every one can be
overridden globally (``vc_plan`` options / ``vc_*`` vars).
"""

from __future__ import annotations

import copy
from typing import Any, Dict, List, Optional, Tuple

from .crypto import (
    DEFAULT_ESP_LIFETIME,
    DEFAULT_IKE_LIFETIME,
    DEFAULT_SUITE,
    DH_GROUPS,
    ENCRYPTIONS,
    INTEGRITIES,
    PRFS,
    SUITES,
    WEAK_DH_GROUPS,
    is_gcm,
)
from .findings import Findings
from .grammar import RULES as GRAMMAR, text_problem
from .mtu import DEFAULT_TUNNEL_IP_MTU, DOCUMENTED_MSS

# Fields of the input model: name -> required?
REGION_FIELDS = {"region": True, "di_prefix": True, "iaas_prefix": False, "bandwidth_mbps": False, "tunnels": True}
TUNNEL_FIELDS = {"datacenter": True, "cpe": True, "di": True, "psk": False, "bgp_password": False}  # psk: checked as a secret
CPE_END_FIELDS = {"host": True, "ipsec_ip": True, "gre_ip": True, "tunnel_ip": True, "asn": True, "tunnel_number": False}
DI_END_FIELDS = {"ipsec_ip": True, "gre_ip": True, "tunnel_ip": True, "asn": True}
CPE_SETTING_FIELDS = (
    "platform",
    "wan_interface",
    "wan_mtu",
    "nat_t",
    "bgp_asn",
    "router_id",
    "tunnel_base",
    "wan_bandwidth_mbps",
    "redistribution",
)

DEFAULT_OPTIONS: Dict[str, Any] = {
    "crypto": {
        "suite": DEFAULT_SUITE,
        "ike": {},  # overrides of the suite: encryption, integrity, prf, dh_group, lifetime_s
        "esp": {},  # encryption, integrity, pfs_group, lifetime_s
        "ike_version": 2,
        "mode": "tunnel",
        "initiate": True,
    },
    "dpd": {"interval_s": 10, "retry_s": 2, "mode": "periodic"},
    "rri": {"enabled": False, "static": False, "tag": None},
    "bgp": {
        "keepalive_s": 10,
        "hold_s": 30,
        "connect_s": 10,
        "bfd": False,
        "bfd_interval_ms": 300,
        "bfd_multiplier": 3,
    },
    "mtu": {"tunnel_ip_mtu": DEFAULT_TUNNEL_IP_MTU, "tcp_mss": DOCUMENTED_MSS},
    "gre": {"keepalive": True, "keepalive_interval_s": 10, "keepalive_retries": 3, "ttl": 255},
    "customer_prefixes": [],
    "enterprise_asn": None,
}

DEFAULT_CPE = {
    "platform": None,  # resolve_cpe: the registry's default for direct callers of the core
    "wan_interface": None,
    "wan_mtu": 1500,
    "nat_t": "auto",
    "bgp_asn": None,
    "router_id": None,
    "tunnel_base": 100,
    "wan_bandwidth_mbps": None,
    "redistribution": None,  # plan/ha.py: opt-in hand-over of the DI prefixes to the customer core
}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def as_int(value: Any) -> Optional[int]:
    """Integers, or strings of digits (Ansible templating often yields strings)."""
    if _is_int(value):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def as_bool(value: Any) -> Optional[bool]:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("yes", "true", "on", "1", "no", "false", "off", "0"):
        return value.lower() in ("yes", "true", "on", "1")
    return None


def _merge(base: Dict[str, Any], override: Dict[str, Any]) -> Dict[str, Any]:
    out = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def _int_in(findings: Findings, code: str, path: str, value: Any, low: int, high: int, what: str) -> Optional[int]:
    number = as_int(value)
    if number is None or not low <= number <= high:
        findings.add(code, path, "%s must be an integer %d-%d, got %r" % (what, low, high, value))
        return None
    return number


def resolve_options(options: Optional[Dict[str, Any]], findings: Findings) -> Dict[str, Any]:
    """Merge user options over the defaults and validate them. Returns the resolved options."""
    opts = copy.deepcopy(DEFAULT_OPTIONS)
    if options:
        if not isinstance(options, dict):
            findings.add("input.type", "options", "options must be a mapping, got %s" % type(options).__name__)
        else:
            for key in options:
                if key not in DEFAULT_OPTIONS:
                    findings.add(
                        "input.unknown", "options.%s" % key, "unknown option %r; known: %s" % (key, ", ".join(sorted(DEFAULT_OPTIONS)))
                    )
            opts = _merge(opts, {k: v for k, v in options.items() if k in DEFAULT_OPTIONS and v is not None})

    _resolve_crypto(opts, findings)
    dpd = opts["dpd"]
    dpd["interval_s"] = _int_in(findings, "dpd.range", "options.dpd.interval_s", dpd.get("interval_s"), 10, 3600, "DPD interval") or 10
    dpd["retry_s"] = _int_in(findings, "dpd.range", "options.dpd.retry_s", dpd.get("retry_s"), 2, 60, "DPD retry interval") or 2
    if dpd.get("mode") not in ("periodic", "on-demand"):
        findings.add("dpd.mode", "options.dpd.mode", "DPD mode must be 'periodic' or 'on-demand', got %r" % (dpd.get("mode"),))

    rri = opts["rri"]
    for key in ("enabled", "static"):
        flag = as_bool(rri.get(key))
        if flag is None:
            findings.add("option.invalid", "options.rri.%s" % key, "must be true or false, got %r" % (rri.get(key),))
        rri[key] = bool(flag)
    if rri.get("tag") is not None:
        rri["tag"] = _int_in(findings, "option.invalid", "options.rri.tag", rri["tag"], 1, 4294967295, "RRI route tag")

    bgp = opts["bgp"]
    keep = as_int(bgp.get("keepalive_s"))
    hold = as_int(bgp.get("hold_s"))
    connect = as_int(bgp.get("connect_s"))
    if hold is None or not 3 <= hold <= 65535:
        findings.add(
            "bgp.timers",
            "options.bgp.hold_s",
            "hold time must be 3-65535 s (0 would disable failure detection), got %r" % (bgp.get("hold_s"),),
        )
        hold = 30
    if keep is None or not 1 <= keep < hold:
        findings.add(
            "bgp.timers",
            "options.bgp.keepalive_s",
            "keepalive must be 1 s or more and below the hold time %d s, got %r" % (hold, bgp.get("keepalive_s")),
        )
        keep = max(1, hold // 3)
    elif keep * 3 > hold:
        findings.add(
            "bgp.keepalive_ratio",
            "options.bgp.keepalive_s",
            "keepalive %d s is more than a third of the hold time %d s: one lost keepalive may drop the session" % (keep, hold),
        )
    if hold > 90:
        findings.add(
            "bgp.slow_failover",
            "options.bgp.hold_s",
            "hold time %d s: a dead tunnel is detected only after %d s (the lab measured ~174 s of outage with 180 s); 30 s is recommended"
            % (hold, hold),
        )
    if connect is None or not 1 <= connect <= 65535:
        findings.add("bgp.timers", "options.bgp.connect_s", "connect retry must be 1-65535 s, got %r" % (bgp.get("connect_s"),))
        connect = 10
    bgp.update(keepalive_s=keep, hold_s=hold, connect_s=connect)
    bfd = as_bool(bgp.get("bfd"))
    if bfd is None:
        findings.add("option.invalid", "options.bgp.bfd", "must be true or false, got %r" % (bgp.get("bfd"),))
    bgp["bfd"] = bool(bfd)
    bgp["bfd_interval_ms"] = (
        _int_in(findings, "bgp.bfd", "options.bgp.bfd_interval_ms", bgp.get("bfd_interval_ms"), 50, 60000, "BFD interval") or 300
    )
    bgp["bfd_multiplier"] = (
        _int_in(findings, "bgp.bfd", "options.bgp.bfd_multiplier", bgp.get("bfd_multiplier"), 2, 255, "BFD multiplier") or 3
    )

    mtu = opts["mtu"]
    mtu["tunnel_ip_mtu"] = (
        _int_in(findings, "mtu.range", "options.mtu.tunnel_ip_mtu", mtu.get("tunnel_ip_mtu"), 576, 9192, "tunnel IP MTU")
        or DEFAULT_TUNNEL_IP_MTU
    )
    mtu["tcp_mss"] = _int_in(findings, "mtu.range", "options.mtu.tcp_mss", mtu.get("tcp_mss"), 500, 1460, "TCP MSS") or DOCUMENTED_MSS
    if mtu["tcp_mss"] != DOCUMENTED_MSS:
        findings.add(
            "mtu.mss_not_documented",
            "options.mtu.tcp_mss",
            "tcp_mss %d: Cisco documents 'ip tcp adjust-mss 1350' for Virtual Connect" % mtu["tcp_mss"],
        )
    if mtu["tcp_mss"] + 40 > mtu["tunnel_ip_mtu"]:
        findings.add(
            "mtu.mss_exceeds_mtu",
            "options.mtu.tcp_mss",
            "MSS %d + 40 bytes of TCP/IP headers exceeds the tunnel IP MTU %d" % (mtu["tcp_mss"], mtu["tunnel_ip_mtu"]),
        )

    gre = opts["gre"]
    ka = as_bool(gre.get("keepalive"))
    if ka is None:
        findings.add("option.invalid", "options.gre.keepalive", "must be true or false, got %r" % (gre.get("keepalive"),))
    gre["keepalive"] = bool(ka) if ka is not None else True
    if not gre["keepalive"]:
        findings.add(
            "gre.keepalive_off",
            "options.gre.keepalive",
            "GRE keepalives off: Cisco enables them by default on its side; ask Cisco to disable theirs or the tunnel will not come up",
        )
    gre["keepalive_interval_s"] = (
        _int_in(
            findings,
            "gre.keepalive_range",
            "options.gre.keepalive_interval_s",
            gre.get("keepalive_interval_s"),
            1,
            32767,
            "GRE keepalive interval",
        )
        or 10
    )
    gre["keepalive_retries"] = (
        _int_in(
            findings, "gre.keepalive_range", "options.gre.keepalive_retries", gre.get("keepalive_retries"), 1, 255, "GRE keepalive retries"
        )
        or 3
    )
    gre["ttl"] = (
        _int_in(findings, "option.invalid", "options.gre.ttl", gre.get("ttl"), 2, 255, "GRE TTL (eBGP's TTL 1 must not be inherited)")
        or 255
    )

    if opts["enterprise_asn"] is not None:
        asn = as_int(opts["enterprise_asn"])
        if asn is None or not 1 <= asn <= 4294967294:
            findings.add(
                "asn.enterprise_invalid",
                "options.enterprise_asn",
                "enterprise ASN must be 1-4294967294, got %r" % (opts["enterprise_asn"],),
            )
            asn = None
        opts["enterprise_asn"] = asn
    if not isinstance(opts["customer_prefixes"], list):
        findings.add("input.type", "options.customer_prefixes", "customer_prefixes must be a list of CIDR prefixes")
        opts["customer_prefixes"] = []
    return opts


def _resolve_crypto(opts: Dict[str, Any], findings: Findings) -> None:
    crypto = opts["crypto"]
    suite = crypto.get("suite") or DEFAULT_SUITE
    if suite not in SUITES:
        findings.add(
            "crypto.suite", "options.crypto.suite", "unknown crypto suite %r; choose one of %s" % (suite, ", ".join(sorted(SUITES)))
        )
        suite = DEFAULT_SUITE
    version = as_int(crypto.get("ike_version"))
    if version != 2:
        findings.add(
            "crypto.ike_version",
            "options.crypto.ike_version",
            "IKE version %r: Virtual Connect uses IKEv2 only" % (crypto.get("ike_version"),),
        )
    if crypto.get("mode") != "tunnel":
        findings.add(
            "crypto.mode",
            "options.crypto.mode",
            "IPsec mode %r: use tunnel mode; Cisco's IPsec headend is not its GRE endpoint, so transport mode cannot work"
            % (crypto.get("mode"),),
        )
    if as_bool(crypto.get("initiate")) is not True:
        findings.add(
            "crypto.initiate", "options.crypto.initiate", "Cisco's side may not start IKEv2: the CPE must initiate (keep initiate: true)"
        )
    ike = dict(SUITES[suite]["ike"], lifetime_s=DEFAULT_IKE_LIFETIME)
    esp = dict(SUITES[suite]["esp"], lifetime_s=DEFAULT_ESP_LIFETIME)
    for part, base, overrides in (("ike", ike, crypto.get("ike") or {}), ("esp", esp, crypto.get("esp") or {})):
        if not isinstance(overrides, dict):
            findings.add("input.type", "options.crypto.%s" % part, "must be a mapping")
            continue
        for key, value in overrides.items():
            if key not in base:
                findings.add("input.unknown", "options.crypto.%s.%s" % (part, key), "unknown key; known: %s" % ", ".join(sorted(base)))
                continue
            base[key] = value
        path = "options.crypto.%s" % part
        if base["encryption"] not in ENCRYPTIONS:
            findings.add(
                "crypto.algorithm",
                path + ".encryption",
                "encryption %r not supported; choose one of %s" % (base["encryption"], ", ".join(ENCRYPTIONS)),
            )
            base["encryption"] = SUITES[DEFAULT_SUITE][part]["encryption"]
        if is_gcm(base["encryption"]):
            if base["integrity"] is not None:
                findings.add(
                    "crypto.gcm_integrity",
                    path + ".integrity",
                    "%s authenticates by itself; integrity %r is ignored (NULL), as on the Cisco side"
                    % (base["encryption"], base["integrity"]),
                )
                base["integrity"] = None
        elif base["integrity"] is None:
            findings.add(
                "crypto.integrity_missing",
                path + ".integrity",
                "%s needs an integrity algorithm (one of %s)" % (base["encryption"], ", ".join(INTEGRITIES)),
            )
            base["integrity"] = "sha256"
        elif base["integrity"] not in INTEGRITIES:
            findings.add(
                "crypto.algorithm",
                path + ".integrity",
                "integrity %r not supported; choose one of %s" % (base["integrity"], ", ".join(INTEGRITIES)),
            )
            base["integrity"] = "sha256"
        if part == "ike" and base["prf"] not in PRFS:
            findings.add("crypto.algorithm", path + ".prf", "PRF %r not supported; choose one of %s" % (base["prf"], ", ".join(PRFS)))
            base["prf"] = "sha384"
        group_key = "dh_group" if part == "ike" else "pfs_group"
        group = base[group_key]
        if group is None and part == "esp":
            findings.add(
                "crypto.no_pfs",
                path + ".pfs_group",
                "no PFS group: it must match the Cisco side exactly (article: 'verify the Perfect Forward Secrecy setting')",
            )
        else:
            number = as_int(group)
            if number in WEAK_DH_GROUPS:
                findings.add(
                    "crypto.dh_group",
                    path + "." + group_key,
                    "DH group %s is weak and refused by the defaults of current IKEv2 implementations; use 14, 19, 20 or 21" % group,
                )
                number = 20
            elif number not in DH_GROUPS:
                findings.add(
                    "crypto.dh_group",
                    path + "." + group_key,
                    "DH group %r not supported; choose one of %s" % (group, ", ".join(str(g) for g in DH_GROUPS)),
                )
                number = 20
            base[group_key] = number
        life = as_int(base["lifetime_s"])
        low, high = (120, 86400)
        if life is None or not low <= life <= high:
            findings.add("crypto.lifetime", path + ".lifetime_s", "lifetime must be %d-%d s, got %r" % (low, high, base["lifetime_s"]))
            life = DEFAULT_IKE_LIFETIME if part == "ike" else DEFAULT_ESP_LIFETIME
        base["lifetime_s"] = life
    crypto.update(suite=suite, ike=ike, esp=esp, ike_version=2, mode="tunnel", initiate=True)


def resolve_cpe(host: str, settings: Any, findings: Findings) -> Dict[str, Any]:
    """Per-CPE settings (from host vars) merged over the defaults and validated."""
    cpe = dict(DEFAULT_CPE)
    cpe["platform"] = _core_default_platform()
    path = "cpes.%s" % host
    if settings is None:
        settings = {}
    if not isinstance(settings, dict):
        findings.add("input.type", path, "per-CPE settings must be a mapping")
        settings = {}
    platform_keys = _platform_setting_keys(settings.get("platform", cpe["platform"]))
    for key, value in settings.items():
        if key not in DEFAULT_CPE and key not in platform_keys:
            known = list(CPE_SETTING_FIELDS) + sorted(platform_keys)
            findings.add("input.unknown", "%s.%s" % (path, key), "unknown per-CPE setting; known: %s" % ", ".join(known))
        elif value is not None:
            cpe[key] = value
    for key in sorted(k for k, v in cpe.items() if isinstance(v, str) and v != ""):
        # every per-CPE setting can reach a device line: one line of printable ASCII, whatever its platform
        problem = text_problem(cpe[key])
        if problem:
            findings.add("cpe.setting", "%s.%s" % (path, key), "%s %s; rule: %s" % (key, problem, GRAMMAR["text"]))
            cpe[key] = DEFAULT_CPE.get(key) if key != "platform" else ""
    cpe["wan_mtu"] = _int_in(findings, "cpe.setting", path + ".wan_mtu", cpe["wan_mtu"], 1280, 9216, "WAN MTU (vc_wan_mtu)") or 1500
    cpe["tunnel_base"] = _int_in(
        findings, "cpe.setting", path + ".tunnel_base", cpe["tunnel_base"], 0, 2147483000, "tunnel base number (vc_tunnel_base)"
    )
    if cpe["tunnel_base"] is None:
        cpe["tunnel_base"] = 100
    if cpe["nat_t"] != "auto":
        flag = as_bool(cpe["nat_t"])
        if flag is None:
            findings.add("cpe.setting", path + ".nat_t", "vc_nat_t must be auto, true or false, got %r" % (cpe["nat_t"],))
            flag = False
        cpe["nat_t"] = flag
    if cpe["bgp_asn"] is not None:
        asn = as_int(cpe["bgp_asn"])
        if asn is None or not 1 <= asn <= 4294967294:
            findings.add(
                "asn.enterprise_invalid",
                path + ".bgp_asn",
                "the router's BGP ASN (vc_bgp_asn) must be 1-4294967294, got %r" % (cpe["bgp_asn"],),
            )
            asn = None
        cpe["bgp_asn"] = asn
    if cpe["wan_bandwidth_mbps"] is not None:
        cpe["wan_bandwidth_mbps"] = _int_in(
            findings,
            "cpe.setting",
            path + ".wan_bandwidth_mbps",
            cpe["wan_bandwidth_mbps"],
            1,
            10000000,
            "WAN bandwidth (vc_wan_bandwidth_mbps)",
        )
    from .ha import resolve_redistribution

    cpe["redistribution"] = resolve_redistribution(host, cpe["redistribution"], findings)
    return cpe


def _core_default_platform() -> str:
    """The platform of a CPE whose settings name none, for direct callers of the core only: the vc_plan
    action always passes the host's ansible_network_os, and an unset one is reported (platform.unknown)."""
    from ..platforms.registry import CORE_DEFAULT_NETWORK_OS

    return CORE_DEFAULT_NETWORK_OS


def _platform_setting_keys(network_os: Any) -> Tuple[str, ...]:
    """Per-CPE settings the CPE's platform reads (its own host variables), through the registry."""
    from ..platforms.registry import find_platform  # the registry names the platforms, never the core

    platform = find_platform(network_os)
    return tuple(platform.settings.values()) if platform is not None else ()


def unknown_fields(data: Dict[str, Any], fields: Dict[str, bool]) -> List[Tuple[str, Optional[str]]]:
    """(unknown key, closest known key or None)."""
    import difflib

    out = []
    for key in data:
        if key not in fields:
            close = difflib.get_close_matches(str(key), list(fields), n=1, cutoff=0.6)
            out.append((key, close[0] if close else None))
    return out
