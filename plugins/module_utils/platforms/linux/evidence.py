# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Diagnose evidence of a Linux CPE (docs/contract.md section 3: ``log_events``, ``probes``, plus IPsec
counter deltas), from what the CPE itself shows. Pure functions over command outputs, no I/O, no Ansible.

Sources (each parser takes the text of one command; ``build_evidence`` takes them all):

* charon's log (``charon_log_events``): the filelog lines (``/var/log/charon.log``: ``Dec  1 21:31:18
  14[IKE] <vc-lab-A|5> received AUTHENTICATION_FAILED notify error``), the same lines behind a syslog
  prefix, or ``journalctl -o json`` records of charon-systemd (``charon_lines_from_journal``). Each IKE
  SA's peer is taken from its own lines (``initiating IKE_SA x[5] to P``, ``P is initiating an IKE_SA``,
  ``received packet: from P[500]``), so an event maps to the tunnel by the DI IPsec address.
* FRR's ``show bgp neighbors json`` (``bgp_notification_events``): the last NOTIFICATION sent/received
  (``lastResetDueTo``, ``lastErrorCodeSubcode``, ``lastNotificationReason``) of a neighbour that is not
  Established.
* TCP MD5 (BGP password): the kernel's ``MD5 Hash failed for (P, 179)->(L, n)`` lines (``dmesg``) and the
  ``TcpExt`` counters of ``/proc/net/netstat`` (``tcp_md5_events``: two samples, the delta counts).
* ``ping`` outputs (``ping_probe``): the DI IPsec IP from the CPE IPsec IP, tunnel IP to tunnel IP, and
  the largest unfragmented packet of the tunnel MTU (``size``/``df``).
* ``swanctl --list-sas --raw`` before and after a tunnel ping (``child_counters``, ``ipsec_counter_deltas``):
  packets encrypted/decrypted during the probe, per CHILD SA (SPIs must match: a rekey in between is
  not a delta). ``/proc/net/xfrm_stat`` (``parse_xfrm_stat``) tells clear-text packets the kernel dropped
  because a policy wanted them protected (``XfrmInTmplMismatch``).

Event names are the contract's (NO_PROPOSAL_CHOSEN, AUTHENTICATION_FAILED, TS_UNACCEPTABLE,
INVALID_KE_PAYLOAD, IKE_TIMEOUT, RETRANSMIT, BGP_BAD_PEER_AS, BGP_AUTH_FAILED) plus the Linux-only
DH_GROUP_UNSUPPORTED (charon itself cannot do the configured DH group: a missing plugin/package),
BGP_NOTIFICATION (any other code/subcode), BGP_HOLD_TIMER_EXPIRED and BGP_PEER_CLOSED (the peer
closed TCP without a NOTIFICATION). Every event has ``event``, ``peer`` (a DI address or None),
``message``; IKE events ``phase`` (ike|ipsec) and ``direction`` (received = the peer said it, sent = we
said it to the peer, local = our own charon); NO_PROPOSAL_CHOSEN that this CPE answered carries the
``received``/``configured`` proposals and ``mismatch`` (which parts differ: encryption, integrity, prf,
dh_group); BGP events carry ``code``/``subcode``. Events older than a later success with the same peer
(IKE_SA/CHILD_SA established) are dropped: resolved since. Secrets never appear in these sources
(charon does not log keys at the default level; FRR prints only ``authenticationEnabled``).

Python 3.8 compatible.
"""
from __future__ import annotations

import calendar
import ipaddress
import json
import re
import time
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

IPV4 = r"\d{1,3}(?:\.\d{1,3}){3}"

# ---------------------------------------------------------------------------------------------
# charon log
# ---------------------------------------------------------------------------------------------
_PREFIX = re.compile(
    r"^(?:(?P<time>\w{3}\s+\d{1,2}\s+\d\d:\d\d:\d\d|\d{4}-\d\d-\d\d[T ][\d:.,]+(?:Z|[+-]\d\d:?\d\d)?|[\d:.]+)\s+)?"   # time
    r"(?:\S+\s+(?:charon(?:-systemd)?|ipsec)(?:\[\d+\])?:\s+)?"      # syslog/journal host and tag
    r"(?:(?P<thread>\d+)\[(?P<group>[A-Z]+)\]\s+)?"                  # 14[IKE]
    r"(?:<(?:(?P<name>[^|<>]*)\|)?(?P<uid>\d+)>\s+)?"                 # <vc-lab-A|5> or <5>
    r"(?P<msg>.*)$")
_INITIATING = re.compile(r"^initiating IKE_SA (?P<name>\S+?)\[(?P<uid>\d+)\] to (?P<peer>" + IPV4 + r")")
_IS_INITIATING = re.compile(r"^(?P<peer>" + IPV4 + r") is initiating an IKE_SA")
_PACKET = re.compile(r"^(?P<dir>received|sending) packet: from (?P<src>" + IPV4 + r")\[\d+\] to (?P<dst>" + IPV4 + r")\[\d+\]")
_IKE_UP = re.compile(r"^IKE_SA (?P<name>\S+?)\[(?P<uid>\d+)\] established between (?P<local>" + IPV4 + r")\[[^\]]*\]\.\.\.(?P<peer>" + IPV4 + r")\[")
_CHILD_UP = re.compile(r"^CHILD_SA (?P<name>\S+?)\{\d+\} established with SPIs")
_EXCHANGE = re.compile(r"^(?:parsed|generating) (?P<ex>IKE_SA_INIT|IKE_AUTH|CREATE_CHILD_SA|INFORMATIONAL) (?P<kind>request|response) (?P<mid>\d+)"
                       r"(?: \[(?P<payloads>[^\]]*)\])?")
_NOTIFY_RX = re.compile(r"^received (?P<notify>[A-Z_]+) notify(?: error|, no CHILD_SA built)?\b")
_MAC = re.compile(r"^tried \d+ shared keys? for '(?P<a>[^']*)' - '(?P<b>[^']*)', but MAC mismatched")
_AUTH_VERIFY = re.compile(r"^(?:authentication of '(?P<id>[^']*)' with (?:pre-shared key|\S+) failed|"
                          r"verification of AUTH payload .* failed|no shared key found for)")
# strongSwan 5.9 prints the two lists on two lines; a single 'received proposals: X, configured proposals: Y' too
_PROPOSALS = re.compile(r"^received proposals: (?P<received>.*), configured proposals: (?P<configured>.*)$")
_RECEIVED_PROPOSALS = re.compile(r"^received proposals: (?P<received>.*)$")
_CONFIGURED_PROPOSALS = re.compile(r"^configured proposals: (?P<configured>.*)$")
_NO_PROPOSAL = re.compile(r"^(?:no acceptable proposal found|received proposals unacceptable|no proposal found)")
_DH_UNACCEPTABLE = re.compile(r"^DH group (?P<group>\S+) unacceptable, requesting (?P<requested>\S+)")
_DH_REQUESTED = re.compile(r"^peer didn't accept DH group (?P<group>\S+), it requested (?P<requested>\S+)")
_DH_UNSUPPORTED = re.compile(r"(?:configured DH group (?P<g1>\S+) not supported|DH group (?P<g2>\S+) not supported|"
                             r"(?:key exchange|KE) method (?P<g3>\S+) not supported)")
_TS_SENT = re.compile(r"^(?:no acceptable traffic selectors found|traffic selectors .* (?:inacceptable|unacceptable)|"
                      r"no matching CHILD_SA config found)")
_GIVING_UP = re.compile(r"^(?:giving up after (?P<n>\d+) retransmits|establishing IKE_SA failed, peer not responding)")
_RETRANSMIT = re.compile(r"^retransmit (?P<n>\d+) of request with message ID (?P<mid>\d+)")
_KERNEL_SA = re.compile(r"^unable to install (?:inbound|outbound|inbound and outbound) IPsec SA \(SAD\) in kernel")

# notifications charon prints by name -> contract event
_NOTIFY_EVENTS = {
    "AUTHENTICATION_FAILED": "AUTHENTICATION_FAILED",
    "NO_PROPOSAL_CHOSEN": "NO_PROPOSAL_CHOSEN",
    "TS_UNACCEPTABLE": "TS_UNACCEPTABLE",
    "INVALID_KE_PAYLOAD": "INVALID_KE_PAYLOAD",
    "SINGLE_PAIR_REQUIRED": "TS_UNACCEPTABLE",
    "INTERNAL_ADDRESS_FAILURE": "INTERNAL_ADDRESS_FAILURE",
    "FAILED_CP_REQUIRED": "FAILED_CP_REQUIRED",
}
# payload abbreviations of 'generating ... [ N(...) ]' lines (what we answered)
_SENT_NOTIFIES = {"AUTH_FAILED": "AUTHENTICATION_FAILED", "NO_PROP": "NO_PROPOSAL_CHOSEN",
                  "TS_UNACCEPT": "TS_UNACCEPTABLE", "INVAL_KE": "INVALID_KE_PAYLOAD"}
MAX_EVENTS_PER_KIND = 10


def charon_lines_from_journal(text: str) -> List[str]:
    """``journalctl -u strongswan -o json`` (one JSON record per line) -> log lines in the filelog form.

    charon-systemd logs the message without the ``<name|id>`` prefix and puts the IKE SA in the fields
    IKE_SA_NAME / IKE_SA_UNIQUE_ID (strongSwan's journal logger): they are put back in front."""
    lines = []
    for raw in (text or "").splitlines():
        raw = raw.strip()
        if not raw.startswith("{"):
            continue
        try:
            rec = json.loads(raw)
        except ValueError:
            continue
        msg = rec.get("MESSAGE")
        if isinstance(msg, list):       # journald's byte-array form of a non-UTF-8 message
            try:
                msg = bytes(msg).decode("utf-8", "replace")
            except (TypeError, ValueError):
                continue
        if not isinstance(msg, str):
            continue
        uid, name = rec.get("IKE_SA_UNIQUE_ID"), rec.get("IKE_SA_NAME")
        prefix = ""
        if uid:
            prefix = "<%s|%s> " % (name, uid) if name else "<%s> " % uid
        group = rec.get("GROUP")
        stamp = ""
        try:
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S ", time.localtime(int(rec["__REALTIME_TIMESTAMP"]) / 1e6))
        except (KeyError, TypeError, ValueError):
            pass
        lines.append("%s%s%s%s" % (stamp, "00[%s] " % group if group else "", prefix, msg))
    return lines


def _proposal_parts(text: str) -> List[Dict[str, List[str]]]:
    """``IKE:AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384, IKE:...`` -> [{encryption, integrity, prf, dh_group}]."""
    out = []
    for prop in re.split(r",\s*", text.strip()):
        prop = prop.split(":", 1)[1] if ":" in prop else prop
        parts = {"encryption": [], "integrity": [], "prf": [], "dh_group": []}  # type: Dict[str, List[str]]
        for alg in prop.split("/"):
            if not alg or alg in ("NO_EXT_SEQ", "EXT_SEQ"):
                continue
            if alg.startswith("PRF_"):
                parts["prf"].append(alg)
            elif alg.startswith(("HMAC_", "AES_XCBC", "AES_CMAC", "AES_GMAC")):
                parts["integrity"].append(alg)
            elif re.match(r"^(MODP|ECP|CURVE|ECP_|BRAINPOOL|NTRU|NEWHOPE|ML_KEM)", alg):
                parts["dh_group"].append(alg)
            else:
                parts["encryption"].append(alg)
        out.append(parts)
    return out


def proposal_mismatch(received: str, configured: str) -> List[str]:
    """The parts (encryption, integrity, prf, dh_group) that keep every received proposal from matching every
    configured one, for the closest pair (fewest differing parts). [] when they match or cannot be read."""
    best = None  # type: Optional[List[str]]
    for r in _proposal_parts(received):
        for c in _proposal_parts(configured):
            diff = [k for k in ("encryption", "integrity", "prf", "dh_group")
                    if (r[k] or c[k]) and not set(r[k]) & set(c[k])]
            if best is None or len(diff) < len(best):
                best = diff
    return best or []


def line_time(text: Optional[str], now: Optional[float]) -> Optional[float]:
    """The epoch of a log line's time stamp (local time of the CPE, as charon and syslog write it): ``Dec  1 22:28:06``
    (no year: the year of ``now``, or the one before when that would be in the future) or ``2026-12-01T22:28:06``.
    None when the line has no time or ``now`` is unknown."""
    if not text or now is None:
        return None
    text = text.strip()
    m = re.match(r"^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d):(\d\d)", text)
    try:
        if m:
            return time.mktime(tuple(int(x) for x in m.groups()) + (0, 0, -1))  # type: ignore[arg-type]
        m = re.match(r"^(\w{3})\s+(\d{1,2})\s+(\d\d):(\d\d):(\d\d)$", text)
        if not m:
            return None
        month = list(calendar.month_abbr).index(m.group(1).title())
        year = time.localtime(now).tm_year
        for y in (year, year - 1):
            t = time.mktime((y, month, int(m.group(2)), int(m.group(3)), int(m.group(4)), int(m.group(5)), 0, 0, -1))
            if t <= now + 86400:
                return t
    except (ValueError, OverflowError):
        return None
    return None


class _Sa(object):
    __slots__ = ("name", "peer", "exchange")

    def __init__(self):
        self.name = None  # type: Optional[str]
        self.peer = None  # type: Optional[str]
        self.exchange = None  # type: Optional[str]


def _phase_of(exchange: Optional[str], default: Optional[str] = None) -> Optional[str]:
    if exchange == "IKE_SA_INIT":
        return "ike"
    if exchange in ("IKE_AUTH", "CREATE_CHILD_SA"):
        return "ipsec"
    return default


def charon_log_events(lines: Iterable[str], own: Iterable[str] = (), connections: Optional[Mapping[str, str]] = None,
                      now: Optional[float] = None) -> List[Dict[str, Any]]:
    """charon log lines -> contract log events (see the module doc).

    ``own``: this CPE's addresses (never a peer); ``connections``: {connection name: DI IPsec IP}, for the
    lines of an IKE SA whose peer no line of the log names; ``now``: the CPE's clock when the log was read
    (epoch): each event then carries ``age_s``, how many seconds before that its line was written."""
    own_set = set(own)
    conns = dict(connections or {})
    sas = {}  # type: Dict[str, _Sa]
    events = []  # type: List[Dict[str, Any]]
    pending_props = {}  # type: Dict[str, Tuple[str, str]]
    stamp = None  # type: Optional[float]

    def add(sa: Optional[_Sa], event: str, line: str, **kw: Any) -> None:
        peer = sa.peer if sa is not None else None
        if peer is None and sa is not None and sa.name in conns:
            peer = conns[sa.name]
        ev = {"event": event, "peer": peer, "message": line.strip()}  # type: Dict[str, Any]
        ev.update(dict((k, v) for k, v in kw.items() if v is not None))
        if stamp is not None and now is not None:
            ev["age_s"] = max(0, int(round(now - stamp)))
        if sa is not None and sa.name:
            ev["connection"] = sa.name
        events.append(ev)

    for raw in lines:
        m = _PREFIX.match(raw.rstrip("\n"))
        if not m:
            continue
        stamp = line_time(m.group("time"), now)
        msg = m.group("msg").strip()
        uid = m.group("uid")
        sa = None
        if uid is not None:
            sa = sas.setdefault(uid, _Sa())
            if m.group("name"):
                sa.name = m.group("name")
        x = _INITIATING.match(msg)
        if x:
            sa = sas.setdefault(x.group("uid"), _Sa())
            sa.name, sa.peer = x.group("name"), x.group("peer")
            continue
        x = _IS_INITIATING.match(msg)
        if x and sa is not None:
            sa.peer = x.group("peer")
            continue
        x = _PACKET.match(msg)
        if x:
            if sa is not None:
                other = x.group("src") if x.group("dir") == "received" else x.group("dst")
                if other not in own_set:
                    sa.peer = sa.peer or other
            continue
        x = _EXCHANGE.match(msg)
        if x:
            if sa is not None:
                sa.exchange = x.group("ex")
            if msg.startswith("generating") and x.group("kind") == "response":
                for abbr in re.findall(r"N\(([A-Z_]+)\)", x.group("payloads") or ""):
                    if abbr in _SENT_NOTIFIES and _SENT_NOTIFIES[abbr] not in ("AUTHENTICATION_FAILED", "NO_PROPOSAL_CHOSEN"):
                        # AUTH_FAILED / NO_PROP we answered are reported from their own, richer lines
                        add(sa, _SENT_NOTIFIES[abbr], raw, direction="sent", phase=_phase_of(x.group("ex"), "ipsec"))
            continue
        x = _IKE_UP.match(msg)
        if x:
            peer = x.group("peer")
            events = [e for e in events if e["peer"] != peer]       # resolved: this peer authenticated since
            if sa is not None:
                sa.peer = peer
            continue
        x = _CHILD_UP.match(msg)
        if x:
            peer = sa.peer if sa is not None else None
            events = [e for e in events if not (e["peer"] == peer and e.get("phase") == "ipsec")]
            continue
        x = _NOTIFY_RX.match(msg)
        if x:
            notify = x.group("notify")
            name = _NOTIFY_EVENTS.get(notify, notify)
            phase = "ipsec" if "no CHILD_SA built" in msg else _phase_of(sa.exchange if sa else None, None)
            if name == "AUTHENTICATION_FAILED":
                phase = "ike"
            add(sa, name, raw, direction="received", phase=phase, notify=notify)
            continue
        if _MAC.match(msg) or _AUTH_VERIFY.match(msg):
            add(sa, "AUTHENTICATION_FAILED", raw, direction="sent", phase="ike")
            continue
        x = _PROPOSALS.match(msg)
        if x:
            pending_props[uid or ""] = (x.group("received"), x.group("configured"))
            continue
        x = _RECEIVED_PROPOSALS.match(msg)
        if x:
            pending_props[uid or ""] = (x.group("received"), None)
            continue
        x = _CONFIGURED_PROPOSALS.match(msg)
        if x:
            pending_props[uid or ""] = (pending_props.get(uid or "", (None, None))[0], x.group("configured"))
            continue
        if _NO_PROPOSAL.match(msg):
            rec, conf = pending_props.pop(uid or "", (None, None))
            phase = _phase_of(sa.exchange if sa else None, None)
            if rec is not None:
                phase = "ike" if rec.strip().startswith("IKE:") else "ipsec" if rec.strip().startswith(("ESP:", "AH:")) else phase
            add(sa, "NO_PROPOSAL_CHOSEN", raw, direction="sent", phase=phase, received=rec, configured=conf,
                mismatch=proposal_mismatch(rec, conf) if rec is not None and conf is not None else None)
            continue
        x = _DH_REQUESTED.match(msg)
        if x:
            add(sa, "INVALID_KE_PAYLOAD", raw, direction="received", phase=_phase_of(sa.exchange if sa else None, "ike"),
                offered=x.group("group"), requested=x.group("requested"))
            continue
        x = _DH_UNACCEPTABLE.match(msg)
        if x:
            add(sa, "INVALID_KE_PAYLOAD", raw, direction="sent", phase=_phase_of(sa.exchange if sa else None, "ike"),
                offered=x.group("group"), requested=x.group("requested"))
            continue
        x = _DH_UNSUPPORTED.search(msg)
        if x:
            add(sa, "DH_GROUP_UNSUPPORTED", raw, direction="local", phase="ike",
                group=x.group("g1") or x.group("g2") or x.group("g3"))
            continue
        if _TS_SENT.match(msg):
            add(sa, "TS_UNACCEPTABLE", raw, direction="sent", phase="ipsec")
            continue
        x = _GIVING_UP.match(msg)
        if x:
            add(sa, "IKE_TIMEOUT", raw, direction="local", phase=_phase_of(sa.exchange if sa else None, "ike"))
            continue
        x = _RETRANSMIT.match(msg)
        if x:
            add(sa, "RETRANSMIT", raw, direction="local", message_id=int(x.group("mid")),
                phase="ike" if x.group("mid") == "0" else None)
            continue
        if _KERNEL_SA.match(msg):
            add(sa, "KERNEL_SA_FAILED", raw, direction="local", phase="ipsec")
    return _keep_recent(events)


def _keep_recent(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    kept = []  # type: List[Dict[str, Any]]
    counts = {}  # type: Dict[Tuple[Any, ...], int]
    for ev in reversed(events):
        key = (ev["event"], ev.get("peer"), ev.get("direction"))
        counts[key] = counts.get(key, 0) + 1
        if counts[key] <= MAX_EVENTS_PER_KIND:
            kept.append(ev)
    kept.reverse()
    return kept


# ---------------------------------------------------------------------------------------------
# FRR: the last NOTIFICATION of a neighbour that is not Established
# ---------------------------------------------------------------------------------------------
BGP_CODES = {(2, 2): "BGP_BAD_PEER_AS", (6, 5): "BGP_NOTIFICATION", (4, 0): "BGP_HOLD_TIMER_EXPIRED"}


def _code_subcode(value: Any) -> Tuple[Optional[int], Optional[int]]:
    text = str(value or "")
    if re.match(r"^\d{4}$", text):
        return int(text[:2]), int(text[2:])
    m = re.match(r"^(\d+)/(\d+)$", text)
    if m:
        return int(m.group(1)), int(m.group(2))
    return None, None


def bgp_notification_events(neighbors_doc: Any, neighbors: Optional[Sequence[str]] = None) -> List[Dict[str, Any]]:
    """``vtysh -c 'show bgp neighbors json'`` (parsed) -> BGP events of the neighbours that are not Established.

    ``lastResetDueTo`` says who sent the last NOTIFICATION ('BGP Notification received' / '... send'),
    ``lastErrorCodeSubcode`` its code and subcode (``0202`` = OPEN message error / bad peer AS, RFC 4271),
    ``lastNotificationReason`` FRR's text. A neighbour whose TCP session the peer closed without a
    NOTIFICATION gives BGP_PEER_CLOSED."""
    out = []  # type: List[Dict[str, Any]]
    if not isinstance(neighbors_doc, dict):
        return out
    for ip, n in sorted(neighbors_doc.items()):
        if not isinstance(n, dict) or (neighbors is not None and ip not in neighbors):
            continue
        if n.get("bgpState") == "Established":
            continue
        due = str(n.get("lastResetDueTo") or "")
        reason = n.get("lastNotificationReason")
        ago = n.get("lastResetTimerMsecs")
        base = {"peer": ip, "phase": "bgp", "state": n.get("bgpState"), "reset_due_to": due or None,
                "reset_ago_s": int(ago) // 1000 if isinstance(ago, int) else None}
        if isinstance(ago, int):
            base["age_s"] = int(ago) // 1000
        if "notification" in due.lower():
            code, sub = _code_subcode(n.get("lastErrorCodeSubcode"))
            direction = "received" if "receiv" in due.lower() else "sent"
            event = BGP_CODES.get((code, sub), "BGP_NOTIFICATION") if code is not None else "BGP_NOTIFICATION"
            if code == 6 and sub == 5:
                event = "BGP_NOTIFICATION"
            ev = dict(base, event=event, direction=direction, code=code, subcode=sub,
                      message="%s: %s (%s%s)" % (ip, due, reason or "no reason", ", code %s/%s" % (code, sub) if code is not None else ""))
            out.append(ev)
        elif due.lower() in ("peer closed the session", "closed by peer"):
            out.append(dict(base, event="BGP_PEER_CLOSED", direction="received", message="%s: %s" % (ip, due)))
    return out


def established_for(neighbors_doc: Any) -> Dict[str, float]:
    """``show bgp neighbors json`` (parsed) -> {neighbour: seconds its session has been Established} (bgpTimerUpMsec)."""
    out = {}  # type: Dict[str, float]
    if isinstance(neighbors_doc, dict):
        for ip, n in neighbors_doc.items():
            if isinstance(n, dict) and n.get("bgpState") == "Established" and isinstance(n.get("bgpTimerUpMsec"), int):
                out[ip] = n["bgpTimerUpMsec"] / 1000.0
    return out


# ---------------------------------------------------------------------------------------------
# TCP MD5 (BGP password)
# ---------------------------------------------------------------------------------------------
_MD5_LINE = re.compile(r"MD5 Hash (?P<what>failed|mismatch|not found|unexpected)\w*\s+for "
                       r"\((?P<src>" + IPV4 + r"), (?P<sport>\d+)\)->\((?P<dst>" + IPV4 + r"), (?P<dport>\d+)\)", re.I)
MD5_COUNTERS = ("TCPMD5NotFound", "TCPMD5Unexpected", "TCPMD5Failure")


def parse_netstat(text: str) -> Dict[str, Dict[str, int]]:
    """``/proc/net/netstat`` (or ``/proc/net/snmp``): header/value line pairs -> {section: {counter: value}}."""
    out = {}  # type: Dict[str, Dict[str, int]]
    lines = [x for x in (text or "").splitlines() if ":" in x]
    for head, vals in zip(lines[::2], lines[1::2]):
        hs, hn = head.split(":", 1)
        vs, vn = vals.split(":", 1)
        if hs != vs:
            continue
        try:
            out[hs.strip()] = dict(zip(hn.split(), (int(v) for v in vn.split())))
        except ValueError:
            continue
    return out


_DMESG_TIME = re.compile(r"^\[\s*(\d+(?:\.\d+)?)\]")


def tcp_md5_events(dmesg: str = "", netstat_before: Optional[str] = None, netstat_after: Optional[str] = None,
                   own: Iterable[str] = (), uptime_s: Optional[float] = None, window_s: float = 300,
                   up_s: Optional[Mapping[str, float]] = None) -> List[Dict[str, Any]]:
    """BGP password evidence.

    * ``MD5 Hash failed for (P, 179)->(L, n)`` kernel lines (``dmesg``; Linux 6.1 logs only a wrong signature,
      rate-limited): BGP_AUTH_FAILED from peer P, when L is one of ``own`` and the line is younger than
      ``window_s`` (its ``[seconds since boot]`` against ``uptime_s`` = the first field of /proc/uptime).
    * TcpExt counters of two /proc/net/netstat samples: TCPMD5Failure growing = a segment signed with another
      key (BGP_AUTH_FAILED, peer unknown: the counters are per namespace). TCPMD5NotFound / TCPMD5Unexpected
      growing are reported as TCP_MD5_NOT_FOUND / TCP_MD5_UNEXPECTED only: the lab saw both grow by one when the
      DI side reset a session (the closing segments of a torn-down connection), so alone they prove nothing.
    ``up_s``: {peer: seconds its BGP session has been Established}. A kernel line older than the session with that
    peer is resolved (the password has worked since), as a later IKE success resolves charon's older events."""
    own_set = set(own)
    out = []  # type: List[Dict[str, Any]]
    seen = set()
    for line in (dmesg or "").splitlines():
        m = _MD5_LINE.search(line)
        if not m or (own_set and m.group("dst") not in own_set):
            continue
        if "179" not in (m.group("sport"), m.group("dport")):
            continue
        t = _DMESG_TIME.match(line.strip())
        age = float(uptime_s) - float(t.group(1)) if uptime_s is not None and t else None
        if age is not None and age > window_s:
            continue
        if age is not None and up_s and m.group("src") in up_s and up_s[m.group("src")] <= age:
            continue
        key = (m.group("src"), m.group("what").lower())
        if key in seen:
            continue
        seen.add(key)
        ev = {"event": "BGP_AUTH_FAILED", "peer": m.group("src"), "phase": "bgp", "direction": "received",
              "message": line.strip()}  # type: Dict[str, Any]
        if age is not None:
            ev["age_s"] = max(0, int(round(age)))
        out.append(ev)
    if netstat_before is not None and netstat_after is not None:
        a = parse_netstat(netstat_before).get("TcpExt", {})
        b = parse_netstat(netstat_after).get("TcpExt", {})
        grown = dict((k, b.get(k, 0) - a.get(k, 0)) for k in MD5_COUNTERS if b.get(k, 0) > a.get(k, 0))
        for counter, event in (("TCPMD5Failure", "BGP_AUTH_FAILED"), ("TCPMD5Unexpected", "TCP_MD5_UNEXPECTED"),
                               ("TCPMD5NotFound", "TCP_MD5_NOT_FOUND")):
            if grown.get(counter):
                out.append({"event": event, "peer": None, "phase": "bgp", "direction": "received",
                            "counters": {counter: grown[counter]}, "message": "TcpExt %s +%d" % (counter, grown[counter])})
    return out


# ---------------------------------------------------------------------------------------------
# probes and counters
# ---------------------------------------------------------------------------------------------
_PING = re.compile(r"(\d+) packets transmitted, (\d+) (?:packets )?received")


def ping_probe(output: str, source: Optional[str], destination: str, rc: Optional[int] = None,
               size: Optional[int] = None, df: bool = False) -> Dict[str, Any]:
    """A ``ping -q`` output -> {type: ping, source, destination, ok, sent, received[, size, df, error]}."""
    m = _PING.search(output or "")
    sent, got = (int(m.group(1)), int(m.group(2))) if m else (None, None)
    probe = {"type": "ping", "source": source, "destination": destination, "sent": sent, "received": got,
             "ok": bool(m) and (got or 0) > 0 and (rc in (None, 0))}  # type: Dict[str, Any]
    if size is not None:
        probe.update(size=size, df=bool(df))
        # ping -M do with a packet larger than the local MTU: 'message too long' (the CPE's own MTU, not the path)
        if re.search(r"message too long|Frag needed|local error", output or "", re.I):
            probe["error"] = "local MTU smaller than the probe"
    return probe


def parse_xfrm_stat(text: str) -> Dict[str, int]:
    """``/proc/net/xfrm_stat`` -> {counter: value}."""
    return dict((k, int(v)) for k, v in re.findall(r"^(\w+)\s+(\d+)\s*$", text or "", re.M))


_RAW_IKE = re.compile(r"remote-host=(" + IPV4 + r")\b")
_RAW_CHILD = re.compile(r"(?P<name>[\w.-]+) \{(?P<body>[^{}]*)\}")


def child_counters(raw: str) -> List[Dict[str, Any]]:
    """``swanctl --list-sas --raw`` -> per CHILD SA {remote, name, spi_in, spi_out, local_ts, remote_ts, pkts_in, pkts_out}."""
    out = []
    for line in (raw or "").splitlines():
        rm = _RAW_IKE.search(line)
        if not rm or "child-sas {" not in line:
            continue
        children = line[line.index("child-sas {") + len("child-sas {"):]
        for cm in _RAW_CHILD.finditer(children):
            body = cm.group("body")
            kv = dict(re.findall(r"([\w-]+)=(\S+)", body))
            lts = re.search(r"local-ts=\[((?:[^\[\]]|\[[^\]]*\])*)\]", body)     # [192.0.2.2/32[gre]]
            rts = re.search(r"remote-ts=\[((?:[^\[\]]|\[[^\]]*\])*)\]", body)
            if "spi-in" not in kv:
                continue
            out.append({"remote": rm.group(1), "name": kv.get("name"), "state": kv.get("state"),
                        "spi_in": kv.get("spi-in"), "spi_out": kv.get("spi-out"),
                        "local_ts": lts.group(1).strip() if lts else None, "remote_ts": rts.group(1).strip() if rts else None,
                        "pkts_in": int(kv.get("packets-in", 0)), "pkts_out": int(kv.get("packets-out", 0))})
    return out


def ipsec_counter_deltas(before: str, after: str, probe: Optional[str] = None, remote: Optional[str] = None) -> List[Dict[str, Any]]:
    """Two ``swanctl --list-sas --raw`` outputs around a probe -> per CHILD SA present in both (same SPIs):
    {remote, local_ts, remote_ts, pkts_out_delta, pkts_in_delta, probe}; ``remote``: only that peer's SAs.
    A peer can have two CHILD SAs at once (both sides initiated): each is listed, the idle one with 0/0."""
    old = dict(((c["remote"], c["spi_in"], c["spi_out"]), c) for c in child_counters(before))
    out = []
    for c in child_counters(after):
        if remote is not None and c["remote"] != remote:
            continue
        o = old.get((c["remote"], c["spi_in"], c["spi_out"]))
        if o is None:
            continue
        out.append({"remote": c["remote"], "name": c["name"], "local_ts": c["local_ts"], "remote_ts": c["remote_ts"],
                    "pkts_out_delta": c["pkts_out"] - o["pkts_out"], "pkts_in_delta": c["pkts_in"] - o["pkts_in"],
                    "probe": probe})
    return out


# ---------------------------------------------------------------------------------------------
# everything for one CPE
# ---------------------------------------------------------------------------------------------
def _host_tunnels(plan: Mapping[str, Any], host: Optional[str]) -> List[Mapping[str, Any]]:
    return [t for r in (plan or {}).get("regions", []) for t in r.get("tunnels", []) if host is None or t.get("cpe_host") == host]


def _own_addresses(tunnels: Sequence[Mapping[str, Any]]) -> List[str]:
    own = set()
    for t in tunnels:
        cpe = t.get("cpe") or {}
        for k in ("ipsec_ip", "gre_ip", "tunnel_ip"):
            if cpe.get(k):
                own.add(str(cpe[k]).split("/", maxsplit=1)[0])
    return sorted(own)


def build_evidence(outputs: Mapping[str, Any], plan: Mapping[str, Any], host: Optional[str],
                   connections: Optional[Mapping[str, str]] = None, now: Optional[float] = None) -> Dict[str, Any]:
    """The optional evidence keys of the state (docs/contract.md section 3) for one CPE.

    ``outputs`` (each optional; a key that is absent or None was not gathered and adds nothing):
      charon_log        text of charon's log (filelog or syslog lines), or
      charon_journal    ``journalctl -u strongswan -o json`` text
      bgp_neighbors     ``vtysh -c 'show bgp neighbors json'`` text
      dmesg             kernel log text (MD5 lines); uptime: /proc/uptime (how old a dmesg line is)
      netstat_before / netstat_after   two ``/proc/net/netstat`` samples
      pings             [{output, rc, source, destination, size?, df?}]
      counter_probes    [{before, after, remote, probe}]: ``swanctl --list-sas --raw`` just before and after the
                        tunnel ping of the tunnel whose DI IPsec IP is ``remote``
      xfrm_stat_before / xfrm_stat_after  two ``/proc/net/xfrm_stat`` samples
      udp_probes        [{source, destination, port, result}]: an empty UDP datagram to the DI IKE port, result
                        ``refused`` (ICMP port unreachable: nothing listens there), ``no answer`` or ``error: ...``
    ``now``: the CPE's clock when the outputs were read (epoch; log events then carry ``age_s``).
    Returns {log_events, probes, ipsec_counters, xfrm_stat_delta} (only what was gathered).
    """
    tunnels = _host_tunnels(plan, host)
    nbrs = [str((t.get("bgp") or {}).get("neighbor")) for t in tunnels if (t.get("bgp") or {}).get("neighbor")]
    return evidence_from(outputs, _own_addresses(tunnels), nbrs, connections, now)


def evidence_from(outputs: Mapping[str, Any], own: Sequence[str], nbrs: Sequence[str],
                  connections: Optional[Mapping[str, str]] = None, now: Optional[float] = None) -> Dict[str, Any]:
    """build_evidence with this CPE's own addresses and its VC BGP neighbours given directly."""
    out = {}  # type: Dict[str, Any]
    events = []  # type: List[Dict[str, Any]]
    gathered_events = False
    lines = None  # type: Optional[List[str]]
    if outputs.get("charon_journal") is not None:
        lines = charon_lines_from_journal(outputs["charon_journal"])
    elif outputs.get("charon_log") is not None:
        lines = str(outputs["charon_log"]).splitlines()
    if lines is not None:
        gathered_events = True
        events += charon_log_events(lines, own, connections, now)
    up_s = {}  # type: Dict[str, float]
    if outputs.get("bgp_neighbors") is not None:
        gathered_events = True
        docs = _json_docs(outputs["bgp_neighbors"])
        events += bgp_notification_events(docs[0] if docs else {}, nbrs)
        up_s = established_for(docs[0] if docs else {})
    if outputs.get("dmesg") is not None or outputs.get("netstat_after") is not None:
        gathered_events = True
        events += tcp_md5_events(outputs.get("dmesg") or "", outputs.get("netstat_before"), outputs.get("netstat_after"), own,
                                 _uptime(outputs.get("uptime")), up_s=up_s)
    if gathered_events:
        out["log_events"] = events
    if outputs.get("pings") is not None:
        out["probes"] = [ping_probe(p.get("output", ""), p.get("source"), p["destination"], p.get("rc"), p.get("size"), p.get("df", False))
                         for p in outputs["pings"]]
    for u in outputs.get("udp_probes") or []:
        result = str(u.get("result") or "")
        out.setdefault("probes", []).append({
            "type": "udp", "source": u.get("source"), "destination": u["destination"], "port": u.get("port", 500),
            "ok": None if result == "no answer" or result.startswith("error") else result == "answered",
            "refused": result == "refused", "result": result})
    if outputs.get("counter_probes") is not None:
        out["ipsec_counters"] = [d for cp in outputs["counter_probes"]
                                 for d in ipsec_counter_deltas(cp["before"], cp["after"], cp.get("probe"), cp.get("remote"))]
    if outputs.get("xfrm_stat_before") is not None and outputs.get("xfrm_stat_after") is not None:
        a, b = parse_xfrm_stat(outputs["xfrm_stat_before"]), parse_xfrm_stat(outputs["xfrm_stat_after"])
        out["xfrm_stat_delta"] = dict((k, b[k] - a.get(k, 0)) for k in b if b[k] != a.get(k, 0))
    return out


def add_evidence(state: Mapping[str, Any], evidence: Mapping[str, Any]) -> Dict[str, Any]:
    """A copy of the gatherer's state with the evidence keys added (lists appended to what is there)."""
    new = dict(state)
    for k, v in evidence.items():
        if isinstance(v, list) and isinstance(new.get(k), list):
            new[k] = list(new[k]) + v
        else:
            new[k] = v
    return new


def _uptime(text: Any) -> Optional[float]:
    try:
        return float(str(text).split()[0])
    except (IndexError, ValueError, TypeError):
        return None


def _json_docs(text: str) -> List[Any]:
    from .state import json_docs   # the one reader of vtysh's JSON (imported late: state imports this module late)
    return json_docs(text or "")


def is_ipv4(value: Any) -> bool:
    try:
        ipaddress.IPv4Address(str(value))
        return True
    except ValueError:
        return False
