# -*- coding: utf-8 -*-
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Platform-neutral verify and diagnose: plan (docs/contract.md section 2) + state (section 3) ->
per-tunnel check results, the first failing layer with its named cause, and reports."""
from __future__ import annotations

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.checks import (  # noqa: F401
    CHECK_NAMES,
    DEFAULT_OPTIONS,
    failure_lines,
    verify_host,
)
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.diagnose import (  # noqa: F401
    RULE_IDS,
    diagnose_host,
    diagnosis_lines,
)
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.report import (  # noqa: F401
    render_json,
    render_junit,
    render_table,
    write_reports,
)
