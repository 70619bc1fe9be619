# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Preflight of a Linux CPE: is every piece Virtual Connect needs there, before anything is written?

Pure functions, no I/O, no Ansible. ``PREFLIGHT_SCRIPT`` is a read-only POSIX shell script to run once on
the CPE (``ansible.builtin.raw`` or ``command``: it needs no Python on the CPE); ``parse_report`` reads its
output; ``preflight_findings(facts, suites, bfd)`` returns one finding per missing piece, each naming the
Debian package or the kernel module (and kernel option) that brings it:

* strongSwan: ``swanctl`` (strongswan-swanctl), a charon (charon-systemd), charon running with its vici
  socket reachable, the plugins the collection relies on (vici, kernel-netlink, socket-default, nonce,
  random) and every algorithm of the planned suites (``swanctl --list-algs``, see strongswan_algs.py:
  no ECP group / AES-GCM without libstrongswan-standard-plugins);
* FRR: zebra and bgpd (bfdd when BFD is planned) installed (package frr) and ``vtysh``; a daemon that is
  off in /etc/frr/daemons is a warning only (the bgp role turns it on);
* the kernel: GRE (ip_gre), ESP (esp4), the xfrm netlink interface (xfrm_user), nf_tables, each loaded,
  built in, or available as a module of the running kernel; the kernel configuration (``/proc/config.gz``
  or ``/boot/config-<release>``) tells a missing option from missing module files;
* ``ip`` (iproute2) and ``nft`` (nftables).

Findings: ``{severity: error|warning, component, missing, package?, module?, message}``. Errors must stop
the run before any change; a part of the report that is absent (not gathered) adds no finding.

Python 3.8 compatible.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

from . import strongswan_algs

PREFLIGHT_SCRIPT = r"""# webex_di.virtual_connect Linux CPE preflight: read-only, one section per '### name'
PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
URI=${VC_SWANCTL_URI:+--uri $VC_SWANCTL_URI}   # charon's vici socket when it is not swanctl's default
echo "### uname"; uname -r
echo "### binaries"
for b in swanctl charon-systemd ip nft vtysh; do
  p=$(command -v "$b" 2>/dev/null)
  [ -z "$p" ] && [ -x "/usr/lib/ipsec/$b" ] && p=/usr/lib/ipsec/$b
  echo "$b ${p:--}"
done
[ -x /usr/lib/ipsec/charon ] && echo "charon /usr/lib/ipsec/charon" || echo "charon -"
echo "### stats"; swanctl --stats $URI 2>&1; echo "rc=$?"
echo "### list-algs"; swanctl --list-algs --raw $URI 2>&1; echo "rc=$?"
echo "### frr-daemons"; cat /etc/frr/daemons 2>&1; echo "rc=$?"
echo "### frr-bin"; ls /usr/lib/frr 2>&1; echo "rc=$?"
echo "### modules"
r=$(uname -r)
for m in ip_gre gre ip_tunnel esp4 xfrm_user xfrm_algo nf_tables; do
  if [ -d "/sys/module/$m" ]; then echo "$m loaded"
  elif grep -qE "(^|/)$m\.ko(\.[a-z]+)?$" "/lib/modules/$r/modules.builtin" 2>/dev/null; then echo "$m builtin"
  elif grep -qE "(^|/)$m\.ko(\.[a-z]+)?:" "/lib/modules/$r/modules.dep" 2>/dev/null; then echo "$m available"
  elif [ -e "/lib/modules/$r/modules.dep" ]; then echo "$m absent"
  else echo "$m no-module-tree"; fi
done
echo "### kconfig"
{ zcat /proc/config.gz 2>/dev/null || cat "/boot/config-$r" 2>/dev/null; } |
  grep -E '^(# )?CONFIG_(NET_IPGRE|NET_IPGRE_DEMUX|INET_ESP|XFRM|XFRM_USER|NF_TABLES|INET_TUNNEL)[ =]'
echo "### xfrm"; [ -e /proc/net/xfrm_stat ] && echo present || echo absent
echo "### nft"; nft --version 2>&1; echo "rc=$?"
echo "### end"
"""

# kernel pieces: module -> (what it is, kernel options that provide it)
KERNEL_MODULES = {
    "ip_gre": ("GRE tunnels", ("CONFIG_NET_IPGRE", "CONFIG_NET_IPGRE_DEMUX")),
    "esp4": ("IPsec ESP", ("CONFIG_INET_ESP",)),
    "xfrm_user": ("the IPsec (xfrm) netlink interface charon uses", ("CONFIG_XFRM_USER",)),
    "nf_tables": ("nftables (TCP MSS clamp)", ("CONFIG_NF_TABLES",)),
}
BINARIES = {"swanctl": "strongswan-swanctl", "ip": "iproute2", "nft": "nftables", "vtysh": "frr"}
CHARON_PLUGINS = ("vici", "kernel-netlink", "socket-default", "nonce", "random")
FRR_PACKAGE = "frr"


def parse_report(text: str) -> Dict[str, Any]:
    """The output of PREFLIGHT_SCRIPT -> {section: text} plus ``rc`` per section that printed one
    (``{'stats': '...', 'stats_rc': 0, ...}``). Sections absent from the text are absent here."""
    out = {}  # type: Dict[str, Any]
    name = None
    buf = []  # type: List[str]

    def flush() -> None:
        if name is None:
            return
        body = list(buf)
        if body and re.match(r"^rc=\d+$", body[-1].strip()):
            out[name + "_rc"] = int(body.pop().strip()[3:])
        out[name] = "\n".join(body)

    for line in (text or "").splitlines():
        m = re.match(r"^### ([\w-]+)\s*$", line)
        if m:
            flush()
            name, buf = m.group(1), []
            if name == "end":
                name = None
            continue
        if name is not None:
            buf.append(line)
    flush()
    return out


def _binaries(text: str) -> Dict[str, Optional[str]]:
    out = {}  # type: Dict[str, Optional[str]]
    for line in (text or "").splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2:
            out[parts[0]] = None if parts[1].strip() == "-" else parts[1].strip()
    return out


def _kconfig(text: str) -> Dict[str, str]:
    out = {}
    for line in (text or "").splitlines():
        m = re.match(r"^(CONFIG_\w+)=(\S+)", line.strip())
        if m:
            out[m.group(1)] = m.group(2)
            continue
        m = re.match(r"^# (CONFIG_\w+) is not set", line.strip())
        if m:
            out[m.group(1)] = "n"
    return out


def parse_frr_daemons(text: str) -> Dict[str, bool]:
    """/etc/frr/daemons -> {daemon: enabled} (lines ``bgpd=yes``)."""
    return dict((m.group(1), m.group(2) == "yes") for m in re.finditer(r"^\s*(\w+d)=(yes|no)\b", text or "", re.M))


def _finding(severity: str, component: str, missing: str, message: str, **kw: Any) -> Dict[str, Any]:
    f = {"severity": severity, "component": component, "missing": missing, "message": message}  # type: Dict[str, Any]
    f.update(dict((k, v) for k, v in kw.items() if v is not None))
    return f


def preflight_findings(facts: Mapping[str, Any], suites: Sequence[Mapping[str, Any]] = (), bfd: bool = False) -> List[Dict[str, Any]]:
    """``facts`` = parse_report(output); ``suites`` = the planned ``{ike, esp}`` pairs (plan tunnel ``ipsec``);
    ``bfd``: a tunnel plans BFD. Returns the findings, errors first."""
    found = []  # type: List[Dict[str, Any]]
    release = (facts.get("uname") or "").strip() or "the running kernel"
    bins = _binaries(facts.get("binaries", "")) if "binaries" in facts else {}
    # ---- binaries / packages
    for b, pkg in sorted(BINARIES.items()):
        if b in bins and not bins[b]:
            found.append(_finding("error", b, b, "%s is not installed: install the Debian package %s" % (b, pkg), package=pkg))
    if bins and not bins.get("charon-systemd") and not bins.get("charon"):
        found.append(_finding("error", "strongswan", "charon", "no charon IKE daemon is installed: install charon-systemd "
                              "(Debian's strongswan service)", package="charon-systemd"))
    # ---- strongSwan running, plugins, algorithms
    stats_ok = facts.get("stats_rc") == 0 and "loaded plugins:" in (facts.get("stats") or "")
    if "stats" in facts and not stats_ok and bins.get("swanctl", "x"):
        detail = next((x.strip() for x in (facts.get("stats") or "").splitlines() if x.strip()), "")[:200]
        found.append(_finding("error", "strongswan", "charon (vici)", "charon is not running or its vici socket cannot be reached "
                              "(swanctl --stats: %s): start the strongswan service (package charon-systemd)" % (detail or "no output"),
                              package="charon-systemd"))
    if stats_ok:
        loaded = strongswan_algs.parse_loaded_plugins(facts["stats"])
        for miss in strongswan_algs.missing_plugins(loaded, CHARON_PLUGINS):
            found.append(_finding("error", "strongswan", "plugin %s" % miss["plugin"], miss["message"], package=miss["package"]))
    if facts.get("list-algs_rc") == 0 and facts.get("list-algs"):
        available = strongswan_algs.parse_list_algs(facts["list-algs"])
        seen = set()
        for suite in suites:
            req = strongswan_algs.required_algorithms(suite.get("ike") or {}, suite.get("esp") or {})
            for miss in strongswan_algs.missing_algorithms(available, req):
                if miss["name"] in seen:
                    continue
                seen.add(miss["name"])
                found.append(_finding("error", "strongswan", miss["name"], miss["message"], package=miss["package"]))
    # ---- FRR
    wanted = ["zebra", "bgpd"] + (["bfdd"] if bfd else [])
    if facts.get("frr-bin_rc") is not None:
        have = set((facts.get("frr-bin") or "").split()) if facts.get("frr-bin_rc") == 0 else set()
        for d in wanted:
            if d not in have:
                found.append(_finding("error", "frr", d, "FRR daemon %s is not installed (/usr/lib/frr/%s): install the Debian "
                                      "package %s" % (d, d, FRR_PACKAGE), package=FRR_PACKAGE))
    if facts.get("frr-daemons_rc") == 0:
        enabled = parse_frr_daemons(facts.get("frr-daemons") or "")
        for d in wanted:
            if d != "zebra" and enabled.get(d) is False:
                found.append(_finding("warning", "frr", "%s=yes" % d, "%s is off in /etc/frr/daemons: the bgp role turns it on "
                                      "and restarts frr" % d))
    # ---- kernel
    states = dict(line.split(None, 1) for line in (facts.get("modules") or "").splitlines() if len(line.split()) == 2)
    kconf = _kconfig(facts.get("kconfig", ""))
    for mod, (what, options) in sorted(KERNEL_MODULES.items()):
        state = states.get(mod)
        if state in (None, "loaded", "builtin", "available"):
            continue
        opt = [o for o in options if o in kconf]   # the first option the configuration shows decides
        if opt and kconf[opt[0]] == "y":
            continue      # built in (the module index does not list every built-in)
        if opt and kconf[opt[0]] == "n":
            msg = "kernel %s has no %s (%s is not set): use a kernel with it, e.g. Debian's linux-image-amd64" % (release, what, opt[0])
        elif state == "no-module-tree":
            msg = ("kernel %s: %s (module %s) cannot be found: /lib/modules/%s is missing; install the modules of the running "
                   "kernel (Debian: linux-image-%s) or boot a kernel that has them" % (release, what, mod, release, release))
        else:
            msg = ("kernel %s: %s (module %s) is not available: install the modules of the running kernel "
                   "(Debian: linux-image-%s)" % (release, what, mod, release))
        found.append(_finding("error", "kernel", mod, msg, module=mod, kernel_option=options[0]))
    if facts.get("xfrm", "").strip() == "absent":
        found.append(_finding("error", "kernel", "xfrm", "kernel %s has no IPsec (XFRM) support (/proc/net/xfrm_stat is absent, "
                              "CONFIG_XFRM)" % release, kernel_option="CONFIG_XFRM"))
    if facts.get("nft_rc") not in (None, 0) and bins.get("nft"):
        found.append(_finding("error", "nftables", "nft", "nft does not run (%s): reinstall the Debian package nftables"
                              % " ".join((facts.get("nft") or "").split())[:160], package="nftables"))
    found.sort(key=lambda f: 0 if f["severity"] == "error" else 1)
    return found


def suites_from_plan(plan: Mapping[str, Any], host: Optional[str]) -> List[Dict[str, Any]]:
    """The planned {ike, esp} pairs of the tunnels whose IPsec this CPE terminates (unique): a split tunnel's are its
    IPsec device's (docs/ha.md section 2)."""
    out = []  # type: List[Dict[str, Any]]
    for region in (plan or {}).get("regions", []):
        for t in region.get("tunnels", []):
            split = t.get("split") or {}
            if host is not None and (split.get("ipsec_host") or t.get("cpe_host")) != host:
                continue
            pair = {"ike": (t.get("ipsec") or {}).get("ike") or {}, "esp": (t.get("ipsec") or {}).get("esp") or {}}
            if pair not in out:
                out.append(pair)
    return out


def bfd_planned(plan: Mapping[str, Any], host: Optional[str]) -> bool:
    return any(((t.get("bgp") or {}).get("bfd") or {}).get("enabled")
               for r in (plan or {}).get("regions", []) for t in r.get("tunnels", [])
               if host is None or t.get("cpe_host") == host)


# which apply features need which component (a role used alone checks only what it applies)
_FEATURES_OF = {
    "swanctl": ("ipsec", "ha"), "strongswan": ("ipsec", "ha"), "ip": ("gre",), "nft": ("mtu",), "nftables": ("mtu",),
    "vtysh": ("bgp",), "frr": ("bgp",),
}
_KERNEL_FEATURES = {"ip_gre": ("gre",), "esp4": ("ipsec",), "xfrm_user": ("ipsec",), "xfrm": ("ipsec",), "nf_tables": ("mtu",)}


def for_features(findings: Iterable[Mapping[str, Any]], features: Iterable[str]) -> List[Dict[str, Any]]:
    """The findings that matter for these apply features (ipsec, gre, mtu, bgp, ha)."""
    want = set(features)
    out = []
    for f in findings:
        if f.get("component") == "kernel":
            needs = _KERNEL_FEATURES.get(str(f.get("module") or f.get("missing")), ("ipsec", "gre", "mtu"))
        else:
            needs = _FEATURES_OF.get(str(f.get("component")), ())
        if not needs or want & set(needs):
            out.append(dict(f))
    return out


def run_preflight(run: Callable[..., Tuple[int, str, str]], plan: Mapping[str, Any], host: Optional[str],
                  features: Iterable[str], swanctl_uri: Optional[str] = None) -> List[Dict[str, Any]]:
    """Run PREFLIGHT_SCRIPT once through ``run(argv, environ) -> (rc, stdout, stderr)`` and return the findings of
    the pieces ``features`` need (errors first). Read-only. A script that cannot run at all is one error."""
    env = {"VC_SWANCTL_URI": swanctl_uri} if swanctl_uri else {}
    try:
        rc, out, err = run(["sh", "-c", PREFLIGHT_SCRIPT], env)
    except OSError as exc:
        rc, out, err = None, "", str(exc)
    if "### end" not in (out or ""):
        return [_finding("error", "preflight", "sh", "the preflight script did not run on this CPE (rc %s: %s): a POSIX sh "
                         "is needed" % (rc, (err or out or "").strip()[:200]))]
    facts = parse_report(out)
    found = preflight_findings(facts, suites_from_plan(plan, host), bfd_planned(plan, host))
    return for_features(found, features)


def errors(findings: Iterable[Mapping[str, Any]]) -> List[str]:
    """The messages of the error findings (for a fail message)."""
    return [f["message"] for f in findings if f.get("severity") == "error"]
