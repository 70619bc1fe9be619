#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
module: vc_plan
author:
  - webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: Validate Virtual Connect inputs and derive the plan every platform applies
description:
  - Turns what Cisco hands over per region (the /24, optional IaaS /24, tunnel transit subnets, IPsec and GRE
    endpoint IPs per data centre, private ASNs) plus the customer's choices into one validated plan with the /25 split,
    expected prefixes per tunnel, advertise-only-default, tunnel addressing, ASN and local-as decisions, crypto
    (IKEv2, tunnel mode, GRE-only ACL), MTU/MSS, and a per-CPE view.
  - Every problem is reported as a finding with a stable code, the field path and the rule; any error fails the
    task and lists every problem, before any device is touched.
  - Runs on the controller (action plugin). It reads the per-CPE host variables C(ansible_network_os),
    C(vc_wan_interface), C(vc_wan_mtu), C(vc_nat_t), C(vc_bgp_asn), C(vc_bgp_router_id), C(vc_tunnel_base) and
    C(vc_wan_bandwidth_mbps) of the CPE hosts named in O(regions); O(cpes) overrides them.
  - Pre-shared keys and BGP passwords are checked for presence and form but never returned.
options:
  regions:
    description:
      - The regions, exactly the inventory variable C(vc_regions) (see the README for the model).
      - Each region has C(region), C(di_prefix), optional C(iaas_prefix), C(bandwidth_mbps) and exactly two
        C(tunnels) (C(datacenter) A and B) with C(cpe), C(di), C(psk) and optional C(bgp_password).
    type: list
    elements: dict
    required: true
  cpes:
    description: Per-CPE settings by inventory hostname; override the host variables.
    type: dict
    default: {}
  crypto:
    description:
      - Crypto choices; must match what the Cisco side was activated with.
      - C(suite) one of gcm256 (default), gcm128, cbc256-sha256, cbc256-sha384, cbc256-sha512; C(ike) and C(esp)
        override single algorithms (encryption, integrity, prf, dh_group/pfs_group, lifetime_s).
    type: dict
  dpd:
    description: Dead peer detection, C(interval_s) (10), C(retry_s) (2), C(mode) periodic or on-demand.
    type: dict
  rri:
    description: Reverse route injection on the IPsec side, C(enabled), C(static), C(tag).
    type: dict
  bgp:
    description: C(keepalive_s) (10), C(hold_s) (30), C(connect_s) (10), C(bfd) (false), C(bfd_interval_ms), C(bfd_multiplier).
    type: dict
  mtu:
    description: C(tunnel_ip_mtu) (1400) and C(tcp_mss) (1350).
    type: dict
  gre:
    description: C(keepalive) (true), C(keepalive_interval_s) (10), C(keepalive_retries) (3), C(ttl) (255).
    type: dict
  customer_prefixes:
    description: Customer LAN prefixes, checked for overlap with the Cisco /24s and the tunnel subnets.
    type: list
    elements: str
  enterprise_asn:
    description: The ASN the customer's routers already run BGP with; neighbours then use local-as.
    type: int
  fail_on_warnings:
    description: Fail on warnings too.
    type: bool
    default: false
seealso:
  - name: Input model and rules
    description: DESIGN and findings reference shipped with the collection (docs/).
    link: https://example.invalid/webex_di/virtual_connect/docs
notes:
  - Check mode is supported; nothing is changed either way.
"""

EXAMPLES = r"""
- name: Plan Virtual Connect from the inventory
  webex_di.virtual_connect.vc_plan:
    regions: "{{ vc_regions }}"
  register: vc_plan_result
  run_once: true

- name: Plan with AES-CBC/SHA-256 and BFD
  webex_di.virtual_connect.vc_plan:
    regions: "{{ vc_regions }}"
    crypto:
      suite: cbc256-sha256
    bgp:
      bfd: true
    customer_prefixes: [10.0.0.0/8]
"""

RETURN = r"""
plan:
  description: The plan (docs/contract.md); no secrets.
  returned: always
  type: dict
findings:
  description: Every finding, each with C(severity) (error or warning), C(code), C(path) and C(message).
  returned: always
  type: list
  elements: dict
table:
  description: A readable per-tunnel summary.
  returned: always
  type: str
errors:
  description: Number of error findings.
  returned: always
  type: int
"""

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.controller_module import run_module
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan, format_findings, plan_table

OPTION_KEYS = ("crypto", "dpd", "rri", "bgp", "mtu", "gre", "customer_prefixes", "enterprise_asn")

ARGUMENT_SPEC = dict(
    regions=dict(type="list", elements="dict", required=True),
    cpes=dict(type="dict", default={}),
    crypto=dict(type="dict"),
    dpd=dict(type="dict"),
    rri=dict(type="dict"),
    bgp=dict(type="dict"),
    mtu=dict(type="dict"),
    gre=dict(type="dict"),
    customer_prefixes=dict(type="list", elements="str"),
    enterprise_asn=dict(type="int"),
    fail_on_warnings=dict(type="bool", default=False),
)


def run(params, cpes=None, inventory_hosts=None):
    """Shared by the module and the action plugin: returns the result dict."""
    options = dict((k, params.get(k)) for k in OPTION_KEYS if params.get(k) is not None)
    result = build_plan(
        params["regions"], cpes=cpes if cpes is not None else params.get("cpes"), options=options, inventory_hosts=inventory_hosts
    )
    out = {
        "changed": False,
        "plan": result.plan,
        "findings": result.findings,
        "table": plan_table(result.plan),
        "errors": len(result.errors),
    }
    failing = result.errors + (result.warnings if params.get("fail_on_warnings") else [])
    if failing:
        out["failed"] = True
        out["msg"] = "vc_plan: %d problem(s) in the Virtual Connect input; nothing was applied:\n%s" % (
            len(failing),
            format_findings(failing),
        )
    return out


def main():
    run_module(ARGUMENT_SPEC, run)


if __name__ == "__main__":
    main()
