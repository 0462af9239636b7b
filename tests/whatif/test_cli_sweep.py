"""allocator sweep on the command line: the variants' table, the folder, exit codes for bad input."""

from __future__ import annotations

import os
import subprocess
import sys

import pandas as pd
import pytest
from click.testing import CliRunner

from allocator.cli import main
from tests.conftest import ROOT

BASELINE = str(ROOT / "scenarios" / "baseline.yaml")


def test_sweep_writes_the_folder(tmp_path):
    out = tmp_path / "phi"
    result = CliRunner().invoke(
        main,
        ["sweep", BASELINE, "--vary", "rules.funding_guarantee.phi=0.99,1.0", "-o", str(out), "--no-formula"],
    )
    assert result.exit_code == 0, result.output
    assert "2 variants (2 optimal)" in result.output
    summary = pd.read_parquet(out / "summary.parquet")
    assert summary["rules.funding_guarantee.phi"].tolist() == [0.99, 1.0]
    assert summary["V"].iloc[0] > summary["V"].iloc[1]  # a looser floor buys more mission value
    assert (out / "curves" / "rules_funding_guarantee_phi.svg").is_file()


def test_bad_input_exits_2(tmp_path):
    runner = CliRunner()
    bad = runner.invoke(
        main, ["sweep", BASELINE, "--vary", "rules.funding_guarantee.phi=high", "-o", str(tmp_path / "x")]
    )
    assert bad.exit_code == 2
    assert "--vary" in bad.output
    refused = runner.invoke(
        main, ["sweep", BASELINE, "--vary", "rules.funding_guarantee.phi=0.5:3:2", "-o", str(tmp_path / "y")]
    )
    assert refused.exit_code == 2
    assert "value 3" in refused.output
    both = runner.invoke(
        main,
        [
            "sweep",
            BASELINE,
            "--vary",
            "rules.funding_guarantee.phi=0.9,1",
            "--samples",
            "3",
            "-o",
            str(tmp_path / "z"),
        ],
    )
    assert both.exit_code == 2
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    foreign = runner.invoke(
        main, ["sweep", BASELINE, "--vary", "rules.funding_guarantee.phi=0.9,1", "-o", str(mine)]
    )
    assert foreign.exit_code == 2
    assert (mine / "notes.txt").read_text() == "mine"


@pytest.mark.slow
def test_workers_keep_the_terminal_quiet(tmp_path):
    """Dask logs every start, connection and shutdown (with tracebacks for connections closed at
    shutdown): a user sees the sweep's own output only."""
    pytest.importorskip("dask.distributed")
    out = tmp_path / "two"
    args = ["sweep", BASELINE, "--vary", "rules.funding_guarantee.phi=0.99,1.0", "--workers", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "allocator", *args, "--no-formula", "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    assert "2 variants (2 optimal)" in done.stdout
    assert "distributed" not in done.stderr
    assert "Traceback" not in done.stderr
