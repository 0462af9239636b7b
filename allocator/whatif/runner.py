"""Solve a sweep's variants block by block, each process keeping one live model.

A block is a run of consecutive variants. Its first variant starts from the shipped scenario's solution
(its basis and formula shares, a :class:`~allocator.lean_solve.Snapshot`), and each later one from the one
before, so a block's results depend only on the block: the same whether it runs in this process, or on
any Dask worker, first or last. Within a block, neighbouring variants differ a little, so each warm
re-solve takes few simplex iterations.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from allocator.errors import InputError, SolverError
from allocator.geography import Geography
from allocator.schema import Scenario
from allocator.whatif.uncertainty import chosen_under
from allocator.whatif.variants import Variant


@dataclass(frozen=True)
class Job:
    """What every block of one sweep shares: the scenario as shipped, its geography, what to keep."""

    scenario: Scenario
    geography: Geography
    """Without geometry (the model never reads it; it need not travel to workers)."""
    formula: bool = True
    """Find each variant's formula allocation (its V is in the summary)."""
    full: bool = False
    """Keep each variant's full tables (allocations, totals by area and year, outcomes, verification)."""
    chosen: bool = False
    """Also value the shipped scenario's settlement (the chosen one) under each variant (a draw)."""

    @property
    def token(self) -> str:
        """Identifies the job: a process keeps its live model while the token is the same."""
        plain = [
            self.scenario.resolved(),
            sorted(self.geography.sources.items()),
            self.formula,
            self.full,
            self.chosen,
        ]
        return hashlib.sha256(json.dumps(plain, sort_keys=True, default=str).encode()).hexdigest()


def make_job(
    scenario: Scenario, geography: Geography, formula: bool = True, full: bool = False, chosen: bool = False
) -> Job:
    return Job(scenario, replace(geography, geometry=None), formula, full, chosen)


@dataclass
class Outcome:
    """One variant's result: its lean result (plain data) and, in a full sweep, its tables."""

    variant: int
    result: dict[str, Any]
    tables: dict[str, Any] | None = None


_LIVE: dict[str, Any] = {}
"""This process's live model for the job it last ran: token -> (Model, Snapshot of the shipped scenario,
the shipped scenario's lean result, its allocation)."""


def live_model(job: Job) -> tuple[Any, Any, dict[str, Any], Any]:
    """The live model of ``job`` in this process, built and solved (cold) the first time."""
    from allocator.live_model import Model
    from allocator.whatif.lean import lean_result

    token = job.token
    if token not in _LIVE:
        _LIVE.clear()  # one live model per process
        model = Model(job.scenario, job.geography)
        solved = model.solve_arrays(formula=job.formula)
        base = lean_result(model, solved)
        if job.chosen and solved.feasible:
            base |= chosen_under(model.inputs, solved.x)
        _LIVE[token] = (model, model.snapshot(), base, solved.x)
    return _LIVE[token]


def run_block(job: Job, block: list[Variant], take: Callable[[Outcome], None] | None = None) -> list[Outcome]:
    """Solve the variants of one block in order (the first from the shipped scenario's solution);
    ``take`` receives each outcome as soon as it is found."""
    from allocator.whatif.lean import full_tables, lean_result

    model, start, _, chosen = live_model(job)
    out = []
    for i, variant in enumerate(block):
        t0 = time.perf_counter()
        tables = None
        try:
            scenario = job.scenario.with_overrides(variant.overrides)
            solved = model.resolve_arrays(scenario, start=start if i == 0 else None, formula=job.formula)
            result = lean_result(model, solved)
            if job.chosen and chosen is not None:
                result |= chosen_under(model.inputs, chosen)
            if job.full and solved.feasible:
                tables = full_tables(model.settlement(solved))
        except InputError as exc:  # values the scenario refuses: the variant is reported, the sweep goes on
            result = {"status": "invalid", "message": str(exc)}
        except SolverError as exc:
            result = {"status": "solver_error", "message": str(exc)}
        result["seconds"] = time.perf_counter() - t0
        out.append(Outcome(variant.id, result, tables))
        if take is not None:
            take(out[-1])
    return out


def blocks(variants: list[Variant], size: int) -> list[list[Variant]]:
    return [variants[i : i + size] for i in range(0, len(variants), size)]
