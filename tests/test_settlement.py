"""The settlement is complete when built: frozen, every part there from the start, its verification made
from its own tables before it existed; re-checks of changed tables come back fresh."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from allocator.engine import solve
from allocator.settlement import AllocationTables, Settlement
from allocator.verify import COLUMNS, verify
from tests.conftest import tiny_geography, tiny_scenario

ENVELOPE = {"kind": "envelope", "budget": "resource", "must_allocate": True}


@pytest.fixture(scope="module")
def settlement() -> Settlement:
    scenario = tiny_scenario(
        {
            "inflation": 0.0,
            "envelopes": {"resource": 15_000.0},
            "objective": {"segments": 1},
            "rules": {"env": ENVELOPE, "guarantee": {"kind": "floor", "phi": 1.0}},
        }
    )
    return solve(scenario, tiny_geography([100.0] * 3, {"growth_fund": [4_000.0] * 3}))


def test_a_solved_settlement_is_frozen(settlement: Settlement) -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        settlement.outcomes = pd.DataFrame()  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settlement.timings = {}  # type: ignore[misc]


def test_every_part_is_there_when_built(settlement: Settlement) -> None:
    assert list(settlement.verification.columns) == COLUMNS
    assert sorted(settlement.verification["rule_id"]) == ["env", "guarantee"]
    assert settlement.verified
    assert settlement.summary["verification"] == {"passed": True, "rules_checked": 2, "failed": []}
    assert settlement.summary["solve"]["formula_method"] in ("direct", "lp")
    assert settlement.summary["value"]["V"] >= settlement.summary["value"]["V_formula"] - 1e-6
    assert set(settlement.timings) >= {"load_s", "build_s", "solve_s", "formula_s", "tables_s"}
    assert not settlement.outcomes.empty
    assert not settlement.value.empty
    assert settlement.totals()["amount_gbp"].sum() == pytest.approx(15_000.0, rel=1e-9)  # one year


def test_the_built_verification_is_the_checks_of_its_own_tables(settlement: Settlement) -> None:
    pd.testing.assert_frame_equal(settlement.verify(), settlement.verification)
    # a rule check reads only the allocation tables: the base class is enough
    tables = AllocationTables(
        **{f.name: getattr(settlement, f.name) for f in dataclasses.fields(AllocationTables)}
    )
    pd.testing.assert_frame_equal(verify(tables), settlement.verification)


def test_changed_tables_are_checked_afresh(settlement: Settlement) -> None:
    alloc = settlement.allocations.copy()
    alloc.loc[alloc["area_code"] == alloc["area_code"].iloc[0], "amount_gbp"] = 3_500.0  # 500 below 4,000
    broken = dataclasses.replace(settlement, allocations=alloc)
    table = broken.verify().set_index("rule_id")
    assert not table.at["guarantee", "passed"]
    assert table.at["guarantee", "max_violation_gbp"] == pytest.approx(500.0, abs=0.01)
    assert settlement.verify()["passed"].all()  # the original is untouched
