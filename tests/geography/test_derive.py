"""Adjacency, area, parents by containment, dissolving and the funding tables, on hand-made squares."""

from __future__ import annotations

import time

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from allocator.geography import CRS
from allocator.geography.derive import (
    adjacency,
    area_km2,
    containing_parent,
    dissolve,
    grown_own_resources,
    illustrative_baseline,
    isolated,
)

from .grids import CODES, ORIGIN, ROOK_PAIRS, SIDE_M, grid_frame


def _pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["area_code"], frame["neighbour_code"], strict=True))


def _series(frame: gpd.GeoDataFrame) -> gpd.GeoSeries:
    return frame.set_index("LAD24CD").geometry


def test_rook_neighbours_share_an_edge_and_corners_do_not_count():
    pairs = adjacency(_series(grid_frame()))
    assert _pairs(pairs) == ROOK_PAIRS
    assert ("E06000001", "E06000005") not in _pairs(pairs)  # diagonal: a corner only
    assert pairs["shared_km"].to_numpy() == pytest.approx(np.full(12, SIDE_M / 1000))
    assert (pairs["area_code"] < pairs["neighbour_code"]).all()
    assert list(pairs.columns) == ["area_code", "neighbour_code", "shared_km"]
    assert pairs.equals(pairs.sort_values(["area_code", "neighbour_code"], ignore_index=True))


@pytest.mark.parametrize("gap_m", [0.5, 20.0, -20.0], ids=["rounding", "gaps", "overlaps"])
def test_slivers_within_the_tolerance_still_make_neighbours(gap_m):
    pairs = adjacency(_series(grid_frame(gap_m=gap_m)))
    assert _pairs(pairs) == ROOK_PAIRS
    assert pairs["shared_km"].to_numpy() == pytest.approx(np.full(12, SIDE_M / 1000), abs=0.1)


def test_a_gap_wider_than_the_tolerance_separates():
    assert adjacency(_series(grid_frame(gap_m=200.0))).empty


def test_edges_with_different_vertices_are_found_with_their_length():
    # One tall rectangle beside two squares: its edge has no vertex where the squares meet. Shared
    # lengths found with the tolerance are estimates, good to about the tolerance.
    geometry = gpd.GeoSeries(
        [box(0, 0, 1000, 2000), box(1000, 0, 2000, 1000), box(1000, 1000, 2000, 2000)],
        index=["E06000001", "E06000002", "E06000003"],
        crs=CRS,
    )
    for tolerance in (50.0, 0.0):
        pairs = adjacency(geometry, tolerance_m=tolerance).set_index(["area_code", "neighbour_code"])
        assert pairs["shared_km"].to_dict() == pytest.approx(
            {
                ("E06000001", "E06000002"): 1.0,
                ("E06000001", "E06000003"): 1.0,
                ("E06000002", "E06000003"): 1.0,
            },
            abs=0.06,
        )


def test_geographic_coordinates_are_projected_first():
    pairs = adjacency(_series(grid_frame().to_crs("EPSG:4326")))
    assert _pairs(pairs) == ROOK_PAIRS


def test_no_pairs_for_fewer_than_two_areas_or_isolated_ones():
    assert adjacency(_series(grid_frame().iloc[:1])).empty
    far = gpd.GeoSeries(
        [box(0, 0, 10, 10), box(1000, 0, 1010, 10)], index=["E06000001", "E06000002"], crs=CRS
    )
    pairs = adjacency(far)
    assert pairs.empty
    assert isolated(["E06000001", "E06000002"], pairs) == ["E06000001", "E06000002"]


def test_adjacency_scales_without_comparing_every_pair():
    n = 100  # 10,000 squares
    squares = [box(i * 100, j * 100, (i + 1) * 100, (j + 1) * 100) for i in range(n) for j in range(n)]
    geometry = gpd.GeoSeries(squares, index=[f"E0{k:08d}" for k in range(n * n)], crs=CRS)
    started = time.perf_counter()
    pairs = adjacency(geometry)
    assert len(pairs) == 2 * n * (n - 1)
    assert time.perf_counter() - started < 10


def test_area_in_square_kilometres():
    assert area_km2(_series(grid_frame())).to_numpy() == pytest.approx(np.full(9, 100.0))


def test_parent_by_containment_of_a_representative_point():
    x0, y0 = ORIGIN
    # An L-shaped area whose centroid would fall outside it: its interior point does not.
    areas = gpd.GeoSeries(
        [
            box(x0, y0, x0 + 10_000, y0 + 1_000).union(box(x0, y0, x0 + 1_000, y0 + 10_000)),
            box(x0 + 20_000, y0, x0 + 21_000, y0 + 1_000),
            box(x0 + 90_000, y0, x0 + 91_000, y0 + 1_000),
        ],
        index=["E06000001", "E06000002", "E06000003"],
        crs=CRS,
    )
    parents = gpd.GeoSeries(
        [box(x0 - 1, y0 - 1, x0 + 15_000, y0 + 15_000), box(x0 + 15_000, y0 - 1, x0 + 30_000, y0 + 15_000)],
        index=["E47000001", "E47000002"],
        crs=CRS,
    )
    assert containing_parent(areas, parents).to_dict() == {
        "E06000001": "E47000001",
        "E06000002": "E47000002",
        "E06000003": None,
    }


def test_overlapping_parents_go_to_the_one_covering_most_of_the_area():
    area = gpd.GeoSeries([box(0, 0, 100, 100)], index=["E06000001"], crs=CRS)
    parents = gpd.GeoSeries(
        [box(-10, -10, 110, 110), box(40, 40, 200, 200)], index=["E47000001", "E47000002"], crs=CRS
    )
    assert containing_parent(area, parents)["E06000001"] == "E47000001"


def test_a_parent_drawn_more_coarsely_still_takes_an_area_it_mostly_covers():
    area = gpd.GeoSeries([box(0, 0, 100, 100)], index=["E06000001"], crs=CRS)
    # The parent misses the area's interior point (50, 50) but covers most of it.
    parent = box(0, 0, 100, 100).difference(Point(50, 50).buffer(10))
    assert (
        containing_parent(area, gpd.GeoSeries([parent], index=["E47000001"], crs=CRS))["E06000001"]
        == "E47000001"
    )


def test_dissolve_sums_population_weights_means_and_keeps_agreed_text():
    frame = grid_frame().set_index("LAD24CD")
    areas = pd.DataFrame(
        {
            "area_name": frame["LAD24NM"],
            "population": [100.0, 300.0, 100.0, 1, 1, 1, 1, 1, 1],
            "jobs": [10.0, 20.0, 30.0, 1, 1, 1, 1, 1, 1],
            "gva": [10.0, 20.0, np.nan, 1, 1, 1, 1, 1, 1],
            "UTLA24CD": ["E10000001"] * 3 + CODES[3:],
            "UTLA24NM": ["County"] * 3 + [f"Unitary {i}" for i in range(6)],
            "RGN24CD": ["E12000001", "E12000001", "E12000002", *["E12000001"] * 6],
            "tier": ["District"] * 3 + ["Unitary"] * 6,
        },
        index=frame.index,
    )
    merged, geometry, key = dissolve(areas, frame.geometry, "UTLA24CD", "population", ["jobs"])
    county = merged.loc["E10000001"]
    assert len(merged) == 7
    assert list(merged.index) == sorted(merged.index)
    assert county["population"] == 500
    assert county["jobs"] == 60
    assert county["gva"] == pytest.approx((10 * 100 + 20 * 300) / 400)  # members with a value only
    assert county["area_name"] == "County"
    assert county["tier"] == "District"
    assert pd.isna(county["RGN24CD"])  # members disagree
    assert geometry["E10000001"].area == pytest.approx(3 * SIDE_M**2)
    assert key["E06000002"] == "E10000001"
    assert key["E06000005"] == "E06000005"
    assert merged.loc["E06000005", "area_name"] == "Unitary 1"


def test_illustrative_baseline_follows_its_formula():
    areas = pd.DataFrame({"population": [100.0, 300.0], "need": [1.0, 3.0]}, index=["E06000001", "E06000002"])
    base = illustrative_baseline(areas, 1000.0, {"a": 0.25, "b": 0.75}, "need", 0.5)
    # z = -1, +1 -> tilt 0.5, 1.5 -> weights 50, 450
    amounts = base.set_index(["area_code", "stream"])["amount_gbp"]
    assert amounts.to_dict() == pytest.approx(
        {
            ("E06000001", "a"): 1000 * 0.25 * 50 / 500,
            ("E06000001", "b"): 1000 * 0.75 * 50 / 500,
            ("E06000002", "a"): 1000 * 0.25 * 450 / 500,
            ("E06000002", "b"): 1000 * 0.75 * 450 / 500,
        }
    )
    flat = illustrative_baseline(areas, 1000.0, {"a": 1.0})
    assert flat["amount_gbp"].tolist() == pytest.approx([250.0, 750.0])


def test_illustrative_baseline_stays_positive_for_far_below_average_need():
    areas = pd.DataFrame({"population": [1.0] * 5, "need": [-100.0, 0, 0, 0, 0]}, index=CODES[:5])
    base = illustrative_baseline(areas, 1000.0, {"a": 1.0}, "need", 1.0)
    assert (base["amount_gbp"] > 0).all()


def test_own_resources_grow_from_the_year_before_the_first():
    values = pd.DataFrame({"tax": [100.0]}, index=["E06000001"])
    own = grown_own_resources(values, {"tax": 0.05}, [2026, 2027])
    assert own.to_dict("records") == [
        {"area_code": "E06000001", "year": 2025, "amount_gbp": pytest.approx(100.0)},
        {"area_code": "E06000001", "year": 2026, "amount_gbp": pytest.approx(105.0)},
        {"area_code": "E06000001", "year": 2027, "amount_gbp": pytest.approx(110.25)},
    ]


def test_own_resources_of_several_columns_grow_each_at_its_rate_from_their_base_year():
    values = pd.DataFrame(
        {"county": [100.0, 0.0], "district": [10.0, 20.0]}, index=["E10000001", "E06000002"]
    )
    own = grown_own_resources(values, {"county": 0.0499, "district": 0.0299}, [2026], base_year=2023)
    got = own.set_index(["area_code", "year"])["amount_gbp"]
    assert got["E10000001", 2025] == pytest.approx(100.0 * 1.0499**2 + 10.0 * 1.0299**2)
    assert got["E10000001", 2026] == pytest.approx(100.0 * 1.0499**3 + 10.0 * 1.0299**3)
    assert got["E06000002", 2026] == pytest.approx(20.0 * 1.0299**3)
    assert sorted(set(own["year"])) == [2025, 2026]
