"""ring_fenced_mix, by hand: two areas, two resource streams, one linear response segment.

growth_fund (effect 1.0) has z0 = 10 and zmax = 100 £ per head, so each £ buys K = ln(11) / 10 of
response, up to 1,000 per area (10 people); safety (effect 0.6) the same unless a test caps it.
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


def _scenario(rule: dict, years=(2026,), envelope: float = 1000.0, must_allocate=False, safety_zmax=100.0):
    streams = {
        "growth_fund": {"budget": "resource", "z0_gbp_per_head": 10.0, "zmax_gbp_per_head": 100.0},
        "safety": {
            "budget": "resource",
            "z0_gbp_per_head": 10.0,
            "zmax_gbp_per_head": safety_zmax,
            "effects": {"growth": 0.6},
        },
    }
    return tiny_scenario(
        {
            "years": list(years),
            "envelopes": {"resource": envelope},
            "streams": streams,
            "objective": {"segments": 1},
            "rules": {
                "envelope": {"kind": "envelope", "budget": "resource", "must_allocate": must_allocate},
                "mix": {"kind": "ring_fenced_mix", **rule},
            },
        }
    )


def _geography(gva, baseline, integrated=None):
    return tiny_geography([10.0, 10.0], baseline, indicators={"gva": gva}, integrated=integrated)


# gva 35 and 30 against 40: need 2/3 (A0) and 4/3 (A1). Value per £: growth_fund 2/3 K in A0, 4/3 K in
# A1; safety 0.4 K in A0, 0.8 K in A1. Baseline shares: A0 75/25, A1 50/50.
GVA = [35.0, 30.0]
BASELINE = {"growth_fund": [300.0, 100.0], "safety": [100.0, 100.0]}


def test_integrated_area_chooses_its_own_mix() -> None:
    # A1 is integrated (single pot): all 1,000 goes to its growth_fund. V = 1,000 * 4/3 K.
    settlement = solve(_scenario({"beta": 0.1}), _geography(GVA, BASELINE, integrated=[False, True]))
    assert settlement.summary["value"]["V"] == pytest.approx(1000 * 4 / 3 * K, rel=1e-6)
    assert settlement.amounts().loc[(A1, 2026), "growth_fund"] == pytest.approx(1000.0, abs=0.01)
    assert settlement.verified


def _mixed():
    scenario = _scenario({"beta": 0.1, "years": [2027]}, years=(2026, 2027))
    return scenario, solve(scenario, _geography(GVA, BASELINE))


def test_mix_binds_in_covered_years_by_hand() -> None:
    # 2026 is not covered: 1,000 to growth_fund in A1 (4/3 K). In 2027 A1 keeps growth_fund within
    # 50% +/- 10 points: each £ of A1's total buys at best 0.6 * 4/3 K + 0.4 * 0.8 K = 1.12 K, more than
    # anything in A0 (at best 0.85 * 2/3 K + 0.15 * 0.4 K = 0.627 K): 600 growth_fund, 400 safety.
    _, settlement = _mixed()
    assert settlement.summary["value"]["V"] == pytest.approx(K * (4000 / 3 + 1120), rel=1e-6)
    amounts = settlement.amounts()
    assert amounts.loc[(A1, 2027), "growth_fund"] == pytest.approx(600.0, abs=0.01)
    assert amounts.loc[(A1, 2027), "safety"] == pytest.approx(400.0, abs=0.01)
    assert settlement.verified


def test_relative_band_binds_by_hand() -> None:
    # band relative, beta 0.1: A1's growth_fund (baseline share 50%) stays within 45%-55% of its total.
    # Each £ of A1's total then buys at best 0.55 * 4/3 K + 0.45 * 0.8 K = 1.0933 K; in A0 (75/25, so
    # safety at least 22.5%) at best 0.775 * 2/3 K + 0.225 * 0.4 K = 0.6067 K: 550 growth_fund, 450 safety.
    scenario = _scenario({"beta": 0.1, "band": "relative", "years": [2027]}, years=(2026, 2027))
    settlement = solve(scenario, _geography(GVA, BASELINE))
    assert settlement.summary["value"]["V"] == pytest.approx(
        K * (4000 / 3 + 1000 * (0.55 * 4 / 3 + 0.45 * 0.8))
    )
    amounts = settlement.amounts()
    assert amounts.loc[(A1, 2027), "growth_fund"] == pytest.approx(550.0, abs=0.01)
    assert amounts.loc[(A1, 2027), "safety"] == pytest.approx(450.0, abs=0.01)
    assert settlement.verified
    # the same allocation breaks a 5% relative band, and the independent check says by how much
    narrow = make_rule("mix", scenario.rules["mix"].model_copy(update={"beta": 0.05}))
    result = narrow.check(settlement)
    assert not result.passed
    assert result.max_violation_gbp == pytest.approx(25.0, abs=0.01)  # 550 against 52.5% of 1,000


def test_relative_band_reads_as_a_share_of_the_share() -> None:
    scenario = _scenario({"beta": 0.15, "band": "relative"})
    rule = make_rule("mix", scenario.rules["mix"])
    assert "share of the area's funding stays within 15.0% of its baseline share" in rule.requirement(
        scenario
    )
    points = make_rule("mix", _scenario({"beta": 0.15}).rules["mix"])
    assert "within 15 points of its share" in points.requirement(scenario)


def test_check_fails_on_a_broken_settlement() -> None:
    scenario, settlement = _mixed()
    rule = make_rule("mix", scenario.rules["mix"])
    assert rule.check(settlement).passed
    broken = settlement.allocations.copy()
    row = (broken["area_code"] == A1) & (broken["year"] == 2027) & (broken["stream"] == "safety")
    broken.loc[row, "amount_gbp"] = 200.0
    # A1's total falls to 800: growth_fund 600 is 120 above 60% of it, safety 200 is 120 below 40%.
    result = rule.check(dataclasses.replace(settlement, allocations=broken))
    assert (result.checked, result.violations) == (4, 2)  # 2027 only: 2 areas x 2 streams
    assert result.max_violation_gbp == pytest.approx(120.0, abs=0.01)
    assert result.worst.startswith(f"{A1} 2027")
    assert not result.passed


# Pinned case: safety absorbs at most 10 x £10 = 100 per area, and the envelope must allocate 2,200,
# every area's full capacity: each area gets growth_fund 1,000 and safety 100 whatever the rule says.
# gva 30 and 35: need 4/3 and 2/3. Baseline 50/50 and beta 0.1: safety should be at least 40% of 1,100
# (440), so growth_fund is 1,000 - 660 = 340 over its upper row and safety 440 - 100 = 340 under its
# lower row, in each area: four rows of 340, £1,360 of slack; £680 would have to move between streams.
PINNED = {"growth_fund": [100.0, 100.0], "safety": [100.0, 100.0]}


def _pinned(mode: str):
    scenario = _scenario({"beta": 0.1, "mode": mode}, envelope=2200.0, must_allocate=True, safety_zmax=10.0)
    return scenario, _geography([30.0, 35.0], PINNED)


def test_soft_mix_reports_its_breach() -> None:
    scenario, geography = _pinned("soft")
    settlement = solve(scenario, geography)
    # V = growth_fund 1,000 K x (4/3 + 2/3) + safety 100 x ln 2 (slope of z0 = zmax = 10) x 0.6 x 2
    assert settlement.summary["value"]["V"] == pytest.approx(2000 * K + 120 * math.log(2), rel=1e-6)
    row = settlement.verification.set_index("rule_id").loc["mix"]
    assert (row["violations"], row["passed"]) == (4, True)
    assert row["max_violation_gbp"] == pytest.approx(340.0, abs=0.01)


def test_infeasible_mix_is_diagnosed() -> None:
    scenario, geography = _pinned("hard")
    with pytest.raises(InfeasibleError) as err:
        solve(scenario, geography)
    diagnosis = err.value.diagnosis
    assert diagnosis["rule_id"].tolist() == ["mix"]
    row = diagnosis.iloc[0]
    assert (row["kind"], row["year"]) == ("ring_fenced_mix", 2026)
    assert row["relaxation_gbp"] == pytest.approx(1360.0, abs=0.05)
    # feasible: growth_fund's share 1,000 / 1,100 = 90.91% is 40.91 points above its baseline 50%,
    # shown rounded up (so that it holds) to 0.410
    assert "£680 moved" in row["explanation"]
    assert "beta >= 0.410 (41 points)" in row["explanation"]
