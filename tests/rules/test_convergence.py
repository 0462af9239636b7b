"""Convergence: X[a, t] >= (1 - kappa_t) F[a, t], F the formula target.

Tiny case: three areas of 100 people (capacity £10,000 each), need 2, 1, 0.1 (gva 30, 35, 40 against 40),
so relative need shares 20/31, 10/31, 1/31 and, with an envelope of £15,500, formula targets F = 10,000,
5,000 and 500. ``segments: 1``: each £ is worth SLOPE x need.
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


def _case(kappa, envelope: float = 15_500.0, years: list[int] | None = None, mode: str = "hard"):
    scenario = tiny_scenario(
        {
            "years": years or [2026],
            "envelopes": {"resource": envelope},
            "objective": {"segments": 1},
            "rules": {
                "env": {"kind": "envelope", "budget": "resource"},
                "fair_share": {"kind": "convergence", "kappa": kappa, "mode": mode},
            },
        }
    )
    return scenario, tiny_geography([100.0] * 3, {"growth_fund": [5_000.0] * 3})


def _totals(settlement) -> list[list[float]]:
    """Rows are years, columns areas."""
    return settlement.area_year_totals()["amount_gbp"].unstack("area_code").to_numpy().tolist()


def test_convergence_by_hand() -> None:
    # 2026, kappa 20%: minima 8,000, 4,000, 400; area 0 to capacity 10,000, area 1 the rest, 5,100.
    # 2027, kappa 10%: minima 9,000, 4,500, 450; area 0 10,000, area 1 5,050.
    settlement = solve(*_case({2026: 0.2, 2027: 0.1}, years=[2026, 2027]))
    totals = settlement.area_year_totals()
    targets = totals["formula_target_gbp"].unstack("area_code").to_numpy()
    assert targets.tolist() == [pytest.approx([10_000.0, 5_000.0, 500.0])] * 2
    x = _totals(settlement)
    assert x[0] == pytest.approx([10_000.0, 5_100.0, 400.0], abs=0.01)
    assert x[1] == pytest.approx([10_000.0, 5_050.0, 450.0], abs=0.01)
    # 25,140 + 25,095
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * 50_235, rel=1e-6)
    assert settlement.verified


def test_check_passes_on_the_solve_and_fails_on_a_broken_settlement() -> None:
    settlement = solve(*_case(0.2))
    rule = make_rule("fair_share", settlement.scenario.rules["fair_share"])
    assert rule.check(settlement).violations == 0
    alloc = settlement.allocations.copy()
    alloc.loc[alloc["area_code"] == CODES[2], "amount_gbp"] = 300.0  # at least 0.8 x 500 = 400
    broken = rule.check(dataclasses.replace(settlement, allocations=alloc))
    assert (broken.violations, broken.worst, broken.passed) == (1, "E06000002 2026", False)
    assert broken.max_violation_gbp == pytest.approx(100.0, abs=0.01)


def test_soft_convergence_gives_way_to_capacity() -> None:
    # envelope 31,000: targets 20,000, 10,000, 1,000; area 0 can absorb only 10,000 of the 16,000 it
    # should have (6,000 short). Everything else fits: every area at its capacity of 10,000.
    settlement = solve(*_case(0.2, envelope=31_000.0, mode="soft"))
    assert _totals(settlement)[0] == pytest.approx([10_000.0] * 3, abs=0.01)
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * 31_000, rel=1e-6)
    check = make_rule("fair_share", settlement.scenario.rules["fair_share"]).check(settlement)
    assert (check.violations, check.worst, check.passed) == (1, "E06000000 2026", True)
    assert check.max_violation_gbp == pytest.approx(6_000.0, abs=0.01)


def test_infeasible_convergence_is_diagnosed() -> None:
    # as above, hard: the rule gives 6,000 at area 0; feasible with kappa >= 1 - 10,000 / 20,000 = 50%
    with pytest.raises(InfeasibleError) as err:
        solve(*_case(0.2, envelope=31_000.0))
    diagnosis = err.value.diagnosis
    assert diagnosis["rule_id"].tolist() == ["fair_share"]
    row = diagnosis.iloc[0]
    assert (row["year"], row["areas"]) == (2026, 1)
    assert row["relaxation_gbp"] == pytest.approx(6_000.0, abs=0.01)
    assert "£6,000" in row["explanation"]
    assert "kappa >= 50.0%" in row["explanation"]
