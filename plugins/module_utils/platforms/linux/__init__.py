# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Linux CPE (strongSwan swanctl, kernel GRE + systemd-networkd, nftables, FRR).

render.py (plan -> swanctl/networkd/nft files and the FRR intent), apply.py (files, swanctl, GRE links,
nftables: what differs and the commands that fix only that), frr.py (FRR running config vs intent),
state.py (command outputs -> the common state, and the gather of vc_linux_state), validate.py
(plan-phase rules), vocabulary.py, strongswan_algs.py (what charon must offer for a suite).
"""
from __future__ import annotations

from ..base import Platform
from .validate import FINDINGS

PLATFORM = Platform(
    name="linux",
    title="Linux",
    package=__name__,
    apply_module="webex_di.virtual_connect.vc_linux_config",
    gather_module="webex_di.virtual_connect.vc_linux_state",
    parts={
        "validate": "validate:validate",
        "render": "render:render_files",
        "parse": "state:parse",
    },
    findings=FINDINGS,
    settings={"vc_linux_ike_retransmit": "ike_retransmit"},
)
