"""settlement.gpkg: both layers read back complete, in EPSG:27700; read_geometry; fixed dates and bytes."""

from __future__ import annotations

import dataclasses
import sqlite3
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from allocator.errors import InputError
from allocator.geography.polygons import read_geometry
from allocator.reports.gpkg import SETTLEMENT_COLUMNS, write_gpkg
from tests.reports import CODES, NAMES, YEARS, small_settlement


@pytest.fixture(scope="module")
def gpkg(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_gpkg(small_settlement(), tmp_path_factory.mktemp("gpkg") / "settlement.gpkg")


def test_layers_and_crs(gpkg: Path) -> None:
    assert sorted(str(name) for name, _ in pyogrio.list_layers(gpkg)) == ["areas", "settlement"]
    for layer in ("areas", "settlement"):
        assert gpd.read_file(gpkg, layer=layer).crs.to_epsg() == 27700


def test_settlement_layer_has_every_area_and_year_with_the_settlement_figures(gpkg: Path) -> None:
    s = small_settlement()
    layer = gpd.read_file(gpkg, layer="settlement")
    assert list(layer.columns) == [*SETTLEMENT_COLUMNS, "geometry"]
    assert sorted(zip(layer["area_code"], layer["year"], strict=True)) == [
        (c, y) for c in CODES for y in YEARS
    ]
    totals = s.area_year_totals()
    for row in layer.itertuples():
        expected = totals.loc[(row.area_code, row.year)]
        assert row.area_name == NAMES[CODES.index(row.area_code)]
        for col in ("amount_gbp", "resource_gbp", "capital_gbp", "per_head_gbp", "formula_allocation_gbp"):
            assert getattr(row, col) == expected[col]
        assert bool(row.integrated) == bool(expected["integrated"])
        assert row.geometry.equals(s.geometry[row.area_code])


def test_areas_layer_has_one_feature_per_area_with_region(gpkg: Path) -> None:
    s = small_settlement()
    areas = gpd.read_file(gpkg, layer="areas")
    assert list(areas["area_code"]) == CODES
    assert list(areas["area_name"]) == NAMES
    assert list(areas["population"]) == s.areas["population"].tolist()
    assert list(areas["integrated"]) == [True, False, False, False]
    assert list(areas["region"]) == ["North", "North", "South", "South"]


def test_read_geometry_gives_the_polygons_back_by_area_code(gpkg: Path) -> None:
    s = small_settlement()
    geometry = read_geometry(gpkg)
    assert isinstance(geometry, gpd.GeoSeries)
    assert geometry.crs.to_epsg() == 27700
    assert list(geometry.index) == CODES
    assert geometry.index.name == "area_code"
    assert geometry.geom_equals(s.geometry.reindex(geometry.index)).all()


def test_read_geometry_explains_a_missing_file_or_layer(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        read_geometry(tmp_path / "none.gpkg")
    other = tmp_path / "other.gpkg"
    gpd.GeoDataFrame({"a": [1]}, geometry=small_settlement().geometry.iloc[:1].to_numpy(), crs=27700).to_file(
        other, layer="something"
    )
    with pytest.raises(InputError, match=r"layer areas: is missing \(layers found: something\)"):
        read_geometry(other)


def test_without_geometry_write_gpkg_says_why(tmp_path: Path) -> None:
    bare = dataclasses.replace(small_settlement(), geometry=None)
    with pytest.raises(InputError, match="geometry: is missing, so there is nothing to map"):
        write_gpkg(bare, tmp_path / "x.gpkg")
    assert not (tmp_path / "x.gpkg").exists()


def test_fixed_dates_and_identical_bytes(tmp_path: Path) -> None:
    s = small_settlement()
    first = write_gpkg(s, tmp_path / "a.gpkg")
    second = write_gpkg(s, tmp_path / "b.gpkg")
    assert first.read_bytes() == second.read_bytes()
    with sqlite3.connect(first) as db:
        stamps = {row[0] for row in db.execute("select last_change from gpkg_contents")}
    assert stamps == {"2025-01-01T00:00:00.000Z"}
    assert pyogrio.get_gdal_config_option("OGR_CURRENT_DATE") is None  # restored after writing
    write_gpkg(s, first)  # rewriting in place replaces the file
    assert first.read_bytes() == second.read_bytes()
