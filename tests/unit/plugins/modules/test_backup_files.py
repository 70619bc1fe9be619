"""Backups of vc_ios_config (action plugin): where the user runs, never inside the collection, directory 0700,
file 0600, written atomically, and no secret in any form (clear, type 6/7) in the file."""
from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.action import vc_ios_config as A

RUNNING = """hostname cpe1
username admin privilege 15 secret 9 $9$fVEnZeAnNAyKv.$4yvQaK6x9x7yYv3PqXr1BvTn0ZsQ7GHxHnR8vW6o8zE
crypto ikev2 keyring VC-KEYRING
 peer VC-LAB-A
  description webex_di.virtual_connect:lab-A
  address 198.51.100.2
  pre-shared-key 6 ZZRIVgQgHKSCCdR[MMTaMGcCOfJTOAAB
 peer CUST
  pre-shared-key 0 customer-clear-psk-1
router bgp 64551
 neighbor 100.64.0.2 password 7 08F815403B2FF0381028CFF921
 neighbor 100.64.0.2 description webex_di.virtual_connect:lab-A
snmp-server community Pr1vate-Comm RO
"""


def test_default_directory_is_where_the_user_runs(tmp_path, monkeypatch):
    monkeypatch.delenv("VC_BACKUP_DIR", raising=False)
    assert A.backup_directory(None, cwd=str(tmp_path), root=str(tmp_path / "collection")) == str(tmp_path / "vc_backups")
    monkeypatch.setenv("VC_BACKUP_DIR", str(tmp_path / "env"))
    assert A.backup_directory(None, cwd=str(tmp_path), root=str(tmp_path / "collection")) == str(tmp_path / "env")
    assert A.backup_directory(str(tmp_path / "explicit"), root=str(tmp_path / "collection")) == str(tmp_path / "explicit")


def test_never_inside_the_collection(tmp_path, monkeypatch):
    monkeypatch.delenv("VC_BACKUP_DIR", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    root = tmp_path / "collection"
    (root / "playbooks").mkdir(parents=True)
    for where in (str(root / "playbooks" / "backup"), str(root)):
        got = A.backup_directory(where, root=str(root))
        assert not got.startswith(str(root)), got
        assert got == str(tmp_path / "home" / ".ansible" / "vc_backups")
    # running ansible-playbook from inside the collection checkout: the default is moved out too
    assert not A.backup_directory(None, cwd=str(root / "playbooks"), root=str(root)).startswith(str(root))
    # the real default of the installed plugin is outside the collection tree
    assert not A.backup_directory(None, cwd=A.COLLECTION_ROOT).startswith(A.COLLECTION_ROOT + os.sep)


def test_written_private_and_atomically(tmp_path):
    directory = tmp_path / "b" / "c"
    path = A.write_private(str(directory), "cpe1.cfg", "one\n")
    assert stat.S_IMODE(os.stat(str(directory)).st_mode) == 0o700
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    os.chmod(path, 0o644)
    path = A.write_private(str(directory), "cpe1.cfg", "two\n")      # replaced, private again
    assert open(path).read() == "two\n" and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert sorted(os.listdir(str(directory))) == ["cpe1.cfg"]         # no temporary file left
    with pytest.raises(ValueError):
        A.write_private(str(directory), "../escape.cfg", "x")


def test_backup_text_masks_every_secret_field_and_keeps_the_rest():
    text = A.mask_secret_lines(RUNNING)
    for secret in ("ZZRIVgQgHKSCCdR", "customer-clear-psk-1", "08F815403B2FF0381028CFF921", "$9$fVEnZeAnNAyKv",
                   "Pr1vate-Comm"):
        assert secret not in text
    assert "  pre-shared-key 6 ********\n" in text and " neighbor 100.64.0.2 password 7 ********\n" in text
    assert " address 198.51.100.2\n" in text and "webex_di.virtual_connect:lab-A" in text


def test_a_restore_from_a_masked_backup_types_no_placeholder():
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import diff as D
    from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.ios import render as R
    from ..module_utils.platforms.ios import config_helpers as H
    from ..module_utils.platforms.ios.applier import apply_commands

    plan, secrets = H.lab_plan()
    intent = R.render(plan, "cpe1", secrets, wan_next_hop="192.0.2.1", require_secrets=True)
    deployed = apply_commands(H.BASE, D.compute(intent, H.BASE).commands)
    drifted = deployed.replace(" ip mtu 1400\n", " ip mtu 1300\n")
    backup = A.mask_secret_lines(deployed)
    restore = D.restore_commands(intent, backup, drifted)
    assert restore and "ip mtu 1400" in restore
    assert not any("********" in c for c in restore)
