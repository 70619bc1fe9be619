# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of webex_di.virtual_connect.vc_plan: runs the plan core on the controller.

Thin: validates the arguments against the module's spec, collects the per-CPE host variables of
the CPE hosts named in ``regions`` from ``hostvars`` (the core's, and those its platform declares), calls
the core, and masks any secret-named field of the result (by field, never by substring).
"""

from __future__ import annotations

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.secrets import mask_fields
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms import find_platform
from ansible_collections.webex_di.virtual_connect.plugins.modules.vc_plan import ARGUMENT_SPEC, run
from ansible_collections.webex_di.virtual_connect.plugins.plugin_utils.controller_action import ControllerAction

# host variable -> per-CPE setting of the core
HOSTVARS = {
    "ansible_network_os": "platform",
    "vc_wan_interface": "wan_interface",
    "vc_wan_mtu": "wan_mtu",
    "vc_nat_t": "nat_t",
    "vc_bgp_asn": "bgp_asn",
    "vc_bgp_router_id": "router_id",
    "vc_tunnel_base": "tunnel_base",
    "vc_wan_bandwidth_mbps": "wan_bandwidth_mbps",
    "vc_redistribution": "redistribution",
}


def _mask(result):
    """Masking by field, never by substring: the plan core never copies a secret into the plan or a message
    (only ``psk_set`` / ``password_set``), so the result is returned as it is, with the value of any
    secret-named key masked should one ever be added (a substring replacement would corrupt an address
    that happens to contain a weak secret, e.g. 'set peer ********.20')."""
    return mask_fields(result)


class ActionModule(ControllerAction):
    NAME = "vc_plan"
    ARGUMENT_SPEC = ARGUMENT_SPEC

    def _host_settings(self, hv):
        """A CPE's settings from its host variables: the core's (HOSTVARS) and its platform's own.

        An unset ansible_network_os is passed as "" so that the plan reports it (platform.unknown)
        instead of assuming a platform."""
        settings = {"platform": ""}
        for var, key in HOSTVARS.items():
            if var in hv and hv[var] is not None:
                settings[key] = self._templar.template(hv[var])
        platform = find_platform(settings["platform"])
        for var, key in (platform.settings.items() if platform is not None else ()):
            if var in hv and hv[var] is not None:
                settings[key] = self._templar.template(hv[var])
        return settings

    def run_validated(self, params, task_vars, result):
        hostvars = task_vars.get("hostvars") or {}
        inventory_hosts = list((task_vars.get("groups") or {}).get("all") or []) or None
        cpes = {}
        for region in params["regions"]:
            tunnels = region.get("tunnels") if isinstance(region, dict) else None
            for tunnel in tunnels if isinstance(tunnels, list) else []:
                cpe = tunnel.get("cpe") if isinstance(tunnel, dict) else None
                # the GRE/BGP router and, for a split tunnel (docs/ha.md), its IPsec device
                for host in (cpe.get("host"), cpe.get("ipsec_host")) if isinstance(cpe, dict) else ():
                    if not isinstance(host, str) or host in cpes:
                        continue
                    settings = self._host_settings(hostvars[host]) if host in hostvars else {}
                    settings.update((params.get("cpes") or {}).get(host) or {})
                    cpes[host] = settings
        for host, settings in (params.get("cpes") or {}).items():
            cpes.setdefault(host, settings)
        out = run(params, cpes=cpes, inventory_hosts=inventory_hosts)
        findings = out["findings"]
        warnings = [f for f in findings if f["severity"] == "warning"]
        if warnings:
            result["warnings"] = ["%s: %s [%s]" % (f["path"], f["message"], f["code"]) for f in warnings]
        result.update(out)
        return _mask(result)
