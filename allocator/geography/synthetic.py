"""The synthetic geography generator: England-like areas that are not real places.

``make_synthetic(areas, seed)`` builds polygons tessellating a fixed England-like outline (Voronoi cells
of seeded sites, dense in a capital and a few metropolitan cores), a tier hierarchy like England's
(unitaries, districts in counties, metropolitan districts, London-like boroughs; regions; strategic
authorities), populations, indicators, baseline funding and council tax. ``write_synthetic`` writes
them in the same formats and columns as the real ONS inputs (see ``../shared/data/README.md``), so a
run on the bundled default exercises the same loading code as a run on real data.

Everything comes from ``numpy.random.default_rng(seed)``: the same seed and number of areas give
byte-identical files. The bundled ``geodata/`` is ``write_synthetic(Path("geodata"), 320, 2026)``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from allocator.errors import InputError, Problem
from allocator.file_date import FIXED_DATE, fixed_gdal_date, gdal_config
from allocator.geography.synthetic_codes import COUNTRY
from allocator.geography.synthetic_geometry import (
    adjacency,
    outline,
    place_cores,
    relax,
    sample_sites,
    voronoi_cells,
)
from allocator.geography.synthetic_graph import Graph
from allocator.geography.synthetic_hierarchy import build_hierarchy, plan_tiers
from allocator.geography.synthetic_tables import (
    DECIMALS,
    STREAMS,
    baseline_funding,
    drivers,
    fixed_decimals,
    indicators,
    own_resources,
    populations,
)
from allocator.output_folder import check_target, staged

CRS = "EPSG:27700"
FORMATS = {
    "gpkg": ("areas.gpkg", "GPKG"),
    "geojson": ("areas.geojson", "GeoJSON"),
    "shp": ("areas.shp", "ESRI Shapefile"),
}
MIN_AREAS, MAX_AREAS = 4, 200_000

LOOKUP_COLUMNS = [
    "LAD24CD", "LAD24NM", "lad_type", "UTLA24CD", "UTLA24NM", "CAUTH24CD", "CAUTH24NM",
    "RGN24CD", "RGN24NM", "CTRY24CD", "CTRY24NM",
]  # fmt: skip
SA_COLUMNS = ["CAUTH24CD", "CAUTH24NM", "mayoral", "mayor_months", "intervention", "assurance_framework"]


@dataclass(frozen=True)
class SyntheticGeography:
    """A synthetic geography: boundaries and the tables written next to them (all sorted by code)."""

    areas: gpd.GeoDataFrame
    """``LAD24CD``, ``LAD24NM``, geometry (MultiPolygon, EPSG:27700)."""
    lookup: pd.DataFrame
    """The columns of ``lad24_hierarchy.csv`` that the generator fills (``LOOKUP_COLUMNS``)."""
    strategic_authorities: pd.DataFrame
    """``SA_COLUMNS``: governance of each strategic authority (for integrated settlement eligibility)."""
    population: pd.DataFrame
    """``LAD24CD``, ``LAD24NM``, ``population`` (int)."""
    indicators: pd.DataFrame
    """``LAD24CD``, ``LAD24NM`` and ``INDICATOR_COLUMNS``."""
    baseline_funding: pd.DataFrame
    """Long: ``LAD24CD``, ``stream``, ``amount_gbp`` for the eight streams of the baseline scenario."""
    own_resources: pd.DataFrame
    """Long: ``LAD24CD``, ``year``, ``amount_gbp`` (council tax)."""
    outline: shapely.MultiPolygon
    """The land the areas tessellate (mainland and island)."""
    seed: int

    def summary(self) -> dict:
        lk = self.lookup
        sa = self.strategic_authorities
        eligible = sa["mayoral"] & (sa["mayor_months"] >= 18) & ~sa["intervention"]
        return {
            "areas": len(lk),
            "unitary": int((lk["lad_type"] == "Unitary authority").sum()),
            "non_metropolitan_districts": int((lk["lad_type"] == "Non-metropolitan district").sum()),
            "metropolitan_districts": int((lk["lad_type"] == "Metropolitan district").sum()),
            "london_boroughs": int((lk["lad_type"] == "London borough").sum()),
            "counties": int(lk["UTLA24CD"].str.startswith("E10").groupby(lk["UTLA24CD"]).any().sum()),
            "regions": int(lk["RGN24CD"].nunique()),
            "strategic_authorities": len(sa),
            "integrated_eligible": int(eligible.sum()),
            "population": int(self.population["population"].sum()),
            "area_km2": round(float(self.outline.area) / 1e6, 1),
        }


def _check(areas: int, seed: int) -> None:
    problems = []
    if not isinstance(areas, int | np.integer) or not MIN_AREAS <= areas <= MAX_AREAS:
        expected = f"expected a whole number from {MIN_AREAS} to {MAX_AREAS}"
        problems.append(Problem("--areas", "", f"got {areas!r}; {expected}"))
    if not isinstance(seed, int | np.integer) or seed < 0:
        problems.append(Problem("--seed", "", f"got {seed!r}; expected a whole number >= 0"))
    if problems:
        raise InputError(problems, "cannot generate a synthetic geography")


def make_synthetic(areas: int, seed: int, first_year: int = 2025, years: int = 11) -> SyntheticGeography:
    """A synthetic England-like geography of ``areas`` areas (same seed and size: same result).

    Args:
        areas: number of areas (4 to 200,000; England has about 300 districts, 35,000 small areas).
        seed: random seed (>= 0).
        first_year: first year of the council tax table (the baseline year, 2025 = 2025-26).
        years: number of years of council tax.
    """
    _check(areas, seed)
    rng = np.random.default_rng(seed)
    plan = plan_tiers(int(areas))
    land = outline()
    cores = place_cores(rng, land.mainland, plan.n, plan.metro_counts, plan.cities)
    n_shire = plan.n - 1 - plan.capital - plan.metro
    sites, group = sample_sites(rng, land.mainland, cores, plan.capital, plan.metro_counts, n_shire)
    forbidden = [(*cores.capital, cores.capital_radius), *map(tuple, cores.metro)]
    sites = relax(sites, group == -2, land.mainland, forbidden, iterations=2)
    cells = voronoi_cells(sites, land.mainland)
    i, j, _ = adjacency(cells)
    # the island: the last area, with no neighbours
    xy = np.vstack([sites, shapely.get_coordinates(land.island.centroid)])
    cells = np.append(cells, land.island)
    dist = np.hypot(*(xy[i] - xy[j]).T)
    g = Graph(plan.n, i, j, dist * rng.uniform(0.7, 1.3, len(dist)))
    cell_km2 = shapely.area(cells) / 1e6
    h = build_hierarchy(rng, plan, xy, cell_km2, g, (i, j), cores)
    lk = h.lookup

    pop = populations(rng, h.tier, cell_km2)
    drv = drivers(rng, xy, pop, cell_km2, cores.capital)
    ind = indicators(rng, drv, h.tier, pop)
    base = baseline_funding(rng, drv, ind, pop)
    own = own_resources(
        ind["council_tax_base_band_d"].to_numpy(), ind["band_d_gbp"].to_numpy(), first_year, years
    )

    order = np.argsort(lk["LAD24CD"].to_numpy(), kind="stable")
    code = lk["LAD24CD"].to_numpy()[order]
    name = lk["LAD24NM"].to_numpy()[order]
    parts, index = shapely.get_parts(cells[order], return_index=True)
    geoms = shapely.multipolygons(parts, indices=index)
    areas_gdf = gpd.GeoDataFrame({"LAD24CD": code, "LAD24NM": name}, geometry=geoms, crs=CRS)
    population = pd.DataFrame({"LAD24CD": code, "LAD24NM": name, "population": pop[order]})
    ind = pd.concat([population[["LAD24CD", "LAD24NM"]], ind.iloc[order].reset_index(drop=True)], axis=1)
    streams = list(STREAMS)
    baseline = pd.DataFrame(
        {
            "LAD24CD": np.repeat(code, len(streams)),
            "stream": np.tile(streams, len(code)),
            "amount_gbp": base[order].ravel(),
        }
    )
    year_list = np.arange(first_year, first_year + years)
    own_df = pd.DataFrame(
        {
            "LAD24CD": np.repeat(code, years),
            "year": np.tile(year_list, len(code)),
            "amount_gbp": own[order].ravel(),
        }
    )
    return SyntheticGeography(
        areas=areas_gdf,
        lookup=lk.iloc[order].reset_index(drop=True)[LOOKUP_COLUMNS],
        strategic_authorities=h.strategic_authorities.sort_values("CAUTH24CD").reset_index(drop=True),
        population=population,
        indicators=ind,
        baseline_funding=baseline,
        own_resources=own_df,
        outline=shapely.MultiPolygon([land.mainland, land.island]),
        seed=int(seed),
    )


# --- writing ---------------------------------------------------------------------------------------


def _write_csv(df: pd.DataFrame, path: Path) -> None:
    out = df.copy()
    for col in out.columns:
        if col in DECIMALS:
            out[col] = fixed_decimals(out[col].to_numpy(dtype=float), DECIMALS[col])
        elif out[col].dtype == bool:
            out[col] = np.where(out[col].to_numpy(), "true", "false")
    with path.open("w", encoding="utf-8", newline="") as fh:
        out.to_csv(fh, index=False, lineterminator="\n")


def _write_boundaries(gdf: gpd.GeoDataFrame, out_dir: Path, fmt: str) -> list[str]:
    import pyogrio

    filename, driver = FORMATS[fmt]
    path = out_dir / filename
    stem = path.with_suffix("")
    siblings = [".shp", ".shx", ".dbf", ".prj", ".cpg", ".qix"] if fmt == "shp" else [path.suffix]
    for suffix in [*siblings, ".gpkg-wal", ".gpkg-shm", ".gpkg-journal"]:
        stem.with_suffix(suffix).unlink(missing_ok=True)
    # file metadata (GeoPackage last_change, the DBF header) carries the fixed date, not today's
    options = {"DBF_DATE_LAST_UPDATE": FIXED_DATE, "ENCODING": "UTF-8"} if fmt == "shp" else None
    with gdal_config(**fixed_gdal_date()):
        pyogrio.write_dataframe(gdf, path, layer="areas", driver=driver, layer_options=options)
    return sorted(p.name for p in out_dir.iterdir() if p.stem == "areas" and p.suffix in siblings)


def write_synthetic(out_dir: Path, areas: int, seed: int, fmt: str = "gpkg") -> dict:
    """Write a synthetic geography as the folder ``out_dir``; returns a short summary.

    Files: ``areas.gpkg`` (layer ``areas``; or ``areas.geojson`` / ``areas.shp``), ``lookup.csv``,
    ``strategic_authorities.csv``, ``population.csv``, ``indicators.csv``, ``baseline_funding.csv``,
    ``own_resources.csv``, ``README.md`` and ``manifest.json``. The folder is written whole
    (``allocator.output_folder``): ``out_dir`` must be new, empty, or a synthetic geography written
    before; anything else is refused and left untouched.
    """
    if fmt not in FORMATS:
        raise InputError([Problem("--format", "", f"got {fmt!r}; expected one of {', '.join(FORMATS)}")])
    check_target(Path(out_dir), "geodata")
    geo = make_synthetic(areas, seed)
    with staged(Path(out_dir), "geodata") as tmp:
        summary = _write_files(geo, tmp, fmt)
    summary["folder"] = os.fspath(out_dir)
    return summary


def _write_files(geo: SyntheticGeography, out_dir: Path, fmt: str) -> dict:
    files = _write_boundaries(geo.areas, out_dir, fmt)
    tables = {
        "lookup.csv": geo.lookup,
        "strategic_authorities.csv": geo.strategic_authorities,
        "population.csv": geo.population,
        "indicators.csv": geo.indicators,
        "baseline_funding.csv": geo.baseline_funding,
        "own_resources.csv": geo.own_resources,
    }
    for filename, df in tables.items():
        _write_csv(df, out_dir / filename)
    summary = geo.summary()
    (out_dir / "README.md").write_text(readme(geo, summary, fmt), encoding="utf-8", newline="\n")
    summary["files"] = [*files, *tables, "README.md"]
    return summary


def readme(geo: SyntheticGeography, summary: dict, fmt: str) -> str:
    """The README written next to the files: what they are (synthetic) and their columns."""
    boundaries = FORMATS[fmt][0]
    n, seed = summary["areas"], geo.seed
    budgets = {b: sum(t for bb, t in STREAMS.values() if bb == b) / 1e9 for b in ("resource", "capital")}
    years = geo.own_resources["year"]
    return f"""# Synthetic geography ({n} areas, seed {seed})

**These areas are SYNTHETIC: they are not real places.** The boundaries, names, codes, populations,
indicators and funding were all made up by allocator's deterministic generator:

    allocator geodata synth --areas {n} --seed {seed} -o DIR{"" if fmt == "gpkg" else f" --format {fmt}"}

(the same command gives byte-identical files). Any resemblance of a name to a real place is a
coincidence. The files have the same formats and columns as the real ONS inputs described in
`../shared/data/README.md`, so that a run on them exercises the same loading code as a run on real data.

## What is in it

- {summary["areas"]} areas tessellating an England-like outline of {summary["area_km2"]:,} km2 (British National
  Grid, EPSG:27700): {summary["unitary"]} unitary authorities (E06), {summary["non_metropolitan_districts"]} non-metropolitan
  districts (E07) in {summary["counties"]} counties (E10), {summary["metropolitan_districts"]} metropolitan districts (E08) and
  {summary["london_boroughs"]} London-like boroughs (E09) forming one capital;
- {summary["regions"]} regions (E12, named by compass point, marked "(synthetic)") in one country ({COUNTRY[0]} {COUNTRY[1]});
- {summary["strategic_authorities"]} strategic authorities (E47), {summary["integrated_eligible"]} of them eligible for an integrated
  settlement (mayoral, a mayor for 18 months or more, no intervention);
- {summary["population"]:,} people.

## Files and columns

| file | rows | columns |
|---|---|---|
| `{boundaries}`{" (layer `areas`)" if fmt == "gpkg" else ""} | {n} | `LAD24CD` (GSS-like code), `LAD24NM` (name), geometry (MultiPolygon, EPSG:27700) |
| `lookup.csv` | {n} | `{"`, `".join(LOOKUP_COLUMNS)}`: as `lad24_hierarchy.csv`; `lad_type` is one of Unitary authority, Non-metropolitan district, Metropolitan district, London borough; `UTLA24CD` is the county (E10) for districts and the area itself otherwise; `CAUTH24CD/NM` blank outside strategic authorities |
| `strategic_authorities.csv` | {len(geo.strategic_authorities)} | `CAUTH24CD`, `CAUTH24NM`, `mayoral` (true/false), `mayor_months` (months with a mayor), `intervention` (true/false: under government intervention), `assurance_framework` (true/false) |
| `population.csv` | {n} | `LAD24CD`, `LAD24NM`, `population` (persons, heavy-tailed like England's districts) |
| `indicators.csv` | {n} | `LAD24CD`, `LAD24NM`, then the indicators below |
| `baseline_funding.csv` | {len(geo.baseline_funding)} | long: `LAD24CD`, `stream`, `amount_gbp`: funding in the baseline year by stream |
| `own_resources.csv` | {len(geo.own_resources)} | long: `LAD24CD`, `year` ({years.min()}-{years.max()}), `amount_gbp`: council tax |

Indicators (national mean and spread as England's; correlated through a latent, spatially smooth
deprivation factor, urban density and noise; no missing values):

| column | unit | mean, sd | like |
|---|---|---|---|
| `gva_per_hour_gbp` | £ GVA per hour worked | 39, 6 | ONS subregional productivity |
| `employment_rate_pct` | % of 16-64 in work | 75, 4 | ONS APS |
| `gdhi_per_head_gbp` | £ gross disposable household income per head | 22,000, 4,000 | ONS GDHI |
| `ghg_tco2e_per_capita` | tonnes CO2e per resident (higher in rural areas) | 4.5, 1.5 | DESNZ |
| `hle_male_years`, `hle_female_years` | healthy life expectancy at birth, years | 62 / 63, 3 | ONS |
| `eyfs_good_level_of_development_pct` | % of children at a good level of development | 68, 3.5 | DfE EYFSP |
| `crime_average_score` | IoD crime domain average score | 0, 0.5 | MHCLG IoD |
| `imd_average_score` | IMD average score (right-skewed) | 21, 8 | MHCLG IoD |
| `area_cost_adjustment` | relative cost of services, 0.95-1.15 (highest in the capital) | 1.0 | MHCLG ACA |
| `council_tax_base_band_d` | Band D equivalent dwellings (about 0.37 per resident) | | MHCLG CTB |
| `band_d_gbp` | £ Band D council tax (higher in two-tier areas) | 2,200, 150 | MHCLG |

Baseline funding: £{budgets["resource"]:.1f}bn resource (skills_employment, prevention_public_health,
community_safety, early_years) and £{budgets["capital"]:.1f}bn capital (local_growth, transport,
housing_regeneration, net_zero_retrofit), shared by population and tilted towards need (deprivation,
crime, emissions) with noise; every area's £ per head of every stream is positive and under half the
stream's absorptive capacity in `scenarios/synthetic.yaml`. Own resources: council tax base x Band D,
grown 4.99% a year.

Generated by `allocator.geography.synthetic` (Voronoi cells of seeded sites, denser in the capital and
metropolitan cores, clipped to the outline; counties, regions and strategic authorities grown as
contiguous groups along shared boundaries).
"""
