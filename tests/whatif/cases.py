"""Small scenarios for the what-if tests, built in memory."""

from __future__ import annotations

from tests.conftest import random_geography, three_streams, tiny_scenario


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
    geography = random_geography(n, 11, (40, 200), integrated=True)
    return scenario, geography
