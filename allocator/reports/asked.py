"""What a run was asked: the scenario's title, each ``extends`` step that changed a value, and every
``--set`` override with its effect. Every page, ``inspect``, ``compare`` and the workbook show it, so a
what-if never reads as the baseline.

The overrides and their effects come from the run's provenance (summary.json). The ``extends`` chain is
recorded there as file paths; what each step changed is found by loading each file of the chain as a
scenario and comparing it with its parent. A file that can no longer be read (moved, or changed since the
run, by its SHA-256) is still named, with a note instead of its changes.
"""

from __future__ import annotations

import hashlib
import itertools
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from allocator.settlement import Settlement
    from allocator.yamlio import YamlData

SKIPPED = ("name", "description")
"""Paths not listed as changes: the title is shown anyway, and descriptions are prose."""


@dataclass(frozen=True)
class Step:
    """One ``extends`` step: the file and what it changed in its parent (``path: old -> new``)."""

    file: str
    changes: list[str]
    note: str = ""
    rules: frozenset[str] = frozenset()
    """Rules whose parameters the step changed without rewriting their description."""


@dataclass(frozen=True)
class Asked:
    """What a run was asked, in plain text (each renderer escapes it for where it goes)."""

    title: str
    file: str
    based_on: str
    """The first file of the ``extends`` chain, when the scenario extends another."""
    steps: list[Step] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)
    """Each ``--set`` with its effect: ``rules.funding_guarantee.phi: 1.0 -> 0.98``."""
    changed_rules: frozenset[str] = frozenset()
    """Rules whose parameters a step or an override changed without rewriting their description."""

    @property
    def changed(self) -> bool:
        return bool(self.overrides) or any(s.changes for s in self.steps)

    @property
    def headline(self) -> str:
        """The title with what the overrides set: "SR25 baseline, with rules.funding_guarantee.phi = 0.98"."""
        if not self.overrides:
            return self.title
        sets = [_new_value(line) for line in self.overrides]
        return f"{self.title}, with {'; '.join(sets)}"

    def lines(self, limit: int | None = None) -> list[str]:
        """Every part as a line of text (terminal and workbook); ``limit``: changes listed per step."""
        out = [f"Scenario: {self.title}" + (f" ({self.file})" if self.file else "")]
        if self.based_on:
            out.append(f"Based on {self.based_on}")
        for step in self.steps:
            what = (
                "; ".join(shortened(step.changes, limit)) if step.changes else step.note or "no value changed"
            )
            out.append(f"{step.file} changes: {what}")
        if self.overrides:
            out.append("Changed by --set: " + "; ".join(self.overrides))
        return out


def shortened(changes: list[str], limit: int | None) -> list[str]:
    """The first ``limit`` changes and a count of the rest."""
    if limit is None or len(changes) <= limit:
        return changes
    return [*changes[:limit], f"and {len(changes) - limit} more (the workbook's Summary lists every one)"]


def _new_value(effect: str) -> str:
    """``rules.x.phi: 1.0 -> 0.98`` as ``rules.x.phi = 0.98``."""
    path, _, change = effect.partition(": ")
    return f"{path} = {change.rsplit(' -> ', 1)[-1]}" if " -> " in change else effect


def asked(s: Settlement) -> Asked:
    """What the run ``s`` was asked (from its provenance; see the module docstring)."""
    prov = (s.summary or {}).get("provenance") or {}
    sources = prov.get("sources") or {}
    file = str(sources.get("file") or "")
    chain = [str(p) for p in sources.get("extends_chain") or []]
    hashes = {**(sources.get("file_sha256") or {}), **(prov.get("file_sha256") or {})}
    steps = [_step(parent, child, hashes) for parent, child in itertools.pairwise(chain)]
    overrides = [_clean(line) for line in sources.get("override_effects") or []]
    changed = _changed_rules(overrides).union(*(st.rules for st in steps))
    return Asked(
        title=s.scenario.name,
        file=Path(file).name if file else "",
        based_on=Path(chain[0]).name if len(chain) > 1 else "",
        steps=steps,
        overrides=overrides,
        changed_rules=frozenset(changed),
    )


def _clean(effect: str) -> str:
    """An override effect as recorded (``path: 'old' -> 'new'``) without Python's quotes on numbers."""
    path, _, change = effect.partition(": ")
    old, arrow, new = change.rpartition(" -> ")
    if not arrow:
        return effect
    if new == "<deleted>":
        return f"{path}: removed"
    if old in ("'<unset>'", "<unset>") and new.startswith("{"):
        return f"{path}: added"
    return f"{path}: {_unquote(old)} -> {_unquote(new)}"


def _unquote(text: str) -> str:
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] == "'" else text


def _step(parent: str, child: str, hashes: dict[str, str]) -> Step:
    name = Path(child).name
    for path in (parent, child):
        p = Path(path)
        if not p.is_file():
            return Step(
                name, [], note=f"its changes are not shown: {p.name} is no longer where the run read it"
            )
        recorded = hashes.get(path)
        if recorded and hashlib.sha256(p.read_bytes()).hexdigest() != recorded:
            return Step(name, [], note=f"its changes are not shown: {p.name} has changed since the run")
    from allocator.errors import AllocatorError
    from allocator.scenario import load_scenario

    try:
        before, after = load_scenario(parent).resolved(), load_scenario(child).resolved()
    except (AllocatorError, OSError, ValueError):
        return Step(name, [], note="its changes are not shown: the files no longer load")
    full = _diff(before, after)
    shown = [c for c in full if not c.partition(": ")[0].endswith(".description")]
    return Step(name, shown, rules=frozenset(_changed_rules(full)))


def _diff(before: YamlData, after: YamlData, prefix: str = "") -> list[str]:
    """``path: old -> new`` for every value that differs (mappings compared key by key)."""
    if isinstance(before, dict) and isinstance(after, dict):
        out = []
        for key in [*before, *(k for k in after if k not in before)]:
            path = f"{prefix}.{key}" if prefix else str(key)
            if path in SKIPPED:
                continue
            out += _diff(before.get(key, _UNSET), after.get(key, _UNSET), path)
        return out
    if before == after:
        return []
    if before is _UNSET and isinstance(after, dict):
        return [f"{prefix}: added" + (f" ({after['kind']})" if "kind" in after else "")]
    if after is _UNSET:
        return [f"{prefix}: removed"]
    return [f"{prefix}: {_show(before)} -> {_show(after)}"]


class _Unset:
    def __repr__(self) -> str:
        return "<unset>"


_UNSET = _Unset()


def _show(value: YamlData) -> str:
    if value is _UNSET:
        return "<unset>"
    if isinstance(value, float) and value.is_integer() and abs(value) >= 1e4:
        return f"{int(value):,}"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    return str(value)


def _changed_rules(changes: list[str]) -> set[str]:
    """Rules whose parameters changed, unless their description was rewritten in the same place."""
    touched: dict[str, set[str]] = {}
    for line in changes:
        path = line.partition(": ")[0].split(".")
        if len(path) >= 2 and path[0] == "rules":
            touched.setdefault(path[1], set()).add(".".join(path[2:]))
    return {rule for rule, fields in touched.items() if "description" not in fields and fields != {""}}
