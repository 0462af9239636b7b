"""The per-area problems of the decomposition, solved many at a time.

Each area's problem is its block of the LP: its own columns (response segments, totals, slacks of its
own rows) under its own rows, with the coordinator's prices on the columns it shares with other areas.
The blocks are tiny (about T x S x K columns), so one HiGHS model holds a batch of them side by side (a
block-diagonal LP) rather than one model per area. Between rounds only the prices (the costs of
interface columns) change, and each batch starts from its last basis: its HiGHS model is kept alive
while memory allows (about 0.2 MB per area), and is otherwise made again from the batch's arrays and
given its last basis (about a fifth slower; measured in docs/performance.md).

A :class:`Pricer` holds the batches of a contiguous range of blocks; the coordinator runs one in its
own process or one per worker process (``allocator.model.decompose_workers``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from allocator.model.highs_backend import quiet_stdout

BATCH_AREAS = 24
"""Areas per HiGHS model: large enough to share the per-call cost, small enough that the simplex work
per price change stays local (measured: 24 beat 1, 6 and 96)."""
LIVE_AREAS = 12_000
"""Areas whose HiGHS models a pricer keeps alive (about 2.4 GB); beyond that, models are made again."""


@dataclass
class BlockData:
    """The part of an LP a pricer needs: its blocks' columns and local rows (CSR), nothing else."""

    n_blocks: int
    col_ptr: np.ndarray
    """Start of each block's columns (length n_blocks + 1, from 0)."""
    row_ptr: np.ndarray
    cost: np.ndarray
    """The maximised cost of each column."""
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    start: np.ndarray
    """CSR of the local rows, column indices local to this data."""
    index: np.ndarray
    value: np.ndarray
    if_local: np.ndarray
    """Positions (in this data's columns) of the interface columns, grouped by block."""
    if_ptr: np.ndarray


def ranges(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, e) for each pair."""
    lengths = ends - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    offsets = np.repeat(starts - np.concatenate([[0], np.cumsum(lengths)[:-1]]), lengths)
    return offsets + np.arange(total, dtype=np.int64)


def block_data(lp, split, cost: np.ndarray, lo: int, hi: int) -> BlockData:
    """The data of blocks ``lo..hi-1`` of ``split`` (an LP split by area)."""
    c0, c1 = split.col_ptr[lo], split.col_ptr[hi]
    r0, r1 = split.row_ptr[lo], split.row_ptr[hi]
    cols = split.block_cols[c0:c1]
    rows = split.local_rows[r0:r1]
    local = np.full(lp.n_cols, -1, dtype=np.int64)
    local[cols] = np.arange(len(cols))
    take = ranges(lp.start[rows], lp.start[rows + 1])
    start = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum(np.diff(lp.start)[rows], out=start[1:])
    i0, i1 = split.if_ptr[lo], split.if_ptr[hi]
    return BlockData(
        n_blocks=hi - lo,
        col_ptr=split.col_ptr[lo : hi + 1] - c0,
        row_ptr=split.row_ptr[lo : hi + 1] - r0,
        cost=np.asarray(cost, dtype=float)[cols],
        col_lower=lp.col_lower[cols],
        col_upper=lp.col_upper[cols],
        row_lower=lp.row_lower[rows],
        row_upper=lp.row_upper[rows],
        start=start,
        index=local[lp.index[take]],
        value=lp.value[take],
        if_local=local[split.if_cols[i0:i1]],
        if_ptr=split.if_ptr[lo : hi + 1] - i0,
    )


class _Batch:
    """Blocks ``lo..hi-1`` of a pricer's data side by side in one HiGHS model."""

    def __init__(self, d: BlockData, lo: int, hi: int, threads: int):
        self.d, self.threads = d, threads
        self.c0, self.c1 = int(d.col_ptr[lo]), int(d.col_ptr[hi])
        self.r0, self.r1 = int(d.row_ptr[lo]), int(d.row_ptr[hi])
        self.cost = np.zeros(self.c1 - self.c0)
        self.lower = d.col_lower[self.c0 : self.c1].copy()
        self.upper = d.col_upper[self.c0 : self.c1].copy()
        self.h = None
        self.basis = None

    def _model(self):
        import highspy

        if self.h is not None:
            return self.h
        d = self.d
        n_cols, n_rows = self.c1 - self.c0, self.r1 - self.r0
        start = d.start[self.r0 : self.r1 + 1]
        with quiet_stdout():
            h = highspy.Highs()
        options = {
            "output_flag": False,
            "threads": self.threads,
            "presolve": "off",
            # the bound sums every area's best value: each must be optimal well within the gap at
            # which the solve stops (decompose.GAP), or the bound falls short and ends it early
            "dual_feasibility_tolerance": 1e-10,
        }
        for name, value in options.items():
            h.setOptionValue(name, value)
        status = h.passModel(
            n_cols,
            n_rows,
            int(start[-1] - start[0]),
            int(highspy.MatrixFormat.kRowwise),
            int(highspy.ObjSense.kMinimize),
            0.0,
            -self.cost,
            self.lower,
            self.upper,
            d.row_lower[self.r0 : self.r1],
            d.row_upper[self.r0 : self.r1],
            (start - start[0]).astype(np.int32),
            (d.index[start[0] : start[-1]] - self.c0).astype(np.int32),
            d.value[start[0] : start[-1]],
            np.zeros(n_cols, dtype=np.int32),
        )
        if status == highspy.HighsStatus.kError:
            raise RuntimeError("HiGHS refused an area's problem")
        if self.basis is not None:
            h.setBasis(self.basis)
        self.h = h
        return h

    def solve(self, cost: np.ndarray, keep: bool) -> tuple[np.ndarray | None, np.ndarray | None]:
        """Maximise ``cost`` (this batch's columns); returns (column values, row duals), or Nones if
        the blocks have no feasible plan. ``keep``: keep the HiGHS model alive for the next solve."""
        import highspy

        fresh = self.h is None
        changed = np.nonzero(cost != self.cost)[0]
        self.cost = cost.copy()
        h = self._model()
        if len(changed) and not fresh:
            h.changeColsCost(len(changed), changed.astype(np.int32), -cost[changed])
        h.run()
        ok = h.getModelStatus() == highspy.HighsModelStatus.kOptimal
        out = (None, None)
        if ok:
            sol = h.getSolution()
            out = (np.asarray(sol.col_value), -np.asarray(sol.row_dual))
        if not keep:
            self.basis = h.getBasis() if ok else None
            self.h = None
        return out

    def set_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        """New bounds on columns (batch positions): the interface fixed for the final completion, and
        freed again after it."""
        lower, upper = np.array(lower, dtype=float), np.array(upper, dtype=float)
        self.lower[cols], self.upper[cols] = lower, upper
        if self.h is not None:
            self.h.changeColsBounds(len(cols), np.asarray(cols, dtype=np.int32), lower, upper)


class Pricer:
    """The per-area problems of a range of blocks, in batches of HiGHS models."""

    def __init__(
        self, d: BlockData, batch_areas: int = BATCH_AREAS, threads: int = 1, live_areas: int = LIVE_AREAS
    ):
        self.d = d
        self.edges = np.array([*range(0, d.n_blocks, batch_areas), d.n_blocks])
        self.batches = [
            _Batch(d, lo, hi, threads) for lo, hi in zip(self.edges[:-1], self.edges[1:], strict=True)
        ]
        self.live = max(0, live_areas // batch_areas)
        self.x = np.zeros(len(d.cost))
        self.row_dual = np.zeros(len(d.row_lower))
        self.block_of_col = np.repeat(np.arange(d.n_blocks), np.diff(d.col_ptr))

    def price(
        self, adj: np.ndarray, phase: int, blocks: np.ndarray | None = None
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Each block's best plan at prices ``adj`` (one per interface column, subtracted from its cost;
        phase 1 prices feasibility alone: no other cost); only the batches holding ``blocks`` if given
        (the others' results are then those of their last pricing).

        Returns (the plan's priced value, its true value, its interface values) per block, or None if a
        block has no plan (an area's own rules contradict each other).
        """
        d = self.d
        cost = d.cost.copy() if phase == 2 else np.zeros(len(d.cost))
        cost[d.if_local] -= adj
        todo = range(len(self.batches))
        if blocks is not None:
            todo = np.unique(np.searchsorted(self.edges, blocks, side="right") - 1)
        for i in todo:
            b = self.batches[i]
            x, dual = b.solve(cost[b.c0 : b.c1], keep=i < self.live)
            if x is None:
                return None
            self.x[b.c0 : b.c1] = x
            self.row_dual[b.r0 : b.r1] = dual
        priced = np.bincount(self.block_of_col, weights=cost * self.x, minlength=d.n_blocks)
        true = np.bincount(self.block_of_col, weights=d.cost * self.x, minlength=d.n_blocks)
        return priced, true, self.x[d.if_local]

    def set_cost(self, cost: np.ndarray) -> None:
        """A new cost of this data's columns (the next solve's)."""
        self.d = dataclasses.replace(self.d, cost=np.asarray(cost, dtype=float))

    def complete(self, x_if: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Every column's value with the interface columns fixed at ``x_if`` (each area's plan that the
        coordinator chose, completed at its best), and the local rows' duals of the last pricing. The
        interface is freed again afterwards, for another solve."""
        d = self.d
        dual = self.row_dual.copy()
        lower, upper = d.col_lower[d.if_local], d.col_upper[d.if_local]
        values = np.clip(x_if, lower, upper)
        for i, b in enumerate(self.batches):
            inside = (d.if_local >= b.c0) & (d.if_local < b.c1)
            cols = d.if_local[inside] - b.c0
            b.set_bounds(cols, values[inside], values[inside])
            x, _ = b.solve(b.cost, keep=i < self.live)
            b.set_bounds(cols, lower[inside], upper[inside])
            if x is None:
                return None
            self.x[b.c0 : b.c1] = x
        return self.x.copy(), dual
