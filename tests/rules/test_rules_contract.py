"""The contract every registered rule kind keeps (STYLE.md 4.3): a spec whose ``kind`` is a literal and
whose fields are documented, a class docstring with a ``Math:`` block, a test module of its own, and a
generic tiny scenario with the rule that solves, hard and soft, with its independent check passing."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from allocator.engine import solve
from allocator.rules import KINDS, RuleSpec, make_rule
from tests.conftest import tiny_geography, tiny_scenario

HERE = Path(__file__).resolve().parent

DEFAULTS: dict[str, dict] = {
    "envelope": {"budget": "resource", "headroom_share": 0.05},
    "multi_year_total": {"budget": "capital", "amount_gbp": 600.0},
    "floor": {"phi": 0.9},
    "ceiling": {"gamma": 0.2},
    "per_capita_minimum": {"mu_gbp_per_head": 5.0},
    "equity_ratio": {"rho": 1.5},
    "ring_fence": {"stream": "safety", "amount_gbp": 100.0},
    "ring_fenced_mix": {"beta": 0.1},
    "neighbour_parity": {"tau": 0.5},
    "capital_share": {"lo": 0.1, "hi": 0.5},
    "convergence": {"kappa": 0.5},
}
"""Sensible, feasible parameters of each kind for the generic scenario below."""

KIND_NAMES = sorted(KINDS)


def _generic(kind: str, mode: str):
    """Three areas in a row over two years; two resource streams and a capital one; the third area is
    integrated. Baseline totals 300, 450, 200 against envelopes of 1,000 (resource) and 400 (capital)."""
    stream = {"z0_gbp_per_head": 10.0, "zmax_gbp_per_head": 100.0}
    scenario = tiny_scenario(
        {
            "years": [2026, 2027],
            "envelopes": {"resource": 1000.0, "capital": 400.0},
            "streams": {
                "growth_fund": stream,
                "safety": {**stream, "budget": "resource", "effects": {"growth": 0.5}},
                "housing": {**stream, "budget": "capital", "effects": {"growth": 0.8}},
            },
            "rules": {
                "resource_envelope": {"kind": "envelope", "budget": "resource"},
                "capital_envelope": {"kind": "envelope", "budget": "capital"},
                "rule": {"kind": kind, "mode": mode, **DEFAULTS[kind]},
            },
        }
    )
    geography = tiny_geography(
        [10.0, 20.0, 10.0],
        {"growth_fund": [200.0, 300.0, 100.0], "safety": [50.0, 100.0, 50.0], "housing": [50.0, 50.0, 50.0]},
        indicators={"gva": [30.0, 35.0, 40.0]},
        integrated=[False, False, True],
    )
    return scenario, geography


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_spec_has_a_literal_kind_and_documented_fields(kind: str) -> None:
    spec = KINDS[kind].spec_model
    assert issubclass(spec, RuleSpec)
    assert spec.model_fields["kind"].annotation == typing.Literal[kind]
    assert (spec.__doc__ or "").strip(), f"{spec.__name__} has no docstring"
    # ``kind`` is documented once, on RuleSpec; every other field says what it means and its unit
    undocumented = [n for n, f in spec.model_fields.items() if n != "kind" and not f.description]
    assert not undocumented, f"{spec.__name__} fields without a docstring: {undocumented}"


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_kind_has_a_math_docstring_and_a_test_module(kind: str) -> None:
    doc = KINDS[kind].__doc__ or ""
    assert "Math:" in doc, f"{KINDS[kind].__name__} docstring has no Math: block"
    assert doc.split("Math:", 1)[1].strip(), "the Math: block is empty"
    assert (HERE / f"test_{kind}.py").is_file(), f"tests/rules/test_{kind}.py is missing"


def test_every_kind_has_generic_parameters() -> None:
    assert sorted(DEFAULTS) == KIND_NAMES, "give every registered kind parameters in DEFAULTS"


@pytest.mark.parametrize("mode", ["hard", "soft"])
@pytest.mark.parametrize("kind", KIND_NAMES)
def test_generic_scenario_solves_and_checks(kind: str, mode: str) -> None:
    if kind not in DEFAULTS:
        pytest.fail(f"no generic parameters for rule kind {kind!r} in DEFAULTS")
    scenario, geography = _generic(kind, mode)
    settlement = solve(scenario, geography)
    assert settlement.verified
    result = make_rule("rule", scenario.rules["rule"]).check(settlement)
    # the parameters are feasible, so even a soft rule is met: the check agrees with the solver's slack
    assert result.violations == 0, result
    assert result.passed
    row = settlement.verification.set_index("rule_id").loc["rule"]
    assert (row["kind"], row["mode"], bool(row["passed"])) == (kind, mode, True)
