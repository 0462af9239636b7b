"""End to end on the shipped scenarios (real England, geodata/england): allocator run, byte-identical
reruns, V against the formula's V, the infeasible example, solver failure, compare, the districts."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

import allocator as al
from allocator.cli import main
from allocator.run_folder import TABLES
from tests.conftest import ROOT

SCENARIOS = ROOT / "scenarios"
FEASIBLE = ["baseline", "tight_envelope", "no_floors", "all_integrated"]


def _run(*args: str) -> object:
    return CliRunner().invoke(main, ["run", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def baseline_runs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """The baseline run twice into two folders, as a user would."""
    out = tmp_path_factory.mktemp("runs")
    first, second = out / "first", out / "second"
    for target in (first, second):
        result = _run(str(SCENARIOS / "baseline.yaml"), "-o", str(target), "--quiet")
        assert result.exit_code == 0, result.output
    return first, second


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_run_twice_gives_byte_identical_outputs(baseline_runs: tuple[Path, Path]) -> None:
    first, second = baseline_runs
    names = sorted(p.name for p in first.iterdir() if p.name != "timings.json")
    assert names == sorted(p.name for p in second.iterdir() if p.name != "timings.json")
    for table in TABLES:
        assert f"{table}.parquet" in names
        assert f"{table}.csv" in names
    for extra in ("summary.json", "scenario.yaml", "settlement.xlsx", "settlement.gpkg"):
        assert extra in names
    different = [n for n in names if _sha(first / n) != _sha(second / n)]
    assert different == []


def test_run_folder_is_a_complete_verified_settlement(baseline_runs: tuple[Path, Path]) -> None:
    run = baseline_runs[0]
    summary = json.loads((run / "summary.json").read_text())
    assert summary["verification"]["passed"] is True
    verification = pd.read_parquet(run / "verification.parquet")
    assert len(verification) == 6  # the rule set's seven, less the capital envelope (resource only)
    assert verification["passed"].all()
    alloc = pd.read_parquet(run / "allocations.parquet")
    # the envelopes must be allocated in full (the rule set says must_allocate)
    by_year = alloc.groupby(["year", "budget"])["amount_gbp"].sum()
    assert by_year[(2026, "resource")] == pytest.approx(49_357_000_000, rel=1e-9)
    assert by_year[(2028, "resource")] == pytest.approx(52_384_000_000, rel=1e-9)
    assert set(alloc["budget"]) == {"resource"}
    # the CSV holds the same numbers as the Parquet file
    csv = pd.read_csv(run / "allocations.csv")
    assert csv["amount_gbp"].sum() == pytest.approx(alloc["amount_gbp"].sum(), rel=1e-12)
    back = al.read_run(run)
    assert back.verify()["passed"].all()
    assert back.geometry is not None
    assert len(back.geometry) == 151


@pytest.mark.parametrize("name", FEASIBLE)
def test_optimised_value_at_least_the_formula_value(name: str) -> None:
    """The formula allocation is feasible under the same rules, so optimising can only gain."""
    settlement = al.solve(al.load_scenario(SCENARIOS / f"{name}.yaml"))
    value = settlement.summary["value"]
    assert settlement.verified
    assert value["V"] >= value["V_formula"] - 1e-6 * abs(value["V_formula"])
    assert value["V"] > 0


def test_infeasible_example_exits_3_with_a_diagnosis(tmp_path: Path) -> None:
    target = tmp_path / "never"
    result = CliRunner().invoke(main, ["run", str(SCENARIOS / "real_terms_floor.yaml"), "-o", str(target)])
    assert result.exit_code == 3, result.output
    assert "infeasible" in result.output
    # in £ and in the rule's own parameter
    assert "floor 'funding_guarantee' at 100.0% in real terms" in result.output
    assert "£" in result.output
    assert "feasible with phi <=" in result.output
    assert not target.exists()  # nothing half-written


def test_infeasible_diagnosis_through_the_api() -> None:
    with pytest.raises(al.InfeasibleError) as info:
        al.solve(al.load_scenario(SCENARIOS / "real_terms_floor.yaml"))
    diagnosis = info.value.diagnosis
    assert "funding_guarantee" in set(diagnosis["rule_id"])
    floor = diagnosis[diagnosis["rule_id"] == "funding_guarantee"]
    assert (floor["relaxation_gbp"] > 1e6).all()


def test_solver_time_limit_exits_4(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(SCENARIOS / "baseline.yaml"),
            "--set",
            "solver.time_limit_s=0.01",
            "-o",
            str(tmp_path / "x"),
        ],
    )
    assert result.exit_code == 4, result.output
    assert "time limit" in result.output


def test_bad_override_exits_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main,
        [
            "run",
            str(SCENARIOS / "baseline.yaml"),
            "-o",
            str(tmp_path / "out"),
            "--set",
            "rules.funding_guarantee.phi=high",
        ],
    )
    assert result.exit_code == 2
    assert "--set: rules.funding_guarantee.phi: expected a number" in result.output


def test_compare_two_runs(baseline_runs: tuple[Path, Path], tmp_path: Path) -> None:
    tight = tmp_path / "tight"
    assert _run(str(SCENARIOS / "tight_envelope.yaml"), "-o", str(tight), "--quiet").exit_code == 0
    a, b = al.read_run(baseline_runs[0]), al.read_run(tight)
    diff = al.compare(a, b, names=("baseline", "tight"))
    # the resource envelope is 2% lower in 2027 and 2028
    by_year = diff.by_year["change_gbp"]
    assert by_year[(2027, "resource")] == pytest.approx(49_831_040_000 - 50_848_000_000, rel=1e-9)
    assert by_year[(2028, "resource")] == pytest.approx(-0.02 * 52_384_000_000, rel=1e-9)
    assert by_year[(2026, "resource")] == pytest.approx(0.0, abs=1.0)
    assert diff.by_area["change_gbp"].sum() == pytest.approx(by_year.sum(), rel=1e-9)
    result = CliRunner().invoke(main, ["compare", str(baseline_runs[0]), str(tight), "-n", "3"])
    assert result.exit_code == 0, result.output
    assert "Biggest winners" in result.output
    assert "Biggest losers" in result.output


def test_the_districts_scenario_solves_and_verifies_on_the_same_money() -> None:
    settlement = al.solve(al.load_scenario(SCENARIOS / "england_districts.yaml"))
    assert len(settlement.areas) == 294
    assert settlement.verified
    value = settlement.summary["value"]
    assert value["V"] >= value["V_formula"] - 1e-6 * abs(value["V_formula"])
    by_year = settlement.allocations.groupby("year")["amount_gbp"].sum()
    assert by_year[2026] == pytest.approx(49_357_000_000, rel=1e-9)
    # the districts' baseline is the upper tier's, pound for pound
    assert settlement.baseline["amount_gbp"].sum() == pytest.approx(41_729_454_564 * 1.1481, rel=1e-12)
