"""What one solve of a live model found, before any table is made (``allocator.engine.Model``'s lean
path, which a sweep reads), and where a live model's next solve starts (a :class:`Snapshot`)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from allocator.model.highs_backend import Solution
from allocator.model.solve import SolveReport

if TYPE_CHECKING:
    import highspy


@dataclass(frozen=True)
class LeanSolve:
    """One solve's allocation before any table is made."""

    x: np.ndarray | None
    """A x T x S, £; None when the scenario is infeasible."""
    x_formula: np.ndarray | None
    """The formula allocation (A x T x S, £), or None when it was not asked for."""
    solution: Solution | None
    """The LP's column values and row duals (None for a formula-mode scenario)."""
    report: SolveReport
    formula_method: str
    formula_rows: pd.DataFrame | None
    timings: dict[str, float]
    warm: bool

    @property
    def feasible(self) -> bool:
        return self.x is not None


@dataclass(frozen=True)
class Snapshot:
    """Where a live model's next solve starts: the HiGHS basis, the formula's budget shares, and the
    bases its LPs last ended at."""

    basis: highspy.HighsBasis | None
    shares: dict[int, np.ndarray]
    formula_bases: dict = dataclasses.field(default_factory=dict)
