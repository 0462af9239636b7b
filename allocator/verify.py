"""Verification: every rule's independent check of an allocation's tables, as one table.

The checks read only the tables (``AllocationTables``), never the LP, so a sign or index slip in a rule's
constraint cannot hide. The engine verifies a settlement before it is built; ``allocator verify`` and
``Settlement.verify()`` run the checks again on tables read back from a run folder.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import pandas as pd

from allocator.rules import make_rule

if TYPE_CHECKING:
    from allocator.settlement import AllocationTables

COLUMNS = ["rule_id", "kind", "mode", "checked", "violations", "max_violation_gbp", "worst", "passed"]
"""The verification table's columns, one row per rule."""


class VerificationRow(Protocol):
    """One row of the verification table, as ``itertuples`` gives it."""

    rule_id: str
    kind: str
    mode: str
    checked: int
    violations: int
    max_violation_gbp: float
    worst: str
    passed: bool


def verify(tables: AllocationTables) -> pd.DataFrame:
    """Run every rule's check on ``tables``; one row per rule (``COLUMNS``)."""
    rows = [make_rule(rid, spec).check(tables).as_row() for rid, spec in tables.scenario.rules.items()]
    return pd.DataFrame(rows, columns=COLUMNS)


def is_verified(verification: pd.DataFrame) -> bool:
    """Whether every rule passed (a soft rule always passes; its breaches are reported)."""
    return bool(verification["passed"].all())


def failed(verification: pd.DataFrame) -> list[str]:
    """The ids of the rules that failed their check."""
    return verification.loc[~verification["passed"].astype(bool), "rule_id"].tolist()
