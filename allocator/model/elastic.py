"""Why a scenario is infeasible: re-solve with every hard rule elastic (a slack on every rule row, each
£ of slack costing the same), then report per rule and year how much had to give, in £ and, through each
rule kind's ``explain``, in the rule's own parameter.

Open-source solvers give no irreducible infeasible subset, so this re-solve is the explanation.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pulp

from allocator.errors import SolverError
from allocator.model.build import ModelBuilder
from allocator.model.inputs import ModelInputs
from allocator.model.objective import set_objective
from allocator.model.solve import Status, allocation_array, row_table, solve_model
from allocator.rules import make_rule

COLUMNS = ["rule_id", "kind", "year", "relaxation_gbp", "areas", "explanation"]


def diagnose(inputs: ModelInputs) -> pd.DataFrame:
    """The elastic diagnosis: one row per rule and year that had to give (rule_id, kind, year,
    relaxation_gbp, areas, explanation)."""
    from allocator.engine import build_model, make_settlement

    m = build_model(inputs, elastic=True)
    set_objective(m, "elastic")
    report = solve_model(m, inputs.scenario.solver)
    if report.status != Status.OPTIMAL:
        raise SolverError(
            f"the elastic re-solve failed ({report.status.value}); the scenario cannot be diagnosed"
        )
    spread(m, inputs)
    rows = row_table(m)
    # Relaxations below £1, or a millionth of the whole, are solver tolerance, not diagnosis.
    tol = max(1.0, 1e-6 * float(rows["breach_gbp"].sum()))
    gave = rows[rows["breach_gbp"] > tol]
    if gave.empty:  # every relaxation is below £1 a row: report them rather than nothing
        gave = rows[rows["breach_gbp"] > 1e-6 * m.scale]
    gave = gave.rename(columns={"breach_gbp": "relaxation_gbp"})
    x = allocation_array(m)
    from allocator.geography import Geography

    geo = Geography(
        areas=inputs.areas,
        geometry=None,
        adjacency=inputs.adjacency,
        baseline=_baseline_long(inputs),
        own_resources=_own_long(inputs),
    )
    relaxed = make_settlement(inputs, geo, x, x, rows, None, m)
    out = []
    for rule_id, part in gave.groupby("rule_id", sort=True):
        rule = make_rule(rule_id, inputs.scenario.rules[rule_id])
        texts = rule.explain(part[["year", "relaxation_gbp", "area_code"]], relaxed)
        for year, yrows in part.groupby("year", dropna=False):
            key = None if pd.isna(year) else int(year)
            out.append(
                {
                    "rule_id": rule_id,
                    "kind": rule.kind,
                    "year": key,
                    "relaxation_gbp": float(yrows["relaxation_gbp"].sum()),
                    "areas": int(yrows["area_code"].nunique()),
                    "explanation": texts.get(key, texts.get(None, "")),
                }
            )
    return pd.DataFrame(out, columns=COLUMNS)


def spread(m: ModelBuilder, inputs: ModelInputs) -> None:
    """Second stage: among the relaxations of least total £, find the one whose largest relaxation,
    relative to the size of its row, is smallest. The £ total is unchanged, but the relaxation is spread
    evenly (every area's floor lowered alike, say) rather than piled on a few rows, so each rule's
    explanation can state the uniform parameter that would be feasible.
    """
    total = sum(slack.varValue or 0.0 for slack, _ in m.penalties)
    if total <= 0:
        return
    worst = m.prob.add_variable("max_relative_relaxation", lowBound=0.0)
    for rec in m.rows.values():
        if not rec.slack:
            continue
        c = rec.constraint
        slacks = set(rec.slack)
        # the row's size at the first-stage solution: its constant, or half the sum of its terms
        size = sum(abs(coef * (v.varValue or 0.0)) for v, coef in c.expr.items() if v not in slacks) / 2
        size = max(abs(c.constant), size)
        if size <= 1e-9:
            continue
        terms = dict.fromkeys(rec.slack, 1.0)
        terms[worst] = -size
        m.prob.addConstraint(pulp.LpConstraint(pulp.LpAffineExpression(terms), pulp.LpConstraintLE, rhs=0.0))
    cap = pulp.LpAffineExpression({slack: 1.0 for slack, _ in m.penalties})
    m.prob.addConstraint(pulp.LpConstraint(cap, pulp.LpConstraintLE, rhs=total + 1e-6))
    m.prob.setObjective(pulp.LpAffineExpression({worst: -1.0}))
    report = solve_model(m, inputs.scenario.solver)
    if report.status != Status.OPTIMAL:
        raise SolverError(
            f"the elastic re-solve failed ({report.status.value}) while spreading the relaxation"
        )


def _baseline_long(inputs: ModelInputs) -> pd.DataFrame:
    a, s = np.meshgrid(np.arange(len(inputs.codes)), np.arange(len(inputs.streams)), indexing="ij")
    return pd.DataFrame(
        {
            "area_code": np.array(inputs.codes, dtype=object)[a.ravel()],
            "stream": np.array(inputs.streams, dtype=object)[s.ravel()],
            "amount_gbp": inputs.base.ravel(),
        }
    )


def _own_long(inputs: ModelInputs) -> pd.DataFrame | None:
    if not inputs.has_own:
        return None
    years = [inputs.years[0] - 1, *inputs.years]
    values = np.concatenate([inputs.own_base[:, None], inputs.own], axis=1)
    a, t = np.meshgrid(np.arange(len(inputs.codes)), np.arange(len(years)), indexing="ij")
    return pd.DataFrame(
        {
            "area_code": np.array(inputs.codes, dtype=object)[a.ravel()],
            "year": np.array(years)[t.ravel()],
            "amount_gbp": values.ravel(),
        }
    )
