"""The live model's fast path (``allocator.model.update``): a variant of the envelopes, a rule's
parameters or a mission's weight gets its numbers rule by rule, without building the LP again. It must
give exactly the LP a fresh build gives, and the value a cold solve finds."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.geography import Geography
from allocator.live_model import Model
from allocator.model.build import build_model
from allocator.model.inputs import build_inputs
from allocator.model.objective import objective
from allocator.model.solve import Status
from allocator.rules import KINDS
from allocator.schema import Scenario
from allocator.value import value
from tests.rules.test_rules_contract import _generic
from tests.whatif.cases import live_case


def _with_target_rules() -> tuple[Scenario, Geography]:
    """The live case, plus rules whose rows read the envelopes and the formula's targets (one soft)."""
    scenario, geography = live_case()
    extra = {
        "rules.converge": {"kind": "convergence", "kappa": 0.6, "mode": "soft"},
        "rules.fence": {"kind": "ring_fence", "stream": "safety", "sense": "min", "share": 0.2},
    }
    return scenario.with_overrides(extra), geography


def _same_lp(model: Model) -> None:
    """The live model's LP (matrix, bounds, costs) is exactly the one a fresh build of its scenario gives."""
    fresh = build_model(build_inputs(model.scenario, model.geography))
    cost = objective(fresh, "mission_value").cost
    for got, want in zip(model.m.asm.csr(), fresh.asm.csr(), strict=True):
        np.testing.assert_array_equal(got, want)
    for got, want in zip(model.m.asm.row_bounds(), fresh.asm.row_bounds(), strict=True):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(model.m.asm.col_upper, fresh.asm.col_upper)
    np.testing.assert_allclose(model.objective.cost, cost, rtol=1e-15, atol=0)


def _v(model: Model, x: np.ndarray) -> float:
    return value(model.inputs, x).total


VARIANTS = [
    {"envelopes.resource": {"2026..": 3_250.0}},
    {"envelopes.resource": {"2026": 3_300.0, "2027": 3_350.0, "2028": 3_420.0}, "envelopes.capital": 1_690.0},
    {"rules.guarantee.phi": 0.97},
    {"rules.guarantee.phi": {"2026": 0.9, "2027..": 0.99}},
    {"rules.converge.kappa": 0.4},
    {"rules.fence.share": 0.25},
    {"missions.growth.weight": 2.5},
    {"missions.growth.weight": 0.5, "envelopes.capital": 1_750.0, "rules.pace.gamma": 0.25},
]


@pytest.mark.parametrize("overrides", VARIANTS, ids=lambda o: ",".join(o))
def test_the_fast_path_equals_a_fresh_build_and_a_cold_solve(overrides: dict) -> None:
    scenario, geography = _with_target_rules()
    model = Model(scenario, geography)
    model.solve_arrays(formula=False)
    warm = model.resolve_arrays(overrides, formula=False)
    assert model.fast
    assert warm.warm
    _same_lp(model)
    variant = scenario.with_overrides(overrides)
    cold_model = Model(variant, geography)
    cold = cold_model.solve_arrays(formula=False)
    assert warm.report.status == cold.report.status == Status.OPTIMAL
    v_warm, v_cold = _v(model, warm.x), _v(cold_model, cold.x)
    assert v_warm == pytest.approx(v_cold, rel=1e-7)
    assert warm.report.objective == pytest.approx(cold.report.objective, rel=1e-7)


def test_a_sweep_of_fast_variants_stays_exact() -> None:
    """Many fast variants in a row (each from the one before) still hold the variant's exact LP."""
    scenario, geography = _with_target_rules()
    model = Model(scenario, geography)
    model.solve_arrays(formula=False)
    for i, scale in enumerate(np.linspace(0.97, 1.03, 7)):
        model.resolve_arrays(
            {"envelopes.resource": {"2026..": 3_300.0 * scale}, "rules.pace.gamma": 0.2 + 0.01 * i}
        )
        assert model.fast
    _same_lp(model)


def test_a_change_of_shape_takes_the_general_path() -> None:
    scenario, geography = _with_target_rules()
    model = Model(scenario, geography)
    model.solve_arrays(formula=False)
    for overrides in (
        {"rules.guarantee.years": [2027, 2028]},  # fewer rows
        {"rules.converge.penalty": 3.0},  # another penalty: other costs
        {"streams.safety.effects.growth": 0.6},  # not a key the fast path takes
        {"envelopes.resource": {"2026..": 33_000.0}},  # ten times more: another model scale
    ):
        solved = model.resolve_arrays(overrides, formula=False)
        assert not model.fast, overrides
        cold_model = Model(model.scenario, geography)
        cold = cold_model.solve_arrays(formula=False)
        if cold.feasible:
            assert _v(model, solved.x) == pytest.approx(_v(cold_model, cold.x), rel=1e-7)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_reads_the_envelopes_through_the_builder(kind: str) -> None:
    """A kind that read the envelopes or the formula's targets past the builder's methods would keep
    stale rows on the fast path: its LP after an envelope variant must be a fresh build's."""
    scenario, geography = _generic(kind, "hard")
    model = Model(scenario, geography)
    model.solve_arrays(formula=False)
    model.resolve_arrays({"envelopes.resource": 1_050.0, "envelopes.capital": 380.0}, formula=False)
    assert model.fast
    _same_lp(model)
