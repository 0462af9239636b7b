"""Scenario loading: precedence, deep merge, list replacement, null deletion, dotted keys, overrides."""

from __future__ import annotations

from pathlib import Path

import pytest

from allocator.paths import expand_vars
from allocator.scenario import load_scenario
from allocator.selectors import expand

ROOT = Path(__file__).resolve().parents[1]

BASE = """
name: base
years: [2026, 2027, 2028]
geography:
  boundaries: geo/areas.gpkg
  indicators: [{path: geo/a.csv}, {path: geo/b.csv}]
  baseline: {path: geo/baseline.csv}
envelopes: {resource: 3.2e9}
streams:
  growth_fund: {budget: resource, effects: {growth: 0.001}, zmax_gbp_per_head: 300}
  safety: {budget: resource, effects: {growth: 0.0005}}
missions:
  growth: {indicator: gva, target: 40}
rule_set: rules.yaml
rules:
  guarantee: {phi: 0.99}
"""

RULES = """
name: a rule set
rules:
  guarantee: {kind: floor, phi: 1.0, real: true}
  cap: {kind: ceiling, gamma: 0.1}
  env: {kind: envelope, budget: resource}
"""


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    (tmp_path / "rules.yaml").write_text(RULES)
    (tmp_path / "base.yaml").write_text(BASE)
    sub = tmp_path / "what_ifs"
    sub.mkdir()
    (sub / "child.yaml").write_text(
        "extends: ../base.yaml\n"
        "name: child\n"
        "envelopes: {resource: {2026: 3.1e9, 2027: 3.0e9, '2028..': 2.9e9}}\n"
        "streams.growth_fund.zmax_gbp_per_head: 400\n"
        "geography: {indicators: [{path: c.csv}]}\n"
        "rules: {cap: null}\n"
    )
    return tmp_path


def test_numbers_in_exponent_form_are_numbers(tree: Path) -> None:
    sc = load_scenario(tree / "base.yaml")
    assert expand(sc.envelopes["resource"], sc.years) == {2026: 3.2e9, 2027: 3.2e9, 2028: 3.2e9}


def test_precedence_rule_set_below_file_below_set(tree: Path) -> None:
    sc = load_scenario(tree / "base.yaml")
    # the file patches the rule set: phi from the file, real from the rule set
    assert sc.rules["guarantee"].phi == 0.99
    assert sc.rules["guarantee"].real is True
    assert sc.rules["cap"].gamma == 0.1
    sc2 = load_scenario(tree / "base.yaml", ["rules.guarantee.phi=0.95", "rules.cap.mode=soft"])
    assert sc2.rules["guarantee"].phi == 0.95
    assert sc2.rules["cap"].mode == "soft"


def test_child_deep_merges_replaces_lists_and_deletes(tree: Path) -> None:
    sc = load_scenario(tree / "what_ifs" / "child.yaml")
    assert sc.name == "child"
    # the parent's plain number is replaced by the child's mapping
    assert expand(sc.envelopes["resource"], sc.years) == {2026: 3.1e9, 2027: 3.0e9, 2028: 2.9e9}
    # dotted key patches one field, the rest is inherited
    assert sc.streams["growth_fund"].zmax_gbp_per_head == 400
    assert sc.streams["growth_fund"].effects == {"growth": 0.001}
    # a list is replaced whole, and its path is relative to the child file
    assert [Path(t.path) for t in sc.geography.indicators] == [tree / "what_ifs" / "c.csv"]
    # paths named in the parent are relative to the parent
    assert Path(sc.geography.boundaries) == tree / "geo" / "areas.gpkg"
    # null deletes a rule inherited from the rule set
    assert "cap" not in sc.rules
    assert set(sc.rules) == {"guarantee", "env"}
    assert sc.provenance.chain[-1].endswith("child.yaml")
    assert sc.provenance.rule_set.endswith("rules.yaml")


def test_set_values_are_typed(tree: Path) -> None:
    sc = load_scenario(
        tree / "base.yaml",
        ["solver.threads=2", "solver.msg=true", "years=[2026, 2027]", "objective.discount_rate=3.5e-2"],
    )
    assert sc.solver.threads == 2
    assert sc.solver.msg is True
    assert sc.years == [2026, 2027]
    assert sc.objective.discount_rate == pytest.approx(0.035)
    assert "solver.threads=2" in sc.provenance.overrides
    assert any(e.startswith("solver.threads: ") for e in sc.provenance.override_effects) or any(
        e.startswith("solver: ") for e in sc.provenance.override_effects
    )


def test_set_null_deletes(tree: Path) -> None:
    sc = load_scenario(tree / "base.yaml", ["rules.cap=null"])
    assert "cap" not in sc.rules


def test_with_overrides_keeps_earlier_overrides(tree: Path) -> None:
    sc = load_scenario(tree / "base.yaml", ["solver.threads=2"])
    sc2 = sc.with_overrides({"rules.guarantee.phi": 0.9})
    assert sc2.solver.threads == 2
    assert sc2.rules["guarantee"].phi == 0.9
    assert sc.rules["guarantee"].phi == 0.99  # the original is unchanged


def test_year_ranges_bare_year_wins() -> None:
    years = [2026, 2027, 2028, 2029]
    assert expand({"2027..": 2.0, 2028: 5.0}, years) == {2027: 2.0, 2028: 5.0, 2029: 2.0}
    assert expand(1.5, years) == dict.fromkeys(years, 1.5)


def test_env_var_expansion(monkeypatch: pytest.MonkeyPatch, tree: Path) -> None:
    monkeypatch.setenv("GEO_DIR", str(tree / "elsewhere"))
    assert expand_vars("${GEO_DIR}/a.gpkg") == f"{tree / 'elsewhere'}/a.gpkg"
    monkeypatch.delenv("GEO_DIR")
    assert expand_vars("${GEO_DIR:-../data}/a.gpkg") == "../data/a.gpkg"
    with pytest.raises(KeyError):
        expand_vars("${GEO_DIR}/a.gpkg")


def test_env_var_in_scenario_path(monkeypatch: pytest.MonkeyPatch, tree: Path) -> None:
    monkeypatch.setenv("GEO_DIR", "/data/geo")
    sc = load_scenario(tree / "base.yaml", ["geography.boundaries=${GEO_DIR}/x.gpkg"])
    assert str(sc.geography.boundaries) == "/data/geo/x.gpkg"


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_scenario_is_valid(path: Path) -> None:
    sc = load_scenario(path)
    assert sc.rules, "a shipped scenario has rules"
    assert sc.provenance.file_hashes


def test_several_set_nulls_each_delete(tree: Path) -> None:
    sc = load_scenario(tree / "base.yaml", ["rules.cap=null", "rules.env=null"])
    assert set(sc.rules) == {"guarantee"}


def test_with_overrides_null_after_an_earlier_override(tree: Path) -> None:
    sc = load_scenario(tree / "base.yaml", ["rules.guarantee.phi=0.98"])
    sc2 = sc.with_overrides({"rules.cap": None})
    assert "cap" not in sc2.rules
    assert sc2.rules["guarantee"].phi == 0.98


def test_rule_years_one_year_or_a_range() -> None:
    from allocator.selectors import years_covered

    years = [2026, 2027, 2028]
    assert years_covered(2027, years) == [2027]
    assert years_covered("2027", years) == [2027]
    assert years_covered("2027..", years) == [2027, 2028]
    assert years_covered([2026, 2028], years) == [2026, 2028]
    assert years_covered(None, years) == years


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios").glob("*.yaml")), ids=lambda p: p.name)
def test_allocator_validate_passes_with_geography(path: Path) -> None:
    """`allocator validate` on every shipped scenario, its geography loaded and checked too."""
    from click.testing import CliRunner

    from allocator.cli import main

    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 0, result.output
    assert ": valid" in result.output
    assert "areas, population" in result.output
