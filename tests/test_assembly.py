"""The assembler: a solution's activity matches the rows, and the LP can be restricted to some areas
with the rest fixed (what the formula's year-by-year LPs use, and a decomposition by area would)."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.engine import build_model
from allocator.model.inputs import build_inputs
from allocator.model.objective import objective
from allocator.model.solve import Deadline, solve_lp
from tests.rules.test_rules_contract import _generic


def _solved():
    scenario, geography = _generic("neighbour_parity", "hard")
    m = build_model(build_inputs(scenario, geography))
    obj = objective(m, "mission_value")
    report, sol = solve_lp(m.asm.lp(), obj, scenario.solver, Deadline(60))
    assert report.status == "optimal"
    return scenario, m, obj, sol


def test_rows_know_their_area() -> None:
    _, m, _, sol = _solved()
    asm = m.asm
    lo, hi = asm.row_bounds()
    act = asm.activity(sol.x)
    assert (act >= lo - 1e-6).all()
    assert (act <= hi + 1e-6).all()
    rows, cols = asm.area_masks(np.array([1]))
    assert rows.any()
    assert cols.any()
    assert (asm.row_area()[rows] == 1).all()
    assert (asm.col_area()[cols] == 1).all()
    row, col, _ = asm.coo()
    assert np.isin(asm.col_area()[col[rows[row]]], [1, -1]).all()
    # a neighbour parity row of area 1 reads its neighbour's total too: not area 1's alone
    parity = [b for b in m.rule_blocks() if b.kind == "neighbour_parity"]
    of_area_1 = np.concatenate([np.arange(b.start, b.start + b.n)[b.area == 1] for b in parity])
    assert len(of_area_1)
    assert not rows[of_area_1].any()


def test_an_area_restricted_with_the_rest_fixed_has_the_same_optimum() -> None:
    scenario, m, obj, sol = _solved()
    _, keep = m.asm.area_masks(np.array([1]))
    known = np.where(keep, np.nan, sol.x)
    lp = m.asm.restrict(keep, known)
    assert lp.n_cols == keep.sum()
    report, sub = solve_lp(
        lp, type(obj)(obj.mode, obj.cost[lp.cols], obj.norm), scenario.solver, Deadline(60)
    )
    assert report.status == "optimal"
    assert sub.objective == pytest.approx(float(obj.cost[lp.cols] @ sol.x[lp.cols]), rel=1e-9, abs=1e-9)
