"""Why a scenario is infeasible: re-solve with every hard rule elastic (a slack on every rule row, each
£ of slack costing the same), then report per rule and year how much had to give, in £ and, through each
rule kind's ``explain``, in the rule's own parameter.

Open-source solvers give no irreducible infeasible subset, so this re-solve is the explanation.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from allocator.errors import SolverError
from allocator.geography import Geography
from allocator.model.build import ModelBuilder, build_model
from allocator.model.highs_backend import Solution
from allocator.model.inputs import ModelInputs
from allocator.model.linear import Terms, stack
from allocator.model.objective import Objective, objective
from allocator.model.solve import Deadline, Status, raise_for, row_table, solve_lp
from allocator.results import allocation_tables
from allocator.rules import make_rule

COLUMNS = ["rule_id", "kind", "year", "relaxation_gbp", "areas", "explanation"]


def diagnose(inputs: ModelInputs, geography: Geography, deadline: Deadline) -> pd.DataFrame:
    """The elastic diagnosis: one row per rule and year that had to give (rule_id, kind, year,
    relaxation_gbp, areas, explanation)."""
    spec = inputs.scenario.solver
    m = build_model(inputs, elastic=True)
    report, sol = solve_lp(m.asm.lp(), objective(m, "elastic"), spec, deadline)
    if report.status == Status.TIME_LIMIT:
        raise_for(report, "diagnosing the infeasible scenario", deadline.seconds)
    if report.status != Status.OPTIMAL:
        raise SolverError(
            f"the elastic re-solve failed ({report.status.value}); the scenario cannot be diagnosed"
        )
    x = spread(m, sol.x, deadline)
    rows = row_table(m, Solution("optimal", x, None, None, 0.0), 1.0)
    # Relaxations below £1, or a millionth of the whole, are solver tolerance, not diagnosis.
    tol = max(1.0, 1e-6 * float(rows["breach_gbp"].sum()))
    gave = rows[rows["breach_gbp"] > tol]
    if gave.empty:  # every relaxation is below £1 a row: report them rather than nothing
        gave = rows[rows["breach_gbp"] > 1e-6 * m.scale]
    gave = gave.rename(columns={"breach_gbp": "relaxation_gbp"})
    allocation = m.allocation(x)
    relaxed = allocation_tables(inputs, geography, allocation, allocation)
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


def spread(m: ModelBuilder, x: np.ndarray, deadline: Deadline) -> np.ndarray:
    """Second stage: among the relaxations of least total £, find the one whose largest relaxation,
    relative to the size of its row, is smallest. The £ total is unchanged, but the relaxation is spread
    evenly (every area's floor lowered alike, say) rather than piled on a few rows, so each rule's
    explanation can state the uniform parameter that would be feasible. Returns the column values.
    """
    slack, _ = m.slack_penalties()
    total = float(x[slack].sum())
    if total <= 0:
        return x
    asm = m.asm
    row, col, val = asm.coo()
    is_slack = np.zeros(asm.n_cols, dtype=bool)
    is_slack[slack] = True
    keep = ~is_slack[col]
    # the row's size at the first-stage solution: its constant, or half the sum of its terms
    terms = np.bincount(row[keep], weights=np.abs(val[keep] * x[col[keep]]), minlength=asm.n_rows) / 2
    worst = asm.add_columns("max_relative_relaxation", 0.0, math.inf, n=1)[0]
    blocks, areas = [], []
    for b in m.rule_blocks():
        if b.slack is None:
            continue
        size = np.maximum(np.abs(b.rhs), terms[b.start : b.start + b.n])
        ok = np.nonzero(size > 1e-9)[0]
        k = b.slack.shape[1]
        cols = np.concatenate([b.slack[ok], np.full((len(ok), 1), worst)], axis=1)
        coef = np.concatenate([np.ones((len(ok), k)), -size[ok, None]], axis=1)
        n = len(ok)
        blocks.append(Terms(n, np.repeat(np.arange(n), k + 1), cols.ravel(), coef.ravel()))
        # each row keeps its rule row's area, so a solve by area finds it among that area's rows
        areas.append(b.area[ok] if b.area is not None else np.full(n, -1))
    spread_rows = stack(blocks)
    area = np.concatenate(areas) if areas else np.zeros(0, dtype=np.int64)
    m.define("spread", spread_rows, (np.arange(spread_rows.n),), area, "<=")
    cap = Terms(1, np.zeros(len(slack), dtype=np.int64), slack, np.ones(len(slack)), -(total + 1e-6))
    m.define("total_relaxation", cap, (0,), None, "<=")
    cost = np.zeros(asm.n_cols)
    cost[worst] = -1.0
    report, sol = solve_lp(asm.lp(), Objective("elastic", cost, 1.0), m.scenario.solver, deadline)
    if report.status == Status.TIME_LIMIT:
        raise_for(report, "diagnosing the infeasible scenario", deadline.seconds)
    if report.status != Status.OPTIMAL:
        raise SolverError(
            f"the elastic re-solve failed ({report.status.value}) while spreading the relaxation"
        )
    return sol.x
