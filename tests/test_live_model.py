"""The live model: a what-if that changes numbers is pushed into the solver's model and re-solved from
the last basis, and gives what a cold solve of the changed scenario gives."""

from __future__ import annotations

import pytest

import allocator as al
from tests.whatif.cases import live_case

WHAT_IFS = [
    {"envelopes.resource.2027": 3_200.0},  # a row bound
    {"rules.guarantee.phi": 0.9},  # coefficients of the floor rows
    {"streams.housing.effects.growth": 0.5},  # costs
    {"missions.growth.weight": 3.0, "objective.need_floor": 0.2},  # costs, and the formula's targets
    {"rules.pace.gamma": 0.12, "envelopes.capital.2028": 1_800.0},
]


def _scenario() -> tuple[al.Scenario, object]:
    """Twelve areas, three years, two budgets, the shipped rule set's kinds of rule."""
    return live_case()


@pytest.fixture(scope="module")
def live() -> tuple[al.Model, object]:
    scenario, geography = _scenario()
    model = al.Model(scenario, geography)
    model.solve()
    return model, geography


@pytest.mark.parametrize("overrides", WHAT_IFS, ids=lambda o: ",".join(o))
def test_resolve_equals_a_cold_solve(live: tuple[al.Model, object], overrides: dict) -> None:
    model, _ = live
    before = model.scenario  # what-ifs build on each other: the model holds the last one
    warm = model.resolve(overrides)
    assert model.warm, "a change of numbers only should re-solve the live model"
    assert model.scenario == before.with_overrides(overrides)
    cold = al.solve(model.scenario, live[1])
    assert warm.verified
    assert warm.verification["passed"].all()
    assert warm.summary["value"]["V"] == pytest.approx(cold.summary["value"]["V"], rel=1e-7)
    assert warm.summary["value"]["V_formula"] == pytest.approx(cold.summary["value"]["V_formula"], rel=1e-7)
    totals = warm.totals(["year", "budget"])["amount_gbp"]
    # amounts are kept to the penny
    assert totals.to_numpy() == pytest.approx(
        cold.totals(["year", "budget"])["amount_gbp"].to_numpy(), abs=0.05
    )


def test_a_change_of_structure_rebuilds(live: tuple[al.Model, object]) -> None:
    model, _ = live
    changed = model.resolve({"objective.segments": 4})
    assert not model.warm
    cold = al.solve(model.scenario, live[1])
    assert changed.summary["value"]["V"] == pytest.approx(cold.summary["value"]["V"], rel=1e-7)
    assert changed.verified
