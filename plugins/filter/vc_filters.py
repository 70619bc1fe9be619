# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The filters of webex_di.virtual_connect: thin wrappers over the plan core, the platform registry and verify.

Each filter is documented in its own file beside this one (``<filter>.yml``: DOCUMENTATION, EXAMPLES, RETURN).
The platform filters (vc_render, vc_gather_commands, vc_parse) reach the CPE's platform through the registry,
from the platform the plan names for the host: no filter names a platform.
"""
from __future__ import annotations

from ansible.errors import AnsibleFilterError

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import addressing as A
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.asn import asn_findings
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.crypto import SUITES
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.mtu import mtu_plan
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.secrets import encode_secrets
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.views import cpe_tunnels, host_plan, secrets_by_tunnel
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms import get_platform, platform_of
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.settle import settle_roles, settle_wait_s, waiting


def _plan(name, plan):
    """``plan`` when it is what vc_plan returns; else fail naming the filter."""
    if not isinstance(plan, dict) or "regions" not in plan:
        raise AnsibleFilterError("%s: expects the plan returned by webex_di.virtual_connect.vc_plan" % name)
    return plan


def _host_platform(name, plan, host):
    """The platform of a CPE of the plan (its plan entry names it); fails naming the filter and the host."""
    cpe = (_plan(name, plan).get("cpes") or {}).get(host)
    if cpe is None:
        raise AnsibleFilterError("%s: host %s terminates no Virtual Connect tunnel in the plan" % (name, host))
    return _platform(name, cpe.get("platform"), host)


def _platform(name, network_os, host=None):
    try:
        return get_platform(network_os, host)
    except ValueError as exc:
        raise AnsibleFilterError("%s: %s" % (name, exc))


# ------------------------------------------------------------------ the plan core
def vc_split(prefix):
    try:
        net = A.parse_di_24(prefix)
    except A.AddressError as exc:
        raise AnsibleFilterError("vc_split: %s [%s]" % (exc.message, exc.code))
    low, high = A.split_half(net)
    return {"A": A.cidr(low), "B": A.cidr(high), "backup": A.cidr(net)}


def vc_tunnel_addressing(cpe_tunnel_ip, di_tunnel_ip):
    try:
        out = A.tunnel_addressing(cpe_tunnel_ip, di_tunnel_ip)
    except A.AddressError as exc:
        raise AnsibleFilterError("vc_tunnel_addressing: %s [%s]" % (exc.message, exc.code))
    out.pop("net")
    out["warnings"] = ["%s - %s" % w for w in out["warnings"]]
    return out


def vc_asn_check(cpe_asn, di_asn, enterprise_asn=None):
    return asn_findings(cpe_asn, di_asn, enterprise_asn)


def vc_mss(wan_mtu, suite="gcm256", nat_t=False, tunnel_ip_mtu=1400, tcp_mss=1350):
    if suite not in SUITES:
        raise AnsibleFilterError("vc_mss: unknown suite %r; choose one of %s" % (suite, ", ".join(sorted(SUITES))))
    try:
        wan = int(wan_mtu)
    except (TypeError, ValueError):
        raise AnsibleFilterError("vc_mss: WAN MTU must be an integer, got %r" % (wan_mtu,))
    if not 1280 <= wan <= 9216:
        raise AnsibleFilterError("vc_mss: WAN MTU %d is outside 1280-9216" % wan)
    esp = SUITES[suite]["esp"]
    out = mtu_plan(wan, esp["encryption"], esp["integrity"], bool(nat_t), int(tunnel_ip_mtu), int(tcp_mss))
    out["suite"] = suite
    return out


def vc_cpe_tunnels(plan, host):
    return cpe_tunnels(_plan("vc_cpe_tunnels", plan), host)


def vc_host_plan(plan, host):
    return host_plan(_plan("vc_host_plan", plan), host)


def vc_secrets(regions, encoded=False):
    """``{tunnel key: {psk, bgp_password}}``; ``encoded=true`` for a module's no_log option (values as
    ``vc-b64:...``, so that Ansible's no_log masking never matches a substring of an output)."""
    secrets = secrets_by_tunnel(regions)
    return encode_secrets(secrets) if encoded else secrets


# ------------------------------------------------------------------ platforms, through the registry
def vc_platform(network_os):
    try:
        return platform_of(network_os)
    except ValueError as exc:
        raise AnsibleFilterError("vc_platform: %s" % exc)


def vc_render(plan, host, host_vars=None):
    platform = _host_platform("vc_render", plan, host)
    host_vars = host_vars or {}
    settings = dict((key, host_vars[var]) for var, key in platform.settings.items()
                    if var in host_vars and host_vars[var] is not None)
    try:
        return platform.render(plan, host, settings)
    except (ValueError, KeyError) as exc:
        raise AnsibleFilterError("vc_render: %s: %s" % (host, exc))


def vc_gather_commands(plan, host, settle=False):
    platform = _host_platform("vc_gather_commands", plan, host)
    try:
        return platform.settle_commands(plan, host) if settle else platform.gather_commands(plan, host)
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("vc_gather_commands: plan is missing data for host %s: %s" % (host, exc)) from exc


def vc_parse(data, host=None, plan=None, network_os=None, errors=None):
    if host is None:
        raise AnsibleFilterError("vc_parse: 'host' is required")
    if not isinstance(data, (dict, list)):
        raise AnsibleFilterError("vc_parse: input must be a dict {command: output} or a registered command loop result")
    platform = _host_platform("vc_parse", plan, host) if plan is not None else _platform("vc_parse", network_os, host)
    try:
        return platform.parse(data, host, plan, list(errors or []))
    except KeyError as exc:
        raise AnsibleFilterError("vc_parse: %s" % exc)


# ------------------------------------------------------------------ verify
def vc_waiting(state, plan, host, min_ike_uptime_s=0, fresh_s=None):
    if not isinstance(state, dict):
        raise AnsibleFilterError("vc_waiting: input must be a state (docs/contract.md section 3)")
    tunnels, roles = settle_roles(_plan("vc_waiting", plan), host)     # a split tunnel's device waits for its part
    return waiting(state, tunnels, int(min_ike_uptime_s or 0), None if fresh_s is None else float(fresh_s), roles=roles)


def vc_settle_wait(state, plan, host, min_ike_uptime_s=0, poll_s=5):
    if not isinstance(state, dict):
        raise AnsibleFilterError("vc_settle_wait: input must be a state (docs/contract.md section 3)")
    tunnels, roles = settle_roles(_plan("vc_settle_wait", plan), host)
    return settle_wait_s(state, tunnels, int(min_ike_uptime_s or 0), float(poll_s), roles=roles)


class FilterModule(object):
    def filters(self):
        return dict((f.__name__, f) for f in (
            vc_split, vc_tunnel_addressing, vc_asn_check, vc_mss, vc_cpe_tunnels, vc_host_plan, vc_secrets,
            vc_platform, vc_render, vc_gather_commands, vc_parse, vc_waiting, vc_settle_wait))
