"""The assembler: one sparse matrix built from blocks of columns and blocks of rows.

Every row of the settlement LP enters here, as part of a :class:`RowBlock` (a rule's rows, or the rows
that define the auxiliary totals), in model units. A block carries what each of its rows belongs to
(rule, kind, area, year, stream, budget), so duals, slacks and binding rules can be attributed, and so
a block can be restricted to a subset of areas (:meth:`Assembly.area_masks`). Both emitters read the
same arrays: the HiGHS one passes the CSR matrix straight to the solver
(``allocator.model.highs_backend``), the PuLP one builds PuLP objects from it
(``allocator.model.pulp_backend``), so the two can never disagree about the LP.

Names (``{rule_id}__{key}``, ``y__{area}__{year}__{stream}__{k}``, ...; ``allocator.model.names``) are
made only when asked for: an LP file needs them, a solve does not.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from allocator.model.names import KeyPart, block_names

INF = math.inf


@dataclass
class LP:
    """What an emitter reads: a row-wise (CSR) matrix, bounds, and the names when asked for.

    ``cols`` and ``rows`` map this LP's columns and rows back to the assembly's (None: all of them, in
    order), so a restricted LP's solution can be placed in the whole."""

    n_cols: int
    n_rows: int
    start: np.ndarray
    index: np.ndarray
    value: np.ndarray
    col_lower: np.ndarray
    col_upper: np.ndarray
    row_lower: np.ndarray
    row_upper: np.ndarray
    col_names: Callable[[], list[str]]
    row_names: Callable[[], list[str]]
    cols: np.ndarray | None = None
    rows: np.ndarray | None = None
    col_area: np.ndarray | None = None
    """Area index of each column (-1: none); what a decomposition by area splits on."""
    row_area: np.ndarray | None = None
    """Area index of each row (-1: none)."""


@dataclass
class ColumnBlock:
    """Columns of one kind (``y``, ``X``, ``N``, ``slack``, ...), contiguous from ``start``."""

    kind: str
    start: int
    n: int
    parts: tuple[KeyPart, ...] = ()
    """Name parts after the kind: arrays (one value per column) or scalars."""
    area: np.ndarray | None = None
    """Area index of each column (-1 for national columns), or None when none has an area."""

    def names(self) -> list[str]:
        return block_names(self.kind, self.parts, self.n)


@dataclass
class RowBlock:
    """Rows added together: one rule's block, or the rows that define an auxiliary total.

    Coefficients are in coordinate form, ``row`` local to the block, in model units.
    """

    name: str
    """The rule id (or the definition's name, e.g. ``def_X``): the names' first part."""
    kind: str
    """The rule kind, or ``definition``."""
    sense: str
    keys: tuple[KeyPart, ...]
    """Name parts after ``name`` (arrays, one value per row, or scalars)."""
    rhs: np.ndarray
    row: np.ndarray
    col: np.ndarray
    coef: np.ndarray
    area: np.ndarray | None = None
    """Area index of each row (-1: none)."""
    year: np.ndarray | None = None
    """Year of each row (-1: none)."""
    stream: np.ndarray | None = None
    budget: np.ndarray | None = None
    slack: np.ndarray | None = None
    """Soft and elastic rows: the slack columns of each row (n x 1 or n x 2)."""
    penalty: float = 0.0
    """Soft rows: the penalty multiple of each £ of slack."""
    start: int = field(default=0, init=False)

    @property
    def n(self) -> int:
        return len(self.rhs)

    @property
    def is_rule(self) -> bool:
        return self.kind != "definition"

    def names(self) -> list[str]:
        return block_names(self.name, self.keys, self.n)

    def bounds(self) -> tuple[np.ndarray, np.ndarray]:
        lo = np.full(self.n, -INF)
        hi = np.full(self.n, INF)
        if self.sense in (">=", "=="):
            lo = self.rhs.copy()
        if self.sense in ("<=", "=="):
            hi = self.rhs.copy()
        return lo, hi


def _sorted_block(row: np.ndarray, col: np.ndarray, val: np.ndarray, n_cols: int) -> tuple:
    """One block's nonzeros sorted by (row, column), repeated entries summed, zeros dropped."""
    width = max(n_cols, 1)
    key = row.astype(np.int64) * width + col
    order = np.argsort(key, kind="stable")
    key, val = key[order], val[order]
    first = np.ones(len(key), dtype=bool)
    first[1:] = key[1:] != key[:-1]
    if first.all():
        summed = val
    else:
        summed = np.bincount(np.cumsum(first) - 1, weights=val, minlength=int(first.sum()))
        key = key[first]
    keep = summed != 0.0
    key, summed = key[keep], summed[keep]
    index_type = np.int32 if n_cols < 2**31 else np.int64
    return key // width, (key % width).astype(index_type), summed


class Assembly:
    """Columns and rows of one LP, appended block by block; the matrix is made when first asked for."""

    def __init__(self) -> None:
        self.columns: list[ColumnBlock] = []
        self.rows: list[RowBlock] = []
        self.n_cols = 0
        self.n_rows = 0
        self._col_lower: list[np.ndarray] = []
        self._col_upper: list[np.ndarray] = []
        self._by_name: dict[str, list[RowBlock]] = {}
        self._cache: dict[str, np.ndarray] = {}

    # --- building ----------------------------------------------------------------------------------

    def add_columns(
        self,
        kind: str,
        lower: np.ndarray | float,
        upper: np.ndarray | float,
        n: int | None = None,
        parts: tuple[KeyPart, ...] = (),
        area: np.ndarray | None = None,
    ) -> np.ndarray:
        """Append columns; returns their indices. ``upper`` may be ``inf``."""
        lo = np.asarray(lower, dtype=float)
        hi = np.asarray(upper, dtype=float)
        n = int(n if n is not None else np.broadcast(lo, hi).size)
        block = ColumnBlock(kind, self.n_cols, n, parts, None if area is None else np.asarray(area))
        self.columns.append(block)
        self._col_lower.append(np.broadcast_to(lo, (n,)).astype(float))
        self._col_upper.append(np.broadcast_to(hi, (n,)).astype(float))
        self.n_cols += n
        self._cache.clear()
        return np.arange(block.start, block.start + n, dtype=np.int64)

    def add_rows(self, block: RowBlock) -> np.ndarray:
        """Append a block of rows (refusing a name its rule already has); returns the rows' indices."""
        self._refuse_duplicates(block)
        block.start = self.n_rows
        self.rows.append(block)
        self._by_name.setdefault(block.name, []).append(block)
        self.n_rows += block.n
        self._cache.clear()
        return np.arange(block.start, block.start + block.n, dtype=np.int64)

    def _refuse_duplicates(self, block: RowBlock) -> None:
        earlier = self._by_name.get(block.name, [])
        if not earlier and block.n < 2:
            return
        if all(len(b.keys) == len(block.keys) for b in earlier):
            # the rule's keys as one integer per row (each part's codes in mixed radix): unique integers
            # mean unique names
            blocks = [*earlier, block]
            key = np.zeros(sum(b.n for b in blocks), dtype=np.int64)
            radix = 1
            for i in range(len(block.keys)):
                values = np.concatenate([np.broadcast_to(np.asarray(b.keys[i]), (b.n,)) for b in blocks])
                codes, uniques = pd.factorize(values)
                if radix * max(len(uniques), 1) >= 2**62:
                    break  # too many combinations for one integer: compare the names
                key += codes * radix
                radix *= max(len(uniques), 1)
            else:
                if len(np.unique(key)) == len(key):
                    return
        names = pd.Series([n for b in [*earlier, block] for n in b.names()])
        dup = names[names.duplicated()]
        if len(dup):
            raise ValueError(f"duplicate constraint name {dup.iloc[0]}")

    def columns_only(self) -> Assembly:
        """A new assembly with this one's columns and no rows (rows of a variant are added to it, to be
        compared with this one's: ``allocator.model.update``)."""
        out = Assembly()
        out.columns = list(self.columns)
        out.n_cols = self.n_cols
        out._col_lower, out._col_upper = list(self._col_lower), list(self._col_upper)
        return out

    def blocks(self, name: str) -> list[RowBlock]:
        """The row blocks of rule (or definition) ``name``, in the order added."""
        return list(self._by_name.get(name, []))

    def renumber(self, block: RowBlock, rhs: np.ndarray, coef: np.ndarray) -> None:
        """One of this assembly's blocks with new right-hand sides and coefficients (same rows, columns)."""
        same_matrix = np.array_equal(block.coef, coef)
        block.rhs, block.coef = rhs, coef
        if same_matrix:  # right-hand sides only (an envelope): the matrix made before still holds
            self._cache.pop("row_bounds", None)
        else:
            self._cache.clear()

    # --- what the emitters read --------------------------------------------------------------------

    @property
    def col_lower(self) -> np.ndarray:
        if "col_lower" not in self._cache:
            self._cache["col_lower"] = np.concatenate(self._col_lower) if self._col_lower else np.zeros(0)
        return self._cache["col_lower"]

    @property
    def col_upper(self) -> np.ndarray:
        if "col_upper" not in self._cache:
            self._cache["col_upper"] = np.concatenate(self._col_upper) if self._col_upper else np.zeros(0)
        return self._cache["col_upper"]

    def set_rhs(self, rows: np.ndarray, values: np.ndarray | float) -> None:
        """Change the right-hand side of existing rows (the formula's per-year rows)."""
        rows = np.asarray(rows, dtype=np.int64)
        values = np.broadcast_to(np.asarray(values, dtype=float), rows.shape)
        for b in self.rows:
            inside = (rows >= b.start) & (rows < b.start + b.n)
            if inside.any():
                b.rhs[rows[inside] - b.start] = values[inside]
        self._cache.pop("row_bounds", None)

    def row_bounds(self) -> tuple[np.ndarray, np.ndarray]:
        if "row_bounds" not in self._cache:
            pairs = [b.bounds() for b in self.rows]
            self._cache["row_bounds"] = (
                np.concatenate([p[0] for p in pairs]) if pairs else np.zeros(0),
                np.concatenate([p[1] for p in pairs]) if pairs else np.zeros(0),
            )
        return self._cache["row_bounds"]

    def coo(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every nonzero (row, column, value), sorted by row then column, repeated entries summed.

        Blocks hold consecutive rows, so each is sorted on its own: the temporaries are one block's,
        not the whole matrix's (at 35,000 areas the matrix has about 40 million nonzeros)."""
        if "coo" not in self._cache:
            rows, cols, vals = [], [], []
            for b in self.rows:
                row, col, val = _sorted_block(b.row, b.col, b.coef, self.n_cols)
                rows.append((row + b.start).astype(np.int32 if self.n_rows < 2**31 else np.int64))
                cols.append(col)
                vals.append(val)
            self._cache["coo"] = (
                np.concatenate(rows) if rows else np.zeros(0, np.int64),
                np.concatenate(cols) if cols else np.zeros(0, np.int64),
                np.concatenate(vals) if vals else np.zeros(0),
            )
        return self._cache["coo"]

    def csr(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Row-wise compressed matrix: (start, index, value), start of length n_rows + 1."""
        if "csr" not in self._cache:
            row, col, val = self.coo()
            start = np.zeros(self.n_rows + 1, dtype=np.int64)
            np.cumsum(np.bincount(row, minlength=self.n_rows), out=start[1:])
            self._cache["csr"] = (start, col.astype(np.int64), val)
        return self._cache["csr"]

    def lp(self) -> LP:
        """The whole LP."""
        start, index, value = self.csr()
        lo, hi = self.row_bounds()
        return LP(
            self.n_cols,
            self.n_rows,
            start,
            index,
            value,
            self.col_lower,
            self.col_upper,
            lo,
            hi,
            self.column_names,
            self.row_names,
            col_area=self.col_area(),
            row_area=self.row_area(),
        )

    def restrict(self, keep: np.ndarray, known: np.ndarray) -> LP:
        """The LP over the columns in ``keep`` (a mask), every other column fixed at its ``known`` value.

        Rows that touch a column neither kept nor known (NaN) are left out, as are rows with no kept
        column; a kept row's bounds are moved by its known columns' part. This is how the formula solves
        one year at a time, and what a solve restricted to some areas would use.
        """
        row, col, val = self.coo()
        kept_col = keep[col]
        unknown = ~kept_col & np.isnan(known[col])
        bad = np.bincount(row[unknown], minlength=self.n_rows) > 0
        has_kept = np.bincount(row[kept_col], minlength=self.n_rows) > 0
        rows = np.nonzero(has_kept & ~bad)[0]
        fixed = ~kept_col & ~unknown
        shift = np.bincount(row[fixed], weights=val[fixed] * known[col[fixed]], minlength=self.n_rows)
        cols = np.nonzero(keep)[0]
        new_col = np.full(self.n_cols, -1, dtype=np.int64)
        new_col[cols] = np.arange(len(cols))
        new_row = np.full(self.n_rows, -1, dtype=np.int64)
        new_row[rows] = np.arange(len(rows))
        take = kept_col & (new_row[row] >= 0)
        r, c, v = new_row[row[take]], new_col[col[take]], val[take]
        start = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(np.bincount(r, minlength=len(rows)), out=start[1:])
        lo, hi = self.row_bounds()
        all_cols, all_rows = self.column_names, self.row_names
        return LP(
            len(cols),
            len(rows),
            start,
            c,
            v,
            self.col_lower[cols],
            self.col_upper[cols],
            lo[rows] - shift[rows],
            hi[rows] - shift[rows],
            lambda: [all_cols()[i] for i in cols],
            lambda: [all_rows()[i] for i in rows],
            cols,
            rows,
            self.col_area()[cols],
            self.row_area()[rows],
        )

    def activity(self, x: np.ndarray) -> np.ndarray:
        """Each row's left-hand side at column values ``x``."""
        row, col, val = self.coo()
        return np.bincount(row, weights=val * x[col], minlength=self.n_rows)

    def column_names(self) -> list[str]:
        return [n for b in self.columns for n in b.names()]

    def row_names(self) -> list[str]:
        return [n for b in self.rows for n in b.names()]

    # --- restriction to areas (what a decomposition by area hooks into) ----------------------------

    def col_area(self) -> np.ndarray:
        """Area index of every column; -1 for columns of no single area (national totals, slacks of
        national rows)."""
        out = np.full(self.n_cols, -1, dtype=np.int64)
        for b in self.columns:
            if b.area is not None:
                out[b.start : b.start + b.n] = b.area
        return out

    def row_area(self) -> np.ndarray:
        """Area index of every row; -1 for rows of no single area (envelopes, ring-fences, definitions
        of national totals)."""
        out = np.full(self.n_rows, -1, dtype=np.int64)
        for b in self.rows:
            if b.area is not None:
                out[b.start : b.start + b.n] = b.area
        return out

    def area_masks(self, areas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(rows, columns) masks of the part of the LP that belongs to the given area indices alone:
        rows whose area is one of them and whose every column is either one of theirs or national."""
        wanted = np.zeros(max(int(self.col_area().max(initial=-1)), int(np.max(areas, initial=-1))) + 2, bool)
        wanted[np.asarray(areas) + 1] = True
        col_ok = wanted[self.col_area() + 1]
        row_ok = wanted[self.row_area() + 1] & (self.row_area() >= 0)
        row, col, _ = self.coo()
        foreign = ~col_ok[col] & (self.col_area()[col] >= 0)
        row_ok[np.unique(row[foreign])] = False
        return row_ok, col_ok
