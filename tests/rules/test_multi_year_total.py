"""Multi-year total: sum over the covered years, areas and streams of a budget <= amount (= if must_allocate).

Tiny case: three areas of 100 people (capacity £10,000 each a year), need 2, 1, 0.1 (gva 30, 35, 40
against 40), years 2026 and 2027 with no discounting, ``segments: 1``: each £ is worth SLOPE x need in
either year, so the multi-year total goes to area 0 in both years, then to area 1 in either.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from allocator.engine import solve
from allocator.errors import InfeasibleError
from allocator.rules import make_rule
from allocator.rules.multi_year_total import MultiYearTotalSpec
from tests.conftest import tiny_geography, tiny_scenario

SLOPE = 10.0 * math.log(11.0) / 100.0  # one response segment: z0 ln(1 + zmax / z0) / zmax
CODES = ["E06000000", "E06000001", "E06000002"]


def _case(rules: dict, baseline: float = 3_000.0):
    scenario = tiny_scenario(
        {
            "years": [2026, 2027],
            "inflation": 0.0,
            "envelopes": {"resource": 15_000.0},
            "objective": {"segments": 1},
            "rules": {"env": {"kind": "envelope", "budget": "resource"}, **rules},
        }
    )
    return scenario, tiny_geography([100.0] * 3, {"growth_fund": [baseline] * 3})


def _sr(amount: float, **more) -> dict:
    return {"sr": {"kind": "multi_year_total", "budget": "resource", "amount_gbp": amount, **more}}


def test_multi_year_total_moves_money_between_years_by_hand() -> None:
    # 25,000 over two years (each year's envelope 15,000 would allow 30,000): area 0 takes its capacity
    # of 10,000 in both years, area 1 the other 5,000 in either year; area 2 nothing.
    settlement = solve(*_case(_sr(25_000.0)))
    x = settlement.area_year_totals()["amount_gbp"].unstack("year")
    assert x.loc[CODES[0]].tolist() == pytest.approx([10_000.0, 10_000.0], abs=0.01)
    assert x.loc[CODES[1]].sum() == pytest.approx(5_000.0, abs=0.01)
    assert x.loc[CODES[2]].sum() == pytest.approx(0.0, abs=0.01)
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * (2 * 20_000 + 5_000), rel=1e-6)
    assert settlement.verified


def test_multi_year_total_over_some_years_only() -> None:
    # 8,000 for 2027 alone: 2026 as the envelope allows (10,000 + 5,000), 2027 area 0 takes all 8,000
    settlement = solve(*_case(_sr(8_000.0, years=[2027])))
    x = settlement.area_year_totals()["amount_gbp"].unstack("year")
    assert x[2026].tolist() == pytest.approx([10_000.0, 5_000.0, 0.0], abs=0.01)
    assert x[2027].tolist() == pytest.approx([8_000.0, 0.0, 0.0], abs=0.01)
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * (25_000 + 16_000), rel=1e-6)


def test_check_passes_on_the_solve_and_fails_on_a_broken_settlement() -> None:
    settlement = solve(*_case(_sr(25_000.0)))
    rule = make_rule("sr", settlement.scenario.rules["sr"])
    assert rule.check(settlement).violations == 0

    alloc = settlement.allocations.copy()
    extra = (alloc["area_code"] == CODES[2]) & (alloc["year"] == 2027)
    alloc.loc[extra, "amount_gbp"] += 1_000.0  # 26,000 over the two years
    over = rule.check(dataclasses.replace(settlement, allocations=alloc))
    assert (over.checked, over.violations, over.worst, over.passed) == (1, 1, "resource", False)
    assert over.max_violation_gbp == pytest.approx(1_000.0, abs=0.01)

    # 26,000 against an exact 27,000: short by 1,000
    exact = MultiYearTotalSpec(budget="resource", amount_gbp=27_000.0, must_allocate=True)
    under = make_rule("sr", exact).check(dataclasses.replace(settlement, allocations=alloc))
    assert under.violations == 1
    assert under.max_violation_gbp == pytest.approx(1_000.0, abs=0.01)


def test_soft_total_gives_way_to_hard_floors() -> None:
    # cash floors on 3,000 baselines need 9,000 a year, 18,000 in all, against a soft total of 15,000:
    # it gives 3,000 and no more (a £ of breach costs 10x the best £ of value)
    settlement = solve(*_case({"guarantee": {"kind": "floor"}, **_sr(15_000.0, mode="soft")}))
    x = settlement.area_year_totals()["amount_gbp"]
    assert x.to_numpy() == pytest.approx([3_000.0] * 6, abs=0.01)
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * 2 * (6_000 + 3_000 + 300), rel=1e-6)
    check = make_rule("sr", settlement.scenario.rules["sr"]).check(settlement)
    assert (check.violations, check.passed) == (1, True)
    assert check.max_violation_gbp == pytest.approx(3_000.0, abs=0.01)


def test_infeasible_exact_total_beyond_capacity_is_diagnosed() -> None:
    # exactly 70,000 over two years, but three areas absorb 2 x 30,000 = 60,000: the total gives 10,000
    # (14.3% of 70,000), feasible at 60,000 or less. Per-year envelopes are loose here.
    scenario, geography = _case(_sr(70_000.0, must_allocate=True))
    scenario = scenario.with_overrides({"envelopes.resource": 50_000.0})
    with pytest.raises(InfeasibleError) as err:
        solve(scenario, geography)
    diagnosis = err.value.diagnosis
    assert diagnosis["rule_id"].tolist() == ["sr"]
    row = diagnosis.iloc[0]
    assert row["year"] is None or math.isnan(row["year"])
    assert row["relaxation_gbp"] == pytest.approx(10_000.0, abs=0.01)
    assert "£10,000" in row["explanation"]
    assert "amount_gbp <= £60,000" in row["explanation"]
    assert "14.3%" in row["explanation"]
