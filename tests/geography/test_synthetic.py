"""The synthetic geography generator: deterministic, tessellating, consistent, plausibly correlated."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from allocator.errors import InputError
from allocator.geography.synthetic import (
    LOOKUP_COLUMNS,
    SA_COLUMNS,
    SyntheticGeography,
    make_synthetic,
    write_synthetic,
)
from allocator.geography.synthetic_tables import INDICATOR_COLUMNS, STREAMS

ROOT = Path(__file__).resolve().parents[2]
N = 90
SEED = 7
TIER_PREFIX = {
    "Unitary authority": "E06",
    "Non-metropolitan district": "E07",
    "Metropolitan district": "E08",
    "London borough": "E09",
}
COLUMNS = {
    "lookup.csv": LOOKUP_COLUMNS,
    "strategic_authorities.csv": SA_COLUMNS,
    "population.csv": ["LAD24CD", "LAD24NM", "population"],
    "indicators.csv": ["LAD24CD", "LAD24NM", *INDICATOR_COLUMNS],
    "baseline_funding.csv": ["LAD24CD", "stream", "amount_gbp"],
    "own_resources.csv": ["LAD24CD", "year", "amount_gbp"],
}


def _hashes(folder: Path) -> dict[str, str]:
    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()
    }


@pytest.fixture(scope="module")
def geo() -> SyntheticGeography:
    return make_synthetic(N, SEED)


@pytest.fixture(scope="module")
def written(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folders = {"a": SEED, "b": SEED, "other": SEED + 1}
    out = {}
    for key, seed in folders.items():
        out[key] = tmp_path_factory.mktemp(f"synth_{key}")
        write_synthetic(out[key], N, seed)
    return out


def _neighbours(areas: gpd.GeoDataFrame) -> dict[int, set[int]]:
    """Areas sharing a boundary line (not just a point), by row number."""
    geoms = areas.geometry.to_numpy()
    i, j = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    keep = i < j
    i, j = i[keep], j[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(geoms[i]), shapely.boundary(geoms[j])))
    nbrs: dict[int, set[int]] = defaultdict(set)
    for a, b in zip(i[shared > 0], j[shared > 0], strict=True):
        nbrs[int(a)].add(int(b))
        nbrs[int(b)].add(int(a))
    return nbrs


def _connected(members: list[int], nbrs: dict[int, set[int]]) -> bool:
    todo, seen, inside = [members[0]], {members[0]}, set(members)
    while todo:
        for v in nbrs[todo.pop()] & inside:
            if v not in seen:
                seen.add(v)
                todo.append(v)
    return seen == inside


# --- files -----------------------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_files(written: dict[str, Path]) -> None:
    a, b = _hashes(written["a"]), _hashes(written["b"])
    assert set(a) == {"areas.gpkg", "README.md", "manifest.json", *COLUMNS}
    assert a == b


def test_another_seed_gives_other_files(written: dict[str, Path]) -> None:
    a, other = _hashes(written["a"]), _hashes(written["other"])
    assert all(a[name] != other[name] for name in a)


def test_files_have_the_documented_columns(written: dict[str, Path]) -> None:
    folder = written["a"]
    for name, columns in COLUMNS.items():
        table = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
        assert list(table.columns) == columns, name
    info = pyogrio.read_info(folder / "areas.gpkg", layer="areas")
    assert list(info["fields"]) == ["LAD24CD", "LAD24NM"]
    assert info["features"] == N
    assert info["geometry_type"] == "MultiPolygon"
    assert pyogrio.list_layers(folder / "areas.gpkg")[:, 0].tolist() == ["areas"]
    areas = gpd.read_file(folder / "areas.gpkg", layer="areas")
    assert areas.crs.to_epsg() == 27700
    text = (folder / "README.md").read_text(encoding="utf-8")
    assert "SYNTHETIC" in text
    assert f"allocator geodata synth --areas {N} --seed {SEED}" in text
    assert all(f"`{c}`" in text for cols in COLUMNS.values() for c in cols)


def test_csv_numbers_have_fixed_decimals(written: dict[str, Path]) -> None:
    ind = (written["a"] / "indicators.csv").read_text().splitlines()
    header = ind[0].split(",")
    row = dict(zip(header, ind[1].split(","), strict=True))
    assert re.fullmatch(r"-?\d+\.\d{2}", row["gva_per_hour_gbp"])
    assert re.fullmatch(r"-?\d+", row["gdhi_per_head_gbp"])
    sa = pd.read_csv(written["a"] / "strategic_authorities.csv", dtype=str)
    assert set(sa["mayoral"]) | set(sa["intervention"]) <= {"true", "false"}


@pytest.mark.parametrize("fmt", ["geojson", "shp"])
def test_other_boundary_formats(tmp_path: Path, fmt: str) -> None:
    summary = write_synthetic(tmp_path / "a", 30, 3, fmt=fmt)
    write_synthetic(tmp_path / "b", 30, 3, fmt=fmt)
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")
    path = tmp_path / "a" / f"areas.{fmt}"
    assert path.name in summary["files"]
    areas = gpd.read_file(path)
    assert areas.crs.equals("EPSG:27700") or areas.crs.to_epsg() == 27700
    assert list(areas.columns) == ["LAD24CD", "LAD24NM", "geometry"]
    assert len(areas) == 30
    assert areas.geometry.is_valid.all()


def test_rewriting_a_folder_replaces_its_files(tmp_path: Path) -> None:
    write_synthetic(tmp_path, 25, 1)
    write_synthetic(tmp_path, 30, 2)
    fresh = tmp_path / "fresh"
    write_synthetic(fresh, 30, 2)
    assert _hashes(tmp_path) == _hashes(fresh)


@pytest.mark.parametrize(("areas", "seed", "fmt"), [(3, 1, "gpkg"), (10, -1, "gpkg"), (10, 1, "kml")])
def test_bad_arguments_are_input_errors(tmp_path: Path, areas: int, seed: int, fmt: str) -> None:
    with pytest.raises(InputError):
        write_synthetic(tmp_path, areas, seed, fmt=fmt)
    assert not any(tmp_path.iterdir())


def test_output_path_that_is_a_file_is_an_input_error(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.write_text("not a folder")
    with pytest.raises(InputError, match="expected a folder"):
        write_synthetic(target, 10, 1)


# --- geometry --------------------------------------------------------------------------------------


def test_polygons_are_valid_and_tessellate_the_outline(geo: SyntheticGeography) -> None:
    geoms = geo.areas.geometry
    assert geoms.is_valid.all()
    assert (geoms.geom_type == "MultiPolygon").all()
    total = geoms.area.sum()
    assert total == pytest.approx(geo.outline.area, rel=1e-3)  # no gaps
    assert shapely.union_all(geoms.to_numpy()).area == pytest.approx(total, rel=1e-6)  # no overlaps
    assert geo.outline.area / 1e6 == pytest.approx(130_016, rel=1e-3)
    assert geo.areas.crs.to_epsg() == 27700


def test_outline_is_the_same_for_every_size_and_seed() -> None:
    a, b = make_synthetic(12, 1).outline, make_synthetic(40, 9).outline
    assert a.equals_exact(b, tolerance=0)


def test_groups_are_contiguous(geo: SyntheticGeography) -> None:
    areas = geo.areas.merge(geo.lookup, on=["LAD24CD", "LAD24NM"])
    nbrs = _neighbours(areas)
    island_polygon = geo.outline.geoms[1]
    island = int(np.flatnonzero(areas.geometry.intersects(island_polygon))[0])  # it has no neighbours
    assert not nbrs[island]
    for column in ["UTLA24CD", "CAUTH24CD", "RGN24CD"]:
        for code, rows in areas.groupby(column).groups.items():
            members = [int(r) for r in rows if r != island]
            if code and members:
                assert _connected(members, nbrs), f"{column} {code} is not contiguous"
    london = areas.index[areas["lad_type"] == "London borough"].tolist()
    assert _connected(london, nbrs)


# --- hierarchy -------------------------------------------------------------------------------------


def test_codes_tiers_and_parents_are_consistent(geo: SyntheticGeography) -> None:
    lk = geo.lookup
    assert lk["LAD24CD"].is_unique
    assert lk["LAD24NM"].is_unique
    assert lk["LAD24CD"].is_monotonic_increasing
    assert (geo.areas["LAD24CD"].to_numpy() == lk["LAD24CD"].to_numpy()).all()
    assert lk["LAD24CD"].str.fullmatch(r"E0[6-9]\d{6}").all()
    assert (lk["LAD24CD"].str[:3] == lk["lad_type"].map(TIER_PREFIX)).all()
    district = lk["lad_type"] == "Non-metropolitan district"
    assert lk.loc[district, "UTLA24CD"].str.fullmatch(r"E10\d{6}").all()
    assert (lk.loc[~district, "UTLA24CD"] == lk.loc[~district, "LAD24CD"]).all()
    assert (lk.loc[~district, "UTLA24NM"] == lk.loc[~district, "LAD24NM"]).all()
    assert lk.groupby("UTLA24CD")["UTLA24NM"].nunique().eq(1).all()
    assert lk["RGN24CD"].str.fullmatch(r"E12\d{6}").all()
    assert lk["RGN24NM"].str.contains("(synthetic)", regex=False).all()
    assert lk.groupby("RGN24CD")["RGN24NM"].nunique().eq(1).all()
    assert lk["RGN24NM"].nunique() == lk["RGN24CD"].nunique()
    assert (lk["CTRY24CD"] == "E92000001").all()
    assert (lk["CTRY24NM"] == "England").all()
    # counties and strategic authorities each sit in one region; the capital is a region of its own
    assert lk[district].groupby("UTLA24CD")["RGN24CD"].nunique().eq(1).all()
    in_sa = lk["CAUTH24CD"] != ""
    assert lk[in_sa].groupby("CAUTH24CD")["RGN24CD"].nunique().eq(1).all()
    london = lk["lad_type"] == "London borough"
    assert lk.loc[london, "RGN24CD"].nunique() == 1
    assert set(lk.loc[lk["RGN24CD"] == lk.loc[london, "RGN24CD"].iloc[0], "lad_type"]) == {"London borough"}
    assert not (london & in_sa).any()


def test_strategic_authorities(geo: SyntheticGeography) -> None:
    sa, lk = geo.strategic_authorities, geo.lookup
    assert list(sa.columns) == SA_COLUMNS
    assert sa["CAUTH24CD"].str.fullmatch(r"E47\d{6}").all()
    assert sa["CAUTH24CD"].is_unique
    members = lk.loc[lk["CAUTH24CD"] != "", ["CAUTH24CD", "CAUTH24NM"]].drop_duplicates()
    assert sorted(members["CAUTH24CD"]) == sorted(sa["CAUTH24CD"])
    assert dict(members.values) == dict(sa[["CAUTH24CD", "CAUTH24NM"]].values)
    assert all(sa[c].dtype == bool for c in ["mayoral", "intervention", "assurance_framework"])
    eligible = sa["mayoral"] & (sa["mayor_months"] >= 18) & ~sa["intervention"]
    assert 0 < eligible.sum() < len(sa)
    metro = lk["lad_type"] == "Metropolitan district"
    assert (lk.loc[metro, "CAUTH24CD"] != "").all()


def test_tier_mix_is_like_england() -> None:
    lk = make_synthetic(320, 2).lookup
    share = lk["lad_type"].value_counts(normalize=True)
    assert share["London borough"] == pytest.approx(0.105, abs=0.01)
    assert share["Metropolitan district"] == pytest.approx(0.12, abs=0.01)
    assert share["Unitary authority"] == pytest.approx(0.21, abs=0.05)
    assert share["Non-metropolitan district"] == pytest.approx(0.565, abs=0.05)
    assert lk.loc[lk["UTLA24CD"].str.startswith("E10"), "UTLA24CD"].nunique() == 21
    assert lk["RGN24CD"].nunique() == 9


@pytest.mark.parametrize("n", [4, 5, 12])
def test_tiny_sizes_work(n: int) -> None:
    g = make_synthetic(n, 11)
    assert len(g.areas) == n
    assert g.population["population"].sum() == 57_000_000
    assert g.areas.geometry.is_valid.all()


# --- tables ----------------------------------------------------------------------------------------


def test_population_is_heavy_tailed_and_sums_to_england(geo: SyntheticGeography) -> None:
    pop = geo.population["population"]
    assert pop.dtype.kind == "i"
    assert (pop > 0).all()
    assert pop.sum() == 57_000_000
    assert pop.max() > 3 * pop.median()
    big = make_synthetic(320, 2026).population["population"]
    assert 1_000 < big.min() < 5_000  # the island
    assert 600_000 < big.max() < 1_500_000
    assert big.mean() == pytest.approx(178_125)


def test_indicators_have_england_like_levels(geo: SyntheticGeography) -> None:
    ind = geo.indicators
    assert list(ind.columns) == ["LAD24CD", "LAD24NM", *INDICATOR_COLUMNS]
    assert not ind.isna().any().any()
    targets = {
        "gva_per_hour_gbp": (39, 6),
        "employment_rate_pct": (75, 4),
        "gdhi_per_head_gbp": (22_000, 4_000),
        "ghg_tco2e_per_capita": (4.5, 1.5),
        "hle_male_years": (62, 3),
        "hle_female_years": (63, 3),
        "eyfs_good_level_of_development_pct": (68, 3.5),
        "crime_average_score": (0, 0.5),
        "imd_average_score": (21, 8),
    }
    for column, (mean, sd) in targets.items():
        assert ind[column].mean() == pytest.approx(mean, abs=0.1 * sd), column
        assert ind[column].std(ddof=0) == pytest.approx(sd, rel=0.2), column
    assert ind["imd_average_score"].skew() > 0
    assert ind["area_cost_adjustment"].between(0.95, 1.15).all()
    ratio = ind["council_tax_base_band_d"] / geo.population["population"]
    assert ratio.mean() == pytest.approx(0.37, rel=0.05)


def test_indicator_correlations_have_the_intended_signs() -> None:
    g = make_synthetic(240, 5)
    df = g.indicators.merge(g.population).merge(g.lookup)
    df["density"] = np.log(df["population"] / (g.areas.geometry.area.to_numpy() / 1e6))
    corr = df.select_dtypes("number").corr()
    for column in [
        "hle_male_years",
        "hle_female_years",
        "eyfs_good_level_of_development_pct",
        "gdhi_per_head_gbp",
        "employment_rate_pct",
    ]:
        assert corr.loc["imd_average_score", column] < -0.2, column
    assert corr.loc["imd_average_score", "crime_average_score"] > 0.2
    assert corr.loc["density", "gva_per_hour_gbp"] > 0.2
    assert corr.loc["density", "crime_average_score"] > 0.2
    assert corr.loc["density", "ghg_tco2e_per_capita"] < -0.2
    aca = df.groupby(df["lad_type"] == "London borough")["area_cost_adjustment"].mean()
    assert aca[True] > aca[False] + 0.05


def test_baseline_per_head_is_positive_and_well_below_capacity(geo: SyntheticGeography) -> None:
    from allocator.scenario import load_scenario

    scenario = load_scenario(ROOT / "scenarios" / "synthetic.yaml")
    base = geo.baseline_funding.merge(geo.population[["LAD24CD", "population"]])
    assert set(base["stream"]) == set(scenario.streams) == set(STREAMS)
    assert len(base) == N * len(STREAMS)
    per_head = base["amount_gbp"] / base["population"]
    zmax = base["stream"].map({k: s.zmax_gbp_per_head for k, s in scenario.streams.items()})
    assert (per_head > 0).all()
    assert (per_head < 0.5 * zmax).all()
    budget = base["stream"].map({k: s.budget for k, s in scenario.streams.items()})
    totals = base.groupby(budget)["amount_gbp"].sum()
    assert totals["resource"] == pytest.approx(5.5e9, rel=1e-6)
    assert totals["capital"] == pytest.approx(6.0e9, rel=1e-6)
    total_per_head = (
        base.groupby("LAD24CD")["amount_gbp"].sum() / geo.population.set_index("LAD24CD")["population"]
    )
    assert total_per_head.min() > 125  # room to reach the £120 minimum within a 15% pace of change


def test_own_resources_are_council_tax_grown_each_year(geo: SyntheticGeography) -> None:
    own = geo.own_resources
    assert sorted(own["year"].unique()) == list(range(2025, 2036))
    assert len(own) == N * 11
    first = own[own["year"] == 2025].set_index("LAD24CD")["amount_gbp"]
    ind = geo.indicators.set_index("LAD24CD")
    expected = ind["council_tax_base_band_d"] * ind["band_d_gbp"]
    assert np.allclose(first, expected.loc[first.index], rtol=1e-9, atol=0.01)
    last = own[own["year"] == 2035].set_index("LAD24CD")["amount_gbp"]
    assert np.allclose(last / first, 1.0499**10, rtol=1e-6)


def test_loader_reads_the_written_files(written: dict[str, Path], tmp_path: Path) -> None:
    load = pytest.importorskip("allocator.geography.load")
    from allocator.scenario import load_scenario

    text = (ROOT / "scenarios" / "synthetic.yaml").read_text(encoding="utf-8")
    text = text.replace("../geodata/", f"{written['a'].as_posix()}/").replace(
        "../rules/", f"{(ROOT / 'rules').as_posix()}/"
    )
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    geography = load.load_geography(load_scenario(path))
    assert len(geography.areas) == N
    assert geography.areas["population"].sum() == 57_000_000
    assert 0 < geography.areas["integrated"].sum() < N
