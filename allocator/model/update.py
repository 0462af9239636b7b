"""The fast path of a live model's re-solve: a variant that moves only some rules' numbers is found rule by
rule, without building its LP again.

A variant of the envelopes, of rules' parameters or of the missions' weights leaves the LP's columns (the
response segments and the totals) as they were. :func:`what_changed` says which of those a variant
changes (None for anything else); :func:`renumber` re-adds just the rules that can move (a changed rule;
with the envelopes, the rules whose rows read them or the formula's targets; with the weights, every rule)
to a scratch assembly with the model's columns, checks that each rule's rows have the same shape (the
same rows, the same entries, the same slack columns and penalty), and only then gives the model's blocks
the new numbers and returns what changed, for the live solver. A rule whose rows changed shape, or a
change of the model's scale, returns None and leaves the model as it was: the caller builds the LP again.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np

from allocator.model.assembly import RowBlock
from allocator.model.build import ModelBuilder, model_scale
from allocator.model.inputs import ModelInputs
from allocator.schema import Scenario
from allocator.yamlio import YamlData


@dataclass(frozen=True)
class Changed:
    """What a variant changes, when the fast path can take it."""

    envelopes: bool
    weights: bool
    rules: frozenset[str]
    """Rules (ids in both scenarios) whose own fields changed."""


@dataclass(frozen=True)
class Renumbered:
    """The model's rows whose bounds changed, and its entries whose coefficients changed."""

    rows: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    entry_rows: np.ndarray
    entry_cols: np.ndarray
    entry_values: np.ndarray


def what_changed(old: Scenario, new: Scenario) -> Changed | None:
    """Which envelopes, weights and rules ``new`` changes from ``old``; None if it changes anything else."""
    envelopes, weights, rules = False, False, set()
    for path in _changed_paths(old.resolved(), new.resolved()):
        head = path[0]
        if head == "envelopes":
            envelopes = True
        elif head == "missions" and len(path) == 3 and path[2] == "weight":
            weights = True
        elif head == "rules" and len(path) > 2 and path[1] in old.rules and path[1] in new.rules:
            rules.add(str(path[1]))
        else:
            return None
    return Changed(envelopes, weights, frozenset(rules))


def _changed_paths(a: YamlData, b: YamlData, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    if isinstance(a, dict) and isinstance(b, dict):
        out: list[tuple[str, ...]] = []
        for key in a.keys() | b.keys():
            if key not in a or key not in b:
                out.append((*prefix, str(key)))
            elif a[key] != b[key]:
                out.extend(_changed_paths(a[key], b[key], (*prefix, str(key))))
        return out
    return [prefix] if a != b else []


def renumber(m: ModelBuilder, inputs: ModelInputs, rule_ids: list[str]) -> Renumbered | None:
    """Give ``m`` the numbers of ``inputs`` (its scenario a variant of ``m``'s) for the rules ``rule_ids``,
    if their rows keep their shape; returns what changed, or None (``m`` unchanged)."""
    if model_scale(float(inputs.envelope.max())) != m.scale:
        return None
    scratch = copy.copy(m)  # shares the columns' index arrays, which it never changes
    scratch.inputs, scratch.scenario = inputs, inputs.scenario
    scratch.asm = m.asm.columns_only()
    scratch.reads_targets = set()
    for rule_id in rule_ids:
        scratch.add_rule(rule_id, inputs.scenario.rules[rule_id])
    matched = []
    for rule_id in rule_ids:
        old, new = m.asm.blocks(rule_id), scratch.asm.blocks(rule_id)
        if len(old) != len(new):
            return None
        for a, b in zip(old, new, strict=True):
            col = _same_shape(a, b, m.asm.n_cols)
            if col is None:
                return None
            matched.append((a, b, col))
    rows, lower, upper, e_rows, e_cols, e_values = [], [], [], [], [], []
    for a, b, col in matched:
        lo_a, hi_a = a.bounds()
        keys, before = _summed(a.row, a.col, a.coef, m.asm.n_cols)
        _, after = _summed(b.row, col, b.coef, m.asm.n_cols)
        m.asm.renumber(a, b.rhs, b.coef)
        lo_b, hi_b = a.bounds()
        moved = np.nonzero((lo_a != lo_b) | (hi_a != hi_b))[0]
        rows.append(a.start + moved)
        lower.append(lo_b[moved])
        upper.append(hi_b[moved])
        diff = np.nonzero(before != after)[0]
        e_rows.append(a.start + keys[diff] // m.asm.n_cols)
        e_cols.append(keys[diff] % m.asm.n_cols)
        e_values.append(after[diff])
    m.inputs, m.scenario = inputs, inputs.scenario
    m.reads_targets = (m.reads_targets - set(rule_ids)) | scratch.reads_targets
    return Renumbered(
        _join(rows),
        _join(lower, float),
        _join(upper, float),
        _join(e_rows),
        _join(e_cols),
        _join(e_values, float),
    )


def _same_shape(a: RowBlock, b: RowBlock, n_cols: int) -> np.ndarray | None:
    """``b``'s columns in ``a``'s numbering (its new slack columns as ``a``'s) if ``b`` is ``a`` with
    other numbers: the same kind, sense, rows, entries, slack and penalty; else None."""
    if (a.kind, a.sense, a.n, a.penalty) != (b.kind, b.sense, b.n, b.penalty):
        return None
    if len(a.keys) != len(b.keys) or not all(
        np.array_equal(np.asarray(x), np.asarray(y)) for x, y in zip(a.keys, b.keys, strict=True)
    ):
        return None
    col = b.col
    if (a.slack is None) != (b.slack is None):
        return None
    if a.slack is not None and b.slack is not None:
        if a.slack.shape != b.slack.shape:
            return None
        new, old = b.slack.ravel(), a.slack.ravel()
        order = np.argsort(new)
        col = col.copy()
        fresh = col >= n_cols  # the scratch's own slack columns, numbered after the model's
        col[fresh] = old[order][np.searchsorted(new[order], col[fresh])]
    if not (np.array_equal(a.row, b.row) and np.array_equal(a.col, col)):
        return None
    return col


def _summed(row: np.ndarray, col: np.ndarray, coef: np.ndarray, n_cols: int) -> tuple[np.ndarray, np.ndarray]:
    """Each entry (``row * n_cols + col``, sorted) and its coefficient, repeated entries summed."""
    keys, inverse = np.unique(row.astype(np.int64) * n_cols + col, return_inverse=True)
    return keys, np.bincount(inverse, weights=coef, minlength=len(keys))


def _join(parts: list[np.ndarray], dtype: type = np.int64) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype)
