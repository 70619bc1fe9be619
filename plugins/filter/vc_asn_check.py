# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: vc_asn_check
author: webex_di maintainers (@webex-di)
version_added: "0.1.0"
short_description: Check one tunnel's ASNs against the Virtual Connect rules
description:
  - Both ends' ASNs come from Cisco's private range 64512-65534 and must differ (eBGP).
  - With an enterprise ASN (the router's existing BGP process), flags a collision with the Cisco ASN and says
    when the neighbour needs C(local-as <tunnel ASN> no-prepend replace-as).
  - Returns findings (an empty list means the ASNs are fine); it does not fail.
options:
  _input:
    description: The customer-side ASN of the tunnel.
    type: raw
    required: true
  di_asn:
    description: The Cisco-side ASN of the tunnel.
    type: raw
    required: true
  enterprise_asn:
    description: The ASN the CPE's BGP process already runs, if any.
    type: raw
"""

EXAMPLES = r"""
- name: Refuse a public ASN before touching a device
  ansible.builtin.assert:
    that: (64551 | webex_di.virtual_connect.vc_asn_check(64552)) | selectattr('severity', '==', 'error') | list | length == 0
"""

RETURN = r"""
_value:
  description: Findings, each with C(severity) (error, info), C(code), C(path) and C(message).
  type: list
  elements: dict
"""

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan.asn import asn_findings


def vc_asn_check(cpe_asn, di_asn, enterprise_asn=None):
    return asn_findings(cpe_asn, di_asn, enterprise_asn)


class FilterModule(object):
    def filters(self):
        return {"vc_asn_check": vc_asn_check}
