"""Write the AWX/AAP custom credential types that inject a Virtual Connect inventory's secrets.

Every tunnel of `vc_regions` names its secrets by reference, `psk: "{{ vault_vc_psk_us_east_a }}"` and
`bgp_password: "{{ vault_vc_bgp_us_east_a }}"`. AWX injects credential values as extra vars, which take
precedence over inventory variables, so a credential type whose `extra_vars` injector sets exactly those
variable names fills them in at launch, and the secrets live only in AWX's encrypted credential store.

AWX allows one credential of each type per job template, and injector keys cannot be templated, so there
is one credential type per region: "Webex DI Virtual Connect secrets (<region>)", with one secret input per
referenced variable (psk_dc_a, psk_dc_b, bgp_password_dc_a, bgp_password_dc_b), all required: an
empty value would deploy a tunnel the Cisco side rejects.

    python3 awx/credential_types.py inventories/<yours> > awx/api/credential_types.json

The output is the list of request bodies for POST /api/v2/credential_types/ (awx/configure_awx.yml sends
them with awx.awx.credential_type). A literal secret in the inventory (not a reference) is an error:
it would bypass the credential store.
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import yaml

REF = re.compile(r"^\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")
KINDS = (("psk", "Pre-shared key (IKEv2)"), ("bgp_password", "BGP MD5 password"))
NAME = "Webex DI Virtual Connect secrets (%s)"


def load_regions(inventory: Path) -> list:
    """vc_regions from the inventory's group_vars/all (a file or a folder of files), untemplated."""
    for candidate in (inventory / "group_vars" / "all", inventory / "group_vars" / "all.yml"):
        files = sorted(candidate.glob("*.yml")) if candidate.is_dir() else [candidate] if candidate.is_file() else []
        for path in files:
            data = yaml.safe_load(path.read_text()) or {}
            if "vc_regions" in data:
                return data["vc_regions"]
    raise SystemExit("%s: no vc_regions in group_vars/all" % inventory)


def credential_types(regions: list) -> list:
    out = []
    for ridx, region in enumerate(regions):
        fields, injectors = [], {}
        for tidx, tunnel in enumerate(region.get("tunnels", [])):
            dc = str(tunnel.get("datacenter", tidx + 1)).lower()
            for key, label in KINDS:
                value = tunnel.get(key)
                if value in (None, ""):
                    continue
                where = "regions[%d].tunnels[%d].%s" % (ridx, tidx, key)
                match = REF.match(str(value).strip())
                if not match:
                    raise SystemExit("%s: give a reference such as \"{{ vault_vc_%s_... }}\", not the secret "
                                     "itself (AWX injects it)" % (where, "psk" if key == "psk" else "bgp"))
                field = "%s_dc_%s" % (key, dc)
                if field in {f["id"] for f in fields}:
                    raise SystemExit("%s: a second tunnel to DC-%s in region %s" % (where, dc.upper(), region["region"]))
                fields.append({"id": field, "label": "%s, tunnel to DC-%s" % (label, dc.upper()), "type": "string",
                               "secret": True,
                               "help_text": "Sets %s (%s of region %s)." % (match.group(1), where, region["region"])})
                injectors[match.group(1)] = "{{ %s }}" % field
        out.append({
            "name": NAME % region["region"],
            "description": "PSKs and BGP passwords of Virtual Connect region %s, injected as the extra vars the "
                           "inventory's psk/bgp_password references name." % region["region"],
            "kind": "cloud",
            "inputs": {"fields": fields, "required": [f["id"] for f in fields]},
            "injectors": {"extra_vars": injectors},
        })
    return out


def main(argv: list) -> int:
    if len(argv) != 2:
        sys.stderr.write("usage: %s INVENTORY_DIR\n" % argv[0])
        return 2
    json.dump(credential_types(load_regions(Path(argv[1]))), sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
