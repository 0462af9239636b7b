"""The LP objectives: ``mission_value``, ``blend`` and the elastic re-solve's; each is a cost per column.

Every objective is maximised. Soft rules' slacks are penalised at ``penalty x scale`` per £, where scale is
the most value any £ can buy under that objective (the largest mission-value coefficient; 1 for the
formula, whose unit is £ of distance from target), so a penalty multiple above 1 means a breach never pays.
The solver sees the objective divided by ``norm`` (its largest value coefficient), so costs are of order
1 against its 1e-7 dual tolerance; objective values and duals are multiplied back when read.

The formula allocation is not an LP objective of this model: see ``allocator/model/formula.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from allocator.model.build import ModelBuilder
from allocator.model.inputs import ModelInputs
from allocator.model.linear import Terms


@dataclass(frozen=True)
class Objective:
    mode: str
    cost: np.ndarray
    """Maximised cost of every column, as the solver sees it (already divided by ``norm``)."""
    norm: float
    """What the solver's objective and duals are multiplied by to read them in the objective's unit."""


def value_coefficients(m: ModelBuilder, inputs: ModelInputs | None = None) -> np.ndarray:
    """Mission value per model unit in each response segment: ``d_a defl_t P_{s,t} slope_{s,k} sum_m w e need``
    (under ``inputs`` when given: the same segments with other effects or persistence, e.g. a draw's)."""
    inp, ix = inputs or m.inputs, m.y_index
    return m.scale * (
        inp.value_per_gbp[ix["area"], ix["stream"]]
        * inp.deflator[ix["year"]]
        * inp.persistence[ix["stream"], ix["year"]]
        * inp.slopes[ix["stream"], ix["segment"]]
    )


def add_deviations(m: ModelBuilder) -> np.ndarray:
    """Distance columns ``X[a,t,b] - Phi[a,t,b] = dev_up - dev_down`` (rows ``def_dev``, in model units);
    returns the (up, down) column pairs, A x T x B x 2. No rule reads them."""
    inp = m.inputs
    n_a, n_t, n_b = m.X_col.shape
    grid = np.indices((n_a, n_t, n_b)).reshape(3, -1)
    parts = (m.code(grid[0]), m.year(grid[1]), np.array(m.budgets, dtype=object)[grid[2]])
    up = m.asm.add_columns("dev_up", 0.0, math.inf, n=grid.shape[1], parts=parts, area=grid[0])
    down = m.asm.add_columns("dev_down", 0.0, math.inf, n=grid.shape[1], parts=parts, area=grid[0])
    terms = Terms.of_columns(np.stack([m.X_col.ravel(), up, down], axis=1), np.array([1.0, -1.0, 1.0]))
    # the phased target in model units, like X (the old rows compared X in £m with Phi in £)
    terms = terms - inp.phased_target.ravel() / m.scale
    m.define("def_dev", terms, parts, grid[0])
    return np.stack([up, down], axis=1).reshape(n_a, n_t, n_b, 2)


def objective(
    m: ModelBuilder, mode: str, blend_beta: float = 0.0, deviations: np.ndarray | None = None
) -> Objective:
    """The cost vector of ``mode`` (mission_value, blend or elastic) for every column of ``m``."""
    cost = np.zeros(m.asm.n_cols)
    slack, multiple = m.slack_penalties()
    if mode == "elastic":
        cost[slack] = -1.0
        return Objective(mode, cost, 1.0)
    coef = value_coefficients(m)
    cost[m.y_cols] = coef
    scale = float(coef.max()) if len(coef) else 1.0
    if mode == "blend":
        if deviations is None:
            raise ValueError("the blend objective needs the distance columns (add_deviations)")
        # beta is value per £ of distance; a distance column is in model units
        cost[deviations.ravel()] = -blend_beta * m.scale
        scale = max(scale, blend_beta * m.scale)
    elif mode != "mission_value":
        raise ValueError(f"unknown objective {mode!r}")
    cost[slack] = -multiple * scale
    norm = scale if scale > 0 else 1.0
    return Objective(mode, cost / norm, norm)
