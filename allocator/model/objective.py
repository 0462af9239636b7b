"""The objectives: ``mission_value``, ``formula`` and ``blend``, and the elastic re-solve's objective.

Every objective is maximised. Soft rules' slacks are penalised at ``penalty x scale`` per £, where scale is
the most value any £ can buy under that objective (the largest mission-value coefficient; 1 for the
formula, whose unit is £ of distance from target), so a penalty multiple above 1 means a breach never pays.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pulp

from allocator.model.build import ModelBuilder, lp_name

MIX_WEIGHT = 0.01
"""Formula objective: weight of departing from the national stream mix, per £, against 1 per £ of
departing from the phased target (the mix is secondary: it must not move totals)."""

TIE_WEIGHT = 1e-6
"""Formula objective: weight, as a share of the largest envelope, of the largest share of its phased gain
that any gaining area gives up (per year and budget). Small enough never to move the distance itself,
it breaks the distance's ties the way damping that pays for itself does: gains are scaled back pro rata.
Gains smaller than ten times this weight are left out of the tie-break."""


def value_coefficients(m: ModelBuilder) -> np.ndarray:
    """Mission value per £ in each response segment: ``d_a defl_t P_{s,t} slope_{s,k} sum_m w e need``."""
    inp, ix = m.inputs, m.y_index
    return m.scale * (
        inp.value_per_gbp[ix["area"], ix["stream"]]
        * inp.deflator[ix["year"]]
        * inp.persistence[ix["stream"], ix["year"]]
        * inp.slopes[ix["stream"], ix["segment"]]
    )


def add_formula_deviations(m: ModelBuilder) -> None:
    """Distance variables of the formula: ``X_{a,t,b} - Phi_{a,t,b} = d+ - d-`` and, for the stream
    mix, ``x_{a,t,s} - mix_{a,s} X_{a,t,b(s)} = m+ - m-``. They are free definitions: no rule reads them."""
    inp = m.inputs
    m.dev: list[Any] = []
    m.mix_dev: list[Any] = []
    m.give_up: list[Any] = []
    base_budget = np.stack(
        [inp.base[:, inp.stream_budget == bi].sum(axis=1) for bi in range(len(m.budgets))], axis=1
    )
    for ti, year in enumerate(m.years):
        for bi, budget in enumerate(m.budgets):
            # X + gain * T >= Phi for every gaining area: T is the largest share of a gain given up.
            share = m.prob.add_variable(lp_name("give_up", year, budget), lowBound=0.0)
            m.give_up.append(share)
            gain = (inp.phased_target[:, ti, bi] - base_budget[:, bi]) / m.scale
            for ai in np.nonzero(gain > 10 * _tie_weight(m))[0].tolist():
                expr = pulp.LpAffineExpression({m.X[(ai, ti, bi)]: 1.0, share: float(gain[ai])})
                target = float(inp.phased_target[ai, ti, bi]) / m.scale
                m._add_row(lp_name("def_give_up", m.codes[ai], year, budget), expr, ">=", target)
    for ai, code in enumerate(m.codes):
        for ti, year in enumerate(m.years):
            for bi, budget in enumerate(m.budgets):
                plus = m.prob.add_variable(lp_name("dev_up", code, year, budget), lowBound=0.0)
                minus = m.prob.add_variable(lp_name("dev_down", code, year, budget), lowBound=0.0)
                expr = pulp.LpAffineExpression({m.X[(ai, ti, bi)]: 1.0, plus: -1.0, minus: 1.0})
                m._add_row(
                    lp_name("def_dev", code, year, budget), expr, "==", float(inp.phased_target[ai, ti, bi])
                )
                m.dev.extend([plus, minus])
            for si, stream in enumerate(m.streams):
                seg = m._x.get((ai, ti, si))
                if not seg:
                    continue
                plus = m.prob.add_variable(lp_name("mix_up", code, year, stream), lowBound=0.0)
                minus = m.prob.add_variable(lp_name("mix_down", code, year, stream), lowBound=0.0)
                terms = dict.fromkeys(seg, 1.0)
                bi = int(inp.stream_budget[si])
                terms[m.X[(ai, ti, bi)]] = -float(inp.mix_share[ai, si])
                terms[plus] = -1.0
                terms[minus] = 1.0
                m._add_row(lp_name("def_mix", code, year, stream), pulp.LpAffineExpression(terms), "==", 0.0)
                m.mix_dev.extend([plus, minus])


def _tie_weight(m: ModelBuilder) -> float:
    return TIE_WEIGHT * float(m.inputs.envelope.max()) / m.scale


def set_objective(m: ModelBuilder, mode: str, blend_beta: float = 0.0) -> None:
    """Set the problem's objective for ``mode`` (mission_value, formula, blend or elastic)."""
    terms: dict[Any, float] = {}
    if mode in ("mission_value", "blend"):
        coef = value_coefficients(m)
        terms.update(zip(m.y_vars, coef.tolist(), strict=True))
        scale = float(coef.max()) if len(coef) else 1.0
    if mode == "formula":
        terms.update(dict.fromkeys(m.dev, -1.0))
        terms.update(dict.fromkeys(m.mix_dev, -MIX_WEIGHT))
        terms.update(dict.fromkeys(m.give_up, -_tie_weight(m)))
        scale = 1.0
    if mode == "blend":
        terms.update(dict.fromkeys(m.dev, -blend_beta * m.scale))
        scale = max(scale, blend_beta * m.scale)
    if mode == "elastic":
        terms = {slack: -1.0 for slack, _ in m.penalties}
    else:
        for slack, multiple in m.penalties:
            terms[slack] = -multiple * scale
    # The solver sees the objective divided by its largest value coefficient, so costs are of order 1
    # against its 1e-7 dual tolerance; values and duals are multiplied back when read.
    norm = scale if mode != "elastic" and scale > 0 else 1.0
    m.objective_norm = norm
    m.prob.setObjective(pulp.LpAffineExpression({v: c / norm for v, c in terms.items()}))
    m.objective_mode = mode
