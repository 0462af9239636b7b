"""Equity ratio: X[a, t] / p[a] <= rho_t N[t] / P, with N and P over ALL recipient areas.

Tiny case: populations 100, 100, 200 (P = 400; capacity £10,000, £10,000, £20,000), need 2, 1, 0.1 (gva
30, 35, 40 against 40), envelope £20,000, ``segments: 1``: each £ is worth SLOPE x need. With the whole
envelope out, the national average is £50 a head.
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
CODES = ["E06000000", "E06000001", "E06000002"]


def _case(equity: dict):
    scenario = tiny_scenario(
        {
            "envelopes": {"resource": 20_000.0},
            "objective": {"segments": 1},
            "rules": {
                "env": {"kind": "envelope", "budget": "resource"},
                "equity": {"kind": "equity_ratio", **equity},
            },
        }
    )
    return scenario, tiny_geography([100.0, 100.0, 200.0], {"growth_fund": [1_000.0] * 3})


def _x(settlement) -> list[float]:
    return settlement.area_year_totals()["amount_gbp"].to_numpy().tolist()


def test_equity_ratio_by_hand() -> None:
    # rho 1.5: at most £75 a head, so areas 0 and 1 stop at 7,500 and area 2 takes the other 5,000
    settlement = solve(*_case({"rho": 1.5}))
    assert _x(settlement) == pytest.approx([7_500.0, 7_500.0, 5_000.0], abs=0.01)
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * (15_000 + 7_500 + 500), rel=1e-6)
    assert settlement.verified


def test_national_average_counts_every_area_not_just_the_covered_ones() -> None:
    # Only area 0 capped: still against the average of all three areas (£50 a head), so 7,500;
    # area 1 fills its capacity of 10,000 and area 2 takes 2,500. Were the average over the covered
    # area alone, the cap would never bind and area 0 would take 10,000.
    settlement = solve(*_case({"rho": 1.5, "areas": {"area_name": "Area 0"}}))
    assert _x(settlement) == pytest.approx([7_500.0, 10_000.0, 2_500.0], abs=0.01)
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * (15_000 + 10_000 + 250), rel=1e-6)
    assert settlement.verified


def test_check_passes_on_the_solve_and_fails_on_a_broken_settlement() -> None:
    settlement = solve(*_case({"rho": 1.5}))
    rule = make_rule("equity", settlement.scenario.rules["equity"])
    assert rule.check(settlement).violations == 0
    alloc = settlement.allocations.copy()
    alloc.loc[alloc["area_code"] == CODES[0], "amount_gbp"] = 8_500.0
    # national 21,000 over 400 people: £52.50 a head, cap 1.5 x 52.5 x 100 = 7,875, so 625 over
    broken = rule.check(dataclasses.replace(settlement, allocations=alloc))
    assert (broken.violations, broken.worst, broken.passed) == (1, "E06000000 2026", False)
    assert broken.max_violation_gbp == pytest.approx(625.0, abs=0.01)


def _forced(mode: str):
    """Two areas of 100 people; area 0 alone may also take a second stream, so it can absorb £200 a head
    and area 1 £100. gva 30, 40: need 2, 0.1. Exactly 30,000 must go out: capacity forces 20,000 and
    10,000, £200 a head against a national £150, where rho 1.2 allows £180 (18,000): 2,000 over."""
    scenario = tiny_scenario(
        {
            "envelopes": {"resource": 30_000.0},
            "streams": {
                "extra": {
                    "budget": "resource",
                    "eligible_tiers": ["Combined authority"],
                    "z0_gbp_per_head": 10.0,
                    "zmax_gbp_per_head": 100.0,
                    "effects": {"growth": 1.0},
                }
            },
            "objective": {"segments": 1},
            "rules": {
                "env": {"kind": "envelope", "budget": "resource", "must_allocate": True},
                "equity": {"kind": "equity_ratio", "rho": 1.2, "mode": mode},
            },
        }
    )
    geography = tiny_geography(
        [100.0, 100.0],
        {"growth_fund": [1_000.0] * 2, "extra": [0.0] * 2},
        indicators={"gva": [30.0, 40.0]},
        attributes={"tier": ["Combined authority", "Unitary authority"]},
    )
    return scenario, geography


def test_soft_equity_ratio_gives_way_to_capacity() -> None:
    settlement = solve(*_forced("soft"))
    assert _x(settlement) == pytest.approx([20_000.0, 10_000.0], abs=0.01)
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * (2 * 20_000 + 0.1 * 10_000), rel=1e-6)
    check = make_rule("equity", settlement.scenario.rules["equity"]).check(settlement)
    assert (check.violations, check.worst, check.passed) == (1, "E06000000 2026", True)
    assert check.max_violation_gbp == pytest.approx(2_000.0, abs=0.01)


def test_infeasible_equity_ratio_is_diagnosed() -> None:
    # Giving 2,000 on the ratio is cheaper than on the exact envelope (which would need 5,000 less
    # allocated: x0 <= 0.6 (x0 + 10,000) gives x0 <= 15,000). Feasible with rho >= 200 / 150 = 1.33.
    with pytest.raises(InfeasibleError) as err:
        solve(*_forced("hard"))
    diagnosis = err.value.diagnosis
    assert diagnosis["rule_id"].tolist() == ["equity"]
    row = diagnosis.iloc[0]
    assert (row["year"], row["areas"]) == (2026, 1)
    assert row["relaxation_gbp"] == pytest.approx(2_000.0, abs=0.01)
    assert "£2,000" in row["explanation"]
    assert "rho >= 1.33" in row["explanation"]
