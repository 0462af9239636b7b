"""Per-capita minimum: X[a, t] >= mu_t p[a].

Tiny case: populations 100, 200, 100 (capacity £10,000, £20,000, £10,000), need 2, 1, 0.1 (gva 30, 35,
40 against 40), envelope £20,000 a year, ``segments: 1``: each £ is worth SLOPE x need, so the envelope
goes first to the minima, then to area 0 up to capacity, then to area 1.
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
POP = [100.0, 200.0, 100.0]
CODES = ["E06000000", "E06000001", "E06000002"]


def _case(mu, years: list[int] | None = None, envelope: float = 20_000.0, **more):
    scenario = tiny_scenario(
        {
            "years": years or [2026],
            "envelopes": {"resource": envelope},
            "objective": {"segments": 1},
            "rules": {
                "env": {"kind": "envelope", "budget": "resource"},
                "minimum": {"kind": "per_capita_minimum", "mu_gbp_per_head": mu, **more},
            },
        }
    )
    return scenario, tiny_geography(POP, {"growth_fund": [1_000.0] * 3})


def _totals(settlement) -> list[list[float]]:
    """Rows are years, columns areas."""
    return settlement.area_year_totals()["amount_gbp"].unstack("area_code").to_numpy().tolist()


def test_per_capita_minimum_by_hand() -> None:
    # 2026, £20 a head: minima 2,000, 4,000, 2,000; the other 12,000 lifts area 0 to 10,000 and area 1
    # by 4,000 to 8,000. 2027, £40 a head: minima 4,000, 8,000, 4,000; the other 4,000 to area 0.
    settlement = solve(*_case({2026: 20.0, 2027: 40.0}, years=[2026, 2027]))
    x = _totals(settlement)
    assert x[0] == pytest.approx([10_000.0, 8_000.0, 2_000.0], abs=0.01)
    assert x[1] == pytest.approx([8_000.0, 8_000.0, 4_000.0], abs=0.01)
    # 28,200 + 24,400
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * 52_600, rel=1e-6)
    assert settlement.verified


def test_check_passes_on_the_solve_and_fails_on_a_broken_settlement() -> None:
    settlement = solve(*_case(20.0))
    rule = make_rule("minimum", settlement.scenario.rules["minimum"])
    assert rule.check(settlement).violations == 0
    alloc = settlement.allocations.copy()
    alloc.loc[alloc["area_code"] == CODES[2], "amount_gbp"] = 1_500.0  # minimum 20 x 100 = 2,000
    broken = rule.check(dataclasses.replace(settlement, allocations=alloc))
    assert (broken.violations, broken.worst, broken.passed) == (1, "E06000002 2026", False)
    assert broken.max_violation_gbp == pytest.approx(500.0, abs=0.01)


def test_soft_minimum_gives_way_to_the_envelope() -> None:
    # £60 a head needs 6,000 + 12,000 + 6,000 = 24,000 of a 20,000 envelope: 4,000 must give, and
    # value keeps areas 0 and 1 whole, so area 2 gets 2,000 (4,000 short)
    settlement = solve(*_case(60.0, mode="soft"))
    assert _totals(settlement)[0] == pytest.approx([6_000.0, 12_000.0, 2_000.0], abs=0.01)
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * 24_200, rel=1e-6)
    check = make_rule("minimum", settlement.scenario.rules["minimum"]).check(settlement)
    assert (check.violations, check.worst, check.passed) == (1, "E06000002 2026", True)
    assert check.max_violation_gbp == pytest.approx(4_000.0, abs=0.01)


def test_infeasible_minimum_above_capacity_is_diagnosed() -> None:
    # £120 a head against an absorptive capacity of £100 a head: every area is £20 a head short,
    # 20 x 400 = 8,000 in all (the envelope of 100,000 is loose); feasible with mu <= £100 a head
    with pytest.raises(InfeasibleError) as err:
        solve(*_case(120.0, envelope=100_000.0))
    diagnosis = err.value.diagnosis
    assert diagnosis["rule_id"].tolist() == ["minimum"]
    row = diagnosis.iloc[0]
    assert (row["year"], row["areas"]) == (2026, 3)
    assert row["relaxation_gbp"] == pytest.approx(8_000.0, abs=0.01)
    assert "£8,000" in row["explanation"]
    assert "mu <= £100.00 per head" in row["explanation"]
