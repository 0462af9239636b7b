"""One broken input per kind of geography problem: each message names the file and the field or row."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, Polygon, box

from allocator.errors import GeographyError, Problem
from allocator.geography.load import load_geography
from allocator.geography.validate import capped, listing

from .grids import CODES, grid_frame, write_boundaries


def _problems(grid, patch=None) -> list[Problem]:
    scenario = grid.scenario(patch)
    with pytest.raises(GeographyError) as caught:
        load_geography(scenario)
    assert caught.value.exit_code == 2
    return caught.value.problems


def _one(problems: list[Problem], source: str, location: str, *words: str) -> Problem:
    """The single problem in ``source`` at ``location``, whose message holds every word."""
    found = [p for p in problems if p.source.endswith(source) and p.location == location]
    assert len(found) == 1, f"expected one problem at {source}: {location}, got {problems}"
    for word in words:
        assert word in found[0].message, found[0]
    return found[0]


def _indicators(grid, table: pd.DataFrame, name: str = "indicators"):
    grid.write_csv(name, table)


# --- files that cannot be read ----------------------------------------------------------------------


def test_missing_boundaries_file(grid):
    problems = _problems(grid, {"geography": {"boundaries": "nowhere.gpkg"}})
    _one(problems, "nowhere.gpkg", "", "file not found", "GeoPackage")


def test_unreadable_boundaries_file(grid):
    grid.write_text("broken.geojson", "{ this is not json")
    problems = _problems(grid, {"geography": {"boundaries": "broken.geojson", "layer": None}})
    _one(problems, "broken.geojson", "", "cannot be read", "expected")


def test_a_layer_must_be_named_when_there_are_several_and_must_exist(grid):
    grid_frame().to_file(grid.boundaries, layer="other", driver="GPKG")
    _one(
        _problems(grid, {"geography": {"layer": None}}), "areas.gpkg", "geography.layer", "2 layers", "areas"
    )
    _one(
        _problems(grid, {"geography": {"layer": "aeras"}}),
        "areas.gpkg",
        "geography.layer",
        "did you mean 'areas'",
    )


def test_missing_table_file_is_reported_with_the_others(grid):
    write_boundaries(pd.concat([grid_frame(), grid_frame().iloc[[0]]]), grid.dir)
    patch = {"geography": {"indicators": [{"path": "gone.csv", "code_column": "LAD24CD"}]}}
    problems = _problems(grid, patch)
    _one(problems, "gone.csv", "", "file not found")
    _one(problems, "areas.gpkg", "feature 10 (E06000001)", "duplicate code")


# --- columns and codes ------------------------------------------------------------------------------


def test_missing_code_and_name_columns(grid):
    problems = _problems(grid, {"geography": {"code_column": "LAD23CD", "name_column": "LAD23NM"}})
    _one(problems, "areas.gpkg", "geography.code_column", "no column 'LAD23CD'", "did you mean 'LAD24CD'")
    _one(problems, "areas.gpkg", "geography.name_column", "no column 'LAD23NM'")


def test_duplicate_and_blank_codes_in_boundaries(grid):
    frame = grid_frame()
    frame.loc[4, "LAD24CD"] = "E06000001"
    frame.loc[5, "LAD24CD"] = " "
    write_boundaries(frame, grid.dir)
    problems = _problems(grid)
    _one(problems, "areas.gpkg", "feature 5 (E06000001)", "duplicate code E06000001", "first in feature 1")
    _one(problems, "areas.gpkg", "feature 6", "blank")


def test_table_without_its_code_column_or_a_named_column(grid):
    patch = {
        "geography": {
            "indicators": [{"path": "indicators.csv", "code_column": "LAD23CD", "columns": {"gva": "gav"}}]
        }
    }
    problems = _problems(grid, patch)
    _one(problems, "indicators.csv", "geography.indicators.0.code_column", "no column 'LAD23CD'")
    _one(
        problems,
        "indicators.csv",
        "geography.indicators.0.columns.gva",
        "no column 'gav'",
        "did you mean 'gva'",
    )


def test_duplicate_codes_in_a_table(grid):
    table = grid.tables["indicators"]
    _indicators(grid, pd.concat([table, table.iloc[[2]]]))
    _one(
        _problems(grid), "indicators.csv", "row 11 (E06000003)", "duplicate code E06000003", "first in row 4"
    )


def test_where_on_a_missing_column_or_matching_nothing(grid):
    table = {"path": "indicators.csv", "code_column": "LAD24CD"}
    problems = _problems(grid, {"geography": {"indicators": [{**table, "where": {"yaer": 2025}}]}})
    _one(problems, "indicators.csv", "geography.indicators.0.where.yaer", "no column 'yaer'")
    problems = _problems(grid, {"geography": {"indicators": [{**table, "where": {"gva": 1}}]}})
    _one(problems, "indicators.csv", "geography.indicators.0.where", "no row")


def test_join_on_an_attribute_the_areas_lack(grid):
    utla = {"path": "utla.csv", "code_column": "UTLA24CD", "join_on": "UTLA23CD"}
    problems = _problems(
        grid, {"geography": {"indicators": [{"path": "indicators.csv", "code_column": "LAD24CD"}, utla]}}
    )
    _one(problems, "utla.csv", "geography.indicators.1.join_on", "no area attribute 'UTLA23CD'", "UTLA24CD")


# --- coverage: codes on one side only ---------------------------------------------------------------


def test_recipients_without_a_row_are_listed_with_the_codes_the_table_has_instead(grid):
    table = grid.tables["indicators"].copy()
    table.loc[0:1, "LAD24CD"] = ["E07000001", "E07000002"]
    _indicators(grid, table)
    problem = _one(_problems(grid), "indicators.csv", "column area_code", "2 recipient area(s)")
    assert "E06000001, E06000002" in problem.message
    assert "2 code(s) matching no area (E07000001, E07000002)" in problem.message


def test_listing_stops_at_ten_and_counts_the_rest():
    assert (
        listing([f"E0{i}" for i in range(13)])
        == "E00, E01, E02, E03, E04, E05, E06, E07, E08, E09 and 3 more"
    )
    problems = [Problem("f.csv", f"row {i}", "bad") for i in range(12)]
    assert capped(problems, "bad rows")[-1] == Problem("f.csv", "", "and 2 more bad rows")


def test_a_missing_upper_tier_row_names_the_upper_tier_code(grid):
    grid.write_csv("utla", pd.DataFrame({"UTLA24CD": ["E10000099", *CODES[3:]], "hle": 60.0}))
    utla = {"path": "utla.csv", "code_column": "UTLA24CD", "join_on": "UTLA24CD"}
    indicators = [
        {"path": "population.csv", "code_column": "LAD24CD"},
        {"path": "indicators.csv", "code_column": "LAD24CD"},
        utla,
    ]
    problems = _problems(grid, {"geography": {"indicators": indicators}})
    problem = _one(
        problems, "utla.csv", "column UTLA24CD", "no row for UTLA24CD E10000001 (3 recipient area(s)"
    )
    assert "E06000001, E06000002, E06000003" in problem.message
    assert "1 code(s) matching no area (E10000099)" in problem.message


# --- values the scenario reads ----------------------------------------------------------------------


def test_blank_values_are_reported_at_their_row(grid):
    table = grid.tables["indicators"]
    table.loc[3, "gva"] = np.nan
    _indicators(grid, table)
    _one(
        _problems(grid),
        "indicators.csv",
        "row 5 (E06000004)",
        "gva has no value",
        "missions.growth.indicator",
    )


def test_non_numeric_values(grid):
    table = grid.tables["indicators"].astype({"gva": object})
    table.loc[[2, 6], "gva"] = ["x", "-"]
    _indicators(grid, table)
    problems = _problems(grid)
    _one(problems, "indicators.csv", "row 4 (E06000003)", "'x'", "expected a finite number")
    _one(problems, "indicators.csv", "row 8 (E06000007)", "'-'")
    assert len(problems) == 2  # not reported again as blank


def test_non_positive_population(grid):
    population = grid.tables["population"]
    population.loc[1, "population"] = 0
    grid.write_csv("population", population)
    _one(_problems(grid), "population.csv", "row 3 (E06000002)", "population is 0", "positive")


def test_a_column_the_scenario_reads_that_no_table_has(grid):
    problems = _problems(grid, {"missions": {"growth": {"indicator": "gva_per_hour"}}})
    _one(problems, "scenario.yaml", "missions.growth.indicator", "no area attribute 'gva_per_hour'")


def test_a_filler_that_did_not_fill_is_named(grid):
    utla = {"path": "utla.csv", "code_column": "UTLA24CD", "join_on": "UTLA24CD", "fill_missing_only": True}
    grid.write_csv("utla", pd.DataFrame({"UTLA24CD": ["E10000001"], "hle": [np.nan]}))
    indicators = [
        {"path": "population.csv", "code_column": "LAD24CD"},
        {"path": "indicators.csv", "code_column": "LAD24CD"},
        utla,
    ]
    problems = _problems(
        grid, {"geography": {"indicators": indicators}, "missions": {"growth": {"indicator": "hle"}}}
    )
    _one(problems, "indicators.csv", "row 2 (E06000001)", "hle has no value", "utla.csv did not fill it")


def test_bad_derived_expression(grid):
    problems = _problems(grid, {"geography": {"derived": {"gva2": "gva +* 2", "gva3": "gav * 3"}}})
    _one(problems, "scenario.yaml", "geography.derived.gva2", "cannot evaluate 'gva +* 2'")
    _one(problems, "scenario.yaml", "geography.derived.gva3", "did you mean 'gva'")


def test_derived_value_missing_because_an_input_is_blank(grid):
    patch = {"geography": {"derived": {"score": "gva + hle"}}, "missions": {"growth": {"indicator": "score"}}}
    problem = _one(_problems(grid, patch), "scenario.yaml", "geography.derived.score", "3 recipient area(s)")
    assert "because hle has no value there" in problem.message


# --- selection --------------------------------------------------------------------------------------


def test_selector_columns_that_do_not_exist(grid):
    patch = {"geography": {"select": {"CTRY24CD": "E92000001"}}, "integrated": {"mayoral": True}}
    problems = _problems(grid, patch)
    _one(problems, "scenario.yaml", "geography.select.CTRY24CD", "no area attribute 'CTRY24CD'")
    _one(problems, "scenario.yaml", "integrated.mayoral", "no area attribute 'mayoral'")


def test_an_empty_selection(grid):
    problems = _problems(grid, {"geography": {"select": {"RGN24CD": "E12000009"}}})
    _one(problems, "scenario.yaml", "geography.select", "selects none of the 9 areas", "E12000001, E12000002")


def test_dissolve_and_parent_columns_that_do_not_exist(grid):
    patch = {"geography": {"dissolve_to": "CTY24CD", "parents": {"county": {"column": "CTY24CD"}}}}
    problems = _problems(grid, patch)
    _one(problems, "scenario.yaml", "geography.dissolve_to", "no area attribute 'CTY24CD'")
    _one(problems, "scenario.yaml", "geography.parents.county.column", "no area attribute 'CTY24CD'")


# --- geometries -------------------------------------------------------------------------------------


def test_invalid_geometries_are_repaired_and_noted(grid):
    frame = grid_frame()
    x0, y0, x1, y1 = frame.geometry.iloc[0].bounds
    frame.loc[0, "geometry"] = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])  # a bow tie
    write_boundaries(frame, grid.dir)
    geo = load_geography(grid.scenario())
    assert any("make_valid" in note and "feature 1 (E06000001)" in note for note in geo.notes)
    assert geo.geometry["E06000001"].is_valid
    assert geo.geometry["E06000001"].area == pytest.approx(0.5 * 1e8)


def test_empty_and_non_polygon_geometries(grid):
    frame = grid_frame()
    frame.loc[1, "geometry"] = Polygon()
    frame.loc[2, "geometry"] = Point(0, 0)
    frame.to_file(grid.dir / "mixed.geojson", driver="GeoJSON")
    problems = _problems(grid, {"geography": {"boundaries": "mixed.geojson", "layer": None}})
    _one(problems, "mixed.geojson", "feature 2 (E06000002)", "empty")
    _one(problems, "mixed.geojson", "feature 3 (E06000003)", "Point", "expected a polygon")


# --- funding tables ---------------------------------------------------------------------------------


def test_baseline_problems(grid):
    baseline = grid.tables["baseline"].astype({"amount_gbp": object})
    baseline.loc[0, "stream"] = "skils"
    baseline.loc[3, "amount_gbp"] = "lots"
    baseline.loc[5, "amount_gbp"] = -1
    baseline = pd.concat([baseline[baseline["LAD24CD"] != "E06000009"], baseline.iloc[[6]]])
    grid.write_csv("baseline", baseline)
    problems = _problems(grid)
    _one(problems, "baseline.csv", "row 2 (E06000001)", "unknown stream 'skils'", "did you mean 'skills'")
    _one(problems, "baseline.csv", "row 5 (E06000002)", "'lots'", "amount in £")
    _one(problems, "baseline.csv", "row 7 (E06000003)", "-1")
    _one(problems, "baseline.csv", "row 18 (E06000004)", "second row for stream skills")
    grid.write_csv("baseline", grid.tables["baseline"].iloc[:-2])
    _one(
        _problems(grid), "baseline.csv", "geography.baseline.code_column", "1 recipient area(s)", "E06000009"
    )


def test_own_resources_problems(grid):
    own = grid.tables["own"].astype({"year": object})
    own.loc[0, "year"] = "2026-27"
    grid.write_csv("own", own)
    patch = {"geography": {"own_resources": {"path": "own.csv", "code_column": "LAD24CD"}}}
    _one(_problems(grid, patch), "own.csv", "row 2 (E06000001)", "'2026-27'", "year such as 2026")
    grid.write_csv("own", grid.tables["own"].iloc[1:-1])
    problem = _one(
        _problems(grid, patch), "own.csv", "geography.own_resources.code_column", "2 recipient area(s)"
    )
    assert "E06000001 (2026)" in problem.message
    assert "E06000009 (2027)" in problem.message


def test_every_problem_of_a_pass_is_raised_together(grid):
    table = grid.tables["indicators"].astype({"gva": object})
    table.loc[0, "gva"] = "x"
    table.loc[1, "need"] = np.nan
    _indicators(grid, table)
    population = grid.tables["population"]
    population.loc[8, "population"] = -5
    grid.write_csv("population", population)
    patch = {
        "geography": {
            "baseline": {
                "path": None,
                "code_column": None,
                "illustrative_total_gbp": 1e6,
                "need_column": "need",
            }
        },
        "streams": {"skills": {"baseline_share": 0.5}, "transport": {"baseline_share": 0.5}},
    }
    problems = _problems(grid, patch)
    assert {p.location for p in problems} == {"row 2 (E06000001)", "row 3 (E06000002)", "row 10 (E06000009)"}
    assert str(GeographyError(problems)).startswith("the geography is not valid (3 problems):")


def test_a_far_island_is_fine(grid):
    frame = pd.concat(
        [
            grid_frame(),
            gpd.GeoDataFrame(
                {"LAD24CD": ["E06000046"], "LAD24NM": ["Island"]},
                geometry=[box(0, 0, 10, 10)],
                crs=grid_frame().crs,
            ),
        ]
    )
    write_boundaries(frame, grid.dir)
    for name in ("population", "indicators", "lookup", "baseline"):
        table = grid.tables[name]
        extra = table[table["LAD24CD"] == CODES[0]].assign(LAD24CD="E06000046")
        grid.write_csv(name, pd.concat([table, extra]))
    geo = load_geography(grid.scenario())
    assert "E06000046" not in set(geo.adjacency["area_code"]) | set(geo.adjacency["neighbour_code"])
