"""The formula objective reproduces the incumbent method, computed here by hand: needs shares, the
resources adjustment, phasing in thirds, and a group floor paid for by the gainers."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.engine import solve
from allocator.model.inputs import build_inputs
from tests.conftest import tiny_geography, tiny_scenario

POP = [100.0, 200.0, 100.0]
GVA = [30.0, 35.0, 40.0]  # target 40: gaps 10, 5, 0 -> mean 5 -> need 2, 1, max(0.1, 0) = 0.1
BASE = [300.0, 300.0, 400.0]
OWN = {
    2025: [100.0, 0.0, 400.0],
    2026: [100.0, 0.0, 400.0],
    2027: [100.0, 0.0, 400.0],
    2028: [100.0, 0.0, 400.0],
}
ENVELOPE = 1000.0


def _case(rules: dict | None = None, mode: str = "formula"):
    scenario = tiny_scenario(
        {
            "years": [2026, 2027, 2028],
            "amounts": "cash",  # a cash floor: 95% of last year in cash
            "geography": {"own_resources": {"path": "unused.csv"}},
            "envelopes": {"resource": ENVELOPE},
            "objective": {"mode": mode},
            "rules": rules or {},
        }
    )
    geography = tiny_geography(
        POP,
        {"growth_fund": BASE},
        indicators={"gva": GVA},
        own=OWN,
        attributes={"group": ["a", "a", "protected"]},
    )
    return scenario, geography


def test_needs_shares_resources_adjustment_and_phasing_by_hand() -> None:
    scenario, geography = _case()
    inputs = build_inputs(scenario, geography)
    need = np.array([2.0, 1.0, 0.1])
    np.testing.assert_allclose(inputs.need[:, 0], need)
    # relative need share N_a = p_a need_a / sum: 200, 200, 10 out of 410
    np.testing.assert_allclose(inputs.need_share, np.array([200, 200, 10]) / 410)
    # resources adjustment: F_a = N_a (E + sum own) - own_a
    f = np.array([200, 200, 10]) / 410 * (ENVELOPE + 500.0) - np.array([100.0, 0.0, 400.0])
    np.testing.assert_allclose(inputs.formula_target[:, 0, 0], f)
    assert inputs.formula_target[:, 0, 0].sum() == pytest.approx(ENVELOPE)  # the targets share the envelope
    # phasing in thirds: Phi_t = base + phase_t (F - base), phase 1/3, 2/3, 1
    for t, phase in enumerate([1 / 3, 2 / 3, 1.0]):
        np.testing.assert_allclose(
            inputs.phased_target[:, t, 0], np.array(BASE) + phase * (f - np.array(BASE))
        )


def test_formula_allocation_with_a_group_floor_paid_by_gainers() -> None:
    rules = {
        "envelope": {"kind": "envelope", "budget": "resource", "must_allocate": True},
        "protection": {"kind": "floor", "phi": 0.95, "areas": {"group": {"equals": "protected"}}},
    }
    scenario, geography = _case(rules)
    settlement = solve(scenario, geography)
    totals = settlement.area_year_totals()
    x = totals["amount_gbp"].unstack("year").to_numpy()
    phi = totals["phased_target_gbp"].unstack("year").to_numpy()
    # By hand: the protected area's phased target falls far below 95% of last year, so the floor holds it
    # at 380, 361, 342.95; the gainers give up exactly what it keeps (the envelope is fixed).
    floor_path = [0.95 * 400, 0.95**2 * 400, 0.95**3 * 400]
    np.testing.assert_allclose(x[2], floor_path, atol=0.01)
    np.testing.assert_allclose(x.sum(axis=0), ENVELOPE, atol=0.01)
    kept = np.array(floor_path) - phi[2]
    # the gainers stay at or below their phased targets and together give up what the floor keeps
    assert (x[:2] <= phi[:2] + 0.01).all()
    np.testing.assert_allclose((phi[:2] - x[:2]).sum(axis=0), kept, atol=0.02)
    # ties broken as damping that pays for itself: every gainer gives up the same share of its gain
    gain = phi[:2] - np.array(BASE[:2])[:, None]
    share = kept / gain.sum(axis=0)
    np.testing.assert_allclose(x[:2], phi[:2] - share * gain, atol=0.02)
    # the minimum total distance from the phased targets: twice what the floor keeps, each year
    distance = np.abs(x - phi).sum()
    assert distance == pytest.approx(2 * kept.sum(), abs=0.05)
    assert settlement.verified
    # in formula mode the settlement is the formula allocation: V equals V_formula
    v = settlement.summary["value"]
    assert v["V"] == pytest.approx(v["V_formula"])


def test_formula_stream_mix_follows_national_baseline_shares() -> None:
    scenario = tiny_scenario(
        {
            "objective": {"mode": "formula"},
            "streams": {
                "safety": {"budget": "resource", "zmax_gbp_per_head": 100.0, "effects": {"growth": 0.5}}
            },
            "rules": {"envelope": {"kind": "envelope", "budget": "resource", "must_allocate": True}},
        }
    )
    geography = tiny_geography([10.0, 10.0], {"growth_fund": [300.0, 300.0], "safety": [100.0, 300.0]})
    settlement = solve(scenario, geography)
    amounts = settlement.amounts()
    shares = amounts.div(amounts.sum(axis=1), axis=0)
    # national baseline shares: growth_fund 600 / 1000, safety 400 / 1000, applied to every area
    np.testing.assert_allclose(shares["growth_fund"], 0.6, atol=1e-4)
    np.testing.assert_allclose(shares["safety"], 0.4, atol=1e-4)


def test_resources_adjustment_share_equalises_part_of_own_resources() -> None:
    scenario, geography = _case()
    half = scenario.model_copy(
        update={"objective": scenario.objective.model_copy(update={"resources_adjustment": 0.5})}
    )
    inputs = build_inputs(half, geography)
    own = np.array([100.0, 0.0, 400.0])
    f = np.array([200, 200, 10]) / 410 * (ENVELOPE + 0.5 * 500.0) - 0.5 * own
    np.testing.assert_allclose(inputs.formula_target[:, 0, 0], f)
