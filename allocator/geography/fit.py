"""Whether a geography fits a scenario, beyond what each file's own checks see: every rule's ``areas``
select at least one recipient area, and (for a geography built in code rather than loaded from files)
every attribute the scenario reads is there and holds finite numbers."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from allocator.errors import Problem
from allocator.geography.validate import hint, listing
from allocator.selectors import select

if TYPE_CHECKING:
    from allocator.schema import Scenario


def check_rule_areas(rules: dict, areas: pd.DataFrame, source: str) -> list[Problem]:
    """A problem for each rule whose ``areas`` selector covers none of the recipient areas: such a rule
    constrains nothing, and "every rule holds" would be said of a rule that never applied.

    Args:
        rules: rule id -> rule spec (with ``areas``).
        areas: the recipient areas, indexed by area code.
        source: the scenario file, for messages.
    """
    selectable = areas.assign(area_code=areas.index) if "area_code" not in areas.columns else areas
    out = []
    for rule_id, rule in rules.items():
        if not rule.areas or not set(rule.areas) <= set(selectable.columns):
            continue  # a missing column is reported where the columns are checked
        if select(selectable, rule.areas).any():
            continue
        seen = "; ".join(
            f"{c} has {listing(sorted(map(str, selectable[c].dropna().unique())), 5)}" for c in rule.areas
        )
        out.append(
            Problem(
                source,
                f"rules.{rule_id}.areas",
                f"selects none of the {len(areas)} recipient areas ({seen}); expected at least one, or "
                "delete the rule",
            )
        )
    return out


def check_fit(scenario: Scenario, areas: pd.DataFrame, source: str) -> list[Problem]:
    """Whether a geography built in code fits a scenario (``load_geography`` checks the same with the
    file and row of each value): every attribute the scenario reads exists, those it reads as values
    hold finite numbers, and every rule's ``areas`` select at least one area."""
    out = []
    for column, where in scenario.used_columns().items():
        if column == "area_code" and areas.index.name == "area_code":
            continue  # selectors may name the index (rule areas by code)
        if column not in areas.columns:
            out.append(Problem(source, where, f"no area attribute '{column}'{hint(column, areas.columns)}"))
        elif not where.startswith(("integrated", "rules.")) and where != "geography.tier_column":
            values = pd.to_numeric(areas[column], errors="coerce").to_numpy(dtype=float)
            if not np.isfinite(values).all():
                out.append(
                    Problem(
                        source, where, f"area attribute '{column}' has values that are not finite numbers"
                    )
                )
    return out + check_rule_areas(scenario.rules, areas, source)
