"""Linux evidence parsers (platforms/linux/evidence.py) on what a Linux CPE showed during each fault of the lab's
fault matrix (tests/fixtures/linux/faults/<fault>/, captured by `make lab-faults`, see SOURCES.md).

For every fault: the events/probes/counters a CPE can show are found and mapped to the faulty tunnel (by the
DI address), nothing is blamed on the healthy one, and -- added to the state the collection's gatherer returned
at that moment -- the collection's diagnose names the expected cause. Where the current diagnose rules do not yet
use the new evidence, the test is an xfail(strict) naming the rule to extend: it turns into a failure (XPASS)
the day the rule is fixed, so it cannot be forgotten."""
from __future__ import annotations

import functools
import json
from pathlib import Path

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import evidence as ev
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import state as st
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.diagnose import diagnose_host

REPO = Path(__file__).resolve().parents[6]
FAULTS = REPO / "tests" / "fixtures" / "linux" / "faults"

PLAN = json.loads((FAULTS / "plan.json").read_text())
HOST = "cpe1"
TUNNELS = dict((t["key"], t) for r in PLAN["regions"] for t in r["tunnels"])
CONNS = dict(("vc-%s" % k, t["di"]["ipsec_ip"]) for k, t in TUNNELS.items())
EVIDENCE_KEYS = ("log_events", "probes", "ipsec_counters", "xfrm_stat_delta")


def outputs(fault):
    return json.loads((FAULTS / fault / "outputs.json").read_text())


@functools.lru_cache(maxsize=None)
def load(fault):
    """(row, evidence, state): the state Platform.parse builds from the outputs the gatherer read (outputs.json).
    An older capture (``_converted_from``: the lab's own evidence files, without the ip/route outputs) gives only
    the evidence; it is added to the state the gatherer returned then (state.json)."""
    d = FAULTS / fault
    row = json.loads((d / "row.json").read_text())
    outs = outputs(fault)
    parsed = st.parse(outs, HOST, PLAN)
    evidence = dict((k, parsed[k]) for k in EVIDENCE_KEYS if k in parsed)
    if st.LINKS in outs:
        state = parsed
    else:
        state = ev.add_evidence(json.loads((d / "state.json").read_text()), evidence)
    return row, evidence, state


def peers(key):
    t = TUNNELS[key]
    return {t["di"]["ipsec_ip"], t["di"]["gre_ip"], t["di"]["tunnel_ip"]}


def events(evidence, key, name=None, direction=None):
    return [e for e in evidence.get("log_events", []) if e.get("peer") in peers(key)
            and (name is None or e["event"] == name) and (direction is None or e.get("direction") == direction)]


def other(key):
    return [k for k in TUNNELS if k != key][0]


def probe(evidence, dest, size=None):
    return [p for p in evidence["probes"] if p["destination"] == dest and p.get("size") == size][0]


def counters(evidence, key):
    """The CHILD SA counter deltas of the tunnel, summed over its SAs (when both sides initiated, one SA may carry
    the outbound and the other the inbound packets: verify sums them the same way)."""
    t = TUNNELS[key]
    rows = [c for c in evidence["ipsec_counters"] if c["remote"] == t["di"]["ipsec_ip"]]
    if not rows:
        return None
    return {"pkts_out_delta": sum(c["pkts_out_delta"] for c in rows), "pkts_in_delta": sum(c["pkts_in_delta"] for c in rows)}


ALL = sorted(p.name for p in FAULTS.iterdir() if p.is_dir())


def test_every_fault_of_the_matrix_has_fixtures():
    assert {"ike_psk_mismatch", "ike_dh_mismatch", "ipsec_ts_mismatch", "bgp_local_as", "bgp_password",
            "routes_swapped", "mtu_blackhole"} <= set(ALL)


@pytest.mark.parametrize("fault", ALL)
def test_nothing_is_blamed_on_the_healthy_tunnel(fault):
    row, evidence, _state = load(fault)
    healthy = other(row["tunnel_key"])
    assert not [e for e in events(evidence, healthy) if e["event"] != "RETRANSMIT"], events(evidence, healthy)
    t = TUNNELS[healthy]
    assert probe(evidence, t["di"]["tunnel_ip"])["ok"] and probe(evidence, t["di"]["ipsec_ip"])["ok"]


# ---------------------------------------------------------------------------------------------- IKEv2
def test_psk_mismatch_both_directions():
    row, evidence, _state = load("ike_psk_mismatch")
    key = row["tunnel_key"]
    got = events(evidence, key, "AUTHENTICATION_FAILED")
    assert {e["direction"] for e in got} == {"received", "sent"}   # as initiator and as responder
    assert all(e["phase"] == "ike" for e in got)
    assert any("received AUTHENTICATION_FAILED notify error" in e["message"] for e in got)
    assert any("MAC mismatched" in e["message"] for e in got)


def test_proposal_mismatch_names_the_parts_that_differ():
    row, evidence, _state = load("ike_proposal_mismatch")
    got = events(evidence, row["tunnel_key"], "NO_PROPOSAL_CHOSEN")
    assert {e["direction"] for e in got} == {"received", "sent"} and all(e["phase"] == "ike" for e in got)
    answered = [e for e in got if e["direction"] == "sent"][0]
    assert answered["mismatch"] == ["encryption", "prf"]    # the headend offered AES-GCM-128 / PRF SHA-256
    assert "AES_GCM_16_128" in answered["received"] and "ECP_384" in answered["configured"]


def test_dh_mismatch_is_told_apart_from_other_proposal_mismatches():
    row, evidence, _state = load("ike_dh_mismatch")
    answered = events(evidence, row["tunnel_key"], "NO_PROPOSAL_CHOSEN", "sent")
    assert answered and answered[0]["mismatch"] == ["dh_group"]
    assert "ECP_521" in answered[0]["received"] and "ECP_384" in answered[0]["configured"]


def test_udp_blocked_retransmits_while_the_ipsec_ip_pings():
    row, evidence, _state = load("ike_udp_blocked")
    key = row["tunnel_key"]
    assert events(evidence, key, "RETRANSMIT")
    assert probe(evidence, TUNNELS[key]["di"]["ipsec_ip"])["ok"] is True


def test_headend_unreachable_fails_the_ipsec_ping():
    row, evidence, _state = load("ike_headend_unreachable")
    key = row["tunnel_key"]
    assert probe(evidence, TUNNELS[key]["di"]["ipsec_ip"])["ok"] is False
    assert events(evidence, key, "RETRANSMIT")


def test_headend_dead_retransmits_while_the_ipsec_ip_pings():
    row, evidence, _state = load("ike_headend_dead")
    key = row["tunnel_key"]
    assert events(evidence, key, "RETRANSMIT") and probe(evidence, TUNNELS[key]["di"]["ipsec_ip"])["ok"] is True


# ---------------------------------------------------------------------------------------------- IPsec
def test_ts_mismatch():
    row, evidence, _state = load("ipsec_ts_mismatch")
    got = events(evidence, row["tunnel_key"], "TS_UNACCEPTABLE", "received")
    assert got and all(e["phase"] == "ipsec" for e in got)
    assert not events(evidence, row["tunnel_key"], "AUTHENTICATION_FAILED")


@pytest.mark.parametrize("fault", ["ipsec_esp_blocked", "gre_wrong_endpoint", "gre_blocked"])
def test_encrypted_out_nothing_back(fault):
    # ESP dropped on the internet, or GRE lost behind the headend: the CPE encrypts its probe, nothing comes back
    if not (FAULTS / fault).is_dir():
        pytest.skip("no fixture for %s (not harvested yet)" % fault)
    row, evidence, _state = load(fault)
    key = row["tunnel_key"]
    c = counters(evidence, key)
    assert c["pkts_out_delta"] >= 3 and c["pkts_in_delta"] == 0
    assert probe(evidence, TUNNELS[key]["di"]["tunnel_ip"])["ok"] is False
    assert probe(evidence, TUNNELS[key]["di"]["ipsec_ip"])["ok"] is True
    healthy = counters(evidence, other(key))
    assert healthy["pkts_out_delta"] >= 3 and healthy["pkts_in_delta"] >= 3


# ---------------------------------------------------------------------------------------------- BGP
def test_bgp_local_as_notification_received():
    row, evidence, _state = load("bgp_local_as")
    got = events(evidence, row["tunnel_key"], "BGP_BAD_PEER_AS")
    assert got and got[0]["direction"] == "received" and (got[0]["code"], got[0]["subcode"]) == (2, 2)


def test_bgp_remote_as_notification_sent():
    row, evidence, _state = load("bgp_remote_as")
    got = events(evidence, row["tunnel_key"], "BGP_BAD_PEER_AS")
    assert got and got[0]["direction"] == "sent" and (got[0]["code"], got[0]["subcode"]) == (2, 2)


def test_bgp_password_mismatch():
    row, evidence, _state = load("bgp_password")
    got = [e for e in evidence["log_events"] if e["event"] == "BGP_AUTH_FAILED"]
    assert got
    assert {e["peer"] for e in got} <= peers(row["tunnel_key"]) | {None}


def test_bgp_tcp179_blocked_has_no_notification_and_the_tunnel_pings():
    row, evidence, _state = load("bgp_tcp179_blocked")
    key = row["tunnel_key"]
    assert not events(evidence, key, "BGP_BAD_PEER_AS") and not events(evidence, key, "BGP_AUTH_FAILED")
    assert probe(evidence, TUNNELS[key]["di"]["tunnel_ip"])["ok"] is True


# ---------------------------------------------------------------------------------------------- MTU
def test_mtu_blackhole_large_df_ping_fails_small_one_passes():
    row, evidence, _state = load("mtu_blackhole")
    dt = TUNNELS[row["tunnel_key"]]["di"]["tunnel_ip"]
    assert probe(evidence, dt)["ok"] is True and probe(evidence, dt, 1372)["ok"] is False
    healthy = TUNNELS[other(row["tunnel_key"])]["di"]["tunnel_ip"]
    assert probe(evidence, healthy, 1372)["ok"] is True


# ---------------------------------------------------------------------------------------------- diagnose
# fault -> the rule the current diagnose rules name once this evidence is in the state
NAMED_WITH_EVIDENCE = {
    "ike_psk_mismatch": "ike.auth",
    "ike_proposal_mismatch": "ike.proposal",
    "ike_dh_mismatch": "ike.dh_group",          # NO_PROPOSAL_CHOSEN whose proposals differ only in the DH group
    "ike_udp_blocked": "ike.firewall",
    "ike_headend_unreachable": "ike.no_reachability",
    "ike_headend_dead": "ike.peer_down",        # UDP 500 refused (ICMP port unreachable) while the IPsec IP pings
    "ipsec_ts_mismatch": "ipsec.ts_unacceptable",
    "ipsec_esp_blocked": "ipsec.no_inbound",    # the counter deltas of the probe: out > 0, in 0
    "gre_wrong_endpoint": "ipsec.no_inbound",   # the DI side does not return GRE: the CPE sees the same as above
    "gre_blocked": "ipsec.no_inbound",          # GRE dropped behind the DI headend: idem
    "bgp_local_as": "bgp.local_as",
    "bgp_remote_as": "bgp.remote_as",
    "bgp_password": "bgp.auth",
    "bgp_tcp179_blocked": "bgp.firewall",       # captured after the hold timer expired
    "bgp_neighbor_ip": "bgp.neighbor_ip",       # Cease / Peer De-configured (6/3) from the DI side
    "routes_missing_dc_prefix": "routes.missing_dc_prefix",
    "routes_missing_backup": "routes.missing_backup",
    "routes_extra": "routes.extra",
    "routes_other_dc": "routes.other_dc_prefix",
    "routes_swapped": "routes.swapped",
    "routes_more_specific": "routes.more_specific",
    "mtu_blackhole": "gre.path_mtu",            # the DF ping of the tunnel MTU fails, the small one passes
}
# the evidence is there (tested above); the capture or the rule is not (none left: the rules name every fault)
RULE_GAPS = {}  # type: dict


@pytest.mark.parametrize("fault", sorted(set(NAMED_WITH_EVIDENCE) | set(RULE_GAPS)))
def test_diagnose_with_linux_evidence(fault, request):
    if not (FAULTS / fault).is_dir():
        pytest.skip("no fixture for %s" % fault)
    row, evidence, state = load(fault)
    if fault in RULE_GAPS:
        request.node.add_marker(pytest.mark.xfail(strict=True, reason=RULE_GAPS[fault][1]))
        want = RULE_GAPS[fault][0]
    else:
        want = NAMED_WITH_EVIDENCE[fault]
    diag = diagnose_host(PLAN, state, HOST)
    by = dict((t["key"], t) for t in diag["tunnels"])
    assert by[row["tunnel_key"]]["cause_id"] == want
    assert by[other(row["tunnel_key"])]["ok"] is True


def test_a_young_ike_sa_whose_child_sa_the_peer_refused_is_named_by_the_refusal():
    # ipsec_ts_mismatch of the families run (make test's subset, load 1-2): the first diagnose ran while the new IKE
    # SA was 5 s old (below vc_verify_min_ike_uptime_s) and the headend had refused its CHILD SA 12 s before
    # (TS_UNACCEPTABLE); the runner then named ike.young (row.json: what it named then)
    row, evidence, state = load("ipsec_ts_mismatch_young_ike_sa")
    key = row["tunnel_key"]
    assert row["named"] == "ike.young"
    assert [sa["uptime_s"] for sa in state["ike_sas"] if sa["remote"] == TUNNELS[key]["di"]["ipsec_ip"]] == [5]
    assert events(evidence, key, "TS_UNACCEPTABLE", "received")
    diag = dict((t["key"], t) for t in diagnose_host(PLAN, state, HOST)["tunnels"])
    assert diag[key]["cause_id"] == "ipsec.ts_unacceptable" and diag[key]["check"] == "ipsec_sa"
    assert [c["cause_id"] for c in diag[key]["other_causes"]] == ["ike.young"]
    assert diag[other(key)]["ok"] is True
    # without the refusal in the log, a young IKE SA is only young
    quiet = dict(state, log_events=[e for e in state["log_events"] if e["event"] != "TS_UNACCEPTABLE"])
    assert dict((t["key"], t) for t in diagnose_host(PLAN, quiet, HOST)["tunnels"])[key]["cause_id"] == "ike.young"


def test_no_ike_sa_after_the_peer_refused_the_child_sa_is_named_by_the_refusal():
    # ipsec_ts_mismatch of make test's families run: charon deleted the IKE SA whose CHILD SA the headend refused
    # (TS_UNACCEPTABLE 9 s before the diagnose), so the IKE check failed with no IKE SA; the runner named ike.down
    row, evidence, state = load("ipsec_ts_mismatch_ike_down")
    key = row["tunnel_key"]
    assert row["named"] == "ike.down"
    assert not [sa for sa in state["ike_sas"] if sa["remote"] == TUNNELS[key]["di"]["ipsec_ip"]]
    assert events(evidence, key, "TS_UNACCEPTABLE", "received")
    diag = dict((t["key"], t) for t in diagnose_host(PLAN, state, HOST)["tunnels"])
    assert diag[key]["cause_id"] == "ipsec.ts_unacceptable"
    assert "ike.down" in [c["cause_id"] for c in diag[key]["other_causes"]]
    assert diag[other(key)]["ok"] is True
    # without the refusal in the log, no IKE SA stays an IKE-layer cause (no log message at all: ike.no_trigger)
    quiet = dict(state, log_events=[e for e in state["log_events"] if e["event"] != "TS_UNACCEPTABLE"])
    assert dict((t["key"], t) for t in diagnose_host(PLAN, quiet, HOST)["tunnels"])[key]["cause_id"] == "ike.no_trigger"


# ---------------------------------------------------------------------------------------------- parser details
def _lines(fault):
    return (FAULTS / fault / "charon.log").read_text().splitlines()


IKE_FAULTS = ["ike_psk_mismatch", "ike_proposal_mismatch", "ike_dh_mismatch", "ike_udp_blocked", "ipsec_ts_mismatch"]


@pytest.mark.parametrize("fault", IKE_FAULTS)
def test_a_later_success_with_the_same_peer_resolves_older_events(fault):
    # charon.recovered.log: the same log, from the injection until the tunnel was up again after the removal
    d = FAULTS / fault
    if not (d / "charon.recovered.log").exists():
        pytest.skip("no recovery log captured for %s" % fault)
    row = json.loads((d / "row.json").read_text())
    own = ["192.0.2.2", "100.64.0.1", "100.64.0.5"]
    during = [e for e in ev.charon_log_events(_lines(fault), own) if e["peer"] in peers(row["tunnel_key"])]
    after = ev.charon_log_events((d / "charon.recovered.log").read_text().splitlines(), own)
    if fault == "ike_udp_blocked":      # nothing answers: only charon's retransmits (its give-up may come later)
        assert [e for e in during if e["event"] == "RETRANSMIT"]
    else:
        assert [e for e in during if e["event"] != "RETRANSMIT"]
    assert not [e for e in after if e["peer"] in peers(row["tunnel_key"]) and e["event"] != "RETRANSMIT"]


def test_syslog_and_journal_forms_read_like_the_filelog():
    # the same real lines behind a syslog prefix, and as journal records (charon-systemd moves the IKE SA into
    # the IKE_SA_NAME / IKE_SA_UNIQUE_ID fields; records built here from the captured lines, not captured)
    import re
    lines = _lines("ike_psk_mismatch")
    own = ["192.0.2.2"]
    want = [(e["event"], e.get("direction"), e["peer"]) for e in ev.charon_log_events(lines, own)]
    syslog = [re.sub(r"^(\w{3}\s+\d+ [\d:]+) ", r"\1 cpe1 charon-systemd[812]: ", x) for x in lines]
    assert [(e["event"], e.get("direction"), e["peer"]) for e in ev.charon_log_events(syslog, own)] == want
    records = []
    for x in lines:
        m = re.match(r"^\w{3}\s+\d+ [\d:]+ \d+\[(\w+)\] (?:<(?:([^|>]*)\|)?(\d+)> )?(.*)$", x)
        if m:
            rec = {"MESSAGE": m.group(4), "GROUP": m.group(1)}
            if m.group(3):
                rec.update(IKE_SA_UNIQUE_ID=m.group(3), **({"IKE_SA_NAME": m.group(2)} if m.group(2) else {}))
            records.append(json.dumps(rec))
    got = ev.charon_log_events(ev.charon_lines_from_journal("\n".join(records)), own)
    assert [(e["event"], e.get("direction"), e["peer"]) for e in got] == want


def test_proposal_mismatch_on_one_line_and_on_two():
    rec = "IKE:AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_521"
    conf = "IKE:AES_GCM_16_256/PRF_HMAC_SHA2_384/ECP_384, IKE:AES_CBC_256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048"
    assert ev.proposal_mismatch(rec, conf) == ["dh_group"]
    one = ["Dec  1 22:19:49 16[CFG] <18> received proposals: %s, configured proposals: %s" % (rec, conf),
           "Dec  1 22:19:49 16[IKE] <18> received proposals unacceptable"]
    e = ev.charon_log_events(one)[0]
    assert e["event"] == "NO_PROPOSAL_CHOSEN" and e["mismatch"] == ["dh_group"] and e["phase"] == "ike"


def test_charon_that_cannot_do_the_dh_group_says_so_locally():
    # a charon without libstrongswan-standard-plugins initiating the collection's suite (tests/fixtures/linux/preflight)
    text = (REPO / "tests" / "fixtures" / "linux" / "preflight" / "charon_no_standard_plugins.log").read_text()
    got = [e for e in ev.charon_log_events(text.splitlines(), ["192.0.2.50"]) if e["event"] == "DH_GROUP_UNSUPPORTED"]
    assert got and got[0]["group"] == "ECP_384" and got[0]["peer"] == "192.0.2.51" and got[0]["direction"] == "local"
    assert got[0]["connection"] == "vc-probe"


def test_an_md5_failure_older_than_the_session_with_that_peer_is_resolved():
    # bgp_tcp179_blocked (tunnel 2) ran 4 minutes after bgp_password (tunnel 1): the VM's kernel log still held the
    # MD5 failures from DC-A's router (100.64.0.2, age ~256 s, inside the 300 s window), but that session had been
    # Established for 190 s: the password worked since, nothing to blame on the healthy tunnel
    outs = outputs("bgp_tcp179_blocked")
    assert "MD5 Hash failed for (100.64.0.2, " in outs[st.DMESG_MD5]
    parsed = st.parse(outs, HOST, PLAN)
    assert not [e for e in parsed["log_events"] if e["event"] == "BGP_AUTH_FAILED"]
    # the same outputs with that session down: the kernel lines are evidence again
    doc = st.json_docs(outs[st.NEIGHBORS])[0]
    doc["100.64.0.2"] = dict(doc["100.64.0.2"], bgpState="Connect")
    doc["100.64.0.2"].pop("bgpTimerUpMsec", None)
    down = st.parse(dict(outs, **{st.NEIGHBORS: json.dumps(doc)}), HOST, PLAN)
    got = [e for e in down["log_events"] if e["event"] == "BGP_AUTH_FAILED"]
    assert got and {e["peer"] for e in got} == {"100.64.0.2"} and all(200 < e["age_s"] <= 300 for e in got)
    # and a failure younger than an Established session is kept (someone signs with another key right now)
    assert ev.tcp_md5_events("[  100.0] TCP: MD5 Hash failed for (100.64.0.2, 4242)->(100.64.0.1, 179) L3 index 0",
                             own=["100.64.0.1"], uptime_s=130.0, up_s={"100.64.0.2": 190.0})[0]["age_s"] == 30


@pytest.mark.parametrize("fault", ["bgp_local_as", "bgp_remote_as", "bgp_tcp179_blocked", "bgp_neighbor_ip"])
def test_md5_counter_noise_is_not_a_password_failure(fault):
    # sessions the DI side reset made TcpExt TCPMD5Unexpected/NotFound grow by one in the lab: not an auth failure
    _row, evidence, _state = load(fault)
    assert not [e for e in evidence["log_events"] if e["event"] == "BGP_AUTH_FAILED"]


def _replay(outs):
    """A runner answering each command with the output the gatherer recorded for it (outputs.json), by the same
    key the gatherer stores it under; unknown commands fail the test. Returns (run, udp, seen)."""
    seen = []
    sas = [outs.get(st.SAS), outs.get(st.SAS + st.AFTER)]
    kernel = [outs.get(st.KERNEL), outs.get(st.KERNEL + st.AFTER)]

    def answer(text):
        return (0, text, "") if text is not None else (1, "", "not captured")

    def run(argv):
        seen.append(list(argv))
        cmd = " ".join(argv)
        if argv[:2] == ["swanctl", "--list-sas"]:
            return answer(sas.pop(0) if len(sas) > 1 else sas[0])
        if argv[0] == "cat" and argv[1] == "/proc/uptime":
            return answer(kernel.pop(0) if len(kernel) > 1 else kernel[0])
        if argv[0] == "tail":
            return answer(outs.get(st.CHARON_LOG))
        if argv[0] == "journalctl":
            return answer(outs.get(st.CHARON_JOURNAL))
        if argv[0] == "dmesg":
            return answer(outs.get(st.DMESG_MD5))
        if argv[0] == "vtysh":
            return answer(outs.get(argv[2]))
        if argv[0] == "ip":
            return answer(outs.get(" ".join(argv)))
        if argv[0] == "ping":
            if "-M" not in argv and "-I" in argv and argv[argv.index("-I") + 1] not in [t["cpe"]["ipsec_ip"] for t in TUNNELS.values()]:
                key = st.ping_key(argv[-1], argv[argv.index("-I") + 1])
                text = outs.get(key)
                return (0, text, "") if text else (1, "", "")
            text = outs.get(cmd) or ""
            return (0, text.rsplit("rc=", 1)[0], "") if "rc=0" in text else (1, text.rsplit("rc=", 1)[0], "")
        raise AssertionError("unexpected command %s" % cmd)

    def udp(local, peer, port):
        seen.append(["udp", local, peer, str(port)])
        return outs.get(st.udp_probe_key(peer, local, port)) or "no answer"

    return run, udp, seen


@pytest.mark.parametrize("fault", ["ike_psk_mismatch", "ipsec_esp_blocked", "mtu_blackhole", "bgp_password"])
def test_the_gatherer_runs_read_only_commands_and_reads_them_like_the_fixtures(fault):
    # a CPE answering as it did during the fault: the gather with evidence builds the same evidence as the fixture
    outs = outputs(fault)
    run, udp, seen = _replay(outs)
    targets = st.targets_from_plan(list(TUNNELS.values()), lambda t: "vcgre%s" % t["tunnel_number"],
                                   lambda t: "vc-%s" % t["key"])
    recorded = {}
    got = st.gather(run, HOST, targets, evidence="all", udp=udp, clock=lambda: float(outs.get(st.NOW) or 0), outputs=recorded)
    assert all(a[0] in ("cat", "tail", "vtysh", "swanctl", "ping", "dmesg", "journalctl", "ip", "udp") for a in seen)
    assert not [a for a in seen if a[0] == "swanctl" and a[1] != "--list-sas"]
    assert not [a for a in seen if a[0] == "vtysh" and not a[2].startswith("show ")]
    assert not [a for a in seen if a[0] == "ip" and a[1] != "-j"]
    _row, want, _state = load(fault)
    for key in ("ipsec_counters", "xfrm_stat_delta"):
        assert got.get(key) == want.get(key)
    assert _no_age(got.get("log_events", [])) == _no_age(want.get("log_events", []))
    if "_converted_from" in outs:
        # an older capture has no ip outputs: the replayed gather finds no GRE link, so no tunnel ping runs
        ipsec = set(t["di"]["ipsec_ip"] for t in TUNNELS.values())
        assert pings(got) == [p for p in pings(want) if p[0] in ipsec]
        return
    assert pings(got) == pings(want)
    sizes = [p.get("size") for p in got["probes"]]
    assert sizes.count(1372) == sum(1 for t in TUNNELS.values() if got_ping_ok(got, t))   # tunnel_ip_mtu 1400 - 28
    assert st.parse(recorded, HOST, PLAN) == st.parse(outs, HOST, PLAN)


def _no_age(evs):
    return [dict((k, v) for k, v in e.items() if k != "age_s") for e in evs]


def pings(state):
    return [(p["destination"], p.get("size"), p["ok"]) for p in state["probes"] if p["type"] == "ping"]


def got_ping_ok(state, t):
    return [p for p in state["probes"] if p["destination"] == t["di"]["tunnel_ip"] and not p.get("size")][0]["ok"]


def test_the_gatherer_gathers_no_evidence_unless_asked_and_no_probes_for_logs():
    outs = outputs("ike_psk_mismatch")
    targets = st.targets_from_plan(list(TUNNELS.values()), lambda t: "vcgre%s" % t["tunnel_number"], lambda t: "vc-%s" % t["key"])
    for level, commands in (("none", {"swanctl", "ip", "ping", "vtysh"}), ("logs", {"swanctl", "ip", "ping", "vtysh", "tail", "dmesg", "cat"})):
        run, udp, seen = _replay(outs)
        state = st.gather(run, HOST, targets, evidence=level, udp=udp, clock=lambda: 0)
        assert {a[0] for a in seen} <= commands, (level, {a[0] for a in seen})
        assert not [a for a in seen if a[0] == "ping" and ("-M" in a or a[a.index("-I") + 1] == "192.0.2.2")]
        assert ("log_events" in state) == (level == "logs")
        assert "ipsec_counters" not in state and "probes" not in state


def test_two_child_sas_after_both_sides_initiated_are_one_healthy_tunnel():
    # the lab after ike_udp_blocked was removed: both sides initiated at once, charon kept two IKE SAs and two
    # CHILD SAs with DC-B, one carrying the outbound packets and the other the inbound ones (the gatherer's state)
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.verify.checks import verify_host

    state = json.loads((FAULTS.parent / "state_duplicate_child_sas.json").read_text())
    b = [sa for sa in state["ipsec_sas"] if sa["remote"] == TUNNELS["lab-B"]["di"]["ipsec_ip"]]
    assert len(b) == 2 and sorted((sa["pkts_in"] > 0, sa["pkts_out"] > 0) for sa in b) == [(False, True), (True, False)]
    result = verify_host(PLAN, state, HOST)
    assert result["ok"], [c for t in result["tunnels"] for c in t["checks"] if c["status"] == "fail"]
