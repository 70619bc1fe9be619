"""pytest bootstrap: make this checkout importable as ansible_collections.webex_di.virtual_connect.

The repository root is the collection root. We expose it through a symlink farm in .build/collections
(created here if missing, also by `make setup`) so that plugins import each other by their FQCN, exactly
as Ansible loads them. `ansible_collections` is a namespace package, so the collections bundled with the
`ansible` PyPI package (cisco.ios, ansible.netcommon, ansible.utils) stay importable beside it.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COLLECTIONS = REPO / ".build" / "collections"
LINK = COLLECTIONS / "ansible_collections" / "webex_di" / "virtual_connect"


def _ensure_link() -> None:
    if LINK.is_symlink() or LINK.exists():
        return
    LINK.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.symlink(REPO, LINK)
    except FileExistsError:  # a parallel worker made it first
        pass


_ensure_link()
if str(COLLECTIONS) not in sys.path:
    sys.path.insert(0, str(COLLECTIONS))
os.environ.setdefault("ANSIBLE_COLLECTIONS_PATH", f"{COLLECTIONS}:{os.pathsep.join(p for p in sys.path if p.endswith('site-packages'))}")

try:  # property tests assert behaviour, never speed: no per-example deadline on a shared, loaded machine
    from hypothesis import settings as _hypothesis_settings

    _hypothesis_settings.register_profile("vc", deadline=None)
    _hypothesis_settings.load_profile("vc")
except ImportError:  # pragma: no cover - hypothesis is in requirements-test.txt
    pass
