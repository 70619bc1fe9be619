# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Plan -> intended IOS-XE Virtual Connect config for one CPE (blocks of normalized lines).

Reads everything from the plan (docs/contract.md section 2); derives only IOS-XE names and syntax
(through :mod:`.forms`). Secrets come separately (``{tunnel key: {psk,
bgp_password}}``); when a secret is not given the line carries ``********`` (offline render).

Design (IOSXE-NOTES.md, seed article): crypto map on the WAN interface with a GRE-only ACL
between the GRE transport IPs, IKEv2 proposal/policy/keyring/profile (PSK, DPD), transform-set in
tunnel mode, GRE tunnel interfaces with keepalives, MTU/MSS and PMTUD, eBGP per tunnel with
prefix-list in = expected prefixes and out = the default route only, default-originate.
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Sequence

from . import forms
from ...plan.secrets import decode_secrets
from ...plan.views import cpe_tunnels, ipsec_tunnels
from .intent import Block, Intent


class RenderError(Exception):
    pass


class _Render(object):
    """What the steps of :func:`render` share: the intent being built, the secrets and the names."""

    def __init__(self, intent: Intent, tunnels: List[Dict], secrets: Dict, require_secrets: Any,
                 ipsec: Optional[List[Dict]] = None):
        self.intent = intent
        self.tunnels = tunnels          # the GRE/BGP tunnels of this router
        self.ipsec_tunnels = tunnels if ipsec is None else ipsec   # the tunnels whose IPsec it terminates
        self.secrets = decode_secrets(secrets)
        self.require_secrets = require_secrets
        self.names: Dict[str, set] = dict((k, set()) for k in (
            "acl", "proposal", "policy", "keyring", "profile", "transform_set", "prefix_list", "route"))
        intent.names = self.names

    def secret(self, tkey: str, field: str) -> str:
        value = (self.secrets.get(tkey) or {}).get(field)
        if value:
            return str(value)
        wanted = self.require_secrets
        if wanted is True or (wanted and field in wanted):
            self.intent.errors.append("tunnel %s: %s is not set (vc_regions ... %s)" % (tkey, field, field))
        return forms.MASK


def render(plan: Dict, host: str, secrets: Optional[Dict] = None, wan_interface: Optional[str] = None,
           wan_next_hop: Optional[str] = None, crypto_map_name: Optional[str] = None,
           require_secrets: Any = False, adopt: Any = None) -> Intent:
    """Intended VC config of ``host``. Problems go to ``intent.errors`` / ``intent.warnings``.

    ``require_secrets``: True (every secret the plan says is set must be given), a collection of
    field names (``psk``, ``bgp_password``), or False (offline: missing secrets are masked).
    Every block and line carries the plan tunnel it belongs to (None: shared), so that a staged
    apply (``diff.compute(tunnels=...)``) changes only the tunnels it stages. ``adopt``: labels of existing
    objects without our marker that the user adopts explicitly (vc_ios_adopt, docs/ownership.md).
    """
    intent = Intent(host)
    intent.adopt = set(adopt or ())
    cpe = (plan.get("cpes") or {}).get(host)
    if not cpe:
        intent.errors.append("host %s terminates no Virtual Connect tunnel in the plan" % host)
        return intent
    tunnels = cpe_tunnels(plan, host)
    intent.wan_interface = wan_interface or cpe.get("wan_interface")
    intent.crypto_map_name = crypto_map_name or forms.DEFAULT_CRYPTO_MAP
    ctx = _Render(intent, tunnels, secrets or {}, require_secrets, ipsec_tunnels(plan, host))
    _ipsec(ctx)
    if ctx.ipsec_tunnels or not tunnels:
        _wan_interface(ctx, host)
    _routes(ctx, wan_next_hop)
    for t in tunnels:
        _tunnel_interface(ctx, t)
    _prefix_lists(ctx)
    _redistribution(ctx, cpe)
    _bgp(ctx, cpe)
    return intent


# ---- IPsec: IKEv2 proposals, policy, keyring, profiles, transform-sets, crypto map entries --------
def _ipsec(ctx: _Render) -> None:
    intent, names = ctx.intent, ctx.names
    proposals: Dict[str, Block] = {}
    transform_sets: Dict[str, Block] = {}
    keyring = Block("crypto ikev2 keyring %s" % forms.KEYRING, "keyring")
    for t in ctx.ipsec_tunnels:
        pname = forms.proposal_name(t["ipsec"]["ike"])
        if pname not in proposals:
            proposals[pname] = _proposal(pname, t["ipsec"]["ike"])
        intent.blocks.append(_crypto_acl(ctx, t))
        keyring.children.append(_keyring_peer(ctx, t))
        intent.blocks.append(_ikev2_profile(t))
        ts = forms.transform_set_name(t["ipsec"]["esp"])
        if ts not in transform_sets:
            transform_sets[ts] = Block(forms.transform_set_header(ts, t["ipsec"]["esp"]), "transform_set")
            transform_sets[ts].add("mode %s" % t["ipsec"].get("mode", "tunnel"), "ipsec")
        intent.blocks.append(_crypto_map_entry(ctx, t, ts))
    intent.blocks.extend(proposals.values())
    if ctx.ipsec_tunnels:
        intent.blocks.append(_ikev2_policy(ctx, proposals))
        intent.blocks.append(keyring)
    intent.blocks.extend(transform_sets.values())
    names["proposal"].update(proposals)
    names["transform_set"].update(transform_sets)
    names["policy"].add(forms.IKEV2_POLICY)
    names["keyring"].add(forms.KEYRING)


def _proposal(pname: str, ike: Dict) -> Block:
    b = Block("crypto ikev2 proposal %s" % pname, "proposal")
    b.add("encryption %s" % ike["encryption"], "ipsec")
    if ike.get("integrity") and "gcm" not in ike["encryption"]:
        b.add("integrity %s" % ike["integrity"], "ipsec")
    b.add("prf %s" % ike["prf"], "ipsec")
    b.add("group %s" % ike["dh_group"], "ipsec")
    return b


def _ikev2_policy(ctx: _Render, proposals: Dict[str, Block]) -> Block:
    policy = Block("crypto ikev2 policy %s" % forms.IKEV2_POLICY, "policy")
    for pname in proposals:
        policy.add("proposal %s" % pname, "ipsec")
    match_local: List[str] = []
    for t in ctx.ipsec_tunnels:
        if not t["ipsec"].get("nat_t") and t["ipsec"]["local_id"] not in match_local:
            match_local.append(t["ipsec"]["local_id"])
    for addr in match_local:
        policy.add("match address local %s" % addr, "ipsec")
    if any(t["ipsec"].get("nat_t") for t in ctx.ipsec_tunnels):
        ctx.intent.warnings.append(
            "NAT-T: the IKEv2 policy %s has no 'match address local' for tunnels behind NAT, so it "
            "applies to every local address" % forms.IKEV2_POLICY)
    return policy


def _crypto_acl(ctx: _Render, t: Dict) -> Block:
    """GRE only between the GRE transport IPs."""
    acl = forms.acl_name(t["name"])
    ctx.names["acl"].add(acl)
    b = Block("ip access-list extended %s" % acl, "acl", tunnel=t["key"])
    b.add("remark %s" % forms.marker(t["key"]), "ipsec", marker=True)
    b.add("permit gre host %s host %s" % (t["crypto_acl"]["source"], t["crypto_acl"]["destination"]), "ipsec")
    return b


def _keyring_peer(ctx: _Render, t: Dict) -> Block:
    peer = Block("peer %s" % forms.object_name(t["name"]), "keyring_peer", exit="exit", tunnel=t["key"])
    peer.add("description %s" % forms.marker(t["key"]), "ipsec", marker=True)
    peer.add("address %s" % t["di"]["ipsec_ip"], "ipsec")
    peer.add("pre-shared-key %s" % ctx.secret(t["key"], "psk"), "ipsec")
    return peer


def _ikev2_profile(t: Dict) -> Block:
    ipsec = t["ipsec"]
    obj = forms.object_name(t["name"])
    b = Block("crypto ikev2 profile %s" % obj, "profile", tunnel=t["key"])
    b.add("description %s" % forms.marker(t["key"]), "ipsec", marker=True)
    b.add("match identity remote address %s 255.255.255.255" % ipsec["remote_id"], "ipsec")
    b.add("identity local address %s" % ipsec["local_id"], "ipsec")
    b.add("authentication remote pre-share", "ipsec")
    b.add("authentication local pre-share", "ipsec")
    b.add("keyring local %s" % forms.KEYRING, "ipsec")
    lifetime = ipsec["ike"].get("lifetime_s")
    if lifetime and int(lifetime) != forms.DEFAULT_IKEV2_LIFETIME_S:
        b.add("lifetime %d" % int(lifetime), "ipsec")
    dpd = ipsec.get("dpd") or {}
    if dpd.get("interval_s"):
        b.add("dpd %d %d %s" % (int(dpd["interval_s"]), int(dpd.get("retry_s") or 2), dpd.get("mode") or "periodic"),
              "ipsec")
    return b


def _crypto_map_entry(ctx: _Render, t: Dict, transform_set: str) -> Block:
    intent, ipsec = ctx.intent, t["ipsec"]
    esp = ipsec["esp"]
    obj = forms.object_name(t["name"])
    ctx.names["profile"].add(obj)
    seq = int(t["tunnel_number"])
    if seq > forms.MAX_CRYPTO_MAP_SEQ:   # the plan phase refuses it already (ios.tunnel_number)
        intent.errors.append("tunnel %s: tunnel number %d cannot be a crypto map sequence number "
                             "(1-65535); set cpe.tunnel_number" % (t["key"], seq))
    intent.crypto_map_seqs.append(seq)
    b = Block(forms.crypto_map_header(intent.crypto_map_name, seq), "cmap_entry", tunnel=t["key"])
    b.add("description %s" % forms.marker(t["key"]), "ipsec", marker=True)
    b.add("set peer %s" % t["di"]["ipsec_ip"], "ipsec")
    b.add("set transform-set %s" % transform_set, "ipsec")
    if esp.get("pfs_group"):
        b.add("set pfs group%s" % esp["pfs_group"], "ipsec")
    b.add("set ikev2-profile %s" % obj, "ipsec")
    if esp.get("lifetime_s") and int(esp["lifetime_s"]) != forms.DEFAULT_IPSEC_LIFETIME_S:
        b.add("set security-association lifetime seconds %d" % int(esp["lifetime_s"]), "ipsec")
    # with the description: typed by whichever feature creates the entry (a bare entry is refused by IOS-XE)
    b.add("match address %s" % forms.acl_name(t["name"]), "ipsec", marker=True)
    rri = ipsec.get("rri") or {}
    if rri.get("enabled"):
        # RRI (seed 004): the route to the remote proxy (the DI GRE /32) via the peer while the SA is up ('static':
        # always); its tag marks it for the redistribution into the customer's IGP: 'set reverse-route tag N'
        b.add("reverse-route static" if rri.get("static") else "reverse-route", "ha")
        if rri.get("tag"):
            b.add("set reverse-route tag %s" % rri["tag"], "ha")
    return b


# ---- the WAN interface carries the crypto map; routes to the Cisco GRE endpoints ----------------
def _wan_interface(ctx: _Render, host: str) -> None:
    intent = ctx.intent
    if intent.wan_interface:
        b = Block("interface %s" % intent.wan_interface, "wan", owned=False, own_rx=r"^crypto map \S+$")
        b.add("crypto map %s" % intent.crypto_map_name, "ipsec")
        intent.blocks.append(b)
        return
    intent.warnings.append("host %s: vc_wan_interface is not set: the crypto map is not applied "
                           "to any interface" % host)
    if ctx.require_secrets:
        intent.errors.append("host %s: set vc_wan_interface (the interface facing the internet) "
                             "to apply the crypto map" % host)


def _routes(ctx: _Render, wan_next_hop: Optional[str]) -> None:
    route_names = [forms.object_name(t["name"]) for t in ctx.tunnels]
    ctx.names["route"].update(route_names)
    ctx.intent.line_tunnels["route"].update(zip(route_names, [t["key"] for t in ctx.tunnels]))
    routes = Block(None, "route", owned=False,
                   own_rx=r"^ip route \S+ \S+ .* name (%s)$" % "|".join(route_names or ["VC-NONE"]))
    for t in ctx.tunnels:
        # a split tunnel's GRE packets go to its IPsec device (docs/ha.md), the others' out of the WAN
        via = (t.get("split") or {}).get("ipsec_inside_ip") or wan_next_hop
        if via:
            routes.add(forms.static_route_line(t["gre"]["destination"], via, forms.object_name(t["name"])),
                       "gre", tunnel=t["key"])
    ctx.intent.blocks.append(routes)


# ---- GRE tunnel interfaces --------------------------------------------------------------------
def _tunnel_interface(ctx: _Render, t: Dict) -> None:
    ifname = "Tunnel%d" % int(t["tunnel_number"])
    ctx.intent.tunnel_interfaces.append(ifname)
    b = Block("interface %s" % ifname, "tunnel", tunnel=t["key"])
    # the VC description marks the interface as ours: typed by whichever feature creates the interface
    b.add("description %s" % forms.description(t), "gre", marker=True)
    b.add("ip address %s %s" % (t["cpe"]["tunnel_ip"], t["cpe"]["tunnel_netmask"]), "gre")
    mtu = t.get("mtu") or {}
    if mtu.get("tunnel_ip_mtu"):
        b.add("ip mtu %d" % int(mtu["tunnel_ip_mtu"]), "mtu")
    if mtu.get("tcp_mss"):
        b.add("ip tcp adjust-mss %d" % int(mtu["tcp_mss"]), "mtu")
    gre = t["gre"]
    ka = gre.get("keepalive") or {}
    if ka.get("enabled", True):
        b.add("keepalive %d %d" % (int(ka.get("interval_s") or 10), int(ka.get("retries") or 3)), "gre")
    bfd = (t.get("bgp") or {}).get("bfd") or {}
    if bfd.get("enabled"):
        b.add("bfd interval %d min_rx %d multiplier %d" % (
            int(bfd["interval_ms"]), int(bfd["interval_ms"]), int(bfd["multiplier"])), "bgp")
    b.add("tunnel source %s" % gre["source"], "gre")
    b.add("tunnel destination %s" % gre["destination"], "gre")
    if gre.get("ttl") and int(gre["ttl"]) != forms.DEFAULT_TUNNEL_TTL:
        b.add("tunnel ttl %d" % int(gre["ttl"]), "gre")
    if mtu.get("path_mtu_discovery", True):
        b.add("tunnel path-mtu-discovery", "mtu")
    ctx.intent.blocks.append(b)


# ---- BGP: prefix lists, then the neighbours in the router's one BGP process ------------------
def _prefix_lists(ctx: _Render) -> None:
    pl_names: List[str] = []
    plists = Block(None, "prefix_list", owned=False)
    for t in ctx.tunnels:
        bgp = t["bgp"]
        pin, pout = forms.prefix_list_in(t["name"]), forms.prefix_list_out(t["name"])
        pl_names.extend([pin, pout])
        ctx.intent.line_tunnels["prefix_list"].update({pin: t["key"], pout: t["key"]})
        for name in (pin, pout):
            plists.add("ip prefix-list %s description %s" % (name, forms.marker(t["key"])), "bgp", tunnel=t["key"],
                       marker=True)
        for i, prefix in enumerate(bgp.get("prefix_list_in") or t.get("expect_received") or []):
            plists.add(forms.prefix_list_line(pin, 5 * (i + 1), "permit", prefix), "bgp", tunnel=t["key"])
        for i, prefix in enumerate(bgp.get("prefix_list_out") or t.get("advertise") or []):
            plists.add(forms.prefix_list_line(pout, 5 * (i + 1), "permit", prefix), "bgp", tunnel=t["key"])
    plists.own_rx = _compile_names(r"^ip prefix-list (%s) ", pl_names)
    ctx.names["prefix_list"].update(pl_names)
    ctx.intent.blocks.append(plists)


def _bgp(ctx: _Render, cpe: Dict) -> None:
    intent, tunnels = ctx.intent, ctx.tunnels
    cbgp = cpe.get("bgp") or {}
    asn = cbgp.get("asn") or (tunnels[0]["bgp"]["router_asn"] if tunnels else None)
    intent.bgp_asn = int(asn) if asn is not None else None
    intent.neighbors = [t["bgp"]["neighbor"] for t in tunnels]
    intent.line_tunnels["neighbor"].update((t["bgp"]["neighbor"], t["key"]) for t in tunnels)
    ibgp = (cpe.get("redistribution") or {}).get("ibgp") or {}
    intent.core_neighbors = list(ibgp.get("neighbors") or [])
    intent.neighbors += intent.core_neighbors     # shared by every tunnel (line_tunnels: none)
    if not tunnels or asn is None:
        return
    nb_rx = r"^neighbor (%s) " % "|".join(_rx_escape(n) for n in intent.neighbors)
    own = r"(%s|^bgp router-id )" % nb_rx if cbgp.get("router_id_explicit") else nb_rx
    b = Block("router bgp %s" % asn, "bgp", owned=False, own_rx=own)
    if cbgp.get("router_id"):
        b.add("bgp router-id %s" % cbgp["router_id"], "bgp", on_create=not cbgp.get("router_id_explicit"))
    af = Block("address-family ipv4", "bgp_af", owned=False, own_rx=nb_rx, exit="exit-address-family")
    cond = (cpe.get("redistribution") or {}).get("default_condition")
    for t in tunnels:
        _bgp_neighbor(ctx, t, b, af, cond if cond and t["key"] in cond["tunnels"] else None)
    for nb in intent.core_neighbors:
        _core_neighbor(cpe["redistribution"], nb, b, af)
    b.children.append(af)
    intent.blocks.append(b)


def _bgp_neighbor(ctx: _Render, t: Dict, router: Block, af: Block, cond: Optional[Dict] = None) -> None:
    """One Dedicated Instance neighbour; ``cond``: the CPE's conditional default (``default-originate route-map``)."""
    bgp, key = t["bgp"], t["key"]
    nb = bgp["neighbor"]

    def line(block: Block, text: str) -> None:
        block.add("neighbor %s %s" % (nb, text), "bgp", tunnel=key)

    line(router, "remote-as %s" % bgp["remote_as"])
    line(router, "description %s" % forms.marker(key))
    if bgp.get("local_as_override"):
        line(router, "local-as %s no-prepend replace-as" % bgp["local_as"])
    if bgp.get("password_set"):
        line(router, "password %s" % ctx.secret(key, "bgp_password"))
    timers = bgp.get("timers") or {}
    if timers.get("keepalive_s") and timers.get("hold_s"):
        line(router, "timers %d %d" % (int(timers["keepalive_s"]), int(timers["hold_s"])))
    if bgp.get("ebgp_multihop"):
        line(router, "ebgp-multihop %d" % int(bgp["ebgp_multihop"]))
    if (bgp.get("bfd") or {}).get("enabled"):
        line(router, "fall-over bfd")
    line(af, "activate")
    if bgp.get("soft_reconfiguration_inbound", True):
        line(af, "soft-reconfiguration inbound")
    if bgp.get("default_originate", True) and cond:
        line(af, "default-originate route-map %s" % cond["route_map"])
    elif bgp.get("default_originate", True):
        line(af, "default-originate")
    line(af, "prefix-list %s in" % forms.prefix_list_in(t["name"]))
    line(af, "prefix-list %s out" % forms.prefix_list_out(t["name"]))


# ---- redistribution of the DI prefixes into the customer network (plan cpes[host].redistribution, docs/ha.md) ---
def _redistribution(ctx: _Render, cpe: Dict) -> None:
    """The prefix list of exactly the DI prefixes this CPE learns, the route-map that matches it (and sets the OSPF
    tag, metric and metric type), and ``redistribute bgp`` in the customer's OSPF process; iBGP core neighbours are
    rendered with the other neighbours (:func:`_core_neighbor`)."""
    red = cpe.get("redistribution")
    if not red:
        return
    intent = ctx.intent
    rm = red["route_map"]
    rmap = _marked_filter(ctx, red["prefix_list"], rm, red["prefixes"])
    ospf = red.get("ospf")
    if ospf:
        rmap.add("set metric %d" % int(ospf["metric"]), "bgp")
        rmap.add("set metric-type type-%d" % int(ospf["metric_type"]), "bgp")
        rmap.add("set tag %d" % int(ospf["tag"]), "bgp")
    _default_condition(ctx, red.get("default_condition"))
    if ospf:
        intent.ospf_process = int(ospf["process"])
        b = Block("router ospf %d" % intent.ospf_process, "ospf", owned=False,
                  own_rx=r"^redistribute bgp \d+ (.* )?route-map %s$" % _rx_escape(rm))
        b.add("redistribute bgp %d subnets route-map %s" % (int(ospf["source_asn"]), rm), "bgp")
        intent.blocks.append(b)


def _default_condition(ctx: _Render, cond: Optional[Dict]) -> None:
    """The conditional default (docs/ha.md section 3): IOS-XE evaluates ``neighbor X default-originate route-map``
    against the routing table (RIB, Cisco's documented behaviour; not yet checked on a real IOS-XE), so the route-map
    only matches the condition prefixes (an exact prefix-list match); nothing enters the BGP table, nothing else is
    advertised. Both objects carry the redistribution marker."""
    if cond:
        _marked_filter(ctx, cond["prefix_list"], cond["route_map"], cond["prefixes"])


def _marked_filter(ctx: _Render, pl: str, rm: str, prefixes: Sequence[str]) -> Block:
    """A prefix-list permitting exactly ``prefixes`` and the route-map ``rm permit 10`` matching it, both carrying the
    redistribution marker (the hand-over and the conditional default). Returns the route-map, for its ``set`` lines."""
    plist = Block(None, "prefix_list", owned=False, own_rx=_compile_names(r"^ip prefix-list (%s) ", [pl]))
    plist.add("ip prefix-list %s description %s" % (pl, forms.marker(forms.REDISTRIBUTION_KEY)), "bgp", marker=True)
    for i, prefix in enumerate(prefixes):
        plist.add(forms.prefix_list_line(pl, 5 * (i + 1), "permit", prefix), "bgp")
    ctx.names["prefix_list"].add(pl)
    ctx.intent.blocks.append(plist)
    rmap = Block("route-map %s permit 10" % rm, "route_map")
    rmap.add("description %s" % forms.marker(forms.REDISTRIBUTION_KEY), "bgp", marker=True)
    rmap.add("match ip address prefix-list %s" % pl, "bgp")
    ctx.names.setdefault("route_map", set()).add(rm)
    ctx.intent.blocks.append(rmap)
    return rmap


def _core_neighbor(red: Dict, nb: str, router: Block, af: Block) -> None:
    """An iBGP neighbour of the customer core: only the DI prefixes out (the route-map), next-hop-self."""
    ibgp = red["ibgp"]
    router.add("neighbor %s remote-as %s" % (nb, ibgp["asn"]), "bgp")
    router.add("neighbor %s description %s" % (nb, forms.CORE_DESCRIPTION), "bgp")
    af.add("neighbor %s activate" % nb, "bgp")
    if ibgp.get("next_hop_self", True):
        af.add("neighbor %s next-hop-self" % nb, "bgp")
    af.add("neighbor %s route-map %s out" % (nb, red["route_map"]), "bgp")


def _rx_escape(text: str) -> str:
    import re
    return re.escape(str(text))


def _compile_names(pattern: str, names: List[str]) -> Any:
    import re
    return re.compile(pattern % "|".join(_rx_escape(n) for n in (names or ["VC-NONE"])))


def rendered_text(intent: Intent, features=None) -> str:
    """The intended config as text with a header (secrets masked): what render_vc.yml writes."""
    header = ["! webex_di.virtual_connect: intended Virtual Connect config of %s (IOS-XE running-config form)"
              % intent.host,
              "! secrets are masked (********); vc_ios_config types them from vc_regions"]
    header.extend("! WARNING: %s" % w for w in intent.warnings)
    return "\n".join(header) + "\n" + intent.to_text(features=features, masked=True)


def _offline_intent(plan: Dict, host: str, wan_interface: Optional[str] = None, wan_next_hop: Optional[str] = None,
                    crypto_map_name: Optional[str] = None) -> Intent:
    intent = render(plan, host, None, wan_interface=wan_interface, wan_next_hop=wan_next_hop,
                    crypto_map_name=crypto_map_name)
    if intent.errors:
        raise RenderError("; ".join(intent.errors))
    return intent


def render_text(plan: Dict, host: str, wan_interface: Optional[str] = None, wan_next_hop: Optional[str] = None,
                crypto_map_name: Optional[str] = None, features=None) -> str:
    """Offline render: the full intended VC config of ``host`` (secrets masked)."""
    return rendered_text(_offline_intent(plan, host, wan_interface, wan_next_hop, crypto_map_name), features)


def render_files(plan: Dict, host: str, settings: Optional[Dict] = None) -> Dict[str, Any]:
    """``Platform.render``: the files ``render_vc.yml`` writes for ``host`` (``vc-ios.cfg``, secrets masked)."""
    settings = settings or {}
    intent = _offline_intent(plan, host, settings.get("wan_interface"), settings.get("wan_next_hop"),
                             settings.get("crypto_map_name"))
    return {"files": {"vc-ios.cfg": rendered_text(intent)}, "warnings": list(intent.warnings)}
