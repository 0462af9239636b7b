"""The coordinator's problem (the restricted master of Dantzig-Wolfe decomposition).

Its rows are the coupling rows in play and one convexity row per area; its columns are the LP's own
columns of no area (national totals, slacks of coupling rows), artificial columns that let a coupling
row be missed during phase 1, and one column per area plan the pricing has proposed (``lambda``: how
much of that plan the area takes; an area's lambdas sum to 1). A plan enters a coupling row through its
interface values (its totals, its ring-fenced stream), which are kept so that rows added later get their
coefficients for every plan already proposed.

Phase 1 maximises minus the artificial columns (feasibility of the coupling rows); phase 2 the LP's
objective with the artificial columns fixed at 0. Plans that have long been priced out are dropped
(:meth:`Master.drop_plans`) so that the coordinator's problem stays a few times the size of its basis.
"""

from __future__ import annotations

import numpy as np

from allocator.model.decompose_pricing import ranges
from allocator.model.decompose_split import Split
from allocator.model.highs_backend import quiet_stdout

STATIC, ARTIFICIAL, PLAN = 0, 1, 2


def _check(status) -> None:
    import highspy

    if status == highspy.HighsStatus.kError:
        raise RuntimeError("HiGHS refused a change to the coordinator's problem")


class Master:
    """The restricted master LP, kept alive in HiGHS."""

    def __init__(self, lp, split: Split, cost: np.ndarray, threads: int = 1):
        import highspy

        self.lp, self.split, self.cost = lp, split, np.asarray(cost, dtype=float)
        with quiet_stdout():
            self.h = highspy.Highs()
        for name, value in {
            "output_flag": False,
            "threads": threads,
            "presolve": "off",
            # new plans leave the last basis primal feasible: primal simplex goes on from it
            "simplex_strategy": 4,
            # below the gain at which a plan counts as better (decompose.GAP): a plan HiGHS would
            # leave out as not improving would otherwise be proposed again and again
            "dual_feasibility_tolerance": 1e-10,
        }.items():
            _check(self.h.setOptionValue(name, value))
        self.n_areas = split.n_areas
        # master rows: convexity rows first (0..n_areas-1), then coupling rows as they come in
        self.row_of = np.full(lp.n_rows, -1, dtype=np.int64)
        self.rows = np.zeros(0, dtype=np.int64)
        ones = np.ones(self.n_areas)
        _check(self.h.addRows(self.n_areas, ones, ones, 0, np.zeros(self.n_areas + 1, np.int32), [], []))
        # master columns: kind, true (maximised) cost, and the LP column of static ones
        self.kind = np.zeros(0, dtype=np.int8)
        self.true_cost = np.zeros(0)
        self.col_of = np.full(lp.n_cols, -1, dtype=np.int64)
        # plans: master column, block, interface values (flat; plan j's in [off[j], off[j+1]))
        self.plan_col = np.zeros(0, dtype=np.int64)
        self.plan_block = np.zeros(0, dtype=np.int64)
        self.plan_off = np.zeros(1, dtype=np.int64)
        self.plan_values = np.zeros(0)
        self.phase = 1
        self.values = np.zeros(0)
        self.duals = np.zeros(self.n_areas)
        c_row = split.coupling[0]
        self._c_rowptr = np.searchsorted(c_row, np.arange(lp.n_rows + 1))
        self.is_static = np.zeros(lp.n_cols, dtype=bool)
        self.is_static[split.master_cols] = True

    @property
    def n_rows(self) -> int:
        return self.n_areas + len(self.rows)

    @property
    def n_plans(self) -> int:
        return len(self.plan_col)

    # --- columns -----------------------------------------------------------------------------------

    def _phase_cost(self, kind: np.ndarray, true_cost: np.ndarray) -> np.ndarray:
        if self.phase == 2:
            return np.where(kind == ARTIFICIAL, 0.0, true_cost)
        return np.where(kind == ARTIFICIAL, -1.0, 0.0)

    def _add_columns(
        self, kind: int, true_cost: np.ndarray, lower, upper, ptr: np.ndarray, rows: np.ndarray, values
    ) -> np.ndarray:
        """Append columns (CSC: ``ptr`` per column into ``rows``/``values``); returns their indices."""
        n = len(true_cost)
        kinds = np.full(n, kind, dtype=np.int8)
        upper = np.zeros(n) if (kind == ARTIFICIAL and self.phase == 2) else np.broadcast_to(upper, (n,))
        _check(
            self.h.addCols(
                n,
                -self._phase_cost(kinds, np.asarray(true_cost, float)),
                np.broadcast_to(np.asarray(lower, float), (n,)).copy(),
                np.asarray(upper, float).copy(),
                len(values),
                ptr[:-1].astype(np.int32),
                rows.astype(np.int32),
                np.asarray(values, float),
            )
        )
        first = len(self.kind)
        self.kind = np.concatenate([self.kind, kinds])
        self.true_cost = np.concatenate([self.true_cost, true_cost])
        self.values = np.concatenate([self.values, np.zeros(n)])
        return np.arange(first, first + n)

    def add_plans(self, blocks: np.ndarray, true_value: np.ndarray, x_if: np.ndarray) -> None:
        """Add one plan per entry of ``blocks`` (``x_if``: the round's interface values, every area)."""
        if not len(blocks):
            return
        sp = self.split
        lo, hi = sp.if_ptr[blocks], sp.if_ptr[blocks + 1]
        flat = x_if[ranges(lo, hi)]
        off = np.concatenate([[0], np.cumsum(hi - lo)])
        ptr, mrow, val = self._entries(blocks, flat, off, self.rows)
        # each plan's convexity row first, then its coupling rows
        n = len(blocks)
        col_ptr = np.arange(n + 1) + ptr
        rows = np.empty(col_ptr[-1], dtype=np.int64)
        vals = np.empty(col_ptr[-1])
        first = np.zeros(col_ptr[-1], dtype=bool)
        first[col_ptr[:-1]] = True
        rows[first], vals[first] = blocks, 1.0
        rows[~first], vals[~first] = mrow, val
        cols = self._add_columns(PLAN, true_value, 0.0, np.inf, col_ptr, rows, vals)
        self.plan_col = np.concatenate([self.plan_col, cols])
        self.plan_block = np.concatenate([self.plan_block, blocks])
        self.plan_off = np.concatenate([self.plan_off, self.plan_off[-1] + off[1:]])
        self.plan_values = np.concatenate([self.plan_values, flat])

    def _entries(
        self, blocks: np.ndarray, flat: np.ndarray, off: np.ndarray, lp_rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Coefficients of plans (their blocks; interface values ``flat``, plan j's from ``off[j]``) in
        the coupling rows ``lp_rows`` (already in play): CSC (ptr per plan, master rows, values)."""
        sp = self.split
        c_row, c_col, c_val = sp.coupling
        take = ranges(self._c_rowptr[lp_rows], self._c_rowptr[lp_rows + 1])
        take = take[sp.if_pos[c_col[take]] >= 0]
        e_block = sp.col_block[c_col[take]]
        order = np.argsort(e_block, kind="stable")
        take, e_block = take[order], e_block[order]
        e_ptr = np.searchsorted(e_block, np.arange(self.n_areas + 1))
        plan = np.repeat(np.arange(len(blocks)), e_ptr[blocks + 1] - e_ptr[blocks])
        e = take[ranges(e_ptr[blocks], e_ptr[blocks + 1])]
        col = c_col[e]
        pos = sp.if_pos[col] - sp.if_ptr[sp.col_block[col]]
        values = c_val[e] * flat[off[plan] + pos]
        # sum repeated (plan, row) pairs
        width = self.n_rows + 1
        uniq, inverse = np.unique(plan * width + self.row_of[c_row[e]], return_inverse=True)
        summed = np.bincount(inverse, weights=values, minlength=len(uniq))
        ptr = np.searchsorted(uniq // width, np.arange(len(blocks) + 1))
        return ptr, uniq % width, summed

    def drop_plans(self, keep: int) -> int:
        """Drop the plans (not in the basis) that the prices value least, down to ``keep`` plans;
        returns how many were dropped. Any of them would be proposed again if it became worth it."""
        import highspy

        excess = self.n_plans - int(keep)
        if excess <= 0:
            return 0
        status = np.asarray(self.h.getBasis().col_status)
        reduced = -np.asarray(self.h.getSolution().col_dual)
        basic = status[self.plan_col] == highspy.HighsBasisStatus.kBasic
        candidates = np.nonzero(~basic & (self.values[self.plan_col] <= 0))[0]
        drop = candidates[np.argsort(reduced[self.plan_col[candidates]], kind="stable")[:excess]]
        if not len(drop):
            return 0
        cols = np.sort(self.plan_col[drop])
        _check(self.h.deleteCols(len(cols), cols.astype(np.int32)))
        alive = np.ones(len(self.kind), dtype=bool)
        alive[cols] = False
        new_index = np.cumsum(alive) - 1
        self.kind, self.true_cost, self.values = self.kind[alive], self.true_cost[alive], self.values[alive]
        static = self.col_of >= 0
        self.col_of[static] = new_index[self.col_of[static]]
        kept = np.ones(self.n_plans, dtype=bool)
        kept[drop] = False
        lengths = np.diff(self.plan_off)
        self.plan_values = self.plan_values[np.repeat(kept, lengths)]
        self.plan_off = np.concatenate([[0], np.cumsum(lengths[kept])])
        self.plan_col = new_index[self.plan_col[kept]]
        self.plan_block = self.plan_block[kept]
        return len(cols)

    # --- rows --------------------------------------------------------------------------------------

    def add_rows(self, lp_rows: np.ndarray) -> None:
        """Bring coupling rows into play, with their coefficients for every plan so far, the LP columns
        of no area they read, and their artificial columns."""
        lp_rows = np.asarray(lp_rows, dtype=np.int64)
        if not len(lp_rows):
            return
        lp = self.lp
        first = self.n_rows
        self.row_of[lp_rows] = np.arange(first, first + len(lp_rows))
        self.rows = np.concatenate([self.rows, lp_rows])
        c_row, c_col, c_val = self.split.coupling
        take = ranges(self._c_rowptr[lp_rows], self._c_rowptr[lp_rows + 1])
        static = take[self.is_static[c_col[take]]]
        have = self.col_of[c_col[static]] >= 0
        r = [self.row_of[c_row[static[have]]]]
        c = [self.col_of[c_col[static[have]]]]
        v = [c_val[static[have]]]
        if self.n_plans:
            ptr, mrow, val = self._entries(self.plan_block, self.plan_values, self.plan_off, lp_rows)
            r.append(mrow)
            c.append(np.repeat(self.plan_col, np.diff(ptr)))
            v.append(val)
        r, c, v = np.concatenate(r) - first, np.concatenate(c), np.concatenate(v)
        order = np.lexsort((c, r))
        r, c, v = r[order], c[order], v[order]
        start = np.zeros(len(lp_rows) + 1, dtype=np.int64)
        np.cumsum(np.bincount(r, minlength=len(lp_rows)), out=start[1:])
        lo, hi = lp.row_lower[lp_rows], lp.row_upper[lp_rows]
        _check(
            self.h.addRows(len(lp_rows), lo, hi, len(v), start[:-1].astype(np.int32), c.astype(np.int32), v)
        )
        self.duals = np.concatenate([self.duals, np.zeros(len(lp_rows))])
        new = np.unique(c_col[static[~have]])
        if len(new):
            self._add_static(new)
        # artificial columns: +1 where the row has a lower bound, -1 where it has an upper bound
        mrows = np.arange(first, first + len(lp_rows))
        art_rows = np.concatenate([mrows[np.isfinite(lo)], mrows[np.isfinite(hi)]])
        art_vals = np.concatenate([np.ones(np.isfinite(lo).sum()), -np.ones(np.isfinite(hi).sum())])
        n = len(art_rows)
        self._add_columns(ARTIFICIAL, np.zeros(n), 0.0, np.inf, np.arange(n + 1), art_rows, art_vals)

    def _add_static(self, cols: np.ndarray) -> None:
        """LP columns of no area, with their entries in the rows in play."""
        lp = self.lp
        c_row, c_col, c_val = self.split.coupling
        mine = np.isin(c_col, cols) & (self.row_of[c_row] >= 0)
        r, pos, v = self.row_of[c_row[mine]], np.searchsorted(cols, c_col[mine]), c_val[mine]
        order = np.lexsort((r, pos))
        r, pos, v = r[order], pos[order], v[order]
        ptr = np.zeros(len(cols) + 1, dtype=np.int64)
        np.cumsum(np.bincount(pos, minlength=len(cols)), out=ptr[1:])
        index = self._add_columns(STATIC, self.cost[cols], lp.col_lower[cols], lp.col_upper[cols], ptr, r, v)
        self.col_of[cols] = index

    # --- phases and solving ------------------------------------------------------------------------

    def set_phase(self, phase: int) -> None:
        if phase == self.phase:
            return
        self.phase = phase
        n = len(self.kind)
        _check(
            self.h.changeColsCost(
                n, np.arange(n, dtype=np.int32), -self._phase_cost(self.kind, self.true_cost)
            )
        )
        art = np.nonzero(self.kind == ARTIFICIAL)[0].astype(np.int32)
        hi = np.zeros(len(art)) if phase == 2 else np.full(len(art), np.inf)
        _check(self.h.changeColsBounds(len(art), art, np.zeros(len(art)), hi))

    def solve(self) -> str:
        """Solve; returns ``optimal``, ``infeasible`` or HiGHS's status in words."""
        import highspy

        self.h.run()
        status = self.h.getModelStatus()
        if status == highspy.HighsModelStatus.kUnknown:
            # seen after rows came in with prices from elsewhere: primal simplex stalled from the last
            # basis; solved again from no basis, by dual simplex, the problem is solved
            self.h.clearSolver()
            _check(self.h.setOptionValue("simplex_strategy", 1))
            self.h.run()
            _check(self.h.setOptionValue("simplex_strategy", 4))
            status = self.h.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            sol = self.h.getSolution()
            self.values = np.asarray(sol.col_value)
            self.duals = -np.asarray(sol.row_dual)
            return "optimal"
        if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return "infeasible"
        return self.h.modelStatusToString(status)

    @property
    def iterations(self) -> int:
        return int(self.h.getInfo().simplex_iteration_count)

    @property
    def objective(self) -> float:
        """The phase's objective at the last solve (maximised)."""
        return float(self._phase_cost(self.kind, self.true_cost) @ self.values)

    @property
    def artificial(self) -> float:
        return float(self.values[self.kind == ARTIFICIAL].sum())

    def prices(self) -> tuple[np.ndarray, np.ndarray]:
        """(pi per LP row: the dual of coupling rows in play, 0 elsewhere; mu per block)."""
        pi = np.zeros(self.lp.n_rows)
        pi[self.rows] = self.duals[self.n_areas :]
        return pi, self.duals[: self.n_areas]

    def interface_values(self) -> np.ndarray:
        """Each area's interface values: its plans combined by their lambdas."""
        if not self.n_plans:
            return np.zeros(self.split.n_if)
        lam = self.values[self.plan_col]
        lengths = np.diff(self.plan_off)
        plan = np.repeat(np.arange(self.n_plans), lengths)
        pos = (
            self.split.if_ptr[self.plan_block][plan] + np.arange(len(self.plan_values)) - self.plan_off[plan]
        )
        return np.bincount(pos, weights=lam[plan] * self.plan_values, minlength=self.split.n_if)

    def static_values(self) -> np.ndarray:
        """Value of every LP column of no area: from the master where it is in play, else at the bound
        its cost prefers (0 when that bound is infinite)."""
        lp = self.lp
        cols = self.split.master_cols
        best = np.where(self.cost[cols] > 0, lp.col_upper[cols], lp.col_lower[cols])
        best = np.where(np.isfinite(best), best, 0.0)
        inside = self.col_of[cols] >= 0
        best[inside] = self.values[self.col_of[cols[inside]]]
        return best
