"""The formula allocation of a scenario (docs/model.md, section 6): the relaxed formula ``R`` when it meets
every rule (``allocator/model/formula.py``, no solver), else the LP's (``allocator/model/formula_lp.py``).
"""

from __future__ import annotations

import time

import numpy as np

from allocator.model.build import ModelBuilder
from allocator.model.formula import (
    FormulaAllocation,
    build_formula_model,
    column_values,
    meets_every_row,
    relaxed_formula,
)
from allocator.model.formula_lp import Bases, formula_by_lp
from allocator.model.formula_rows import RuleRows
from allocator.model.inputs import ModelInputs
from allocator.model.solve import Deadline, row_table, solution_from_values
from allocator.schema import SolverSpec


def formula_allocation(
    inputs: ModelInputs,
    spec: SolverSpec,
    deadline: Deadline,
    with_rows: bool = False,
    shares: dict[int, np.ndarray] | None = None,
) -> FormulaAllocation:
    """The formula allocation of a scenario: ``R`` when it meets every rule, else the LP's.

    ``with_rows``: also the table of the formula model's rows at the allocation (a formula-mode run
    reports it). ``shares``: budgets' shares by year from an earlier computation, to start from (a
    re-solve); updated with the shares found.
    """
    attempt = direct_formula(inputs, with_rows, shares)
    return attempt if isinstance(attempt, FormulaAllocation) else formula_lp(attempt, spec, deadline)


Undecided = tuple[ModelBuilder, RuleRows, float]
"""The formula's model and rows, and when the attempt started, when ``R`` is not the allocation."""


def direct_formula(
    inputs: ModelInputs, with_rows: bool = False, shares: dict[int, np.ndarray] | None = None
) -> FormulaAllocation | Undecided:
    """``R`` when it meets every rule and is of least distance (no solver is used, so this may run while
    a solver works on the scenario's own LP); otherwise what ``formula_by_lp`` needs to go on."""
    t0 = time.perf_counter()
    m = build_formula_model(inputs)
    rows = RuleRows(m)
    n_t = len(m.years)
    x = np.zeros((len(m.codes), n_t, len(m.streams)))
    known = np.full(m.asm.n_cols, np.nan)
    if relaxed_formula(m, rows, range(n_t), known, x, shares):
        v = column_values(m, x)
        if meets_every_row(m, v):
            table = row_table(m, solution_from_values(v), 1.0) if with_rows else None
            return FormulaAllocation(m.scale * x, "direct", time.perf_counter() - t0, table)
    return m, rows, t0


def formula_lp(
    attempt: Undecided, spec: SolverSpec, deadline: Deadline, bases: Bases | None = None
) -> FormulaAllocation:
    """The formula allocation by its LPs, where ``direct_formula`` could not decide it; ``bases``: where
    the last computation's LPs ended, to start from (see ``formula_by_lp``)."""
    m, rows, t0 = attempt
    return formula_by_lp(m, rows, spec, deadline, t0, bases)
