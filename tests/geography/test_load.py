"""load_geography on the hand-made grid: formats, joins, parents, selection, dissolving, funding."""

from __future__ import annotations

import hashlib

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import box

from allocator.errors import GeographyError, ScenarioError
from allocator.geography import CRS, Geography
from allocator.geography.load import load_geography

from .grids import CODES, ORIGIN, ROOK_PAIRS, grid_frame, write_boundaries


def _pairs(geo: Geography) -> set[tuple[str, str]]:
    return set(zip(geo.adjacency["area_code"], geo.adjacency["neighbour_code"], strict=True))


@pytest.mark.parametrize("fmt", ["gpkg", "geojson", "shp"])
def test_every_boundary_format_gives_the_same_geography(grid, fmt):
    path = write_boundaries(grid_frame(), grid.dir, fmt)
    layer = "areas" if fmt == "gpkg" else None
    geo = load_geography(grid.scenario({"geography": {"boundaries": path.name, "layer": layer}}))
    assert list(geo.areas.index) == CODES
    assert geo.areas.index.name == "area_code"
    assert geo.areas["area_name"].tolist() == [f"Area {i}" for i in range(1, 10)]
    assert _pairs(geo) == ROOK_PAIRS
    assert geo.geometry.crs == CRS
    assert geo.areas["area_km2"].to_numpy() == pytest.approx(np.full(9, 100.0))


def test_other_crs_are_reprojected_to_british_national_grid(grid):
    write_boundaries(grid_frame().to_crs("EPSG:4326"), grid.dir, "geojson")
    geo = load_geography(grid.scenario({"geography": {"boundaries": "areas.geojson", "layer": None}}))
    assert geo.geometry.crs == CRS
    assert geo.geometry["E06000001"].bounds == pytest.approx(
        (*ORIGIN, ORIGIN[0] + 10_000, ORIGIN[1] + 10_000), abs=1
    )
    assert _pairs(geo) == ROOK_PAIRS


@pytest.mark.parametrize(("crs", "assumed"), [("EPSG:4326", "EPSG:4326"), (CRS, CRS)])
def test_a_file_without_crs_is_read_by_its_coordinates_and_says_so(grid, crs, assumed):
    frame = grid_frame().to_crs(crs)
    frame.to_file(grid.dir / "areas.shp")
    (grid.dir / "areas.prj").unlink()
    geo = load_geography(grid.scenario({"geography": {"boundaries": "areas.shp", "layer": None}}))
    assert any("no CRS" in note and assumed in note for note in geo.notes)
    assert geo.geometry["E06000005"].area == pytest.approx(1e8, rel=1e-3)


def test_areas_are_sorted_by_code_and_carry_the_derived_columns(grid):
    write_boundaries(grid_frame().iloc[::-1], grid.dir)
    geo = load_geography(grid.scenario())
    areas = geo.areas
    assert list(areas.index) == CODES
    assert list(geo.geometry.index) == CODES
    assert list(areas.columns[:6]) == [
        "area_name",
        "population",
        "area_km2",
        "density_per_km2",
        "integrated",
        "tier",
    ]
    assert areas.loc["E06000003", "density_per_km2"] == pytest.approx(300_000 / 100)
    assert areas.loc["E06000001", "tier"] == "Non-metropolitan district"
    assert not areas["integrated"].any()
    assert areas["gva"].dtype == float


def test_lookup_columns_are_taken_and_renamed(grid):
    areas = load_geography(grid.scenario()).areas
    assert {"tier", "UTLA24CD", "CAUTH24CD", "RGN24CD"} <= set(areas.columns)
    assert "lad_type" not in areas.columns
    assert areas.loc["E06000001", "UTLA24CD"] == "E10000001"


def test_upper_tier_values_fill_only_what_is_missing(grid):
    utla = {"path": "utla.csv", "code_column": "UTLA24CD", "join_on": "UTLA24CD", "fill_missing_only": True}
    indicators = [*grid.scenario().geography.model_dump(mode="json")["indicators"], utla]
    geo = load_geography(grid.scenario({"geography": {"indicators": indicators}}))
    hle = geo.areas["hle"]
    assert hle[CODES[:3]].tolist() == [58.0, 58.0, 58.0]  # districts: their county's value
    assert hle[CODES[3:]].tolist() == [60.0, 61.0, 62.0, 63.0, 64.0, 65.0]  # unitaries keep their own


def test_a_later_table_replaces_earlier_values_where_it_has_one(grid):
    grid.write_csv("better", pd.DataFrame({"LAD24CD": ["E06000002"], "gva": [99.0]}))
    indicators = [
        {"path": "population.csv", "code_column": "LAD24CD"},
        {"path": "indicators.csv", "code_column": "LAD24CD"},
        {"path": "better.csv", "code_column": "LAD24CD", "fill_missing_only": True},
    ]
    # A partial table cannot be a plain join (its missing rows are errors), but it can fill or replace:
    geo = load_geography(grid.scenario({"geography": {"indicators": indicators}}))
    assert geo.areas.loc["E06000002", "gva"] == 31.0  # fill_missing_only: the value was there
    indicators[2]["fill_missing_only"] = False
    grid.write_csv("better", pd.DataFrame({"LAD24CD": CODES, "gva": [np.nan, 99.0, *[np.nan] * 7]}))
    geo = load_geography(grid.scenario({"geography": {"indicators": indicators}}))
    assert geo.areas["gva"].tolist() == [30.0, 99.0, *[32.0 + i for i in range(7)]]


def test_a_long_table_is_filtered_by_where_and_joined_on_an_attribute(grid):
    long = pd.DataFrame(
        {
            "UTLA24CD": ["E10000001", "E10000001", *CODES[3:], *CODES[3:]],
            "indicator_id": ["gld", "ks2"] + ["gld"] * 6 + ["ks2"] * 6,
            "year": [2025, 2025] + [2025] * 6 + [2025] * 6,
            "value": [70.0, 1.0] + [71.0 + i for i in range(6)] + [2.0] * 6,
        }
    )
    old = long.assign(year=2024, value=0.0)
    grid.write_csv("lait", pd.concat([long, old]))
    lait = {
        "path": "lait.csv",
        "code_column": "UTLA24CD",
        "join_on": "UTLA24CD",
        "where": {"indicator_id": "gld", "year": 2025},
        "columns": {"gld_pct": "value"},
    }
    geo = load_geography(
        grid.scenario(
            {
                "geography": {
                    "indicators": [
                        {"path": "population.csv", "code_column": "LAD24CD"},
                        {"path": "indicators.csv", "code_column": "LAD24CD"},
                        lait,
                    ]
                }
            }
        )
    )
    assert geo.areas["gld_pct"].tolist() == [70.0, 70.0, 70.0, 71.0, 72.0, 73.0, 74.0, 75.0, 76.0]


def test_codes_are_read_as_text(grid):
    lookup = grid.tables["lookup"].assign(dfe_la_code=[805, 805, 805, 806, 807, 808, 809, 810, 811])
    grid.write_csv("lookup", lookup)
    grid.write_csv(
        "by_la", pd.DataFrame({"la": ["805", "806", "807", "808", "809", "810", "811"], "x": range(7)})
    )
    patch = {
        "geography": {
            "lookup": {"columns": {"dfe_la_code": "dfe_la_code"}},
            "indicators": [
                {"path": "population.csv", "code_column": "LAD24CD"},
                {"path": "indicators.csv", "code_column": "LAD24CD"},
                {"path": "by_la.csv", "code_column": "la", "join_on": "dfe_la_code"},
            ],
        }
    }
    assert load_geography(grid.scenario(patch)).areas["x"].tolist() == [0, 0, 0, 1, 2, 3, 4, 5, 6]


def test_derived_columns_are_evaluated_in_order(grid):
    patch = {"geography": {"derived": {"gva2": "gva * 2", "gva3": "gva2 + gva"}}}
    areas = load_geography(grid.scenario(patch)).areas
    assert areas["gva3"].tolist() == [3 * (30.0 + i) for i in range(9)]


def test_parents_by_lookup_column_and_by_containment(grid):
    x0, y0 = ORIGIN
    regions = gpd.GeoDataFrame(
        {"RGNCD": ["E12000001", "E12000002"]},
        geometry=[box(x0, y0, x0 + 30_000, y0 + 20_000), box(x0, y0 + 20_000, x0 + 30_000, y0 + 30_000)],
        crs=CRS,
    ).to_crs("EPSG:4326")
    regions.to_file(grid.dir / "regions.geojson")
    patch = {
        "geography": {
            "parents": {
                "strategic_authority": {"column": "CAUTH24CD"},
                "region": {"boundaries": "regions.geojson", "code_column": "RGNCD"},
            }
        }
    }
    areas = load_geography(grid.scenario(patch)).areas
    assert areas["parent_region"].tolist() == ["E12000001"] * 6 + ["E12000002"] * 3
    assert areas["parent_strategic_authority"].tolist()[:2] == ["E47000001", "E47000001"]
    assert areas["parent_strategic_authority"].iloc[2:].isna().all()


def test_selection_keeps_recipients_and_their_adjacency(grid):
    geo = load_geography(grid.scenario({"geography": {"select": {"RGN24CD": "E12000001"}}}))
    assert list(geo.areas.index) == CODES[:6]
    assert _pairs(geo) == {p for p in ROOK_PAIRS if p[0] in CODES[:6] and p[1] in CODES[:6]}
    assert set(geo.baseline["area_code"]) == set(CODES[:6])


def test_a_uk_wide_table_is_fine_for_english_recipients(grid):
    population = grid.tables["population"]
    extra = pd.DataFrame({"LAD24CD": ["W06000001", "S12000005"], "population": [1, 2]})
    grid.write_csv("population", pd.concat([population, extra]))
    assert len(load_geography(grid.scenario()).areas) == 9


def test_non_recipients_may_lack_rows_and_values(grid):
    indicators = grid.tables["indicators"]
    indicators.loc[8, "gva"] = np.nan
    grid.write_csv("indicators", indicators.iloc[1:])
    geo = load_geography(
        grid.scenario({"geography": {"select": {"area_code": {"not_in": ["E06000001", "E06000009"]}}}})
    )
    assert len(geo.areas) == 7


def test_integrated_areas_follow_the_selector(grid):
    geo = load_geography(grid.scenario({"integrated": {"CAUTH24CD": {"present": True}}}))
    assert geo.areas["integrated"].tolist() == [True, True] + [False] * 7
    assert geo.areas["integrated"].dtype == bool


def test_dissolving_merges_areas_and_sums_their_funding(grid):
    grid.tables["own"].to_csv(grid.path("own.csv"), index=False)
    patch = {
        "geography": {
            "dissolve_to": "UTLA24CD",
            "own_resources": {"path": "own.csv", "code_column": "LAD24CD"},
        },
    }
    geo = load_geography(grid.scenario(patch))
    assert list(geo.areas.index) == [
        "E06000004",
        "E06000005",
        "E06000006",
        "E06000007",
        "E06000008",
        "E06000009",
        "E10000001",
    ]
    county = geo.areas.loc["E10000001"]
    assert county["population"] == 600_000
    assert county["gva"] == pytest.approx((30 * 1 + 31 * 2 + 32 * 3) / 6)
    assert county["area_km2"] == pytest.approx(300.0)
    base = geo.baseline.set_index(["area_code", "stream"])["amount_gbp"]
    assert base["E10000001", "skills"] == 6000.0
    own = geo.own_resources.set_index(["area_code", "year"])["amount_gbp"]
    assert own["E10000001", 2027] == 3000.0
    assert ("E06000004", "E10000001") in _pairs(geo)
    assert any("dissolved" in note for note in geo.notes)


def test_baseline_file_covers_every_area_and_stream(grid):
    baseline = grid.tables["baseline"]
    grid.write_csv(
        "baseline", baseline[~((baseline["LAD24CD"] == "E06000002") & (baseline["stream"] == "skills"))]
    )
    base = load_geography(grid.scenario()).baseline
    assert len(base) == 18
    assert list(base.columns) == ["area_code", "stream", "amount_gbp"]
    assert base.set_index(["area_code", "stream"]).loc[("E06000002", "skills"), "amount_gbp"] == 0.0
    assert base.equals(base.sort_values(["area_code", "stream"], ignore_index=True))


def test_illustrative_baseline_shares_a_total_by_population_and_need(grid):
    patch = {
        "geography": {
            "baseline": {
                "path": None,
                "code_column": None,
                "illustrative_total_gbp": 9e6,
                "need_column": "need",
            }
        },
        "streams": {"skills": {"baseline_share": 0.4}, "transport": {"baseline_share": 0.6}},
    }
    geo = load_geography(grid.scenario(patch))
    by_stream = geo.baseline.groupby("stream")["amount_gbp"].sum()
    assert by_stream.to_dict() == pytest.approx({"skills": 3.6e6, "transport": 5.4e6})
    per_head = geo.baseline.groupby("area_code")["amount_gbp"].sum() / geo.areas["population"]
    assert per_head.is_monotonic_increasing  # need rises with the code
    assert any("illustrative" in note for note in geo.notes)


def test_own_resources_from_a_file_or_grown_from_a_column(grid):
    file = load_geography(
        grid.scenario({"geography": {"own_resources": {"path": "own.csv", "code_column": "LAD24CD"}}})
    )
    assert len(file.own_resources) == 18
    assert list(file.own_resources.columns) == ["area_code", "year", "amount_gbp"]
    grown = load_geography(grid.scenario({"geography": {"own_resources": {"column": "gva", "growth": 0.1}}}))
    own = grown.own_resources.set_index(["area_code", "year"])["amount_gbp"]
    assert own["E06000001", 2026] == pytest.approx(33.0)
    assert own["E06000001", 2027] == pytest.approx(36.3)
    assert load_geography(grid.scenario()).own_resources is None


def test_sources_hold_the_sha256_of_every_file_read(grid):
    geo = load_geography(grid.scenario())
    files = ["areas.gpkg", "lookup.csv", "population.csv", "indicators.csv", "baseline.csv"]
    assert sorted(geo.sources) == sorted(str(grid.path(f)) for f in files)
    for path, digest in geo.sources.items():
        with open(path, "rb") as handle:
            assert digest == hashlib.sha256(handle.read()).hexdigest()


def test_baseline_uprating_multiplies_every_amount_and_says_so(grid):
    plain = load_geography(grid.scenario())
    uprated = load_geography(grid.scenario({"geography": {"baseline": {"uprating": 1.25}}}))
    assert uprated.baseline["amount_gbp"].to_numpy() == pytest.approx(
        1.25 * plain.baseline["amount_gbp"].to_numpy()
    )
    assert any("baseline.csv times 1.25 (geography.baseline.uprating)" in note for note in uprated.notes)
    assert not any("uprating" in note for note in plain.notes)


def test_own_resources_from_several_columns_each_grown_from_its_base_year(grid):
    patch = {
        "geography": {
            "own_resources": {"base_year": 2024, "columns": {"gva": 0.05, "need": 0.02}},
        }
    }
    own = load_geography(grid.scenario(patch)).own_resources.set_index(["area_code", "year"])["amount_gbp"]
    # E06000001: gva 30, need 10; the year before the first (2025) and the scenario years
    assert own["E06000001", 2025] == pytest.approx(30 * 1.05 + 10 * 1.02)
    assert own["E06000001", 2027] == pytest.approx(30 * 1.05**3 + 10 * 1.02**3)
    assert sorted(set(own.index.get_level_values("year"))) == [2025, 2026, 2027]


def test_own_resources_need_a_column(grid):
    with pytest.raises(ScenarioError, match="give column"):
        grid.scenario({"geography": {"own_resources": {"base_year": 2024}}})


def test_a_fact_must_be_an_area_attribute(grid):
    with pytest.raises(GeographyError) as err:
        load_geography(grid.scenario({"geography": {"facts": {"gvaa": {"label": "GVA"}}}}))
    assert "geography.facts.gvaa: no area attribute 'gvaa'; did you mean 'gva'?" in str(err.value)


def test_areas_with_an_unusual_text_figure_are_named_in_a_note(grid):
    grid.write_csv("source", pd.DataFrame({"LAD24CD": CODES, "how": ["returned"] * 7 + ["estimated"] * 2}))
    patch = {
        "geography": {
            "indicators": [
                {"path": "population.csv", "code_column": "LAD24CD"},
                {"path": "indicators.csv", "code_column": "LAD24CD"},
                {"path": "source.csv", "code_column": "LAD24CD"},
            ],
            "facts": {"how": {"label": "How the funding was found", "unit": "text", "usual": "returned"}},
        }
    }
    geo = load_geography(grid.scenario(patch))
    assert "how of 2 of 9 areas is not 'returned' (see each area's how): Area 8, Area 9" in geo.notes
    assert geo.areas.loc["E06000009", "how"] == "estimated"
