"""The model build: PuLP-compatible variables made the fast way, names, scaling, duplicate rows."""

from __future__ import annotations

import numpy as np
import pulp
import pytest

from allocator.model.build import ModelBuilder, lp_name, model_scale
from allocator.model.inputs import build_inputs
from allocator.model.pulp_backend import fast_variable
from tests.conftest import tiny_geography, tiny_scenario


def test_fast_variable_matches_pulps_own() -> None:
    ours = fast_variable("y__a__2026__s__0", 0.0, 2.5)
    theirs = pulp.LpProblem("p").add_variable("y__a__2026__s__0", 0.0, 2.5)
    strip = {"hash"}
    assert {k: v for k, v in ours.__dict__.items() if k not in strip} == {
        k: v for k, v in theirs.__dict__.items() if k not in strip
    }
    assert ours.name == theirs.name
    assert ours.hash != theirs.hash


def test_names_are_safe_and_scale_is_a_power_of_ten() -> None:
    assert lp_name("floor", "E08000025", 2027) == "floor__E08000025__2027"
    assert lp_name("mix", "Barking-and Dagenham", "a/b") == "mix__Barking_and_Dagenham__a_b"
    assert model_scale(6.4e9) == 1e6
    assert model_scale(1000.0) == 1.0
    assert model_scale(0.0) == 1.0


def test_duplicate_rule_rows_are_refused() -> None:
    scenario = tiny_scenario({"rules": {"env": {"kind": "envelope", "budget": "resource"}}})
    m = ModelBuilder(build_inputs(scenario, tiny_geography([10.0, 10.0], {"growth_fund": [100.0, 100.0]})))

    class Rule:
        rule_id, kind = "env", "envelope"
        spec = scenario.rules["env"]

    t = np.array([0])
    m.constrain(Rule(), (m.year(t),), m.national_total(t), "<=", 1000.0, year=m.year(t))
    with pytest.raises(ValueError, match="duplicate constraint name env__2026"):
        m.constrain(Rule(), (m.year(t),), m.national_total(t), "<=", 1000.0, year=m.year(t))
    # within one block too
    t2 = np.array([0, 0])
    Rule.rule_id = "env2"
    with pytest.raises(ValueError, match="duplicate constraint name env2__2026"):
        m.constrain(Rule(), (m.year(t2),), m.national_total(t2), "<=", 1000.0, year=m.year(t2))


def test_rule_areas_can_select_by_area_code() -> None:
    scenario = tiny_scenario(
        {"rules": {"fl": {"kind": "floor", "areas": {"area_code": {"in": ["E06000001"]}}}}}
    )
    m = ModelBuilder(build_inputs(scenario, tiny_geography([10.0, 10.0], {"growth_fund": [100.0, 100.0]})))
    from allocator.rules import make_rule

    assert m.areas_for(make_rule("fl", scenario.rules["fl"])) == ["E06000001"]


def test_cbc_reaches_the_same_optimum_as_highs() -> None:
    from allocator.engine import solve

    rules = {
        "env": {"kind": "envelope", "budget": "resource", "must_allocate": True},
        "fl": {"kind": "floor", "phi": 1.0},
    }
    geography = tiny_geography([10.0, 20.0, 10.0], {"growth_fund": [100.0, 200.0, 100.0]})
    highs = solve(tiny_scenario({"rules": rules, "envelopes": {"resource": 2000.0}}), geography)
    cbc = solve(
        tiny_scenario({"rules": rules, "envelopes": {"resource": 2000.0}, "solver": {"name": "cbc"}}),
        geography,
    )
    assert cbc.summary["solve"]["solver"] == "cbc"
    assert cbc.summary["value"]["V"] == pytest.approx(highs.summary["value"]["V"], rel=1e-6)
    assert cbc.verified

    # the envelope's shadow price has the same sign and size whichever solver reports it
    def price(s):
        sp = s.shadow_prices
        return float(
            sp[(sp["scope"] == "national row") & (sp["rule_id"] == "env")]["value_per_gbp_m"].iloc[0]
        )

    assert price(cbc) == pytest.approx(price(highs), rel=1e-4)
    assert price(highs) > 0
