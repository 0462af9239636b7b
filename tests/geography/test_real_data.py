"""The geography of the shipped scenarios on real England (geodata/england), and real ONS boundaries."""

from __future__ import annotations

import json
import time
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from allocator.geography.check_file import check_geography_file
from allocator.geography.derive import adjacency
from allocator.geography.load import load_geography
from allocator.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
ENGLAND = ROOT / "geodata" / "england"
BOUNDARIES = ENGLAND / "boundaries.gpkg"
TOPO = ROOT / "tests" / "data" / "ons" / "uk_multiyear_bsc_topo.json"
ISLANDS = {"E06000046", "E06000053"}  # Isle of Wight, Isles of Scilly

pytestmark = pytest.mark.realdata


def _pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["area_code"], frame["neighbour_code"], strict=True))


def _load(name: str):
    scenario = load_scenario(ROOT / "scenarios" / name)
    started = time.perf_counter()
    geo = load_geography(scenario)
    return scenario, geo, time.perf_counter() - started


@pytest.fixture(scope="module")
def upper_tier():
    """baseline.yaml loaded (and how long loading its geography took)."""
    return _load("baseline.yaml")


@pytest.fixture(scope="module")
def districts():
    return _load("england_districts.yaml")


def test_the_baseline_is_151_upper_tier_areas_with_every_value_it_reads(upper_tier):
    scenario, geo, seconds = upper_tier
    areas = geo.areas
    assert len(areas) == 151
    assert not set(areas.index) & {"E09000001", "E06000053"}  # City of London, Isles of Scilly left out
    assert areas["tier"].value_counts().to_dict() == {
        "Unitary authority": 62,
        "London borough": 32,
        "Metropolitan district": 36,
        "County": 21,
    }
    for column, field in scenario.used_columns().items():
        if not field.startswith(("integrated", "rules.")):
            assert areas[column].notna().all(), f"{column} ({field}) has gaps"
    # ONS mid-2020 estimates of England less the City of London (10,938) and Scilly (2,226)
    assert areas["population"].sum() == 56_536_974
    assert areas["integrated"].sum() == 0
    assert seconds < 10, f"loading took {seconds:.1f} s"


def test_counties_take_published_values_where_there_are_some_and_their_districts_mean_otherwise(upper_tier):
    _, geo, _ = upper_tier
    kent = geo.areas.loc["E10000016"]
    els = pd.read_csv(ENGLAND / "els_indicators_utla24_latest.csv").set_index("UTLA24CD")
    assert kent["hle_male_years"] == els.loc["E10000016", "hle_male_years"]  # published for counties
    assert pd.isna(els.loc["E10000016", "gva_per_hour_gbp"])  # not published for counties...
    lad = pd.read_csv(ENGLAND / "els_indicators_lad24_latest.csv").set_index("LAD24CD")
    population = pd.read_csv(ENGLAND / "population_lad24.csv").set_index("LAD24CD")["population"]
    hierarchy = pd.read_csv(ENGLAND / "lad24_hierarchy.csv").set_index("LAD24CD")
    kent_districts = hierarchy.index[hierarchy["UTLA24CD"] == "E10000016"]
    weights = population[kent_districts]
    mean = (lad.loc[kent_districts, "gva_per_hour_gbp"] * weights).sum() / weights.sum()
    assert kent["gva_per_hour_gbp"] == pytest.approx(mean)  # ...so its districts' weighted mean
    assert kent["population"] == weights.sum()


def test_the_districts_scenario_takes_health_from_counties(districts):
    scenario, geo, _ = districts
    areas = geo.areas
    assert len(areas) == 294
    lancaster = areas.loc["E07000121"]  # a Lancashire district: published at county level only
    assert lancaster["hle_years"] == pytest.approx(
        (lancaster["hle_male_years"] + lancaster["hle_female_years"]) / 2
    )
    assert areas.loc[areas["UTLA24CD"] == "E10000017", "hle_years"].nunique() == 1
    for column, field in scenario.used_columns().items():
        if not field.startswith(("integrated", "rules.")):
            assert areas[column].notna().all(), f"{column} ({field}) has gaps"


def test_neighbours_on_the_shipped_boundaries(upper_tier, districts):
    lad = gpd.read_file(BOUNDARIES, layer="lad24").set_index("LAD24CD").geometry
    pairs = _pairs(adjacency(lad))
    assert len(pairs) == 771  # every English pair; the ONS BUC file shares every edge exactly
    assert ("E08000003", "E08000006") in pairs  # Manchester and Salford
    assert not any(code in pair for pair in pairs for code in ISLANDS)
    upper = _pairs(upper_tier[1].adjacency)
    assert ("E08000003", "E08000006") in upper
    assert ("E06000046", "E10000014") not in upper  # the Isle of Wight has no neighbour, not even Hampshire
    assert ("E10000016", "E10000032") not in upper  # Kent and West Sussex do not meet
    assert ("E10000011", "E10000016") in upper  # East Sussex and Kent do
    assert len(_pairs(districts[1].adjacency)) == 764  # the 771 less the City of London's 7


def test_the_bsc_topojson_layer_reads_without_a_crs(tmp_path):
    england = pd.read_csv(ENGLAND / "lad24_hierarchy.csv")["LAD24CD"].tolist()
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
                    "path": str(ENGLAND / "population_lad24.csv"),
                    "code_column": "LAD24CD",
                    "columns": {"population": "population"},
                },
                {
                    "path": str(ENGLAND / "els_indicators_lad24_latest.csv"),
                    "code_column": "LAD24CD",
                    "columns": {"gva": "gva_per_hour_gbp"},
                },
            ],
            # England's districts of 2024 (the layer holds every year's, and the UK's)
            "select": {"area_code": {"in": england}},
            "baseline": {"illustrative_total_gbp": 1e9},
        },
        "envelopes": {"resource": 1e9},
        "streams": {"skills": {"budget": "resource", "effects": {"growth": 0.001}, "baseline_share": 1.0}},
        "missions": {"growth": {"indicator": "gva", "target": 40}},
    }
    path = tmp_path / "topo.yaml"
    path.write_text(json.dumps(scenario), encoding="utf-8")
    geo = load_geography(load_scenario(path))
    assert len(geo.areas) == 296
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
    buc = gpd.read_file(BOUNDARIES, layer="lad24").set_index("LAD24CD").geometry
    topo = gpd.read_file(TOPO, layer="ltla").set_crs("EPSG:4326").set_index("areacd").geometry
    exact = _pairs(adjacency(buc))
    coarse = _pairs(
        adjacency(
            gpd.GeoSeries(
                topo[buc.index].make_valid(method="structure", keep_collapsed=False), crs="EPSG:4326"
            )
        )
    )
    assert coarse <= exact
    assert len(coarse) >= 750  # the rest face each other across estuaries BSC clips wider
