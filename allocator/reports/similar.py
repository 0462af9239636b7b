"""Similar councils: each area's nearest neighbours by need, size and tier, as CIPFA's Nearest Neighbours
model compares authorities (not the areas next door, but the ones most like it).

Method (docs/outputs.md, "Similar councils"):

1. Each area is described by the missions' indicators (its need) and by its population (log, so a
   doubling counts the same at any size); each is standardised over the recipient areas (mean 0,
   standard deviation 1; a missing value counts as the mean, a column that does not vary is dropped).
2. Need and size weigh equally: the indicators share half of the weight, population has the other half.
3. The distance between two areas is the weighted Euclidean distance of their standardised values.
4. Only areas of the same tier are compared (counties with counties, districts with districts); when a
   tier has fewer than ``k`` other areas, the nearest of other tiers fill the list.
5. The ``k`` nearest (default 5) are the similar councils; ties go to the lower area code.

Computed for every area at once, in blocks of rows (memory stays near ``block x n`` floats).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

K = 5
BLOCK = 512
NEED_WEIGHT = 0.5
"""Share of the distance's weight carried by the need indicators together (population has the rest)."""


@dataclass(frozen=True)
class Similar:
    """The similar councils of every area, and the columns and weights that made them."""

    codes: dict[str, list[str]]
    columns: list[str]
    weights: list[float]


def standardised(
    areas: pd.DataFrame, indicators: list[str], population: str
) -> tuple[np.ndarray, list[str], list[float]]:
    """The weighted, standardised values (rows: areas), with the columns used and their weights."""
    used = [c for c in dict.fromkeys(indicators) if c in areas.columns and c != population]
    columns, values = [], []
    for c in used:
        v = pd.to_numeric(areas[c], errors="coerce").to_numpy(dtype=float)
        sd = np.nanstd(v)
        if np.isfinite(sd) and sd > 0:
            columns.append(c)
            values.append(np.nan_to_num((v - np.nanmean(v)) / sd, nan=0.0))
    weights = [NEED_WEIGHT / len(columns)] * len(columns) if columns else []
    pop = np.log(np.clip(pd.to_numeric(areas[population], errors="coerce").to_numpy(dtype=float), 1.0, None))
    pop = np.nan_to_num(pop, nan=float(np.nanmean(pop)) if np.isfinite(pop).any() else 0.0)
    if np.std(pop) > 0:
        columns.append(population)
        values.append((pop - pop.mean()) / pop.std())
        weights.append(1.0 - NEED_WEIGHT if len(columns) > 1 else 1.0)
    if not values:
        return np.zeros((len(areas), 0)), [], []
    x = np.column_stack(values) * np.sqrt(np.asarray(weights))
    return x, columns, weights


def similar_areas(
    areas: pd.DataFrame, indicators: list[str], population: str, tier: str | None, k: int = K
) -> Similar:
    """The ``k`` most similar areas of each area (index area_code), nearest first."""
    codes = [str(c) for c in areas.index]
    n = len(codes)
    x, columns, weights = standardised(areas, indicators, population)
    if n < 2:
        return Similar({c: [] for c in codes}, columns, weights)
    k = min(k, n - 1)
    tiers = areas[tier].astype(str).to_numpy() if tier and tier in areas.columns else np.zeros(n, dtype=str)
    square = (x * x).sum(axis=1)
    order = np.argsort(np.asarray(codes), kind="stable")  # ties go to the lower code
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    out: dict[str, list[str]] = {}
    for start in range(0, n, BLOCK):
        rows = np.arange(start, min(start + BLOCK, n))
        d = square[rows, None] + square[None, :] - 2.0 * (x[rows] @ x.T)
        d = np.round(np.maximum(d, 0.0), 9)
        d[np.arange(len(rows)), rows] = np.inf
        other_tier = tiers[rows, None] != tiers[None, :]
        # same tier first: other tiers come after every same-tier area, still by distance
        key = np.where(other_tier, d + 1e12, d)
        near = np.argpartition(key, k - 1, axis=1)[:, :k] if k < n else np.argsort(key, axis=1)[:, :k]
        near_key = np.take_along_axis(key, near, axis=1)
        ordered = np.lexsort((rank[near], near_key), axis=1)
        near = np.take_along_axis(near, ordered, axis=1)
        for i, row in enumerate(rows):
            out[codes[row]] = [codes[j] for j in near[i] if np.isfinite(key[i, j])]
    return Similar(out, columns, weights)
