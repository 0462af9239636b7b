"""Solve a settlement LP by area: Dantzig-Wolfe decomposition with a coordinator over the coupling rows.

The LP splits into one block per area (``decompose_split``) and the rows that couple areas. The
coordinator (``decompose_master``) chooses, for each area, a convex combination of plans that the
areas' own problems (``decompose_pricing``) have proposed, meeting the coupling rows; its duals are
prices on those rows, and each area's problem, priced so, proposes its next plan. When no area has a
plan worth more at the prices than what the coordinator gives it, the combination is optimal for the
whole LP: the Lagrangian bound (the coordinator's value plus every area's gain at the prices) meets the
coordinator's value, to ``GAP`` relative. The answer is then the monolithic optimum, with a certificate.
Rows of one area that read another's columns (neighbour parity, equity ratio) enter the coordinator
only once a combination breaks them; the bound is valid without them, and the answer meets them all.

The allocation returned is each area's chosen plan completed at its best (its interface fixed), so
every row holds; the duals are the coordinator's prices on coupling rows and the areas' own duals on
their rows, at the final prices.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import os
import time

import numpy as np

from allocator.model.assembly import LP
from allocator.model.decompose_master import Master
from allocator.model.decompose_prices import sample_prices
from allocator.model.decompose_split import Split, split_by_area
from allocator.model.decompose_workers import pricers
from allocator.model.highs_backend import Solution

logger = logging.getLogger(__name__)

AUTO_AREAS = 1500
"""From this many areas ``solver.method: auto`` decomposes: a little above the measured break-even
(about 1,000 areas, ``benchmarks/break_even.py``, docs/performance.md), as one model also keeps a live
model for what-ifs."""
GAP = 1e-9
"""Relative gap between the Lagrangian bound and the coordinator's value at which the solve stops."""
FEASIBLE = 1e-7
"""How far (model units) a coupling row may be missed: HiGHS's own primal feasibility tolerance."""
KEEP_PLANS = 3
"""Plans kept in the coordinator's problem, as a multiple of its rows (its basis): at 3,500 areas 3
solved in 25.8-27.6 s (52 rounds), 2 in 33.0 s, 6 in 29.5-33.0 s (56 rounds), 12 in 33.4 s."""
AUTO_WORKERS_AREAS = 1000
"""From this many areas ``solver.workers: auto`` uses a process per core."""
SAMPLE_SHARE = 0.1
"""The most of the time limit the sample's LP may take (it took about 3 s of 45 at 3,500 areas)."""
PARTIAL = 0.25
"""Once fewer than this share of the areas gain from a new plan, only those areas are priced, until a
round of them finds nothing (then every area is priced again, which alone can end the solve)."""


def _adjustment(split: Split, pi: np.ndarray) -> np.ndarray:
    """``(A^T pi)`` on each interface column: what the coupling rows' prices take off its cost."""
    c_row, c_col, c_val = split.coupling
    pos = split.if_pos[c_col]
    keep = pos >= 0
    return np.bincount(pos[keep], weights=c_val[keep] * pi[c_row[keep]], minlength=split.n_if)


def _valid(lp: LP, pi: np.ndarray) -> np.ndarray:
    """Prices with the sign their row allows (a row with no upper bound cannot have a positive price)."""
    pi = np.where(np.isfinite(lp.row_upper), pi, np.minimum(pi, 0.0))
    return np.where(np.isfinite(lp.row_lower), pi, np.maximum(pi, 0.0))


def _bound(lp: LP, split: Split, cost: np.ndarray, pi: np.ndarray, priced: np.ndarray) -> float:
    """The Lagrangian bound at prices ``pi``: the most any allocation can be worth when the coupling
    rows are priced rather than imposed (``priced``: each area's best value at these prices)."""
    rows = split.coupling_rows
    p = pi[rows]
    side = np.where(p > 0, lp.row_upper[rows], np.where(p < 0, lp.row_lower[rows], 0.0))
    total = float(np.sum(p * side))
    c_row, c_col, c_val = split.coupling
    cols = split.master_cols
    reduced = cost[cols] - np.bincount(c_col, weights=c_val * pi[c_row], minlength=lp.n_cols)[cols]
    reduced = np.where(np.abs(reduced) < 1e-9, 0.0, reduced)
    best = np.where(reduced > 0, lp.col_upper[cols], lp.col_lower[cols])
    with np.errstate(invalid="ignore"):
        total += float(np.sum(np.where(reduced != 0, reduced * best, 0.0)))
    return total + float(priced.sum())


def _broken(lp: LP, split: Split, master: Master) -> np.ndarray:
    """Coupling rows not yet in the coordinator that its current combination breaks."""
    c_row, c_col, c_val = split.coupling
    values = np.zeros(lp.n_cols)
    values[split.if_cols] = master.interface_values()
    values[split.master_cols] = master.static_values()
    activity = np.bincount(c_row, weights=c_val * values[c_col], minlength=lp.n_rows)
    rows = split.coupling_rows[split.lazy]
    rows = rows[master.row_of[rows] < 0]
    act, lo, hi = activity[rows], lp.row_lower[rows], lp.row_upper[rows]
    tol = FEASIBLE * (1.0 + np.maximum(np.abs(np.where(np.isfinite(lo), lo, 0)), np.abs(act)))
    return rows[(act < lo - tol) | (act > hi + tol)]


def worker_count(spec, n_areas: int) -> int:
    """Processes for the areas' problems: ``solver.workers``, or for ``auto`` one per core from
    ``AUTO_WORKERS_AREAS`` areas (3,500 areas: 44 s against 56 s with one, the formula's LPs in their own
    process at the same time; docs/performance.md), one below (a process costs about a second)."""
    if spec.workers != "auto":
        return spec.workers
    if n_areas < AUTO_WORKERS_AREAS:
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


def area_count(lp: LP) -> int:
    """How many areas the LP's columns belong to (0 if it does not record them)."""
    if lp.col_area is None or not len(lp.col_area):
        return 0
    return len(np.unique(lp.col_area[lp.col_area >= 0]))


def solve_decomposed(
    lp: LP,
    cost: np.ndarray,
    spec,
    time_limit_s: float,
    prices: np.ndarray | None = None,
    sample: bool = False,
) -> Solution:
    """Solve ``lp`` (maximising ``cost``) by decomposition by area; a :class:`Solution` as a
    monolithic solve returns it (values, row duals, objective), with the rounds in ``iterations``.

    ``spec``: the scenario's solver options (``workers``, ``threads``); ``prices``: duals of an earlier
    solve of a similar LP (one per row) to start from; without them and with ``sample``, prices from a
    sample of the areas where the LP is large enough (``decompose_prices``). The scenario's own LP gains
    from a sample (94.8 s to 49.1 s at 3,500 areas); the formula's year-by-year LPs lost (20 s to 26 s),
    so they do not sample.
    """
    t0 = time.perf_counter()
    with ByArea(lp, cost, spec) as live:
        return live.solve(time_limit_s - (time.perf_counter() - t0), prices, sample, t0)


class ByArea:
    """An LP split by area with its areas' problems started (worker processes too), kept for more
    solves of it under other costs or other bounds on its coupling rows: each area then starts from its
    last basis, and no process is started again (the formula's second LP of a year). The same methods
    as a live HiGHS model; close it (or leave its ``with`` block) to stop the workers."""

    def __init__(self, lp: LP, cost: np.ndarray, spec):
        t0 = time.perf_counter()
        self.lp, self.spec = lp, spec
        self.cost = np.asarray(cost, dtype=float)
        self.split = split_by_area(lp)
        self._stack = contextlib.ExitStack()
        self.pool = self._stack.enter_context(
            pricers(lp, self.split, self.cost, worker_count(spec, self.split.n_areas), spec.threads)
        )
        logger.debug("split and workers started: %.2f s", time.perf_counter() - t0)

    def __enter__(self) -> ByArea:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._stack.close()

    def set_costs(self, cost: np.ndarray) -> None:
        self.cost = np.asarray(cost, dtype=float).copy()
        self.pool.set_cost(self.cost)

    def set_row_bounds(self, rows: np.ndarray, lower, upper) -> None:
        """New bounds on coupling rows (the areas' own rows are fixed for the life of the split)."""
        rows = np.asarray(rows, dtype=np.int64)
        if np.any(self.split.row_block[rows] >= 0):
            raise ValueError("only the bounds of rows that couple areas can change between solves by area")
        row_lower, row_upper = self.lp.row_lower.copy(), self.lp.row_upper.copy()
        row_lower[rows], row_upper[rows] = lower, upper
        self.lp = dataclasses.replace(self.lp, row_lower=row_lower, row_upper=row_upper)

    def solve(
        self,
        time_limit_s: float,
        prices: np.ndarray | None = None,
        sample: bool = False,
        t0: float | None = None,
    ) -> Solution:
        """Solve under the current costs and bounds (``solve_decomposed`` says what ``prices`` and
        ``sample`` do); a fresh coordinator each time, the areas' problems warm from the last."""
        lp, split, cost = self.lp, self.split, self.cost
        t0 = time.perf_counter() if t0 is None else t0
        if prices is None and sample:
            t = time.perf_counter()
            prices = sample_prices(lp, cost, self.spec, SAMPLE_SHARE * time_limit_s)
            logger.debug("prices from a sample of the areas: %.2f s", time.perf_counter() - t)
        master = Master(lp, split, cost, self.spec.threads)
        master.add_rows(split.coupling_rows[~split.lazy])
        outcome = _Rounds(lp, split, cost, master, self.pool, t0 + time_limit_s).run(prices)
        if outcome.status != "optimal":
            outcome.seconds = time.perf_counter() - t0
            return outcome
        done = self.pool.complete(master.interface_values())
        if done is None:
            return Solution(
                "error", None, None, None, time.perf_counter() - t0, message="completing the plans"
            )
        x_block, local_dual = done
        x = np.zeros(lp.n_cols)
        x[split.block_cols] = x_block
        x[split.master_cols] = master.static_values()
        dual = np.zeros(lp.n_rows)
        dual[split.local_rows] = local_dual
        pi, _ = master.prices()
        dual[split.coupling_rows] = pi[split.coupling_rows]
        outcome.x, outcome.dual, outcome.objective = x, dual, float(cost @ x)
        outcome.seconds = time.perf_counter() - t0
        return outcome


class _Rounds:
    """The rounds of one decomposed solve: coordinator, prices, new plans, until the bound meets."""

    def __init__(self, lp: LP, split: Split, cost: np.ndarray, master: Master, pool, end: float):
        self.lp, self.split, self.cost, self.master, self.pool, self.end = lp, split, cost, master, pool, end
        self.if_block = split.col_block[split.if_cols]
        self.best = np.inf
        self.info = {
            "rounds": 0,
            "priced": 0,
            "rows_added": 0,
            "plans_dropped": 0,
            "price_s": 0.0,
            "master_s": 0.0,
        }

    def _stop(self, status: str, message: str = "") -> Solution:
        return Solution(
            status, None, None, None, 0.0, self.info["rounds"], message, {"decomposition": self.info}
        )

    def run(self, prices: np.ndarray | None) -> Solution:
        split, master, info = self.split, self.master, self.info
        t = time.perf_counter()
        first = self._price(np.zeros(split.n_if), 2, None)
        logger.debug("first plans: %.2f s", time.perf_counter() - t)
        if first is None:
            return self._stop("infeasible")
        master.add_plans(np.arange(split.n_areas), first[1], first[2])
        if prices is not None:
            rows = split.coupling_rows[split.lazy & (prices[split.coupling_rows] != 0)]
            master.add_rows(rows)
            got = self._price(_adjustment(split, _valid(self.lp, prices)), 2, None)
            master.add_plans(np.arange(split.n_areas), got[1], got[2])
        phase, partial, last = 1, None, -np.inf
        master.set_phase(1)
        while True:
            info["rounds"] += 1
            if time.perf_counter() > self.end:
                return self._stop("time_limit")
            t, c = time.perf_counter(), time.process_time()
            status = master.solve()
            info["master_s"] += time.perf_counter() - t
            info["master_cpu"] = info.get("master_cpu", 0.0) + time.process_time() - c
            logger.debug(
                "master %.3f s cpu, %d iterations, %d plans, %d rows",
                time.process_time() - c,
                master.iterations,
                master.n_plans,
                master.n_rows,
            )
            if status == "infeasible" and phase == 2:  # rows just added: feasibility first
                phase = 1
                master.set_phase(1)
                continue
            if status != "optimal":
                return self._stop("error", f"the coordinator's problem: {status}")
            if phase == 1 and master.artificial <= FEASIBLE:
                phase = 2
                master.set_phase(2)
                continue
            if phase == 2:
                broken = _broken(self.lp, split, master)
                if len(broken):
                    master.add_rows(broken)
                    info["rows_added"] += len(broken)
                    continue
            info["plans_dropped"] += master.drop_plans(KEEP_PLANS * master.n_rows)
            pi, mu = master.prices()
            priced = self._price(_adjustment(split, _valid(self.lp, pi)), phase, partial)
            if priced is None:
                return self._stop("infeasible")
            value, true, x_if = priced
            gain = value - mu
            if partial is not None:
                gain = np.where(np.isin(np.arange(split.n_areas), partial), gain, 0.0)
            better = np.nonzero(gain > GAP * (1.0 + np.abs(mu)))[0]
            total = float(np.maximum(gain, 0.0).sum())
            objective = master.objective
            if phase == 2 and partial is None:
                self.best = min(self.best, _bound(self.lp, split, self.cost, _valid(self.lp, pi), value))
            logger.debug(
                "round %d phase %d%s: objective %.12g, bound %.12g, %d better plans",
                info["rounds"],
                phase,
                " (partial)" if partial is not None else "",
                objective,
                self.best,
                len(better),
            )
            if partial is None:
                if phase == 1 and total <= FEASIBLE * 1e-2:
                    return self._stop("infeasible")  # no plan reduces the coupling rows' misses
                if phase == 2 and (
                    not len(better) or self.best - objective <= GAP * max(1.0, abs(objective))
                ):
                    info["bound_gap"] = self.best - objective
                    return Solution(
                        "optimal", None, None, objective, 0.0, info["rounds"], extra={"decomposition": info}
                    )
            master.add_plans(better, true[better], x_if)
            # price only the areas still gaining once they are few; everyone again when they stop, or
            # when their plans stop raising the coordinator's value (only a full round can end the solve)
            stalled = partial is not None and objective <= last + GAP * max(1.0, abs(objective))
            few = phase == 2 and 0 < len(better) < PARTIAL * split.n_areas and not stalled
            partial = better if few else None
            last = objective

    def _price(self, adj: np.ndarray, phase: int, blocks: np.ndarray | None):
        t, c = time.perf_counter(), time.process_time()
        out = self.pool.price(adj, phase, blocks)
        self.info["price_s"] += time.perf_counter() - t
        self.info["price_cpu"] = self.info.get("price_cpu", 0.0) + time.process_time() - c
        self.info["priced"] += self.split.n_areas if blocks is None else len(blocks)
        return out
