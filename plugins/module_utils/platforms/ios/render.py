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

from typing import Any, Dict, List, Optional

from . import forms
from .intent import Block, Intent


class RenderError(Exception):
    pass


def cpe_tunnels(plan: Dict, host: str) -> List[Dict]:
    """The plan's tunnels terminated on ``host``, in the CPE's plan order."""
    by_key = {}
    for region in plan.get("regions") or []:
        for tunnel in region.get("tunnels") or []:
            by_key[tunnel["key"]] = tunnel
    cpe = (plan.get("cpes") or {}).get(host) or {}
    keys = cpe.get("tunnels") or [k for k, t in by_key.items() if t.get("cpe_host") == host]
    return [by_key[k] for k in keys if k in by_key]


def render(plan: Dict, host: str, secrets: Optional[Dict] = None, wan_interface: Optional[str] = None,
           wan_next_hop: Optional[str] = None, crypto_map_name: Optional[str] = None,
           require_secrets: Any = False) -> Intent:
    """Intended VC config of ``host``. Problems go to ``intent.errors`` / ``intent.warnings``.

    ``require_secrets``: True (every secret the plan says is set must be given), a collection of
    field names (``psk``, ``bgp_password``), or False (offline: missing secrets are masked).
    """
    intent = Intent(host)
    cpe = (plan.get("cpes") or {}).get(host)
    if not cpe:
        intent.errors.append("host %s terminates no Virtual Connect tunnel in the plan" % host)
        return intent
    tunnels = cpe_tunnels(plan, host)
    secrets = secrets or {}
    intent.wan_interface = wan_interface or cpe.get("wan_interface")
    intent.crypto_map_name = crypto_map_name or forms.DEFAULT_CRYPTO_MAP
    kinds = ("acl", "proposal", "policy", "keyring", "profile", "transform_set", "prefix_list", "route")
    names: Dict[str, set] = dict((k, set()) for k in kinds)
    intent.names = names

    def secret(tkey: str, field: str, needed: bool) -> str:
        value = (secrets.get(tkey) or {}).get(field)
        if value:
            return str(value)
        if needed and (require_secrets is True or (require_secrets and field in require_secrets)):
            intent.errors.append("tunnel %s: %s is not set (vc_regions ... %s)" % (tkey, field, field))
        return forms.MASK

    # ---- IKEv2 proposals (one per distinct suite), policy, keyring ----------------------------
    proposals: Dict[str, Block] = {}
    policy = Block("crypto ikev2 policy %s" % forms.IKEV2_POLICY, "policy")
    keyring = Block("crypto ikev2 keyring %s" % forms.KEYRING, "keyring")
    transform_sets: Dict[str, Block] = {}
    map_name = intent.crypto_map_name
    match_local: List[str] = []
    for t in tunnels:
        ike = t["ipsec"]["ike"]
        pname = forms.proposal_name(ike)
        if pname not in proposals:
            b = Block("crypto ikev2 proposal %s" % pname, "proposal")
            b.add("encryption %s" % ike["encryption"], "ipsec")
            if ike.get("integrity") and "gcm" not in ike["encryption"]:
                b.add("integrity %s" % ike["integrity"], "ipsec")
            b.add("prf %s" % ike["prf"], "ipsec")
            b.add("group %s" % ike["dh_group"], "ipsec")
            proposals[pname] = b
        if not t["ipsec"].get("nat_t") and t["ipsec"]["local_id"] not in match_local:
            match_local.append(t["ipsec"]["local_id"])
    for pname in proposals:
        policy.add("proposal %s" % pname, "ipsec")
    for addr in match_local:
        policy.add("match address local %s" % addr, "ipsec")
    if any(t["ipsec"].get("nat_t") for t in tunnels):
        intent.warnings.append(
            "NAT-T: the IKEv2 policy %s has no 'match address local' for tunnels behind NAT, so it "
            "applies to every local address" % forms.IKEV2_POLICY)

    for t in tunnels:
        name = t["name"]
        obj = forms.object_name(name)
        ipsec = t["ipsec"]
        acl = forms.acl_name(name)
        names["acl"].add(acl)
        names["profile"].add(obj)
        # ---- crypto ACL: GRE only between the GRE transport IPs ----
        b = Block("ip access-list extended %s" % acl, "acl")
        b.add("permit gre host %s host %s" % (t["crypto_acl"]["source"], t["crypto_acl"]["destination"]),
              "ipsec")
        intent.blocks.append(b)
        # ---- keyring peer ----
        peer = Block("peer %s" % obj, "keyring_peer", exit="exit")
        peer.add("address %s" % t["di"]["ipsec_ip"], "ipsec")
        peer.add("pre-shared-key %s" % secret(t["key"], "psk", True), "ipsec")
        keyring.children.append(peer)
        # ---- IKEv2 profile ----
        b = Block("crypto ikev2 profile %s" % obj, "profile")
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
            b.add("dpd %d %d %s" % (int(dpd["interval_s"]), int(dpd.get("retry_s") or 2),
                                    dpd.get("mode") or "periodic"), "ipsec")
        intent.blocks.append(b)
        # ---- transform-set (tunnel mode) ----
        esp = ipsec["esp"]
        ts = forms.transform_set_name(esp)
        if ts not in transform_sets:
            b = Block(forms.transform_set_header(ts, esp), "transform_set")
            b.add("mode %s" % ipsec.get("mode", "tunnel"), "ipsec")
            transform_sets[ts] = b
        # ---- crypto map entry ----
        seq = int(t["tunnel_number"])
        if seq > forms.MAX_CRYPTO_MAP_SEQ:
            intent.errors.append("tunnel %s: tunnel number %d cannot be a crypto map sequence number "
                                 "(1-65535); set cpe.tunnel_number" % (t["key"], seq))
        intent.crypto_map_seqs.append(seq)
        b = Block(forms.crypto_map_header(map_name, seq), "cmap_entry")
        b.add("set peer %s" % t["di"]["ipsec_ip"], "ipsec")
        b.add("set transform-set %s" % ts, "ipsec")
        if esp.get("pfs_group"):
            b.add("set pfs group%s" % esp["pfs_group"], "ipsec")
        b.add("set ikev2-profile %s" % obj, "ipsec")
        if esp.get("lifetime_s") and int(esp["lifetime_s"]) != forms.DEFAULT_IPSEC_LIFETIME_S:
            b.add("set security-association lifetime seconds %d" % int(esp["lifetime_s"]), "ipsec")
        b.add("match address %s" % acl, "ipsec")
        rri = ipsec.get("rri") or {}
        if rri.get("enabled"):
            words = ["reverse-route"]
            if rri.get("tag"):
                words.append("tag %s" % rri["tag"])
            if rri.get("static"):
                words.append("static")
            b.add(" ".join(words), "ha")
        intent.blocks.append(b)

    intent.blocks.extend(proposals.values())
    if tunnels:
        intent.blocks.append(policy)
        intent.blocks.append(keyring)
    intent.blocks.extend(transform_sets.values())
    names["proposal"].update(proposals)
    names["transform_set"].update(transform_sets)
    names["policy"].add(forms.IKEV2_POLICY)
    names["keyring"].add(forms.KEYRING)

    # ---- WAN interface: the crypto map --------------------------------------------------------
    if intent.wan_interface:
        b = Block("interface %s" % intent.wan_interface, "wan", owned=False, own_rx=r"^crypto map \S+$")
        b.add("crypto map %s" % map_name, "ipsec")
        intent.blocks.append(b)
    else:
        intent.warnings.append("host %s: vc_wan_interface is not set: the crypto map is not applied "
                               "to any interface" % host)
        if require_secrets:
            intent.errors.append("host %s: set vc_wan_interface (the interface facing the internet) "
                                 "to apply the crypto map" % host)

    # ---- route back to the Cisco GRE endpoints via the WAN next hop ---------------------------
    route_names = [forms.object_name(t["name"]) for t in tunnels]
    names["route"].update(route_names)
    routes = Block(None, "route", owned=False,
                   own_rx=r"^ip route \S+ \S+ .* name (%s)$" % "|".join(route_names or ["VC-NONE"]))
    if wan_next_hop:
        for t in tunnels:
            routes.add(forms.static_route_line(t["gre"]["destination"], wan_next_hop,
                                               forms.object_name(t["name"])), "gre")
    intent.blocks.append(routes)

    # ---- GRE tunnel interfaces ----------------------------------------------------------------
    for t in tunnels:
        ifname = "Tunnel%d" % int(t["tunnel_number"])
        intent.tunnel_interfaces.append(ifname)
        b = Block("interface %s" % ifname, "tunnel")
        b.add("description %s" % forms.description(t), "gre")
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
        intent.blocks.append(b)

    # ---- prefix lists ------------------------------------------------------------------------
    pl_names: List[str] = []
    plists = Block(None, "prefix_list", owned=False)
    for t in tunnels:
        bgp = t["bgp"]
        pin, pout = forms.prefix_list_in(t["name"]), forms.prefix_list_out(t["name"])
        pl_names.extend([pin, pout])
        for i, prefix in enumerate(bgp.get("prefix_list_in") or t.get("expect_received") or []):
            plists.add(forms.prefix_list_line(pin, 5 * (i + 1), "permit", prefix), "bgp")
        for i, prefix in enumerate(bgp.get("prefix_list_out") or t.get("advertise") or []):
            plists.add(forms.prefix_list_line(pout, 5 * (i + 1), "permit", prefix), "bgp")
    plists.own_rx = _compile_names(r"^ip prefix-list (%s) ", pl_names)
    names["prefix_list"].update(pl_names)
    intent.blocks.append(plists)

    # ---- BGP ---------------------------------------------------------------------------------
    cbgp = cpe.get("bgp") or {}
    asn = cbgp.get("asn") or (tunnels[0]["bgp"]["router_asn"] if tunnels else None)
    intent.bgp_asn = int(asn) if asn is not None else None
    neighbors = [t["bgp"]["neighbor"] for t in tunnels]
    intent.neighbors = neighbors
    if tunnels and asn is not None:
        nb_rx = r"^neighbor (%s) " % "|".join(_rx_escape(n) for n in neighbors)
        own = nb_rx
        if cbgp.get("router_id_explicit"):
            own = r"(%s|^bgp router-id )" % nb_rx
        b = Block("router bgp %s" % asn, "bgp", owned=False, own_rx=own)
        if cbgp.get("router_id"):
            b.add("bgp router-id %s" % cbgp["router_id"], "bgp",
                  on_create=not cbgp.get("router_id_explicit"))
        af = Block("address-family ipv4", "bgp_af", owned=False, own_rx=nb_rx, exit="exit-address-family")
        for t in tunnels:
            bgp = t["bgp"]
            nb = bgp["neighbor"]
            b.add("neighbor %s remote-as %s" % (nb, bgp["remote_as"]), "bgp")
            b.add("neighbor %s description %s" % (nb, forms.object_name(t["name"])), "bgp")
            if bgp.get("local_as_override"):
                b.add("neighbor %s local-as %s no-prepend replace-as" % (nb, bgp["local_as"]), "bgp")
            if bgp.get("password_set"):
                b.add("neighbor %s password %s" % (nb, secret(t["key"], "bgp_password", True)), "bgp")
            timers = bgp.get("timers") or {}
            if timers.get("keepalive_s") and timers.get("hold_s"):
                b.add("neighbor %s timers %d %d" % (nb, int(timers["keepalive_s"]), int(timers["hold_s"])),
                      "bgp")
            if bgp.get("ebgp_multihop"):
                b.add("neighbor %s ebgp-multihop %d" % (nb, int(bgp["ebgp_multihop"])), "bgp")
            if (bgp.get("bfd") or {}).get("enabled"):
                b.add("neighbor %s fall-over bfd" % nb, "bgp")
            af.add("neighbor %s activate" % nb, "bgp")
            if bgp.get("soft_reconfiguration_inbound", True):
                af.add("neighbor %s soft-reconfiguration inbound" % nb, "bgp")
            if bgp.get("default_originate", True):
                af.add("neighbor %s default-originate" % nb, "bgp")
            af.add("neighbor %s prefix-list %s in" % (nb, forms.prefix_list_in(t["name"])), "bgp")
            af.add("neighbor %s prefix-list %s out" % (nb, forms.prefix_list_out(t["name"])), "bgp")
        b.children.append(af)
        intent.blocks.append(b)
    return intent


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
