"""Shared fixtures: tiny hand-made geographies and scenarios, built in memory (no files, no solver setup)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from shapely.geometry import box

from allocator.geography import CRS, Geography
from allocator.schema import Scenario

ROOT = Path(__file__).resolve().parents[1]


def random_geography(n: int, seed: int, baseline: tuple[int, int], integrated: bool = False) -> Geography:
    """``n`` areas in a row (``tiny_geography``) with random whole numbers: 5 to 29 residents, a baseline
    of ``baseline`` (low, high) in each of the three streams, a GVA of 25 to 44, and, when asked, about
    three in ten areas integrated."""
    rng = np.random.default_rng(seed)
    population = rng.integers(5, 30, n).astype(float).tolist()
    base = {
        s: rng.integers(*baseline, n).astype(float).tolist() for s in ("growth_fund", "safety", "housing")
    }
    gva = rng.integers(25, 45, n).astype(float).tolist()
    return tiny_geography(
        population,
        base,
        indicators={"gva": gva},
        integrated=(rng.random(n) < 0.3).tolist() if integrated else None,
    )


def tiny_geography(
    populations: list[float],
    baseline: dict[str, list[float]],
    indicators: dict[str, list[float]] | None = None,
    own: dict[int, list[float]] | None = None,
    attributes: dict[str, list[Any]] | None = None,
    integrated: list[bool] | None = None,
) -> Geography:
    """Areas A0, A1, ... as unit squares in a row (each touches the next), with the given data."""
    n = len(populations)
    codes = [f"E0600000{i}" for i in range(n)]
    areas = pd.DataFrame(
        {"area_name": [f"Area {i}" for i in range(n)], "population": populations}, index=codes
    )
    areas.index.name = "area_code"
    for col, values in (indicators or {"gva": [30.0 + 5 * i for i in range(n)]}).items():
        areas[col] = values
    for col, values in (attributes or {}).items():
        areas[col] = values
    areas["tier"] = areas.get("tier", "Unitary authority")
    areas["area_km2"] = 100.0
    areas["density_per_km2"] = areas["population"] / 100.0
    areas["integrated"] = integrated if integrated is not None else [False] * n
    geometry = gpd.GeoSeries(
        [box(i * 10_000, 0, (i + 1) * 10_000, 10_000) for i in range(n)], index=codes, crs=CRS
    )
    adjacency = pd.DataFrame(
        {"area_code": codes[:-1], "neighbour_code": codes[1:], "shared_km": [10.0] * (n - 1)}
    )
    base = pd.DataFrame(
        [(codes[i], s, float(v[i])) for s, v in baseline.items() for i in range(n)],
        columns=["area_code", "stream", "amount_gbp"],
    )
    own_table = None
    if own:
        own_table = pd.DataFrame(
            [(codes[i], y, float(v[i])) for y, v in own.items() for i in range(n)],
            columns=["area_code", "year", "amount_gbp"],
        )
    return Geography(
        areas=areas, geometry=geometry, adjacency=adjacency, baseline=base, own_resources=own_table
    )


BASE_SCENARIO: dict[str, Any] = {
    "name": "tiny",
    "years": [2026],
    "geography": {"boundaries": "unused.gpkg", "baseline": {"path": "unused.csv"}},
    "envelopes": {"resource": 1000.0},
    "streams": {
        "growth_fund": {
            "budget": "resource",
            "z0_gbp_per_head": 10.0,
            "zmax_gbp_per_head": 100.0,
            "effects": {"growth": 1.0},
        },
    },
    "missions": {"growth": {"indicator": "gva", "target": 40.0, "weight": 1.0}},
    "rules": {},
    "objective": {"tail_years": 0, "discount_rate": 0.0},
}


def three_streams(zmax_gbp_per_head: float) -> dict[str, Any]:
    """The streams the model tests share: a resource fund, a resource service and a capital programme,
    each buying growth, with one response curve (``zmax`` set by the test)."""
    stream = {"z0_gbp_per_head": 10.0, "zmax_gbp_per_head": zmax_gbp_per_head}
    return {
        "growth_fund": stream,
        "safety": {**stream, "budget": "resource", "effects": {"growth": 0.5}},
        "housing": {**stream, "budget": "capital", "effects": {"growth": 0.8}},
    }


def tiny_scenario(patch: dict[str, Any] | None = None) -> Scenario:
    """BASE_SCENARIO deep-merged with ``patch`` (None values delete)."""

    def merge(a: dict, b: dict) -> dict:
        out = copy.deepcopy(a)
        for k, v in b.items():
            if v is None:
                out.pop(k, None)
            elif isinstance(v, dict) and isinstance(out.get(k), dict):
                out[k] = merge(out[k], v)
            else:
                out[k] = copy.deepcopy(v)
        return out

    return Scenario.model_validate(merge(BASE_SCENARIO, patch or {}))
