"""Properties over random scenarios on tiny geographies, valid and invalid, across the whole schema.

- A valid scenario (every section drawn: amounts, inflation, envelopes, streams, missions, objective,
  solver, rules of every kind with years, areas and modes) either solves to a settlement whose every hard
  rule passes its independent check, or is infeasible with a diagnosis that names one of its rules.
- A broken scenario (one value made NaN, infinite, out of range, of the wrong type, misspelt, deleted, or
  a year key garbled) is refused with located problems, or, if the change happens to be valid, behaves as
  a valid one. Nothing else happens: no other exception, ever.

Budget: a CI-sized run by default (the same examples every time, so a failure is reproducible). A long
run explores new examples: ``ALLOCATOR_PROPERTY_EXAMPLES=2000 pytest tests/test_property.py``.
"""

from __future__ import annotations

import copy
import math
import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allocator.engine import solve
from allocator.errors import InfeasibleError, InputError, ScenarioError
from allocator.rules import KINDS
from allocator.scenario import Layer, scenario_from_layers
from tests.conftest import BASE_SCENARIO, tiny_geography

FIRST_YEAR = 2026
LONG = int(os.environ.get("ALLOCATOR_PROPERTY_EXAMPLES", "0"))
"""Examples per property for a long run (0: the CI budget below)."""


def _budget(ci_examples: int) -> settings:
    return settings(
        max_examples=LONG or ci_examples,
        deadline=None,
        derandomize=not LONG,  # CI: the same examples every run; long runs explore
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
        database=None,
    )


def _share(draw: Any, lo: float = 0.0, hi: float = 1.0) -> float:
    return round(draw(st.floats(lo, hi, allow_nan=False)), 3)


def _dated(draw: Any, years: list[int], lo: float, hi: float) -> Any:
    """A number, a mapping by year, or a mapping with an open range, each within [lo, hi]."""
    shape = draw(st.sampled_from(["scalar", "by year", "range"]))
    if shape == "scalar":
        return _share(draw, lo, hi)
    if shape == "by year":
        return {y: _share(draw, lo, hi) for y in years}
    return {f"{years[0]}..": _share(draw, lo, hi), years[-1]: _share(draw, lo, hi)}


def _params(draw: Any, kind: str, ctx: dict[str, Any]) -> dict[str, Any]:
    """Valid, random parameters for one rule of ``kind`` in the scenario described by ``ctx``."""
    budgets, streams, years = ctx["budgets"], ctx["streams"], ctx["years"]
    if kind == "envelope":
        return {
            "budget": draw(st.sampled_from(budgets)),
            "headroom_share": _share(draw, 0.0, 0.3),
            "must_allocate": draw(st.booleans()),
        }
    if kind == "multi_year_total":
        budget = draw(st.sampled_from(budgets))
        return {
            "budget": budget,
            "amount_gbp": round(ctx["envelopes"][budget] * len(years) * _share(draw, 0.2, 1.5), 2),
            "must_allocate": draw(st.booleans()),
        }
    if kind == "floor":
        params = {"phi": _dated(draw, years, 0.5, 1.1), "real": draw(st.booleans())}
        if ctx["own"] and draw(st.booleans()):
            params["basis"] = "spending_power"
        return params
    if kind == "ceiling":
        return {"gamma": _dated(draw, years, 0.0, 0.5)}
    if kind == "per_capita_minimum":
        return {"mu_gbp_per_head": _dated(draw, years, 0.0, 40.0)}
    if kind == "equity_ratio":
        return {"rho": _dated(draw, years, 1.0, 3.0)}
    if kind == "ring_fence":
        stream = draw(st.sampled_from(streams))
        bound = (
            {"share": _dated(draw, years, 0.0, 0.8)}
            if draw(st.booleans())
            else {"amount_gbp": round(ctx["envelopes"][ctx["budget_of"][stream]] * _share(draw, 0.0, 0.8), 2)}
        )
        return {"stream": stream, "sense": draw(st.sampled_from(["min", "max"])), **bound}
    if kind == "ring_fenced_mix":
        return {"beta": _share(draw, 0.0, 0.5)}
    if kind == "neighbour_parity":
        return {"tau": _dated(draw, years, 0.0, 1.5)}
    if kind == "capital_share":
        lo, hi = sorted([_share(draw), _share(draw)])
        return {"lo": lo, "hi": hi}
    if kind == "convergence":
        return {"kappa": _dated(draw, years, 0.0, 0.6)}
    if kind == "mission_target":  # gva is 20 to 50 now; crime 0 to 3 (lower is better)
        mission = draw(st.sampled_from(["growth", "safety"]))
        value = _share(draw, 20.0, 50.0) if mission == "growth" else _share(draw, -0.5, 3.0)
        return {"mission": mission, "value": value, "by": draw(st.sampled_from([*years, years[-1] + 2]))}
    raise AssertionError(f"no random parameters for rule kind {kind!r}: add them to _params")


@st.composite
def valid_cases(draw: Any) -> tuple[dict[str, Any], Any]:
    """A valid scenario (as the plain data a YAML file holds) and a tiny geography for it."""
    n_areas = draw(st.integers(2, 4))
    n_years = draw(st.integers(1, 3))
    years = list(range(FIRST_YEAR, FIRST_YEAR + n_years))
    names = [f"stream_{i}" for i in range(draw(st.integers(1, 3)))]
    budget_of = {s: draw(st.sampled_from(["resource", "capital"])) for s in names}
    budgets = sorted(set(budget_of.values()))
    envelopes = {b: float(draw(st.integers(200, 3000))) for b in budgets}
    tiers = ["Unitary authority", "District"]
    streams = {
        s: {
            "budget": budget_of[s],
            "z0_gbp_per_head": float(draw(st.integers(5, 50))),
            "zmax_gbp_per_head": float(draw(st.integers(20, 200))),
            "persistence": _share(draw, 0.0, 0.8),
            "effects": {"growth": _share(draw, 0.0, 2.0), "safety": _share(draw, 0.0, 1.0)},
            **({"eligible_tiers": draw(st.sampled_from([tiers, tiers[:1]]))} if draw(st.booleans()) else {}),
        }
        for s in names
    }
    own = draw(st.booleans())
    ctx = {"budgets": budgets, "streams": names, "budget_of": budget_of, "envelopes": envelopes}
    ctx |= {"years": years, "own": own}
    rules: dict[str, Any] = {}
    for b in budgets:
        if draw(st.booleans()):
            rules[f"{b}_envelope"] = {"kind": "envelope", "budget": b}
    for i, kind in enumerate(draw(st.lists(st.sampled_from(sorted(KINDS)), max_size=4))):
        rule = {
            "kind": kind,
            "mode": draw(st.sampled_from(["hard", "hard", "soft"])),
            **_params(draw, kind, ctx),
        }
        if rule["mode"] == "soft" and draw(st.booleans()):
            rule["penalty"] = _share(draw, 1.0, 20.0)
        if n_years > 1 and draw(st.booleans()):
            rule["years"] = draw(st.sampled_from([[years[-1]], years[1], f"{years[1]}.."]))
        if draw(st.integers(0, 3)) == 0:
            rule["areas"] = draw(st.sampled_from([{"group": "a"}, {"group": {"in": ["a", "b"]}}]))
        rules[f"{kind}_{i}"] = rule
    mode = draw(st.sampled_from(["mission_value", "mission_value", "formula", "blend"]))
    if mode == "formula":  # the formula knows no goal: such a scenario is refused (docs/rules.md)
        rules = {k: r for k, r in rules.items() if r["kind"] != "mission_target"}
    data = copy.deepcopy(BASE_SCENARIO)
    data.update(
        {
            "years": years,
            "amounts": draw(st.sampled_from(["real", "cash"])),
            "inflation": _dated(draw, years, -0.02, 0.1),
            "envelopes": {b: draw(st.sampled_from([v, {y: v for y in years}])) for b, v in envelopes.items()},
            "streams": streams,
            "missions": {
                "growth": {"indicator": "gva", "target": 40.0, "weight": _share(draw, 0.0, 3.0)},
                "safety": {
                    "indicator": "crime",
                    "direction": "lower_is_better",
                    "target": 0.0,
                    "weight": _share(draw, 0.0, 3.0),
                    **({"local_weight_column": "local"} if draw(st.booleans()) else {}),
                },
            },
            "rules": rules,
            "objective": {
                "mode": mode,
                "blend_beta": _share(draw, 0.0, 0.01),
                "discount_rate": draw(st.sampled_from([None, 0.0, 0.035])),
                "tail_years": draw(st.integers(0, 2)),
                "segments": draw(st.integers(1, 3)),
                "need_floor": _share(draw, 0.0, 0.5),
                "phase": [_share(draw) for _ in range(draw(st.integers(1, 3)))],
                "soft_penalty": _share(draw, 1.0, 20.0),
                "resources_adjustment": _share(draw),
                **(
                    {"distributional": {"income_column": "income", "elasticity": _share(draw, 0.0, 2.0)}}
                    if draw(st.booleans())
                    else {}
                ),
            },
            "solver": {"threads": 1, "time_limit_s": 60},
        }
    )
    data["objective"] = {k: v for k, v in data["objective"].items() if v is not None}
    if own:
        data["geography"] = {**data["geography"], "own_resources": {"column": "own", "growth": 0.0}}
    numbers = {"gva": (20, 50), "crime": (0, 3), "income": (10, 40), "local": (1, 3), "own": (0, 200)}
    geography = tiny_geography(
        [float(draw(st.integers(5, 50))) for _ in range(n_areas)],
        {s: [float(draw(st.integers(0, 500))) for _ in range(n_areas)] for s in names},
        indicators={
            c: [float(draw(st.integers(lo, hi))) for _ in range(n_areas)] for c, (lo, hi) in numbers.items()
        },
        own={y: [float(draw(st.integers(0, 200))) for _ in range(n_areas)] for y in [years[0] - 1, *years]}
        if own
        else None,
        # area 0 is in group a, so a rule selecting group a covers at least one area
        attributes={
            "group": ["a", *(draw(st.sampled_from(["a", "b"])) for _ in range(n_areas - 1))],
            "tier": [draw(st.sampled_from(tiers)) for _ in range(n_areas)],
        },
        integrated=[draw(st.booleans()) for _ in range(n_areas)],
    )
    return data, geography


# --- breaking a valid scenario ---------------------------------------------------------------------

BAD_NUMBERS = [math.nan, math.inf, -math.inf, 1e400, -1.0, -1e9, 1e300, 0.0]
BAD_VALUES = ["abc", [1, 2], {"x": 1}, None, True, "", "2026..", "[/x]", "\x1b[2J"]


def _leaves(node: Any, path: tuple = ()) -> list[tuple]:
    """Every path to a value in nested mappings and lists."""
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaves(v, (*path, k))] or [path]
    if isinstance(node, list):
        return [p for i, v in enumerate(node) for p in _leaves(v, (*path, i))] or [path]
    return [path]


def _set(data: Any, path: tuple, value: Any) -> None:
    for key in path[:-1]:
        data = data[key]
    data[path[-1]] = value


@st.composite
def broken_cases(draw: Any) -> tuple[dict[str, Any], Any, str]:
    """A valid case with one thing broken, and a description of what."""
    data, geography = draw(valid_cases())
    data = copy.deepcopy(data)
    how = draw(st.sampled_from(["number", "value", "unknown key", "year key", "delete", "kind"]))
    leaves = [p for p in _leaves(data) if p]
    if how == "number":
        numeric = [
            p
            for p in leaves
            if isinstance(_get(data, p), int | float) and not isinstance(_get(data, p), bool)
        ]
        path = draw(st.sampled_from(numeric))
        _set(data, path, draw(st.sampled_from(BAD_NUMBERS)))
    elif how == "value":
        path = draw(st.sampled_from(leaves))
        _set(data, path, draw(st.sampled_from(BAD_VALUES)))
    elif how == "unknown key":
        mappings = [p for p in _mappings(data)]
        path = draw(st.sampled_from(mappings))
        _get(data, path)[draw(st.sampled_from(["yeers", "phi2", "[/x]", "\x1b]0;x\x07"]))] = 1
        path = (*path, "<new key>")
    elif how == "year key":
        dated = [p for p in _mappings(data) if any(isinstance(k, int) for k in _get(data, p))]
        if not dated:
            dated = [("envelopes",)]
            data["envelopes"] = {b: {FIRST_YEAR: 1000.0} for b in data["envelopes"]}
            dated = [("envelopes", b) for b in data["envelopes"]]
        path = draw(st.sampled_from(dated))
        _get(data, path)[draw(st.sampled_from(["20x6", "next year", "2026...", -1, 99999]))] = 1.0
    elif how == "delete":
        path = (draw(st.sampled_from(["name", "years", "envelopes", "streams", "missions", "geography"])),)
        del data[path[0]]
    else:
        rules = [p for p in _mappings(data) if len(p) == 2 and p[0] == "rules"]
        path = draw(st.sampled_from(rules)) if rules else ("rules", "x")
        _get(data, ("rules",))[path[1]] = {"kind": draw(st.sampled_from(["flor", "", "Floor", "[/x]"]))}
    return data, geography, f"{how} at {'.'.join(map(str, path))}"


def _get(data: Any, path: tuple) -> Any:
    for key in path:
        data = data[key]
    return data


def _mappings(node: Any, path: tuple = ()) -> list[tuple]:
    out = [path] if isinstance(node, dict) else []
    if isinstance(node, dict):
        for k, v in node.items():
            out += _mappings(v, (*path, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out += _mappings(v, (*path, i))
    return out


# --- what may happen -------------------------------------------------------------------------------


def _validate(data: dict[str, Any]):
    return scenario_from_layers([Layer("<in memory>", copy.deepcopy(data))], None, file="random.yaml")


@st.composite
def cases(draw: Any) -> tuple[Any, Any]:
    """A random valid scenario, validated, and a tiny geography for it (for other property tests)."""
    data, geography = draw(valid_cases())
    return _validate(data), geography


def _solves_or_is_diagnosed(scenario: Any, geography: Any) -> None:
    """The settlement passes every hard rule's check, or the scenario is infeasible naming a rule."""
    settlement = diagnosis = None
    try:
        settlement = solve(scenario, geography)
    except InfeasibleError as err:
        diagnosis = err.diagnosis
    if diagnosis is not None:
        named = set(diagnosis["rule_id"]) & set(scenario.rules)
        assert named, f"the diagnosis names none of the scenario's rules:\n{diagnosis}"
        assert (diagnosis["explanation"].str.len() > 0).all(), diagnosis
        return
    assert settlement.verified, settlement.verification
    every_rule_hard = all(r.mode == "hard" for r in scenario.rules.values())
    # the formula allocation knows no mission goal (rules.md, mission_target), so it may buy more V
    goals = any(r.kind == "mission_target" for r in scenario.rules.values())
    if every_rule_hard and scenario.objective.mode == "mission_value" and not goals:
        v = settlement.summary["value"]
        assert v["V"] >= v["V_formula"] - 1e-6 * max(1.0, abs(v["V_formula"])), v


@_budget(ci_examples=60)
@given(valid_cases())
def test_random_valid_scenarios_solve_and_verify_or_are_diagnosed(case: tuple[Any, Any]) -> None:
    data, geography = case
    _solves_or_is_diagnosed(_validate(data), geography)


@_budget(ci_examples=200)
@given(broken_cases())
def test_random_broken_scenarios_are_refused_with_located_problems(case: tuple[Any, Any, str]) -> None:
    data, geography, how = case
    scenario = refused = None
    try:
        scenario = _validate(data)
    except ScenarioError as err:
        refused = err
    if refused is not None:
        assert refused.problems, how
        for problem in refused.problems:
            assert problem.location or problem.source != "random.yaml", (how, str(refused))
            assert problem.message, (how, str(refused))
        return
    unfit = None
    try:
        _solves_or_is_diagnosed(scenario, geography)
    except InputError as err:  # valid on its own, but not with this geography (e.g. a column it lacks)
        unfit = err
    assert unfit is None or unfit.problems, how
