"""IOS-XE TEST DOUBLE: an SSH server that answers like an IOS-XE 17 router for what the collection uses.

This is a test double for the webex_di.virtual_connect tests, NOT a simulator of a Cisco product. It
keeps a running configuration that configuration commands edit and prints it back in IOS-XE's
normalised forms, and derives `show` outputs (IKEv2/IPsec SAs, GRE tunnels, BGP) from that
configuration and a model of the Cisco DC side built from the inventory's `vc_regions`.
See README.md for what it models and, above all, what it does not.
"""
from __future__ import annotations

from .cli import COUNTERS, Router, Session
from .server import DoubleServer, control_request

__all__ = ["COUNTERS", "DoubleServer", "Router", "Session", "control_request", "load_router"]


def load_router(spec: dict) -> Router:
    """Router from a spec dict: hostname, base_config (text or path), truth (vc_regions list or vc.yml
    path), users, enable_secret, foreign, state_dir, inventory_name."""
    import pathlib

    import yaml

    base = spec.get("base_config", "")
    if base and "\n" not in base and pathlib.Path(base).exists():
        base = pathlib.Path(base).read_text()
    truth = spec.get("truth") or []
    if isinstance(truth, str):
        data = yaml.safe_load(pathlib.Path(truth).read_text()) or {}
        truth = data.get("vc_regions", data) if isinstance(data, dict) else data
    return Router(spec["hostname"], base, users=spec.get("users"), enable_secret=spec.get("enable_secret"),
                  truth=truth, foreign=spec.get("foreign"), state_dir=spec.get("state_dir"),
                  inventory_name=spec.get("inventory_name"))
