# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Linux rules of the plan phase: what the plan may hold but a Linux CPE (kernel GRE, FRR) cannot carry.

Called by the plan core through the registry for every Linux CPE, before any device is touched.
Returns ``(severity, code, path, message)``; a secret is never part of a message. ``SETTING_RULES`` /
``SECRET_RULES``: field -> (finding code, grammar rule of plan/grammar.py); vc_linux_config checks the
secrets again before it writes anything (:func:`secret_problems`).
"""
from __future__ import annotations

import math
import re
from typing import Any, Dict, List, Sequence, Tuple

from ...plan import grammar
from .render import IKE_RETRANSMIT_FIELDS, IKE_RETRANSMIT_MAX_S, LINK_PREFIX, ike_retransmit_schedule

ERROR = "error"
WARNING = "warning"
IFNAMSIZ = 15   # the kernel's interface name limit (16 bytes with the NUL)

# Linux's own token rules (plan/grammar.py holds the generic ones)
RULES: Dict[str, str] = {
    "linux_interface": "a Linux interface name: 1-15 characters of letters, digits, '.', '_', '@' or '-', not '.' "
                       "or '..'",
    "frr_password": "a BGP password as FRR and the kernel's TCP-MD5 take it: one word (no blank), at most 80 bytes",
}
RULES.update(grammar.RULES)
_INTERFACE = re.compile(r"^(?!\.\.?\Z)[A-Za-z0-9._@-]{1,15}\Z")
CHECKS = {
    "linux_interface": lambda v: grammar.pattern_problem(v, _INTERFACE, RULES["linux_interface"], IFNAMSIZ),
    "frr_password": grammar.one_word_secret_problem,
}

FINDINGS: Dict[str, Tuple[str, str]] = {
    "linux.interface_name": (ERROR, "Linux: the GRE link name vcgre<tunnel_number> is at most 15 characters"),
    "linux.bgp_password": (ERROR, "Linux: " + RULES["frr_password"]),
    "linux.wan_interface": (ERROR, "Linux: vc_wan_interface is " + RULES["linux_interface"]),
    "linux.dpd_on_demand": (WARNING, "Linux: strongSwan has no on-demand DPD; it checks liveness when nothing was received "
                                     "for dpd_delay"),
    "linux.redistribution_process": (ERROR, "Linux: FRR redistributes into ospfd's default instance (ospf_process 1)"),
    "linux.rri_static": (ERROR, "Linux: the IPsec device of a split tunnel injects its RRI route while the CHILD SA is up "
                                "(dynamic RRI); static RRI (options.rri.static) is not built on Linux"),
    "linux.rri_tag": (ERROR, "Linux: the RRI tag is FRR's route tag: an integer 1-4294967295"),
    "linux.ike_retransmit": (ERROR, "Linux: vc_linux_ike_retransmit is a mapping of timeout_s 0.5-30, base 1-4, tries 1-10 "
                                    "whose schedule gives up within %d s" % IKE_RETRANSMIT_MAX_S),
}

SETTING_RULES: Dict[str, Tuple[str, str]] = {
    "wan_interface": ("linux.wan_interface", "linux_interface"),
}
SECRET_RULES: Dict[str, Tuple[str, str]] = {
    "bgp_password": ("linux.bgp_password", "frr_password"),
}


def secret_problems(tkey: str, entry: Dict[str, Any], generic: bool = True) -> List[Tuple[str, str, str]]:
    """``(code, field, message)`` for each secret of one tunnel a Linux CPE cannot carry (never the value)."""
    return grammar.secret_problems(SECRET_RULES, CHECKS, tkey, entry, generic)


def _number(value: Any) -> Any:
    """A number as charon takes it, from an int/float or its decimal text (Ansible templating gives text); None: not one."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str) and re.match(r"^\s*[0-9]+(\.[0-9]+)?\s*\Z", value):
        number = float(value)
    else:
        return None
    return number if math.isfinite(number) else None


def ike_retransmit_problems(value: Any) -> List[str]:
    """What is wrong with the opt-in retransmission schedule ``vc_linux_ike_retransmit`` (docs/ha.md section 3): a
    mapping of ``timeout_s``, ``base``, ``tries`` (each optional: charon's default), in range, integral ``tries``, and a
    schedule that gives up within IKE_RETRANSMIT_MAX_S. Empty: fine (or not set)."""
    if value in (None, {}):
        return []
    if not isinstance(value, dict):
        return ["must be a mapping of %s, got %s" % (", ".join(IKE_RETRANSMIT_FIELDS), type(value).__name__)]
    out = []
    unknown = sorted(str(k) for k in value if k not in IKE_RETRANSMIT_FIELDS)
    if unknown:
        out.append("unknown field(s) %s; known: %s" % (", ".join(unknown), ", ".join(IKE_RETRANSMIT_FIELDS)))
    for field, (low, high, integer, _default) in IKE_RETRANSMIT_FIELDS.items():
        if field not in value:
            continue
        number = _number(value[field])
        if number is None or not low <= number <= high or (integer and number != int(number)):
            out.append("%s must be %s %g-%g, got %r" % (field, "an integer" if integer else "a number", low, high, value[field]))
    if not out:
        sched = ike_retransmit_schedule(dict((k, _number(v)) for k, v in value.items()))
        if sched and sched["dead_after_s"] > IKE_RETRANSMIT_MAX_S:
            out.append("the schedule gives up only after %g s (more than %d s): lower timeout_s, base or tries"
                       % (sched["dead_after_s"], IKE_RETRANSMIT_MAX_S))
    return out


def split_problems(host: str, tunnels: Sequence[Dict[str, Any]], paths: Dict[str, str]) -> List[Tuple[str, str, str, str]]:
    """Split tunnels (docs/ha.md section 2) whose IPsec device is this Linux host: dynamic RRI only (the updown script
    installs the route on CHILD SA up, removes it on down: a static route would need the WAN next hop, which the
    plan does not hold), and a tag FRR's ``set tag`` takes. The GRE/BGP router of a split tunnel has nothing more
    to check on Linux: its GRE link and BGP are the usual ones, no swanctl connection, the route to the DI GRE
    endpoint is learned from the IPsec device by the inside OSPF."""
    out: List[Tuple[str, str, str, str]] = []
    for t in tunnels:
        split = t.get("split")
        if not split or split.get("ipsec_host") != host:
            continue
        rri = split.get("rri") or {}
        if rri.get("static"):
            out.append((ERROR, "linux.rri_static", "options.rri.static",
                        "tunnel %s: %s is the IPsec device (Linux): RRI there is dynamic (the route to %s exists while the "
                        "CHILD SA is up); set options.rri.static to false" % (t["key"], host, rri.get("route"))))
        tag = rri.get("tag")
        if isinstance(tag, bool) or not isinstance(tag, int) or not 1 <= tag <= 4294967295:
            out.append((ERROR, "linux.rri_tag", "options.rri.tag",
                        "tunnel %s: the RRI tag of %s must be an integer 1-4294967295 (FRR 'set tag'), got %r"
                        % (t["key"], host, tag)))
    return out


def validate(host: str, cpe: Dict[str, Any], tunnels: Sequence[Dict[str, Any]], settings: Dict[str, Any],
             secrets: Dict[str, Dict[str, Any]], paths: Dict[str, str]) -> List[Tuple[str, str, str, str]]:
    out: List[Tuple[str, str, str, str]] = []
    for key, (code, rule) in SETTING_RULES.items():
        value = settings.get(key)
        if value not in (None, ""):
            problem = grammar.check(rule, value, CHECKS)
            if problem:
                out.append((ERROR, code, "cpes.%s.%s" % (host, key),
                            "vc_%s %s; it must be %s" % (key, problem, RULES[rule])))
    for t in tunnels:
        if t.get("cpe_host") not in (None, host):
            continue      # the IPsec device of a split tunnel: no GRE link, no BGP here (rules below)
        path = paths.get(t["key"], "cpes.%s" % host)
        name = "%s%s" % (LINK_PREFIX, t["tunnel_number"])
        if len(name) > IFNAMSIZ:
            out.append((ERROR, "linux.interface_name", path + ".cpe.tunnel_number",
                        "interface name %r is longer than %d characters (tunnel_number %r); set a smaller "
                        "cpe.tunnel_number or vc_tunnel_base" % (name, IFNAMSIZ, t["tunnel_number"])))
        if t["bgp"].get("password_set"):
            for code, field, message in secret_problems(t["key"], secrets.get(t["key"]) or {}, generic=False):
                out.append((ERROR, code, "%s.%s" % (path, field), message))
    out += split_problems(host, tunnels, paths)
    for problem in ike_retransmit_problems(settings.get("ike_retransmit")):
        out.append((ERROR, "linux.ike_retransmit", "cpes.%s.ike_retransmit" % host, "vc_linux_ike_retransmit %s" % problem))
    dpd_modes = sorted(set((t["ipsec"].get("dpd") or {}).get("mode") for t in tunnels))
    if "on-demand" in dpd_modes:
        out.append((WARNING, "linux.dpd_on_demand", "options.dpd.mode",
                    "%s: strongSwan has no on-demand DPD: dpd_delay = %ss checks the peer whenever nothing was received for "
                    "that long (periodic when idle); the retry interval is charon's global retransmit setting (docs/ha.md)"
                    % (host, (tunnels[0]["ipsec"].get("dpd") or {}).get("interval_s"))))
    ospf = ((cpe or {}).get("redistribution") or {}).get("ospf") or {}
    if ospf and int(ospf.get("process") or 1) != 1:
        out.append((ERROR, "linux.redistribution_process", "cpes.%s.redistribution.ospf_process" % host,
                    "FRR's ospfd runs one default instance ('router ospf', no process id): leave ospf_process at 1, got %s"
                    % ospf["process"]))
    return out
