# -*- coding: utf-8 -*-
# Copyright: webex_di.virtual_connect contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""What a platform package provides (the contract of docs/platforms.md).

A platform package ``platforms/<name>/`` describes itself in its ``__init__.py`` with one
:class:`Platform` (``PLATFORM = Platform(...)``). The descriptor names the modules of the package that
implement each part; they are imported on first use only, so that reading the descriptor (the
registry, the plan phase) never loads a platform's renderer, parsers or apply logic.

Pure Python, no Ansible import.
"""
from __future__ import annotations

import importlib
from typing import Any, Callable, Dict, List, Mapping, Optional, Sequence, Tuple

# (severity, code, path, message) of a platform rule found in the plan phase
PlatformFinding = Tuple[str, str, str, str]


class Platform(object):
    """One platform: its names, its plan-phase rules, and where its parts live.

    ``parts`` maps a part to ``"module:function"`` inside the package:

    * ``validate(host, cpe, tunnels, settings, secrets, paths) -> [(severity, code, path, message)]``:
      the platform's own rules, run by the plan core before any device is touched;
    * ``render(plan, host, settings) -> {"files": {relative path: text}, "warnings": [...]}``: the full
      intended configuration for review (``render_vc.yml``), secrets masked or left out;
    * ``gather_commands(plan, host) -> [{command, kind, tunnel, optional, file}]``: what verify runs or
      reads (empty when the platform gathers with a module of its own);
    * ``settle_commands(plan, host) -> [command]``: the few reads that tell whether the tunnels settled;
    * ``parse(outputs, host, plan, errors) -> state``: command outputs -> the common state of
      docs/contract.md section 3 (with the optional diagnose evidence).

    ``vocabulary`` names the module holding ``ALGORITHMS`` / ``DH_GROUPS`` (platform spellings -> the
    plan's vocabulary) and ``WORDING`` (how diagnose says a fix on this platform).
    ``settings`` maps a host variable to a per-CPE setting the platform reads (validated in the plan
    phase, never copied into the plan); ``findings`` maps each code ``validate`` may return to
    ``(severity, rule)`` for docs/findings.md.
    """

    def __init__(self, name: str, title: str, package: str, apply_module: str, parts: Mapping[str, str],
                 vocabulary: str = "vocabulary", settings: Optional[Mapping[str, str]] = None,
                 findings: Optional[Mapping[str, Tuple[str, str]]] = None, gather_module: Optional[str] = None) -> None:
        self.name = name
        self.title = title
        self.package = package
        self.apply_module = apply_module
        self.gather_module = gather_module
        self.parts = dict(parts)
        self.vocabulary_module = vocabulary
        self.settings = dict(settings or {})
        self.findings = dict(findings or {})
        self.network_os: Tuple[str, ...] = ()   # filled in by the registry, the one place naming them

    def __repr__(self) -> str:  # pragma: no cover - debugging aid
        return "Platform(%s)" % self.name

    # ------------------------------------------------------------------ lazy parts
    def _module(self, name: str) -> Any:
        return importlib.import_module("%s.%s" % (self.package, name))

    def part(self, part: str) -> Callable[..., Any]:
        """The function implementing ``part``; KeyError naming the platform when it has none."""
        if part not in self.parts:
            raise KeyError("platform %s has no %s" % (self.name, part))
        module, _sep, func = self.parts[part].partition(":")
        return getattr(self._module(module), func)

    def has(self, part: str) -> bool:
        return part in self.parts

    @property
    def vocabulary(self) -> Any:
        return self._module(self.vocabulary_module)

    # ------------------------------------------------------------------ the contract
    def validate(self, host: str, cpe: Dict[str, Any], tunnels: Sequence[Dict[str, Any]], settings: Dict[str, Any],
                 secrets: Dict[str, Dict[str, Any]], paths: Dict[str, str]) -> List[PlatformFinding]:
        if not self.has("validate"):
            return []
        return list(self.part("validate")(host, cpe, tunnels, settings, secrets, paths))

    def render(self, plan: Dict[str, Any], host: str, settings: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        return self.part("render")(plan, host, settings or {})

    def gather_commands(self, plan: Dict[str, Any], host: str) -> List[Dict[str, Any]]:
        return list(self.part("gather_commands")(plan, host)) if self.has("gather_commands") else []

    def settle_commands(self, plan: Dict[str, Any], host: str) -> List[str]:
        return list(self.part("settle_commands")(plan, host)) if self.has("settle_commands") else []

    def parse(self, outputs: Any, host: str, plan: Optional[Dict[str, Any]] = None,
              errors: Optional[List[Dict[str, str]]] = None) -> Dict[str, Any]:
        return self.part("parse")(outputs, host, plan, errors)

    # ------------------------------------------------------------------ vocabulary
    def algorithm(self, text: str) -> Optional[str]:
        """This platform's spelling of an algorithm in the plan's vocabulary (None: not its spelling)."""
        return getattr(self.vocabulary, "ALGORITHMS", {}).get(text)

    def dh_group(self, text: str) -> Optional[int]:
        return getattr(self.vocabulary, "DH_GROUPS", {}).get(text)

    def wording(self, key: str) -> Optional[str]:
        """How a fix is said on this platform (a phrase with plan placeholders), None when it has none."""
        return getattr(self.vocabulary, "WORDING", {}).get(key)
