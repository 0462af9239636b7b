"""The geography on real ONS data in ../shared/data (or $ALLOCATOR_DATA); skipped when it is absent."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from allocator.geography.check import check_geography_file
from allocator.geography.derive import adjacency
from allocator.geography.load import load_geography
from allocator.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(os.environ.get("ALLOCATOR_DATA") or ROOT / "../shared/data").resolve()
BUC = DATA / "boundaries" / "lad_2024_buc_uk.geojson"
TOPO = DATA / "boundaries" / "uk_multiyear_bsc_topo.json"

pytestmark = [
    pytest.mark.realdata,
    pytest.mark.skipif(
        not (BUC.exists() and TOPO.exists()),
        reason=f"real ONS data not found at {DATA} (set ALLOCATOR_DATA to the shared data folder)",
    ),
]


def _pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["area_code"], frame["neighbour_code"], strict=True))


@pytest.fixture(scope="module")
def england():
    """england_real.yaml loaded (and how long loading its geography took)."""
    scenario = load_scenario(ROOT / "scenarios" / "england_real.yaml")
    started = time.perf_counter()
    geo = load_geography(scenario)
    return scenario, geo, time.perf_counter() - started


def test_england_real_loads_296_areas_with_every_value_it_reads(england):
    scenario, geo, seconds = england
    areas = geo.areas
    assert len(areas) == 296
    assert all(code.startswith("E") for code in areas.index)
    for column, field in scenario.used_columns().items():
        if not field.startswith(("integrated", "rules.")):
            assert areas[column].notna().all(), f"{column} ({field}) has gaps"
    assert areas["population"].sum() == pytest.approx(56.55e6, rel=0.01)
    assert seconds < 10, f"loading took {seconds:.1f} s"


def test_england_real_integrated_settlements_are_the_six_mayoral_combined_authorities(england):
    _, geo, _ = england
    integrated = geo.areas[geo.areas["integrated"]]
    assert set(integrated["CAUTH24CD"]) == {
        "E47000001",
        "E47000002",
        "E47000003",
        "E47000004",
        "E47000007",
        "E47000014",
    }
    assert len(integrated) == 39
    assert not geo.areas.loc[geo.areas["RGN24NM"] == "London", "integrated"].any()


def test_england_real_baseline_is_illustrative_and_complete(england):
    scenario, geo, _ = england
    assert len(geo.baseline) == 296 * len(scenario.streams)
    assert geo.baseline["amount_gbp"].sum() == pytest.approx(11.6e9)
    assert (geo.baseline["amount_gbp"] > 0).all()
    assert geo.own_resources is None
    assert any("illustrative" in note for note in geo.notes)


def test_health_comes_from_counties_for_districts(england):
    _, geo, _ = england
    areas = geo.areas
    lancaster = areas.loc["E07000121"]  # a Lancashire district: published at county level only
    assert lancaster["hle_years"] == pytest.approx(
        (lancaster["hle_male_years"] + lancaster["hle_female_years"]) / 2
    )
    county = areas[areas["UTLA24CD"] == "E10000017"]
    assert county["hle_years"].nunique() == 1


def test_manchester_and_salford_are_neighbours_and_the_isle_of_wight_has_none(england):
    _, geo, _ = england
    pairs = _pairs(geo.adjacency)
    assert ("E08000003", "E08000006") in pairs
    assert not any("E06000046" in pair for pair in pairs)
    assert len(pairs) == 771


def test_the_bsc_topojson_layer_reads_without_a_crs(tmp_path):
    scenario = {
        "name": "TopoJSON LTLA 2024",
        "years": [2026],
        "geography": {
            "boundaries": str(TOPO),
            "layer": "ltla",
            "code_column": "areacd",
            "name_column": "areanm",
            "indicators": [
                {
                    "path": str(DATA / "indicators" / "population_lad24.csv"),
                    "code_column": "LAD24CD",
                    "columns": {"population": "population"},
                },
                {
                    "path": str(DATA / "indicators" / "els_indicators_lad24_latest.csv"),
                    "code_column": "LAD24CD",
                    "columns": {"gva": "gva_per_hour_gbp"},
                },
            ],
            # the areas of 2024: started by then and not ended before
            "select": {"start": {"not_in": [2025]}, "end": {"not_in": list(range(2014, 2024))}},
            "baseline": {"illustrative_total_gbp": 1e9},
        },
        "envelopes": {"resource": 1e9},
        "streams": {"skills": {"budget": "resource", "effects": {"growth": 0.001}, "baseline_share": 1.0}},
        "missions": {"growth": {"indicator": "gva", "target": 40}},
    }
    path = tmp_path / "topo.yaml"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    geo = load_geography(load_scenario(path))
    assert len(geo.areas) == 361
    assert any("no CRS" in note and "EPSG:4326" in note for note in geo.notes)
    assert any("make_valid" in note for note in geo.notes)
    assert ("E08000003", "E08000006") in _pairs(geo.adjacency)


def test_check_summarises_the_topojson_layer():
    summary = check_geography_file(TOPO, layer="ltla")
    assert summary["code_column"] == "areacd"
    assert summary["name_column"] == "areanm"
    assert summary["rows"] == 409
    assert "E06000046" in summary["isolated_areas"]
    assert summary["invalid_geometries_repaired"] > 0


def test_the_adjacency_tolerance_on_coarser_boundaries_finds_no_false_neighbours():
    buc = gpd.read_file(BUC).set_index("LAD24CD").geometry
    topo = gpd.read_file(TOPO, layer="ltla").set_crs("EPSG:4326").set_index("areacd").geometry
    lookup = pd.read_csv(DATA / "lookups" / "lad24_hierarchy.csv")
    england = lookup.loc[lookup["CTRY24CD"] == "E92000001", "LAD24CD"]
    exact = _pairs(adjacency(buc[england]))
    coarse = _pairs(
        adjacency(
            gpd.GeoSeries(topo[england].make_valid(method="structure", keep_collapsed=False), crs="EPSG:4326")
        )
    )
    assert coarse <= exact
    assert len(coarse) >= 750  # the rest face each other across estuaries BSC clips wider
