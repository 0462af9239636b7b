"""capital_share, by hand: two areas, a resource and a capital stream, one linear response segment.

Both streams have z0 = 10 and zmax = 100 £ per head unless a test caps them, so each £ buys
K = ln(11) / 10 of response, up to 1,000 per area and stream (10 people). gva 30 and 35 against 40:
need 4/3 (A0) and 2/3 (A1); both streams have effect 1, so £1 is worth 4/3 K in A0 and 2/3 K in A1.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

from allocator.engine import solve
from allocator.errors import InfeasibleError
from allocator.rules import make_rule
from tests.conftest import tiny_geography, tiny_scenario

K = math.log(11) / 10
A0, A1 = "E06000000", "E06000001"


def _scenario(rule: dict, capital: bool = True, zmax=(100.0, 100.0), envelopes=(1000.0, 1000.0), must=False):
    streams = {"growth_fund": {"budget": "resource", "z0_gbp_per_head": 10.0, "zmax_gbp_per_head": zmax[0]}}
    rules = {"resource_envelope": {"kind": "envelope", "budget": "resource", "must_allocate": must}}
    patch = {"envelopes": {"resource": envelopes[0]}}
    if capital:
        streams["housing"] = {
            "budget": "capital",
            "z0_gbp_per_head": 10.0,
            "zmax_gbp_per_head": zmax[1],
            "effects": {"growth": 1.0},
        }
        rules["capital_envelope"] = {"kind": "envelope", "budget": "capital", "must_allocate": must}
        patch["envelopes"]["capital"] = envelopes[1]
    rules["share"] = {"kind": "capital_share", **rule}
    return tiny_scenario({**patch, "streams": streams, "objective": {"segments": 1}, "rules": rules})


def _geography(capital: bool = True):
    baseline = {"growth_fund": [100.0, 100.0]} | ({"housing": [100.0, 100.0]} if capital else {})
    return tiny_geography([10.0, 10.0], baseline)


@pytest.mark.parametrize(
    ("bounds", "resource", "capital"),
    [({"hi": 0.4}, 1000.0, 2000 / 3), ({"lo": 0.6}, 2000 / 3, 1000.0)],
)
def test_share_binds_by_hand(bounds: dict, resource: float, capital: float) -> None:
    # Everything is worth most in A0. hi 0.4: C <= 0.4 (R + C), so with R = 1,000 (its capacity) A0 takes
    # C = 666.67; A1 could take capital only with resource of its own, which is worth more in A0.
    # lo 0.6: R <= 2/3 C, so A0 takes C = 1,000 and R = 666.67. Either way V = 4/3 K x 1,666.67.
    settlement = solve(_scenario(bounds), _geography())
    assert settlement.summary["value"]["V"] == pytest.approx(4 / 3 * K * 5000 / 3, rel=1e-6)
    amounts = settlement.amounts().loc[(A0, 2026)]
    assert amounts["growth_fund"] == pytest.approx(resource, abs=0.01)
    assert amounts["housing"] == pytest.approx(capital, abs=0.01)
    assert settlement.verified


def test_no_capital_budget_checks_nothing() -> None:
    # Resource only: the rule adds no row; all 1,000 goes to A0. V = 1,000 x 4/3 K.
    scenario = _scenario({"lo": 0.2, "hi": 0.5}, capital=False)
    settlement = solve(scenario, _geography(capital=False))
    assert settlement.summary["value"]["V"] == pytest.approx(1000 * 4 / 3 * K, rel=1e-6)
    result = make_rule("share", scenario.rules["share"]).check(settlement)
    assert (result.checked, result.violations, result.passed) == (0, 0, True)


def test_check_fails_on_a_broken_settlement() -> None:
    scenario = _scenario({"hi": 0.4})
    settlement = solve(scenario, _geography())
    rule = make_rule("share", scenario.rules["share"])
    assert rule.check(settlement).passed
    broken = settlement.allocations.copy()
    broken.loc[(broken["area_code"] == A0) & (broken["stream"] == "housing"), "amount_gbp"] = 1000.0
    # A0: capital 1,000 of 2,000 is 200 above 40% of the total
    result = rule.check(dataclasses.replace(settlement, allocations=broken))
    assert (result.checked, result.violations) == (2, 1)
    assert result.max_violation_gbp == pytest.approx(200.0, abs=0.01)
    assert result.worst == f"{A0} 2026"
    assert not result.passed


# Pinned case: resource capacity 10 x £50 = 500 and capital 10 x £10 = 100 per area, and both envelopes
# must be allocated in full (1,000 and 200): each area gets R = 500 and C = 100 whatever the rule says.
# lo 0.5 wants C >= 0.5 x 600 = 300: each area is 200 short, £400 in all; the shares are 100 / 600.
def _pinned(mode: str):
    scenario = _scenario({"lo": 0.5, "mode": mode}, zmax=(50.0, 10.0), envelopes=(1000.0, 200.0), must=True)
    return scenario, _geography()


def test_soft_share_reports_its_breach() -> None:
    settlement = solve(*_pinned("soft"))
    # slopes: resource 10 ln(1 + 50/10) / 50 = ln(6) / 5, capital 10 ln(2) / 10 = ln 2; need 4/3 + 2/3 = 2
    expected = 500 * math.log(6) / 5 * 2 + 100 * math.log(2) * 2
    assert settlement.summary["value"]["V"] == pytest.approx(expected, rel=1e-6)
    row = settlement.verification.set_index("rule_id").loc["share"]
    assert (row["violations"], row["passed"]) == (2, True)
    assert row["max_violation_gbp"] == pytest.approx(200.0, abs=0.01)


def test_infeasible_share_is_diagnosed() -> None:
    with pytest.raises(InfeasibleError) as err:
        solve(*_pinned("hard"))
    diagnosis = err.value.diagnosis
    assert diagnosis["rule_id"].tolist() == ["share"]
    row = diagnosis.iloc[0]
    assert (row["kind"], row["year"]) == ("capital_share", 2026)
    assert row["relaxation_gbp"] == pytest.approx(400.0, abs=0.01)
    # 100 / 600 = 16.67%, shown rounded down so that it holds
    assert "lo <= 16.6%" in row["explanation"]
    assert "£400" in row["explanation"]
