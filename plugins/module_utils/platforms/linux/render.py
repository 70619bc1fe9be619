# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan -> Linux CPE intent: strongSwan (swanctl), kernel GRE (systemd-networkd), nftables, FRR.

Pure functions, no I/O. Every input is a plan tunnel (docs/contract.md section 2) or the plan's
``cpes[host]`` entry; nothing is recomputed here that the plan already says. Secrets are passed in
separately (``{tunnel key: {psk, bgp_password}}``) and only the secrets renderers and the FRR
intent (when asked for passwords) ever see them.

Names owned by Virtual Connect on a Linux CPE (everything else on the box is the operator's):

* swanctl: files ``conf.d/vc-connections.conf`` and ``conf.d/vc-secrets.conf``, connections
  ``vc-<key>``, children ``vc-<key>-gre``, secrets ``ike-vc-<key>``;
* GRE links ``vcgre<tunnel_number>`` carrying the alias ``webex_di.virtual_connect:<key>`` (their marker), and
  their ``.netdev``/``.network`` files (marked by the file header);
* nftables table ``inet vc_mss_clamp`` (marked by its table comment ``webex_di.virtual_connect:mss-clamp``): the
  MSS clamp and the clear-text GRE guard;
* FRR: prefix-lists and route-maps ``VC-<NAME>-IN``/``VC-<NAME>-OUT`` (marked by ``ip prefix-list X description``
  and the route-map entry's ``description``), BFD profiles ``VC-<NAME>`` (FRR cannot describe one: ours when only
  marked neighbours of ours use it), and, inside ``router bgp <asn>``, the lines of the VC neighbours (marked by
  ``neighbor X description webex_di.virtual_connect:<key>``). The names alone never make an object ours
  (docs/ownership.md, frr.py).
"""
from __future__ import annotations

import base64
import hashlib
from typing import Any, Dict, List, Optional, Sequence, Tuple

# the one mapping table of plan crypto tokens -> strongSwan proposal keywords lives in vocabulary.py
from ...plan.secrets import MASK, mask_values
from ...plan.views import cpe_tunnels as host_tunnels  # noqa: F401  (the plan's one "tunnels of a host")
from ...plan.views import ipsec_tunnels as _ipsec_tunnels
from ...plan.views import marker
from .vocabulary import STRONGSWAN_DH, STRONGSWAN_ENCRYPTION, STRONGSWAN_INTEGRITY, STRONGSWAN_PRF

HEADER = "Managed by webex_di.virtual_connect (Webex Calling Dedicated Instance Virtual Connect): do not edit."

LINK_PREFIX = "vcgre"
NFT_FAMILY = "inet"
NFT_TABLE = "vc_mss_clamp"
FRR_PREFIX = "VC-"                 # the names Virtual Connect gives its FRR objects (never how they are recognised)
REDISTRIBUTION_KEY = "redistribution"   # the marker key of the hand-over objects (not a tunnel key)
NFT_MARKER = marker("mss-clamp")    # the nftables table's comment: one table for every tunnel of the CPE
# Split devices (docs/ha.md section 2): the IPsec device's dynamic RRI. charon runs this updown script (ours: its
# second line is the HEADER) on CHILD SA up/down; it adds/removes the route to the DI GRE /32 with this routing
# protocol number (no other program uses it: FRR's are 186-198, the kernel's 0-4 and 16-18), so that zebra sees it
# as a kernel route and ospfd redistributes exactly it (route-map VC-RRI) with the RRI tag.
RRI_UPDOWN = "vc-rri-updown.sh"            # in the swanctl directory
RRI_PROTO = 249
RRI_KEY = "rri"                            # the marker key of the RRI redistribution objects (not a tunnel key)
RRI_ROUTE_MAP = "VC-RRI"
# Opt-in (docs/ha.md section 3): charon's IKE retransmission schedule, which also paces DPD (charon has no per-connection
# DPD retry): a strongswan.d file of ours, loaded with `swanctl --reload-settings`. field -> (low, high, integer?, charon's
# default); charon declares a peer dead after the request and `tries` retransmits, timeout_s * base**n apart.
IKE_RETRANSMIT_FILE = "vc-ike-retransmit.conf"   # in the strongswan.d directory
IKE_RETRANSMIT_FIELDS = {
    "timeout_s": (0.5, 30.0, False, 4.0),
    "base": (1.0, 4.0, False, 1.8),
    "tries": (1, 10, True, 5),
}
IKE_RETRANSMIT_MAX_S = 3600.0


class RenderError(ValueError):
    """The plan holds something this platform cannot express."""


def _lookup(table: Dict[Any, str], value: Any, what: str) -> str:
    try:
        return table[value]
    except (KeyError, TypeError):
        raise RenderError("strongSwan has no mapping for %s %r (known: %s)" % (what, value, ", ".join(str(k) for k in table)))


def _proposal(algs: Dict[str, Any], what: str, fields: Sequence[Tuple[str, Dict[Any, str], str, bool]]) -> str:
    """The strongSwan proposal of ``algs``: each ``(field, table, label, required)`` in order, joined by '-'."""
    parts = []
    for field, table, label, required in fields:
        if required or algs.get(field):
            parts.append(_lookup(table, algs.get(field), "%s %s" % (what, label)))
    return "-".join(parts)


def ike_proposal(ike: Dict[str, Any]) -> str:
    """``{encryption, integrity, prf, dh_group}`` -> ``aes256gcm16-prfsha384-ecp384``."""
    return _proposal(ike, "IKE", (("encryption", STRONGSWAN_ENCRYPTION, "encryption", True),
                                  ("integrity", STRONGSWAN_INTEGRITY, "integrity", False),
                                  ("prf", STRONGSWAN_PRF, "PRF", False),
                                  ("dh_group", STRONGSWAN_DH, "DH group", True)))


def esp_proposal(esp: Dict[str, Any]) -> str:
    """``{encryption, integrity, pfs_group}`` -> ``aes256gcm16-ecp384`` (the DH group = PFS)."""
    return _proposal(esp, "ESP", (("encryption", STRONGSWAN_ENCRYPTION, "encryption", True),
                                  ("integrity", STRONGSWAN_INTEGRITY, "integrity", False),
                                  ("pfs_group", STRONGSWAN_DH, "PFS group", False)))


# ---------------------------------------------------------------------------------------------
# Names
# ---------------------------------------------------------------------------------------------
def link_name(tunnel: Dict[str, Any]) -> str:
    name = "%s%s" % (LINK_PREFIX, tunnel["tunnel_number"])
    if len(name) > 15:
        raise RenderError("interface name %r is longer than 15 characters (tunnel_number %r)" % (name, tunnel["tunnel_number"]))
    return name


def conn_name(tunnel: Dict[str, Any]) -> str:
    return "vc-%s" % tunnel["key"]


def child_name(tunnel: Dict[str, Any]) -> str:
    return "vc-%s-gre" % tunnel["key"]


def frr_name(tunnel: Dict[str, Any], suffix: str = "") -> str:
    return "%s%s%s" % (FRR_PREFIX, tunnel["name"], suffix)


def _keepalive_note(tunnel: Dict[str, Any]) -> str:
    ka = tunnel["gre"].get("keepalive") or {}
    if not ka.get("enabled"):
        return "GRE keepalives are off in the plan; BGP%s detects a dead tunnel." % (" and BFD" if tunnel["bgp"]["bfd"]["enabled"] else "")
    return (
        "WARNING: Linux GRE has no keepalives. Cisco's tunnel %s keepalive %ss x %s gets no replies from this CPE: ask Cisco "
        "to disable GRE keepalives on this tunnel (or accept that they cannot work); BGP timers %s/%s%s detect failures here."
        % (
            tunnel["di"]["gre_ip"],
            ka.get("interval_s"),
            ka.get("retries"),
            tunnel["bgp"]["timers"]["keepalive_s"],
            tunnel["bgp"]["timers"]["hold_s"],
            " and BFD" if tunnel["bgp"]["bfd"]["enabled"] else "",
        )
    )


def keepalive_warnings(tunnels: Sequence[Dict[str, Any]]) -> List[str]:
    """Visible warnings for the operator (the gre role prints them)."""
    out = []
    for t in tunnels:
        if (t["gre"].get("keepalive") or {}).get("enabled"):
            note = _keepalive_note(t)
            out.append("%s (%s): %s" % (link_name(t), t["key"], note[len("WARNING: "):] if note.startswith("WARNING: ") else note))
    return out


# ---------------------------------------------------------------------------------------------
# strongSwan
# ---------------------------------------------------------------------------------------------
def _ts(addr: str, proto: Dict[str, Any]) -> str:
    return "%s/32[%s]" % (addr, proto["protocol"])


def render_swanctl_connections(tunnels: Sequence[Dict[str, Any]], keep: Optional[Dict[str, List[str]]] = None,
                               updown: Optional[str] = None) -> str:
    """``conf.d/vc-connections.conf``: one IKEv2 connection per tunnel, no secrets.

    ``keep``: connection name -> the section lines to write instead of the plan's (a tunnel not staged
    in this run keeps what the file already has, see apply.swanctl_sections). ``tunnels``: the tunnels whose
    IPsec this host terminates (:func:`ipsec_tunnels`); a split one (this host is its IPsec device) gets the RRI
    ``updown`` script (absolute path ``updown``, default ``/etc/swanctl/`` + :data:`RRI_UPDOWN`)."""
    keep = keep or {}
    lines = ["# " + HEADER, "# Pre-shared keys: vc-secrets.conf (mode 0600).", "connections {"]
    for t in tunnels:
        lines += keep[conn_name(t)] if conn_name(t) in keep else _swanctl_connection(t, updown or "/etc/swanctl/" + RRI_UPDOWN)
    lines.append("}")
    return "\n".join(lines) + "\n"


def split_start_action(t: Dict[str, Any]) -> str:
    """``start_action`` of a tunnel's CHILD SA: ``trap`` (GRE matching the policy triggers IKE); on the IPsec device
    of a split tunnel ``trap|start``: it also initiates as soon as the connection is loaded (boot, charon restart).
    Nothing behind it would trigger the trap: the GRE router sends the tunnel's GRE to it only once the RRI route
    exists, and that route exists only while the SA is up (lab drill ``rri:``, a rebooted IPsec device)."""
    return "trap|start" if t.get("split") else "trap"


def _swanctl_connection(t: Dict[str, Any], updown: str = "/etc/swanctl/" + RRI_UPDOWN) -> List[str]:
    """The lines of one tunnel's connection in vc-connections.conf (starting with a blank line)."""
    ipsec, acl = t["ipsec"], t["crypto_acl"]
    dpd = ipsec["dpd"]
    split = t.get("split")
    lines = [
        "",
        "  # Tunnel %s to DC-%s (region %s): GRE %s -> %s (protocol %s only), peer %s"
        % (t["index"], t["datacenter"], t["region"], acl["source"], acl["destination"], acl["protocol_number"], t["di"]["ipsec_ip"]),
    ]
    if split:
        lines.append("  # Split tunnel: this host is the IPsec device, it forwards the GRE of %s (%s); RRI: %s via the WAN next "
                     "hop to %s while the CHILD SA is up (%s, protocol %s)"
                     % (split["gre_host"], acl["source"], split["rri"]["route"], t["di"]["ipsec_ip"], RRI_UPDOWN, RRI_PROTO))
    lines += [
        "  # trap actions: GRE matching the policy while no SA exists triggers IKE instead of leaving in clear text.",
        "  # DPD every %ss (plan retry %ss: strongSwan retransmits per charon.retransmit_* settings)." % (dpd["interval_s"], dpd["retry_s"]),
    ]
    if not split:    # GRE keepalives and BGP live on the GRE router of a split tunnel
        lines.append("  # %s" % _keepalive_note(t))
    lines += [
        "  %s {" % conn_name(t),
        "    version = %s" % ipsec["ike_version"],
        "    local_addrs = %s" % t["cpe"]["ipsec_ip"],
        "    remote_addrs = %s" % t["di"]["ipsec_ip"],
        "    proposals = %s" % ike_proposal(ipsec["ike"]),
        "    rekey_time = %ss" % ipsec["ike"]["lifetime_s"],
        "    dpd_delay = %ss" % dpd["interval_s"],
        "    keyingtries = 0",
        "    mobike = no",
    ]
    if ipsec.get("nat_t"):
        lines.append("    encap = yes")
    lines += [
        "    local {",
        "      auth = %s" % ipsec["auth"],
        "      id = %s" % ipsec["local_id"],
        "    }",
        "    remote {",
        "      auth = %s" % ipsec["auth"],
        "      id = %s" % ipsec["remote_id"],
        "    }",
        "    children {",
        "      %s {" % child_name(t),
        "        mode = %s" % ipsec["mode"],
        "        local_ts = %s" % _ts(acl["source"], acl),
        "        remote_ts = %s" % _ts(acl["destination"], acl),
        "        esp_proposals = %s" % esp_proposal(ipsec["esp"]),
        "        rekey_time = %ss" % ipsec["esp"]["lifetime_s"],
        "        start_action = %s" % split_start_action(t),
        "        dpd_action = trap",
        "        close_action = trap",
    ]
    if split:
        lines.append("        updown = %s" % updown)
    lines += [
        "      }",
        "    }",
        "  }",
    ]
    return lines


def render_swanctl_secrets(tunnels: Sequence[Dict[str, Any]], secrets: Dict[str, Dict[str, Any]],
                           keep: Optional[Dict[str, List[str]]] = None) -> str:
    """``conf.d/vc-secrets.conf``: one IKE PSK per tunnel, base64 (``0s``) so no quoting can break it.

    ``keep``: secret section name (``ike-vc-<key>``) -> lines kept from the file (tunnels not staged)."""
    keep = keep or {}
    lines = ["# " + HEADER, "secrets {"]
    for t in tunnels:
        if "ike-%s" % conn_name(t) in keep:
            lines += keep["ike-%s" % conn_name(t)]
            continue
        psk = (secrets.get(t["key"]) or {}).get("psk")
        if not psk:
            raise RenderError("no PSK for tunnel %s" % t["key"])
        lines += [
            "  ike-%s {" % conn_name(t),
            "    id-local = %s" % t["ipsec"]["local_id"],
            "    id-remote = %s" % t["ipsec"]["remote_id"],
            "    secret = 0s%s" % base64.b64encode(str(psk).encode("utf-8")).decode("ascii"),
            "  }",
        ]
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# GRE (kernel links + systemd-networkd persistence)
# ---------------------------------------------------------------------------------------------
def gre_links(tunnels: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """Desired kernel GRE links (the GRE feature of the vc_linux_config module)."""
    return [
        {
            "name": link_name(t),
            "local": t["gre"]["source"],
            "remote": t["gre"]["destination"],
            "ttl": t["gre"]["ttl"],
            "mtu": t["mtu"]["tunnel_ip_mtu"],
            "pmtudisc": bool(t["mtu"]["path_mtu_discovery"]),
            "address": t["cpe"]["tunnel_cidr"],
            "peer": t["di"]["tunnel_ip"],
            "tunnel": t["key"],
            "alias": marker(t["key"]),      # the link's ownership marker (ip link ... alias)
        }
        for t in tunnels
    ]


def render_networkd(tunnels: Sequence[Dict[str, Any]]) -> List[Dict[str, str]]:
    """``[{path, content}]`` (path relative to the networkd directory): a ``.netdev`` and a ``.network`` per tunnel."""
    files = []
    for t in tunnels:
        name = link_name(t)
        comment = [
            "# " + HEADER,
            "# Tunnel %s to DC-%s (region %s, %s): GRE %s -> %s, protected by IPsec (vc-connections.conf)."
            % (t["index"], t["datacenter"], t["region"], t["key"], t["gre"]["source"], t["gre"]["destination"]),
            "# " + _keepalive_note(t),
        ]
        files.append(
            {
                "path": "%s.netdev" % name,
                "content": "\n".join(
                    comment
                    + [
                        "[NetDev]",
                        "Name=%s" % name,
                        "Kind=gre",
                        "MTUBytes=%s" % t["mtu"]["tunnel_ip_mtu"],
                        "",
                        "[Tunnel]",
                        "Local=%s" % t["gre"]["source"],
                        "Remote=%s" % t["gre"]["destination"],
                        # 255, never inherit: eBGP's TTL 1 must survive Cisco's split IPsec/GRE headend
                        "TTL=%s" % t["gre"]["ttl"],
                        "DiscoverPathMTU=%s" % ("yes" if t["mtu"]["path_mtu_discovery"] else "no"),
                        "Independent=yes",
                    ]
                )
                + "\n",
            }
        )
        files.append(
            {
                "path": "%s.network" % name,
                "content": "\n".join(
                    comment
                    + [
                        "[Match]",
                        "Name=%s" % name,
                        "",
                        "[Network]",
                        "Address=%s" % t["cpe"]["tunnel_cidr"],
                        "LinkLocalAddressing=no",
                        "IPv6AcceptRA=no",
                        "ConfigureWithoutCarrier=yes",
                    ]
                )
                + "\n",
            }
        )
    return files


# ---------------------------------------------------------------------------------------------
# nftables: MSS clamp and clear-text GRE guard (one VC-owned table)
# ---------------------------------------------------------------------------------------------
def nft_mss_rules(tunnels: Sequence[Dict[str, Any]]) -> List[str]:
    rules = []
    for t in tunnels:
        mss = int(t["mtu"]["tcp_mss"])
        for direction in ("oifname", "iifname"):
            rules.append(
                '%s "%s" tcp flags & (syn | rst) == syn tcp option maxseg size > %d tcp option maxseg size set %d'
                % (direction, link_name(t), mss, mss)
            )
    return rules


def guard_tunnels(tunnels: Sequence[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """The tunnels whose IPsec this host terminates itself: the GRE guard applies to them only. A split tunnel
    (``split``: its IPsec runs on ``split.ipsec_host``, docs/ha.md) sends its GRE in clear to that device, by design."""
    return [t for t in tunnels if not t.get("split")]


def _nft_set(addrs: Sequence[str]) -> str:
    return "{ %s }" % ", ".join(addrs)


def nft_guard_rules(tunnels: Sequence[Dict[str, Any]]) -> Dict[str, List[str]]:
    """``{"input": [...], "output": [...]}``: GRE between the CPE GRE IP and the DI GRE IPs of its tunnels is
    dropped when it did not arrive through IPsec (input, ``meta ipsec missing``) or would not leave through IPsec
    (output, ``rt ipsec missing``), as a crypto map does. One rule per direction and CPE GRE IP (one in the usual
    case: both tunnels leave from one GRE IP), the DI GRE IPs of its tunnels as a set, in plan order."""
    by_cpe = {}  # type: Dict[str, List[str]]
    for t in guard_tunnels(tunnels):
        di = by_cpe.setdefault(str(t["cpe"]["gre_ip"]), [])
        if str(t["di"]["gre_ip"]) not in di:
            di.append(str(t["di"]["gre_ip"]))
    return {
        "input": ["ip protocol gre ip saddr %s ip daddr %s meta ipsec missing counter drop" % (_nft_set(di), cpe)
                  for cpe, di in by_cpe.items()],
        "output": ["ip protocol gre ip saddr %s ip daddr %s rt ipsec missing counter drop" % (cpe, _nft_set(di))
                   for cpe, di in by_cpe.items()],
    }


def nft_forward_guard_rules(forwarded: Sequence[Dict[str, Any]]) -> List[str]:
    """The IPsec device of split tunnels (``forwarded``: :func:`rri_tunnels`, docs/ha.md section 2) forwards the GRE
    router's GRE: GRE from its GRE IP to the DI GRE IPs that would leave without IPsec (``rt ipsec missing``: no SA, or
    charon stopped and its policies gone, the default route would carry it in clear) and GRE from the DI GRE IPs to
    it that arrived without IPsec (``meta ipsec missing``) are counted and dropped in the forward hook."""
    by_gre = {}  # type: Dict[str, List[str]]
    for t in forwarded:
        di = by_gre.setdefault(str(t["crypto_acl"]["source"]), [])
        if str(t["di"]["gre_ip"]) not in di:
            di.append(str(t["di"]["gre_ip"]))
    out = []
    for gre, di in by_gre.items():
        out.append("ip protocol gre ip saddr %s ip daddr %s rt ipsec missing counter drop" % (gre, _nft_set(di)))
        out.append("ip protocol gre ip saddr %s ip daddr %s meta ipsec missing counter drop" % (_nft_set(di), gre))
    return out


def nft_split_guard_rules(tunnels: Sequence[Dict[str, Any]]) -> List[str]:
    """The GRE router of split tunnels (docs/ha.md section 2) sends their GRE in clear to the IPsec device, by design,
    over the route to the DI GRE IP that it learns from the IPsec device's RRI. When that route is withdrawn (the SA
    went down, the IPsec device died) the GRE would follow any other route, the GRE router's own default to the
    internet among them, in clear text. Output rule per split tunnel: GRE from its GRE IP to its DI GRE IP whose next
    hop is not the IPsec device's inside address (``rt ip nexthop``) is counted and dropped."""
    out = []
    for t in tunnels:
        split = t.get("split")
        if not split:
            continue
        out.append("ip protocol gre ip saddr %s ip daddr %s rt ip nexthop != %s counter drop"
                   % (t["cpe"]["gre_ip"], t["di"]["gre_ip"], split["ipsec_inside_ip"]))
    return out


def nft_rules(tunnels: Sequence[Dict[str, Any]], forwarded: Sequence[Dict[str, Any]] = ()) -> List[str]:
    """Every rule of the table, in script order (the MSS clamp, then the guard's input and output rules, the split
    guard of a GRE router's split tunnels, then the forward guard of an IPsec device's split tunnels)."""
    guard = nft_guard_rules(tunnels)
    return (nft_mss_rules(tunnels) + guard["input"] + guard["output"] + nft_split_guard_rules(tunnels)
            + nft_forward_guard_rules(forwarded))


def nft_tag(rules: Sequence[str]) -> str:
    """Tag carried by every rule as its comment: the live table is current iff all its rules carry it (the
    rules' counters never enter the comparison)."""
    return "vc:" + hashlib.sha256("\n".join(rules).encode("utf-8")).hexdigest()[:16]


def render_nft_mss(tunnels: Sequence[Dict[str, Any]], forwarded: Sequence[Dict[str, Any]] = ()) -> str:
    """An nft script that atomically (re)creates the VC-owned table: the MSS clamp (forward) and the clear-text
    GRE guard (input, output) of the tunnels whose IPsec this host terminates, and the forward guard of the split
    tunnels whose IPsec device it is (``forwarded``, :func:`nft_forward_guard_rules`)."""
    guard = nft_guard_rules(tunnels)
    tag = nft_tag(nft_rules(tunnels, forwarded))
    lines = [
        "# " + HEADER,
        "# Load with: nft -f <this file>",
        "# TCP MSS clamp on the Virtual Connect GRE tunnels (forward hook, priority mangle).",
        "# GRE guard: GRE between this CPE's GRE IP and the DI GRE IPs that did not come through IPsec (input) or",
        "# would not leave through IPsec (output) is counted and dropped, as a crypto map does (docs/linux.md).",
        "# Applied atomically: the table is created if missing, deleted, then defined again.",
        "table %s %s {}" % (NFT_FAMILY, NFT_TABLE),
        "delete table %s %s" % (NFT_FAMILY, NFT_TABLE),
        "table %s %s {" % (NFT_FAMILY, NFT_TABLE),
        '\tcomment "%s"' % NFT_MARKER,
        "\tchain forward {",
        "\t\ttype filter hook forward priority mangle; policy accept;",
    ]
    lines += ['\t\t%s comment "%s"' % (r, tag) for r in nft_mss_rules(tunnels)]
    lines.append("\t}")
    guard["output"] = guard["output"] + nft_split_guard_rules(tunnels)
    for chain in ("input", "output"):
        if guard[chain]:
            lines += ["\tchain %s {" % chain, "\t\ttype filter hook %s priority filter; policy accept;" % chain]
            lines += ['\t\t%s comment "%s"' % (r, tag) for r in guard[chain]]
            lines.append("\t}")
    fwd = nft_forward_guard_rules(forwarded)
    if fwd:
        lines += ["\tchain forward_guard {", "\t\ttype filter hook forward priority filter; policy accept;"]
        lines += ['\t\t%s comment "%s"' % (r, tag) for r in fwd]
        lines.append("\t}")
    lines.append("}")
    return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------------------------
# FRR
# ---------------------------------------------------------------------------------------------
# FRR prints nothing for BFD profile values equal to its defaults: leave them out so the
# comparison with `show running-config` is exact.
FRR_BFD_DEFAULTS = {"detect-multiplier": 3, "transmit-interval": 300, "receive-interval": 300}


def _prefix_list_lines(name: str, prefixes: Sequence[str], key: str) -> List[str]:
    """The marker (``ip prefix-list X description webex_di.virtual_connect:<key>``) and the entries."""
    return ["ip prefix-list %s description %s" % (name, marker(key))] + [
        "ip prefix-list %s seq %d permit %s" % (name, 5 * (i + 1), p) for i, p in enumerate(prefixes)]


def frr_intent(
    tunnels: Sequence[Dict[str, Any]],
    cpe: Dict[str, Any],
    passwords: Optional[Dict[str, str]] = None,
    activate: bool = False,
    rri_tunnels: Optional[Sequence[Dict[str, Any]]] = None,
) -> Dict[str, Any]:
    """The VC-owned FRR objects for this CPE, as data.

    ``passwords`` maps tunnel key -> BGP password (None: a tunnel whose plan says ``password_set``
    gets ``neighbor X password`` with a mask, for display only). ``activate`` adds ``neighbor X
    activate`` (needed when the router runs ``no bgp default ipv4-unicast``).

    Returns ``{asn, router_id, prefix_lists: {name: [lines]}, route_maps: {header: [lines]},
    bfd_profiles: {name: [lines]}, neighbors: {ip: [lines]}, af_neighbors: {ip: [lines]},
    descriptions: {ip: description}, ospf, ospf_rri}``. ``rri_tunnels``: the split tunnels whose IPsec device this
    host is (:func:`rri_tunnels`): their RRI redistribution (:func:`_frr_rri`); ``tunnels`` may then be empty.
    """
    passwords = passwords or {}
    bgp_cpe = cpe.get("bgp") or {}
    if tunnels and bgp_cpe.get("asn") is None:
        raise RenderError("the plan has no BGP ASN for this CPE but it terminates GRE/BGP tunnels")
    intent = {
        "asn": int(bgp_cpe["asn"]) if bgp_cpe.get("asn") is not None else None,   # None: an IPsec-only device
        "router_id": bgp_cpe.get("router_id"),
        "router_id_explicit": bool(bgp_cpe.get("router_id_explicit")),
        "prefix_lists": {},
        "route_maps": {},
        "bfd_profiles": {},
        "neighbors": {},
        "af_neighbors": {},
        "descriptions": {},
        "ospf": None,
        "ospf_rri": None,
        "bgp_sources": [],
    }  # type: Dict[str, Any]
    cond = (cpe.get("redistribution") or {}).get("default_condition")
    for t in tunnels:
        bgp = t["bgp"]
        if int(bgp["router_asn"]) != intent["asn"]:
            raise RenderError("tunnel %s: plan router_asn %s differs from the CPE's BGP ASN %s" % (t["key"], bgp["router_asn"], intent["asn"]))
        nbr = bgp["neighbor"]
        pl_in, pl_out = frr_name(t, "-IN"), frr_name(t, "-OUT")
        intent["prefix_lists"][pl_in] = _prefix_list_lines(pl_in, bgp["prefix_list_in"], t["key"])
        intent["prefix_lists"][pl_out] = _prefix_list_lines(pl_out, bgp["prefix_list_out"], t["key"])
        # ebgp-requires-policy: both directions need a route-map; the entry's description is its marker
        for pl in (pl_in, pl_out):
            intent["route_maps"]["route-map %s permit 10" % pl] = ["description %s" % marker(t["key"]),
                                                                   "match ip address prefix-list %s" % pl]
        n = "neighbor %s " % nbr
        lines = [n + "remote-as %s" % bgp["remote_as"]]
        if bgp["local_as_override"]:
            lines.append(n + "local-as %s no-prepend replace-as" % bgp["local_as"])
        desc = marker(t["key"])      # the neighbour's ownership marker
        intent["descriptions"][nbr] = desc
        lines.append(n + "description %s" % desc)
        if bgp.get("bfd", {}).get("enabled"):
            prof = frr_name(t)
            lines += [n + "bfd", n + "bfd profile %s" % prof]
            values = {
                "detect-multiplier": int(bgp["bfd"]["multiplier"]),
                "transmit-interval": int(bgp["bfd"]["interval_ms"]),
                "receive-interval": int(bgp["bfd"]["interval_ms"]),
            }
            intent["bfd_profiles"][prof] = ["%s %d" % (k, v) for k, v in values.items() if FRR_BFD_DEFAULTS[k] != v]
        if bgp.get("password_set"):
            pw = passwords.get(t["key"])
            if pw and (len(str(pw).split()) != 1 or str(pw) != str(pw).strip()):
                raise RenderError("tunnel %s: FRR takes a BGP password as one word; this one contains whitespace" % t["key"])
            lines.append(n + "password %s" % (pw if pw else MASK))
        if bgp.get("update_source"):
            lines.append(n + "update-source %s" % bgp["update_source"])
        if bgp.get("ebgp_multihop"):
            lines.append(n + "ebgp-multihop %s" % bgp["ebgp_multihop"])
        timers = bgp["timers"]
        lines.append(n + "timers %s %s" % (timers["keepalive_s"], timers["hold_s"]))
        if timers.get("connect_s"):
            lines.append(n + "timers connect %s" % timers["connect_s"])
        intent["neighbors"][nbr] = lines
        af = []
        if activate:
            af.append(n + "activate")
        if bgp.get("default_originate") and cond and t["key"] in cond["tunnels"]:
            af.append(n + "default-originate route-map %s" % cond["route_map"])
        elif bgp.get("default_originate"):
            af.append(n + "default-originate")
        if bgp.get("soft_reconfiguration_inbound"):
            af.append(n + "soft-reconfiguration inbound")
        af += [n + "route-map %s in" % pl_in, n + "route-map %s out" % pl_out]
        intent["af_neighbors"][nbr] = af
    _frr_redistribution(intent, cpe.get("redistribution"), activate)
    _frr_default_condition(intent, cond, cpe.get("redistribution"))
    _frr_rri(intent, rri_tunnels or [])
    return intent


DEFAULT_CONDITION_SOURCE = "-IGP"   # suffix of the route-map that lets the condition prefixes into the BGP table


def _frr_default_condition(intent: Dict[str, Any], cond: Optional[Dict[str, Any]], red: Optional[Dict[str, Any]]) -> None:
    """The conditional default (docs/ha.md section 3): ``neighbor X default-originate route-map VC-DEFAULT-COND``,
    which matches the condition prefixes. FRR evaluates that route-map against every path of the BGP table (valid or
    not: a ``network`` statement whose prefix fails the import check stays in the table and would match), so the
    prefix must be in the BGP table exactly while the customer's IGP has it: with ``protocol: ospf``
    ``redistribute ospf route-map VC-DEFAULT-COND-IGP`` (only the condition prefixes, ``community no-advertise``:
    never sent to any peer, Dedicated Instance, a core or the operator's own); with ``protocol: bgp`` the core's
    iBGP brings it (nothing to add). Every object carries the redistribution marker."""
    if not cond:
        return
    pl, rm = cond["prefix_list"], cond["route_map"]
    intent["prefix_lists"][pl] = _prefix_list_lines(pl, cond["prefixes"], REDISTRIBUTION_KEY)
    intent["route_maps"]["route-map %s permit 10" % rm] = [
        "description %s" % marker(REDISTRIBUTION_KEY), "match ip address prefix-list %s" % pl]
    if (red or {}).get("protocol") == "ospf":
        src_rm = rm + DEFAULT_CONDITION_SOURCE
        intent["route_maps"]["route-map %s permit 10" % src_rm] = [
            "description %s" % marker(REDISTRIBUTION_KEY), "match ip address prefix-list %s" % pl,
            "set community no-advertise"]
        intent["bgp_sources"] = ["redistribute ospf route-map %s" % src_rm]


def rri_tunnels(plan: Dict[str, Any], host: str) -> List[Dict[str, Any]]:
    """The split tunnels whose IPsec device ``host`` is (docs/ha.md section 2): their RRI is this host's."""
    return [t for t in ipsec_tunnels(plan, host) if (t.get("split") or {}).get("ipsec_host") == host]


def ipsec_tunnels(plan: Dict[str, Any], host: str) -> List[Dict[str, Any]]:
    """The tunnels whose IPsec ``host`` terminates (its swanctl connections): plan/views.py's."""
    return _ipsec_tunnels(plan, host)


def _frr_rri(intent: Dict[str, Any], tunnels: Sequence[Dict[str, Any]]) -> None:
    """The IPsec device hands its RRI routes to the inside IGP, and only them: ``redistribute kernel route-map
    VC-RRI`` in ospfd's default instance; per split tunnel a prefix-list ``VC-<NAME>-RRI`` with exactly the DI GRE
    /32 and a route-map entry that matches it and sets the planned RRI tag. Each object carries the tunnel's
    marker, as the BGP ones."""
    if not tunnels:
        return
    for i, t in enumerate(tunnels):
        rri = t["split"]["rri"]
        pl = frr_name(t, "-RRI")
        intent["prefix_lists"][pl] = _prefix_list_lines(pl, [rri["route"]], t["key"])
        intent["route_maps"]["route-map %s permit %d" % (RRI_ROUTE_MAP, 10 * (i + 1))] = [
            "description %s" % marker(t["key"]), "match ip address prefix-list %s" % pl,
            "set tag %d" % int(rri["tag"])]
    intent["ospf_rri"] = {"redistribute": "redistribute kernel route-map %s" % RRI_ROUTE_MAP, "route_map": RRI_ROUTE_MAP}


def render_rri_updown(tunnels: Sequence[Dict[str, Any]]) -> str:
    """The updown script of the IPsec device's split tunnels (dynamic RRI, docs/ha.md section 2): charon runs it with
    ``PLUTO_VERB`` up-client/down-client and ``PLUTO_CONNECTION`` = the CHILD SA name. On up it puts the DI GRE /32
    via the WAN next hop towards the Cisco IPsec peer (``ip route get``), protocol :data:`RRI_PROTO`, unless a route to
    the /32 of another protocol exists (the operator's: left alone, the script fails); on down it removes that route
    (only a route of that protocol). Any other CHILD SA: nothing."""
    lines = ["#!/bin/sh", "# " + HEADER,
             "# Dynamic RRI of the split tunnels whose IPsec this host terminates (docs/ha.md): while the CHILD SA is up the",
             "# DI GRE /32 is routed via the WAN next hop (protocol %d), so ospfd redistributes it (route-map %s)."
             % (RRI_PROTO, RRI_ROUTE_MAP),
             "PATH=/usr/sbin:/usr/bin:/sbin:/bin",
             'case "$PLUTO_CONNECTION" in']
    for t in tunnels:
        rri = t["split"]["rri"]
        lines.append("  %s) route=%s peer=%s ;;" % (child_name(t), rri["route"], rri["via"]))
    lines += [
        "  *) exit 0 ;;",
        "esac",
        'case "$PLUTO_VERB" in',
        "  up-client|up-host)",
        "    # a route to the /32 of another protocol is the operator's: never replaced (the ipsec feature refuses it too)",
        '    if ip -4 route show exact "$route" | grep -qv "proto %d"; then' % RRI_PROTO,
        '      echo "vc-rri-updown: $route is routed by another program, not replaced (RRI not injected)" >&2',
        "      exit 1",
        "    fi",
        '    path=$(ip -4 -o route get "$peer") || exit 1',
        r"""    hop=$(echo "$path" | sed -n 's/.* via \([0-9.]*\).*/\1/p')""",
        r"""    dev=$(echo "$path" | sed -n 's/.* dev \([^ ]*\).*/\1/p')""",
        '    if [ -n "$hop" ]; then',
        '      ip -4 route replace "$route" via "$hop" dev "$dev" proto %d' % RRI_PROTO,
        "    else",
        '      ip -4 route replace "$route" dev "$dev" proto %d' % RRI_PROTO,
        "    fi",
        "    ;;",
        "  down-client|down-host)",
        '    ip -4 route del "$route" proto %d 2>/dev/null || true' % RRI_PROTO,
        "    ;;",
        "esac",
        "exit 0",
    ]
    return "\n".join(lines) + "\n"


def _frr_redistribution(intent: Dict[str, Any], red: Optional[Dict[str, Any]], activate: bool) -> None:
    """Exactly the DI prefixes the CPE learns, to the customer core (plan ``cpes[host].redistribution``, docs/ha.md):
    ``redistribute bgp route-map VC-REDIST`` in ospfd's default instance, or iBGP core neighbours (description
    ``webex_di.virtual_connect:redistribution``) with next-hop-self and ``route-map VC-REDIST out``."""
    if not red:
        return
    pl, rm = red["prefix_list"], red["route_map"]
    intent["prefix_lists"][pl] = _prefix_list_lines(pl, red["prefixes"], REDISTRIBUTION_KEY)
    body = ["description %s" % marker(REDISTRIBUTION_KEY), "match ip address prefix-list %s" % pl]
    ospf = red.get("ospf")
    if ospf:
        body += ["set metric %d" % int(ospf["metric"]), "set metric-type type-%d" % int(ospf["metric_type"]),
                 "set tag %d" % int(ospf["tag"])]
        intent["ospf"] = {"redistribute": "redistribute bgp route-map %s" % rm, "route_map": rm}
    intent["route_maps"]["route-map %s permit 10" % rm] = body
    ibgp = red.get("ibgp")
    for nbr in (ibgp or {}).get("neighbors") or []:
        n = "neighbor %s " % nbr
        intent["neighbors"][nbr] = [n + "remote-as %s" % ibgp["asn"], n + "description %s" % marker(REDISTRIBUTION_KEY)]
        intent["descriptions"][nbr] = marker(REDISTRIBUTION_KEY)
        af = [n + "activate"] if activate else []
        if ibgp.get("next_hop_self", True):
            af.append(n + "next-hop-self")
        af.append(n + "route-map %s out" % rm)
        intent["af_neighbors"][nbr] = af


def ike_retransmit_schedule(spec: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    """The retransmission schedule ``spec`` asks of charon (missing fields: charon's defaults) and when an unanswered
    request (a DPD among them) gives up: ``dead_after_s`` = the sum of ``timeout_s * base**n`` for n = 0..tries.
    ``spec`` is checked already (validate.ike_retransmit_problems); None: no such setting."""
    if not spec:
        return None
    out: Dict[str, Any] = {}
    for field, (_low, _high, integer, default) in IKE_RETRANSMIT_FIELDS.items():
        value = spec.get(field, default)
        out[field] = int(value) if integer else float(value)
    out["dead_after_s"] = round(sum(out["timeout_s"] * out["base"] ** n for n in range(out["tries"] + 1)), 1)
    return out


def render_ike_retransmit(spec: Optional[Dict[str, Any]]) -> Optional[str]:
    """The strongswan.d file of the opt-in retransmission schedule (None: no setting, no file)."""
    sched = ike_retransmit_schedule(spec)
    if sched is None:
        return None
    return "\n".join([
        "# " + HEADER,
        "# charon's IKE retransmission schedule (vc_linux_ike_retransmit, docs/ha.md section 3). It paces every IKE",
        "# request of this charon, DPD included: an unanswered one gives up after %s s (then the IKE SA is deleted)."
        % ("%g" % sched["dead_after_s"]),
        "charon {",
        "  retransmit_timeout = %g" % sched["timeout_s"],
        "  retransmit_base = %g" % sched["base"],
        "  retransmit_tries = %d" % sched["tries"],
        "}",
    ]) + "\n"


def render_frr(intent: Dict[str, Any]) -> str:
    """The VC fragment as FRR configuration text (vtysh syntax), e.g. for review or ``vtysh -f``."""
    out = ["! " + HEADER]
    for lines in intent["prefix_lists"].values():
        out += lines
    for header, body in intent["route_maps"].items():
        out += [header] + [" " + x for x in body] + ["exit"]
    if intent["bfd_profiles"]:
        out.append("bfd")
        for name, body in intent["bfd_profiles"].items():
            out += [" profile %s" % name] + ["  " + x for x in body] + [" exit"]
        out.append("exit")
    if intent.get("asn") is not None:
        out.append("router bgp %s" % intent["asn"])
        if intent.get("router_id"):
            out.append(" bgp router-id %s" % intent["router_id"])
        for lines in intent["neighbors"].values():
            out += [" " + x for x in lines]
        out.append(" address-family ipv4 unicast")
        out += ["  " + x for x in intent.get("bgp_sources") or []]
        for lines in intent["af_neighbors"].values():
            out += ["  " + x for x in lines]
        out += [" exit-address-family", "exit"]
    redist = [intent[k]["redistribute"] for k in ("ospf", "ospf_rri") if intent.get(k)]
    if redist:
        out += ["router ospf"] + [" " + x for x in redist] + ["exit"]
    return "\n".join(out) + "\n"


def mask_secrets(text: str, secrets: Sequence[str]) -> str:
    """``text`` with every secret value masked, and the word after ``password`` (FRR's password field)."""
    text = mask_values(text, secrets)
    out = []
    for line in text.split("\n"):
        words = line.split(" ")
        if "password" in words:
            i = words.index("password")
            if i + 1 < len(words):
                line = " ".join(words[: i + 1] + [MASK])
        out.append(line)
    return "\n".join(out)


def linux_intent(plan: Dict[str, Any], host: str) -> Dict[str, Any]:
    """Everything the Linux roles need for one host, in one call (no secrets)."""
    tunnels = host_tunnels(plan, host)
    ipsec = ipsec_tunnels(plan, host)
    rri = rri_tunnels(plan, host)
    return {
        "tunnels": [t["key"] for t in tunnels] + [t["key"] for t in rri],
        "links": gre_links(tunnels),
        "connections": [conn_name(t) for t in ipsec],
        "children": [child_name(t) for t in ipsec],
        "dpd": {conn_name(t): t["ipsec"]["dpd"]["interval_s"] for t in ipsec},
        "keepalive_warnings": keepalive_warnings(tunnels),
        "swanctl_conf": render_swanctl_connections(ipsec),
        "networkd": render_networkd(tunnels),
        "nft": render_nft_mss(tunnels, rri),
        "rri_updown": render_rri_updown(rri) if rri else None,
    }


def render_files(plan: Dict[str, Any], host: str, settings: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
    """``Platform.render``: the files ``render_vc.yml`` writes for ``host``, relative to its directory.

    No secret: ``vc-secrets.conf`` is never rendered offline.
    """
    intent = linux_intent(plan, host)
    files = {"swanctl/conf.d/vc-connections.conf": intent["swanctl_conf"]}
    if intent["rri_updown"]:
        files["swanctl/" + RRI_UPDOWN] = intent["rri_updown"]
    for item in intent["networkd"]:
        files["systemd/network/%s" % item["path"].rsplit("/", 1)[-1]] = item["content"]
    if intent["links"] or intent["rri_updown"]:     # an IPsec-only device (docs/ha.md): its forward guard
        files["nftables.d/vc-mss-clamp.nft"] = intent["nft"]
    retransmit = render_ike_retransmit((settings or {}).get("ike_retransmit")) if intent["connections"] else None
    if retransmit:
        files["strongswan.d/" + IKE_RETRANSMIT_FILE] = retransmit
    return {"files": files, "warnings": list(intent["keepalive_warnings"])}
