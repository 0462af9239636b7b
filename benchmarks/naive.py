"""A naive PuLP build of the same settlement LP, for comparison with allocator's block build.

It builds exactly the same variables, rows and objective, the way PuLP is commonly written: one Python
call per coefficient (``lpSum(c * v for ...)``, ``prob += expr == 0``). Rules are added by the same rule
kinds. Used only by ``benchmarks/run.py``.
"""

from __future__ import annotations

import numpy as np
import pulp

from allocator.model.build import ModelBuilder, lp_name
from allocator.model.objective import value_coefficients


class NaiveModelBuilder(ModelBuilder):
    def _add_variables(self) -> None:
        inp = self.inputs
        widths = np.diff(inp.breakpoints, axis=1)
        n_k = widths.shape[1]
        self.y_vars, self._x = [], {}
        y_a, y_t, y_s, y_k = [], [], [], []
        for ti, year in enumerate(self.years):
            for ai, code in enumerate(self.codes):
                for si, stream in enumerate(self.streams):
                    if not inp.eligible[ai, si]:
                        continue
                    seg = [
                        pulp.LpVariable(
                            lp_name("y", code, year, stream, k),
                            0,
                            inp.population[ai] / self.scale * widths[si, k],
                        )
                        for k in range(n_k)
                    ]
                    self._x[(ai, ti, si)] = seg
                    self.y_vars.extend(seg)
                    y_a += [ai] * n_k
                    y_t += [ti] * n_k
                    y_s += [si] * n_k
                    y_k += list(range(n_k))
        self.y_index = {
            k: np.array(v)
            for k, v in zip(("area", "year", "stream", "segment"), (y_a, y_t, y_s, y_k), strict=True)
        }
        self.X, self.N = {}, {}
        for ai, code in enumerate(self.codes):
            for ti, year in enumerate(self.years):
                for bi, budget in enumerate(self.budgets):
                    var = pulp.LpVariable(lp_name("X", code, year, budget), 0)
                    self.X[(ai, ti, bi)] = var
                    parts = [
                        y
                        for si in range(len(self.streams))
                        if inp.stream_budget[si] == bi
                        for y in self._x.get((ai, ti, si), ())
                    ]
                    self.prob += (
                        var - pulp.lpSum(1.0 * y for y in parts) == 0,
                        lp_name("def_X", code, year, budget),
                    )
        for ti, year in enumerate(self.years):
            for bi, budget in enumerate(self.budgets):
                var = pulp.LpVariable(lp_name("N", year, budget), 0)
                self.N[(ti, bi)] = var
                total = pulp.lpSum(1.0 * self.X[(ai, ti, bi)] for ai in range(len(self.codes)))
                self.prob += (var - total == 0, lp_name("def_N", year, budget))


def naive_objective(m: ModelBuilder) -> None:
    """The mission-value objective with soft-rule penalties, one product per coefficient."""
    coef = value_coefficients(m)
    scale = float(coef.max())
    value = pulp.lpSum(c * y for c, y in zip(coef.tolist(), m.y_vars, strict=True))
    penalty = pulp.lpSum(multiple * scale * slack for slack, multiple in m.penalties)
    m.prob.setObjective(value - penalty)
