"""Linux file writes: atomic (no temporary file left, the old content until the rename), mode as asked, and a
file that exists keeps its owner and group (the FRR daemons file belongs to frr:frr)."""
from __future__ import annotations

import os
import stat

import pytest

from ansible_collections.webex_di.virtual_connect.plugins.module_utils.platforms.linux import runner as RUN


def test_replaces_atomically_with_the_mode(tmp_path):
    path = tmp_path / "etc" / "vc.conf"
    RUN._atomic_write(str(path), "one\n", 0o600)
    assert path.read_text() == "one\n" and stat.S_IMODE(path.stat().st_mode) == 0o600
    RUN._atomic_write(str(path), "two\n", 0o644)
    assert path.read_text() == "two\n" and stat.S_IMODE(path.stat().st_mode) == 0o644
    assert sorted(os.listdir(str(path.parent))) == ["vc.conf"]


@pytest.mark.skipif(os.geteuid() != 0, reason="changing a file's owner needs root")
def test_keeps_the_owner_and_group_of_the_file_it_replaces(tmp_path):
    path = tmp_path / "daemons"
    path.write_text("bgpd=no\n")
    os.chown(str(path), 4242, 4343)
    RUN._atomic_write(str(path), "bgpd=yes\n", stat.S_IMODE(path.stat().st_mode))
    st = path.stat()
    assert (st.st_uid, st.st_gid) == (4242, 4343) and path.read_text() == "bgpd=yes\n"
