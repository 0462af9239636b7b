"""solver.time_limit_s holds whatever the solver does: a run on a slow input (the UK-size scenario on
3,500 synthetic areas, whose solve takes minutes) stops at its limit and exits 4 with a clear message,
within a few seconds of the limit."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from allocator.cli import main
from allocator.geography.synthetic import write_synthetic
from tests.conftest import ROOT


@pytest.fixture(scope="module")
def large_geography(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("geo3500")
    write_synthetic(folder, 3500, 7)
    return folder


def test_a_slow_run_stops_at_its_time_limit(
    large_geography: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOCATOR_BENCH_GEO", str(large_geography))
    scenario = ROOT / "benchmarks" / "uk_size.yaml"
    t0 = time.perf_counter()
    result = CliRunner().invoke(
        main, ["run", str(scenario), "--set", "solver.time_limit_s=5", "-o", str(tmp_path / "out"), "--quiet"]
    )
    elapsed = time.perf_counter() - t0
    assert result.exit_code == 4, result.output
    assert "time limit (5 s)" in result.output
    assert elapsed < 10, f"the run took {elapsed:.1f} s against a 5 s limit"
    assert not (tmp_path / "out").exists()
    # highspy lets one solve run at a time in a process: the next solve waits for the abandoned one to stop
    from allocator.engine import solve
    from tests.conftest import tiny_geography, tiny_scenario

    settlement = solve(tiny_scenario(), tiny_geography([10.0, 20.0], {"growth_fund": [100.0, 200.0]}))
    assert settlement.verified
