"""The contract every registered rule kind keeps (STYLE.md 4.3): a spec whose ``kind`` is a literal and
whose fields are documented, a class docstring with a ``Math:`` block, a test module of its own, every
part of ``PARTS`` defined by the kind itself (how it reads to people, its input checks, its example
parameters), a sentence that follows its parameters, a section in docs/rules.md, and a generic tiny
scenario with the rule (its ``example`` parameters) that solves, hard and soft, with its independent
check passing."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest

from allocator.engine import solve
from allocator.rules import KINDS, RuleSpec, make_rule
from allocator.rules.base import PARTS
from tests.conftest import ROOT, three_streams, tiny_geography, tiny_scenario

HERE = Path(__file__).resolve().parent

KIND_NAMES = sorted(KINDS)


def _generic(kind: str, mode: str):
    """Three areas in a row over two years; two resource streams and a capital one; the third area is
    integrated. Baseline totals 300, 450, 200 against envelopes of 1,000 (resource) and 400 (capital)."""
    scenario = tiny_scenario(
        {
            "years": [2026, 2027],
            "envelopes": {"resource": 1000.0, "capital": 400.0},
            "streams": three_streams(100.0),
            "rules": {
                "resource_envelope": {"kind": "envelope", "budget": "resource"},
                "capital_envelope": {"kind": "envelope", "budget": "capital"},
                "rule": {"kind": kind, "mode": mode, **KINDS[kind].example},
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


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_kind_defines_every_part_itself(kind: str) -> None:
    """Inherited parts do not count: a kind without its own sentence would read as a generic one."""
    cls = KINDS[kind]
    missing = [part for part in PARTS if part not in vars(cls)]
    assert not missing, f"{cls.__name__} does not define {missing}"
    assert cls.direction in ("lower", "upper", "range", "national")
    assert cls.label.strip()
    assert cls.held.strip()


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_kind_has_a_section_in_the_docs(kind: str) -> None:
    assert f"`{kind}`" in (ROOT / "docs" / "rules.md").read_text(encoding="utf-8")


def _dated_fields(kind: str) -> list[str]:
    """Parameters that may vary by year (annotated ``Dated``)."""
    spec = KINDS[kind].spec_model
    return [n for n, f in spec.model_fields.items() if "dict[int | str, float]" in str(f.annotation)]


@pytest.mark.parametrize("kind", KIND_NAMES)
def test_sentence_follows_every_parameter(kind: str) -> None:
    """The sentence is built from the rule's resolved parameters: change any number (a dated one for a
    single year, too) and the sentence changes; it never states a default or a policy name instead."""
    scenario, _ = _generic(kind, "hard")
    rule = make_rule("rule", scenario.rules["rule"])
    sentence = rule.requirement(scenario)
    assert sentence, kind
    assert not sentence.endswith("."), sentence
    numbers = {
        n: v
        for n, v in scenario.rules["rule"].model_dump().items()
        if isinstance(v, int | float)
        and not isinstance(v, bool)
        and n not in ("penalty", "by")
        and v is not None
    }
    if scenario.rules["rule"].model_dump().get("by") is not None:  # a year: moved, not scaled
        changed = scenario.with_overrides({"rules.rule.by": scenario.years[0]})
        assert make_rule("rule", changed.rules["rule"]).requirement(changed) != sentence, kind
    for name, value in numbers.items():
        changed = scenario.with_overrides({f"rules.rule.{name}": value * 0.5 + 0.01})
        other = make_rule("rule", changed.rules["rule"]).requirement(changed)
        assert other != sentence, f"{kind}: changing {name} leaves the sentence as it was: {sentence}"
    for name in _dated_fields(kind):
        if getattr(scenario.rules["rule"], name) is None:
            continue
        base = float(getattr(scenario.rules["rule"], name))
        changed = scenario.with_overrides({f"rules.rule.{name}": {2026: base, 2027: base * 0.5 + 0.01}})
        other = make_rule("rule", changed.rules["rule"]).requirement(changed)
        assert other != sentence, f"{kind}: a dated {name} leaves the sentence as it was"
        assert "2027-28" in other, f"{kind}: a dated {name} is not shown by year: {other}"


@pytest.mark.parametrize("mode", ["hard", "soft"])
@pytest.mark.parametrize("kind", KIND_NAMES)
def test_generic_scenario_solves_and_checks(kind: str, mode: str) -> None:
    scenario, geography = _generic(kind, mode)
    settlement = solve(scenario, geography)
    assert settlement.verified
    result = make_rule("rule", scenario.rules["rule"]).check(settlement)
    # the parameters are feasible, so even a soft rule is met: the check agrees with the solver's slack
    assert result.violations == 0, result
    assert result.passed
    row = settlement.verification.set_index("rule_id").loc["rule"]
    assert (row["kind"], row["mode"], bool(row["passed"])) == (kind, mode, True)
