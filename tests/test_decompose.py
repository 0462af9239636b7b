"""Solving by area (``solver.method: decomposed``) gives the monolithic optimum and a verified settlement:
for every rule kind alone, for scenarios with every kind at once (neighbour parity tight enough to bind,
a ring-fence, soft and hard rules), in worker processes, for the formula where it needs an LP, and for
an infeasible scenario, whose elastic diagnosis names the same rule."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

import allocator as al
from allocator.engine import build_model
from allocator.model import decompose
from allocator.model.decompose_split import split_by_area
from allocator.model.formula_allocation import formula_allocation
from allocator.model.inputs import build_inputs
from allocator.model.objective import Objective, objective
from allocator.model.solve import Deadline, solve_lp
from allocator.rules import KINDS
from tests.conftest import three_streams, tiny_geography, tiny_scenario
from tests.rules.test_rules_contract import _generic

REL = 1e-7
"""The scenario's optimum, decomposed against monolithic, relative (the contract asks 1e-6)."""


def _every_kind(
    n: int, seed: int, parity: dict, years: int = 3, people: float = 1.0
) -> tuple[al.Scenario, object]:
    """``n`` areas in a row, three streams in two budgets, every rule kind at once; baselines of £6-12
    per head a stream, envelopes 4% above the baseline and growing 3% a year; 10 to 20 residents an
    area, times ``people``."""
    rng = np.random.default_rng(seed)
    population = people * rng.integers(10, 20, n).astype(float)
    streams = ("growth_fund", "safety", "housing")
    baseline = {s: (population * rng.uniform(6.0, 12.0, n)).round(1) for s in streams}
    resource = 1.04 * float(baseline["growth_fund"].sum() + baseline["safety"].sum())
    capital = 1.04 * float(baseline["housing"].sum())
    first = 2026
    grow = [1.03**t for t in range(years)]
    scenario = tiny_scenario(
        {
            "years": list(range(first, first + years)),
            "envelopes": {
                "resource": {str(first + t): resource * g for t, g in enumerate(grow)},
                "capital": {str(first + t): capital * g for t, g in enumerate(grow)},
            },
            "streams": three_streams(150.0),
            "rules": {
                "resource_envelope": {"kind": "envelope", "budget": "resource", "must_allocate": True},
                "capital_envelope": {"kind": "envelope", "budget": "capital"},
                "capital_total": {
                    "kind": "multi_year_total",
                    "budget": "capital",
                    "amount_gbp": 0.99 * capital * sum(grow),
                    "must_allocate": True,
                },
                "guarantee": {"kind": "floor", "phi": 0.97},
                "pace": {"kind": "ceiling", "gamma": 0.25},
                "minimum": {"kind": "per_capita_minimum", "mu_gbp_per_head": 5.0},
                "mix": {"kind": "ring_fenced_mix", "beta": 0.15},
                "cap": {"kind": "equity_ratio", "rho": 1.4},
                "safety_fence": {"kind": "ring_fence", "stream": "safety", "share": 0.45},
                "parity": {"kind": "neighbour_parity", **parity},
                "balance": {"kind": "capital_share", "lo": 0.1, "hi": 0.5},
                "towards_formula": {"kind": "convergence", "kappa": 0.2, "mode": "soft"},
            },
        }
    )
    geography = tiny_geography(
        population.tolist(),
        {s: v.tolist() for s, v in baseline.items()},
        indicators={"gva": rng.integers(25, 45, n).astype(float).tolist()},
        integrated=(rng.random(n) < 0.3).tolist(),
    )
    return scenario, geography


def _decomposed(scenario: al.Scenario, **solver) -> al.Scenario:
    return scenario.with_overrides(
        {"solver.method": "decomposed", **{f"solver.{k}": v for k, v in solver.items()}}
    )


def _same(a: al.Settlement, b: al.Settlement) -> None:
    assert a.verified
    assert b.verified
    assert a.verification["passed"].all()
    assert a.summary["value"]["V"] == pytest.approx(b.summary["value"]["V"], rel=REL)
    assert a.summary["solve"]["objective"] == pytest.approx(b.summary["solve"]["objective"], rel=REL)
    # the formula's allocation (by LP where the rules hold it from the relaxed formula) does not depend
    # on how the scenario's LP is solved: the contract asks £1
    assert a.summary["value"]["V_formula"] == pytest.approx(b.summary["value"]["V_formula"], rel=REL)
    assert _formula_totals(a) == pytest.approx(_formula_totals(b), abs=1.0)


def _formula_totals(s: al.Settlement) -> np.ndarray:
    return s.area_year_totals()["formula_allocation_gbp"].to_numpy()


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_rule_kind_alone(kind: str) -> None:
    for mode in ("hard", "soft"):
        scenario, geography = _generic(kind, mode)
        monolithic = al.solve(scenario.with_overrides({"solver.method": "monolithic"}), geography)
        decomposed = al.solve(_decomposed(scenario), geography)
        assert decomposed.summary["solve"]["algorithm"] == "decomposed"
        _same(decomposed, monolithic)


@pytest.mark.parametrize(
    ("n", "seed", "parity"),
    [
        (12, 1, {"tau": 0.3}),
        (25, 2, {"tau": 0.1, "mode": "soft"}),
        (40, 3, {"tau": 0.2}),
    ],
    ids=["12-hard", "25-soft-tight", "40-hard"],
)
def test_every_rule_kind_at_once(n: int, seed: int, parity: dict) -> None:
    scenario, geography = _every_kind(n, seed, parity)
    monolithic = al.solve(scenario.with_overrides({"solver.method": "monolithic"}), geography)
    _same(al.solve(_decomposed(scenario), geography), monolithic)


def test_coupling_rows_join_when_broken_and_the_bound_certifies() -> None:
    """Solved directly: the tight parity rows enter the coordinator, the Lagrangian bound meets its
    value, and the answer meets every row of the LP."""
    scenario, geography = _every_kind(30, 4, {"tau": 0.1})
    m = build_model(build_inputs(scenario, geography))
    obj = objective(m, "mission_value")
    lp = m.asm.lp()
    mono, _ = solve_lp(lp, obj, scenario.solver.model_copy(update={"method": "monolithic"}), Deadline(60))
    sol = decompose.solve_decomposed(lp, obj.cost, scenario.solver, 60)
    info = sol.extra["decomposition"]
    assert sol.status == "optimal"
    # the bound is a certificate: every area's problem solved well within GAP, so the optimum is exact
    assert sol.objective * obj.norm == pytest.approx(mono.objective, rel=1e-9)
    assert info["rows_added"] > 0
    assert info["bound_gap"] <= decompose.GAP * max(1.0, abs(sol.objective))
    act = m.asm.activity(sol.x)
    lo, hi = m.asm.row_bounds()
    assert (act >= lo - 1e-6).all()
    assert (act <= hi + 1e-6).all()
    assert (sol.x >= lp.col_lower - 1e-9).all()
    assert (sol.x <= lp.col_upper + 1e-9).all()


def test_split_classifies_rows_and_columns() -> None:
    scenario, geography = _every_kind(6, 5, {"tau": 0.5})
    m = build_model(build_inputs(scenario, geography))
    split = split_by_area(m.asm.lp())
    kinds = {b.kind: b for b in m.asm.rows}
    by_name = {b.name: b for b in m.asm.rows}
    local = np.zeros(m.asm.n_rows, dtype=bool)
    local[split.local_rows] = True

    def rows(block):
        return np.arange(block.start, block.start + block.n)

    for name in ("def_X", "guarantee", "pace", "minimum", "mix", "balance", "towards_formula"):
        assert local[rows(by_name[name])].all(), name
    for name in ("def_N", "resource_envelope", "capital_total", "safety_fence", "cap", "parity"):
        assert not local[rows(by_name[name])].any(), name
    lazy = dict(zip(split.coupling_rows.tolist(), split.lazy.tolist(), strict=True))
    assert all(lazy[r] for r in rows(kinds["equity_ratio"]))  # one area's row reading the national total
    assert not any(lazy[r] for r in rows(by_name["def_N"]))  # national rows are always in
    assert split.n_areas == 6
    assert set(split.master_cols.tolist()) >= set(m.N_col.ravel().tolist())


def test_worker_processes_give_the_same_answer() -> None:
    scenario, geography = _every_kind(25, 6, {"tau": 0.2})
    one = al.solve(_decomposed(scenario), geography)
    two = al.solve(_decomposed(scenario, workers=2), geography)
    _same(two, one)


@pytest.mark.parametrize("people", [1.0, 1e5], ids=["tiny", "national"])
def test_the_formula_lp_by_area(people: float) -> None:
    """Tight parity holds the formula away from its relaxed form: its year-by-year LPs are solved by
    area too, and give the monolithic formula allocation to £1 in every area, year and stream, also
    at a national settlement's scale (£bn; the model works in £100,000s)."""
    scenario, geography = _every_kind(20, 7, {"tau": 0.05, "mode": "soft"}, years=2, people=people)
    scenario = scenario.with_overrides({"objective.mode": "formula"})
    monolithic = al.solve(scenario.with_overrides({"solver.method": "monolithic"}), geography)
    decomposed = al.solve(_decomposed(scenario), geography)
    assert monolithic.summary["solve"]["formula_method"] == "lp"
    assert decomposed.verified
    inputs = build_inputs(scenario, geography)
    found = {
        method: formula_allocation(
            inputs, scenario.solver.model_copy(update={"method": method}), Deadline(60)
        ).x
        for method in ("monolithic", "decomposed")
    }
    assert found["monolithic"].sum() > 1e9 * (people > 1)
    np.testing.assert_allclose(found["decomposed"], found["monolithic"], rtol=0, atol=1.0)
    totals = decomposed.totals(["area_code", "year"])["amount_gbp"].to_numpy()
    expected = monolithic.totals(["area_code", "year"])["amount_gbp"].to_numpy()
    assert totals == pytest.approx(expected, abs=1.0)


def test_an_infeasible_scenario_gets_the_same_diagnosis() -> None:
    scenario, geography = _every_kind(15, 8, {"tau": 0.5})
    scenario = scenario.with_overrides({"rules.guarantee.phi": 1.3})  # 30% more a year: beyond the envelope
    diagnoses = {}
    for method in ("monolithic", "decomposed"):
        with pytest.raises(al.InfeasibleError) as info:
            al.solve(scenario.with_overrides({"solver.method": method}), geography)
        diagnoses[method] = info.value.diagnosis
    mono, dec = diagnoses["monolithic"], diagnoses["decomposed"]
    assert "guarantee" in set(dec["rule_id"])
    assert set(dec["rule_id"]) == set(mono["rule_id"])
    # the least total relaxation is the elastic LP's optimum: the same whichever way it is solved
    assert dec["relaxation_gbp"].sum() == pytest.approx(mono["relaxation_gbp"].sum(), rel=1e-6)
    assert dec["explanation"].str.contains("feasible with").any()


def test_auto_decomposes_from_the_break_even(monkeypatch: pytest.MonkeyPatch) -> None:
    scenario, geography = _every_kind(8, 9, {"tau": 0.5})
    assert scenario.solver.method == "auto"
    assert al.solve(scenario, geography).summary["solve"]["algorithm"] == "simplex"
    monkeypatch.setattr(decompose, "AUTO_AREAS", 8)
    assert al.solve(scenario, geography).summary["solve"]["algorithm"] == "decomposed"


def test_decomposed_needs_highs_through_highspy() -> None:
    with pytest.raises(ValueError, match="method 'decomposed' runs on HiGHS"):
        tiny_scenario({"solver": {"name": "cbc", "method": "decomposed"}})
    with pytest.raises(ValueError, match="method 'decomposed' runs on HiGHS"):
        tiny_scenario({"solver": {"interface": "pulp", "method": "decomposed"}})


def test_a_what_if_by_area_starts_from_the_last_prices_and_equals_a_cold_solve() -> None:
    """A solve by area keeps no live model: a what-if builds the LP again and starts the coordinator from
    the last solve's prices, in fewer rounds, to the answer a cold solve gives."""
    scenario, geography = _every_kind(12, 10, {"tau": 0.3})
    scenario = _decomposed(scenario)
    model = al.Model(scenario, geography)
    first = model.solve_arrays()
    first_v = model.settlement(first).summary["value"]["V"]
    envelope = model.inputs.envelope[model.inputs.budgets.index("resource"), 1]
    change = {"envelopes.resource.2027": round(0.99 * float(envelope), 2)}
    again = model.resolve_arrays(change)
    cold_model = al.Model(scenario.with_overrides(change), geography)
    cold = cold_model.solve_arrays()
    assert not model.warm
    assert again.report.algorithm == "decomposed"
    assert again.report.iterations < cold.report.iterations  # rounds of the coordinator
    what_if = model.settlement(again)
    _same(what_if, cold_model.settlement(cold))
    assert what_if.summary["value"]["V"] < first_v  # 1% less to spend in 2027


def test_prices_from_a_sample_of_the_areas_start_the_solve_and_change_nothing_of_its_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Large LPs start from the duals of an LP over every k-th area, standing for the whole country;
    the prices only save rounds: the answer is the monolithic optimum."""
    from allocator.model import decompose_prices

    scenario, geography = _every_kind(40, 3, {"tau": 0.2})
    m = build_model(build_inputs(scenario, geography))
    obj = objective(m, "mission_value")
    lp = m.asm.lp()
    prices = decompose_prices.sample_prices(lp, obj.cost, scenario.solver, 60.0, sample_areas=8)
    assert prices is not None
    national = lp.row_area < 0
    assert np.all(prices[~national] == 0.0)
    assert np.any(prices[national] != 0.0)  # the envelopes bind in the sample as in the whole
    assert decompose_prices.sample_prices(lp, obj.cost, scenario.solver, 60.0, sample_areas=21) is None

    monkeypatch.setattr(decompose_prices, "SAMPLE_AREAS", 8)
    monolithic = al.solve(scenario.with_overrides({"solver.method": "monolithic"}), geography)
    _same(al.solve(_decomposed(scenario), geography), monolithic)


def test_the_formula_found_in_a_second_process_beside_a_solve_by_area(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """By area, a formula that needs its LPs is found in a second process while the areas are solved
    (HiGHS is not safe with two solves in two threads): the same allocation, to £1, as one model's."""
    from allocator import live_formula
    from allocator.model.formula_process import FormulaProcess

    started = []

    class Watched(FormulaProcess):
        def __init__(self, *args, **kwargs):
            started.append(args)
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(live_formula, "FormulaProcess", Watched)
    scenario, geography = _every_kind(20, 7, {"tau": 0.05, "mode": "soft"}, years=2)
    monolithic = al.solve(scenario.with_overrides({"solver.method": "monolithic"}), geography)
    assert not started  # one model: the formula's LPs wait for HiGHS's thread, in this process
    decomposed = al.solve(_decomposed(scenario), geography)
    assert len(started) == 1
    assert decomposed.summary["solve"]["formula_method"] == "lp"
    _same(decomposed, monolithic)


def test_the_formula_process_raises_the_childs_error_here() -> None:
    from allocator.model.formula_lp import NoFormulaAllocation
    from allocator.model.formula_process import FormulaProcess

    scenario, geography = _every_kind(8, 4, {"tau": 0.05, "mode": "soft"}, years=2)
    tight = scenario.with_overrides({"rules.guarantee.phi": 1.5})  # no allocation meets a 150% floor
    process = FormulaProcess(build_inputs(tight, geography), tight.solver, 60.0, False, {})
    with process, pytest.raises(NoFormulaAllocation):
        process.result()


def test_a_kept_split_solves_again_under_new_costs_and_coupling_bounds() -> None:
    """``ByArea`` keeps its areas' problems (and workers) between solves, as the formula's two LPs a
    year use it: each solve equals a fresh one-model solve of the changed LP, and the completion of the
    first (the interface fixed) leaves nothing fixed for the second."""
    scenario, geography = _every_kind(25, 11, {"tau": 0.2})
    m = build_model(build_inputs(scenario, geography))
    obj = objective(m, "mission_value")
    lp = m.asm.lp()
    spec = scenario.solver.model_copy(update={"workers": 2})
    mono_spec = scenario.solver.model_copy(update={"method": "monolithic"})
    envelope = next(b for b in m.asm.rows if b.name == "resource_envelope")
    row = np.array([envelope.start + 1])
    more = 1.01 * lp.row_upper[row]  # 1% more to allocate in 2027 (a must-allocate row: both bounds)
    other = obj.cost * np.random.default_rng(3).uniform(0.5, 1.5, lp.n_cols)
    with decompose.ByArea(lp, obj.cost, spec) as kept:
        first = kept.solve(60)
        kept.set_costs(other)
        kept.set_row_bounds(row, more, more)
        second = kept.solve(60)
        local = split_by_area(lp).local_rows[:1]
        with pytest.raises(ValueError, match="rows that couple areas"):
            kept.set_row_bounds(local, 0.0, 1.0)
    mono, _ = solve_lp(lp, obj, mono_spec, Deadline(60))
    lower, upper = lp.row_lower.copy(), lp.row_upper.copy()
    lower[row] = upper[row] = more
    changed = dataclasses.replace(lp, row_lower=lower, row_upper=upper)
    mono2, _ = solve_lp(changed, Objective("other", other, 1.0), mono_spec, Deadline(60))
    assert (mono2.status, second.status) == ("optimal", "optimal")
    assert first.objective * obj.norm == pytest.approx(mono.objective, rel=1e-9)
    assert second.objective == pytest.approx(mono2.objective, rel=1e-9)
    assert second.objective == pytest.approx(float(other @ second.x), rel=1e-12)
    act = m.asm.activity(second.x)
    assert (act >= lower - 1e-6).all()
    assert (act <= upper + 1e-6).all()
    assert act[row[0]] == pytest.approx(more[0], rel=1e-9)  # the new envelope holds
