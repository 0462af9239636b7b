"""ring_fence, by hand: two areas, two resource streams, one linear response segment.

Every stream has z0 = 10 and zmax = 100 £ per head, so with one segment each £ buys
K = z0 ln(1 + zmax / z0) / zmax = ln(11) / 10 of response, up to 1,000 per area and stream (10 people).
gva 30 and 35 against a target of 40: gaps 10 and 5, mean 7.5, need 4/3 and 2/3. Mission value per £:
growth_fund (effect 1.0) 4/3 K in A0 and 2/3 K in A1; safety (effect 0.6) 0.8 K in A0 and 0.4 K in A1.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest

from allocator.engine import solve
from allocator.errors import InfeasibleError
from allocator.rules import make_rule
from tests.conftest import tiny_geography, tiny_scenario

K = math.log(11) / 10
A0, A1 = "E06000000", "E06000001"
STREAMS = {
    "growth_fund": {"budget": "resource", "z0_gbp_per_head": 10.0, "zmax_gbp_per_head": 100.0},
    "safety": {
        "budget": "resource",
        "z0_gbp_per_head": 10.0,
        "zmax_gbp_per_head": 100.0,
        "effects": {"growth": 0.6},
    },
}


def _scenario(fence: dict, years: tuple[int, ...] = (2026,), envelope: float = 1000.0):
    return tiny_scenario(
        {
            "years": list(years),
            "envelopes": {"resource": envelope},
            "streams": STREAMS,
            "objective": {"segments": 1},
            "rules": {
                "envelope": {"kind": "envelope", "budget": "resource"},
                "fence": {"kind": "ring_fence", **fence},
            },
        }
    )


def _geography():
    return tiny_geography(
        [10.0, 10.0],
        {"growth_fund": [100.0, 100.0], "safety": [100.0, 100.0]},
        indicators={"gva": [30.0, 35.0]},
        attributes={"group": ["north", "south"]},
    )


def _solve(fence: dict, **kw):
    scenario = _scenario(fence, **kw)
    return scenario, solve(scenario, _geography())


@pytest.mark.parametrize(
    "bound", [{"amount_gbp": {2026: 400.0, 2027: 200.0}}, {"share": {2026: 0.4, 2027: 0.2}}]
)
def test_minimum_fence_by_hand(bound: dict) -> None:
    # Unfenced, all 1,000 goes to growth_fund in A0 (4/3 K). The fence moves 400 (then 200) into the
    # next best use of safety, A0 at 0.8 K: V = K (600 * 4/3 + 400 * 0.8 + 800 * 4/3 + 200 * 0.8).
    _, settlement = _solve({"stream": "safety", **bound}, years=(2026, 2027))
    assert settlement.summary["value"]["V"] == pytest.approx(K * (800 + 320 + 3200 / 3 + 160), rel=1e-6)
    amounts = settlement.amounts()
    np.testing.assert_allclose(amounts.loc[A0, "growth_fund"], [600.0, 800.0], atol=0.01)
    np.testing.assert_allclose(amounts.loc[A0, "safety"], [400.0, 200.0], atol=0.01)
    np.testing.assert_allclose(amounts.loc[A1].to_numpy(), 0.0, atol=0.01)
    assert settlement.verified


def test_maximum_fence_by_hand() -> None:
    # growth_fund capped at 300: the other 700 goes to safety in A0. V = K (300 * 4/3 + 700 * 0.8).
    _, settlement = _solve({"stream": "growth_fund", "amount_gbp": 300.0, "sense": "max"})
    assert settlement.summary["value"]["V"] == pytest.approx(K * (400 + 560), rel=1e-6)
    assert settlement.amounts().loc[(A0, 2026), "safety"] == pytest.approx(700.0, abs=0.01)
    assert settlement.verified


def test_fence_over_some_areas_by_hand() -> None:
    # 300 of safety must go to A1 (0.4 K), the rest to growth_fund in A0: V = K (700 * 4/3 + 300 * 0.4).
    fence = {"stream": "safety", "amount_gbp": 300.0, "areas": {"group": "south"}}
    _, settlement = _solve(fence)
    assert settlement.summary["value"]["V"] == pytest.approx(K * (2800 / 3 + 120), rel=1e-6)
    assert settlement.amounts().loc[(A1, 2026), "safety"] == pytest.approx(300.0, abs=0.01)
    assert settlement.verified


def test_check_fails_on_a_broken_settlement() -> None:
    scenario, settlement = _solve(
        {"stream": "safety", "amount_gbp": {2026: 400.0, 2027: 200.0}}, years=(2026, 2027)
    )
    rule = make_rule("fence", scenario.rules["fence"])
    assert rule.check(settlement).passed
    broken = settlement.allocations.copy()
    row = (broken["area_code"] == A0) & (broken["year"] == 2026) & (broken["stream"] == "safety")
    broken.loc[row, "amount_gbp"] = 100.0
    result = rule.check(dataclasses.replace(settlement, allocations=broken))
    assert (result.checked, result.violations) == (2, 1)
    assert result.max_violation_gbp == pytest.approx(300.0, abs=0.01)
    assert result.worst == "safety 2026"
    assert not result.passed


def test_soft_fence_reports_its_breach() -> None:
    # 1,500 of safety asked for, only 1,000 to give: the penalty (10 x the best value per £) puts all
    # 1,000 into safety, A0 first (0.8 K), and the fence falls 500 short. V = 1,000 * 0.8 K.
    _, settlement = _solve({"stream": "safety", "amount_gbp": 1500.0, "mode": "soft"})
    assert settlement.summary["value"]["V"] == pytest.approx(800 * K, rel=1e-6)
    row = settlement.verification.set_index("rule_id").loc["fence"]
    assert (row["violations"], row["passed"]) == (1, True)
    assert row["max_violation_gbp"] == pytest.approx(500.0, abs=0.01)


@pytest.mark.parametrize(
    ("bound", "gbp", "fix"),
    [
        ({"amount_gbp": 2500.0}, 500.0, "amount_gbp <= £2,000"),
        ({"share": 0.8}, 400.0, "share <= 66.6%"),
    ],
)
def test_infeasible_fence_is_diagnosed(bound: dict, gbp: float, fix: str) -> None:
    # Safety can absorb at most 2 x 10 people x £100 = £2,000: a fence of 2,500 (or 80% of the 3,000
    # envelope, 2,400) must give 500 (400); feasible at £2,000, a share of 2,000 / 3,000 = 66.67%
    # (shown rounded down, so that it holds: 66.6%).
    scenario = _scenario({"stream": "safety", **bound}, envelope=3000.0)
    with pytest.raises(InfeasibleError) as err:
        solve(scenario, _geography())
    diagnosis = err.value.diagnosis
    assert diagnosis["rule_id"].tolist() == ["fence"]
    row = diagnosis.iloc[0]
    assert (row["kind"], row["year"]) == ("ring_fence", 2026)
    assert row["relaxation_gbp"] == pytest.approx(gbp, abs=0.01)
    assert fix in row["explanation"]
    assert "2026-27" in row["explanation"]
