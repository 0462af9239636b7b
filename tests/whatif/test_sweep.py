"""Sweeps: variants as asked, each equal to a cold solve of it, tidy tables with a variant column, an output
folder written like a run folder, and an interrupted sweep resumed to the same result."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest

import allocator as al
from allocator.errors import ScenarioError
from allocator.output_folder import OutputError
from allocator.progress import SweepProgress
from allocator.whatif.store import work_folder
from allocator.whatif.sweep import sweep
from allocator.whatif.variants import VarySpec, parse_vary, variants
from tests.conftest import ROOT
from tests.whatif.cases import live_case


@pytest.fixture(scope="module")
def case():
    return live_case()


def test_parse_vary_forms():
    key, spec = parse_vary("envelopes.resource.2027=3000:3400:5")
    assert key == "envelopes.resource.2027"
    assert spec.points() == [3000.0, 3100.0, 3200.0, 3300.0, 3400.0]
    assert parse_vary("rules.guarantee.phi=0.9,0.95")[1].points() == [0.9, 0.95]
    assert parse_vary("envelopes.resource=*0.9:1.1:3")[1].scale
    for bad in ("nokey", "x=1:2", "x=a:b:3", "x=1:2:0"):
        with pytest.raises(ScenarioError) as err:
            parse_vary(bad)
        assert err.value.problems[0].source == "--vary"


def test_grid_zip_and_scale(case):
    scenario, _ = case
    vary = {
        "rules.guarantee.phi": VarySpec(values=[0.9, 0.95]),
        "envelopes.resource": VarySpec(start=0.9, stop=1.1, n=3, scale=True),
    }
    grid = variants(scenario, vary, "grid")
    assert len(grid) == 6
    assert grid[1].overrides["envelopes.resource"] == {"2026..": pytest.approx(3300.0)}
    assert grid[0].overrides["envelopes.resource"] == {"2026..": pytest.approx(2970.0)}
    with pytest.raises(ScenarioError, match="zip needs as many values"):
        variants(scenario, vary, "zip")
    zipped = variants(
        scenario,
        {k: VarySpec(values=[0.9, 0.95]) for k in ("rules.guarantee.phi", "rules.pace.gamma")},
        "zip",
    )
    assert [v.values for v in zipped] == [
        {"rules.guarantee.phi": 0.9, "rules.pace.gamma": 0.9},
        {"rules.guarantee.phi": 0.95, "rules.pace.gamma": 0.95},
    ]


def test_every_variant_equals_a_cold_solve(case):
    """Warm re-solves (numbers only) and rebuilds (a rule removed) give what a cold solve gives."""
    scenario, geography = case
    result = sweep(
        scenario,
        {"envelopes.resource.2027": "3000:3400:5", "rules.guarantee.phi": "0.9,0.95"},
        geography=geography,
        block=4,
    )
    summary = result.summary()
    assert len(summary) == 10
    assert (summary["status"] == "optimal").all()
    assert summary["warm"].sum() >= 8  # all but the blocks' first (warm from the shipped basis)
    for v in result.variant_list:
        cold = al.solve(scenario.with_overrides(v.overrides), geography)
        row = summary.loc[v.id]
        assert row["V"] == pytest.approx(cold.summary["value"]["V"], rel=1e-7)
        assert row["V_formula"] == pytest.approx(cold.summary["value"]["V_formula"], rel=1e-7)
        totals = cold.totals(by=["budget"])["amount_gbp"]
        assert row["resource_gbp"] == pytest.approx(totals["resource"], rel=1e-7, abs=1.0)  # pennies
        prices = cold.shadow_prices.query("scope == 'national row' and rule_id == 'resource_envelope'")
        for p in prices.itertuples():
            assert row[f"price__resource_envelope__{p.year}"] == pytest.approx(
                p.value_per_gbp_m, rel=1e-5, abs=1e-3
            )
    # the tidy tables carry the variant
    for name, table in result.tables().items():
        assert "variant" in table.columns, name
    totals = result.totals
    assert set(totals["variant"]) == set(range(10))
    assert totals.groupby("variant")["amount_gbp"].sum().to_numpy() == pytest.approx(
        summary["total_gbp"].to_numpy()
    )
    assert len(result.area_totals) == 10 * len(geography.areas)


def test_structural_variant_rebuilds(case):
    """Fewer response segments change the LP's shape: that variant is rebuilt and solved cold."""
    scenario, geography = case
    progress = SweepProgress(enabled=False)
    result = sweep(scenario, {"objective.segments": "6,4"}, geography=geography, progress=progress, block=2)
    assert progress.line().startswith("variants 2/2 (")  # done of all, the rate (and the time left)
    s = result.summary()
    assert s["warm"].tolist() == [True, False]
    cold = al.solve(scenario.with_overrides({"objective.segments": 4}), geography)
    assert s.loc[1, "V"] == pytest.approx(cold.summary["value"]["V"], rel=1e-7)


def test_infeasible_variant_is_reported_not_raised(case):
    scenario, geography = case
    result = sweep(scenario, {"rules.guarantee.phi": "1.5,0.95"}, geography=geography)
    s = result.summary()
    assert s.loc[0, "status"] == "infeasible"
    assert np.isnan(s.loc[0, "V"])
    assert s.loc[1, "status"] == "optimal"
    # the trade-off figure says where no settlement exists instead of starting its curves there
    from allocator.whatif.curves import figure

    fig = figure(result, "rules.guarantee.phi")
    top = fig.axes[0]
    texts = [t.get_text() for t in top.texts]
    assert "no settlement\nmeets the rules" in texts
    spans = [p for p in top.patches if p.get_facecolor()[:3] != (1.0, 1.0, 1.0)]
    assert len(spans) == 1
    left, right = spans[0].get_x(), spans[0].get_x() + spans[0].get_width()
    assert left < 1.5 < right
    assert not left < 0.95 < right


def test_values_the_scenario_refuses(case):
    scenario, geography = case
    with pytest.raises(ScenarioError) as err:
        sweep(scenario, {"rules.guarantee.phi": "0.5:3:3"}, geography=geography)
    assert "rules.guarantee.phi" in str(err.value)
    assert "value 3" in str(err.value)
    with pytest.raises(ScenarioError, match="nothing to vary"):
        sweep(scenario, geography=geography)


KILLED = """
import sys, time
sys.path.insert(0, {root!r})
from tests.conftest import ROOT
from tests.whatif.cases import live_case
from allocator.whatif.sweep import sweep
scenario, geography = live_case()
sweep(scenario, {vary!r}, out={out!r}, geography=geography, block=3, on_outcome=lambda o: time.sleep(0.3))
"""


def test_killed_sweep_resumes_to_the_same_folder(case, tmp_path):
    """A sweep killed (SIGKILL) part way and started again solves only the variants not yet written, and
    writes what an uninterrupted sweep writes."""
    scenario, geography = case
    vary = {"envelopes.resource.2027": "3000:3400:12"}
    out = tmp_path / "sweep"
    code = KILLED.format(root=str(ROOT), vary=vary, out=str(out))
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT)
    written = work_folder(out) / "v"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(written.glob("*.json"))) < 4 and proc.poll() is None:
        time.sleep(0.05)
    proc.kill()
    proc.wait()
    done = sorted(int(p.stem) for p in written.glob("*.json"))
    assert 4 <= len(done) < 12, done
    assert not out.exists()  # nothing published until every variant is done
    solved = []
    resumed = sweep(
        scenario, vary, out=out, geography=geography, block=3, on_outcome=lambda o: solved.append(o.variant)
    )
    assert sorted(solved) == sorted(set(range(12)) - set(done))  # only what was not written
    assert not work_folder(out).exists()
    whole = sweep(scenario, vary, out=tmp_path / "whole", geography=geography, block=3)
    columns = ["status", "V", "V_formula", "total_gbp", "per_head_ratio", "binding_rules"]
    pd.testing.assert_frame_equal(resumed.summary()[columns], whole.summary()[columns])
    for name in ("summary", "totals", "shadow_prices", "area_totals", "binding", "variants"):
        a = pd.read_parquet(out / f"{name}.parquet").drop(columns=["seconds", "warm"], errors="ignore")
        b = pd.read_parquet(tmp_path / "whole" / f"{name}.parquet").drop(
            columns=["seconds", "warm"], errors="ignore"
        )
        pd.testing.assert_frame_equal(a, b)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["kind"] == "sweep"
    assert {"summary.parquet", "summary.csv", "sweep.xlsx", "sweep.json", "report/index.html"} <= set(
        manifest["files"]
    )
    assert any(name.startswith("curves/") and name.endswith(".png") for name in manifest["files"])
    # a user's folder is never replaced
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("mine")
    with pytest.raises(OutputError):
        sweep(scenario, vary, out=mine, geography=geography)
    assert (mine / "notes.txt").read_text() == "mine"


def test_the_scenario_own_sweep_block(case):
    scenario, geography = case
    own = scenario.with_overrides(
        {
            "sweep": {
                "vary": [{"key": "rules.pace.gamma", "values": [0.15, 0.25]}],
                "combine": "zip",
                "block": 1,
            }
        }
    )
    result = sweep(own, geography=geography)
    assert result.summary()["rules.pace.gamma"].tolist() == [0.15, 0.25]
    with pytest.raises(ScenarioError, match="unknown field"):
        scenario.with_overrides(
            {"sweep": {"vary": [{"key": "rules.pace.gamma", "values": [0.1], "step": 1}]}}
        )
    with pytest.raises(ScenarioError, match="start, stop and n"):
        scenario.with_overrides({"sweep": {"vary": [{"key": "rules.pace.gamma", "start": 0.1}]}})
    with pytest.raises(ScenarioError, match="needs its key"):
        scenario.with_overrides({"sweep": {"vary": [{"values": [0.1]}]}})


def test_full_sweep_keeps_verified_tables(case):
    scenario, geography = case
    result = sweep(scenario, {"rules.pace.gamma": "0.15,0.25"}, geography=geography, full=True)
    verification = result.full["verification"]
    assert set(verification["variant"]) == {0, 1}
    assert verification["passed"].all()
    alloc = result.full["allocations"]
    by_variant = alloc.groupby("variant")["amount_gbp"].sum()
    assert by_variant.to_numpy() == pytest.approx(result.summary()["total_gbp"].to_numpy(), abs=1.0)
