"""Benchmark of sweeps: N envelope variants (every resource envelope scaled from 0.95 to 1.05), warm
against cold, the whole sweep in-process and on a 2-worker Dask LocalCluster.

For each case (the default scenario, scenarios/baseline.yaml; the UK-size scenario, benchmarks/uk_size.yaml
on a synthetic geography of 361 areas):

- cold: a fresh live model of a variant, built and solved from nothing (``Model(...).solve_arrays``), for
  ``--cold`` variants spread over the sweep; the median;
- warm: the median of each variant's own time in the in-process sweep (a warm re-solve from the variant
  before, its lean result, and its formula allocation unless ``--no-formula``);
- the whole sweep's wall time, in-process and on a LocalCluster of 2 workers (started inside the time),
  and the variants per second.

Usage:
    python benchmarks/bench_sweep.py                               # both cases, 1,000 variants
    python benchmarks/bench_sweep.py --cases uk --variants 200 --no-formula
Writes benchmarks/results/sweep-<cases>-<variants>.json and prints a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

from run import synthetic_geo  # noqa: E402  (the synthetic geographies the other benchmarks use)

CASES = {
    "default": {"scenario": ROOT / "scenarios" / "baseline.yaml", "geo": None},
    "uk": {"scenario": HERE / "uk_size.yaml", "geo": 361},
}


def run_case(name: str, n: int, formula: bool, cold: int, workers: int) -> dict:
    import allocator as al
    from allocator.live_model import Model
    from allocator.whatif.sweep import sweep

    case = CASES[name]
    if case["geo"]:
        os.environ["ALLOCATOR_BENCH_GEO"] = str(synthetic_geo(case["geo"]))
    scenario = al.load_scenario(case["scenario"])
    geography = al.load_geography(scenario)
    vary = {"envelopes.resource": f"*0.95:1.05:{n}"}
    t0 = time.perf_counter()
    here = sweep(scenario, vary, geography=geography, formula=formula)
    in_process = time.perf_counter() - t0
    summary = here.summary()
    warm = summary.loc[summary["warm"].astype(bool), "seconds"]
    cold_s, cold_solve = [], []
    for v in here.variant_list[:: max(1, n // cold)][:cold]:
        t = time.perf_counter()
        solved = Model(scenario.with_overrides(v.overrides), geography).solve_arrays(formula=formula)
        cold_s.append(time.perf_counter() - t)
        cold_solve.append(solved.timings["solve_s"])
    warm_solve = [here.results[v]["solve_s"] for v in warm.index]
    out = {
        "case": name,
        "areas": len(geography.areas),
        "years": len(scenario.years),
        "variants": n,
        "formula": formula,
        "statuses": summary["status"].value_counts().to_dict(),
        "warm_median_s": statistics.median(warm) if len(warm) else None,
        "cold_median_s": statistics.median(cold_s),
        "warm_solve_median_s": statistics.median(warm_solve) if warm_solve else None,
        "cold_solve_median_s": statistics.median(cold_solve),
        "fast_variants": sum(bool(here.results[v].get("fast")) for v in here.results),
        "formula_direct": sum(here.results[v].get("formula_method") == "direct" for v in here.results),
        "formula_lp": sum(here.results[v].get("formula_method") == "lp" for v in here.results),
        "formula_median_s": statistics.median(here.results[v].get("formula_s", 0.0) for v in warm.index)
        if len(warm)
        else None,
        "in_process_s": in_process,
    }
    if workers:
        t0 = time.perf_counter()
        there = sweep(scenario, vary, geography=geography, formula=formula, workers=workers)
        out["cluster_s"] = time.perf_counter() - t0
        out["workers"] = workers
        same = (there.summary()["V"].fillna(-1) == summary["V"].fillna(-1)).all()
        out["cluster_equals_in_process"] = bool(same)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    parser.add_argument("--variants", type=int, default=1000)
    parser.add_argument("--no-formula", action="store_true")
    parser.add_argument("--cold", type=int, default=5, help="cold solves to time (spread over the sweep)")
    parser.add_argument("--workers", type=int, default=2, help="LocalCluster workers (0: skip)")
    args = parser.parse_args()
    RESULTS.mkdir(exist_ok=True)
    rows = [run_case(c, args.variants, not args.no_formula, args.cold, args.workers) for c in args.cases]
    record = {
        "date": date.today().isoformat(),
        "machine": platform.platform(),
        "cpus": os.cpu_count(),
        "rows": rows,
    }
    (RESULTS / "sweep.json").write_text(json.dumps(record, indent=2) + "\n")
    print(
        "| case | areas x years | variants | formula | warm s/variant | cold s/variant | in-process s | 2 workers s |"
    )
    print("|---|---|---:|---|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['case']} | {r['areas']} x {r['years']} | {r['variants']} | {'yes' if r['formula'] else 'no'} | "
            f"{r['warm_median_s']:.3f} ({r['warm_solve_median_s']:.3f}) | "
            f"{r['cold_median_s']:.2f} ({r['cold_solve_median_s']:.2f}) | {r['in_process_s']:.0f} | "
            f"{r.get('cluster_s', float('nan')):.0f} |"
        )


if __name__ == "__main__":
    main()
