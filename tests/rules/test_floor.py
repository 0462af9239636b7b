"""Floor (funding guarantee): X[a, t] >= phi (1 + infl)^[real] X[a, t-1], on grant or spending power.

Tiny case: three areas of 100 people (capacity £10,000 each), need 2, 1, 0.1 (gva 30, 35, 40 against 40),
envelope £15,000 a year, ``segments: 1`` so every £ is worth SLOPE x need: the envelope goes first to
what the floors require, then to area 0 up to its capacity, then to area 1.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from allocator.engine import solve
from allocator.errors import InfeasibleError
from allocator.rules import make_rule
from allocator.rules.floor import FloorSpec
from tests.conftest import tiny_geography, tiny_scenario

SLOPE = 10.0 * math.log(11.0) / 100.0  # one response segment: z0 ln(1 + zmax / z0) / zmax
NEED = [2.0, 1.0, 0.1]
CODES = ["E06000000", "E06000001", "E06000002"]
ENVELOPE = {"kind": "envelope", "budget": "resource"}


def _case(floor: dict, baseline: float = 3_000.0, envelope: float = 15_000.0, **patch):
    scenario = tiny_scenario(
        {
            "inflation": 0.0,
            "envelopes": {"resource": envelope},
            "objective": {"segments": 1},
            "rules": {"env": ENVELOPE, "guarantee": {"kind": "floor", **floor}},
            **patch,
        }
    )
    return scenario, tiny_geography([100.0] * 3, {"growth_fund": [baseline] * 3})


def _value(*years: list[float]) -> float:
    return SLOPE * sum(n * x for xs in years for n, x in zip(NEED, xs, strict=True))


def _totals(settlement) -> list[list[float]]:
    return settlement.area_year_totals()["amount_gbp"].unstack("area_code").to_numpy().tolist()


def test_cash_floor_by_hand() -> None:
    # floors 3 x 3,000 = 9,000; the other 6,000 to area 0: 9,000, 3,000, 3,000
    settlement = solve(*_case({"phi": 1.0}))
    assert _totals(settlement)[0] == pytest.approx([9_000.0, 3_000.0, 3_000.0], abs=0.01)
    assert settlement.summary["value"]["V"] == pytest.approx(_value([9_000, 3_000, 3_000]), rel=1e-6)
    assert settlement.verified


def test_dated_phi_over_two_years() -> None:
    # 2026 as above; 2027 at phi 0.5: floors 4,500, 1,500, 1,500, then area 0 to 10,000 and area 1 +2,000
    settlement = solve(*_case({"phi": {2026: 1.0, 2027: 0.5}}, years=[2026, 2027]))
    x = _totals(settlement)
    assert x[0] == pytest.approx([9_000.0, 3_000.0, 3_000.0], abs=0.01)
    assert x[1] == pytest.approx([10_000.0, 3_500.0, 1_500.0], abs=0.01)
    assert settlement.summary["value"]["V"] == pytest.approx(_value(*x), rel=1e-6)
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * 44_950, rel=1e-6)


def test_real_terms_floor_in_a_cash_scenario_uprates_by_inflation() -> None:
    # cash amounts, 10% inflation: floors 3,300 each, the other 5,100 to area 0; V deflates cash by 1.1
    settlement = solve(*_case({"phi": 1.0, "real": True}, inflation=0.1, amounts="cash"))
    assert _totals(settlement)[0] == pytest.approx([8_400.0, 3_300.0, 3_300.0], abs=0.01)
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * 20_430 / 1.1, rel=1e-6)
    assert settlement.verified


def test_cash_floor_in_a_real_terms_scenario_allows_the_inflation_fall() -> None:
    # real amounts, 25% inflation: a cash floor of 3,000 is 2,400 in real terms; area 0 fills its
    # capacity of 10,000 and area 1 takes the remaining 2,600
    settlement = solve(*_case({"phi": 1.0}, inflation=0.25))
    assert _totals(settlement)[0] == pytest.approx([10_000.0, 2_600.0, 2_400.0], abs=0.01)
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * 22_840, rel=1e-6)
    assert settlement.verified


def test_spending_power_floor_counts_own_resources() -> None:
    # SP floors X + own_2026 >= base + own_2025: area 0 lost 1,000 of its own, so it needs 4,000;
    # area 1 gained 500 of its own, so 2,500 will do; area 2 3,000. The other 5,500 to area 0.
    own = {2025: [1_000.0, 2_000.0, 0.0], 2026: [0.0, 2_500.0, 0.0]}
    scenario = tiny_scenario(
        {
            "inflation": 0.0,
            "envelopes": {"resource": 15_000.0},
            "geography": {"own_resources": {"path": "unused.csv"}},
            "objective": {"segments": 1},
            "rules": {"env": ENVELOPE, "guarantee": {"kind": "floor", "basis": "spending_power"}},
        }
    )
    settlement = solve(scenario, tiny_geography([100.0] * 3, {"growth_fund": [3_000.0] * 3}, own=own))
    assert _totals(settlement)[0] == pytest.approx([9_500.0, 2_500.0, 3_000.0], abs=0.01)
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * 21_800, rel=1e-6)
    assert settlement.verified
    # on the grant alone, area 1's cut of 500 would breach a cash floor
    grant = make_rule("grant", FloorSpec(phi=1.0)).check(settlement)
    assert (grant.violations, grant.worst) == (1, "E06000001 2026")
    assert grant.max_violation_gbp == pytest.approx(500.0, abs=0.01)


def test_check_passes_on_the_solve_and_fails_on_a_broken_settlement() -> None:
    settlement = solve(*_case({"phi": 1.0}))
    rule = make_rule("guarantee", settlement.scenario.rules["guarantee"])
    assert rule.check(settlement).violations == 0
    alloc = settlement.allocations.copy()
    alloc.loc[alloc["area_code"] == CODES[2], "amount_gbp"] = 2_500.0  # 500 below its 3,000 baseline
    broken = rule.check(dataclasses.replace(settlement, allocations=alloc))
    assert (broken.violations, broken.worst, broken.passed) == (1, "E06000002 2026", False)
    assert broken.max_violation_gbp == pytest.approx(500.0, abs=0.01)


def test_soft_floor_gives_way_to_the_envelope() -> None:
    # floors of 3 x 6,000 need 18,000 from 15,000: 3,000 must give; value keeps areas 0 and 1 whole
    settlement = solve(*_case({"phi": 1.0, "mode": "soft"}, baseline=6_000.0))
    assert _totals(settlement)[0] == pytest.approx([6_000.0, 6_000.0, 3_000.0], abs=0.01)
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * 18_300, rel=1e-6)
    check = make_rule("guarantee", settlement.scenario.rules["guarantee"]).check(settlement)
    assert (check.violations, check.worst, check.passed) == (1, "E06000002 2026", True)
    assert check.max_violation_gbp == pytest.approx(3_000.0, abs=0.01)


def test_infeasible_floor_above_capacity_is_diagnosed() -> None:
    # baselines of 12,000 against a capacity of 10,000 each: the floor gives 3 x 2,000 = 6,000;
    # feasible with phi <= 10,000 / 12,000 = 83.3% (= 1 - 6,000 / 36,000).
    with pytest.raises(InfeasibleError) as err:
        solve(*_case({"phi": 1.0}, baseline=12_000.0, envelope=50_000.0))
    diagnosis = err.value.diagnosis
    assert diagnosis["rule_id"].tolist() == ["guarantee"]
    row = diagnosis.iloc[0]
    assert (row["year"], row["areas"]) == (2026, 3)
    assert row["relaxation_gbp"] == pytest.approx(6_000.0, abs=0.01)
    assert "£6,000" in row["explanation"]
    assert "phi <= 83.3%" in row["explanation"]
