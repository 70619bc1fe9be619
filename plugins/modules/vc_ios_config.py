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
    description: Which parts to manage (each role manages its own); lines of other parts are neither added nor removed.
    type: list
    elements: str
    choices: [ipsec, gre, mtu, bgp, ha]
    default: [ipsec, gre, mtu, bgp, ha]
  prune:
    description: Remove whole VC objects (VC-named, VC-described) that are not in the plan any more. Otherwise they are only reported (RV(stale)).
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
        description: Directory (default C(backup) next to the playbook).
        type: path
      filename:
        description: File name (default C(<host>_vc_running.<timestamp>.cfg)).
        type: str
  rollback:
    description: On a failed apply or verification, restore the VC-owned configuration read before the change.
    type: bool
    default: true
  verify:
    description: After applying, read the running configuration again and fail (and roll back) when it still differs from the intent.
    type: bool
    default: true
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
stale:
  description: Whole VC objects found on the device that the plan does not have (removed only with O(prune)).
  returned: when O(state=merged) or O(state=rendered)
  type: list
  elements: str
diff:
  description: Before/after of the VC-owned lines (secrets masked).
  returned: when O(state=merged)
  type: dict
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
"""

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.connection import Connection, ConnectionError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import forms
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.diff import compute, restore_commands
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.parser import parse_vc
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios.render import render, rendered_text

ARGUMENT_SPEC = dict(
    state=dict(type="str", choices=["merged", "rendered", "parsed", "restored"], default="merged"),
    plan=dict(type="dict"),
    host=dict(type="str"),
    secrets=dict(type="dict", no_log=True),
    wan_interface=dict(type="str"),
    wan_next_hop=dict(type="str"),
    crypto_map_name=dict(type="str"),
    features=dict(type="list", elements="str", choices=list(forms.FEATURES), default=list(forms.FEATURES)),
    prune=dict(type="bool", default=False),
    update_secrets=dict(type="bool", default=False, no_log=False),
    running_config=dict(type="str"),
    backup_config=dict(type="str", no_log=True),
    backup=dict(type="bool", default=False),
    backup_options=dict(type="dict", options=dict(dir_path=dict(type="path"), filename=dict(type="str"))),
    rollback=dict(type="bool", default=True),
    verify=dict(type="bool", default=True),
)


def _mask_text(text, secrets):
    """Mask secret lines and any literal secret value in a device message."""
    if isinstance(text, Exception) and text.args:
        text = text.args[0]
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    text = str(text)
    if text[:2] in ('b"', "b'") and text[-1:] in ('"', "'"):
        text = text[2:-1].replace("\\r\\n", "\n").replace("\\n", "\n")
    out = " | ".join(forms.mask(x).strip() for x in text.replace("\r", "").splitlines() if x.strip())
    for value in sorted(_secret_values(secrets), key=len, reverse=True):
        out = out.replace(value, forms.MASK)
    return out


def _secret_values(secrets):
    values = set()
    for entry in (secrets or {}).values():
        for v in (entry or {}).values() if isinstance(entry, dict) else []:
            if v:
                values.add(str(v))
    return values


def _intent(params, require_secrets):
    return render(params["plan"], params["host"], params.get("secrets"),
                  wan_interface=params.get("wan_interface"), wan_next_hop=params.get("wan_next_hop"),
                  crypto_map_name=params.get("crypto_map_name"), require_secrets=require_secrets)


def run_offline(params):
    """States rendered and parsed (pure, no connection)."""
    state = params["state"]
    if state == "parsed":
        if params.get("running_config") is None:
            return dict(failed=True, msg="state=parsed needs running_config")
        wan = params.get("wan_interface")
        if not wan and params.get("plan") and params.get("host"):
            wan = ((params["plan"].get("cpes") or {}).get(params["host"]) or {}).get("wan_interface")
        return dict(changed=False, parsed=parse_vc(params["running_config"], wan))
    intent = _intent(params, require_secrets=False)
    if intent.errors:
        return dict(failed=True, msg="; ".join(intent.errors))
    res = compute(intent, params.get("running_config") or "", params["features"], prune=params["prune"],
                  require_wan=params.get("running_config") is not None)
    out = dict(changed=False, rendered=rendered_text(intent, params["features"]),
               commands=res.display, stale=res.stale, warnings=res.warnings)
    if res.errors:
        out.update(failed=True, msg="; ".join(res.errors))
    return out


def run_merged(params, conn, check_mode):
    """State merged through a cliconf-like ``conn`` (get_config / edit_config)."""
    secrets = params.get("secrets")
    # secrets are needed only by the parts that type them (IKEv2 keyring, BGP passwords)
    needed = [f for f, feature in (("psk", "ipsec"), ("bgp_password", "bgp")) if feature in params["features"]]
    intent = _intent(params, require_secrets=needed)
    if intent.errors:
        return dict(failed=True, changed=False, msg="; ".join(intent.errors), commands=[])
    feats = params["features"]
    backup = conn.get_config()
    res = compute(intent, backup, feats, prune=params["prune"], update_secrets=params["update_secrets"])
    out = dict(changed=bool(res.commands), commands=res.display, stale=res.stale, diff=res.diff,
               warnings=res.warnings)
    if params["backup"] and res.commands and not check_mode and not res.errors:
        out["__backup__"] = backup          # only when the device is about to change
    if res.errors:
        out.update(failed=True, changed=False, msg="; ".join(res.errors))
        return out
    if not res.commands or check_mode:
        return out
    failure = None
    try:
        conn.edit_config(candidate=res.commands)
    except ConnectionError as exc:
        failure = "apply failed: %s" % _mask_text(exc, secrets)
    if failure is None and params["verify"]:
        after = conn.get_config()
        again = compute(intent, after, feats, prune=params["prune"])
        if again.commands:
            failure = "verify failed: after applying, the device still differs from the intent: %s" % (
                "; ".join(again.display))
    if failure is None:
        return out
    out.update(failed=True, msg=failure)
    if not params["rollback"]:
        out["msg"] += " (rollback disabled: the device is left as it is)"
        return out
    out["rolled_back"] = True
    try:
        try:
            conn.get(command="end")
        except Exception:   # not in config mode: fine
            pass
        current = conn.get_config()
        restore = restore_commands(intent, backup, current, feats)
        out["restored"] = [forms.mask(c) for c in restore]
        if restore:
            conn.edit_config(candidate=restore)
        left = restore_commands(intent, backup, conn.get_config(), feats)
        if left:
            out["msg"] += "; ROLLBACK INCOMPLETE, still differs from the backup: %s" % "; ".join(
                forms.mask(c) for c in left)
        else:
            out["msg"] += "; rolled back: the VC-owned configuration is as before (%d commands: %s)" % (
                len(restore), "; ".join(out["restored"]) or "nothing had changed")
    except ConnectionError as exc:
        out["msg"] += "; ROLLBACK FAILED: %s" % _mask_text(exc, secrets)
    return out


def run_restored(params, conn, check_mode):
    """State restored: VC-owned configuration back to ``backup_config``."""
    intent = _intent(params, require_secrets=False)
    if intent.errors:
        return dict(failed=True, changed=False, msg="; ".join(intent.errors), commands=[])
    feats = params["features"]
    backup = params["backup_config"]
    try:
        commands = restore_commands(intent, backup, conn.get_config(), feats)
        out = dict(changed=bool(commands), commands=[forms.mask(c) for c in commands])
        if not commands or check_mode:
            out["msg"] = "nothing to restore" if not commands else "would restore %d commands" % len(commands)
            return out
        conn.edit_config(candidate=commands)
        left = restore_commands(intent, backup, conn.get_config(), feats)
    except ConnectionError as exc:
        return dict(failed=True, changed=True, msg="restore failed: %s" % _mask_text(exc, params.get("secrets")))
    if left:
        out.update(failed=True, msg="restore incomplete, still differs from the backup: %s"
                   % "; ".join(forms.mask(c) for c in left))
    else:
        out["msg"] = "restored the Virtual Connect configuration saved before the change (%d commands)" % len(commands)
    return out


def main():
    module = AnsibleModule(
        argument_spec=ARGUMENT_SPEC,
        required_if=[("state", "merged", ("plan", "host")), ("state", "rendered", ("plan", "host")),
                     ("state", "parsed", ("running_config",)),
                     ("state", "restored", ("plan", "host", "backup_config"))],
        supports_check_mode=True,
    )
    params = module.params
    map_name = params.get("crypto_map_name")
    if map_name is not None and len(map_name.split()) != 1:
        module.fail_json(msg="crypto_map_name must be one word (a crypto map name), got %r" % map_name)
    if params["state"] in ("rendered", "parsed"):
        result = run_offline(params)
    elif params["state"] == "restored":
        result = run_restored(params, Connection(module._socket_path), module.check_mode)
    else:
        result = run_merged(params, Connection(module._socket_path), module.check_mode)
    for warning in result.pop("warnings", None) or []:
        module.warn(warning)
    if result.get("failed"):
        msg = result.pop("msg")
        result.pop("failed")
        module.fail_json(msg=msg, **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
