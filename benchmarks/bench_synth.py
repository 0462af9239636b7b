"""Benchmark the synthetic geography generator: time and peak memory at 350, 3,500 and 35,000 areas.

Each run is a fresh Python process that calls ``write_synthetic`` into a temporary folder and reports
its own time and peak resident memory; the table gives the median of the runs.

    .venv/bin/python benchmarks/bench_synth.py                  # 350, 3,500, 35,000 areas
    .venv/bin/python benchmarks/bench_synth.py --sizes 350 --runs 5 --format geojson
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

CHILD = """
import json, resource, sys, time
from pathlib import Path
t0 = time.perf_counter()
from allocator.geography.synthetic import write_synthetic
t1 = time.perf_counter()
summary = write_synthetic(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), fmt=sys.argv[4])
t2 = time.perf_counter()
size = sum(p.stat().st_size for p in Path(sys.argv[1]).iterdir())
print(json.dumps({
    "import_s": t1 - t0,
    "generate_s": t2 - t1,
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "output_mb": size / 1e6,
    "population": summary["population"],
}))
"""


def run_once(areas: int, seed: int, fmt: str) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench_synth_") as tmp:
        out = subprocess.run(
            [sys.executable, "-c", CHILD, tmp, str(areas), str(seed), fmt],
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(out.stdout.strip().splitlines()[-1])


def machine() -> str:
    cpu = platform.processor() or "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import pyogrio
    import shapely

    nproc = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return (
        f"{dt.date.today().isoformat()}, {platform.system()} {platform.release()}, {cpu}, nproc {nproc}, "
        f"Python {platform.python_version()}, shapely {shapely.__version__} (GEOS "
        f"{'.'.join(map(str, shapely.geos_version))}), GDAL {pyogrio.__gdal_version_string__}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[350, 3_500, 35_000])
    parser.add_argument("--runs", type=int, default=3, help="runs per size (median reported)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", dest="fmt", default="gpkg", choices=["gpkg", "geojson", "shp"])
    args = parser.parse_args()

    rows = []
    for areas in args.sizes:
        runs = [run_once(areas, args.seed, args.fmt) for _ in range(args.runs)]
        times = [r["generate_s"] for r in runs]
        rows.append(
            (
                f"{areas:,}",
                str(len(runs)),
                f"{statistics.median(times):.2f}",
                f"{min(times):.2f}-{max(times):.2f}",
                f"{statistics.median(r['import_s'] for r in runs):.2f}",
                f"{statistics.median(r['peak_rss_mb'] for r in runs):.0f}",
                f"{runs[0]['output_mb']:.1f}",
            )
        )
        print(f"  {areas:,} areas: {', '.join(f'{t:.2f}s' for t in times)}", file=sys.stderr)

    print(f"Synthetic geography generator (`write_synthetic`, format {args.fmt}, seed {args.seed})\n")
    print(f"Machine: {machine()}\n")
    head = ["areas", "runs", "median s", "range s", "import s", "peak RSS MB", "output MB"]
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join("---:" for _ in head) + "|")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(
        "\n`median s`: generating and writing every file, in a fresh process (median of the runs); "
        "`import s`: importing allocator's geography modules (geopandas, shapely, pyogrio) before that; "
        "`peak RSS MB`: the process's peak resident memory, imports included."
    )


if __name__ == "__main__":
    main()
