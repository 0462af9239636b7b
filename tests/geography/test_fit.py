"""A geography built in code is checked against the scenario before the model sees it."""

from __future__ import annotations

import math

import pytest

from allocator.engine import solve
from allocator.errors import GeographyError
from tests.conftest import tiny_geography, tiny_scenario


def _problems(geography, patch=None) -> list[str]:
    with pytest.raises(GeographyError) as info:
        solve(tiny_scenario(patch), geography)
    return [f"{p.location}: {p.message}" for p in info.value.problems]


def test_an_indicator_that_is_not_a_finite_number_is_named() -> None:
    geo = tiny_geography([10.0, 20.0], {"growth_fund": [5.0, 5.0]}, indicators={"gva": [30.0, math.inf]})
    assert _problems(geo) == [
        "missions.growth.indicator: area attribute 'gva' has values that are not finite numbers"
    ]


def test_a_missing_indicator_is_named_with_a_suggestion() -> None:
    geo = tiny_geography([10.0, 20.0], {"growth_fund": [5.0, 5.0]}, indicators={"gav": [30.0, 35.0]})
    assert _problems(geo) == ["missions.growth.indicator: no area attribute 'gva'; did you mean 'gav'?"]


def test_a_rule_covering_no_area_is_named() -> None:
    geo = tiny_geography([10.0, 20.0], {"growth_fund": [5.0, 5.0]}, attributes={"group": ["a", "a"]})
    patch = {"rules": {"cap": {"kind": "ceiling", "gamma": 0.1, "areas": {"group": "b"}}}}
    (problem,) = _problems(geo, patch)
    assert problem.startswith("rules.cap.areas: selects none of the 2 recipient areas (group has a)")
