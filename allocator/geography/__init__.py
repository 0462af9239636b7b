"""Geography: boundaries and indicator tables in, plain tables out.

Geometry stops in this package. The model receives ``Geography.areas`` (one row per recipient area, no
geometry), ``adjacency`` (pairs sharing a boundary), ``baseline`` and ``own_resources``; the geometry is
kept only for maps in reports.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import pandas as pd

CRS = "EPSG:27700"
"""British National Grid: every geometry is reprojected to it (metres)."""


@dataclass(frozen=True)
class Geography:
    """The recipient areas of a scenario, as plain tables (plus geometry for maps).

    Attributes:
        areas: one row per recipient area, indexed by ``area_code`` (sorted). Columns: ``area_name``,
            ``population``, ``area_km2``, ``density_per_km2``, ``integrated`` (bool), ``tier`` when the
            scenario names a tier column, ``parent_<name>`` for each parent level, and every attribute
            joined from the lookup and indicator tables or derived.
        geometry: polygons in EPSG:27700 indexed by ``area_code``; for reports only, never the model.
        adjacency: ``area_code``, ``neighbour_code`` (``area_code < neighbour_code``), ``shared_km``:
            areas whose boundaries share a line (not just a point).
        baseline: ``area_code``, ``stream``, ``amount_gbp``: every area and stream (0 where none).
        own_resources: ``area_code``, ``year``, ``amount_gbp`` for every area and scenario year (and the
            year before the first, when the data has it), or None.
        notes: repairs made while loading (e.g. invalid geometries made valid), for the run's log.
        sources: input file path -> sha256, for provenance.
    """

    areas: pd.DataFrame
    geometry: gpd.GeoSeries
    adjacency: pd.DataFrame
    baseline: pd.DataFrame
    own_resources: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)

    @property
    def codes(self) -> list[str]:
        return list(self.areas.index)
