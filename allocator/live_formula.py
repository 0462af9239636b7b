"""What a live model keeps of its formula allocation between solves (``allocator.live_model``).

The formula allocation does not read the scenario's objective, so a what-if of an effect or a weight
reuses it; its budget shares by year start the next computation; and beside a solve by area its LPs run
in a second process (``allocator.model.formula_process``).
"""

from __future__ import annotations

import copy

import numpy as np

from allocator.model.formula import FormulaAllocation, formula_fingerprint
from allocator.model.formula_allocation import Undecided, direct_formula, formula_lp
from allocator.model.formula_lp import Bases
from allocator.model.formula_process import FormulaProcess
from allocator.model.inputs import ModelInputs
from allocator.model.solve import Deadline
from allocator.schema import SolverSpec


class LiveFormula:
    """The formula allocation of a live model: the last one found, and the shares to start from."""

    def __init__(self) -> None:
        self.shares: dict[int, np.ndarray] = {}
        """The formula's budget shares by year: the next computation's start."""
        self._cache: tuple[tuple[bool, str], FormulaAllocation] | None = None
        self.bases: Bases = {}
        """Where its LPs last ended: the next computation's LPs start there (any basis of the right
        shape is a valid start; the allocation does not depend on it)."""

    def forget(self, shares: dict[int, np.ndarray] | None = None, bases: Bases | None = None) -> None:
        """Find it again next time (the inputs it reads changed), from ``shares`` and its LPs from
        ``bases`` if given."""
        self._cache = None
        if shares is not None:
            self.shares = copy.deepcopy(shares)
        if bases is not None:
            self.bases = dict(bases)

    def known(self, inputs: ModelInputs, with_rows: bool) -> FormulaAllocation | None:
        """The last allocation found, while nothing it reads has changed."""
        key = (with_rows, formula_fingerprint(inputs))
        return self._cache[1] if self._cache is not None and self._cache[0] == key else None

    def direct(self, inputs: ModelInputs, with_rows: bool) -> FormulaAllocation | Undecided:
        """The formula allocation if it is known without a solver (the last one, while nothing it reads
        has changed, or ``R``); else what its LPs start from."""
        known = self.known(inputs, with_rows)
        return known if known is not None else direct_formula(inputs, with_rows, self.shares)

    def find(
        self,
        inputs: ModelInputs,
        spec: SolverSpec,
        deadline: Deadline,
        with_rows: bool,
        early: FormulaAllocation | Undecided | None = None,
    ) -> FormulaAllocation:
        """The formula allocation: ``early`` (found while the scenario's LP was solved) or found now, by
        its LPs when the rules hold it away from ``R``; kept for next time (the one place that keeps it)."""
        found = early if early is not None else self.direct(inputs, with_rows)
        if not isinstance(found, FormulaAllocation):
            found = formula_lp(found, spec, deadline, self.bases)
        self._cache = ((with_rows, formula_fingerprint(inputs)), found)
        return found

    def beside(
        self, inputs: ModelInputs, spec: SolverSpec, time_limit_s: float, with_rows: bool
    ) -> FormulaProcess:
        """Found in a second process, ``R`` first and then its LPs (``taken`` when done): the first
        try alone takes seconds at thousands of areas, which the solve need not wait for."""
        # one process for its LPs by area: the scenario's solve has the machine's other cores (3,500
        # areas: 20.5 s alone against 22.8 s with a worker, which also took a core from the solve)
        return FormulaProcess(
            inputs, spec.model_copy(update={"workers": 1}), time_limit_s, with_rows, self.shares
        )

    def taken(self, process: FormulaProcess) -> FormulaAllocation:
        """The allocation ``process`` found; its shares start the next computation."""
        found, self.shares = process.result()
        return found
