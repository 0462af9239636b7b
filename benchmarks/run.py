"""Benchmarks: build and solve times and peak memory, each case in a fresh process.

Cases: the bundled default scenario; a UK-size case (361 areas x 5 years x 9 streams, K = 6, every rule
kind on); the same on a synthetic 3,500-area geography. Each is built by allocator's block build and,
for comparison in the same run, by a naive one-call-per-coefficient PuLP build of the same LP.

Usage:
    python benchmarks/run.py                  # all cases, 3 repeats (1 at 3,500 areas)
    python benchmarks/run.py --cases default uk --repeat 5
Prints a markdown table (medians) and writes benchmarks/results/results.json.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"


def _geo(areas: int) -> Path:
    folder = RESULTS / f"geo{areas}"
    if not (folder / "areas.gpkg").is_file():
        subprocess.run(
            [
                sys.executable,
                "-m",
                "allocator.cli",
                "geodata",
                "synth",
                "--areas",
                str(areas),
                "--seed",
                "7",
                "-o",
                str(folder),
            ],
            check=True,
            capture_output=True,
        )
    return folder


CASES = {
    "default": {"scenario": ROOT / "scenarios" / "baseline.yaml", "geo": None, "label": "bundled default"},
    "synthetic": {
        "scenario": ROOT / "scenarios" / "synthetic.yaml",
        "geo": None,
        "label": "bundled synthetic",
    },
    "uk": {"scenario": HERE / "uk_size.yaml", "geo": 361, "label": "UK size, every rule kind"},
    "3500": {
        "scenario": HERE / "uk_size.yaml",
        "geo": 3500,
        "label": "synthetic 3,500 areas",
        "set": ["solver.algorithm=ipm"],
    },
}


def _run(case: dict, build: str, solve: bool, formula: bool = False) -> dict:
    cmd = [sys.executable, str(HERE / "case.py"), str(case["scenario"]), "--build", build]
    if formula:
        cmd.append("--formula")
    if case["geo"]:
        cmd += ["--geo", str(_geo(case["geo"]))]
    for item in case.get("set", []):
        cmd += ["--set", item]
    if not solve:
        cmd.append("--no-solve")
    done = subprocess.run(cmd, check=True, capture_output=True, text=True, cwd=ROOT)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    rows = []
    for name in args.cases:
        case = CASES[name]
        repeat = 1 if name == "3500" else args.repeat
        block = [_run(case, "block", solve=True, formula=True) for _ in range(repeat)]
        naive = [_run(case, "naive", solve=(name == "default")) for _ in range(repeat)]
        med = lambda runs, key: statistics.median(r[key] for r in runs if key in r)  # noqa: E731
        row = {
            "case": case["label"],
            "areas": block[0]["areas"],
            "years": block[0]["years"],
            "streams": block[0]["streams"],
            "variables": block[0]["variables"],
            "rows": block[0]["rows"],
            "runs": repeat,
            "build_s": med(block, "build_s"),
            "solve_s": med(block, "solve_s"),
            "formula_s": med(block, "formula_total_s"),
            "build_share_of_solve": med(block, "build_s") / med(block, "solve_s"),
            "build_share_of_run_solves": med(block, "build_s")
            / (med(block, "solve_s") + med(block, "formula_total_s")),
            "peak_mb": med(block, "peak_mb"),
            "naive_build_s": med(naive, "build_s"),
            "naive_peak_mb": med(naive, "build_peak_mb"),
            "speedup": med(naive, "build_s") / med(block, "build_s"),
            "status": block[0].get("status"),
            "objective": block[0].get("objective"),
        }
        if name == "default":
            row["naive_objective"] = naive[0].get("objective")
        rows.append(row)
        print(json.dumps(row), flush=True)
    meta = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {platform.processor() or 'cpu'}",
        "cores": __import__("os").cpu_count(),
        "python": platform.python_version(),
        "time": time.strftime("%H:%M"),
    }
    (RESULTS / "results.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    print(f"\n{meta['date']}, {meta['cores']} cores, Python {meta['python']}; medians of the runs shown\n")
    print(
        "| case | areas x years x streams | variables | rows | build s | solve s | formula solve s "
        "| build / solve | build / both solves | peak MB | naive build s | block speed-up |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(
            f"| {r['case']} | {r['areas']} x {r['years']} x {r['streams']} | {r['variables']:,} | {r['rows']:,} | "
            f"{r['build_s']:.2f} | {r['solve_s']:.2f} | {r['formula_s']:.2f} | {r['build_share_of_solve']:.0%} | "
            f"{r['build_share_of_run_solves']:.0%} | {r['peak_mb']:,.0f} | {r['naive_build_s']:.2f} | "
            f"{r['speedup']:.1f}x |"
        )


if __name__ == "__main__":
    main()
