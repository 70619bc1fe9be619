#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
---
module: vc_linux_config
short_description: Apply the Virtual Connect configuration of one Linux CPE (strongSwan, kernel GRE, nftables, FRR), idempotently
version_added: 0.1.0
description:
  - One module run applies the selected O(features) in order, each touching only what Virtual Connect owns and
    only what differs (module start-up is the dominant cost on small CPEs, so a deploy runs it once).
  - Ownership (docs/ownership.md) - an object is Virtual Connect's only when the plan names it AND it carries the marker
    C(webex_di.virtual_connect:<key>) in the tool's own syntax (file header, link alias, nftables table comment, FRR
    C(description)); never because of its name. Before the first write of the run, one read of everything the selected
    O(features) would change refuses every object the plan names that exists without the marker (a swanctl or networkd
    file, a GRE link, the nftables table, an FRR neighbour, prefix-list, route-map or BFD profile), naming it, the CPE
    and the fix (rename, remove, or O(adopt)); nothing is changed then, in check mode too.
  - V(ipsec) - writes C(conf.d/vc-connections.conf) (0644) and C(conf.d/vc-secrets.conf) (0600, PSKs base64 C(0s)) in
    O(swanctl_dir), then loads them with C(swanctl --load-all) when a file changed or a connection is not loaded.
  - V(gre) - the kernel GRE links C(vcgre<tunnel_number>) (ttl 255, PMTU discovery, MTU and address from the plan),
    created or fixed live with C(ip), and their systemd-networkd files (O(gre_persist)); links carrying the marker and
    files carrying the header that the plan no longer has are removed (O(gre_prune)), never a link or file because
    of its C(vcgre) name. Linux GRE has no keepalives - a warning per tunnel says so.
  - V(mtu) - the nftables table C(inet vc_mss_clamp) (TCP MSS clamp, forward hook, priority mangle; clear-text GRE
    guard, input and output hooks, see docs/linux.md; table comment C(webex_di.virtual_connect:mss-clamp)), loaded
    only when its rules do not all carry the rule-set tag (never compared on counters), its script O(nft_file),
    path-MTU discovery checked, and with O(systemd) a unit C(vc-mss-clamp.service) that loads it at boot.
  - V(bgp) - C(bgpd) (C(bfdd) with BFD) enabled in O(frr_daemons_file) (FRR restarted only then), and the VC-owned FRR
    objects (prefix-lists and route-map entries with the marker as C(description), BFD profiles used only by marked
    neighbours, the lines of the neighbours described with the marker in C(router bgp)) compared with
    C(show running-config); only the difference is pushed (C(vtysh -f)), read back, and saved. Stale marked objects
    are removed unless another configuration still uses them (then a warning). When bgpd is not running yet, the
    refusals are also checked in C(frr.conf) next to O(frr_daemons_file), which bgpd loads when it starts.
  - V(ha) - checks that charon runs each VC connection with the plan's DPD interval and trap DPD/close actions.
  - Operator configuration (other swanctl connections, links, nftables tables, FRR objects) is never read into a
    comparison, so it is never changed.
  - O(tunnels) stages a subset of the CPE's plan tunnels - only their objects change; objects shared by every tunnel
    (the nftables table, the BGP router id) follow the plan in every stage.
  - Supports check mode and diff mode; PSKs and BGP passwords are masked in RV(commands) and the diff.
  - Rollback - just before its first change, a run records the previous state of exactly what it changes (files with
    content, mode and owner; GRE links; the nftables table; the VC-owned FRR part; the unit's enablement). The action
    plugin writes that snapshot on the controller (O(snapshot_dir), directory 0700, file 0600, since it holds the previous
    PSKs) and returns its path as RV(snapshot_path). O(state=restored) with O(snapshot_path) puts it back - files
    atomically with mode and owner, C(swanctl --load-all) (only connections whose sections differ are re-established;
    an unchanged one keeps its SAs), links, the nftables table, the FRR VC part (what the failed run added is removed),
    FRR restarted when its daemons file is restored. A snapshot of a first deploy restores to nothing of ours.
  - A staged connection whose settings or PSK change is re-established after the load, so that the verify gate proves
    the new values - with V(bgp), its BGP neighbour (ours) is shut down first (its traffic moves to the other tunnel at
    once) and enabled again afterwards; the IKE SA is terminated and the CHILD SA initiated. Unchanged connections keep
    their SAs.
author:
  - webex_di maintainers (@webex-di)
extends_documentation_fragment:
  - webex_di.virtual_connect.linux_cpe
options:
  state:
    description:
      - V(applied) - apply the plan (the default).
      - V(restored) - put back the snapshot O(snapshot_path) (taken by an earlier V(applied) run on this host); plan,
        secrets and features are not used.
    type: str
    choices: [applied, restored]
    default: applied
  snapshot_dir:
    description:
      - Controller directory for the snapshot of an V(applied) run that changes something (read by the action plugin;
        relative to the directory ansible runs from, never inside the collection; the apply role gives
        C(<vc_output_dir>/snapshots)). Empty - no snapshot is kept.
    type: str
    default: ""
  snapshot_path:
    description: Controller path of the snapshot that O(state=restored) puts back (the RV(snapshot_path) of the run undone).
    type: str
  snapshot:
    description: The snapshot's content; filled in by the action plugin from O(snapshot_path) (not for playbooks).
    type: str
  snapshot_key:
    description:
      - Per-run key the action plugin generates to seal the snapshot on its way back (the module's output is printed at
        C(-vvv)); not for playbooks. Without it the snapshot content is not returned.
    type: str
  systemctl:
    description: The C(systemctl) command (with O(systemd)).
    type: str
    default: systemctl
  secrets:
    description:
      - Tunnel key -> C({psk, bgp_password}), the output of the C(webex_di.virtual_connect.vc_secrets) filter. Needed by
        V(ipsec) (PSKs) and V(bgp) (passwords). Never logged; secret fields are masked in the result. Pass them
        encoded (C(vc_secrets(encoded=true)), values C(vc-b64:...)) so that Ansible's own no_log masking (by
        substring) never corrupts an address that contains a weak secret; plain values are accepted too.
    type: dict
    default: {}
  features:
    description: Which parts to apply (each role queues its own; a deploy applies them all in one run).
    type: list
    elements: str
    choices: [ipsec, gre, mtu, bgp, ha]
    default: [ipsec, gre, mtu, bgp, ha]
  tunnels:
    description: Plan tunnel keys of this CPE to apply (a staged rollout); empty for all.
    type: list
    elements: str
    default: []
  swanctl_dir:
    description: swanctl configuration directory.
    type: path
    default: /etc/swanctl
  strongswan_d_dir:
    description: strongSwan's C(strongswan.d) directory, where the file of O(ike_retransmit) goes.
    type: path
    default: /etc/strongswan.d
  ike_retransmit:
    description:
      - Opt-in. charon's IKE retransmission schedule, which also paces DPD (docs/ha.md section 3) - C(timeout_s)
        (0.5-30), C(base) (1-4), C(tries) (1-10); a missing field keeps charon's default (4, 1.8, 5). Written to
        C(vc-ike-retransmit.conf) in O(strongswan_d_dir) with the Virtual Connect header and read with
        C(swanctl --reload-settings); it acts for every IKE SA of this charon created from then on. Unset, a file of
        ours there is removed. Checked in the plan phase (V(linux.ike_retransmit)) and again here.
    type: dict
  swanctl_conf:
    description: swanctl.conf to load (default swanctl's own, C(/etc/swanctl/swanctl.conf), which includes C(conf.d/*.conf)).
    type: path
  networkd_dir:
    description: Directory of the systemd-networkd files of the GRE links.
    type: path
    default: /etc/systemd/network
  gre_persist:
    description: Write the C(.netdev)/C(.network) files so the links come back after a reboot.
    type: bool
    default: true
  adopt:
    description:
      - Objects the plan names that exist without the Virtual Connect marker and that this run may take over, by the
        label the refusal names - a GRE link (C(vcgre101)), a file path (C(/etc/systemd/network/vcgre101.netdev)),
        C(table inet vc_mss_clamp), C(neighbor 100.64.0.2), C(ip prefix-list VC-US-EAST-A-IN),
        C(route-map VC-US-EAST-A-IN), C(bfd profile VC-US-EAST-A). Without it such an object stops the run before any
        change. An adopted object gets the marker and is Virtual Connect's from then on (docs/ownership.md).
    type: list
    elements: str
    default: []
  gre_prune:
    description: Delete the GRE links carrying the marker and the networkd files carrying the header that the plan no longer has.
    type: bool
    default: true
  ip:
    description: The iproute2 C(ip) command.
    type: str
    default: ip
  nft_file:
    description: Path of the nft script of the MSS clamp (loaded at boot by the unit).
    type: path
    default: /etc/nftables.d/vc-mss-clamp.nft
  nft:
    description: The C(nft) command.
    type: str
    default: nft
  systemd:
    description: The CPE runs systemd - install and enable C(vc-mss-clamp.service).
    type: bool
    default: true
  frr_save:
    description: Run C(write memory) after a change so the configuration survives an FRR restart.
    type: bool
    default: true
  frr_daemons_file:
    description:
      - FRR's daemons file. C(bgpd=yes) (and C(bfdd=yes) when the plan enables BFD) are set there, and FRR is restarted
        with O(frr_restart) when they change or when C(vtysh -c 'show daemons') does not list them. Empty string - do
        not manage daemons (they must already run).
    type: str
    default: /etc/frr/daemons
  frr_restart:
    description: Command that restarts FRR (C(service) works with systemd and with init scripts).
    type: list
    elements: str
    default: [service, frr, restart]
  frr_wait_s:
    description: Seconds to wait for the daemons to answer vtysh after a restart.
    type: int
    default: 60
  preflight:
    description:
      - Before anything is read or written, run a read-only check of what the selected O(features) need on this CPE -
        swanctl and a running charon with its vici socket, the charon plugins and every algorithm of the planned suites
        (C(swanctl --list-algs)), FRR with zebra and bgpd (bfdd for BFD), the kernel's GRE, ESP, xfrm and nf_tables, and
        the C(ip) and C(nft) commands. Each missing piece is an error naming the Debian package or kernel module, and the
        module fails without changing anything (also in check mode). Warnings (a daemon off in FRR's daemons file) are
        printed.
    type: bool
    default: true
notes:
  - Debian's FRR package ships with C(bgpd=no); the V(bgp) feature turns bgpd (and bfdd for BFD) on.
seealso:
  - module: webex_di.virtual_connect.vc_linux_state
"""

EXAMPLES = r"""
- name: Apply every Virtual Connect feature of this Linux CPE in one run
  webex_di.virtual_connect.vc_linux_config:
    plan: "{{ vc_plan }}"
    host: "{{ inventory_hostname }}"
    secrets: "{{ vc_regions | webex_di.virtual_connect.vc_secrets }}"

- name: Put back what an earlier run changed (its snapshot_path)
  webex_di.virtual_connect.vc_linux_config:
    state: restored
    plan: "{{ vc_plan }}"
    host: "{{ inventory_hostname }}"
    snapshot_path: "{{ vc_apply_result.snapshot_path }}"

- name: Only the MSS clamp, no systemd on this CPE
  webex_di.virtual_connect.vc_linux_config:
    plan: "{{ vc_plan }}"
    host: "{{ inventory_hostname }}"
    features: [mtu]
    systemd: false
"""

RETURN = r"""
commands:
  description: What was run or sent (or would be, in check mode) - C(ip) commands, vtysh lines, loads - secrets masked.
  returned: always
  type: list
  elements: str
changed_files:
  description: Files written or deleted (or that would be).
  returned: always
  type: list
  elements: str
features:
  description:
    - Per feature applied - C(changed), and V(ipsec) C(files)/C(missing), V(gre) C(links), V(mtu) C(tag) and
      C(ip_no_pmtu_disc), V(bgp) C(commands), C(daemons_changed), C(router_asn) and C(reset) (the BGP neighbours
      re-established with C(clear bgp) because this run changed the keepalive/hold timers of their running session:
      the hold time is negotiated when a session comes up), V(ha) C(checked).
  returned: always
  type: dict
snapshot_path:
  description: The snapshot of this run on the controller (mode 0600); absent when the run changed nothing (or in check mode).
  returned: when the run changed something and O(snapshot_dir) is set
  type: str
snapshot:
  description:
    - What the snapshot covers or the restore put back, without content - C(host), C(tunnels), C(taken), C(files) (paths),
      C(links) (names), C(nft_table), C(frr), C(unit).
  returned: when a snapshot was taken, and with O(state=restored)
  type: dict
restored:
  description:
    - O(state=restored) - what was (or would be) put back - C(files), C(links), C(connections) (re-established),
      C(nft_table), C(frr), C(unit).
  returned: with O(state=restored)
  type: dict
preflight:
  description:
    - With O(preflight), the findings - C(severity) (error or warning), C(component), C(missing), C(message), and
      C(package) or C(module) (with C(kernel_option)) when one brings the missing piece.
  returned: when O(preflight) is true
  type: list
  elements: dict
"""

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.preflight import run_preflight
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.render import RenderError
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.runner import FEATURES, ApplyError, LinuxConfig
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import snapshot as S
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.state import CPE_OPTIONS

ARGUMENT_SPEC = dict(
    CPE_OPTIONS,
    secrets=dict(type="dict", default={}, no_log=True),
    features=dict(type="list", elements="str", choices=list(FEATURES), default=list(FEATURES)),
    tunnels=dict(type="list", elements="str", default=[]),
    swanctl_dir=dict(type="path", default="/etc/swanctl"),
    strongswan_d_dir=dict(type="path", default="/etc/strongswan.d"),
    ike_retransmit=dict(type="dict"),
    swanctl_conf=dict(type="path"),
    networkd_dir=dict(type="path", default="/etc/systemd/network"),
    gre_persist=dict(type="bool", default=True),
    gre_prune=dict(type="bool", default=True),
    adopt=dict(type="list", elements="str", default=[]),
    ip=dict(type="str", default="ip"),
    nft_file=dict(type="path", default="/etc/nftables.d/vc-mss-clamp.nft"),
    nft=dict(type="str", default="nft"),
    systemd=dict(type="bool", default=True),
    frr_save=dict(type="bool", default=True),
    frr_daemons_file=dict(type="str", default="/etc/frr/daemons"),
    frr_restart=dict(type="list", elements="str", default=["service", "frr", "restart"]),
    frr_wait_s=dict(type="int", default=60),
    preflight=dict(type="bool", default=True),
    state=dict(type="str", choices=["applied", "restored"], default="applied"),
    snapshot_dir=dict(type="str", default=""),
    snapshot_path=dict(type="str"),
    snapshot=dict(type="str", no_log=True),
    snapshot_key=dict(type="str", no_log=True),
    systemctl=dict(type="str", default="systemctl"),
)


def restore(module, params):
    """state=restored: put back the snapshot the action plugin read from the controller."""
    if not params.get("snapshot"):
        module.fail_json(msg="state=restored needs snapshot_path (the snapshot_path of the run to undo)", changed=False)
    for command in ("ip", "nft"):
        params[command] = module.get_bin_path(params[command]) or params[command]
    try:
        data = S.loads(params["snapshot"], params["host"])
        engine = S.Restore(data, params, lambda argv, data=None: module.run_command(argv, data=data, binary_data=True)
                           if data is not None else module.run_command(argv), check_mode=module.check_mode, warn=module.warn)
    except S.RestoreError as exc:
        module.fail_json(msg="restore failed: %s" % exc, changed=False)
    try:
        result = engine.restore()
    except (S.RestoreError, OSError, ValueError) as exc:
        module.fail_json(msg="restore incomplete: %s" % exc, **engine.result)
    if not module._diff:
        result.pop("diff", None)
    module.exit_json(**result)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = dict(module.params)
    if params["state"] == "restored":
        restore(module, params)
    findings = None
    if params["preflight"]:
        # read-only, before anything is read for a comparison or written
        findings = run_preflight(lambda argv, env: module.run_command(argv, environ_update=env), params["plan"], params["host"],
                                 params["features"], params.get("swanctl_uri"))
        bad = [f for f in findings if f["severity"] == "error"]
        if bad:
            module.fail_json(msg="preflight of %s: %d missing piece(s), nothing was changed: %s" % (
                params["host"], len(bad), " | ".join(f["message"] for f in bad)), changed=False, preflight=findings,
                commands=[], changed_files=[], features={})
        for f in findings:
            module.warn("preflight: %s" % f["message"])
    for feature, command in (("gre", "ip"), ("mtu", "nft")):
        if feature in params["features"]:
            params[command] = module.get_bin_path(params[command], required=True)

    def run(argv, data=None):
        if data is None:
            return module.run_command(argv)
        return module.run_command(argv, data=data, binary_data=True)

    engine = None
    try:
        engine = LinuxConfig(params, run, check_mode=module.check_mode, warn=module.warn)
        result = engine.apply()
    except (ApplyError, RenderError, OSError) as exc:
        # what changed before the failure is in the snapshot: the rollback role puts it back
        partial = dict(engine.result, **engine.snapshot_result()) if engine is not None else {}
        if not module._diff:
            partial.pop("diff", None)
        module.fail_json(msg=str(exc), **partial)
    result.update(engine.snapshot_result())
    if not module._diff:
        result.pop("diff", None)
    if findings is not None:
        result["preflight"] = findings
    module.exit_json(**result)


if __name__ == "__main__":
    main()
