# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The exact IOS-XE show commands the verify gather runs for one CPE, derived from the plan only.

Used by roles/verify (online: cisco.ios.ios_command; offline: one saved file per command), by the
diagnose playbook and by the IOS-XE SSH test double, so all of them agree on the command strings.

Pure Python, no Ansible import, Python 3.8 compatible.
"""
from __future__ import annotations

import ipaddress
from typing import Any, Dict, List

from ...plan.views import cpe_tunnels, device_tunnels, ipsec_tunnels
from ..saved_outputs import command_filename
from .redistribution import gather_commands as redistribution_commands


def host_region_prefixes(plan: Dict[str, Any], host: str) -> List[str]:
    """The Cisco /24s (DI and IaaS) of the regions this host serves, in plan order, unique."""
    out = []  # type: List[str]
    for region in (plan or {}).get("regions") or []:
        if not any(t.get("cpe_host") == host for t in region.get("tunnels") or []):
            continue
        for key in ("di_prefix", "iaas_prefix"):
            prefix = region.get(key)
            if prefix and prefix not in out:
                out.append(prefix)
    return out


def _cmd(command, kind, tunnel=None, optional=False, file=None, alt_files=None):
    item = {"command": command, "kind": kind, "tunnel": tunnel, "optional": optional,
            "file": file or command_filename(command)}
    if alt_files:
        item["alt_files"] = list(alt_files)
    return item


def ios_gather_commands(plan: Dict[str, Any], host: str) -> List[Dict[str, Any]]:
    """Ordered list of {command, kind, tunnel (plan key or None), optional, file}.

    Global: ``show crypto ikev2 sa``, ``show crypto session detail``, ``show ip bgp summary``,
    ``show ip interface brief`` and, per Cisco /24 of the host's regions,
    ``show ip route <net> <mask> longer-prefixes`` (the DC /25s and the /24; never a full table).
    Per tunnel: ``show crypto ipsec sa peer <di.ipsec_ip>``, ``show interfaces Tunnel<n>``,
    ``show ip interface Tunnel<n>`` (ip mtu), ``show ip bgp neighbors <di.tunnel_ip>``
    (local-as), ``show ip bgp neighbors <di.tunnel_ip> received-routes`` (``routes`` when the
    plan does not enable soft-reconfiguration inbound) and ``... advertised-routes``, and
    ``ping <di.tunnel_ip> source Tunnel<n> repeat 3``. Then the optional diagnose evidence commands of
    :func:`evidence_commands` (only for a host with tunnels).
    ``optional`` commands may be absent offline (their fields become null).
    """
    tunnels = cpe_tunnels(plan, host)
    cmds = [
        _cmd("show crypto ikev2 sa", "ikev2_sa"),
        _cmd("show crypto session detail", "crypto_session", optional=True),
        _cmd("show ip bgp summary", "bgp_summary"),
        _cmd("show ip interface brief", "ip_interface_brief", optional=True),
    ]
    for prefix in host_region_prefixes(plan, host):
        net = ipaddress.IPv4Network(prefix, strict=False)
        cmds.append(_cmd("show ip route %s %s longer-prefixes" % (net.network_address, net.netmask),
                         "ip_route"))
    for t in tunnels:
        key = t.get("key")
        ifname = "Tunnel%s" % t["tunnel_number"]
        di = t.get("di") or {}
        bgp = t.get("bgp") or {}
        neighbor = bgp.get("neighbor") or di.get("tunnel_ip")
        soft = bgp.get("soft_reconfiguration_inbound", True)
        if not t.get("split"):           # a split tunnel's CHILD SA is on its IPsec device (split_commands)
            cmds.append(_cmd("show crypto ipsec sa peer %s" % di["ipsec_ip"], "ipsec_sa", key))
        cmds.extend([
            _cmd("show interfaces %s" % ifname, "interface", key),
            _cmd("show ip interface %s" % ifname, "ip_interface", key, optional=True),
            _cmd("show ip bgp neighbors %s" % neighbor, "bgp_neighbor", key, optional=True),
            _cmd("show ip bgp neighbors %s %s" % (neighbor, "received-routes" if soft is not False else "routes"),
                 "bgp_received", key),
            _cmd("show ip bgp neighbors %s advertised-routes" % neighbor, "bgp_advertised", key),
            _cmd("ping %s source %s repeat 3" % (di["tunnel_ip"], ifname), "ping", key, optional=True),
        ])
    cmds.extend(split_commands(plan, host))
    if tunnels:
        cmds.extend(redistribution_commands((((plan or {}).get("cpes") or {}).get(host) or {}).get("redistribution"), _cmd))
    if device_tunnels(plan, host):       # the IPsec device of a split tunnel has log evidence too
        cmds.extend(evidence_commands(plan, host))
    seen = set()
    unique = []
    for c in cmds:
        if c["command"] not in seen:
            seen.add(c["command"])
            unique.append(c)
    return unique


# Optional diagnose evidence (evidence.py). The running-config filters select the VC objects and never a
# secret line: no keyring, no 'neighbor X password', no other block of the configuration.
RUNNING_CRYPTO = ("show running-config | section ^crypto (ikev2 (proposal|policy|profile)|ipsec (transform-set|"
                  "security-association)|map|dynamic-map)|^ip access-list extended|^access-list")
RUNNING_LINKS = ("show running-config | include ^interface |^ ip address |vrf forwarding |^ tunnel (source|destination|vrf) "
                 "|^ crypto map |^router bgp |^ address-family |^ +neighbor .* (remote-as|local-as|peer-group)")
LOGGING = "show logging | include IKEV2|IKEv2|CRYPTO|BGP|BADAUTH"
# the device's clock, read right after the log online (live_gather_commands): the age of each log event on the
# device's own clock (evidence.py), which tells a fresh definitive cause from an old one (verify/settle.py)
CLOCK = "show clock"
# What counts as a refused show command in the gather: IOS's own error answers only. cisco.ios takes any 'ERROR:' in an
# output for a failed command, and the router log holds such lines ('IKEv2-ERROR:(SESSION ID = 1,SA ID = 1):: Failed
# to authenticate the IKE SA'), so 'show logging' is read like any other output (network_cli option
# terminal_stderr_re, set for the gather and put back after it).
GATHER_STDERR_RE = (
    {"pattern": r"% ?Error"},
    {"pattern": r"% ?Bad secret"},
    {"pattern": r"invalid input", "flags": "re.I"},
    {"pattern": r"(?:incomplete|ambiguous) command", "flags": "re.I"},
    {"pattern": r"connection timed out", "flags": "re.I"},
    {"pattern": r"Command authorization failed"},
    {"pattern": r"Command Rejected: ?[\s]+", "flags": "re.I"},
    {"pattern": r"% Invalid", "flags": "re.I"},
)
# Offline, these filtered outputs are saved under short names; a whole 'show running-config' saved as
# show_running-config.txt serves both running-config items (the parser keeps only the VC objects and
# never copies a secret), and a whole 'show logging' may be saved as show_logging.txt.
WHOLE_RUNNING_FILE = "show_running-config.txt"


def evidence_commands(plan: Dict[str, Any], host: str) -> List[Dict[str, Any]]:
    """Optional evidence commands of a CPE: the VC objects of the running configuration (crypto part,
    then interfaces and BGP neighbours, both filtered on the router so no secret is ever sent back), the
    IPsec / BGP log lines and, per tunnel, ``ping <di.ipsec_ip> source <cpe.ipsec_ip> repeat 3`` (the
    IKE path; the address is the one IKE uses, whatever interface carries it). All optional."""
    cmds = [
        _cmd(RUNNING_CRYPTO, "running_config", optional=True, file="show_running-config_crypto.txt",
             alt_files=[WHOLE_RUNNING_FILE]),
        _cmd(RUNNING_LINKS, "running_config", optional=True, file="show_running-config_links.txt",
             alt_files=[WHOLE_RUNNING_FILE]),
        _cmd(LOGGING, "logging", optional=True, file="show_logging.txt"),
    ]
    for t in ipsec_tunnels(plan, host):  # the IKE path from the device that runs IKE for the tunnel
        di_ip = (t.get("di") or {}).get("ipsec_ip")
        cpe_ip = (t.get("cpe") or {}).get("ipsec_ip")
        if di_ip and cpe_ip:
            cmds.append(_cmd("ping %s source %s repeat 3" % (di_ip, cpe_ip), "ping", t.get("key"), optional=True))
    return cmds


def split_commands(plan: Dict[str, Any], host: str) -> List[Dict[str, Any]]:
    """Split devices (docs/ha.md): per split tunnel the route to the DI GRE endpoint (the RRI route on the IPsec device,
    the route to the IPsec device on the GRE router) and, on the IPsec device, the CHILD SA of the tunnel."""
    cmds = []  # type: List[Dict[str, Any]]
    for t in (plan or {}).get("regions") and [t for r in plan["regions"] for t in r.get("tunnels") or []] or []:
        split = t.get("split")
        if not split or host not in (split.get("ipsec_host"), t.get("cpe_host")):
            continue
        if split.get("ipsec_host") == host:
            cmds.append(_cmd("show crypto ipsec sa peer %s" % t["di"]["ipsec_ip"], "ipsec_sa", t.get("key")))
        cmds.append(_cmd("show ip route %s 255.255.255.255 longer-prefixes" % t["di"]["gre_ip"], "ip_route",
                         t.get("key"), optional=True))
    return cmds


def live_gather_commands(plan: Dict[str, Any], host: str) -> List[str]:
    """The commands of an online gather: :func:`ios_gather_commands`, with ``show clock`` right after the log (a
    saved set of outputs has no clock of its own: offline, log events have no age)."""
    out = []  # type: List[str]
    for c in ios_gather_commands(plan, host):
        out.append(c["command"])
        if c["command"] == LOGGING:
            out.append(CLOCK)
    return out


def settle_look_commands(plan: Dict[str, Any], host: str) -> List[str]:
    """The settle look of an online gather: :func:`settle_commands`, then the log and the clock (a definitive cause
    in the log ends the wait for its tunnel)."""
    cmds = settle_commands(plan, host)
    return cmds + [LOGGING, CLOCK] if cmds else []


SETTLE_COMMANDS = ("show crypto ikev2 sa", "show crypto ipsec sa", "show ip bgp summary")


def settle_commands(plan: Dict[str, Any], host: str) -> List[str]:
    """The few reads that tell whether this CPE's tunnels settled after a change (verify/settle.py judges):
    the IKEv2 SAs, the CHILD SAs and the BGP sessions with their accepted prefix counts."""
    return list(SETTLE_COMMANDS) if device_tunnels(plan, host) else []
