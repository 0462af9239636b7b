"""The LP's columns, the auxiliary totals, and the single place rule rows enter: ``constrain``.

Columns are in units of ``scale`` £ (a power of ten that brings the largest envelope to about 1e3-1e4;
£ million for a national settlement), so the solver's absolute tolerances (1e-7) meet numbers of order 1
rather than 1e9. Every form a rule kind receives is in £, and ``constrain`` scales each row back. Names
use only ``[A-Za-z0-9_]``, ``__`` separating parts:

- ``y__{area}__{year}__{stream}__{k}``: £ in response segment k, ``0 <= y <= p_a (z_k - z_{k-1})``; the
  allocation is ``x_{a,t,s} = sum_k y``. The formula's model, which values no response, has one column
  ``x__{area}__{year}__{stream}`` per pair instead (``segments=False``);
- ``X__{area}__{year}__{budget}``: the area's total in a budget (auxiliary, defined by a ``def_X`` row), so
  rules on totals have short rows; ``X_{a,t}`` is the sum over budgets;
- ``N__{year}__{budget}``: the national total (auxiliary, ``def_N``), so no rule row repeats every area.

Rule kinds add rows only through :meth:`ModelBuilder.constrain`, a whole block at a time: it names each
row ``{rule_id}__{key parts}``, adds the penalised slack for soft rules (and for every rule in the elastic
re-solve), records which rule, area, year, stream and budget each row belongs to, and refuses duplicate
names. The rows go into one :class:`~allocator.model.assembly.Assembly`, which both emitters read.
"""

from __future__ import annotations

import math
import time

import numpy as np

from allocator.model.assembly import Assembly, RowBlock
from allocator.model.inputs import ModelInputs
from allocator.model.linear import Form, Terms, stack
from allocator.model.names import KeyPart, lp_name, safe
from allocator.rules import make_rule
from allocator.rules.base import RuleKind, RuleSpec
from allocator.selectors import Dated, expand, select, years_covered

__all__ = ["ModelBuilder", "build_model", "lp_name", "model_scale"]


def model_scale(largest_amount: float) -> float:
    """£ per model unit: a power of ten leaving the largest amount between 1e3 and 1e4 units (at least 1)."""
    if largest_amount <= 0:
        return 1.0
    return float(10 ** max(0, math.floor(math.log10(largest_amount)) - 3))


def _strings(values: np.ndarray | str | None, n: int) -> np.ndarray | None:
    if values is None:
        return None
    arr = np.asarray(values, dtype=object)
    return np.full(n, arr.item(), dtype=object) if arr.ndim == 0 else arr


class ModelBuilder:
    """Builds the settlement LP of one scenario. Rule kinds see only this class's methods.

    Index arrays: ``a`` areas (positions in ``codes``), ``t`` years (positions in ``years``), ``s``
    streams, ``b`` budgets. Forms are :class:`~allocator.model.linear.Terms` blocks, one row per entry
    of the index arrays, in £.
    """

    def __init__(self, inputs: ModelInputs, elastic: bool = False, segments: bool = True):
        t0 = time.perf_counter()
        self.inputs = inputs
        self.scenario = inputs.scenario
        self.elastic = elastic
        self.segments = segments
        self.codes = inputs.codes
        self.years = inputs.years
        self.streams = inputs.streams
        self.budgets = inputs.budgets
        self.first_year = self.years[0]
        self.scale = model_scale(float(inputs.envelope.max()))
        self.asm = Assembly()
        self.reads_targets: set[str] = set()
        """Rules whose rows read the envelopes or the formula's targets (through :meth:`envelope` and
        :meth:`formula_target`): what a change of the envelopes or the missions' weights moves."""
        self._adding: str | None = None
        self._codes = np.array(self.codes, dtype=object)
        self._years = np.array(self.years, dtype=np.int64)
        self._add_variables()
        self.build_seconds = time.perf_counter() - t0

    # --- columns and the rows that define the totals -----------------------------------------------

    def _add_variables(self) -> None:
        inp, asm = self.inputs, self.asm
        n_a, n_t, n_s, n_b = len(self.codes), len(self.years), len(self.streams), len(self.budgets)
        widths = np.diff(inp.breakpoints, axis=1) if self.segments else np.diff(inp.breakpoints[:, [0, -1]])
        n_k = widths.shape[1]
        # eligible (area, stream) pairs for every year, year outermost
        a_e, s_e = np.nonzero(inp.eligible)
        t_c = np.repeat(np.arange(n_t), len(a_e))
        a_c, s_c = np.tile(a_e, n_t), np.tile(s_e, n_t)
        upper = (inp.population[a_c, None] / self.scale) * widths[s_c]  # pairs x K
        k_c = np.tile(np.arange(n_k), len(a_c))
        a_y, t_y, s_y = (np.repeat(v, n_k) for v in (a_c, t_c, s_c))
        parts = (self._codes[a_y], self._years[t_y], np.array(self.streams, dtype=object)[s_y])
        kind = "y" if self.segments else "x"
        cols = asm.add_columns(
            kind, 0.0, upper.ravel(), parts=(*parts, k_c) if self.segments else parts, area=a_y
        )
        self.y_cols = cols
        self.y_index = {"area": a_y, "year": t_y, "stream": s_y, "segment": k_c if self.segments else 0 * k_c}
        self.n_segments = n_k
        self.seg_start = np.full((n_a, n_t, n_s), -1, dtype=np.int64)
        self.seg_start[a_c, t_c, s_c] = cols[::n_k]

        grid = np.indices((n_a, n_t, n_b)).reshape(3, -1)
        budgets = np.array(self.budgets, dtype=object)
        x_cols = asm.add_columns(
            "X",
            0.0,
            math.inf,
            n=grid.shape[1],
            parts=(self._codes[grid[0]], self._years[grid[1]], budgets[grid[2]]),
            area=grid[0],
        )
        self.X_col = x_cols.reshape(n_a, n_t, n_b)
        # def_X: X[a,t,b] - sum_{s in b} x[a,t,s] = 0
        terms = Terms.of_columns(self.X_col.reshape(-1, 1))
        for bi in range(n_b):
            in_b = np.nonzero(inp.stream_budget == bi)[0]
            segs = self.seg_start[:, :, in_b]  # A x T x S_b
            full = np.where(segs[..., None] >= 0, segs[..., None] + np.arange(n_k), -1)  # A x T x S_b x K
            block = np.full((n_a, n_t, n_b, full.shape[2] * n_k), -1, dtype=np.int64)
            block[:, :, bi, :] = full.reshape(n_a, n_t, -1)
            terms = terms - Terms.of_columns(block.reshape(n_a * n_t * n_b, -1))
        self.define("def_X", terms, (self._codes[grid[0]], self._years[grid[1]], budgets[grid[2]]), grid[0])

        tb = np.indices((n_t, n_b)).reshape(2, -1)
        n_cols = asm.add_columns(
            "N", 0.0, math.inf, n=tb.shape[1], parts=(self._years[tb[0]], budgets[tb[1]])
        )
        self.N_col = n_cols.reshape(n_t, n_b)
        # def_N: N[t,b] - sum_a X[a,t,b] = 0
        every = np.transpose(self.X_col, (1, 2, 0)).reshape(n_t * n_b, n_a)
        terms = Terms.of_columns(self.N_col.reshape(-1, 1)) - Terms.of_columns(every)
        self.define("def_N", terms, (self._years[tb[0]], budgets[tb[1]]), None)

    def define(
        self, name: str, terms: Terms, keys: tuple[KeyPart, ...], area: np.ndarray | None, sense: str = "=="
    ) -> np.ndarray:
        """Rows ``terms sense 0`` that define auxiliary columns (no rule, no slack, never relaxed)."""
        return self.asm.add_rows(
            RowBlock(
                name,
                "definition",
                sense,
                keys,
                -terms.const,
                terms.row,
                terms.col,
                terms.coef,
                area=None if area is None else np.asarray(area, dtype=np.int64),
            )
        )

    # --- what rule kinds read ----------------------------------------------------------------------

    def area_indices(self, rule: RuleKind) -> np.ndarray:
        """Positions of the areas a rule covers (all areas without a selector)."""
        if not rule.spec.areas:
            return np.arange(len(self.codes))
        return np.nonzero(select(self.inputs.areas, rule.spec.areas))[0]

    def year_indices(self, rule: RuleKind) -> np.ndarray:
        """Positions of the years a rule covers."""
        covered = set(years_covered(rule.spec.years, self.years))
        return np.array([i for i, y in enumerate(self.years) if y in covered], dtype=np.int64)

    def years_for(self, rule: RuleKind) -> list[int]:
        return years_covered(rule.spec.years, self.years)

    def areas_for(self, rule: RuleKind) -> list[str]:
        return [self.codes[i] for i in self.area_indices(rule)]

    def cells(self, rule: RuleKind) -> tuple[np.ndarray, np.ndarray]:
        """(a, t) for every covered area and year, area by area."""
        a, t = self.area_indices(rule), self.year_indices(rule)
        return np.repeat(a, len(t)), np.tile(t, len(a))

    def code(self, a: np.ndarray) -> np.ndarray:
        return self._codes[a]

    def year(self, t: np.ndarray) -> np.ndarray:
        return self._years[t]

    def total(self, a: np.ndarray, t: np.ndarray) -> Terms:
        """``X_{a,t}``: each area's total over budgets, £."""
        return Terms.of_columns(self.X_col[a, t, :], self.scale)

    def budget_total(self, a: np.ndarray, t: np.ndarray, b: int) -> Terms:
        """``X_{a,t,b}``: each area's total in one budget (index ``b``), £."""
        return Terms.of_columns(self.X_col[a, t, b], self.scale)

    def eligible(self, a: np.ndarray, s: np.ndarray) -> np.ndarray:
        return self.inputs.eligible[a, s]

    def stream_amount(self, a: np.ndarray, t: np.ndarray, s: np.ndarray) -> Terms:
        """``x_{a,t,s} = sum_k y``, £ (an empty row where the area is not eligible for the stream)."""
        start = self.seg_start[a, t, s]
        cols = np.where(start[:, None] >= 0, start[:, None] + np.arange(self.n_segments), -1)
        return Terms.of_columns(cols, self.scale)

    def national_total(self, t: np.ndarray, budget: int | None = None) -> Terms:
        """The national total in each year, £, for one budget (index) or all (auxiliary columns)."""
        cols = self.N_col[t] if budget is None else self.N_col[t, budget]
        return Terms.of_columns(cols, self.scale)

    def national_total_over(self, t: np.ndarray, budget: int) -> Terms:
        """One row: a budget's national total summed over the years ``t``, £."""
        return Terms.of_columns(self.N_col[t, budget][None, :], self.scale)

    def national_stream_total(self, t: np.ndarray, s: int, areas: np.ndarray | None = None) -> Terms:
        """One stream's total over the given areas (all by default) in each year, £."""
        areas = np.arange(len(self.codes)) if areas is None else areas
        blocks = []
        for ti in np.asarray(t).tolist():
            one = self.stream_amount(areas, np.full(len(areas), ti), np.full(len(areas), s))
            blocks.append(Terms(1, np.zeros(len(one.col), dtype=np.int64), one.col, one.coef))
        return stack(blocks)

    def previous_total(self, a: np.ndarray, t: np.ndarray) -> Terms:
        """``X_{a,t-1}``: the baseline total in the first year (a number then)."""
        first = t == 0
        prev = self.total(a, np.maximum(t - 1, 0))
        keep = ~first[prev.row]
        base = np.where(first, self.inputs.base_total[a], 0.0)
        return Terms(len(a), prev.row[keep], prev.col[keep], prev.coef[keep], base)

    def population(self, a: np.ndarray) -> np.ndarray:
        return self.inputs.population[a]

    def own(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        return self.inputs.own[a, t]

    def own_previous(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        """Own resources of the year before (the base year's for the first year)."""
        return np.where(t == 0, self.inputs.own_base[a], self.inputs.own[a, np.maximum(t - 1, 0)])

    def formula_target(self, a: np.ndarray, t: np.ndarray) -> np.ndarray:
        """``F_{a,t}``: the formula's (unphased) target total."""
        self._reads_targets()
        return self.inputs.formula_target[a, t].sum(axis=-1)

    def dated(self, value: Dated, t: np.ndarray) -> np.ndarray:
        """A dated parameter's value in each year position of ``t`` (NaN where it gives none)."""
        by_year = expand(value, self.years)
        return np.array([by_year.get(y, math.nan) for y in self.years])[t]

    def budget_index(self, budget: str) -> int:
        return self.budgets.index(budget)

    def envelope(self, budget: str, t: np.ndarray) -> np.ndarray:
        self._reads_targets()
        return self.inputs.envelope[self.budgets.index(budget), t]

    def _reads_targets(self) -> None:
        if self._adding is not None:
            self.reads_targets.add(self._adding)

    # --- the one way to add a rule's rows ----------------------------------------------------------

    def add_rule(self, rule_id: str, spec: RuleSpec) -> None:
        """Add one rule's rows (its kind's ``add``), noting what they read (:attr:`reads_targets`).
        Rule kinds read the envelopes and the formula's targets only through this class's methods."""
        self._adding = rule_id
        try:
            make_rule(rule_id, spec).add(self)
        finally:
            self._adding = None

    def constrain(
        self,
        rule: RuleKind,
        key: tuple[KeyPart, ...],
        lhs: Form,
        sense: str,
        rhs: Form,
        *,
        area: np.ndarray | None = None,
        year: np.ndarray | None = None,
        stream: np.ndarray | str | None = None,
        budget: np.ndarray | str | None = None,
    ) -> np.ndarray:
        """Add ``lhs sense rhs`` for ``rule``, one row per entry, named ``{rule_id}__{key}``.

        Args:
            rule: the rule kind instance (its ``rule_id``, ``kind`` and ``spec.mode``).
            key: the parts that make each row unique within the rule, e.g. ``(area codes, years)``:
                arrays with one value per row, or scalars shared by every row.
            lhs, rhs: blocks of forms (``Terms``), arrays or numbers, in £.
            sense: ``"<="``, ``">="`` or ``"=="``.
            area: area position of each row, when rows belong to one area each.
            year: year (the value, e.g. 2027) of each row, when they belong to one year each.
            stream, budget: names (arrays or one for all) the rows belong to.

        Returns:
            The rows' indices in the assembly.
        """
        n = next((side.n for side in (lhs, rhs) if isinstance(side, Terms)), None)
        if n is None:
            raise ValueError(f"{rule.rule_id}: a constraint needs a variable on one side")
        expr = (lhs if isinstance(lhs, Terms) else Terms.constant(lhs, n)) - rhs
        inv = 1.0 / self.scale
        row, col, coef, rhs_model = expr.row, expr.col, expr.coef * inv, -expr.const * inv
        slack = None
        soft = rule.spec.mode == "soft" or self.elastic
        penalty = 0.0
        if soft:
            penalty = rule.spec.penalty or self.scenario.objective.soft_penalty
            signs = {"<=": [-1.0], ">=": [1.0], "==": [1.0, -1.0]}[sense]
            slack = np.stack(
                [
                    self.asm.add_columns(
                        "slack",
                        0.0,
                        math.inf,
                        n=n,
                        parts=(safe(rule.rule_id), *key, i),
                        area=None if area is None else np.asarray(area),
                    )
                    for i in range(len(signs))
                ],
                axis=1,
            )
            local = np.arange(n, dtype=np.int64)
            row = np.concatenate([row, *([local] * len(signs))])
            col = np.concatenate([col, *[slack[:, i] for i in range(len(signs))]])
            coef = np.concatenate([coef, *[np.full(n, s) for s in signs]])
        block = RowBlock(
            rule.rule_id,
            rule.kind,
            sense,
            key,
            rhs_model,
            row,
            col,
            coef,
            area=None if area is None else np.asarray(area, dtype=np.int64),
            year=None if year is None else np.broadcast_to(np.asarray(year, dtype=np.int64), (n,)),
            stream=_strings(stream, n),
            budget=_strings(budget, n),
            slack=slack,
            penalty=penalty,
        )
        return self.asm.add_rows(block)

    # --- what readers of a solution need -----------------------------------------------------------

    def rule_blocks(self) -> list[RowBlock]:
        return [b for b in self.asm.rows if b.is_rule]

    def slack_penalties(self) -> tuple[np.ndarray, np.ndarray]:
        """Every slack column and its penalty multiple."""
        cols, mult = [], []
        for b in self.rule_blocks():
            if b.slack is not None:
                cols.append(b.slack.ravel())
                mult.append(np.full(b.slack.size, b.penalty))
        if not cols:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        return np.concatenate(cols), np.concatenate(mult)

    def allocation(self, values: np.ndarray) -> np.ndarray:
        """x[a, t, s] (A x T x S, £) from column values."""
        ix = self.y_index
        x = np.zeros((len(self.codes), len(self.years), len(self.streams)))
        np.add.at(x, (ix["area"], ix["year"], ix["stream"]), self.scale * values[self.y_cols])
        return np.maximum(x, 0.0)


def build_model(inputs: ModelInputs, elastic: bool = False, segments: bool = True) -> ModelBuilder:
    """The scenario's LP with every rule added: response segments (one column per area, year and stream
    with ``segments=False``, the formula's model), and a slack on every rule row if ``elastic``."""
    m = ModelBuilder(inputs, elastic=elastic, segments=segments)
    t0 = time.perf_counter()
    for rule_id, spec in inputs.scenario.rules.items():
        m.add_rule(rule_id, spec)
    m.build_seconds += time.perf_counter() - t0
    return m
