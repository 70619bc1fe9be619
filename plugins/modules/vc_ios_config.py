#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: vc_ios_config
author:
  - webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: Apply the Virtual Connect configuration of one IOS-XE CPE, idempotently
description:
  - Renders the intended Virtual Connect configuration of a CPE from the plan (IKEv2 proposal, policy, keyring
    and profile with PSK and DPD, a tunnel-mode transform-set, a crypto map entry per tunnel with a GRE-only ACL
    applied to the WAN interface, GRE tunnel interfaces with keepalives, MTU/MSS and path-MTU discovery, eBGP per
    tunnel with prefix lists, the route to the Cisco GRE endpoints, RRI), compares it with the running
    configuration and sends only the commands that are needed.
  - Idempotent by structure; the running configuration is parsed and each VC-owned block compared as a set of
    normalized lines (trailing spaces, printed masks, ACL sequence numbers, hidden defaults). Lines the
    collection does not own are never removed; stale lines inside VC-owned blocks get C(no).
  - Never touches foreign objects; fails when the WAN interface carries another crypto map (unless
    O(crypto_map_name) names it), when a tunnel interface number is used by a non-VC interface, when the
    router runs BGP with another AS, or when a crypto map sequence number is taken.
  - Secrets (pre-shared keys, BGP passwords) compare by presence (type 0, 6 or 7 forms), and are masked in
    RV(commands), RV(diff) and messages.
  - Runs on the controller with the C(ansible.netcommon.network_cli) connection (C(ansible_network_os)
    C(cisco.ios.ios)) for O(state=merged); O(state=rendered) and O(state=parsed) need no connection.
  - With O(rollback), a failed apply or a failed verification restores the VC-owned parts of the configuration
    to the running configuration read before the change (reverse commands), and says what was restored.
options:
  state:
    description:
      - V(merged) applies the configuration to the device.
      - V(rendered) returns the intended configuration (RV(rendered)) and, offline, the commands against
        O(running_config) (or an empty configuration).
      - V(parsed) returns the VC-owned view of O(running_config) (RV(parsed)).
      - V(restored) brings the VC-owned configuration back to O(backup_config) (a running configuration saved
        before a change, for example the RV(backup_path) of an earlier V(merged) call); objects created since are
        removed, changed lines restored, foreign configuration untouched. For the rollback of a whole run.
    type: str
    choices: [merged, rendered, parsed, restored]
    default: merged
  plan:
    description: The plan returned by M(webex_di.virtual_connect.vc_plan) (its C(plan) key). Required unless O(state=parsed).
    type: dict
  host:
    description: Inventory hostname of the CPE in the plan (C(plan.cpes)). The action plugin fills in C(inventory_hostname).
    type: str
  secrets:
    description:
      - Secrets by tunnel key (each a dict with C(psk) and C(bgp_password)), as returned by the
        C(webex_di.virtual_connect.vc_secrets) filter. Required to apply (O(state=merged)) the V(ipsec) and
        V(bgp) features.
      - Pass them encoded (C(vc_secrets(encoded=true)), values C(vc-b64:...)) - Ansible masks a no_log option's
        values by substring over the whole result, which corrupts addresses that contain a weak secret; the
        module masks secrets by field itself. Plain values are accepted too.
    type: dict
  wan_interface:
    description: Interface facing the internet that carries the crypto map. Default C(plan.cpes[host].wan_interface).
    type: str
  wan_next_hop:
    description: Next hop on the WAN side; when set, a /32 static route to each Cisco GRE endpoint goes through it.
    type: str
  crypto_map_name:
    description:
      - Name of the crypto map. Default C(VC-CMAP). Set it to the name of a crypto map the WAN interface already
        carries to add the VC entries (sequence number = tunnel number) to that map.
    type: str
  features:
    description:
      - Which parts to manage; lines of other parts are neither added nor removed. A deploy applies every feature the
        roles queued in one run (one read, one configuration session); a role used alone applies its own.
      - Whichever feature creates an object also types its Virtual Connect marker (a C(description) or ACL
        C(remark) carrying C(webex_di.virtual_connect:<tunnel key>), see docs/ownership.md), so later runs of any
        feature recognise it.
    type: list
    elements: str
    choices: [ipsec, gre, mtu, bgp, ha]
    default: [ipsec, gre, mtu, bgp, ha]
  tunnels:
    description:
      - Plan tunnel keys of this CPE to apply (a staged rollout); empty for all. Objects and lines of the other
        tunnels are neither added nor removed; objects every tunnel shares (IKEv2 policy and proposals,
        transform-sets, the WAN interface's crypto map, the BGP router id) follow the plan in every stage.
    type: list
    elements: str
    default: []
  adopt:
    description:
      - Existing objects without the Virtual Connect marker that this run may take over, by the label the refusal
        names (for example C(interface Tunnel101), C(neighbor 100.64.0.2), C(ip prefix-list VC-IN-US-EAST-A)).
        Without it, an object the plan names that exists without the marker stops the run before any change.
      - An adopted object gets the marker and is managed (and pruned) by Virtual Connect from then on.
    type: list
    elements: str
    default: []
  prune:
    description:
      - Remove whole objects of Virtual Connect (carrying its marker, docs/ownership.md) that are not in the plan
        any more; never an object because of its name. Otherwise they are only reported (RV(stale)).
    type: bool
    default: false
  update_secrets:
    description: Re-send secret lines even when present (secrets are otherwise compared by presence only; the task then always changes).
    type: bool
    default: false
  running_config:
    description: Running configuration text for O(state=parsed) and O(state=rendered).
    type: str
  backup_config:
    description: The running configuration to restore, for O(state=restored).
    type: str
  backup:
    description:
      - Return the running configuration read before a change (only when commands are sent); the action plugin
        writes it to a file (mode 0600) and returns RV(backup_path).
    type: bool
    default: false
  backup_options:
    description: Where the backup goes.
    type: dict
    suboptions:
      dir_path:
        description:
          - Directory (created with mode 0700; the file is 0600). Default C($VC_BACKUP_DIR), else C(vc_backups) in the
            directory ansible-playbook runs from; never inside the installed collection (then C(~/.ansible/vc_backups)).
        type: path
      filename:
        description: File name (default C(<host>_vc_running.<timestamp>.cfg)).
        type: str
  config_buffer_read_timeout:
    description:
      - Seconds C(network_cli) waits after each prompt of the configuration lines this module types (its
        C(persistent_buffer_read_timeout), 0.1 s by default, costs that much per line). During the configuration
        exchange only, prompts are matched on the device's hostname at the start of a line (learned from its
        prompt), so a prompt cannot be matched early inside an echo or an answer and no grace period is needed.
        The running-config reads keep the connection's settings; error detection is the same (every answer is read
        up to its prompt and checked against the cisco.ios error patterns).
      - Set it to null to leave the connection's settings alone.
    type: float
    default: 0.0
  rollback:
    description: On a failed apply or verification, restore the VC-owned configuration read before the change.
    type: bool
    default: true
  verify:
    description: After applying, read the running configuration again and fail (and roll back) when it still differs from the intent.
    type: bool
    default: true
  gather:
    description:
      - O(state=merged) in a staged deploy (deploy_vc.yml) - after the apply, in the same task, gather the state the
        stage's verify judges (what M(webex_di.virtual_connect.vc_ios_gather) does, the settle wait included) and
        return it as RV(state). One device task per stage instead of two (each device task starts an
        C(ansible-connection) process on the controller, about 1 s of CPU).
      - The tunnels looked at and whether their IKE SA age is judged follow the plan core's stage decisions from this
        run's own result (filters C(webex_di.virtual_connect.vc_stage_tunnels) and
        C(webex_di.virtual_connect.vc_ike_age_deferred), which the playbook applies to the same result).
      - Nothing is gathered in check mode or when the apply failed.
    type: dict
    suboptions:
      stages:
        description: The tunnel keys per stage of this CPE (filter C(webex_di.virtual_connect.vc_rollout_stages)).
        type: list
        elements: list
        required: true
      stage:
        description: The number of this stage (1 for the first).
        type: int
        required: true
      partners:
        description: The other CPEs of this run that share a region with this one.
        type: list
        elements: str
        default: []
      settle_s:
        description: Wait up to this many seconds for the tunnels to settle (as M(webex_di.virtual_connect.vc_ios_gather)).
        type: int
        default: 0
      min_ike_uptime_s:
        description: The IKE SA age verify requires; default the verify's (10 s). V(0) when the stage leaves it to the last stage.
        type: int
      poll_s:
        description: Seconds between looks while something else than the IKE SA age is missing.
        type: float
        default: 5.0
      buffer_read_timeout:
        description: network_cli's buffer read timeout during the show commands (as M(webex_di.virtual_connect.vc_ios_gather)).
        type: float
        default: 0.0
notes:
  - Check mode returns the exact commands (secrets masked) without sending them. Supports C(--diff).
  - The commands are ordered so that objects exist before they are referenced (ACL, IKEv2 objects and
    transform-set, crypto map entries, the interface's crypto map, tunnels, prefix lists, BGP); removals of
    whole stale objects run first, in reverse order.
seealso:
  - module: webex_di.virtual_connect.vc_plan
"""

EXAMPLES = r"""
- name: Apply the IPsec part of Virtual Connect to an IOS-XE CPE
  webex_di.virtual_connect.vc_ios_config:
    plan: "{{ vc_plan }}"
    secrets: "{{ vc_regions | webex_di.virtual_connect.vc_secrets }}"
    wan_next_hop: 192.0.2.1
    features: [ipsec]
    backup: true
  no_log: false

- name: Render the intended config offline
  webex_di.virtual_connect.vc_ios_config:
    state: rendered
    plan: "{{ vc_plan }}"
    host: cpe1
  delegate_to: localhost

- name: Parse a saved running config
  webex_di.virtual_connect.vc_ios_config:
    state: parsed
    running_config: "{{ lookup('ansible.builtin.file', 'cpe1-running.cfg') }}"
    wan_interface: GigabitEthernet1
"""

RETURN = r"""
commands:
  description: The commands sent (or, in check mode and O(state=rendered), that would be sent); secrets masked.
  returned: always
  type: list
  elements: str
  sample: ["interface Tunnel101", "ip mtu 1400", "keepalive 10 3"]
rendered:
  description: Full intended VC configuration of the CPE in running-config form, secrets masked.
  returned: when O(state=rendered)
  type: str
parsed:
  description: VC-owned view of O(running_config) (objects, crypto map entries, tunnel and WAN interfaces, BGP neighbours, prefix lists, routes).
  returned: when O(state=parsed)
  type: dict
absent_tunnels:
  description:
    - The plan tunnel keys of this CPE of which the running config read before the change holds no trace (no
      C(interface Tunnel<n>) of the tunnel's number, none of its DI addresses, ours or foreign) - tunnels that carry
      no traffic yet. deploy_vc.yml's staged rollout reads it (docs/operations.md).
  returned: when O(state=merged)
  type: list
  elements: str
  sample: ["lab-B"]
nothing_to_change:
  description:
    - True when the running config read at the start of this run already matches the plan for every tunnel of this
      CPE (not only the O(tunnels) of this stage) and for the objects the tunnels share, for the selected O(features);
      nothing would be typed for the whole plan (no stale object O(prune) would remove, no forced secret, no error).
      Computed from the same read and diff as RV(commands), without another device access.
    - deploy_vc.yml's staged rollout then verifies every tunnel in stage 1 and skips stage 2 (docs/operations.md).
  returned: when O(state=merged)
  type: bool
  sample: false
stale:
  description: Whole VC objects found on the device that the plan does not have (removed only with O(prune)).
  returned: when O(state=merged) or O(state=rendered)
  type: list
  elements: str
diff:
  description: Before/after of the VC-owned lines (secrets masked).
  returned: when O(state=merged)
  type: dict
bgp_reset:
  description:
    - The BGP neighbours whose session this run re-established with C(clear ip bgp <neighbour>) after its
      configuration session, so that the timers it changed are negotiated (BGP fixes the hold time in the OPEN
      message; a soft reset does not renegotiate it). Only the neighbours of the staged O(tunnels) for which the run
      typed C(neighbor X timers) and that the running config read before the change already had; a new neighbour
      opens with its timers anyway, and a re-run that types nothing resets nothing.
    - In check mode, the neighbours that would be reset. When the apply or its verify fails none is reset (an empty
      list). A refused C(clear) is a warning, and that neighbour is left out.
  returned: when O(state=merged), unless the diff failed
  type: list
  elements: str
  sample: ["100.64.10.2"]
msg:
  description: For O(state=restored), what was restored.
  returned: when O(state=restored)
  type: str
rolled_back:
  description: Whether a rollback ran after a failure.
  returned: on failure of apply or verify
  type: bool
restored:
  description: The commands (masked) that restored the previous VC configuration.
  returned: on failure of apply or verify, when O(rollback)
  type: list
  elements: str
backup_path:
  description: File holding the running configuration read before the change.
  returned: when O(backup) and the device was changed
  type: str
state:
  description:
    - With O(gather) - the platform-neutral state of the CPE's tunnels this stage verifies (docs/contract.md section
      3), from the last full gather after the apply; for M(webex_di.virtual_connect.vc_verify).
  returned: when O(gather) is given, the apply succeeded and not in check mode
  type: dict
gather:
  description:
    - With O(gather) - what was looked at - C(tunnels) (the plan tunnel keys), C(min_ike_uptime_s) (the IKE SA age
      judged, 0 when left to the last stage), C(ike_age_deferred), and as M(webex_di.virtual_connect.vc_ios_gather)
      returns them C(looks), C(gathers), C(waited_s), C(settled), C(waiting).
  returned: when O(gather) is given, the apply succeeded and not in check mode
  type: dict
  sample: {"tunnels": ["lab-A"], "min_ike_uptime_s": 0, "ike_age_deferred": true, "looks": 1, "gathers": 1,
           "waited_s": 0, "settled": true, "waiting": []}
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.connection import Connection

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import forms
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.apply import run_merged, run_offline, run_restored
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.gather import after_apply

ARGUMENT_SPEC = dict(
    state=dict(type="str", choices=["merged", "rendered", "parsed", "restored"], default="merged"),
    plan=dict(type="dict"),
    host=dict(type="str"),
    secrets=dict(type="dict", no_log=True),
    wan_interface=dict(type="str"),
    wan_next_hop=dict(type="str"),
    crypto_map_name=dict(type="str"),
    features=dict(type="list", elements="str", choices=list(forms.FEATURES), default=list(forms.FEATURES)),
    tunnels=dict(type="list", elements="str", default=[]),
    adopt=dict(type="list", elements="str", default=[]),
    prune=dict(type="bool", default=False),
    update_secrets=dict(type="bool", default=False, no_log=False),
    running_config=dict(type="str"),
    backup_config=dict(type="str", no_log=True),
    backup=dict(type="bool", default=False),
    backup_options=dict(type="dict", options=dict(dir_path=dict(type="path"), filename=dict(type="str"))),
    config_buffer_read_timeout=dict(type="float", default=0.0),
    rollback=dict(type="bool", default=True),
    verify=dict(type="bool", default=True),
    gather=dict(type="dict", options=dict(
        stages=dict(type="list", elements="list", required=True),
        stage=dict(type="int", required=True),
        partners=dict(type="list", elements="str", default=[]),
        settle_s=dict(type="int", default=0),
        min_ike_uptime_s=dict(type="int"),
        poll_s=dict(type="float", default=5.0),
        buffer_read_timeout=dict(type="float", default=0.0),
    )),
)


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_if=[("state", "merged", ("plan", "host")), ("state", "rendered", ("plan", "host")),
                     ("state", "parsed", ("running_config",)),
                     ("state", "restored", ("plan", "host", "backup_config"))],
        supports_check_mode=True,
    )
    params = module.params
    if params["state"] in ("rendered", "parsed"):
        result = run_offline(params)
    elif params["state"] == "restored":
        result = run_restored(params, Connection(module._socket_path), module.check_mode)
    else:
        conn = Connection(module._socket_path)
        result = run_merged(params, conn, module.check_mode)
        after_apply(conn, params["plan"], params["host"], params.get("gather"), result, check_mode=module.check_mode)
    for warning in result.pop("warnings", None) or []:
        module.warn(warning)
    if result.get("failed"):
        msg = result.pop("msg")
        result.pop("failed")
        module.fail_json(msg=msg, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
