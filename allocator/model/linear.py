"""Blocks of linear forms: ``n`` rows at once, each ``sum_j coef_j * column_j + constant``.

Rule kinds build their constraints as whole blocks (every covered area and year in one go) from the
forms :class:`allocator.model.build.ModelBuilder` hands them (an area's total, a stream's amount, the
national total), combined with ``+``, ``-`` and ``*`` by a number or by one number per row. The terms
are kept as coordinate arrays (row, column, coefficient); repeated (row, column) pairs are summed when
the assembler turns the block into matrix rows.
"""

from __future__ import annotations

import numpy as np

_EMPTY_I = np.zeros(0, dtype=np.int64)
_EMPTY_F = np.zeros(0, dtype=float)


Numbers = np.ndarray | float
"""One number per row (an array) or one for every row."""


class Terms:
    """``n`` linear forms over model columns, in £: ``const[i] + sum coef * column`` for row ``i``."""

    __slots__ = ("coef", "col", "const", "n", "row")

    def __init__(
        self,
        n: int,
        row: np.ndarray = _EMPTY_I,
        col: np.ndarray = _EMPTY_I,
        coef: np.ndarray = _EMPTY_F,
        const: np.ndarray | float = 0.0,
    ):
        self.n = int(n)
        self.row = np.asarray(row, dtype=np.int64)
        self.col = np.asarray(col, dtype=np.int64)
        self.coef = np.asarray(coef, dtype=float)
        self.const = np.broadcast_to(np.asarray(const, dtype=float), (self.n,)).copy()

    @classmethod
    def constant(cls, values: Numbers, n: int) -> Terms:
        """Rows with no variable part."""
        return cls(n, const=values)

    @classmethod
    def of_columns(cls, cols: np.ndarray, coef: float | np.ndarray = 1.0) -> Terms:
        """One row per row of ``cols`` (an ``n x k`` array of column indices, -1 for none), summed."""
        cols = np.asarray(cols, dtype=np.int64)
        cols = cols[:, None] if cols.ndim == 1 else cols
        n, k = cols.shape
        row = np.repeat(np.arange(n, dtype=np.int64), k)
        flat = cols.ravel()
        values = np.broadcast_to(np.asarray(coef, dtype=float), cols.shape).ravel()
        keep = flat >= 0
        return cls(n, row[keep], flat[keep], values[keep])

    def _like(self, other: Form) -> Terms:
        if isinstance(other, Terms):
            if other.n != self.n:
                raise ValueError(f"cannot combine blocks of {self.n} and {other.n} rows")
            return other
        return Terms.constant(other, self.n)

    def __add__(self, other: Form) -> Terms:
        other = self._like(other)
        return Terms(
            self.n,
            np.concatenate([self.row, other.row]),
            np.concatenate([self.col, other.col]),
            np.concatenate([self.coef, other.coef]),
            self.const + other.const,
        )

    __radd__ = __add__

    def __neg__(self) -> Terms:
        return Terms(self.n, self.row, self.col, -self.coef, -self.const)

    def __sub__(self, other: Form) -> Terms:
        return self + (-self._like(other))

    def __rsub__(self, other: Form) -> Terms:
        return self._like(other) + (-self)

    def __mul__(self, factor: Numbers) -> Terms:
        f = np.asarray(factor, dtype=float)
        if f.ndim == 0:
            return Terms(self.n, self.row, self.col, self.coef * f, self.const * f)
        f = np.broadcast_to(f, (self.n,))
        return Terms(self.n, self.row, self.col, self.coef * f[self.row], self.const * f)

    __rmul__ = __mul__

    def take(self, rows: np.ndarray) -> Terms:
        """The block restricted to (and reordered as) ``rows`` (indices into this block)."""
        rows = np.asarray(rows, dtype=np.int64)
        new = np.full(self.n, -1, dtype=np.int64)
        new[rows] = np.arange(len(rows))
        keep = new[self.row] >= 0
        return Terms(len(rows), new[self.row[keep]], self.col[keep], self.coef[keep], self.const[rows])

    def __repr__(self) -> str:
        return f"Terms({self.n} rows, {len(self.col)} terms)"


Form = Terms | np.ndarray | float
"""What combines with a block of forms: another block of as many rows, or numbers (constants)."""


def stack(blocks: list[Terms]) -> Terms:
    """The rows of several blocks, one after the other."""
    offsets = np.cumsum([0] + [b.n for b in blocks])
    return Terms(
        int(offsets[-1]),
        np.concatenate([b.row + o for b, o in zip(blocks, offsets, strict=False)] or [_EMPTY_I]),
        np.concatenate([b.col for b in blocks] or [_EMPTY_I]),
        np.concatenate([b.coef for b in blocks] or [_EMPTY_F]),
        np.concatenate([b.const for b in blocks] or [_EMPTY_F]),
    )
