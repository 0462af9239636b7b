"""The output folder of a sweep: its tidy tables, workbook, figures, explorer page and manifest.

Written like a run folder (``allocator.output_folder``): staged beside the target, ``manifest.json``
last, then moved into place, replacing only an earlier sweep folder allocator made; a user's folder is
refused untouched. Files:

- ``summary``, ``variants``, ``totals``, ``value``, ``area_totals``, ``shadow_prices``, ``binding`` (and
  for a full sweep ``allocations``, ``area_year_totals``, ``outcomes``, ``verification``), each as
  ``.parquet`` and ``.csv`` (text cells made safe for spreadsheets), every one with a ``variant`` column;
- ``sweep.xlsx``: the Sweep sheet (one row per variant), Variants, Shadow prices, Totals;
- ``sweep.json``: what was varied and how, the shipped scenario's summary, provenance;
- ``scenario.yaml``: the scenario as shipped, resolved;
- ``curves/``: trade-off curves, PNG and SVG, for each varied key; ``report/index.html``: the explorer's
  page of them (``allocator.whatif.curves``).
"""

from __future__ import annotations

import json
from importlib import metadata
from pathlib import Path

import pandas as pd

from allocator.output_folder import staged
from allocator.run_folder import write_table_files
from allocator.whatif.settlement_set import SettlementSet
from allocator.yamlio import YamlData, dump_yaml

UNLISTED = ("timings.json",)
"""What the manifest names without hashing (timings vary run to run)."""


def write_sweep(result: SettlementSet, out: Path) -> Path:
    """Write the sweep's output folder ``out`` atomically; returns its path.

    Raises:
        OutputError: ``out`` is not absent, empty or an earlier sweep folder (nothing is touched).
    """
    from allocator.whatif.curves import write_curves

    with staged(Path(out), "sweep", UNLISTED) as tmp:
        tables = result.tables()
        write_table_files(tables, tmp)
        (tmp / "sweep.json").write_text(_json(description(result)), encoding="utf-8")
        seconds = {str(v): r.get("seconds") for v, r in sorted(result.results.items())}
        (tmp / "timings.json").write_text(_json(seconds), encoding="utf-8")
        (tmp / "scenario.yaml").write_text(dump_yaml(result.scenario.resolved()), encoding="utf-8")
        write_workbook(result, tables, tmp / "sweep.xlsx")
        write_curves(result, tmp)
    return Path(out)


def description(result: SettlementSet) -> dict[str, YamlData]:
    """What ``sweep.json`` holds."""
    summary = result.summary()
    prov = result.scenario.provenance
    return {
        "scenario": result.scenario.name,
        "vary": {k: v.model_dump(exclude_none=True) for k, v in result.vary.items()},
        "combine": result.combine,
        "variants": len(result.variant_list),
        "status": summary["status"].value_counts().to_dict(),
        "shipped": {k: _plain(v) for k, v in result.base_summary().items()},
        "provenance": {
            "sources": prov.as_dict() if prov is not None else {},
            "allocator": _version(),
        },
    }


def write_workbook(result: SettlementSet, tables: dict[str, pd.DataFrame], path: Path) -> None:
    from allocator.reports.excel import write_workbook as write
    from allocator.reports.excel_sheets import Sheet, frame_columns

    summary = tables["summary"].drop(columns=["warm", "seconds"], errors="ignore")
    sheets = [
        Sheet("Sweep", frame_columns(summary), freeze=(1, 1)),
        Sheet("Variants", frame_columns(tables["variants"]), freeze=(1, 1)),
        Sheet("Shadow prices", frame_columns(tables["shadow_prices"]), freeze=(1, 1)),
        Sheet("Totals", frame_columns(tables["totals"]), freeze=(1, 1)),
    ]
    if result.samples:
        sheets += [
            Sheet("Draws", frame_columns(tables["draws"]), freeze=(1, 1)),
            Sheet("Outcome intervals", frame_columns(tables["outcome_intervals"]), freeze=(1, 2)),
        ]
    write(path, f"Sweep of {result.scenario.name}", sheets)


def _plain(value: object) -> object:
    if isinstance(value, float) and value != value:  # NaN
        return None
    return value.item() if hasattr(value, "item") else value


def _json(data: YamlData) -> str:
    return json.dumps(data, indent=2, default=str, allow_nan=False) + "\n"


def _version() -> str:
    try:
        return metadata.version("allocator")
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "unknown"
