"""The variants of a sweep: which scenario keys vary, over which values, combined how.

A key varies over ``n`` evenly spaced values from ``start`` to ``stop`` (both included), over a list of
``values``, or, with ``scale``, over multipliers of the scenario's own value (a dated mapping such as an
envelope is scaled year by year). Several keys combine as a ``grid`` (every combination, the first key
slowest) or ``zip`` (the i-th value of each; all keys need as many values). Variant ``i`` is the scenario
with each key set to its value: the overrides of highest precedence, as ``--set`` gives them.

On the command line a key is ``KEY=START:STOP:N``, ``KEY=V1,V2,...``, or ``KEY=*START:STOP:N`` (scale).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

from allocator.errors import Problem, ScenarioError
from allocator.schema_whatif import MAX_VARIANTS, SweepSpec, VarySpec
from allocator.selectors import expand

__all__ = ["MAX_VARIANTS", "SweepSpec", "Variant", "VarySpec", "parse_vary", "variants"]


@dataclass(frozen=True)
class Variant:
    """One point of a sweep."""

    id: int
    values: dict[str, float]
    """Each varied key's value as given (a multiplier when the key is scaled)."""
    overrides: dict[str, Any]
    """The dotted overrides that make this variant from the scenario."""


def parse_vary(text: str) -> tuple[str, VarySpec]:
    """``KEY=START:STOP:N``, ``KEY=V1,V2,...`` or ``KEY=*START:STOP:N`` -> (key, spec).

    Raises:
        ScenarioError: naming ``--vary`` and what form was expected.
    """
    key, sep, rest = text.partition("=")
    key, rest = key.strip(), rest.strip()
    expected = "expected KEY=START:STOP:N, KEY=V1,V2,... or KEY=*START:STOP:N (values scale the scenario's)"
    if not sep or not key or not rest:
        raise ScenarioError([Problem("--vary", text, expected)])
    scale = rest.startswith("*")
    rest = rest.lstrip("*")
    try:
        if ":" in rest:
            start, stop, n = rest.split(":")
            count = int(n)
            spec = VarySpec(start=float(start), stop=float(stop), n=count, scale=scale)
        else:
            spec = VarySpec(values=[float(v) for v in rest.split(",")], scale=scale)
    except ValueError:
        raise ScenarioError([Problem("--vary", key, expected + f" (got {rest!r})")]) from None
    if not all(math.isfinite(v) for v in spec.points()):
        raise ScenarioError([Problem("--vary", key, "every value must be a finite number")])
    return key, spec


def variants(scenario: Any, vary: dict[str, VarySpec], combine: str = "grid") -> list[Variant]:
    """Every variant of ``scenario`` (a Scenario) over ``vary``, numbered from 0.

    Raises:
        ScenarioError: zip of keys with different counts, too many variants, or a scaled key the
            scenario has no number for.
    """
    keys = list(vary)
    points = [vary[k].points() for k in keys]
    if combine == "zip":
        if len({len(p) for p in points}) > 1:
            counts = ", ".join(f"{k}: {len(p)}" for k, p in zip(keys, points, strict=True))
            raise ScenarioError([Problem("sweep", "combine", f"zip needs as many values per key ({counts})")])
        combos = list(zip(*points, strict=True))
    else:
        total = math.prod(len(p) for p in points)
        if total > MAX_VARIANTS:
            raise ScenarioError([Problem("sweep", "vary", f"{total:,} variants; at most {MAX_VARIANTS:,}")])
        combos = list(itertools.product(*points))
    own = {k: scenario_value(scenario, k) for k in keys if vary[k].scale}
    out = []
    for i, combo in enumerate(combos):
        values = dict(zip(keys, combo, strict=True))
        overrides = {k: _scaled(own[k], v) if vary[k].scale else v for k, v in values.items()}
        out.append(Variant(i, values, overrides))
    return out


def scenario_value(scenario: Any, key: str) -> Any:
    """The scenario's value at a dotted key (a number, or a mapping of year keys to numbers).

    Raises:
        ScenarioError: the key names no number of the scenario.
    """
    node: Any = scenario.resolved()
    parts = key.split(".")
    for i, part in enumerate(parts):
        if isinstance(node, dict) and part in node:
            node = node[part]
            continue
        if isinstance(node, dict) and part.isdigit() and i == len(parts) - 1:
            by_year = expand(node, list(scenario.years))  # a year inside a dated mapping or range
            if int(part) in by_year:
                return by_year[int(part)]
        if isinstance(node, int | float) and part.isdigit() and i == len(parts) - 1:
            return node  # a year of a value that is the same every year
        raise ScenarioError(
            [Problem("--vary", key, "names no value of the scenario, so it cannot be scaled")]
        )
    if isinstance(node, bool) or not isinstance(node, int | float | dict):
        raise ScenarioError(
            [Problem("--vary", key, "is not a number or numbers by year; it cannot be scaled")]
        )
    return node


def _scaled(value: Any, factor: float) -> Any:
    if isinstance(value, dict):
        return {k: v * factor for k, v in value.items()}
    return value * factor
