"""The GIS user's file: the settlement joined to the area polygons in ``settlement.gpkg``.

Two layers, both in EPSG:27700 (British National Grid):

- ``settlement``: one feature per area and year (area_code, area_name, year, amount_gbp, resource_gbp,
  capital_gbp, per_head_gbp, change_gbp, change_vs_baseline_pct, formula_allocation_gbp, integrated);
- ``areas``: one feature per area (area_code, area_name, population, integrated, and ``region`` when
  the scenario names a region column). ``allocator.geography.polygons.read_geometry`` reads it back
  for ``read_run``.

The bytes are deterministic: GDAL's ``OGR_CURRENT_DATE`` is set to a fixed date while writing, so the
GeoPackage's ``last_change`` stamps do not carry today's date.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from allocator.errors import InputError, Problem
from allocator.file_date import fixed_gdal_date, gdal_config
from allocator.geography import CRS
from allocator.settlement import Settlement

SETTLEMENT_COLUMNS = [
    "area_code",
    "area_name",
    "year",
    "amount_gbp",
    "resource_gbp",
    "capital_gbp",
    "per_head_gbp",
    "change_gbp",
    "change_vs_baseline_pct",
    "formula_allocation_gbp",
    "integrated",
]
"""Attributes of the ``settlement`` layer, in order (then geometry)."""
_SIDECARS = ("-wal", "-shm", "-journal")
"""SQLite files that may sit beside a GeoPackage (removed with it before writing)."""


def settlement_layers(settlement: Settlement) -> dict[str, gpd.GeoDataFrame]:
    """The two layers of ``settlement.gpkg`` as GeoDataFrames (``areas`` first).

    Raises:
        InputError: the settlement has no geometry.
    """
    geometry = settlement.geometry
    if geometry is None:
        raise InputError(
            [
                Problem(
                    "settlement",
                    "geometry",
                    "is missing, so there is nothing to map; solve the scenario with its geography "
                    "(or read the run folder with its settlement.gpkg) to write the GeoPackage",
                )
            ],
            "cannot write the GeoPackage",
        )
    geometry = gpd.GeoSeries(geometry).to_crs(CRS) if geometry.crs is not None else geometry.set_crs(CRS)
    areas = settlement.areas
    codes = pd.Index(areas.index, name="area_code")
    area_layer = pd.DataFrame(
        {
            "area_code": codes,
            "area_name": areas["area_name"].to_numpy(),
            "population": areas["population"].to_numpy(dtype=float),
            "integrated": areas["integrated"].to_numpy(dtype=bool),
        }
    )
    region = settlement.scenario.geography.region_column
    if region and region in areas.columns:
        area_layer["region"] = areas[region].astype("string").to_numpy()
    totals = settlement.area_year_totals().reset_index()
    totals["area_name"] = totals["area_code"].map(areas["area_name"])
    long = totals[SETTLEMENT_COLUMNS].copy()
    long["year"] = long["year"].astype("int32")
    long["integrated"] = long["integrated"].astype(bool)
    shapes = geometry.reindex(codes)
    return {
        "areas": gpd.GeoDataFrame(area_layer, geometry=shapes.to_numpy(), crs=CRS),
        "settlement": gpd.GeoDataFrame(long, geometry=shapes.reindex(long["area_code"]).to_numpy(), crs=CRS),
    }


def write_gpkg(settlement: Settlement, path: Path) -> Path:
    """Write ``settlement.gpkg`` (or any ``path``) with layers ``settlement`` and ``areas``.

    Args:
        settlement: a settlement with ``geometry`` (area polygons indexed by area_code).
        path: the GeoPackage to write; replaced if it exists.

    Returns:
        The path written.

    Raises:
        InputError: the settlement has no geometry.
    """
    import pyogrio

    path = Path(path)
    layers = settlement_layers(settlement)
    for p in (path, *(path.with_name(path.name + suffix) for suffix in _SIDECARS)):
        p.unlink(missing_ok=True)
    with gdal_config(**fixed_gdal_date()):
        for name, frame in layers.items():
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", promote_to_multi=True)
    return path
