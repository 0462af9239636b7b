"""Uncertainty: reproducible draws, the chosen settlement valued under each draw (regret never negative,
intervals around the central projection), and the robust objective solved as one LP."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import allocator as al
from allocator.errors import ScenarioError
from allocator.model.inputs import build_inputs
from allocator.model.robust import draw_inputs
from allocator.value import value
from allocator.whatif.sweep import sweep
from allocator.whatif.uncertainty import draw_overrides
from tests.whatif.cases import live_case

UNCERTAINTY = {
    "effects": {"distribution": "lognormal", "sd": 0.4},
    "z0": {"distribution": "uniform", "sd": 0.3},
    "persistence": {"distribution": "normal", "sd": 0.2},
    "streams": {"housing": {"effects": {"sd": 0.8}}},
    "seed": 5,
}


@pytest.fixture(scope="module")
def case():
    scenario, geography = live_case()
    scenario = scenario.with_overrides(
        {"uncertainty": UNCERTAINTY, "streams.safety.persistence": 0.5, "objective.tail_years": 3}
    )
    return scenario, geography


def test_draws_are_reproducible_and_spread(case):
    scenario, _ = case
    a, b = draw_overrides(scenario, 50, 7), draw_overrides(scenario, 50, 7)
    assert a == b
    assert a != draw_overrides(scenario, 50, 8)
    effects = np.array([d["streams.safety.effects.growth"] for d in a]) / 0.5
    assert np.median(np.log(effects)) == pytest.approx(0.0, abs=0.2)
    housing = np.array([d["streams.housing.effects.growth"] for d in a]) / 0.8
    assert np.log(housing).std() > np.log(effects).std()  # the stream's own, wider spread
    z0 = np.array([d["streams.safety.z0_gbp_per_head"] for d in a]) / 10.0
    assert z0.min() >= 0.7 - 1e-12
    assert z0.max() <= 1.3 + 1e-12
    assert all(d["streams.safety.persistence"] <= 0.99 for d in a)
    assert "streams.growth_fund.persistence" not in a[0]  # no persistence to spread


def test_schema_is_strict(case):
    scenario, _ = case
    with pytest.raises(ScenarioError, match="sd"):
        scenario.with_overrides({"uncertainty.effects.sd": -1})
    with pytest.raises(ScenarioError, match=r"unknown field .spread."):
        scenario.with_overrides({"uncertainty.effects.spread": 0.2})
    with pytest.raises(ScenarioError, match="uncertainty"):
        live_case()[0].with_overrides({"objective.mode": "robust"})


def test_sample_sweep(case, tmp_path):
    scenario, geography = case
    result = sweep(scenario, samples=12, seed=3, geography=geography, out=tmp_path / "draws")
    page = (tmp_path / "draws" / "report" / "index.html").read_text()
    assert "Projected outcomes under the chosen settlement" in page
    assert (tmp_path / "draws" / "curves" / "uncertainty.png").is_file()
    intervals = pd.read_parquet(tmp_path / "draws" / "outcome_intervals.parquet")
    assert {"area_code", "area_name", "mission", "p5", "p50", "p95"} <= set(intervals.columns)
    draws = result.draws()
    assert len(draws) == 12
    assert (draws["status"] == "optimal").all()
    assert (draws["own_V"] >= draws["chosen_V"] * (1 - 1e-9)).all()  # a draw's optimum is its best
    assert draws["regret"].min() >= 0
    # each draw's chosen V is the shipped settlement valued under the draw's inputs
    chosen = al.solve(scenario, geography)
    x = chosen.amounts().to_numpy().reshape(12, 3, 3)
    for v in result.variant_list[:3]:
        inputs = build_inputs(scenario.with_overrides(v.overrides), geography)
        assert draws.loc[v.id, "chosen_V"] == pytest.approx(value(inputs, x).total, rel=1e-5)  # x in pennies
    iv = result.outcome_intervals()
    assert len(iv) == 12 * len(scenario.missions)
    assert (iv["p5"] <= iv["p50"]).all()
    assert (iv["p50"] <= iv["p95"]).all()
    assert "draws" in result.tables()
    assert "outcome_intervals" in result.tables()
    again = sweep(scenario, samples=12, seed=3, geography=geography)
    assert again.draws()["own_V"].tolist() == draws["own_V"].tolist()


@pytest.mark.parametrize("measure", ["mean", "cvar"])
def test_robust_objective_is_one_lp_over_the_draws(case, measure):
    scenario, geography = case
    robust = scenario.with_overrides(
        {"objective.mode": "robust", "uncertainty.robust": {"measure": measure, "alpha": 0.25, "draws": 8}}
    )
    plain = al.solve(scenario, geography)
    best = al.solve(robust, geography)
    assert best.verified
    inputs = build_inputs(robust, geography)

    def measured(settlement):
        x = settlement.amounts().to_numpy().reshape(12, 3, 3)
        v = np.sort([value(d, x).total for d in draw_inputs(inputs)])
        return v.mean() if measure == "mean" else v[:2].mean()  # the worst quarter of 8 draws

    assert best.summary["solve"]["objective"] == pytest.approx(measured(best), rel=1e-5)  # x in pennies
    assert measured(best) >= measured(plain) * (1 - 1e-9)
