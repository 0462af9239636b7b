"""The robust objective (``objective.mode: robust``): the settlement that does best over draws of the
uncertain effects and persistence, solved as one LP.

The scenario's ``uncertainty:`` block gives the draws (``allocator.whatif.uncertainty``; ``robust.draws``
of them from its seed). In draw ``d`` the value of the allocation is linear in the response segments,
``V_d = sum c_d y`` (the same segments; the draw changes each segment's value through the effects and the
persistence; the response curvature z0 is held at the scenario's own, since it moves the segments'
breakpoints). Then:

- ``mean``: maximise ``(1/D) sum_d V_d``: the mission-value LP with averaged coefficients;
- ``cvar``: maximise the mean of the worst ``alpha`` share of the ``V_d`` (conditional value at risk,
  Rockafellar and Uryasev 2000): ``max eta - 1/(alpha D) sum_d u_d`` with ``u_d >= eta - V_d``,
  ``u_d >= 0`` (``eta`` free): one row and one column per draw (rows ``robust_cvar__{d}``).

Soft rules keep their penalties, scaled to the largest value coefficient of any draw.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from allocator.model.appraisal import persistence_factors
from allocator.model.build import ModelBuilder
from allocator.model.inputs import ModelInputs
from allocator.model.linear import Terms
from allocator.model.objective import Objective, value_coefficients


def draw_inputs(inputs: ModelInputs) -> list[ModelInputs]:
    """The scenario's inputs under each of its robust draws (effects and persistence drawn)."""
    from allocator.whatif.uncertainty import draw_values

    sc = inputs.scenario
    spec = sc.uncertainty
    lambdas0 = np.array([sc.streams[s].persistence for s in inputs.streams])
    out = []
    for draw in draw_values(sc, spec.robust.draws, spec.seed):
        effect, lambdas = inputs.effect.copy(), lambdas0.copy()
        for (stream, field, mission), value in draw.items():
            si = inputs.streams.index(stream)
            if field == "effects":
                effect[si, inputs.missions.index(mission)] = value
            elif field == "persistence":
                lambdas[si] = value
        persistence = persistence_factors(inputs.discount, lambdas, len(inputs.years))
        out.append(replace(inputs, effect=effect, persistence=persistence))
    return out


def robust_objective(m: ModelBuilder) -> Objective:
    """The robust objective's costs (adding the CVaR columns and rows to ``m`` for ``cvar``)."""
    spec = m.scenario.uncertainty.robust
    coefs = np.stack([value_coefficients(m, inputs) for inputs in draw_inputs(m.inputs)])  # D x Y
    scale = float(np.abs(coefs).max()) if coefs.size else 1.0
    norm = scale if scale > 0 else 1.0
    slack, multiple = m.slack_penalties()
    if spec.measure == "mean":
        cost = np.zeros(m.asm.n_cols)
        cost[m.y_cols] = coefs.mean(axis=0)
        cost[slack] = -multiple * scale
        return Objective("robust", cost / norm, norm)
    n_d = len(coefs)
    eta = m.asm.add_columns("robust_eta", -math.inf, math.inf, n=1)
    u = m.asm.add_columns("robust_shortfall", 0.0, math.inf, n=n_d, parts=(np.arange(n_d),))
    # u_d - eta + V_d / norm >= 0, in units of norm
    terms = Terms.of_columns(np.stack([u, np.full(n_d, eta[0])], axis=1), np.array([1.0, -1.0]))
    values = Terms(
        n_d,
        np.repeat(np.arange(n_d), len(m.y_cols)),
        np.tile(m.y_cols, n_d),
        (coefs / norm).ravel(),
    )
    m.define("robust_cvar", terms + values, (np.arange(n_d),), None, sense=">=")
    cost = np.zeros(m.asm.n_cols)
    cost[eta] = 1.0
    cost[u] = -1.0 / (spec.alpha * n_d)
    cost[slack] = -multiple * scale / norm
    return Objective("robust", cost, norm)
