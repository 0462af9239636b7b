"""Area polygons read back from a settlement GeoPackage (its ``areas`` layer), for a run folder read back.

``allocator.reports.gpkg`` writes the file; reading its polygons is a geography concern, so the run-folder
reader needs no report module.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd

from allocator.errors import InputError, Problem
from allocator.geography import CRS


def read_geometry(path: Path) -> gpd.GeoSeries:
    """The area polygons of a ``settlement.gpkg`` (its ``areas`` layer), indexed by area_code.

    Raises:
        InputError: the file is missing or has no ``areas`` layer with an ``area_code`` column.
    """
    import pyogrio

    path = Path(path)
    if not path.is_file():
        raise InputError([Problem(str(path), "", "file not found; expected a settlement GeoPackage")])
    try:
        layers = {str(name) for name, _ in pyogrio.list_layers(path)}
    except pyogrio.errors.DataSourceError as exc:
        raise InputError([Problem(str(path), "", f"cannot be read as a GeoPackage ({exc})")]) from None
    if "areas" not in layers:
        found = ", ".join(sorted(layers)) or "none"
        raise InputError([Problem(str(path), "layer areas", f"is missing (layers found: {found})")])
    frame = pyogrio.read_dataframe(path, layer="areas", columns=["area_code"])
    if "area_code" not in frame.columns:
        raise InputError([Problem(str(path), "layer areas", "has no area_code column")])
    geometry = gpd.GeoSeries(
        frame.geometry.to_numpy(), index=pd.Index(frame["area_code"], name="area_code"), name="geometry"
    )
    return geometry.set_crs(frame.crs or CRS, allow_override=True).to_crs(CRS)
