"""Envelope: per year and budget, the national total stays within (1 - headroom) of the envelope.

Tiny case: three areas of 100 people (capacity zmax x p = £10,000 each), gva 30, 35, 40 against a target
of 40, so gaps 10, 5, 0 and need 2, 1, 0.1. With ``segments: 1`` every £ is worth SLOPE x need.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from allocator.engine import solve
from allocator.errors import InfeasibleError
from allocator.rules import make_rule
from allocator.rules.envelope import EnvelopeSpec
from tests.conftest import tiny_geography, tiny_scenario

SLOPE = 10.0 * math.log(11.0) / 100.0  # one response segment: z0 ln(1 + zmax / z0) / zmax
POP = [100.0, 100.0, 100.0]
CODES = ["E06000000", "E06000001", "E06000002"]


def _case(rules: dict, envelope: float = 15_000.0, baseline: float = 3_000.0):
    scenario = tiny_scenario(
        {
            "inflation": 0.0,  # so a cash floor in these real-terms amounts is the baseline itself
            "envelopes": {"resource": envelope},
            "objective": {"segments": 1},
            "rules": rules,
        }
    )
    return scenario, tiny_geography(POP, {"growth_fund": [baseline] * 3})


def _with_amount(settlement, code: str, year: int, amount: float):
    alloc = settlement.allocations.copy()
    alloc.loc[(alloc["area_code"] == code) & (alloc["year"] == year), "amount_gbp"] = amount
    return dataclasses.replace(settlement, allocations=alloc)


@pytest.mark.parametrize(
    ("headroom", "expected"),
    [
        # 15,000: area 0 (need 2) to capacity 10,000, area 1 (need 1) the other 5,000
        (0.0, [10_000.0, 5_000.0, 0.0]),
        # 20% headroom leaves 12,000: area 0 10,000, area 1 2,000
        (0.2, [10_000.0, 2_000.0, 0.0]),
    ],
)
def test_envelope_fills_the_best_areas_first(headroom: float, expected: list[float]) -> None:
    rules = {"env": {"kind": "envelope", "budget": "resource", "headroom_share": headroom}}
    settlement = solve(*_case(rules))
    x = settlement.area_year_totals()["amount_gbp"].to_numpy()
    assert x == pytest.approx(expected, abs=0.01)
    v = SLOPE * (2.0 * expected[0] + 1.0 * expected[1] + 0.1 * expected[2])
    assert settlement.summary["value"]["V"] == pytest.approx(v, rel=1e-6)
    assert settlement.verified


def test_check_passes_on_the_solve_and_fails_on_a_broken_settlement() -> None:
    settlement = solve(*_case({"env": {"kind": "envelope", "budget": "resource"}}))
    rule = make_rule("env", settlement.scenario.rules["env"])
    assert rule.check(settlement).violations == 0

    over = rule.check(_with_amount(settlement, CODES[2], 2026, 500.0))  # 15,500 against 15,000
    assert (over.violations, over.worst, over.passed) == (1, "2026", False)
    assert over.max_violation_gbp == pytest.approx(500.0, abs=0.01)

    # 1,000 left unallocated: fine for "at most", a breach of must_allocate
    under = _with_amount(settlement, CODES[1], 2026, 4_000.0)
    assert rule.check(under).violations == 0
    exact = make_rule("env", EnvelopeSpec(budget="resource", must_allocate=True)).check(under)
    assert exact.violations == 1
    assert exact.max_violation_gbp == pytest.approx(1_000.0, abs=0.01)


def test_soft_envelope_gives_way_to_a_hard_floor() -> None:
    # Cash floors on baselines of 6,000 need 18,000 against an envelope of 15,000: the soft envelope
    # gives 3,000, and nothing more (a £ of breach costs 10x the best £ of value).
    rules = {
        "env": {"kind": "envelope", "budget": "resource", "mode": "soft"},
        "guarantee": {"kind": "floor", "phi": 1.0},
    }
    settlement = solve(*_case(rules, baseline=6_000.0))
    x = settlement.area_year_totals()["amount_gbp"].to_numpy()
    assert x == pytest.approx([6_000.0] * 3, abs=0.01)
    assert settlement.summary["value"]["V"] == pytest.approx(SLOPE * (12_000 + 6_000 + 600), rel=1e-6)
    check = make_rule("env", settlement.scenario.rules["env"]).check(settlement)
    assert (check.violations, check.passed) == (1, True)
    assert check.max_violation_gbp == pytest.approx(3_000.0, abs=0.01)


def test_infeasible_must_allocate_beyond_capacity_is_diagnosed() -> None:
    # Three areas can absorb 3 x 10,000 = 30,000; allocating exactly 35,000 is impossible: the envelope
    # gives 5,000 (14.3% of 35,000).
    rules = {"env": {"kind": "envelope", "budget": "resource", "must_allocate": True}}
    with pytest.raises(InfeasibleError) as err:
        solve(*_case(rules, envelope=35_000.0))
    diagnosis = err.value.diagnosis
    assert diagnosis["rule_id"].tolist() == ["env"]
    row = diagnosis.iloc[0]
    assert row["year"] == 2026
    assert row["relaxation_gbp"] == pytest.approx(5_000.0, abs=0.01)
    assert "£5,000" in row["explanation"]
    assert "14.3%" in row["explanation"]
