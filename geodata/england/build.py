"""Build geodata/england/ from the shared public data folder (see README.md beside this file).

    python geodata/england/build.py --from ../shared/data        # copy the sources, then derive
    python geodata/england/build.py --derive-only                # derive again from the copies here

Two stages, both deterministic (the same inputs give byte-identical files):

1. **Copy** (needs the shared folder): England's rows and the columns the scenarios use, from each
   source file, with the source's own column names and values (money as published, in whole £). Long
   MHCLG tables become one row per authority (and year), with one column per line of the return.
2. **Derive** (``derive_tables.py``, from the copies only, so the tests re-run it): the upper-tier
   hierarchy and indicators, and the funding tables (central funding by stream, council tax, how each
   figure was obtained) for upper-tier authorities and for districts.

CI never runs this script: the repository ships its output.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import derive_tables  # noqa: E402  (a sibling module of this script)

ENGLAND = "E92000001"
PRINCIPAL = ["UA", "SD", "MD", "LB", "SC"]
"""MHCLG tiers of principal councils: unitary, shire district, metropolitan, London borough, county."""

HIERARCHY_COLUMNS = [
    "LAD24CD", "LAD24NM", "lad_type", "UTLA24CD", "UTLA24NM",
    "CAUTH24CD", "CAUTH24NM", "RGN24CD", "RGN24NM",
]  # fmt: skip
ELS_COLUMNS = [
    "gva_per_hour_gbp", "ghg_tco2e_per_capita", "gdhi_per_head_gbp",
    "hle_male_years", "hle_female_years", "employment_rate_pct", "child_poverty_ahc_pct",
]  # fmt: skip
IOD_COLUMNS = ["imd_average_score", "imd_rank_of_average_score", "crime_average_score"]


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")


def copy_boundaries(data: Path, out: Path) -> None:
    """England's LAD 2024 and upper-tier boundaries (ONS BUC, EPSG:4326 as published) in one GeoPackage."""
    os.environ["OGR_CURRENT_DATE"] = "2024-05-01T00:00:00Z"  # GeoPackage metadata: no build timestamp
    target = out / "boundaries.gpkg"
    target.unlink(missing_ok=True)
    lad = gpd.read_file(data / "boundaries" / "lad_2024_buc_uk.geojson")
    lad = lad[lad["LAD24CD"].str.startswith("E")].sort_values("LAD24CD")
    utla = gpd.read_file(data / "boundaries" / "utla_2024_buc_from_lad.geojson")
    utla = utla[utla["UTLA24CD"].str.startswith("E")].sort_values("UTLA24CD")
    lad[["LAD24CD", "LAD24NM", "geometry"]].to_file(target, layer="lad24", driver="GPKG")
    utla[["UTLA24CD", "UTLA24NM", "geometry"]].to_file(target, layer="utla24", driver="GPKG")


def copy_tables(data: Path, out: Path) -> None:
    """England's rows of the lookup and indicator tables, with the columns the scenarios read."""
    ind = data / "indicators"
    hierarchy = pd.read_csv(data / "lookups" / "lad24_hierarchy.csv", dtype=str)
    hierarchy = hierarchy[hierarchy["CTRY24CD"] == ENGLAND]
    codes = set(hierarchy["LAD24CD"])
    _csv(hierarchy[HIERARCHY_COLUMNS].sort_values("LAD24CD"), out / "lad24_hierarchy.csv")

    population = pd.read_csv(ind / "population_lad24.csv")
    population = population[population["LAD24CD"].isin(codes)]
    _csv(population[["LAD24CD", "LAD24NM", "population", "population_source"]], out / "population_lad24.csv")

    iod = pd.read_csv(ind / "iod2025_lad24_summary.csv")
    _csv(iod[["LAD24CD", "LAD24NM", *IOD_COLUMNS]].sort_values("LAD24CD"), out / "iod2025_lad24_summary.csv")

    lad = pd.read_csv(ind / "els_indicators_lad24_latest.csv")
    lad = lad[lad["LAD24CD"].isin(codes)].sort_values("LAD24CD")
    _csv(lad[["LAD24CD", "LAD24NM", *ELS_COLUMNS]], out / "els_indicators_lad24_latest.csv")
    utla = pd.read_csv(ind / "els_indicators_utla24_latest.csv")
    utla = utla[utla["UTLA24CD"].str.startswith("E")].sort_values("UTLA24CD")
    _csv(utla[["UTLA24CD", "UTLA24NM", *ELS_COLUMNS]], out / "els_indicators_utla24_latest.csv")
    meta = pd.read_csv(ind / "els_indicators_latest_metadata.csv")
    _csv(meta[meta["indicator_id"].isin(ELS_COLUMNS)], out / "els_indicators_latest_metadata.csv")

    lait = pd.read_csv(ind / "dfe_lait_education_utla24.csv", dtype={"dfe_la_code": str})
    gld = lait[(lait["indicator_id"] == "eyfs_good_level_of_development_pct") & (lait["year"] == 2025)]
    columns = ["UTLA24CD", "utla24nm_ons", "dfe_la_code", "indicator_id", "year", "value"]
    _csv(gld[columns].sort_values("UTLA24CD"), out / "dfe_lait_eyfs_utla24.csv")


def _wide(long: pd.DataFrame, keys: list[str], column: str, value: str) -> pd.DataFrame:
    """One row per ``keys`` (first name, tier and flag kept), one column per ``column`` value."""
    first = long.groupby(keys, sort=True)[["name", "tier"]].first()
    flag = long.groupby(keys, sort=True)["flag"].agg(lambda f: next(iter(f.dropna()), ""))
    values = long.pivot_table(index=keys, columns=column, values=value, aggfunc="first", sort=True)
    values = values.reindex(columns=list(dict.fromkeys(long[column])))  # the source's order of lines
    wide = pd.concat([first, flag.rename("flag"), values], axis=1).reset_index()
    wide.columns.name = None
    return wide


def copy_funding(data: Path, out: Path) -> None:
    """The MHCLG returns, one row per body (and year), values in whole £ with the source's signs."""
    funding = data / "funding"
    ra = pd.read_csv(funding / "mhclg_ra_budget_la_2023_24.csv", dtype={"value_gbp": "Int64"})
    ra = ra[ra["tier"].isin(PRINCIPAL)]
    wide = _wide(ra, ["ons_code"], "component", "value_gbp")
    _csv(wide.astype(dict.fromkeys(wide.columns[4:], "Int64")), out / "mhclg_ra_budget_2023_24.csv")

    ro = pd.read_csv(
        funding / "mhclg_ro_service_expenditure_la_2022_23_2023_24.csv", dtype={"value_gbp": "Int64"}
    )
    ro = ro[ro["tier"].isin([*PRINCIPAL, "ENG"]) & (ro["geo2024"] != "pre2024")]
    ro = ro.assign(line=ro["service"].where(ro["measure"] == "nce", ro["measure"] + "_total"))
    wide = _wide(ro, ["ons_code", "year"], "line", "value_gbp")
    _csv(
        wide.astype(dict.fromkeys(wide.columns[5:], "Int64")),
        out / "mhclg_ro_service_expenditure_2022_23_2023_24.csv",
    )

    ct = pd.read_csv(funding / "mhclg_council_tax_la_2022_23_2023_24.csv")
    ct = ct[~ct["flag"].eq("[z]")].drop(columns="flag").assign(flag=pd.NA)  # [z]: not applicable
    wide = _wide(ct, ["ons_code", "year", "table"], "component", "value").drop(columns="flag")
    _csv(wide, out / "mhclg_council_tax_2022_23_2023_24.csv")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, help="the shared data folder (../shared/data)")
    parser.add_argument("--out", type=Path, default=HERE, help="where to write (default: beside this script)")
    parser.add_argument("--derive-only", action="store_true", help="only derive, from the copies in --out")
    args = parser.parse_args(argv)
    if not args.derive_only:
        if args.source is None or not (args.source / "funding").is_dir():
            parser.error("--from must name the shared data folder (with boundaries/, indicators/, funding/)")
        copy_boundaries(args.source, args.out)
        copy_tables(args.source, args.out)
        copy_funding(args.source, args.out)
    derive_tables.write_all(args.out, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
