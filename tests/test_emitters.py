"""One matrix, two emitters: the LP HiGHS receives straight from the assembler and the one PuLP builds
from the same arrays have the same rows, columns and nonzeros, and reach the same optimum (HiGHS
through either, and CBC), on a small scenario with each rule kind."""

from __future__ import annotations

import numpy as np
import pytest

from allocator.engine import build_model
from allocator.model.inputs import build_inputs
from allocator.model.objective import objective
from allocator.model.pulp_backend import to_pulp, write_lp
from allocator.model.solve import Deadline, solve_lp
from allocator.rules import KINDS
from tests.rules.test_rules_contract import _generic


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_both_emitters_give_the_same_lp_and_optimum(kind: str) -> None:
    scenario, geography = _generic(kind, "hard")
    m = build_model(build_inputs(scenario, geography))
    obj = objective(m, "mission_value")
    lp = m.asm.lp()
    prob, variables, constraints = to_pulp(lp, obj.cost)
    assert len(variables) == lp.n_cols == len(prob.variables())
    assert len(constraints) == lp.n_rows == prob.numConstraints()
    assert sum(len(c) for c in constraints) == len(lp.value)
    rule_rows = [c for c in constraints if c.name.startswith("rule__")]
    assert len(rule_rows) == sum(b.n for b in m.rule_blocks() if b.name == "rule")
    found = {}
    for name, solver in {
        "highspy": scenario.solver,
        "pulp": scenario.solver.model_copy(update={"interface": "pulp"}),
        "cbc": scenario.solver.model_copy(update={"name": "cbc"}),
    }.items():
        report, _ = solve_lp(lp, obj, solver, Deadline(60))
        assert report.status == "optimal", name
        found[name] = report.objective
    assert found["pulp"] == pytest.approx(found["highspy"], rel=1e-9)
    assert found["cbc"] == pytest.approx(found["highspy"], rel=1e-6)


def test_lp_and_mps_files_are_written(tmp_path) -> None:
    scenario, geography = _generic("floor", "soft")
    m = build_model(build_inputs(scenario, geography))
    cost = objective(m, "mission_value").cost
    write_lp(m.asm.lp(), cost, tmp_path / "model.lp")
    write_lp(m.asm.lp(), cost, tmp_path / "model.mps")
    text = (tmp_path / "model.lp").read_text()
    assert "rule__E06000000__2026:" in text
    assert "slack__rule__E06000000__2026__0" in text
    assert (tmp_path / "model.mps").stat().st_size > 0
    assert np.isfinite(cost).all()
