"""One broken scenario per kind of error: the message names the file and the field, exit code 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator.cli import main
from allocator.errors import RuleSetError, ScenarioError
from allocator.scenario import load_scenario

BAD = Path(__file__).parent / "data" / "bad_scenarios"

CASES = [
    # fixture, file named in the message, field named, words of the message
    ("unknown_field", "unknown_field.yaml", "yeers", ["unknown field 'yeers'", "did you mean 'years'"]),
    ("wrong_type", "wrong_type.yaml", "rules.guarantee.phi", ["expected a number", "'high'"]),
    (
        "unknown_rule_kind",
        "unknown_rule_kind.yaml",
        "rules.guarantee",
        ["unknown rule kind 'flor'", "'floor'"],
    ),
    ("missing_kind", "missing_kind.yaml", "rules.guarantee", ["needs a 'kind'", "ceiling"]),
    ("missing_required", "missing_required.yaml", "missions", ["required but missing"]),
    ("year_outside", "year_outside.yaml", "rules.guarantee.phi", ["2031", "outside", "[2026..2027]"]),
    (
        "unknown_stream",
        "unknown_stream.yaml",
        "rules.protect.stream",
        ["unknown stream 'growth_fnd'", "growth_fund"],
    ),
    ("unknown_mission", "unknown_mission.yaml", "streams.growth_fund.effects.grwth", ["unknown mission"]),
    ("cycle_a", "cycle_a.yaml", "extends", ["cycle", "cycle_a.yaml -> ", "cycle_b.yaml -> "]),
    ("missing_parent", "missing_parent.yaml", "extends", ["no_such_parent.yaml not found"]),
    ("bad_syntax", "bad_syntax.yaml", "line 3", ["not valid YAML"]),
    (
        "unset_variable",
        "unset_variable.yaml",
        "geography.boundaries",
        ["ALLOCATOR_TEST_UNSET_VAR is not set"],
    ),
    ("bad_rule_set", "bad_rule_set.rules.yaml", "rules.guarantee.gama", ["unknown field 'gama'"]),
    ("years_not_consecutive", "years_not_consecutive.yaml", "years", ["consecutive"]),
    ("missing_envelope", "missing_envelope.yaml", "streams.roads.budget", ["capital budget has no entry"]),
    ("out_of_range", "out_of_range.yaml", "rules.envelope.headroom_share", ["less than 1", "1.5"]),
    ("inconsistent_rule", "inconsistent_rule.yaml", "rules.cap", ["lo (0.6) is above hi (0.4)"]),
    ("dated_gap", "dated_gap.yaml", "rules.guarantee.phi", ["no value for year(s) [2026]"]),
]


@pytest.mark.parametrize(("fixture", "file", "field", "words"), CASES, ids=[c[0] for c in CASES])
def test_error_names_file_and_field(fixture: str, file: str, field: str, words: list[str]) -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(BAD / f"{fixture}.yaml")
    text = str(info.value)
    line = next((ln for ln in text.splitlines() if f"{file}: {field}" in ln), None)
    assert line is not None, text
    for word in words:
        assert word in line, line


@pytest.mark.parametrize("fixture", [c[0] for c in CASES])
def test_cli_exit_code_2_without_traceback(fixture: str) -> None:
    result = CliRunner().invoke(main, ["validate", "--no-geography", str(BAD / f"{fixture}.yaml")])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert "error:" in result.output


def test_rule_set_errors_are_rule_set_errors() -> None:
    with pytest.raises(RuleSetError):
        load_scenario(BAD / "bad_rule_set.yaml")


def test_all_problems_of_a_file_reported_together(tmp_path: Path) -> None:
    bad = tmp_path / "many.yaml"
    bad.write_text(
        f"extends: {BAD / '_base.yaml'}\n"
        "yeers: [2026]\n"
        "rules:\n"
        "  a: {kind: floor, phi: high}\n"
        "  b: {kind: ceilng}\n"
        "objective: {mode: best}\n"
    )
    with pytest.raises(ScenarioError) as info:
        load_scenario(bad)
    problems = info.value.problems
    assert {p.location for p in problems} == {"yeers", "rules.a.phi", "rules.b", "objective.mode"}
    assert all(p.source.endswith("many.yaml") for p in problems)
    assert "4 problems" in str(info.value)


def test_duplicate_set_is_an_error() -> None:
    with pytest.raises(ScenarioError, match="set twice"):
        load_scenario(BAD / "_base.yaml", ["solver.threads=2", "solver.threads=3"])


def test_malformed_set_is_an_error() -> None:
    with pytest.raises(ScenarioError, match="expected KEY=VALUE"):
        load_scenario(BAD / "_base.yaml", ["solver.threads"])


def test_set_error_names_set() -> None:
    with pytest.raises(ScenarioError) as info:
        load_scenario(BAD / "_base.yaml", ["rules.envelope.headroom_share=2"])
    assert "--set: rules.envelope.headroom_share" in str(info.value)
