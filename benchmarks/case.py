"""One benchmark case in a fresh process: load, build, solve; print one JSON line.

Usage: python benchmarks/case.py SCENARIO [--geo DIR] [--build naive|block] [--no-solve] [--set K=V ...]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("scenario")
    p.add_argument("--geo")
    p.add_argument("--build", choices=["block", "naive"], default="block")
    p.add_argument("--no-solve", action="store_true")
    p.add_argument(
        "--formula", action="store_true", help="also solve the formula allocation, as every run does"
    )
    p.add_argument("--set", dest="overrides", action="append", default=[])
    args = p.parse_args()
    if args.geo:
        os.environ["ALLOCATOR_BENCH_GEO"] = str(Path(args.geo).resolve())
    warnings.simplefilter("ignore", DeprecationWarning)

    from allocator.engine import build_model
    from allocator.geography.load import load_geography
    from allocator.model.inputs import build_inputs
    from allocator.model.objective import add_formula_deviations, set_objective
    from allocator.model.solve import solve_model
    from allocator.rules import make_rule
    from allocator.scenario import load_scenario

    out: dict = {"build": args.build}
    t0 = time.perf_counter()
    sc = load_scenario(args.scenario, args.overrides)
    geo = load_geography(sc)
    out["load_s"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    inputs = build_inputs(sc, geo)
    if args.build == "block":
        m = build_model(inputs, formula=sc.objective.mode != "mission_value")
        set_objective(m, sc.objective.mode)
    else:
        from naive import NaiveModelBuilder, naive_objective

        m = NaiveModelBuilder(inputs)
        if sc.objective.mode != "mission_value":
            add_formula_deviations(m)
        for rule_id, spec in sc.rules.items():
            make_rule(rule_id, spec).add(m)
        naive_objective(m)
    out["build_s"] = time.perf_counter() - t0
    out.update(areas=len(inputs.codes), years=len(inputs.years), streams=len(inputs.streams))
    out.update(variables=len(m.prob.variables()), rows=m.prob.numConstraints())
    out["build_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    if not args.no_solve:
        report = solve_model(m, sc.solver)
        out.update(status=report.status.value, objective=report.objective, solve_s=report.seconds)
        if args.formula and sc.objective.mode == "mission_value":
            # every run also solves the formula allocation on the same rules
            t0 = time.perf_counter()
            add_formula_deviations(m)
            set_objective(m, "formula")
            formula = solve_model(m, sc.solver)
            out.update(formula_status=formula.status.value, formula_total_s=time.perf_counter() - t0)
    out["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == "__main__":
    main()
