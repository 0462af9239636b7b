"""Starting prices for a solve by area, from one LP over a sample of the areas.

How many rounds the coordinator needs, and how dear they are, depends on its first prices. Started
from its own optimal prices, the 3,500-area benchmark took 31 rounds and 28.5 s instead of 58 rounds
and 103 s (docs/performance.md); prices from a sample of about 400 areas took it to 42-53 s in four
measurements, the sample's own solve (about 3 s) included.

The sample is every k-th area. Its LP is the whole LP restricted to those areas, made to stand for the
whole country: national rows (envelopes, multi-year totals, ring-fences) hold the sample's share ``s``
of their amounts; a national total that an area's row reads (an equity ratio's or a neighbour parity's
national £ per head) is divided by ``s``, so it stays the whole country's; rows defining national
totals, and any row of a sampled area that reads an area outside the sample, are left as they are or
left out. ``s`` is the sample's share of the areas' capacity (their columns' upper bounds: people
times the response curves' widths), which follows population. The sample's duals on national rows are
then the whole LP's starting prices; every other row starts at zero. Any prices are a valid start
(the solve's certificate does not depend on them), so a sample that has no optimum gives none.
"""

from __future__ import annotations

import math

import numpy as np

from allocator.model.assembly import LP
from allocator.model.highs_backend import HighsModel
from allocator.schema import SolverSpec

SAMPLE_AREAS = 400
"""About this many areas in the sample: 200 and 800 were measured slower at 3,500 areas."""


def sample_prices(
    lp: LP, cost: np.ndarray, spec: SolverSpec, time_limit_s: float, sample_areas: int | None = None
) -> np.ndarray | None:
    """Prices (one per row of ``lp``) from a sample of about ``sample_areas`` (``SAMPLE_AREAS``) of its
    areas; None when the LP has fewer than twice that many areas (the sample would be most of it) or the
    sample has no optimum in time."""
    sample_areas = sample_areas or SAMPLE_AREAS
    col_area, row_area = lp.col_area, lp.row_area
    if col_area is None or row_area is None:
        return None
    areas = np.unique(col_area[col_area >= 0])
    if len(areas) < 2 * sample_areas:
        return None
    sampled = np.zeros(int(areas.max()) + 1, dtype=bool)
    sampled[areas[:: math.ceil(len(areas) / sample_areas)]] = True
    has_area = col_area >= 0
    capacity = np.isfinite(lp.col_upper) & has_area
    size = np.bincount(col_area[capacity], weights=lp.col_upper[capacity], minlength=len(sampled))
    share = float(size[sampled].sum() / size.sum()) if size.sum() > 0 else 0.0
    if not 0.0 < share < 1.0:
        return None

    keep_col = ~has_area | sampled[np.maximum(col_area, 0)]
    rows = np.repeat(np.arange(lp.n_rows), np.diff(lp.start))
    cols = lp.index.astype(np.int64)
    national = row_area < 0
    outside = np.bincount(rows[~keep_col[cols]], minlength=lp.n_rows) > 0
    keep_row = national | (sampled[np.maximum(row_area, 0)] & (row_area >= 0) & ~outside)
    reads_national = np.bincount(rows[~has_area[cols]], minlength=lp.n_rows) > 0
    defines = national & reads_national & (lp.row_lower == 0) & (lp.row_upper == 0)
    amount = national & ~defines
    lower = np.where(amount, lp.row_lower * share, lp.row_lower)
    upper = np.where(amount, lp.row_upper * share, lp.row_upper)
    value = np.where((row_area[rows] >= 0) & ~has_area[cols], lp.value / share, lp.value)

    take = keep_row[rows] & keep_col[cols]
    new_col = np.cumsum(keep_col) - 1
    new_row = np.cumsum(keep_row) - 1
    r, c, v = new_row[rows[take]], new_col[cols[take]], value[take]  # still sorted by row
    n_rows, n_cols = int(keep_row.sum()), int(keep_col.sum())
    start = np.zeros(n_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(r, minlength=n_rows), out=start[1:])
    sample = LP(
        n_cols,
        n_rows,
        start,
        c.astype(np.int32),
        v,
        lp.col_lower[keep_col],
        lp.col_upper[keep_col],
        lower[keep_row],
        upper[keep_row],
        list,
        list,
    )
    # dual simplex, whatever the scenario asks: fastest at this size, and a vertex's duals (IPM's
    # crossover gave other prices, and a slower solve by area)
    simplex = spec.model_copy(update={"algorithm": "simplex"})
    solved = HighsModel(sample, cost[keep_col], simplex).solve(time_limit_s)
    if solved.status != "optimal" or solved.dual is None:
        return None
    prices = np.zeros(lp.n_rows)
    prices[np.nonzero(keep_row & national)[0]] = solved.dual[new_row[keep_row & national]]
    return prices
