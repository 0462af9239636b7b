"""An LP split by area: the per-area blocks and the rows that couple them.

The assembler records the area of every column and row (``LP.col_area``, ``LP.row_area``). From that
alone, whatever rule kinds wrote the rows:

- a row is **local** to area ``a`` when it has an area and every column in it is one of ``a``'s (a
  floor, a ceiling, a stream mix, the rows defining ``a``'s totals);
- every other row **couples**: national rows (the national totals' definitions, envelopes,
  multi-year totals, ring-fences), and rows of one area that read another's columns or a national one
  (neighbour parity reads the neighbour's total and the national total; an equity ratio the national
  total);
- a column is a **block** column of ``a`` when it has area ``a`` and appears in a local row of ``a``;
  every other column (national totals, slacks of coupling rows) belongs to the coordinator;
- a block column that appears in a coupling row is an **interface** column: the coordinator sees an
  area's plan only through these.

Coupling rows of no area are always in the coordinator's problem; coupling rows of one area (neighbour
parity, equity ratio) are added when a plan breaks them (most never bind).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.model.assembly import LP


def _group(keys: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions sorted by key (stable) and the start of each key's run (length n + 1)."""
    order = np.argsort(keys, kind="stable")
    ptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(keys, minlength=n), out=ptr[1:])
    return order, ptr


@dataclass
class Split:
    """The LP's rows and columns by area (see the module docstring)."""

    n_areas: int
    """Areas with at least one block column (numbered 0..n_areas-1 in ``area_ids`` order)."""
    area_ids: np.ndarray
    """The LP's area index of each block (the blocks are the LP's areas that have block columns)."""
    block_cols: np.ndarray
    """Block columns, grouped by block (``col_ptr``)."""
    col_ptr: np.ndarray
    local_rows: np.ndarray
    """Local rows, grouped by block (``row_ptr``)."""
    row_ptr: np.ndarray
    master_cols: np.ndarray
    """Columns of no block (national columns, slacks of coupling rows)."""
    coupling_rows: np.ndarray
    lazy: np.ndarray
    """For each coupling row: True when it has an area (added to the coordinator only if broken)."""
    if_cols: np.ndarray
    """Interface columns, grouped by block (``if_ptr``)."""
    if_ptr: np.ndarray
    col_block: np.ndarray
    """Block of every LP column (-1 for the coordinator's)."""
    row_block: np.ndarray
    """Block of every LP row (-1 for coupling rows)."""
    if_pos: np.ndarray
    """Position of every LP column among the interface columns (-1 if not one)."""
    coupling: tuple[np.ndarray, np.ndarray, np.ndarray]
    """Every entry of the coupling rows: (row, column, value), LP indices, sorted by row."""

    @property
    def n_if(self) -> int:
        return len(self.if_cols)


def split_by_area(lp: LP) -> Split:
    """Split ``lp`` (whose columns and rows carry their area) into per-area blocks and coupling rows."""
    if lp.col_area is None or lp.row_area is None:
        raise ValueError("this LP does not record the areas of its rows and columns")
    col_area = np.asarray(lp.col_area, dtype=np.int64)
    row_area = np.asarray(lp.row_area, dtype=np.int64)

    row = np.repeat(np.arange(lp.n_rows, dtype=np.int64), np.diff(lp.start))
    col = lp.index
    # local: the row has an area and no entry of another area (or of none)
    foreign = np.zeros(lp.n_rows, dtype=bool)
    np.logical_or.at(foreign, row, col_area[col] != row_area[row])
    local = (row_area >= 0) & ~foreign
    in_local = np.zeros(lp.n_cols, dtype=bool)
    in_local[col[local[row]]] = True
    block = (col_area >= 0) & in_local

    # blocks: the areas that have block columns, renumbered densely
    area_ids = np.unique(col_area[block])
    dense = np.full(max(int(col_area.max(initial=-1)), int(row_area.max(initial=-1))) + 2, -1, np.int64)
    dense[area_ids + 1] = np.arange(len(area_ids))
    col_block = np.where(block, dense[col_area + 1], -1)
    row_block = np.where(local, dense[row_area + 1], -1)
    n = len(area_ids)
    cols = np.nonzero(block)[0]
    order, col_ptr = _group(col_block[cols], n)
    block_cols = cols[order]
    rows = np.nonzero(local)[0]
    order, row_ptr = _group(row_block[rows], n)
    local_rows = rows[order]

    coupling_rows = np.nonzero(~local)[0]
    couple = ~local[row]
    c_row, c_col, c_val = row[couple], col[couple], lp.value[couple]
    interface = np.zeros(lp.n_cols, dtype=bool)
    interface[c_col[block[c_col]]] = True
    icols = np.nonzero(interface)[0]
    order, if_ptr = _group(col_block[icols], n)
    if_cols = icols[order]
    if_pos = np.full(lp.n_cols, -1, dtype=np.int64)
    if_pos[if_cols] = np.arange(len(if_cols))
    return Split(
        n_areas=n,
        area_ids=area_ids,
        block_cols=block_cols,
        col_ptr=col_ptr,
        local_rows=local_rows,
        row_ptr=row_ptr,
        master_cols=np.nonzero(~block)[0],
        coupling_rows=coupling_rows,
        lazy=row_area[coupling_rows] >= 0,
        if_cols=if_cols,
        if_ptr=if_ptr,
        col_block=col_block,
        row_block=row_block,
        if_pos=if_pos,
        coupling=(c_row, c_col, c_val),
    )
