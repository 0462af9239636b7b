"""Tiny hand-made geographies written to files in tmp_path, and scenarios that read them.

The grid is 3 x 3 squares of 10 km in British National Grid, coded row by row from the bottom left::

    E06000007 E06000008 E06000009
    E06000004 E06000005 E06000006
    E06000001 E06000002 E06000003

Rook neighbours share a 10 km edge (12 pairs); diagonal squares meet only at a corner and are not
neighbours. Columns follow the real ONS files (LAD24CD/LAD24NM, a lookup like lad24_hierarchy.csv).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
from shapely.geometry import box

from allocator.geography import CRS
from allocator.scenario import load_scenario
from allocator.schema import Scenario

SIDE_M = 10_000.0
ORIGIN = (400_000.0, 300_000.0)
CODES = [f"E0600000{i}" for i in range(1, 10)]
ROOK_PAIRS = {
    ("E06000001", "E06000002"), ("E06000002", "E06000003"), ("E06000004", "E06000005"),
    ("E06000005", "E06000006"), ("E06000007", "E06000008"), ("E06000008", "E06000009"),
    ("E06000001", "E06000004"), ("E06000004", "E06000007"), ("E06000002", "E06000005"),
    ("E06000005", "E06000008"), ("E06000003", "E06000006"), ("E06000006", "E06000009"),
}  # fmt: skip


def grid_frame(gap_m: float = 0.0) -> gpd.GeoDataFrame:
    """The 3 x 3 grid; ``gap_m`` shrinks each square so neighbours are ``gap_m`` apart (slivers)."""
    x0, y0 = ORIGIN
    squares = []
    for i in range(9):
        col, row = i % 3, i // 3
        left, bottom = x0 + col * SIDE_M, y0 + row * SIDE_M
        half = gap_m / 2
        squares.append(box(left + half, bottom + half, left + SIDE_M - half, bottom + SIDE_M - half))
    names = [f"Area {i}" for i in range(1, 10)]
    return gpd.GeoDataFrame({"LAD24CD": CODES, "LAD24NM": names}, geometry=squares, crs=CRS)


def write_boundaries(frame: gpd.GeoDataFrame, folder: Path, fmt: str = "gpkg") -> Path:
    """Write boundaries as a GeoPackage (layer ``areas``), GeoJSON or Shapefile."""
    path = folder / {"gpkg": "areas.gpkg", "geojson": "areas.geojson", "shp": "areas.shp"}[fmt]
    if fmt == "gpkg":
        frame.to_file(path, layer="areas", driver="GPKG")
    else:
        frame.to_file(path, driver={"geojson": "GeoJSON", "shp": "ESRI Shapefile"}[fmt])
    return path


def default_tables() -> dict[str, pd.DataFrame]:
    """CSV tables of the grid: lookup, population, indicators, an upper-tier table, baseline, own resources."""
    lookup = pd.DataFrame(
        {
            "LAD24CD": CODES,
            "LAD24NM": [f"Area {i}" for i in range(1, 10)],
            "lad_type": ["Non-metropolitan district"] * 3 + ["Unitary authority"] * 6,
            "UTLA24CD": ["E10000001"] * 3 + CODES[3:],
            "CAUTH24CD": ["E47000001"] * 2 + [""] * 7,
            "RGN24CD": ["E12000001"] * 6 + ["E12000002"] * 3,
        }
    )
    population = pd.DataFrame({"LAD24CD": CODES, "population": [100_000 * (i + 1) for i in range(9)]})
    indicators = pd.DataFrame(
        {
            "LAD24CD": CODES,
            "gva": [30.0 + i for i in range(9)],
            "need": [10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0],
            "hle": [None, None, None, 60.0, 61.0, 62.0, 63.0, 64.0, 65.0],
        }
    )
    utla = pd.DataFrame({"UTLA24CD": ["E10000001", "E10000099"], "hle": [58.0, 70.0]})
    streams = ["skills", "transport"]
    baseline = pd.DataFrame(
        [
            {"LAD24CD": c, "stream": s, "amount_gbp": 1000.0 * (i + 1)}
            for i, c in enumerate(CODES)
            for s in streams
        ]
    )
    own = pd.DataFrame(
        [
            {"LAD24CD": c, "year": y, "amount_gbp": 500.0 * (i + 1)}
            for i, c in enumerate(CODES)
            for y in (2026, 2027)
        ]
    )
    return {
        "lookup": lookup,
        "population": population,
        "indicators": indicators,
        "utla": utla,
        "baseline": baseline,
        "own": own,
    }


def base_scenario() -> dict[str, Any]:
    """A small valid scenario over the grid files (paths relative to the scenario file)."""
    return {
        "name": "grid test",
        "years": [2026, 2027],
        "geography": {
            "boundaries": "areas.gpkg",
            "layer": "areas",
            "code_column": "LAD24CD",
            "name_column": "LAD24NM",
            "lookup": {
                "path": "lookup.csv",
                "code_column": "LAD24CD",
                "columns": {
                    "tier": "lad_type",
                    "UTLA24CD": "UTLA24CD",
                    "CAUTH24CD": "CAUTH24CD",
                    "RGN24CD": "RGN24CD",
                },
            },
            "indicators": [
                {"path": "population.csv", "code_column": "LAD24CD"},
                {"path": "indicators.csv", "code_column": "LAD24CD"},
            ],
            "baseline": {"path": "baseline.csv", "code_column": "LAD24CD"},
        },
        "envelopes": {"resource": 1_000_000, "capital": 1_000_000},
        "streams": {
            "skills": {"budget": "resource", "effects": {"growth": 0.001}},
            "transport": {"budget": "capital", "effects": {"growth": 0.001}},
        },
        "missions": {"growth": {"indicator": "gva", "target": 40.0}},
    }


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``patch`` into a copy of ``base``; a None value deletes the key (as scenario files do)."""
    out = copy.deepcopy(base)
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


class Grid:
    """The grid's files in one folder, and scenarios over them."""

    def __init__(self, folder: Path):
        self.dir = folder
        self.tables = default_tables()
        self.boundaries = write_boundaries(grid_frame(), folder)
        for name, table in self.tables.items():
            self.write_csv(name, table)

    def path(self, name: str) -> Path:
        return self.dir / name

    def write_csv(self, name: str, table: pd.DataFrame) -> Path:
        path = self.dir / f"{name}.csv"
        table.to_csv(path, index=False)
        return path

    def write_text(self, name: str, text: str) -> Path:
        path = self.dir / name
        path.write_text(text, encoding="utf-8")
        return path

    def scenario(self, patch: dict[str, Any] | None = None, name: str = "scenario.yaml") -> Scenario:
        """Write the base scenario, deep-merged with ``patch``, as YAML (JSON is YAML) and load it."""
        path = self.dir / name
        path.write_text(json.dumps(merge(base_scenario(), patch or {}), indent=1), encoding="utf-8")
        return load_scenario(path)
