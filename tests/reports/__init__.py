"""Tests of the reports. ``small_settlement()`` solves a four-area, two-year case for them (well under a second).

Areas (codes E06000000..3, a row of squares, each touching the next):
    Manchester, Salford (region North); North Tyneside, North Somerset (region South; gva above the
    target, so little need: the funding guarantee holds them at last year's cash figure).
Manchester is on an integrated settlement. Rules: two envelopes (allocated in full) and a cash-flat
funding guarantee.
"""

from __future__ import annotations

from functools import cache

from allocator.engine import solve
from allocator.settlement import Settlement
from tests.conftest import tiny_geography, tiny_scenario

NAMES = ["Manchester", "Salford", "North Tyneside", "North Somerset"]
CODES = [f"E0600000{i}" for i in range(4)]
YEARS = [2026, 2027]
STREAMS = ["growth_fund", "build_fund"]


@cache
def _solved() -> Settlement:
    geography = tiny_geography(
        [1_000.0, 2_000.0, 1_500.0, 1_200.0],
        {"growth_fund": [20_000.0, 30_000.0, 25_000.0, 20_000.0], "build_fund": [5_000.0] * 4},
        indicators={"gva": [30.0, 33.0, 45.0, 50.0]},
        attributes={"region": ["North", "North", "South", "South"]},
        integrated=[True, False, False, False],
    )
    geography.areas["area_name"] = NAMES
    scenario = tiny_scenario(
        {
            "name": "reports test",
            "years": YEARS,
            "geography": {"region_column": "region"},
            "envelopes": {"resource": 100_000.0, "capital": 24_000.0},
            "streams": {
                "build_fund": {
                    "label": "Build fund",
                    "budget": "capital",
                    "z0_gbp_per_head": 5.0,
                    "zmax_gbp_per_head": 40.0,
                    "effects": {"growth": 0.5},
                }
            },
            "missions": {"growth": {"label": "Growth", "unit": "£ GVA per hour"}},
            "rules": {
                "resource_envelope": {"kind": "envelope", "budget": "resource", "must_allocate": True},
                "capital_envelope": {"kind": "envelope", "budget": "capital", "must_allocate": True},
                "funding_guarantee": {
                    "kind": "floor",
                    "phi": 1.0,
                    "description": "No area's settlement falls in cash terms.",
                },
            },
        }
    )
    return solve(scenario, geography)


def small_settlement() -> Settlement:
    """The solved four-area settlement (solved once per test session; treat it as read-only)."""
    return _solved()
