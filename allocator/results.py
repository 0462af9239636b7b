"""The tables of a solved allocation, and the settlement built from them once.

``allocation_tables`` turns an allocation ``x`` (and the formula allocation) into the tables every rule
check reads; ``make_settlement`` adds everything found from them (outcomes, mission value against the
formula's, shadow prices and binding rules from ``allocator.attribution``, the verification, summary.json's
content from ``allocator.summary``) and builds the :class:`~allocator.settlement.Settlement`. They read
only the allocation, the model's row table and the inputs, whichever way the allocation was found.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.attribution import binding, shadow_prices
from allocator.geography import Geography
from allocator.model.inputs import ModelInputs
from allocator.model.solve import SolveReport
from allocator.settlement import AllocationTables, Settlement
from allocator.summary import summary
from allocator.value import outcomes_table, value
from allocator.verify import verify


@dataclass(frozen=True)
class Solved:
    """What solving a scenario found, whichever way: the allocation, the formula's, and the model's rows."""

    x: np.ndarray
    """The settlement's allocation, A x T x S, £."""
    x_formula: np.ndarray
    """The formula allocation, A x T x S, £."""
    rows: pd.DataFrame
    """The model's rule rows at the allocation (``allocator.model.solve.row_table``)."""
    report: SolveReport
    formula_method: str
    """How the formula allocation was found: ``direct`` (no solver) or ``lp``."""
    lp_rows: int | None
    """Rows of the scenario's LP (None when the formula was the objective: no LP of its own)."""


def allocation_tables(
    inputs: ModelInputs, geography: Geography, x: np.ndarray, x_formula: np.ndarray
) -> AllocationTables:
    """Tidy tables of allocation ``x`` (and the formula allocation ``x_formula``), A x T x S, £."""
    sc = inputs.scenario
    codes, years, streams = inputs.codes, inputs.years, inputs.streams
    a, t, s = np.nonzero(np.broadcast_to(inputs.eligible[:, None, :], x.shape))
    names = inputs.areas["area_name"].to_numpy()
    amount = np.round(x[a, t, s], 2)
    allocations = pd.DataFrame(
        {
            "area_code": np.array(codes, dtype=object)[a],
            "area_name": names[a],
            "year": np.array(years)[t],
            "stream": np.array(streams, dtype=object)[s],
            "budget": np.array([sc.streams[st].budget for st in streams], dtype=object)[s],
            "amount_gbp": amount,
            "per_head_gbp": amount / inputs.population[a],
        }
    ).sort_values(["area_code", "year", "stream"], ignore_index=True)
    targets = pd.DataFrame(
        {
            "area_code": np.repeat(codes, len(years)),
            "year": np.tile(years, len(codes)),
            "formula_target_gbp": inputs.formula_target.sum(axis=2).ravel(),
            "phased_target_gbp": inputs.phased_target.sum(axis=2).ravel(),
            "formula_allocation_gbp": np.round(x_formula.sum(axis=2), 2).ravel(),
        }
    )
    areas = inputs.areas.copy()
    areas.index.name = "area_code"
    return AllocationTables(
        scenario=sc,
        areas=areas,
        allocations=allocations,
        baseline=geography.baseline,
        own_resources=geography.own_resources,
        adjacency=inputs.adjacency,
        targets=targets,
    )


def make_settlement(
    inputs: ModelInputs, geography: Geography, solved: Solved, timings: dict[str, float]
) -> Settlement:
    """The verified settlement of a solved scenario; ``timings`` gains ``tables_s`` (making it)."""
    t0 = time.perf_counter()
    tables = allocation_tables(inputs, geography, solved.x, solved.x_formula)
    verification = verify(tables)
    opt, formula = value(inputs, solved.x), value(inputs, solved.x_formula)
    codes = inputs.codes
    value_table = pd.DataFrame(
        {
            "area_code": np.repeat(codes, len(inputs.missions)),
            "mission": np.tile(inputs.missions, len(codes)),
            "value": opt.by_area_mission.ravel(),
            "formula_value": formula.by_area_mission.ravel(),
        }
    )
    prices = shadow_prices(solved.rows)
    capacity = {s: inputs.scenario.streams[s].zmax_gbp_per_head for s in inputs.streams}
    bind = binding(solved.rows, tables.area_year_totals(), tables.allocations, capacity)
    solve = solved.report.as_dict() | {"lp_rows": solved.lp_rows, "formula_method": solved.formula_method}
    content = summary(
        inputs.scenario,
        inputs,
        geography,
        allocations=tables.allocations,
        value=value_table,
        binding=bind,
        shadow_prices=prices,
        verification=verification,
        v=opt.total,
        v_formula=formula.total,
        solve=solve,
    )
    geometry = geography.geometry.reindex(codes) if geography.geometry is not None else None
    return Settlement.from_tables(
        tables,
        outcomes=outcomes_table(inputs, opt),
        value=value_table,
        shadow_prices=prices,
        binding=bind,
        verification=verification,
        summary=content,
        timings=timings | {"tables_s": time.perf_counter() - t0},
        geometry=geometry,
    )
