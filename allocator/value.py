"""Mission value and projected outcomes of any allocation, computed from the amounts alone (no LP).

The same function values the optimised allocation and the formula allocation, so their V are comparable;
for a ``mission_value`` solve it also reproduces the LP's objective, which tests use as a check.

- ``G_{a,t,s}``: the piecewise-linear response to £ per head ``z = x / p``, segments filled in order;
- ``V = sum_{a,t,s} d_a defl_t P_{s,t} p_a G_{a,t,s} sum_m w_{a,m} e_{s,m} need_{a,m}``;
- ``Delta_{a,t,m} = need_{a,m} sum_s e_{s,m} sum_{u<=t} lambda_s^(t-u) G_{a,u,s}``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.model.inputs import ModelInputs


def response_per_head(inputs: ModelInputs, x: np.ndarray) -> np.ndarray:
    """``G[a, t, s]``: piecewise-linear response (indicator-free units) to x (A x T x S) per head."""
    z = x / inputs.population[:, None, None]
    bp = inputs.breakpoints  # S x (K+1)
    widths = np.diff(bp, axis=1)  # S x K
    filled = np.clip(z[..., None] - bp[None, None, :, :-1], 0.0, widths[None, None, :, :])
    return (filled * inputs.slopes[None, None, :, :]).sum(axis=-1)


@dataclass(frozen=True)
class Valuation:
    total: float
    by_area_mission: np.ndarray  # A x M
    delta: np.ndarray  # A x T x M: projected change of each indicator (in its better direction)


def value(inputs: ModelInputs, x: np.ndarray) -> Valuation:
    """Mission value V of allocation ``x`` (A x T x S) and the projected change of each indicator."""
    g = response_per_head(inputs, x)  # A x T x S
    time_factor = inputs.deflator[None, :, None] * inputs.persistence.T[None, :, :]  # 1 x T x S
    effective = (g * time_factor).sum(axis=1) * inputs.population[:, None]  # A x S
    by_area_mission = (
        inputs.dist_weight[:, None]
        * np.einsum("as,sm->am", effective, inputs.effect)
        * inputs.weight
        * inputs.need
    )
    n_t = len(inputs.years)
    lambdas = np.array([inputs.scenario.streams[s].persistence for s in inputs.streams])
    carried = np.zeros_like(g)
    for t in range(n_t):
        carried[:, t, :] = g[:, t, :] + (lambdas[None, :] * carried[:, t - 1, :] if t > 0 else 0.0)
    delta = np.einsum("ats,sm->atm", carried, inputs.effect) * inputs.need[:, None, :]
    return Valuation(float(by_area_mission.sum()), by_area_mission, delta)


def outcomes_table(inputs: ModelInputs, valuation: Valuation) -> pd.DataFrame:
    """Projected indicator per area, year and mission: current value, change and projected value."""
    rows = []
    areas = inputs.areas
    for j, mission in enumerate(inputs.missions):
        spec = inputs.scenario.missions[mission]
        sign = 1.0 if spec.direction == "higher_is_better" else -1.0
        current = areas[spec.indicator].to_numpy(dtype=float)
        for ti, year in enumerate(inputs.years):
            change = sign * valuation.delta[:, ti, j]
            rows.append(
                pd.DataFrame(
                    {
                        "area_code": inputs.codes,
                        "year": year,
                        "mission": mission,
                        "indicator": spec.indicator,
                        "current_value": current,
                        "projected_change": change,
                        "projected_value": current + change,
                        "target": spec.target,
                        "need": inputs.need[:, j],
                    }
                )
            )
    return pd.concat(rows, ignore_index=True).sort_values(["area_code", "year", "mission"], ignore_index=True)
