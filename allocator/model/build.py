"""The LP, built with PuLP: variables, auxiliary totals, and the single place constraints are added.

Variables are in units of ``scale`` £ (a power of ten that brings the largest envelope to about 1e3-1e4;
£ million for a national settlement), so the solver's absolute tolerances (1e-7) meet numbers of order 1
rather than 1e9. Every expression a rule kind receives is in £, and ``constrain`` scales each row back. Names use only ``[A-Za-z0-9_]``, ``__`` separating parts, since PuLP rewrites other characters:

- ``y__{area}__{year}__{stream}__{k}``: £ in response segment k, ``0 <= y <= p_a (z_k - z_{k-1})``; the
  allocation is ``x_{a,t,s} = sum_k y`` (kept as an expression, not a variable);
- ``X__{area}__{year}__{budget}``: the area's total in a budget (auxiliary, defined by one row), so rules on
  totals have short rows; ``X_{a,t}`` is the sum over budgets;
- ``N__{year}__{budget}``: the national total (auxiliary), so no rule row repeats every area.

Rule kinds add constraints only through :meth:`ModelBuilder.constrain`, which names each row
``{rule_id}__{key parts}``, adds the penalised slack for soft rules (and for every rule in the elastic
re-solve), records which rule, area and year a row belongs to, and refuses duplicate names.
"""

from __future__ import annotations

import functools
import math
import re
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pulp

from allocator.model.inputs import ModelInputs
from allocator.selectors import select, years_covered

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")


def model_scale(largest_amount: float) -> float:
    """£ per model unit: a power of ten leaving the largest amount between 1e3 and 1e4 units (at least 1)."""
    if largest_amount <= 0:
        return 1.0
    return float(10 ** max(0, math.floor(math.log10(largest_amount)) - 3))


SENSES = {"<=": pulp.LpConstraintLE, ">=": pulp.LpConstraintGE, "==": pulp.LpConstraintEQ}


def fast_variable(name: str, low: float, up: float | None) -> pulp.LpVariable:
    """A continuous PuLP variable, made without PuLP's per-call name translation and checks.

    ``name`` must already be safe (``lp_name``) and the bounds finite. At 100,000 segment variables
    PuLP's constructor is the largest single cost of the build; this sets the same attributes directly
    (PuLP is pinned below 4; tests/test_model_build.py checks the attributes against PuLP's own).
    """
    v = _NEW(pulp.LpVariable)
    v.__dict__.update(
        _LpElement__name=name,
        hash=id(v),
        modified=True,
        _lowbound_original=low,
        lowBound=low,
        _upbound_original=up,
        upBound=up,
        cat=pulp.LpContinuous,
        varValue=None,
        dj=None,
    )
    return v


_NEW = object.__new__


@functools.lru_cache(maxsize=65536)
def _safe(part: str) -> str:
    return _UNSAFE.sub("_", part)


def lp_name(*parts: Any) -> str:
    """A PuLP-safe name: parts joined by ``__``, other characters replaced by ``_``."""
    return "__".join([_safe(p if isinstance(p, str) else str(p)) for p in parts])


class Linear(dict):
    """Terms ``{variable: coefficient}`` plus a constant: a linear form for ``constrain`` only."""

    def __init__(self) -> None:
        super().__init__()
        self.constant = 0.0


@dataclass
class RowRecord:
    """What a constraint row belongs to: its rule and, where it has them, area, year, stream, budget."""

    name: str
    rule_id: str
    kind: str
    sense: str
    area_code: str | None = None
    year: int | None = None
    stream: str | None = None
    budget: str | None = None
    slack: list[Any] = field(default_factory=list)  # slack variables (soft or elastic)
    constraint: Any = None  # the PuLP constraint, for its dual and slack after a solve


class ModelBuilder:
    """Builds the settlement LP for one scenario. Rule kinds see only this class's methods."""

    def __init__(self, inputs: ModelInputs, elastic: bool = False, name: str = "settlement"):
        t0 = time.perf_counter()
        self.inputs = inputs
        self.scenario = inputs.scenario
        self.elastic = elastic
        self.prob = pulp.LpProblem(lp_name(name), pulp.LpMaximize)
        self.codes = inputs.codes
        self.years = inputs.years
        self.streams = inputs.streams
        self.budgets = inputs.budgets
        self.first_year = self.years[0]
        self.scale = model_scale(float(inputs.envelope.max()))
        self._a = inputs.index()
        self._t = {y: i for i, y in enumerate(self.years)}
        self._s = {s: i for i, s in enumerate(self.streams)}
        self.rows: dict[str, RowRecord] = {}
        self.penalties: list[tuple[Any, float]] = []
        self._add_variables()
        self.build_seconds = time.perf_counter() - t0

    # --- variables ---------------------------------------------------------------------------------

    def _add_variables(self) -> None:
        inp = self.inputs
        widths = np.diff(inp.breakpoints, axis=1)  # S x K
        n_k = widths.shape[1]
        a_idx, s_idx = np.nonzero(inp.eligible)
        self.y_vars: list[Any] = []
        y_a, y_t, y_s, y_k = [], [], [], []
        self._x: dict[tuple[int, int, int], list[Any]] = {}
        pop = inp.population.tolist()
        widths_l = widths.tolist()
        safe_codes = [_safe(c) for c in self.codes]
        safe_streams = [_safe(s) for s in self.streams]
        for ti, year in enumerate(self.years):
            for ai, si in zip(a_idx.tolist(), s_idx.tolist(), strict=True):
                prefix = f"y__{safe_codes[ai]}__{year}__{safe_streams[si]}__"
                p, w = pop[ai] / self.scale, widths_l[si]
                seg = [fast_variable(f"{prefix}{k}", 0.0, p * w[k]) for k in range(n_k)]
                self._x[(ai, ti, si)] = seg
                self.y_vars.extend(seg)
                y_a.extend([ai] * n_k)
                y_t.extend([ti] * n_k)
                y_s.extend([si] * n_k)
                y_k.extend(range(n_k))
        self.y_index = {
            "area": np.array(y_a, dtype=np.int64),
            "year": np.array(y_t, dtype=np.int64),
            "stream": np.array(y_s, dtype=np.int64),
            "segment": np.array(y_k, dtype=np.int64),
        }

        self.X: dict[tuple[int, int, int], Any] = {}
        for ai, code in enumerate(self.codes):
            for ti, year in enumerate(self.years):
                for bi, budget in enumerate(self.budgets):
                    var = self.prob.add_variable(lp_name("X", code, year, budget), lowBound=0.0)
                    self.X[(ai, ti, bi)] = var
                    terms = {var: 1.0}
                    for si in np.nonzero(inp.stream_budget == bi)[0].tolist():
                        for y in self._x.get((ai, ti, si), ()):
                            terms[y] = -1.0
                    self._add_row(
                        lp_name("def_X", code, year, budget), pulp.LpAffineExpression(terms), "==", 0.0
                    )
        self.N: dict[tuple[int, int], Any] = {}
        for ti, year in enumerate(self.years):
            for bi, budget in enumerate(self.budgets):
                var = self.prob.add_variable(lp_name("N", year, budget), lowBound=0.0)
                self.N[(ti, bi)] = var
                terms = {var: 1.0}
                for ai in range(len(self.codes)):
                    terms[self.X[(ai, ti, bi)]] = -1.0
                self._add_row(lp_name("def_N", year, budget), pulp.LpAffineExpression(terms), "==", 0.0)

    def _add_row(self, name: str, expr: Any, sense: str, rhs: float) -> Any:
        if name in self.prob._constraints:
            raise ValueError(f"duplicate constraint name {name}")
        c = pulp.LpConstraint(e=expr, sense=SENSES[sense], rhs=rhs, name=name)
        # What LpProblem.addConstraint does, less registering the row's variables: PuLP registers
        # every variable of every row again in LpProblem.variables() before it solves.
        self.prob._constraints[name] = c
        self.prob.modifiedConstraints.append(c)
        return c

    # --- what rule kinds read ----------------------------------------------------------------------

    def _pounds(self, variables: Any) -> Any:
        """An expression in £ of model variables (which are in units of ``scale`` £)."""
        return pulp.LpAffineExpression(dict.fromkeys(variables, self.scale))

    @staticmethod
    def combine(*pairs: tuple[float, Any]) -> Linear:
        """``sum(coef * expr)`` built in one pass, ready for :meth:`constrain` (PuLP's operators copy the
        expression at every step, which dominated the build of the larger rule families)."""
        out = Linear()
        for coef, expr in pairs:
            if isinstance(expr, (int, float)):
                out.constant += coef * expr
                continue
            out.constant += coef * expr.constant
            for var, c in expr.items():
                out[var] = out.get(var, 0.0) + coef * c
        return out

    def total(self, code: str, year: int) -> Any:
        """``X_{a,t}``: the area's total over budgets, £ (an expression)."""
        ai, ti = self._a[code], self._t[year]
        return self._pounds(self.X[(ai, ti, bi)] for bi in range(len(self.budgets)))

    def budget_total(self, code: str, year: int, budget: str) -> Any:
        """``X_{a,t,b}``: the area's total in one budget, £."""
        return self._pounds([self.X[(self._a[code], self._t[year], self.budgets.index(budget))]])

    def stream_amount(self, code: str, year: int, stream: str) -> Any | None:
        """``x_{a,t,s} = sum_k y``, £, or None where the area is not eligible for the stream."""
        seg = self._x.get((self._a[code], self._t[year], self._s[stream]))
        return self._pounds(seg) if seg else None

    def national_total(self, year: int, budget: str | None = None) -> Any:
        """The national total in a year, £, for one budget or all (auxiliary variables)."""
        ti = self._t[year]
        if budget is not None:
            return self._pounds([self.N[(ti, self.budgets.index(budget))]])
        return self._pounds(self.N[(ti, bi)] for bi in range(len(self.budgets)))

    def national_stream_total(self, year: int, stream: str) -> Any:
        """Sum over areas of one stream in one year, £ (a dense expression: one row per year only)."""
        ti, si = self._t[year], self._s[stream]
        return self._pounds(y for ai in range(len(self.codes)) for y in self._x.get((ai, ti, si), ()))

    def previous_total(self, code: str, year: int) -> Any:
        """``X_{a,t-1}``, the baseline total for the first year (a number then)."""
        if year == self.first_year:
            return float(self.inputs.base_total[self._a[code]])
        return self.total(code, year - 1)

    def population(self, code: str) -> float:
        return float(self.inputs.population[self._a[code]])

    def own(self, code: str, year: int) -> float:
        return float(self.inputs.own[self._a[code], self._t[year]])

    def own_previous(self, code: str, year: int) -> float:
        """Own resources of the year before ``year`` (the base year's for the first year)."""
        ai = self._a[code]
        if year == self.first_year:
            return float(self.inputs.own_base[ai])
        return float(self.inputs.own[ai, self._t[year] - 1])

    def formula_target(self, code: str, year: int) -> float:
        """``F_{a,t}``: the formula's (unphased) target total."""
        return float(self.inputs.formula_target[self._a[code], self._t[year]].sum())

    def envelope(self, budget: str, year: int) -> float:
        return float(self.inputs.envelope[self.budgets.index(budget), self._t[year]])

    def years_for(self, rule: Any) -> list[int]:
        return years_covered(rule.spec.years, self.years)

    def areas_for(self, rule: Any) -> list[str]:
        if not rule.spec.areas:
            return list(self.codes)
        mask = select(self.inputs.areas, rule.spec.areas)
        return [c for c, keep in zip(self.codes, mask, strict=True) if keep]

    # --- the one way to add a rule's constraint ----------------------------------------------------

    def constrain(
        self, rule: Any, key: tuple[Any, ...], lhs: Any, sense: str, rhs: Any, **where: Any
    ) -> None:
        """Add ``lhs sense rhs`` for ``rule``, named ``{rule_id}__{key}``.

        Args:
            rule: the rule kind instance (its ``rule_id``, ``kind`` and ``spec.mode``).
            key: the parts that make the row unique within the rule, e.g. ``(area_code, year)``.
            lhs, rhs: PuLP expressions or numbers.
            sense: ``"<="``, ``">="`` or ``"=="``.
            where: what the row belongs to: any of ``area_code``, ``year``, ``stream``, ``budget``.
        """
        name = lp_name(rule.rule_id, *key)
        if name in self.rows:
            raise ValueError(f"duplicate constraint name {name}")
        # One pass over both sides into one term dict, in model units: PuLP's operators would copy the
        # expression several times per row, which dominated the build.
        inv = 1.0 / self.scale
        terms: dict[Any, float] = {}
        constant = 0.0
        for side, sign in ((lhs, inv), (rhs, -inv)):
            if isinstance(side, (int, float)):
                constant += sign * side
                continue
            if isinstance(side, pulp.LpVariable):
                side = {side: 1.0}
            else:
                constant += sign * side.constant
            for var, coef in side.items():
                terms[var] = terms.get(var, 0.0) + sign * coef
        record = RowRecord(name=name, rule_id=rule.rule_id, kind=rule.kind, sense=sense, **where)
        soft = rule.spec.mode == "soft" or self.elastic
        if soft:
            penalty = rule.spec.penalty or self.scenario.objective.soft_penalty
            signs = {"<=": [-1.0], ">=": [1.0], "==": [1.0, -1.0]}[sense]
            for i, sign in enumerate(signs):
                slack = self.prob.add_variable(lp_name("slack", name, i), lowBound=0.0)
                terms[slack] = sign
                record.slack.append(slack)
                self.penalties.append((slack, penalty))
        self.rows[name] = record
        record.constraint = self._add_row(name, pulp.LpAffineExpression(terms), sense, -constant)
