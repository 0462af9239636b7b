"""Where solving by area starts to pay: the scenario's own LP (benchmarks/uk_size.yaml) solved as one
HiGHS model and by area, on synthetic geographies of several sizes, each in a fresh process; prints the
solve's wall-clock and CPU seconds, the decomposition's rounds and the two optima.

Usage:
    python benchmarks/break_even.py                    # 361, 1,000 and 2,000 areas
    python benchmarks/break_even.py --areas 1000 1500 --repeat 3

``solver.method: auto`` decomposes from ``allocator.model.decompose.AUTO_AREAS`` areas up; this is the
measurement behind that number (docs/performance.md).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import synthetic_geo  # noqa: E402  (the synthetic geographies the other benchmarks use)

KEYS = ("wall_s", "cpu_s", "rounds")


def one(geo: Path, method: str) -> None:
    """Build the scenario and solve its LP once; print one JSON line."""
    os.environ["ALLOCATOR_BENCH_GEO"] = str(geo)
    import allocator as al
    from allocator.model.solve import Deadline, solve_lp

    scenario = al.load_scenario(HERE / "uk_size.yaml", [f"solver.method={method}"])
    model = al.Model(scenario, al.load_geography(scenario))
    lp = model.m.asm.lp()
    t, c = time.perf_counter(), time.process_time()
    report, sol = solve_lp(lp, model.objective, scenario.solver, Deadline(3600))
    info = sol.extra.get("decomposition", {})
    out = {
        "status": report.status.value,
        "objective": report.objective,
        "wall_s": time.perf_counter() - t,
        "cpu_s": time.process_time() - c,
        "rounds": info.get("rounds", 0),
        "rows": lp.n_rows,
    }
    print(json.dumps(out))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--areas", nargs="+", type=int, default=[361, 1000, 2000])
    p.add_argument("--repeat", type=int, default=1)
    p.add_argument("--one", nargs=2, metavar=("GEO", "METHOD"), help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.one:
        one(Path(args.one[0]), args.one[1])
        return
    print(
        "| areas | LP rows | monolithic wall s | CPU s | by area wall s | CPU s | rounds | optima, relative difference |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for areas in args.areas:
        geo = synthetic_geo(areas)
        runs: dict[str, list[dict]] = {"monolithic": [], "decomposed": []}
        for _ in range(args.repeat):
            for method, got in runs.items():
                cmd = [sys.executable, __file__, "--one", str(geo), method]
                done = subprocess.run(cmd, capture_output=True, text=True, check=True)
                got.append(json.loads(done.stdout.strip().splitlines()[-1]))
        med = {(m, k): statistics.median(r[k] for r in got) for m, got in runs.items() for k in KEYS}
        a, b = runs["monolithic"][0]["objective"], runs["decomposed"][0]["objective"]
        print(
            f"| {areas:,} | {runs['monolithic'][0]['rows']:,} | {med['monolithic', 'wall_s']:.1f} | "
            f"{med['monolithic', 'cpu_s']:.1f} | {med['decomposed', 'wall_s']:.1f} | "
            f"{med['decomposed', 'cpu_s']:.1f} | {med['decomposed', 'rounds']:.0f} | {abs(a - b) / abs(a):.1e} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
