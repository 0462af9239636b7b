"""Benchmarks: the current code against the shipped code, side by side in one run, each run in a fresh
process; medians, peak memory; a markdown table for docs/performance.md.

Cases: the default scenario (scenarios/baseline.yaml, whatever geography it names); UK size
(benchmarks/uk_size.yaml: 361 areas x 5 years x 9 streams, every rule kind); the same scenario on 3,500
and 35,000 synthetic areas. The shipped code is main before the vectorised model (``SHIPPED``, or ``--shipped REV``),
unpacked with ``git archive`` and run through its own benchmarks/case.py (PuLP build, HiGHS through
PuLP, the formula as an LP); the current code runs benchmarks/case.py (the assembler, HiGHS directly,
the formula computed directly where it can be).

Usage:
    python benchmarks/run.py                          # every case, 3 runs (1 at 3,500 and 35,000)
    python benchmarks/run.py --cases default uk --repeat 5
    python benchmarks/run.py --no-shipped             # the current code only
    python benchmarks/run.py --no-shipped --cases uk 3500 35000 --methods monolithic decomposed
                                                      # one LP against the decomposition by area
Writes benchmarks/results/results.json and prints the tables.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import tarfile
import time
from datetime import date
from io import BytesIO
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"

CASES = {
    "default": {"scenario": ROOT / "scenarios" / "baseline.yaml", "geo": None, "label": "default scenario"},
    "uk": {"scenario": HERE / "uk_size.yaml", "geo": 361, "label": "UK size"},
    "3500": {"scenario": HERE / "uk_size.yaml", "geo": 3500, "label": "3,500 areas", "runs": 1},
    "35000": {
        "scenario": HERE / "uk_size.yaml",
        "geo": 35000,
        "label": "35,000 areas",
        "runs": 1,
        "shipped": False,
    },
}
SHIPPED = "54a9e57"
"""The shipped code: main before the vectorised model (PuLP build, HiGHS through PuLP, the formula as an
LP), which every figure of docs/performance.md's "Against the shipped code" is measured against."""
CAP_S = {"default": 600, "uk": 900, "3500": 600, "35000": 900}
"""Wall-clock cap of one run (its solver time limit is set a little below)."""


def synthetic_geo(areas: int) -> Path:
    folder = RESULTS / f"geo{areas}"
    if not (folder / "areas.gpkg").is_file():
        cmd = [
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
        ]
        subprocess.run(cmd, check=True, capture_output=True, cwd=ROOT)
    return folder


def _shipped(rev: str) -> Path | None:
    """The shipped code, unpacked (None if git cannot find the revision)."""
    folder = RESULTS / f"shipped-{rev[:10]}"
    if (folder / "allocator").is_dir():
        return folder
    try:
        data = subprocess.run(["git", "archive", rev], check=True, capture_output=True, cwd=ROOT).stdout
    except (subprocess.CalledProcessError, FileNotFoundError):
        return None
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(folder, filter="data")
    return folder


def _run(cmd: list[str], cwd: Path, cap: float, env: dict) -> dict:
    t0 = time.perf_counter()
    try:
        done = subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=cap, env=env)
    except subprocess.TimeoutExpired:
        return {
            "status": "stopped",
            "message": f"did not finish in {cap:.0f} s",
            "wall_s": time.perf_counter() - t0,
        }
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {
            "status": "error",
            "message": done.stderr.strip().splitlines()[-1:] or ["?"],
            "wall_s": time.perf_counter() - t0,
        }
    out = json.loads(lines[-1])
    out["wall_s"] = time.perf_counter() - t0
    return out


def run_case(name: str, repeat: int, shipped: Path | None, methods: list[str] | None = None) -> dict:
    case = CASES[name]
    runs = case.get("runs", repeat)
    cap = CAP_S[name]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    args = [str(case["scenario"])]
    if case["geo"]:
        args += ["--geo", str(synthetic_geo(case["geo"]))]
    limit = ["--set", f"solver.time_limit_s={cap - 60}"]
    large = name in ("3500", "35000")
    whatif = ["--no-whatif"] if large and methods else []  # by area a what-if is a second solve
    new = []
    for method in methods or [None]:
        if method == "monolithic" and name == "35000":
            continue  # one national LP of 5 million rows: not solved on these machines (performance.md)
        how = ["--set", f"solver.method={method}"] if method else []
        # one model of this size: IPM (dual simplex takes longer); by area: the scenario's algorithm
        ipm = ["--set", "solver.algorithm=ipm"] if large and method in ("monolithic", None) else []
        for _ in range(runs):
            got = _run(
                [sys.executable, str(HERE / "case.py"), *args, *limit, *ipm, *whatif, *how], ROOT, cap, env
            )
            new.append({**got, "method": method or "auto"})
    old = []
    if shipped is not None and case.get("shipped", True):
        old_env = {**os.environ, "PYTHONPATH": str(shipped)}
        cmd = [
            sys.executable,
            str(shipped / "benchmarks" / "case.py"),
            *args,
            "--build",
            "block",
            "--formula",
            *limit,
            *ipm,
        ]
        old = [_run(cmd, shipped, cap, old_env) for _ in range(runs)]
    return {"case": name, "label": case["label"], "new": new, "shipped": old}


def methods_table(results: list[dict]) -> str:
    """Monolithic against decomposed, side by side: medians per case and method, and whether the two
    reached the same optimum (relative difference of the objective)."""
    lines = [
        "| case | method | build s | solve s | formula s (how) | verify s | write s | report s | total s | peak MB | objective |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        by = {}
        for x in r["new"]:
            by.setdefault(x["method"], []).append(x)
        optimum = {}
        for method, runs in by.items():
            ok = [x for x in runs if x.get("status") == "optimal"]
            if not ok:
                why = runs[0].get("message", "")
                lines.append(
                    f"| {r['label']} | {method} | {_fmt(runs[0].get('build_s'))} | {why} | | | | | "
                    f"{_fmt(runs[0].get('total_s') or runs[0].get('wall_s'))}+ | {_fmt(runs[0].get('peak_mb'), 0)} | |"
                )
                continue
            optimum[method] = ok[0]["objective"]
            f = ok[0]
            lines.append(
                f"| {r['label']} | {method} | {_fmt(_median(ok, 'build_s'))} | "
                f"{_fmt(_median(ok, 'solve_s'))} | {_fmt(_median(ok, 'formula_s'))} ({f['formula_method']}) | "
                f"{_fmt(_median(ok, 'verify_s'))} | {_fmt(_median(ok, 'write_s'))} | "
                f"{_fmt(_median(ok, 'report_s'))} | {_fmt(_median(ok, 'total_s'))} | "
                f"{_fmt(_median(ok, 'peak_mb'), 0)} | {f['objective']:,.6f} |"
            )
        if len(optimum) > 1:
            values = list(optimum.values())
            gap = (max(values) - min(values)) / max(1.0, abs(values[0]))
            lines.append(f"| {r['label']} | same optimum | relative difference {gap:.1e} | | | | | | | | |")
    return "\n".join(lines)


def _median(runs: list[dict], key: str) -> float | None:
    values = [r[key] for r in runs if isinstance(r.get(key), (int, float))]
    return statistics.median(values) if values else None


def _fmt(v: float | None, digits: int = 2) -> str:
    return "–" if v is None else f"{v:,.{digits}f}"


def tables(results: list[dict]) -> str:
    lines = [
        "| case | areas x years x streams | rows | build s | solve s | formula s (how) | verify s | write s | report s | total s | what-if s | peak MB |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        new = [x for x in r["new"] if x.get("status") == "optimal"]
        if not new:
            why = r["new"][0].get("message", "") if r["new"] else ""
            first = r["new"][0] if r["new"] else {}
            lines.append(
                f"| {r['label']} | {first.get('areas', '?')} x {first.get('years', '?')} x {first.get('streams', '?')} | "
                f"{first.get('rows', 0):,} | {_fmt(first.get('build_s'))} | {why} | | | | | {_fmt(first.get('total_s') or first.get('wall_s'))}+ | | {_fmt(first.get('peak_mb'), 0)} |"
            )
            continue
        f = new[0]
        lines.append(
            f"| {r['label']} | {f['areas']} x {f['years']} x {f['streams']} | {f['rows']:,} | {_fmt(_median(new, 'build_s'))} | "
            f"{_fmt(_median(new, 'solve_s'))} | {_fmt(_median(new, 'formula_s'))} ({f['formula_method']}) | "
            f"{_fmt(_median(new, 'verify_s'))} | {_fmt(_median(new, 'write_s'))} | {_fmt(_median(new, 'report_s'))} | "
            f"{_fmt(_median(new, 'total_s'))} | {_fmt(_median(new, 'whatif_s'))} | {_fmt(_median(new, 'peak_mb'), 0)} |"
        )
    lines += [
        "",
        "| case | shipped: build s | solve s | formula solve s | peak MB | new: build + solve + formula s | ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in results:
        old = [x for x in r["shipped"] if x.get("status") == "optimal"]
        new = [x for x in r["new"] if x.get("status") == "optimal"]
        if not r["shipped"]:
            continue
        new_sum = None
        if new:
            new_sum = statistics.median(x["build_s"] + x["solve_s"] + x["formula_s"] for x in new)
        if not old:
            why = r["shipped"][0].get("message", "")
            lines.append(f"| {r['label']} | {why} | | | | {_fmt(new_sum)} | |")
            continue
        old_sum = statistics.median(
            x["build_s"] + x.get("solve_s", 0) + x.get("formula_total_s", 0) for x in old
        )
        lines.append(
            f"| {r['label']} | {_fmt(_median(old, 'build_s'))} | {_fmt(_median(old, 'solve_s'))} | "
            f"{_fmt(_median(old, 'formula_total_s'))} | {_fmt(_median(old, 'peak_mb'), 0)} | {_fmt(new_sum)} | "
            f"{old_sum / new_sum:.1f}x |"
            if new_sum
            else "| |"
        )
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--cases", nargs="+", default=list(CASES), choices=list(CASES))
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument(
        "--shipped", default=SHIPPED, help=f"git revision of the shipped code (default: {SHIPPED})"
    )
    p.add_argument("--no-shipped", action="store_true")
    p.add_argument(
        "--methods",
        nargs="+",
        choices=["monolithic", "decomposed", "auto"],
        help="solve each case with these solver.method values, side by side (monolithic is skipped at 35,000)",
    )
    args = p.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    shipped = None
    if not args.no_shipped:
        shipped = _shipped(args.shipped)
    results = []
    for name in args.cases:
        results.append(run_case(name, args.repeat, shipped, args.methods))
        print(json.dumps(results[-1]), flush=True)
    meta = {
        "date": date.today().isoformat(),
        "time": time.strftime("%H:%M"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end",
        "python": platform.python_version(),
    }
    (RESULTS / "results.json").write_text(json.dumps({"meta": meta, "results": results}, indent=2))
    print(
        f"\n{meta['date']} {meta['time']}, {meta['machine']}, Python {meta['python']}; medians of the runs\n"
    )
    print(methods_table(results) if args.methods else tables(results))


if __name__ == "__main__":
    main()
