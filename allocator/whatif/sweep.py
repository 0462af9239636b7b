"""``sweep``: solve a scenario's variants (in this process or on a Dask cluster) into a SettlementSet.

The scenario as shipped is solved first (cold); the variants then run in blocks (``runner``), each process
keeping one live model, re-solving warm from the last basis when only numbers change and rebuilding when
the structure does. With an output folder every finished variant is written at once (``store``), so a
sweep stopped part way and started again with the same output solves only what is left; the output folder
itself is written, whole, when every variant is done (``output``).
"""

from __future__ import annotations

import hashlib
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from allocator.errors import Problem, ScenarioError
from allocator.geography import Geography
from allocator.schema import Scenario
from allocator.whatif.runner import Job, Outcome, blocks, live_model, make_job, run_block
from allocator.whatif.settlement_set import SettlementSet
from allocator.whatif.variants import SweepSpec, Variant, VarySpec, variants
from allocator.yamlio import YamlData

if TYPE_CHECKING:
    from allocator.progress import SweepProgress


def sweep(
    scenario: Scenario,
    vary: dict[str, VarySpec | dict[str, YamlData] | str] | None = None,
    combine: str | None = None,
    out: str | Path | None = None,
    *,
    geography: Geography | None = None,
    workers: int = 0,
    scheduler: str | None = None,
    formula: bool = True,
    full: bool = False,
    block: int | None = None,
    samples: int | None = None,
    seed: int | None = None,
    progress: SweepProgress | None = None,
    on_outcome: Callable[[Outcome], None] | None = None,
) -> SettlementSet:
    """Solve every variant of ``scenario`` and return them as a SettlementSet.

    Args:
        scenario: the scenario as shipped.
        vary: dotted key -> values (a ``VarySpec``, its fields as a dict, or ``"START:STOP:N"`` text as
            ``--vary`` takes); the scenario's own ``sweep:`` block when omitted.
        combine: ``grid`` or ``zip`` (default the ``sweep:`` block's, else ``grid``).
        out: output folder to write (tables, workbook, figures, explorer page, manifest); None writes
            nothing. An earlier, interrupted sweep to the same folder is resumed.
        geography: the scenario's geography, if already loaded.
        workers: run on a Dask LocalCluster of this many worker processes (0: in this process).
        scheduler: the address of an existing Dask scheduler to run on instead.
        formula: find each variant's formula allocation (its V is in the summary).
        full: keep each variant's full tables (allocations, totals by area and year, outcomes,
            verification); costs a Settlement per variant.
        block: variants per block (default the ``sweep:`` block's, else ``default_block``).
        samples: instead of varying keys, solve this many draws of the scenario's ``uncertainty:`` block
            (``allocator.whatif.uncertainty``), valuing the shipped settlement under each.
        seed: the draws' seed (default the block's own).
        progress: a ``SweepProgress`` (or None: silent).
        on_outcome: called with each ``Outcome`` as it is written (tests use it to stop a sweep).

    Raises:
        ScenarioError: no keys to vary, or values the scenario refuses (exit 2).
    """
    if full and not formula:
        raise ScenarioError([Problem("sweep", "formula", "a full sweep needs the formula allocation")])
    if samples is not None or seed is not None:
        from allocator.whatif.uncertainty import draws

        if vary is not None:
            raise ScenarioError([Problem("sweep", "--samples", "give either --vary or --samples, not both")])
        own = scenario.uncertainty
        samples = samples or (own.samples if own else 0)
        seed = seed if seed is not None else (own.seed if own else 0)
        found = draws(scenario, samples, seed)
        spec = SweepSpec.model_construct(vary=[], combine="zip", block=block)
    else:
        spec = _spec(scenario, vary, combine, block)
        found = variants(scenario, spec.by_key(), spec.combine)
        check_values(scenario, spec.by_key(), found)
    spec = spec.model_copy(update={"block": spec.block or default_block(len(found))})
    if geography is None:
        from allocator.geography.load import load_geography

        geography = load_geography(scenario)
    job = make_job(scenario, geography, formula, full, chosen=samples is not None)
    store = None
    if out is not None:
        from allocator.output_folder import check_target
        from allocator.whatif.store import WorkFolder

        check_target(Path(out), "sweep")
        store = WorkFolder(Path(out), plan(job, spec, found))
    results = store.done() if store is not None else {}
    tables: dict[int, dict[str, YamlData]] = {v: store.tables(v) for v in results} if store and full else {}
    todo = [b for b in blocks(found, spec.block) if any(v.id not in results for v in b)]
    if progress is not None:
        progress.start(len(found), len(results))

    def take(outcome: Outcome) -> None:
        if outcome.variant in results:
            return  # written before the sweep was interrupted; solved again only to reach the next
        results[outcome.variant] = outcome.result
        if outcome.tables is not None:
            tables[outcome.variant] = outcome.tables
        if store is not None:
            store.write(outcome.variant, outcome.result, outcome.tables)
        if progress is not None:
            progress.advance()
        if on_outcome is not None:
            on_outcome(outcome)

    t0 = time.perf_counter()
    if workers or scheduler:
        from allocator.whatif.distributed import run_distributed

        base = run_distributed(job, todo, take, workers=workers, scheduler=scheduler)
    else:
        base = live_model(job)[2]
        for part in todo:
            run_block(job, part, take)
    if progress is not None:
        progress.finish(time.perf_counter() - t0)
    result = settlement_set(job, spec, found, results, base, tables)
    if out is not None:
        from allocator.whatif.output import write_sweep

        write_sweep(result, Path(out))
        store.remove()
    return result


def default_block(n: int) -> int:
    """Variants per block when none is given: an eighth of the sweep, at least 25. Each block starts
    from the shipped solution (about a second at UK size), so fewer, longer blocks cost less, while eight
    keep up to eight workers busy. It depends on the sweep alone, never on the workers, so a sweep gives
    the same results wherever it runs."""
    return max(25, math.ceil(n / 8))


def _spec(
    scenario: Scenario, vary: dict[str, YamlData] | None, combine: str | None, block: int | None
) -> SweepSpec:
    own = scenario.sweep
    if vary is None:
        if own is None:
            raise ScenarioError(
                [Problem("sweep", "vary", "nothing to vary: give --vary KEY=START:STOP:N or a sweep: block")]
            )
        entries = list(own.vary)
    else:
        from allocator.whatif.variants import parse_vary

        entries = []
        for key, value in vary.items():
            if isinstance(value, str):
                key, value = parse_vary(f"{key}={value}")
            fields = value.model_dump(exclude_none=True) if isinstance(value, VarySpec) else dict(value)
            entries.append({**fields, "key": key})
    fields = {
        "vary": entries,
        "combine": combine or (own.combine if own else "grid"),
        "block": block or (own.block if own else None),
    }
    try:
        return SweepSpec.model_validate(fields)
    except ValueError as exc:
        raise ScenarioError([Problem("sweep", "", str(exc).splitlines()[0])]) from None


def check_values(scenario: Scenario, vary: dict[str, VarySpec], found: list[Variant]) -> None:
    """Refuse values the scenario cannot take before solving anything: each key's smallest and largest
    value (and the first variant) are validated as overrides; every problem is listed.

    Raises:
        ScenarioError: naming the key and value, with the scenario's own message.
    """
    problems = []
    for key in vary:
        points = sorted({min(vary[key].points()), max(vary[key].points())})
        for point in points:
            value = next(v.overrides[key] for v in found if v.values[key] == point)
            try:
                scenario.with_overrides({key: value})
            except ScenarioError as exc:
                for p in exc.problems:
                    problems.append(Problem("--vary", key, f"value {point:g}: {p.location}: {p.message}"))
    if problems:
        raise ScenarioError(problems)


def plan(job: Job, spec: SweepSpec, found: list[Variant]) -> dict[str, YamlData]:
    """What identifies a sweep for resuming: the job, the variants and the block size."""
    overrides = json.dumps([v.overrides for v in found], sort_keys=True, default=str)
    return {
        "job": job.token,
        "variants": len(found),
        "overrides_sha256": hashlib.sha256(overrides.encode()).hexdigest(),
        "block": spec.block,
    }


def settlement_set(
    job: Job,
    spec: SweepSpec,
    found: list[Variant],
    results: dict[int, dict[str, YamlData]],
    base: dict[str, YamlData],
    tables: dict[int, dict[str, YamlData]],
) -> SettlementSet:
    import pandas as pd

    from allocator.model.inputs import build_inputs

    inputs = build_inputs(job.scenario, job.geography)
    full = {}
    names = sorted({name for t in tables.values() for name in t})
    for name in names:
        parts = [t[name].assign(variant=v) for v, t in sorted(tables.items()) if name in t]
        frame = pd.concat(parts, ignore_index=True)
        full[name] = frame[["variant", *[c for c in frame.columns if c != "variant"]]]
    current = pd.DataFrame(
        {m: inputs.areas[job.scenario.missions[m].indicator].to_numpy(dtype=float) for m in inputs.missions},
        index=inputs.codes,
    )
    return SettlementSet(
        scenario=job.scenario,
        vary={v.key: v for v in spec.vary},
        combine=spec.combine,
        variant_list=found,
        results=results,
        base=base,
        codes=inputs.codes,
        names=inputs.areas["area_name"].astype(str).tolist(),
        population=inputs.population,
        formula_target=inputs.formula_target.sum(axis=(1, 2)),
        full=full,
        current=current,
        samples=job.chosen,
    )
