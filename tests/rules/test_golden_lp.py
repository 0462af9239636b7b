"""Golden LP per rule kind: the rows each kind adds to the generic scenario of test_rules_contract, as
the PuLP emitter writes them, against tests/rules/lp/<kind>.lp. A sign or index slip that a feasible
solve would hide changes the text. After an intended change, regenerate with
``ALLOCATOR_WRITE_GOLDEN=1 pytest tests/rules/test_golden_lp.py`` and read the diff."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from allocator.engine import build_model
from allocator.model.inputs import build_inputs
from allocator.model.objective import objective
from allocator.model.pulp_backend import to_pulp
from allocator.rules import KINDS
from tests.rules.test_rules_contract import _generic

GOLDEN = Path(__file__).resolve().parent / "lp"
SENSE = {-1: "<=", 0: "=", 1: ">="}


def rule_rows(kind: str, mode: str = "hard") -> str:
    """The rule's rows, one per line: name, terms sorted by column name, sense, right-hand side."""
    scenario, geography = _generic(kind, mode)
    m = build_model(build_inputs(scenario, geography))
    _, _, constraints = to_pulp(m.asm.lp(), objective(m, "mission_value").cost)
    lines = []
    for c in constraints:
        if not c.name.startswith("rule__"):
            continue
        terms = " ".join(
            f"{coef:+.12g} {var.name}" for var, coef in sorted(c.items(), key=lambda t: t[0].name)
        )
        lines.append(f"{c.name}: {terms} {SENSE[c.sense]} {0.0 - c.constant + 0.0:.12g}")
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_rule_rows_match_the_golden_lp(kind: str) -> None:
    path = GOLDEN / f"{kind}.lp"
    text = rule_rows(kind)
    if os.environ.get("ALLOCATOR_WRITE_GOLDEN"):
        path.write_text(text)
    assert path.is_file(), f"no golden LP for {kind}: run with ALLOCATOR_WRITE_GOLDEN=1"
    assert text == path.read_text()
