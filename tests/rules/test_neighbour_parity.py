"""neighbour_parity, by hand: areas in a row (each shares a boundary with the next), one stream.

growth_fund has z0 = 10 and zmax = 100 £ per head, so with one linear segment each £ buys
K = ln(11) / 10 of response; the value of £1 in area a is K need_a.
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
A0, A1, A2 = "E06000000", "E06000001", "E06000002"


def _scenario(rule: dict, years=(2026,), must_allocate: bool = False, stream: dict | None = None):
    return tiny_scenario(
        {
            "years": list(years),
            "streams": {"growth_fund": {"z0_gbp_per_head": 10.0, **(stream or {})}},
            "objective": {"segments": 1},
            "rules": {
                "envelope": {"kind": "envelope", "budget": "resource", "must_allocate": must_allocate},
                "parity": {"kind": "neighbour_parity", **rule},
            },
        }
    )


def _three():
    # populations 10, 20, 10 (P = 40); gva 30, 35, 40 against 40: gaps 10, 5, 0, need 2, 1, 0.1
    scenario = _scenario({"tau": {2026: 0.5, 2027: 1.0}}, years=(2026, 2027))
    geography = tiny_geography(
        [10.0, 20.0, 10.0], {"growth_fund": [100.0, 100.0, 100.0]}, indicators={"gva": [30.0, 35.0, 40.0]}
    )
    return scenario, solve(scenario, geography)


def test_parity_spreads_money_along_the_row_by_hand() -> None:
    # Per heads a, b, c and g = tau N / P. Money flows to A0 (2 K) until a - b = g, then to A1 (1 K)
    # until b - c = g: a = c + 2g, b = c + g, N = 10a + 20b + 10c = 40c + 40g.
    # 2026, tau 0.5: g = N / 80, so N = 80c; N = 1,000 gives c = 12.5, a = 37.5, b = 25:
    #   X = 375, 500, 125 and V = K (2 x 375 + 500 + 0.1 x 125) = 1,262.5 K.
    # 2027, tau 1: g = N / 40, so c = 0, g = 25, a = 50, b = 25: X = 500, 500, 0, V = 1,500 K.
    _, settlement = _three()
    assert settlement.summary["value"]["V"] == pytest.approx(K * (1262.5 + 1500), rel=1e-6)
    totals = settlement.area_year_totals()["amount_gbp"].unstack("year")
    np.testing.assert_allclose(totals[2026].to_numpy(), [375.0, 500.0, 125.0], atol=0.01)
    np.testing.assert_allclose(totals[2027].to_numpy(), [500.0, 500.0, 0.0], atol=0.01)
    assert settlement.verified


def test_check_fails_on_a_broken_settlement() -> None:
    scenario, settlement = _three()
    rule = make_rule("parity", scenario.rules["parity"])
    assert rule.check(settlement).passed
    broken = settlement.allocations.copy()
    broken.loc[(broken["area_code"] == A1) & (broken["year"] == 2026), "amount_gbp"] = 200.0
    # 2026 now 375, 200, 125 (N = 700, £17.50 a head nationally, gap allowed £8.75): A0 at £37.50 a head
    # is £27.50 above A1's £10, £18.75 a head too many, £187.50 of A0's total; A1-A2 (£2.50) holds.
    result = rule.check(dataclasses.replace(settlement, allocations=broken))
    assert (result.checked, result.violations) == (4, 1)  # 2 pairs x 2 years
    assert result.max_violation_gbp == pytest.approx(187.5, abs=0.01)
    assert result.worst == f"{A0} {A1} 2026"
    assert not result.passed


def _stranded(mode: str):
    # A1 is a district, not eligible for growth_fund, and the envelope must allocate all 1,000: A0 gets
    # 1,000 (£100 a head) against A1's 0, with a national £1,000 / 20 = £50 a head. tau 0.5 allows a gap
    # of £25: A0 is £75 a head over, £750 of its total; feasible only with tau >= 100 / 50 = 200%.
    scenario = _scenario(
        {"tau": 0.5, "mode": mode}, must_allocate=True, stream={"eligible_tiers": ["Unitary authority"]}
    )
    geography = tiny_geography(
        [10.0, 10.0], {"growth_fund": [100.0, 0.0]}, attributes={"tier": ["Unitary authority", "District"]}
    )
    return scenario, geography


def test_soft_parity_reports_its_breach() -> None:
    settlement = solve(*_stranded("soft"))
    # gva 30 and 35 (default): need 4/3 and 2/3; everything goes to A0: V = 1,000 x 4/3 K
    assert settlement.summary["value"]["V"] == pytest.approx(1000 * 4 / 3 * K, rel=1e-6)
    row = settlement.verification.set_index("rule_id").loc["parity"]
    assert (row["violations"], row["passed"], row["worst"]) == (1, True, f"{A0} {A1} 2026")
    assert row["max_violation_gbp"] == pytest.approx(750.0, abs=0.01)


def test_infeasible_parity_is_diagnosed() -> None:
    with pytest.raises(InfeasibleError) as err:
        solve(*_stranded("hard"))
    diagnosis = err.value.diagnosis
    assert diagnosis["rule_id"].tolist() == ["parity"]
    row = diagnosis.iloc[0]
    assert (row["kind"], row["year"]) == ("neighbour_parity", 2026)
    assert row["relaxation_gbp"] == pytest.approx(750.0, abs=0.01)
    assert "tau >= 200.0%" in row["explanation"]
    assert "£750" in row["explanation"]
