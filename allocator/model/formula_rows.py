"""The formula model's rule rows, sorted by what they constrain in one year: bounds on an area's total or
on one of its budgets, the envelopes, bounds on one stream amount, and the rows that keep an area's
budget split within bounds (a stream mix, a capital share). ``allocator/model/formula.py`` computes the
relaxed formula from them; every other row is only checked.

Nothing here knows a rule kind: rows are sorted by the columns they touch once the earlier years (and,
for stream rows, the year's totals) are known, so a new rule kind whose rows have one of these shapes is
handled without change.
"""

from __future__ import annotations

import numpy as np

from allocator.model.build import ModelBuilder
from allocator.model.prorata import TOL, YearProblem

HARD_PENALTY = 2.0
"""A soft rule whose penalty multiple is at least this never pays to breach in the formula (a £ of
breach moves at most two £ of distance), so the direct computation may treat its bounds as hard."""

X_KIND, N_KIND, FLOW_KIND, OTHER_KIND = 1, 2, 0, 3


class RuleRows:
    """The formula model's rule rows, sorted by what they constrain, for year-by-year bounds."""

    def __init__(self, m: ModelBuilder):
        self.m = m
        asm = m.asm
        n = asm.n_cols
        self.kind = np.full(n, OTHER_KIND, dtype=np.int8)
        self.col_t = np.full(n, -1, dtype=np.int64)
        self.col_a = np.full(n, -1, dtype=np.int64)
        self.col_b = np.full(n, -1, dtype=np.int64)
        ix = m.y_index
        self.kind[m.y_cols] = FLOW_KIND
        self.col_t[m.y_cols], self.col_a[m.y_cols] = ix["year"], ix["area"]
        self.col_b[m.y_cols] = m.inputs.stream_budget[ix["stream"]]
        grid = np.indices(m.X_col.shape)
        self.kind[m.X_col.ravel()] = X_KIND
        self.col_a[m.X_col.ravel()], self.col_t[m.X_col.ravel()] = grid[0].ravel(), grid[1].ravel()
        self.col_b[m.X_col.ravel()] = grid[2].ravel()
        tb = np.indices(m.N_col.shape)
        self.kind[m.N_col.ravel()] = N_KIND
        self.col_t[m.N_col.ravel()], self.col_b[m.N_col.ravel()] = tb[0].ravel(), tb[1].ravel()

        blocks = m.rule_blocks()
        self.rule_row = np.zeros(asm.n_rows, dtype=bool)
        self.penalty = np.zeros(asm.n_rows)
        self.soft = np.zeros(asm.n_rows, dtype=bool)
        self.sense = np.zeros(asm.n_rows, dtype=np.int8)  # -1 <=, 0 ==, 1 >=
        self.rhs = np.zeros(asm.n_rows)
        for b in blocks:
            r = slice(b.start, b.start + b.n)
            self.rule_row[r] = True
            self.soft[r] = b.slack is not None
            self.penalty[r] = b.penalty
            self.sense[r] = {"<=": -1, "==": 0, ">=": 1}[b.sense]
            self.rhs[r] = b.rhs
        row, col, val = asm.coo()
        keep = self.rule_row[row] & (self.kind[col] != OTHER_KIND)
        self.row, self.col, self.val = row[keep], col[keep], val[keep]

    def _unknowns(self, v: np.ndarray, t: int) -> dict[str, np.ndarray]:
        """Per rule row, given column values ``v`` (NaN where unknown): the known part of its left-hand
        side, how many unknown columns it has (and how many of another year, or not area totals), the
        first one and its coefficient, and whether every unknown is of one area with one coefficient."""
        row, col, val = self.row, self.col, self.val
        n_rows = len(self.rhs)
        is_known = ~np.isnan(v[col])
        known_part = np.bincount(row[is_known], weights=val[is_known] * v[col[is_known]], minlength=n_rows)
        ru, cu, vu = row[~is_known], col[~is_known], val[~is_known]
        first = np.full(n_rows, -1, dtype=np.int64)
        coef = np.zeros(n_rows)
        heads, at = np.unique(ru, return_index=True)
        first[heads], coef[heads] = cu[at], vu[at]
        same = np.ones(n_rows, dtype=bool)
        np.logical_and.at(same, ru, (self.col_a[cu] == self.col_a[first[ru]]) & (vu == coef[ru]))
        flow = self.kind[cu] == FLOW_KIND
        flow_col = np.full(n_rows, -1, dtype=np.int64)
        flow_coef = np.zeros(n_rows)
        flow_col[ru[flow]], flow_coef[ru[flow]] = cu[flow], vu[flow]
        x_coef = np.zeros((n_rows, 2))  # the first two budgets' coefficients (the split rows)
        two = (self.kind[cu] == X_KIND) & (self.col_b[cu] < 2)
        x_coef[ru[two], self.col_b[cu[two]]] = vu[two]
        return {
            "known_part": known_part,
            "flows": np.bincount(ru[flow], minlength=n_rows),
            "flow_col": flow_col,
            "flow_coef": flow_coef,
            "x_coef": x_coef,
            "area_lo": _reduce(np.minimum, ru, self.col_a[cu], n_rows, np.iinfo(np.int64).max),
            "area_hi": _reduce(np.maximum, ru, self.col_a[cu], n_rows, -1),
            "count": np.bincount(ru, minlength=n_rows),
            "elsewhere": np.bincount(ru, weights=(self.col_t[cu] != t).astype(float), minlength=n_rows),
            "not_x": np.bincount(ru, weights=(self.kind[cu] != X_KIND).astype(float), minlength=n_rows),
            "first": first,
            "coef": coef,
            "same": same,
        }

    def stream_bounds(self, t: int, known: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
        """Bounds on each stream amount of year ``t`` (A x S, model units) from rows that, with the year's
        totals known, bound one stream amount of one area (a stream mix, say); None if such a row is
        soft enough to be worth breaching."""
        m = self.m
        u = self._unknowns(known, t)
        first = np.maximum(u["first"], 0)
        one = self.rule_row & (u["count"] == 1) & (u["elsewhere"] == 0) & (self.kind[first] == FLOW_KIND)
        if (one & self.soft & (self.penalty < HARD_PENALTY)).any():
            return None
        coef = u["coef"]
        value = np.where(one, (self.rhs - u["known_part"]) / np.where(coef != 0, coef, 1.0), 0.0)
        sense = np.where(coef < 0, -self.sense, self.sense)
        n_a, n_s = len(m.codes), len(m.streams)
        lo, hi = np.zeros((n_a, n_s)), np.zeros((n_a, n_s))
        in_t = m.y_index["year"] == t
        where = (m.y_index["area"][in_t], m.y_index["stream"][in_t])
        hi[where] = m.asm.col_upper[m.y_cols[in_t]]
        stream_of = np.full(m.asm.n_cols, -1, dtype=np.int64)
        stream_of[m.y_cols] = m.y_index["stream"]
        for mask, target, fn in ((one & (sense >= 0), lo, np.maximum), (one & (sense <= 0), hi, np.minimum)):
            c = u["first"][mask]
            fn.at(target, (self.col_a[c], stream_of[c]), value[mask])
        return lo, hi

    def split_bounds(self, t: int, u: dict[str, np.ndarray]) -> Split | None:
        """The rows of year ``t`` that keep one area's budget split within bounds: a stream amount within
        an affine function of the area's total (``q x_s + k X_a op r``, a stream mix), or the two
        budgets weighted unequally (``k_0 X_0 + k_1 X_1 op r``, a capital share). None if one is soft
        enough to be worth breaching."""
        m = self.m
        n_b = len(m.budgets)
        one_area = (u["area_lo"] == u["area_hi"]) & (u["elsewhere"] == 0) & self.rule_row
        n_x = u["count"] - u["flows"]
        k0, k1 = u["x_coef"][:, 0], u["x_coef"][:, 1]
        relative = one_area & (u["flows"] == 1) & (n_x == n_b) & ((n_b == 1) | (k0 == k1))
        weighted = one_area & (u["flows"] == 0) & (n_x == 2) & (n_b == 2) & (k0 != k1)
        if ((relative | weighted) & self.soft & (self.penalty < HARD_PENALTY)).any():
            return None
        rhs = self.rhs - u["known_part"]
        stream_of = np.full(m.asm.n_cols, -1, dtype=np.int64)
        stream_of[m.y_cols] = m.y_index["stream"]
        r = np.nonzero(relative)[0]
        q = u["flow_coef"][r]
        sense = np.where(q < 0, -self.sense[r], self.sense[r])
        stream = (self.col_a[u["flow_col"][r]], stream_of[u["flow_col"][r]], -k0[r] / q, rhs[r] / q, sense)
        w = np.nonzero(weighted)[0]
        d = k0[w] - k1[w]
        sense_w = np.where(d < 0, -self.sense[w], self.sense[w])
        budget = (self.col_a[u["first"][w]], -k1[w] / d, rhs[w] / d, sense_w)
        return Split(m, t, stream, budget)

    def year_problem(self, t: int, known: np.ndarray) -> YearProblem | None:
        """Year ``t``'s bounds given the values of earlier years' columns (``known``, NaN elsewhere)."""
        m, inp = self.m, self.m.inputs
        n_a, n_b = len(m.codes), len(m.budgets)
        v = known.copy()
        row, col, val = self.row, self.col, self.val
        n_rows = len(self.rhs)
        # envelopes: rows on one national total of this year; one allocated in full fixes it
        single = np.bincount(row, minlength=n_rows) == 1
        national = single[row] & (self.kind[col] == N_KIND) & (self.col_t[col] == t)
        env_rows = row[national]
        if (self.soft[env_rows] & (self.penalty[env_rows] < HARD_PENALTY)).any():
            return None
        env_value = self.rhs[env_rows] / val[national]
        env_sense = np.where(val[national] < 0, -self.sense[env_rows], self.sense[env_rows])
        env_b = self.col_b[col[national]]
        e_lo, e_hi = np.zeros(n_b), np.full(n_b, np.inf)
        np.maximum.at(e_lo, env_b[env_sense >= 0], env_value[env_sense >= 0])
        np.minimum.at(e_hi, env_b[env_sense <= 0], env_value[env_sense <= 0])
        fixed = env_sense == 0
        v[col[national][fixed]] = env_value[fixed]

        u = self._unknowns(v, t)
        known_part, count, first, coef = u["known_part"], u["count"], u["first"], u["coef"]

        mine = self.rule_row & (count > 0) & (u["elsewhere"] == 0)
        mine[env_rows] = False
        total = mine & (u["not_x"] == 0) & u["same"] & (count == n_b)
        budget = mine & (count == 1) & (self.kind[np.maximum(first, 0)] == X_KIND)
        bounds = total | budget
        if (bounds & self.soft & (self.penalty < HARD_PENALTY)).any():
            return None

        value = np.where(bounds, (self.rhs - known_part) / np.where(coef != 0, coef, 1.0), 0.0)
        sense = np.where(coef < 0, -self.sense, self.sense)
        lower = bounds & (sense >= 0)
        upper = bounds & (sense <= 0)

        scale = m.scale
        cap = np.zeros((n_a, n_b))
        upper_x = m.asm.col_upper[m.y_cols]
        in_t = m.y_index["year"] == t
        np.add.at(cap, (m.y_index["area"][in_t], inp.stream_budget[m.y_index["stream"][in_t]]), upper_x[in_t])
        lo, hi = np.zeros((n_a, n_b)), cap.copy()
        total_lo, total_hi = np.full(n_a, -np.inf), np.full(n_a, np.inf)
        for mask, target, fn in (
            (total & lower, total_lo, np.maximum),
            (total & upper, total_hi, np.minimum),
            (budget & lower, lo, np.maximum),
            (budget & upper, hi, np.minimum),
        ):
            c = first[mask]
            fn.at(
                target, (self.col_a[c],) if target.ndim == 1 else (self.col_a[c], self.col_b[c]), value[mask]
            )
        split = self.split_bounds(t, u)
        if split is None:
            return None
        phi = inp.phased_target[:, t, :] / scale
        base = np.stack([inp.base[:, inp.stream_budget == b].sum(axis=1) for b in range(n_b)], axis=1) / scale
        return YearProblem(phi, base, lo, hi, total_lo, total_hi, e_lo, e_hi, split)


def _reduce(fn: np.ufunc, at: np.ndarray, values: np.ndarray, n: int, start: int) -> np.ndarray:
    out = np.full(n, start, dtype=np.int64)
    fn.at(out, at, values)
    return out


class Split:
    """Bounds on an area's budget split that depend on its total: each stream within an affine function
    of the total (and its capacity), and the budgets' weighted rows. ``project`` moves an area's amounts
    into them keeping its total: the relaxed formula's rule for a split the shares leave outside them."""

    def __init__(self, m: ModelBuilder, t: int, stream: tuple, budget: tuple):
        self.m, self.t = m, t
        self.stream, self.budget = stream, budget
        n_a, n_s = len(m.codes), len(m.streams)
        in_t = m.y_index["year"] == t
        self.cap = np.zeros((n_a, n_s))
        self.cap[m.y_index["area"][in_t], m.y_index["stream"][in_t]] = m.asm.col_upper[m.y_cols[in_t]]
        self.active = len(stream[0]) > 0 or len(budget[0]) > 0
        self.moved = False
        """Whether the last projection moved any area."""

    def project(self, x: np.ndarray) -> np.ndarray | None:
        """Amounts (A x B) with each area's split moved into its bounds, totals kept; None if some area's
        bounds leave no split at its total."""
        self.moved = False
        if not self.active:
            return x
        m = self.m
        total = x.sum(axis=1)
        area, stream, c, d, sense = self.stream
        value = c * total[area] + d
        lo = np.zeros_like(self.cap)
        hi = self.cap.copy()
        np.maximum.at(lo, (area[sense >= 0], stream[sense >= 0]), value[sense >= 0])
        np.minimum.at(hi, (area[sense <= 0], stream[sense <= 0]), value[sense <= 0])
        n_b = x.shape[1]
        lo_b = np.stack([lo[:, m.inputs.stream_budget == b].sum(axis=1) for b in range(n_b)], axis=1)
        hi_b = np.stack([hi[:, m.inputs.stream_budget == b].sum(axis=1) for b in range(n_b)], axis=1)
        if n_b == 1:
            ok = (total >= lo_b[:, 0] - TOL) & (total <= hi_b[:, 0] + TOL)
            return x if ok.all() else None
        if n_b > 2:
            return x  # no rule for more budgets: the check after the computation decides
        first_lo = np.maximum(lo_b[:, 0], total - hi_b[:, 1])
        first_hi = np.minimum(hi_b[:, 0], total - lo_b[:, 1])
        area_w, c_w, d_w, sense_w = self.budget
        value_w = c_w * total[area_w] + d_w
        np.maximum.at(first_lo, area_w[sense_w >= 0], value_w[sense_w >= 0])
        np.minimum.at(first_hi, area_w[sense_w <= 0], value_w[sense_w <= 0])
        if (first_lo > first_hi + TOL).any():
            return None
        out = x.copy()
        out[:, 0] = np.clip(x[:, 0], first_lo, np.maximum(first_lo, first_hi))
        out[:, 1] = total - out[:, 0]
        self.moved = bool((out[:, 0] != x[:, 0]).any())
        return out

    __call__ = project
