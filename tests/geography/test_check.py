"""check_geography_file: a bare boundaries file (and indicator tables) checked without a scenario."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import Polygon, box

from allocator.errors import GeographyError
from allocator.geography.check import guess_code_column
from allocator.geography.check_file import check_geography_file

from .grids import CODES, grid_frame, write_boundaries


def test_summary_of_a_clean_file_with_guessed_columns(grid):
    summary = check_geography_file(grid.boundaries, layer="areas")
    assert summary["rows"] == 9
    assert summary["code_column"] == "LAD24CD"
    assert summary["name_column"] == "LAD24NM"
    assert summary["crs"] == "EPSG:27700"
    assert summary["adjacency_pairs"] == 12
    assert summary["isolated_areas"] == []
    assert summary["invalid_geometries_repaired"] == 0
    assert summary["bounds"] == [400_000, 300_000, 430_000, 330_000]


def test_the_code_column_is_the_unique_gss_one():
    frame = grid_frame().assign(UTLA24CD=["E10000001"] * 3 + CODES[3:], count=range(9))
    assert guess_code_column(frame[["UTLA24CD", "count", "LAD24CD", "geometry"]]) == "LAD24CD"
    assert guess_code_column(frame[["count", "geometry"]]) is None


def test_no_code_column_is_an_error_naming_the_option(grid):
    frame = grid_frame().drop(columns="LAD24CD")
    path = write_boundaries(frame, grid.dir, "geojson")
    with pytest.raises(GeographyError) as caught:
        check_geography_file(path)
    assert caught.value.problems[0].location == "--code-column"
    assert str(path) in str(caught.value)


def test_every_problem_is_reported(grid):
    frame = grid_frame()
    frame.loc[1, "LAD24CD"] = "E06000001"
    frame.loc[2, "geometry"] = Polygon()
    path = write_boundaries(frame, grid.dir, "geojson")
    with pytest.raises(GeographyError) as caught:
        check_geography_file(path, code_column="LAD24CD")
    locations = {p.location for p in caught.value.problems}
    assert locations == {"feature 2 (E06000001)", "feature 3 (E06000003)"}


def test_islands_and_repairs_are_summarised(grid):
    frame = grid_frame()
    x0, y0, x1, y1 = frame.geometry.iloc[4].bounds
    frame.loc[4, "geometry"] = Polygon([(x0, y0), (x1, y1), (x1, y0), (x0, y1)])
    island = gpd.GeoDataFrame(
        {"LAD24CD": ["E06000046"], "LAD24NM": ["Island"]}, geometry=[box(0, 0, 10, 10)], crs=frame.crs
    )
    path = write_boundaries(pd.concat([frame, island]), grid.dir, "geojson")
    summary = check_geography_file(path)
    assert summary["invalid_geometries_repaired"] == 1
    assert "E06000046" in summary["isolated_areas"]
    assert any("make_valid" in note for note in summary["notes"])


def test_indicator_tables_are_checked_against_the_boundaries(grid):
    uk = pd.concat([grid.tables["population"], pd.DataFrame({"LAD24CD": ["W06000001"], "population": [1]})])
    uk_path = grid.write_csv("uk", uk)
    part_path = grid.write_csv("part", grid.tables["population"].iloc[:4])
    summary = check_geography_file(
        grid.boundaries, layer="areas", indicators=[(uk_path, None), (part_path, "LAD24CD")]
    )
    assert summary["indicators uk.csv"].startswith("9/9 areas have a row (column LAD24CD); 1 more codes")
    assert summary["indicators part.csv"].startswith("4/9 areas")


def test_codes_of_another_vintage_are_reported(grid):
    old = grid.tables["population"].copy()
    old.loc[:2, "LAD24CD"] = ["E07000001", "E07000002", "E07000003"]
    path = grid.write_csv("old", old)
    with pytest.raises(GeographyError) as caught:
        check_geography_file(grid.boundaries, layer="areas", indicators=[(path, "LAD24CD")])
    (problem,) = caught.value.problems
    assert problem.source == str(path)
    assert "3 area(s) of the boundaries have no row (E06000001, E06000002, E06000003)" in problem.message
    assert "another year's boundaries" in problem.message


def test_a_table_matching_nothing_is_reported(grid):
    path = grid.write_csv("wales", pd.DataFrame({"code": ["W06000001"], "x": [1]}))
    with pytest.raises(GeographyError, match="no code matches the boundaries"):
        check_geography_file(grid.boundaries, layer="areas", indicators=[(path, "code")])
