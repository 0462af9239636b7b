"""Benchmark reading a run folder: the manifest check, the whole ``read_run`` and ``allocator verify``.

Solves the bundled default scenario once into a temporary folder (or reads the run folder given with
``--run``), then times, in one process, the manifest check alone (every file's size and SHA-256), the
whole read (manifest, tables, summary, scenario, geometry) and the re-verification of every rule from
the tables; the table gives medians.

    .venv/bin/python benchmarks/bench_read.py
    .venv/bin/python benchmarks/bench_read.py --run runs/england_real --repeat 9
"""

from __future__ import annotations

import argparse
import datetime as dt
import platform
import statistics
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _median_ms(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return 1000 * statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", type=Path, help="a run folder to read (default: solve the bundled scenario)")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    from allocator.output_folder import check_folder
    from allocator.run_folder import read_run

    with tempfile.TemporaryDirectory(prefix="bench_read_") as tmp:
        run = args.run
        if run is None:
            from allocator import load_scenario, solve, write_run

            run = write_run(solve(load_scenario(ROOT / "scenarios" / "baseline.yaml")), Path(tmp) / "run")
        read_run(run)  # warm the imports
        size_mb = sum(p.stat().st_size for p in Path(run).rglob("*") if p.is_file()) / 1e6
        manifest = _median_ms(lambda: check_folder(run, "run"), args.repeat)
        whole = _median_ms(lambda: read_run(run), args.repeat)
        settlement = read_run(run)
        verify = _median_ms(settlement.verify, args.repeat)
    print(f"{dt.date.today()} {platform.machine()} Python {platform.python_version()}, {args.repeat} repeats")
    print("| run folder | MB | manifest check ms | read_run ms | verify ms |")
    print("|---|---:|---:|---:|---:|")
    label = "bundled default" if args.run is None else str(args.run)
    print(f"| {label} | {size_mb:.1f} | {manifest:.1f} | {whole:.0f} | {verify:.0f} |")


if __name__ == "__main__":
    main()
