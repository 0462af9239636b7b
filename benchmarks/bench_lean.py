"""What a sweep saves by not building a Settlement per variant: for variants of a scenario, the time of the
lean result (``allocator.whatif.lean``) against the full Settlement (tables, every rule's check, summary),
both from the same solve. Medians, in one process.

Usage:
    python benchmarks/bench_lean.py                       # the default scenario, 10 variants
    ALLOCATOR_BENCH_GEO=$PWD/benchmarks/results/geo361 python benchmarks/bench_lean.py benchmarks/uk_size.yaml
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    import allocator as al
    from allocator.live_model import Model
    from allocator.whatif.lean import lean_result

    path = sys.argv[1] if len(sys.argv) > 1 else str(ROOT / "scenarios" / "baseline.yaml")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    scenario = al.load_scenario(path)
    model = Model(scenario)
    model.solve_arrays()
    lean, full = [], []
    for i in range(n):
        factor = 1.0 + 0.002 * (i + 1)
        change = {f"envelopes.{b}": _scaled(v, factor) for b, v in scenario.envelopes.items()}
        solved = model.resolve_arrays(scenario.with_overrides(change))
        t0 = time.perf_counter()
        lean_result(model, solved)
        t1 = time.perf_counter()
        model.settlement(solved)
        t2 = time.perf_counter()
        lean.append(t1 - t0)
        full.append(t2 - t1)
    print(
        f"{path}: lean result {statistics.median(lean) * 1000:.1f} ms, Settlement {statistics.median(full) * 1000:.0f} ms"
    )


def _scaled(value, factor):
    return {k: v * factor for k, v in value.items()} if isinstance(value, dict) else value * factor


if __name__ == "__main__":
    main()
