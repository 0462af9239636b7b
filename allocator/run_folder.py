"""The run folder: a settlement serialised as Parquet and CSV tables, summary.json and the resolved scenario.

A run is written through ``allocator.output_folder``: staged beside the target, ``manifest.json`` last,
then moved into place, replacing only an earlier run folder. This module knows the tables, the summary
and the manifest only; which presentations go beside them (workbook, GeoPackage, explorer) is decided by
``allocator.run_outputs``, which writes them into the staged folder (``staged_run``). The same inputs
give byte-identical files, manifest included; timings (which vary) go in ``timings.json`` alone, which
the manifest names but does not hash, and a report in ``report/`` carries its own manifest. CSV copies of the tables have text cells
made safe for spreadsheets (``'=...``); the Parquet files keep the true values.

``read_run`` is the one reader: it checks the manifest (every file's size and SHA-256), then that the
tables, summary and scenario are what a run writes (columns present, amounts finite), and refuses a
damaged folder with an input error naming the file.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import cast

import numpy as np
import pandas as pd
from pydantic import ValidationError

from allocator.errors import InputError, Problem
from allocator.geography.polygons import read_geometry
from allocator.output_folder import DamagedFolderError, check_folder, staged
from allocator.progress import Progress
from allocator.safe_text import spreadsheet_frame
from allocator.schema import Scenario
from allocator.settlement import Settlement
from allocator.summary import Summary
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
        "verification": s.verification,
        "areas": areas,
        "baseline": s.baseline,
        "own_resources": s.own_resources if s.own_resources is not None else pd.DataFrame(),
        "targets": s.targets,
        "adjacency": s.adjacency,
    }
    return {k: v.reset_index(drop=True) for k, v in tables.items()}


UNLISTED = ("timings.json", "report")
"""What the run's manifest names without hashing: timings vary run to run; a report has its own."""

COLUMNS = {
    "allocations": ["area_code", "area_name", "year", "stream", "budget", "amount_gbp", "per_head_gbp"],
    "areas": ["area_code", "area_name", "population", "integrated"],
    "baseline": ["area_code", "stream", "amount_gbp"],
    "targets": ["area_code", "year", "formula_target_gbp", "phased_target_gbp", "formula_allocation_gbp"],
    "outcomes": ["area_code", "year", "mission", "projected_change"],
    "value": ["area_code", "mission", "value", "formula_value"],
    "shadow_prices": ["rule_id", "kind", "scope", "year", "value_per_gbp_m"],
    "binding": ["area_code", "year", "rule_id", "kind"],
    "verification": ["rule_id", "kind", "mode", "passed"],
    "adjacency": ["area_code", "neighbour_code"],
    "own_resources": [],
}
"""Columns each table read back must have (``own_resources`` may be empty: a scenario without them)."""
FINITE = {
    "allocations": ["amount_gbp"],
    "areas": ["population"],
    "baseline": ["amount_gbp"],
    "own_resources": ["amount_gbp"],
    "targets": ["formula_target_gbp", "phased_target_gbp", "formula_allocation_gbp"],
    "value": ["value", "formula_value"],
}
"""Columns whose every value must be a finite number."""
SUMMARY_KEYS = {"scenario": str, "areas": int, "totals_gbp": dict, "value": dict, "verification": dict}


def _json(data: object) -> str:
    return json.dumps(data, indent=2, sort_keys=False, default=str, allow_nan=True) + "\n"


@contextmanager
def staged_run(s: Settlement, out: Path) -> Iterator[Path]:
    """Stage the run folder ``out`` with ``summary.json``, ``timings.json`` and ``scenario.yaml``; yields
    the staged folder, for the tables (``write_tables``, which the block must call) and other files to be
    written beside them, then writes the manifest and moves it into place when the block ends (nothing
    is left if it raises).

    Raises:
        OutputError: ``out`` is not absent, empty or an earlier run folder (nothing is touched).
    """
    with staged(Path(out), "run", UNLISTED) as tmp:
        (tmp / "summary.json").write_text(_json(s.summary), encoding="utf-8")
        (tmp / "timings.json").write_text(_json(s.timings), encoding="utf-8")
        (tmp / "scenario.yaml").write_text(dump_yaml(s.scenario.resolved()), encoding="utf-8")
        yield tmp
        missing = [name for name in TABLES if not (tmp / f"{name}.parquet").is_file()]
        if missing:  # a writer's mistake, not a user's: a run folder is never published without them
            raise RuntimeError(f"the run folder's tables were not written: {', '.join(missing)}")


def write_tables(s: Settlement, folder: Path, progress: Progress | None = None) -> None:
    """Write the settlement's tables into the staged run folder, each as Parquet and CSV."""
    progress = progress or Progress(enabled=False)
    with progress.step("writing the tables"):
        write_table_files(settlement_tables(s), folder)


def write_table_files(tables: dict[str, pd.DataFrame], folder: Path) -> None:
    """Each table as ``NAME.parquet`` and ``NAME.csv`` (its text made safe for a spreadsheet)."""
    for name, table in tables.items():
        table.to_parquet(folder / f"{name}.parquet", index=False)
        spreadsheet_frame(table).to_csv(folder / f"{name}.csv", index=False, lineterminator="\n")


def _damaged(path: Path, message: str) -> DamagedFolderError:
    return DamagedFolderError([Problem(str(path), "", message)])


def _table(folder: Path, name: str) -> pd.DataFrame:
    path = folder / f"{name}.parquet"
    try:
        table = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many kinds of error for a damaged file
        raise _damaged(path, f"cannot be read as a table ({type(exc).__name__})") from None
    missing = [c for c in COLUMNS[name] if c not in table.columns]
    if missing and not (name == "own_resources" and table.columns.empty):
        raise _damaged(path, f"lacks the column(s) {', '.join(missing)} a run writes")
    for column in FINITE.get(name, []):
        if column in table.columns:
            values = pd.to_numeric(table[column], errors="coerce").to_numpy(dtype=float)
            bad = int((~np.isfinite(values)).sum())
            if bad:
                raise _damaged(path, f"{column} has {bad} value(s) that are not finite numbers")
    return table


def _summary(folder: Path) -> Summary:
    path = folder / "summary.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        raise _damaged(path, "is not a readable JSON file") from None
    if not isinstance(data, dict):
        raise _damaged(path, "is not a JSON object")
    wrong = [k for k, kind in SUMMARY_KEYS.items() if not isinstance(data.get(k), kind)]
    if wrong:
        raise _damaged(path, f"lacks {', '.join(wrong)} (or they have the wrong type)")
    v = data["value"]
    if not all(isinstance(v.get(k), int | float) and np.isfinite(v[k]) for k in ("V", "V_formula")):
        raise _damaged(path, "value.V and value.V_formula must be finite numbers")
    return cast(Summary, data)  # the keys every reader needs are checked above


def _scenario(folder: Path) -> Scenario:
    path = folder / "scenario.yaml"
    try:
        return Scenario.model_validate(read_yaml(path, error=DamagedFolderError))
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise _damaged(path, f"is not a valid resolved scenario ({where}: {first['msg']})") from None


def read_run(path: Path) -> Settlement:
    """Read a run folder back into a Settlement (tables, summary and resolved scenario).

    Raises:
        InputError: the folder is not a run folder, or is damaged (the message names the file).
    """
    path = Path(path)
    if not (path / "summary.json").is_file() and not (path / "manifest.json").is_file():
        raise InputError(
            [Problem(str(path), "", "is not a run folder (no summary.json); run `allocator run` first")]
        )
    gpkg = path / "settlement.gpkg"
    required = [f"{name}.parquet" for name in COLUMNS] + ["summary.json", "scenario.yaml"]
    check_folder(path, "run", required + (["settlement.gpkg"] if gpkg.exists() else []))
    summary = _summary(path)
    scenario = _scenario(path)
    tables = {name: _table(path, name) for name in COLUMNS}
    own = tables["own_resources"]
    areas = tables["areas"].set_index("area_code")
    geometry = None
    if gpkg.is_file():
        try:
            geometry = read_geometry(gpkg).reindex(areas.index)
        except Exception as exc:  # GDAL raises many kinds of error for a damaged file
            raise _damaged(gpkg, f"cannot be read ({type(exc).__name__})") from None
    return Settlement(
        scenario=scenario,
        areas=areas,
        allocations=tables["allocations"],
        baseline=tables["baseline"],
        own_resources=own if len(own.columns) else None,
        adjacency=tables["adjacency"],
        targets=tables["targets"],
        outcomes=tables["outcomes"],
        value=tables["value"],
        shadow_prices=tables["shadow_prices"],
        binding=tables["binding"],
        verification=tables["verification"],
        summary=summary,
        timings=_timings(path / "timings.json"),
        geometry=geometry,
    )


def _timings(path: Path) -> dict[str, float]:
    """A run's timings: not in the manifest, so read only when a small, plain file, and informative only
    (empty when unreadable)."""
    if not path.is_file() or path.is_symlink() or path.stat().st_size >= 100_000:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


class VerificationError(InputError):
    """A run folder whose manifest is intact but whose tables break a hard rule (exit 2)."""

    default_title = "the run does not verify"


def recheck(path: Path, verification: pd.DataFrame) -> None:
    """Raise VerificationError naming each hard rule that fails its check on a run folder's tables.

    Args:
        path: the run folder (already read, so its manifest is intact).
        verification: what ``allocator.verify.verify`` (``Settlement.verify()``) returned for it.
    """
    failed = verification[~verification["passed"].astype(bool)]
    problems = [
        Problem(
            str(Path(path) / "scenario.yaml"),
            f"rules.{row.rule_id}",
            f"{row.kind} fails its independent check on the run's tables ({row.violations} figure(s) off, "
            f"the largest by £{row.max_violation_gbp:,.2f} at {row.worst or 'one place'}). The manifest is "
            "intact, so the tables were edited and the manifest rewritten, or allocator has a bug: please "
            "report it",
        )
        for row in failed.itertuples()
    ]
    if problems:
        raise VerificationError(problems)
