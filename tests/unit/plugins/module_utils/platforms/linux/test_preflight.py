"""Preflight of a Linux CPE (platforms/linux/preflight.py) on real outputs of its script (tests/fixtures/linux/
preflight, see SOURCES.md): a healthy lab CPE, the same CPE with FRR and nftables missing, charon without
libstrongswan-standard-plugins, and a machine whose kernel has no GRE nor ESP."""
from __future__ import annotations

import json
import subprocess
from pathlib import Path


from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import preflight as P

FIX = Path(__file__).resolve().parents[5] / "fixtures" / "linux"
PRE = FIX / "preflight"
PLAN = json.loads((Path(__file__).resolve().parent / "fixtures" / "plan_lab.json").read_text())


def findings(name, bfd=None):
    facts = P.parse_report((PRE / name).read_text())
    suites = P.suites_from_plan(PLAN, "cpe1")
    return P.preflight_findings(facts, suites, P.bfd_planned(PLAN, "cpe1") if bfd is None else bfd)


def by_missing(found):
    return dict((f["missing"], f) for f in found)


def test_script_is_valid_posix_shell_and_read_only():
    assert subprocess.run(["sh", "-n", "-c", P.PREFLIGHT_SCRIPT], check=False).returncode == 0
    # nothing that changes the machine
    for word in ("modprobe ", "insmod", " rm ", "sysctl -w", "> /", "ip link add", "nft add", "nft -f", "systemctl"):
        assert word not in P.PREFLIGHT_SCRIPT


def test_report_sections_and_return_codes():
    facts = P.parse_report((PRE / "host_kernel_without_gre_esp.txt").read_text())
    assert facts["uname"].strip() == "6.18.44-fc-v1045"
    assert facts["stats_rc"] == 2 and facts["nft_rc"] == 0
    assert "end" not in facts


def test_host_without_gre_esp_and_without_charon():
    found = findings("host_kernel_without_gre_esp.txt")
    m = by_missing(found)
    # the kernel: GRE and ESP are not configured at all (the options, not only the module files, are missing)
    assert m["ip_gre"]["severity"] == "error" and "CONFIG_NET_IPGRE_DEMUX is not set" in m["ip_gre"]["message"]
    assert m["esp4"]["module"] == "esp4" and "CONFIG_INET_ESP is not set" in m["esp4"]["message"]
    # xfrm_user and nf_tables are built in (=y) although the module tree is missing: no finding
    assert "xfrm_user" not in m and "nf_tables" not in m and "xfrm" not in m
    # charon installed but not running: named with its package
    assert m["charon (vici)"]["package"] == "charon-systemd"
    assert "No such file or directory" in m["charon (vici)"]["message"]
    # FRR installed; bgpd off in Debian's default daemons file is only a warning (the role turns it on)
    assert m["bgpd=yes"]["severity"] == "warning"
    assert [f["severity"] for f in found] == sorted((f["severity"] for f in found), key=lambda s: s != "error")


def test_deployed_cpe_has_everything():
    found = findings("cpe_deployed.txt", bfd=False)
    assert [f for f in found if f["severity"] == "error"] == []
    facts = P.parse_report((PRE / "cpe_deployed.txt").read_text())
    assert "ip_gre loaded" in facts["modules"] and facts["list-algs_rc"] == 0


def test_bfd_needs_bfdd_enabled_which_the_role_does():
    # Debian's package-default daemons file: bgpd and bfdd off; warnings only (the bgp role turns them on)
    found = findings("cpe_pristine_frr.txt", bfd=True)
    assert [f["missing"] for f in found] == ["bgpd=yes", "bfdd=yes"]
    assert {f["severity"] for f in found} == {"warning"}
    assert findings("cpe_pristine_frr.txt", bfd=False)[0]["missing"] == "bgpd=yes"
    assert len(findings("cpe_pristine_frr.txt", bfd=False)) == 1


def test_frr_and_nftables_missing_are_named_with_their_packages():
    m = by_missing(findings("cpe_no_frr_no_nft.txt", bfd=True))
    assert m["nft"]["package"] == "nftables" and m["vtysh"]["package"] == "frr"
    assert {"zebra", "bgpd", "bfdd"} <= set(m) and all(m[d]["package"] == "frr" for d in ("zebra", "bgpd", "bfdd"))
    assert all(f["severity"] == "error" for f in m.values())
    # strongSwan and the kernel are fine on that box
    assert not [f for f in m.values() if f["component"] in ("strongswan", "kernel")]


def test_charon_without_standard_plugins_names_the_package():
    m = by_missing(findings("charon_no_standard_plugins.txt"))
    assert m["ECP_384"]["package"] == "libstrongswan-standard-plugins"
    assert m["AES_GCM_16"]["package"] == "libstrongswan-standard-plugins"
    assert "plugin vici" not in m and "charon (vici)" not in m    # charon runs, only algorithms are missing
    facts = P.parse_report((PRE / "charon_no_standard_plugins.txt").read_text())
    assert "openssl" not in facts["stats"]


def test_suites_and_bfd_from_the_plan():
    suites = P.suites_from_plan(PLAN, "cpe1")
    assert len(suites) == 1 and suites[0]["ike"]["dh_group"] == 20
    assert P.bfd_planned(PLAN, "cpe1") is False
    assert P.errors(findings("cpe_no_frr_no_nft.txt"))[0].endswith("install the Debian package nftables")


# ---------------------------------------------------------------------------------------------- in the apply path
def replay(name, seen=None):
    """A CPE that answers the preflight script with a captured report (the script runs once, with sh -c)."""
    def run(argv, env):
        if seen is not None:
            seen.append((argv, env))
        assert argv[:2] == ["sh", "-c"] and argv[2] == P.PREFLIGHT_SCRIPT
        return 0, (PRE / name).read_text(), ""
    return run


def test_run_preflight_runs_the_script_once_and_passes_the_vici_uri():
    seen = []
    got = P.run_preflight(replay("cpe_deployed.txt", seen), PLAN, "cpe1", ["ipsec", "gre", "mtu", "bgp", "ha"], "unix:///x.sock")
    assert [f for f in got if f["severity"] == "error"] == []
    assert len(seen) == 1 and seen[0][1] == {"VC_SWANCTL_URI": "unix:///x.sock"}


def test_run_preflight_keeps_only_what_the_features_need():
    every = P.run_preflight(replay("cpe_no_frr_no_nft.txt"), PLAN, "cpe1", ["ipsec", "gre", "mtu", "bgp", "ha"])
    comps = set(f["component"] for f in every if f["severity"] == "error")
    assert {"frr", "nft"} <= comps | set(f.get("package") for f in every)
    ipsec_only = P.run_preflight(replay("cpe_no_frr_no_nft.txt"), PLAN, "cpe1", ["ipsec", "ha"])
    assert not [f for f in ipsec_only if f["severity"] == "error"]
    bgp_only = P.run_preflight(replay("cpe_no_frr_no_nft.txt"), PLAN, "cpe1", ["bgp"])
    assert [f for f in bgp_only if f["severity"] == "error"] and all(f.get("package") == "frr" for f in bgp_only if f["severity"] == "error")
    kernel = P.run_preflight(replay("host_kernel_without_gre_esp.txt"), PLAN, "cpe1", ["gre"])
    assert {f.get("module") for f in kernel if f["component"] == "kernel"} == {"ip_gre"}


def test_run_preflight_a_script_that_cannot_run_is_an_error():
    got = P.run_preflight(lambda argv, env: (127, "", "sh: not found"), PLAN, "cpe1", ["ipsec"])
    assert len(got) == 1 and got[0]["severity"] == "error" and "sh: not found" in got[0]["message"]
