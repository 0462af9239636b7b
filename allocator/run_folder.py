"""The run folder: a settlement serialised as Parquet and CSV tables, summary.json and the resolved scenario.

A run is written into a temporary folder beside the target and moved into place only when complete, so an
interrupted run leaves no half-written output. The same inputs give byte-identical tables and summary;
timings (which vary) go in ``timings.json`` alone.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.errors import InputError, Problem
from allocator.progress import Progress
from allocator.schema import Scenario
from allocator.settlement import Settlement
from allocator.yamlio import dump_yaml, read_yaml

TABLES = [
    "allocations",
    "area_year_totals",
    "outcomes",
    "value",
    "shadow_prices",
    "binding",
    "waterfall",
    "verification",
    "areas",
    "baseline",
    "own_resources",
    "targets",
    "adjacency",
]
"""Tables written to every run folder, each as ``<name>.parquet`` and ``<name>.csv``."""


def settlement_tables(s: Settlement) -> dict[str, pd.DataFrame]:
    """The tables of a run folder, in tidy form (no index; area_code and year as columns)."""
    areas = s.areas.reset_index()
    areas = areas[[c for c in areas.columns if c != "geometry"]]
    tables = {
        "allocations": s.allocations,
        "area_year_totals": s.area_year_totals().reset_index(),
        "outcomes": s.outcomes,
        "value": s.value,
        "shadow_prices": s.shadow_prices,
        "binding": s.binding,
        "waterfall": s.waterfall(),
        "verification": s.verification if s.verification is not None else pd.DataFrame(),
        "areas": areas,
        "baseline": s.baseline,
        "own_resources": s.own_resources if s.own_resources is not None else pd.DataFrame(),
        "targets": s.targets,
        "adjacency": s.adjacency,
    }
    return {k: v.reset_index(drop=True) for k, v in tables.items()}


def _json(data: Any) -> str:
    return json.dumps(data, indent=2, sort_keys=False, default=str, allow_nan=True) + "\n"


def write_run(
    s: Settlement,
    out: Path,
    extra_files: dict[str, bytes] | None = None,
    report: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Write the run folder ``out`` atomically (replacing an earlier run there): tables, summary,
    ``settlement.xlsx``, ``settlement.gpkg`` (when the settlement has geometry) and, with ``report``,
    the HTML explorer in ``report/``."""
    progress = progress or Progress(enabled=False)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.partial-{os.getpid()}"
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir()
    try:
        with progress.step("writing the tables"):
            for name, table in settlement_tables(s).items():
                table.to_parquet(tmp / f"{name}.parquet", index=False)
                table.to_csv(tmp / f"{name}.csv", index=False, lineterminator="\n")
        (tmp / "summary.json").write_text(_json(s.summary), encoding="utf-8")
        (tmp / "timings.json").write_text(_json(s.timings), encoding="utf-8")
        (tmp / "scenario.yaml").write_text(dump_yaml(s.scenario.resolved()), encoding="utf-8")
        from allocator.reports.excel import write_xlsx
        from allocator.reports.gpkg import write_gpkg

        with progress.step("writing settlement.xlsx"):
            write_xlsx(s, tmp / "settlement.xlsx")
        if s.geometry is not None:
            with progress.step("writing settlement.gpkg"):
                write_gpkg(s, tmp / "settlement.gpkg")
        if report:
            from allocator.reports.html import write_report

            write_report(s, tmp / "report", progress=progress)
        for name, content in (extra_files or {}).items():
            (tmp / name).parent.mkdir(parents=True, exist_ok=True)
            (tmp / name).write_bytes(content)
        old = None
        if out.exists():
            old = out.parent / f".{out.name}.old-{os.getpid()}"
            out.rename(old)
        tmp.rename(out)
        if old is not None:
            shutil.rmtree(old)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


def read_run(path: Path) -> Settlement:
    """Read a run folder back into a Settlement (tables, summary and resolved scenario)."""
    path = Path(path)
    if not (path / "summary.json").is_file():
        raise InputError(
            [Problem(str(path), "", "is not a run folder (no summary.json); run `allocator run` first")]
        )
    scenario = Scenario.model_validate(read_yaml(path / "scenario.yaml"))

    def table(name: str) -> pd.DataFrame:
        return pd.read_parquet(path / f"{name}.parquet")

    areas = table("areas").set_index("area_code")
    own = table("own_resources")
    s = Settlement(
        scenario=scenario,
        areas=areas,
        allocations=table("allocations"),
        baseline=table("baseline"),
        own_resources=own if len(own.columns) else None,
        adjacency=table("adjacency"),
        targets=table("targets"),
        outcomes=table("outcomes"),
        value=table("value"),
        shadow_prices=table("shadow_prices"),
        binding=table("binding"),
        verification=table("verification"),
        summary=json.loads((path / "summary.json").read_text(encoding="utf-8")),
    )
    gpkg = path / "settlement.gpkg"
    if gpkg.is_file():
        from allocator.reports.gpkg import read_geometry

        s.geometry = read_geometry(gpkg).reindex(s.areas.index)
    timings = path / "timings.json"
    if timings.is_file():
        s.timings = json.loads(timings.read_text(encoding="utf-8"))
    return s
