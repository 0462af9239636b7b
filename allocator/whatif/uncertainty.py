"""Uncertainty: draws of the streams' effects, response curvature (z0) and persistence, and what they mean
for the chosen settlement.

The scenario's ``uncertainty:`` block gives each quantity a multiplicative spread (for every stream, or
per stream); ``draws`` turns it into ``n`` variants, reproducibly from a seed (numpy's PCG64, drawn in a
fixed order: stream by stream in the scenario's order, then effects by mission in the scenario's order,
then z0, then persistence). A sample sweep (``allocator sweep --samples N --seed S``) solves each draw
like any variant, and also values the *chosen* settlement (the scenario's own optimum) under the draw:

- the distribution of V of the chosen settlement over the draws;
- per area and mission, the distribution of the projected indicator in the last settlement year under
  the chosen settlement (intervals: the 5th, 50th and 95th percentiles);
- the regret of the chosen settlement in each draw: the draw's own optimum V less the chosen
  settlement's V under that draw (never negative: the draw's optimum is the best any settlement does).

A multiplier ``m`` is ``exp(sd * N(0, 1))`` (lognormal, median 1), ``1 + sd * N(0, 1)`` (normal, clipped at
0) or uniform on ``[1 - sd, 1 + sd]``; persistence is then clipped to [0, 0.99].
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from allocator.schema_whatif import Spread, StreamUncertainty, UncertaintySpec
from allocator.whatif.variants import Variant

MAX_PERSISTENCE = 0.99

__all__ = ["UncertaintySpec", "chosen_under", "draw_overrides", "draw_table", "draw_values", "draws"]


def _multiplier(rng: np.random.Generator, spread: Spread, size: int) -> np.ndarray:
    if spread.distribution == "lognormal":
        return np.exp(spread.sd * rng.standard_normal(size))
    if spread.distribution == "normal":
        return np.maximum(0.0, 1.0 + spread.sd * rng.standard_normal(size))
    return rng.uniform(1.0 - spread.sd, 1.0 + spread.sd, size)


def draw_values(scenario: Any, n: int, seed: int) -> list[dict[tuple[str, str, str | None], float]]:
    """``n`` draws, each {(stream, field, mission or None): value} for the fields ``effects``,
    ``z0_gbp_per_head`` and ``persistence`` (see the module docstring for the order of the draws)."""
    spec: UncertaintySpec = scenario.uncertainty
    rng = np.random.default_rng(seed)
    out: list[dict[tuple[str, str, str | None], float]] = [{} for _ in range(n)]
    for name, stream in scenario.streams.items():
        own = spec.streams.get(name, StreamUncertainty())
        effects, z0, persistence = (
            getattr(own, f) or getattr(spec, f) for f in ("effects", "z0", "persistence")
        )
        if effects is not None:
            for m in scenario.missions:
                if stream.effects.get(m, 0.0) != 0.0:
                    mult = _multiplier(rng, effects, n)
                    for d in range(n):
                        out[d][(name, "effects", m)] = stream.effects[m] * float(mult[d])
        if z0 is not None:
            mult = _multiplier(rng, z0, n)
            for d in range(n):
                out[d][(name, "z0_gbp_per_head", None)] = max(stream.z0_gbp_per_head * float(mult[d]), 1e-6)
        if persistence is not None and stream.persistence > 0:
            mult = _multiplier(rng, persistence, n)
            for d in range(n):
                out[d][(name, "persistence", None)] = min(
                    stream.persistence * float(mult[d]), MAX_PERSISTENCE
                )
    return out


def draw_overrides(scenario: Any, n: int, seed: int) -> list[dict[str, Any]]:
    """``n`` draws as dotted overrides of the streams' effects, z0 and persistence."""
    return [
        {".".join(["streams", s, f, *([m] if m else [])]): v for (s, f, m), v in draw.items()}
        for draw in draw_values(scenario, n, seed)
    ]


def draws(scenario: Any, n: int, seed: int) -> list[Variant]:
    """The variants of a sample sweep: draw ``i`` is variant ``i`` (its ``values`` hold the draw number)."""
    if scenario.uncertainty is None:
        from allocator.errors import Problem, ScenarioError

        raise ScenarioError([Problem("scenario", "uncertainty", "--samples needs an uncertainty: block")])
    return [Variant(i, {"draw": float(i)}, o) for i, o in enumerate(draw_overrides(scenario, n, seed))]


def chosen_under(inputs: Any, x: np.ndarray) -> dict[str, Any]:
    """The chosen settlement ``x`` valued under a draw's inputs: its V and each area's projected change of
    each indicator in the last year (A x M, positive in the indicator's better direction)."""
    from allocator.value import value

    valuation = value(inputs, x)
    return {"chosen_V": valuation.total, "chosen_change": valuation.delta[:, -1, :].tolist()}


def draw_table(result: Any) -> pd.DataFrame:
    """One row per draw: V of the chosen settlement under it, the draw's own optimum V, the regret."""
    rows = []
    for v in result.variant_list:
        r = result.results.get(v.id, {})
        own = r.get("V", np.nan)
        chosen = r.get("chosen_V", np.nan)
        rows.append({"variant": v.id, "status": r.get("status", "missing"), "chosen_V": chosen, "own_V": own})
    out = pd.DataFrame(rows)
    out["regret"] = (out["own_V"] - out["chosen_V"]).clip(lower=0.0)
    return out


def outcome_intervals(result: Any, current: pd.DataFrame) -> pd.DataFrame:
    """Per area and mission: the projected indicator in the last year under the chosen settlement, as
    the shipped scenario projects it and as the draws spread it (p5, p50, p95).

    ``current`` has ``area_code`` index and one column per mission: the indicator's current value.
    """
    missions = list(result.scenario.missions)
    changes = [np.asarray(r["chosen_change"]) for r in result.results.values() if "chosen_change" in r]
    if not changes:
        return pd.DataFrame()
    stack = np.stack(changes)  # D x A x M
    base = (
        np.asarray(result.base["chosen_change"])
        if "chosen_change" in result.base
        else np.full(stack.shape[1:], np.nan)
    )
    p5, p50, p95 = np.percentile(stack, [5, 50, 95], axis=0)
    frames = []
    for j, m in enumerate(missions):
        now = current[m].to_numpy(dtype=float)
        sign = 1.0 if result.scenario.missions[m].direction == "higher_is_better" else -1.0
        frames.append(
            pd.DataFrame(
                {
                    "area_code": result.codes,
                    "area_name": result.names,
                    "mission": m,
                    "current_value": now,
                    "projected_value": now + sign * base[:, j],
                    "p5": now + sign * (p5 if sign > 0 else p95)[:, j],
                    "p50": now + sign * p50[:, j],
                    "p95": now + sign * (p95 if sign > 0 else p5)[:, j],
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
