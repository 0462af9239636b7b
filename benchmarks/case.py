"""One benchmark run of the current code in a fresh process: what ``allocator run`` does without the
explorer, step by step, then a one-number what-if on the live model; prints one JSON line.

Usage: python benchmarks/case.py SCENARIO [--geo DIR] [--set K=V ...] [--no-whatif]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
import warnings
from pathlib import Path


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("scenario")
    p.add_argument("--geo")
    p.add_argument("--set", dest="overrides", action="append", default=[])
    p.add_argument("--no-whatif", action="store_true")
    args = p.parse_args()
    if args.geo:
        os.environ["ALLOCATOR_BENCH_GEO"] = str(Path(args.geo).resolve())
    warnings.simplefilter("ignore", DeprecationWarning)
    t_start = time.perf_counter()

    import allocator as al
    from allocator.errors import AllocatorError
    from allocator.model.solve import Deadline
    from allocator.run_outputs import write_run

    out: dict = {"path": "new"}
    t0 = t_run = time.perf_counter()
    scenario = al.load_scenario(args.scenario, args.overrides)
    geography = al.load_geography(scenario)
    out["load_s"] = time.perf_counter() - t0
    try:
        model = al.Model(scenario, geography, deadline=Deadline(scenario.solver.time_limit_s))
        out["build_s"] = model.timings["build_s"]
        out.update(
            areas=len(model.inputs.codes), years=len(model.inputs.years), streams=len(model.inputs.streams)
        )
        out.update(rows=model.m.asm.n_rows, variables=model.m.asm.n_cols, nonzeros=len(model.m.asm.coo()[2]))
        out["build_peak_mb"] = _peak_mb()
        settlement = model.solve()
    except AllocatorError as exc:
        out.update(status="stopped", message=str(exc)[:200], peak_mb=_peak_mb())
        out["total_s"] = time.perf_counter() - t_start
        print(json.dumps(out))
        return
    timings = settlement.timings
    out.update(solve_s=timings["solve_s"], formula_s=timings["formula_s"], tables_s=timings["tables_s"])
    out["formula_method"] = settlement.summary["solve"]["formula_method"]
    out["algorithm"] = settlement.summary["solve"]["algorithm"]
    out["objective"] = settlement.summary["solve"]["objective"]
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        write_run(settlement, Path(tmp) / "run", report=False)
    out["write_s"] = time.perf_counter() - t0
    # what allocator run takes without the explorer, wall clock (imports not counted); the formula is
    # found while HiGHS solves, so the steps' times overlap and do not add up to it
    out["total_s"] = time.perf_counter() - t_run
    t0 = time.perf_counter()
    settlement.verify()  # every rule's check again, timed on its own (the run made them once already)
    out["verify_s"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:  # the explorer (allocator run --report), on its own
        from allocator.reports.html import write_report

        write_report(settlement, Path(tmp) / "report")
    out["report_s"] = time.perf_counter() - t0
    out["status"] = settlement.summary["solve"]["status"]
    out["V"] = settlement.summary["value"]["V"]
    out["V_formula"] = settlement.summary["value"]["V_formula"]
    out["verified"] = settlement.verified
    out["peak_mb"] = _peak_mb()
    if not args.no_whatif:
        # one number: next year's resource envelope 1% lower, on the live model
        year = scenario.years[min(1, len(scenario.years) - 1)]
        envelope = float(
            model.inputs.envelope[model.inputs.budgets.index("resource"), scenario.years.index(year)]
        )
        per_year = isinstance(scenario.envelopes["resource"], dict)
        key = f"envelopes.resource.{year}" if per_year else "envelopes.resource"
        t0 = time.perf_counter()
        what_if = model.resolve({key: round(envelope * 0.99)})
        out["whatif_s"] = time.perf_counter() - t0
        out["whatif_warm"] = model.warm
        out["whatif_solve_s"] = what_if.timings["solve_s"]
        out["whatif_formula_s"] = what_if.timings["formula_s"]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
