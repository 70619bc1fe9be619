"""The opt-in IKE retransmission schedule of a Linux CPE (vc_linux_ike_retransmit, docs/ha.md section 3).

charon has no per-connection DPD retry: an unanswered DPD is retransmitted on charon's global schedule (strongswan.conf
charon.retransmit_*), 165 s with its defaults. The setting is validated in the plan phase (linux.ike_retransmit),
rendered as a strongswan.d file of ours, written by the ipsec feature before the connections and read with
``swanctl --reload-settings``; removed (ours only) when unset; restored with the rest by a rollback.
"""
from __future__ import annotations

import copy

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.plan import build_plan
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import render as L
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import snapshot as S
from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux.runner import ApplyError, LinuxConfig

from .test_runner import Host, params

FAST = {"timeout_s": 2, "base": 1.5, "tries": 3}


def _regions():
    from ...verify.helpers import lab_regions

    return copy.deepcopy(lab_regions())


def _build(setting, platform="linux"):
    cpe = {"platform": platform, "wan_interface": "wan0"}
    if setting is not None:
        cpe["ike_retransmit"] = setting
    return build_plan(_regions(), cpes={"cpe1": cpe})


def _errors(result):
    return [(f["code"], f["path"], f["message"]) for f in result.findings if f["severity"] == "error"]


class ReloadHost(Host):
    """The test CPE, answering ``swanctl --reload-settings`` too (counted)."""

    def __init__(self):
        super().__init__()
        self.reloads = 0

    def __call__(self, argv, data=None):
        if "--reload-settings" in argv:
            self.calls.append(list(argv))
            self.reloads += 1
            return 0, "reload strongswan.conf completed successfully", ""
        return super().__call__(argv, data)


# ------------------------------------------------------------------ schedule and render
def test_charons_defaults_give_the_documented_165_s_and_the_fast_example_16_s():
    assert L.ike_retransmit_schedule({}) is None
    assert L.ike_retransmit_schedule({"tries": 5})["dead_after_s"] == 165.1          # 4 x (1 + 1.8 + ... + 1.8^5)
    assert L.ike_retransmit_schedule(FAST) == {"timeout_s": 2.0, "base": 1.5, "tries": 3, "dead_after_s": 16.2}
    assert L.ike_retransmit_schedule({"timeout_s": "3", "base": "1", "tries": 5})["dead_after_s"] == 18.0


def test_the_file_carries_our_header_and_exactly_the_three_settings():
    text = L.render_ike_retransmit(FAST)
    lines = text.splitlines()
    assert lines[0] == "# " + L.HEADER
    assert [ln for ln in lines if not ln.startswith("#")] == [
        "charon {", "  retransmit_timeout = 2", "  retransmit_base = 1.5", "  retransmit_tries = 3", "}"]
    assert "gives up after 16.2 s" in text
    assert L.render_ike_retransmit(None) is None and L.render_ike_retransmit({}) is None


# ------------------------------------------------------------------ plan phase
def test_a_valid_schedule_plans_and_renders_offline_for_a_cpe_with_connections():
    result = _build(FAST)
    assert result.ok, _errors(result)
    files = L.render_files(result.plan, "cpe1", {"ike_retransmit": FAST})["files"]
    assert files["strongswan.d/" + L.IKE_RETRANSMIT_FILE] == L.render_ike_retransmit(FAST)
    assert "strongswan.d/" + L.IKE_RETRANSMIT_FILE not in L.render_files(result.plan, "cpe1", {})["files"]


@pytest.mark.parametrize("setting, words", [
    ({"timeout_s": 0.1}, "timeout_s must be a number 0.5-30, got 0.1"),
    ({"timeout_s": True}, "timeout_s must be a number"),
    ({"base": 5}, "base must be a number 1-4, got 5"),
    ({"tries": 2.5}, "tries must be an integer 1-10, got 2.5"),
    ({"tries": 0}, "tries must be an integer 1-10"),
    ({"tries": "3; reboot"}, "tries must be an integer 1-10"),
    ({"timeout_s": "nan"}, "timeout_s must be a number"),
    ({"timeout": 2}, "unknown field(s) timeout; known: timeout_s, base, tries"),
    ("fast", "must be a mapping of timeout_s, base, tries, got str"),
    ({"timeout_s": 30, "base": 4, "tries": 10}, "gives up only after"),
])
def test_a_bad_schedule_is_refused_in_the_plan_phase_naming_the_field_and_the_rule(setting, words):
    result = _build(setting)
    found = [e for e in _errors(result) if e[0] == "linux.ike_retransmit"]
    assert len(found) == 1 and found[0][1] == "cpes.cpe1.ike_retransmit" and words in found[0][2], _errors(result)


def test_the_module_checks_the_setting_again_before_anything_is_written(tmp_path):
    plan = _build(None).plan
    host = ReloadHost()
    with pytest.raises(ApplyError) as exc:
        LinuxConfig(params(plan, tmp_path, ike_retransmit={"tries": 99}, strongswan_d_dir=str(tmp_path / "sd")), host)
    assert "nothing was changed" in str(exc.value) and "tries must be an integer 1-10" in str(exc.value)
    assert host.calls == [] and not (tmp_path / "sd").exists() and not (tmp_path / "swanctl").exists()


# ------------------------------------------------------------------ apply
def test_the_ipsec_feature_writes_the_file_reloads_the_settings_before_loading_and_is_idempotent(tmp_path):
    plan = _build(FAST).plan
    sd = tmp_path / "sd"
    sd.mkdir()
    host = ReloadHost()
    p = params(plan, tmp_path, ike_retransmit=FAST, strongswan_d_dir=str(sd))
    check = LinuxConfig(p, host, check_mode=True).apply()
    assert check["changed"] and "swanctl --reload-settings" in check["commands"]
    assert not (sd / L.IKE_RETRANSMIT_FILE).exists() and host.reloads == 0
    result = LinuxConfig(p, host).apply()
    assert (sd / L.IKE_RETRANSMIT_FILE).read_text() == L.render_ike_retransmit(FAST)
    assert ((sd / L.IKE_RETRANSMIT_FILE).stat().st_mode & 0o777) == 0o644
    order = [" ".join(c) for c in host.calls if "--reload-settings" in c or "--load-all" in c]
    assert order[0].startswith("swanctl --reload-settings") and "--load-all" in order[1]
    assert result["changed_files"][0] == str(sd / L.IKE_RETRANSMIT_FILE)
    again = LinuxConfig(p, host).apply()
    assert again["changed"] is False and again["commands"] == []
    # a changed schedule: rewritten and reloaded, the connections left as they are (no --load-all, no re-establish)
    host2 = ReloadHost()
    host2.loaded = True
    slower = dict(FAST, tries=4)
    changed = LinuxConfig(params(plan, tmp_path, ike_retransmit=slower, strongswan_d_dir=str(sd)), host2).apply()
    assert host2.reloads == 1 and "retransmit_tries = 4" in (sd / L.IKE_RETRANSMIT_FILE).read_text()
    assert changed["changed_files"] == [str(sd / L.IKE_RETRANSMIT_FILE)]
    # unset: our file goes, charon reads its defaults again
    host3 = ReloadHost()
    host3.loaded = True
    gone = LinuxConfig(params(plan, tmp_path, strongswan_d_dir=str(sd)), host3).apply()
    assert not (sd / L.IKE_RETRANSMIT_FILE).exists() and host3.reloads == 1 and gone["changed"]


def test_a_same_named_file_without_our_header_is_refused_and_never_removed(tmp_path):
    plan = _build(FAST).plan
    sd = tmp_path / "sd"
    sd.mkdir()
    theirs = sd / L.IKE_RETRANSMIT_FILE
    theirs.write_text("charon {\n  retransmit_tries = 7\n}\n")
    host = ReloadHost()
    with pytest.raises(ApplyError) as exc:
        LinuxConfig(params(plan, tmp_path, ike_retransmit=FAST, strongswan_d_dir=str(sd)), host).apply()
    assert str(theirs) in str(exc.value) and "without the Virtual Connect header" in str(exc.value)
    assert theirs.read_text() == "charon {\n  retransmit_tries = 7\n}\n" and host.reloads == 0
    assert not (tmp_path / "swanctl").exists()
    # unset: it is not ours, so it stays
    LinuxConfig(params(plan, tmp_path, strongswan_d_dir=str(sd)), ReloadHost()).apply()
    assert theirs.read_text() == "charon {\n  retransmit_tries = 7\n}\n"


def test_a_rollback_restores_the_previous_schedule_and_makes_charon_read_it(tmp_path):
    plan = _build(FAST).plan
    sd = tmp_path / "sd"
    sd.mkdir()
    before = L.render_ike_retransmit({"tries": 4})
    (sd / L.IKE_RETRANSMIT_FILE).write_text(before)
    (sd / L.IKE_RETRANSMIT_FILE).chmod(0o644)
    host = ReloadHost()
    p = params(plan, tmp_path, ike_retransmit=FAST, strongswan_d_dir=str(sd), snapshot_key=None)
    engine = LinuxConfig(p, host)
    engine.apply()
    assert "retransmit_tries = 3" in (sd / L.IKE_RETRANSMIT_FILE).read_text()
    snap = S.loads(engine.snapshot.dumps(), "cpe1")
    assert snap["files"][str(sd / L.IKE_RETRANSMIT_FILE)]["content"] == before
    restorer = ReloadHost()
    restorer.loaded = True
    restored = S.Restore(snap, p, restorer, warn=lambda _t: None).restore()
    assert (sd / L.IKE_RETRANSMIT_FILE).read_text() == before
    assert restored["commands"][0] == "swanctl --reload-settings" and restorer.reloads == 1
