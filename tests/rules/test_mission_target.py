"""Mission target: the national, population-weighted projected indicator reaches the goal by its year; the
least-cost envelope that meets a goal just meets it; an unreachable goal is diagnosed in its own units.

Tiny case: three areas of 100 people, need 2, 1, 0.1 (gva 30, 35, 40 against a target of 40), one stream
with effect 1 on growth, ``segments: 1`` (every £ per head buys SLOPE of response), no persistence, so the
national gva after one year is 35 + SLOPE (2 x1 + 1 x2 + 0.1 x3) / 300 for areas' amounts x.
"""

from __future__ import annotations

import math

import pytest

from allocator.engine import solve
from allocator.errors import InfeasibleError, ScenarioError
from allocator.rules import make_rule
from tests.conftest import tiny_geography, tiny_scenario

SLOPE = 10.0 * math.log(11.0) / 100.0  # one response segment: z0 ln(1 + zmax / z0) / zmax
NEED = [2.0, 1.0, 0.1]


def _case(goal: float | None, envelope: float = 15_000.0, phi: float = 1.0, **patch):
    rules = {
        "env": {"kind": "envelope", "budget": "resource", "must_allocate": True},
        "guarantee": {"kind": "floor", "phi": phi},
    }
    if goal is not None:
        rules["goal"] = {"kind": "mission_target", "mission": "growth", "value": goal, "by": 2026}
    scenario = tiny_scenario(
        {
            "inflation": 0.0,
            "envelopes": {"resource": envelope},
            "objective": {"segments": 1},
            "rules": rules,
            **patch,
        }
    )
    return scenario, tiny_geography([100.0] * 3, {"growth_fund": [3_000.0] * 3})


def _national(settlement) -> float:
    x = settlement.area_year_totals()["amount_gbp"].to_numpy()
    return 35.0 + SLOPE * sum(n * v for n, v in zip(NEED, x, strict=True)) / 300.0


def test_goal_by_hand_and_check() -> None:
    # mission value alone puts the spare 6,000 in area 0 (need 2): 35 + SLOPE (2 x 9,000 + 3,000 + 300) / 300
    free = solve(*_case(None))
    reached = _national(free)
    assert reached == pytest.approx(35.0 + SLOPE * 21_300 / 300)
    scenario, geography = _case(reached - 1e-3)
    held = solve(scenario, geography)
    assert held.verified
    rule = make_rule("goal", scenario.rules["goal"])
    assert rule.reached(held) == pytest.approx(_national(held))
    # the check agrees with the outcomes table's projection (by is a settlement year)
    out = held.outcomes.query("mission == 'growth'")
    assert rule.reached(held) == pytest.approx((out["projected_value"] * 100).sum() / 300)
    check = rule.check(held)
    assert check.violations == 0
    # a goal the allocation misses fails the check, by the shortfall in £ of mission value
    higher = make_rule("goal", scenario.rules["goal"].model_copy(update={"value": reached + 1.0}))
    missed = higher.check(free)
    assert missed.violations == 1
    assert missed.max_violation_gbp == pytest.approx(1.0 * 300 * 1.0, rel=1e-6)


def test_unreachable_goal_is_diagnosed_in_its_units() -> None:
    with pytest.raises(InfeasibleError) as err:
        solve(*_case(60.0))
    assert "growth reaches" in str(err.value)
    assert "of 60 by 2026-27 at most" in str(err.value)


def test_least_cost_envelope_just_meets_the_goal() -> None:
    # floors at half the baseline need 4,500 and reach 35 + SLOPE (2 x 1,500 + 1,500 + 150) / 300 < 40;
    # each £ more goes to area 0 (need 2) and adds 2 SLOPE / 300
    scenario, geography = _case(40.0, phi=0.5, objective={"segments": 1, "mode": "least_cost"})
    least = solve(scenario, geography)
    cost = least.summary["least_cost"]
    assert cost["goals"] == ["growth"]
    envelope = least.scenario.envelopes["resource"]
    assert envelope == pytest.approx(15_000.0 * cost["scale"])
    floors = 35.0 + SLOPE * 4_650 / 300
    assert envelope == pytest.approx(4_500 + (40.0 - floors) * 300 / (2 * SLOPE), rel=1e-5)
    assert _national(least) == pytest.approx(40.0, abs=1e-4)
    # re-run as an ordinary scenario with that envelope: it meets the goal, just
    again = solve(least.scenario.with_overrides({"objective.mode": "mission_value"}), geography)
    assert again.verified
    assert _national(again) == pytest.approx(40.0, abs=1e-4)
    with pytest.raises(InfeasibleError):
        solve(
            least.scenario.with_overrides(
                {"objective.mode": "mission_value", "envelopes.resource": envelope * 0.999}
            ),
            geography,
        )


def test_goal_on_the_mission_and_input_checks() -> None:
    scenario, geography = _case(None, missions={"growth": {"goal": {"value": 36.0, "by": 2026}}})
    held = solve(
        scenario.with_overrides({"rules.goal": {"kind": "mission_target", "mission": "growth"}}), geography
    )
    assert _national(held) >= 36.0 - 1e-6
    with pytest.raises(ScenarioError, match="has no goal"):
        _case(None)[0].with_overrides({"rules.goal": {"kind": "mission_target", "mission": "growth"}})
    with pytest.raises(ScenarioError, match="least_cost needs a mission with a goal"):
        solve(*_case(None, objective={"segments": 1, "mode": "least_cost"}))
    with pytest.raises(ScenarioError, match="the formula allocation knows no goal"):
        scenario.with_overrides(
            {"rules.goal": {"kind": "mission_target", "mission": "growth"}, "objective.mode": "formula"}
        )
