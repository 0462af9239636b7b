"""Benchmarks of what a run writes after the solve, and of start-up: the workbook, the HTML explorer,
``import allocator`` and ``allocator --help``. Each measurement runs in a fresh process; medians.

The run folder measured is the UK-size case (361 areas x 5 years x 9 streams, every rule kind:
``benchmarks/uk_size.yaml`` on a synthetic geography of 361 areas), solved once and kept in
benchmarks/results/ (about a minute the first time). ``--against REF`` measures the code of a git
revision in the same run (its ``allocator/`` extracted to benchmarks/results/, run with this
environment), so a before/after comparison shares the machine's load.

Usage:
    python benchmarks/outputs.py                      # 3 repeats of each case
    python benchmarks/outputs.py --against main --repeat 5
    python benchmarks/outputs.py --run runs/baseline  # another run folder
Prints a markdown table and writes benchmarks/results/outputs.json.
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
sys.path.insert(0, str(HERE))

from run import synthetic_geo  # noqa: E402  (the synthetic geographies every benchmark shares)

WRITE = """
import sys, time
from allocator.run_folder import read_run
s = read_run(sys.argv[1])
t = time.perf_counter()
{call}
print(time.perf_counter() - t)
"""
CASES = {
    "workbook": WRITE.format(
        call="from allocator.reports.excel import write_xlsx; write_xlsx(s, sys.argv[2] + '.xlsx')"
    ),
    "explorer": WRITE.format(
        call="from allocator.reports.html import write_report; write_report(s, sys.argv[2])"
    ),
    "run folder": WRITE.format(
        call="from allocator.run_outputs import write_run; write_run(s, sys.argv[2] + '-run')"
    ),
    "run folder and explorer": WRITE.format(
        call="from allocator.run_outputs import write_run; write_run(s, sys.argv[2] + '-run', report=True)"
    ),
}
STARTUP = {
    "import allocator": ["-c", "import allocator"],
    "import allocator, then solve": ["-c", "import allocator; allocator.solve"],
    "allocator --help": [
        "-c",
        "import sys; sys.argv = ['allocator', '--help']; from allocator.cli import main; main()",
    ],
}


def _uk_run() -> Path:
    run = RESULTS / "uk_run"
    if not (run / "summary.json").is_file():
        env = {**os.environ, "ALLOCATOR_BENCH_GEO": str(synthetic_geo(361))}
        cmd = [
            sys.executable,
            "-m",
            "allocator.cli",
            "run",
            str(HERE / "uk_size.yaml"),
            "-o",
            str(run),
            "--quiet",
        ]
        subprocess.run(cmd, check=True, env=env, cwd=ROOT)
    return run


def _code_of(ref: str) -> Path:
    """The ``allocator`` package of git revision ``ref``, extracted (once) for PYTHONPATH."""
    sha = subprocess.run(
        ["git", "rev-parse", ref], check=True, capture_output=True, text=True, cwd=ROOT
    ).stdout.strip()
    folder = RESULTS / f"code-{sha[:12]}"
    if not (folder / "allocator").is_dir():
        tar = subprocess.run(
            ["git", "archive", sha, "allocator"], check=True, capture_output=True, cwd=ROOT
        ).stdout
        with tarfile.open(fileobj=BytesIO(tar)) as archive:
            archive.extractall(folder, filter="data")
    return folder


def _python(code: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(code) if code else str(ROOT)
    return env


def _write(case: str, run: Path, code: Path | None) -> float:
    out = RESULTS / f"out-{case}"
    done = subprocess.run(
        [sys.executable, "-c", CASES[case], str(run), str(out)],
        check=True,
        capture_output=True,
        text=True,
        env=_python(code),
        cwd=RESULTS,
    )
    return float(done.stdout.strip().splitlines()[-1])


def _startup(args: list[str], code: Path | None) -> float:
    t = time.perf_counter()
    subprocess.run([sys.executable, *args], check=True, capture_output=True, env=_python(code), cwd=RESULTS)
    return time.perf_counter() - t


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--run", type=Path, help="run folder to write from (default: the UK-size run)")
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--against", help="a git revision to measure in the same run (e.g. main)")
    args = p.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    run = (args.run or _uk_run()).resolve()
    versions = {"this code": None}
    if args.against:
        versions[args.against] = _code_of(args.against)
    # versions take turns within each repeat, so a change in the machine's load falls on both
    times: dict[tuple[str, str], list[float]] = {}
    for _ in range(args.repeat):
        for label, code in versions.items():
            for case in CASES:
                times.setdefault((label, f"write the {case}"), []).append(_write(case, run, code))
            for case, cmd in STARTUP.items():
                times.setdefault((label, case), []).append(_startup(cmd, code))
    rows = [
        {"code": label, "case": case, "median_s": statistics.median(t), "runs": t}
        for (label, case), t in times.items()
    ]
    for r in rows:
        print(json.dumps(r), flush=True)
    meta = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "python": platform.python_version(),
        "run": str(run),
        "load": os.getloadavg(),
    }
    (RESULTS / "outputs.json").write_text(json.dumps({"meta": meta, "rows": rows}, indent=2))
    print(
        f"\n{meta['date']}, {meta['machine']}, Python {meta['python']}; medians of {args.repeat} fresh processes\n"
    )
    labels = list(versions)
    print("| step | " + " | ".join(f"{v} (s)" for v in labels) + (" | ratio |" if len(labels) > 1 else ""))
    print("|---|" + "---|" * len(labels) + ("---|" if len(labels) > 1 else ""))
    for case in [f"write the {c}" for c in CASES] + list(STARTUP):
        medians = [next(r["median_s"] for r in rows if r["code"] == v and r["case"] == case) for v in labels]
        ratio = f" {medians[1] / medians[0]:.1f}x |" if len(medians) > 1 else ""
        print(f"| {case} | " + " | ".join(f"{m:.2f}" for m in medians) + " |" + ratio)


if __name__ == "__main__":
    main()
