"""Small scenarios for the what-if tests, built in memory."""

from __future__ import annotations

import numpy as np

from tests.conftest import three_streams, tiny_geography, tiny_scenario


def live_case(n: int = 12):
    """Twelve areas, three years, two budgets, the shipped rule set's kinds of rule (as the live-model
    tests use): (scenario, geography)."""
    scenario = tiny_scenario(
        {
            "years": [2026, 2027, 2028],
            "envelopes": {"resource": {"2026..": 3_300.0}, "capital": {"2026..": 1_700.0}},
            "streams": three_streams(150.0),
            "rules": {
                "resource_envelope": {"kind": "envelope", "budget": "resource", "must_allocate": True},
                "capital_envelope": {"kind": "envelope", "budget": "capital", "must_allocate": True},
                "guarantee": {"kind": "floor", "phi": 0.95},
                "pace": {"kind": "ceiling", "gamma": 0.2},
                "minimum": {"kind": "per_capita_minimum", "mu_gbp_per_head": 5.0},
                "mix": {"kind": "ring_fenced_mix", "beta": 0.1},
                "cap": {"kind": "equity_ratio", "rho": 4.0},
            },
        }
    )
    rng = np.random.default_rng(11)
    geography = tiny_geography(
        rng.integers(5, 30, n).astype(float).tolist(),
        {s: rng.integers(40, 200, n).astype(float).tolist() for s in ("growth_fund", "safety", "housing")},
        indicators={"gva": rng.integers(25, 45, n).astype(float).tolist()},
        integrated=(rng.random(n) < 0.3).tolist(),
    )
    return scenario, geography
