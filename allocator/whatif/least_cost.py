"""The cost of a mission (``objective.mode: least_cost``): the smallest envelope that meets every mission's
goal under the rules.

Every envelope (each budget, each year) is scaled by one factor ``theta``, keeping the scenario's profile
across years and budgets; ``theta`` is the smallest for which a settlement meets every hard rule and every
goal (a ``mission_target`` rule per mission with a ``goal``, added as ``goal_<mission>`` where the scenario
has none). The feasible factors form an interval (every rule is linear in the envelopes), so ``theta`` is
found by bracketing from 1 and bisecting, each step a warm re-solve of the live model, to a relative
``tolerance``. The settlement returned is the ``mission_value`` optimum at ``theta``'s envelopes (the best
use of the least money), and its scenario holds those envelopes: solved again as an ordinary scenario, it
just meets the goals. When no factor up to ``MAX_SCALE`` meets them, the scenario at its own envelopes is
diagnosed (exit 3), the goals' shortfall stated in their own units.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from allocator.errors import InfeasibleError, Problem, ScenarioError
from allocator.geography import Geography
from allocator.schema import Scenario
from allocator.summary import LeastCost

MAX_SCALE = 64.0
"""The largest multiple of the envelopes tried before the goals are declared out of reach."""
TOLERANCE = 1e-6
"""Relative precision of the least envelope."""


def goal_rules(scenario: Scenario) -> dict[str, Any]:
    """A ``mission_target`` rule for each mission with a goal that no rule holds yet."""
    held = {spec.mission for spec in scenario.rules.values() if spec.kind == "mission_target"}
    return {
        f"goal_{name}": {"kind": "mission_target", "mission": name}
        for name, mission in scenario.missions.items()
        if mission.goal is not None and name not in held
    }


def scaled(scenario: Scenario, theta: float) -> dict[str, Any]:
    """Overrides setting every envelope to ``theta`` times the scenario's own."""
    out = {}
    for budget, value in scenario.envelopes.items():
        out[f"envelopes.{budget}"] = (
            {k: v * theta for k, v in value.items()} if isinstance(value, dict) else value * theta
        )
    return out


def solve_least_cost(
    scenario: Scenario, geography: Geography | None = None, progress: Any = None, tolerance: float = TOLERANCE
) -> Any:
    """The least-cost settlement (see the module docstring); ``summary["least_cost"]`` has the factor and
    the envelopes.

    Raises:
        ScenarioError: no mission has a goal.
        InfeasibleError: no envelope up to MAX_SCALE times the scenario's meets every goal (diagnosed).
    """
    from allocator.live_model import Model

    rules = goal_rules(scenario)
    has_goal = rules or any(spec.kind == "mission_target" for spec in scenario.rules.values())
    if not has_goal:
        raise ScenarioError(
            [Problem("scenario", "objective.mode", "least_cost needs a mission with a goal: {value, by}")]
        )
    base = scenario.with_overrides(
        {"objective.mode": "mission_value", **{f"rules.{k}": v for k, v in rules.items()}}
    )
    model = Model(base, geography, progress)
    model.solve_arrays(formula=False)

    def feasible(theta: float) -> bool:
        return model.resolve_arrays(scaled(base, theta), formula=False).feasible

    hi = 1.0
    while not feasible(hi):
        if hi >= MAX_SCALE:
            Model(base, model.geography).solve()  # raises InfeasibleError: the diagnosis at its own envelopes
            raise InfeasibleError("the goals cannot be met", None)  # pragma: no cover - solve raised
        hi *= 2.0
    lo = hi / 2.0
    while feasible(lo):
        hi, lo = lo, lo / 2.0
        if lo < 1e-9:
            break
    while hi - lo > tolerance * hi:
        mid = (lo + hi) / 2.0
        if feasible(mid):
            hi = mid
        else:
            lo = mid
    settlement = model.resolve(scaled(base, hi))
    found: LeastCost = {
        "scale": hi,
        "infeasible_below": lo,
        "envelopes": {b: settlement.scenario.model_dump(mode="json")["envelopes"][b] for b in base.envelopes},
        "goals": sorted(
            {spec.mission for spec in settlement.scenario.rules.values() if spec.kind == "mission_target"}
        ),
    }
    return dataclasses.replace(settlement, summary=settlement.summary | {"least_cost": found})
