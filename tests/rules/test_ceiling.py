"""Ceiling (pace of change): X[a, t] <= (1 + gamma_t) X[a, t-1], X[a, -1] the baseline total.

Tiny case: three areas of 100 people (capacity £10,000 each), need 2, 1, 0.1 (gva 30, 35, 40 against
40), baselines of 5,000, envelope £15,000 a year, ``segments: 1``: each £ is worth SLOPE x need, so areas 0
and 1 grow as fast as the cap allows and area 2 takes what is left.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from allocator.engine import solve
from allocator.errors import InfeasibleError
from allocator.rules import make_rule
from tests.conftest import tiny_geography, tiny_scenario

SLOPE = 10.0 * math.log(11.0) / 100.0  # one response segment: z0 ln(1 + zmax / z0) / zmax
NEED = [2.0, 1.0, 0.1]
CODES = ["E06000000", "E06000001", "E06000002"]


def _case(rules: dict, years: list[int] | None = None, envelope: float = 15_000.0, n: int = 3, **env):
    scenario = tiny_scenario(
        {
            "years": years or [2026, 2027],
            "envelopes": {"resource": envelope},
            "objective": {"segments": 1},
            "rules": {"env": {"kind": "envelope", "budget": "resource", **env}, **rules},
        }
    )
    return scenario, tiny_geography([100.0] * n, {"growth_fund": [5_000.0] * n})


def _totals(settlement) -> list[list[float]]:
    """Rows are years, columns areas."""
    return settlement.area_year_totals()["amount_gbp"].unstack("area_code").to_numpy().tolist()


@pytest.mark.parametrize(
    ("gamma", "expected"),
    [
        # +10% a year: areas 0 and 1 at 5,500 then 6,050; area 2 the rest, 4,000 then 2,900
        (0.1, [[5_500.0, 5_500.0, 4_000.0], [6_050.0, 6_050.0, 2_900.0]]),
        # +10% then +20%: 2027 caps at 6,600, area 2 keeps 1,800
        ({2026: 0.1, "2027..": 0.2}, [[5_500.0, 5_500.0, 4_000.0], [6_600.0, 6_600.0, 1_800.0]]),
    ],
)
def test_pace_of_change_by_hand(gamma, expected: list[list[float]]) -> None:
    settlement = solve(*_case({"cap": {"kind": "ceiling", "gamma": gamma}}))
    x = _totals(settlement)
    for year in range(2):
        assert x[year] == pytest.approx(expected[year], abs=0.01)
    v = SLOPE * sum(n * a for row in expected for n, a in zip(NEED, row, strict=True))
    assert settlement.summary["value"]["V"] == pytest.approx(v, rel=1e-6)  # 35,340 and 36,880 x SLOPE
    assert settlement.verified


def test_check_passes_on_the_solve_and_fails_on_a_broken_settlement() -> None:
    settlement = solve(*_case({"cap": {"kind": "ceiling", "gamma": 0.1}}))
    rule = make_rule("cap", settlement.scenario.rules["cap"])
    assert rule.check(settlement).violations == 0
    alloc = settlement.allocations.copy()
    alloc.loc[(alloc["area_code"] == CODES[0]) & (alloc["year"] == 2027), "amount_gbp"] = 7_000.0
    broken = rule.check(dataclasses.replace(settlement, allocations=alloc))  # cap 6,050
    assert (broken.violations, broken.worst, broken.passed) == (1, "E06000000 2027", False)
    assert broken.max_violation_gbp == pytest.approx(950.0, abs=0.01)


def test_soft_ceiling_gives_way_to_an_exact_envelope() -> None:
    # 18,000 must go out against caps of 3 x 5,500 = 16,500: 1,500 over the cap, all in area 0 (need 2)
    rules = {"cap": {"kind": "ceiling", "gamma": 0.1, "mode": "soft"}}
    settlement = solve(*_case(rules, years=[2026], envelope=18_000.0, must_allocate=True))
    assert _totals(settlement)[0] == pytest.approx([7_000.0, 5_500.0, 5_500.0], abs=0.01)
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * 20_050, rel=1e-6)
    check = make_rule("cap", settlement.scenario.rules["cap"]).check(settlement)
    assert (check.violations, check.worst, check.passed) == (1, "E06000000 2026", True)
    assert check.max_violation_gbp == pytest.approx(1_500.0, abs=0.01)


def test_infeasible_ceiling_is_diagnosed_where_growth_is_cheapest() -> None:
    # A minimum of £66 per head in 2027 needs 6,600 per area, but +10% a year allows 5,500 then 6,050.
    # Cheapest repair: let 2026 grow by 500 more per area (1.1 x 6,000 = 6,600), which costs less than
    # giving 550 in 2027 on either rule. Feasible with gamma >= 10% + 500 / 5,000 = 20.0%.
    rules = {
        "cap": {"kind": "ceiling", "gamma": 0.1},
        "minimum": {"kind": "per_capita_minimum", "mu_gbp_per_head": 66.0, "years": [2027]},
    }
    with pytest.raises(InfeasibleError) as err:
        solve(*_case(rules, n=2))
    diagnosis = err.value.diagnosis
    assert diagnosis["rule_id"].tolist() == ["cap"]
    row = diagnosis.iloc[0]
    assert (row["year"], row["areas"]) == (2026, 2)
    assert row["relaxation_gbp"] == pytest.approx(1_000.0, abs=0.01)
    assert "£1,000" in row["explanation"]
    assert "gamma >= 20.0%" in row["explanation"]
