"""A scenario built into an LP and kept alive in HiGHS between solves (``allocator.engine.solve`` is one
solve of one).

A what-if that changes numbers only (an envelope, a rule parameter, an effect, a weight) is pushed into
the live model as new bounds, costs and coefficients and re-solved from the last basis; a change of
structure (another rule, more segments, other areas) rebuilds it. One ``Model`` per worker is the intended
use for sweeps::

    m = al.Model(al.load_scenario("scenarios/baseline.yaml"))
    base = m.solve()
    tight = m.resolve({"envelopes.resource.2027": 5.4e9})   # equal to al.solve() of the changed scenario

Besides verified settlements it gives a sweep's lean path: :meth:`Model.resolve_arrays` returns the
allocation as arrays (``allocator.lean_solve.LeanSolve``), started from a :class:`Snapshot` if given.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import logging
import time
from typing import NoReturn

import numpy as np

from allocator.errors import GeographyError, InfeasibleError
from allocator.geography import Geography
from allocator.geography.fit import check_fit
from allocator.lean_solve import LeanSolve, Snapshot
from allocator.live_formula import LiveFormula
from allocator.model.build import ModelBuilder, build_model
from allocator.model.elastic import diagnose
from allocator.model.formula import FormulaAllocation
from allocator.model.formula_allocation import Undecided
from allocator.model.formula_lp import NoFormulaAllocation
from allocator.model.highs_backend import HighsModel, Solution
from allocator.model.inputs import build_inputs, with_envelopes
from allocator.model.objective import Objective, add_deviations, objective
from allocator.model.solve import (
    Deadline,
    SolveReport,
    Status,
    decomposes,
    live_model,
    raise_for,
    row_table,
    solve_lp,
)
from allocator.model.update import renumber, what_changed
from allocator.progress import Progress
from allocator.results import Solved, make_settlement
from allocator.scenario_layers import Overrides
from allocator.schema import Scenario, SolverSpec
from allocator.settlement import Settlement

logger = logging.getLogger(__name__)


class Model:
    """A scenario built into an LP, kept alive between solves.

    Args:
        scenario: the resolved scenario.
        geography: its geography, if already loaded (loaded from the scenario otherwise).
        progress: progress display for the CLI.
        deadline: the time budget the first solve shares with loading and building (a new one, of
            ``solver.time_limit_s``, otherwise).
    """

    def __init__(
        self,
        scenario: Scenario,
        geography: Geography | None = None,
        progress: Progress | None = None,
        deadline: Deadline | None = None,
    ):
        self.progress = progress or Progress(enabled=False)
        self._deadline = deadline or Deadline(scenario.solver.time_limit_s)
        self.timings: dict[str, float] = {}
        t0 = time.perf_counter()
        if geography is None:
            from allocator.geography.load import load_geography

            with self.progress.step("loading geography"):
                geography = load_geography(scenario)
        elif problems := check_fit(scenario, geography.areas, "<scenario>"):
            raise GeographyError(
                problems
            )  # load_geography checks this; a geography built in code has not been
        self.geography = geography
        self.timings["load_s"] = time.perf_counter() - t0
        self._deadline.check("loading the geography")
        self._live: HighsModel | None = None
        self._prices: np.ndarray | None = None  # the last solve's row duals, when it was by area
        self.formula = LiveFormula()
        self.fast = False
        """Whether the last resolve took the fast path (numbers found rule by rule, no LP built)."""
        self.warm = False
        """Whether the last solve started from the previous solve's basis (a resolve of numbers only)."""
        self._build(scenario)
        self._deadline.check("building the model")

    # --- building ----------------------------------------------------------------------------------

    def _build(self, scenario: Scenario) -> None:
        t0 = time.perf_counter()
        with self.progress.step("building the model"):
            self.scenario = scenario
            self.inputs = build_inputs(scenario, self.geography)
            mode = scenario.objective.mode
            if mode == "least_cost":  # solved at the scenario's envelopes here; solve() finds the least
                mode = "mission_value"
            self.m: ModelBuilder | None = None
            self.objective: Objective | None = None
            if mode != "formula":
                self.m = build_model(self.inputs)
                deviations = add_deviations(self.m) if mode == "blend" else None
                if mode == "robust":
                    from allocator.model.robust import robust_objective

                    self.objective = robust_objective(self.m)
                else:
                    self.objective = objective(self.m, mode, scenario.objective.blend_beta, deviations)
        self.timings["build_s"] = time.perf_counter() - t0

    @property
    def lp_rows(self) -> int | None:
        return self.m.asm.n_rows if self.m is not None else None

    # --- solving -----------------------------------------------------------------------------------

    def solve(self) -> Settlement:
        """Solve the scenario as built; returns its verified settlement.

        Raises:
            InfeasibleError: no allocation meets every hard rule; carries the elastic diagnosis (exit 3).
            SolverError: the solver failed or the run's time limit passed (exit 4).
        """
        deadline, self._deadline = self._deadline, None
        return self._settle(deadline or Deadline(self.scenario.solver.time_limit_s), warm=False)

    def solve_arrays(self, formula: bool = True) -> LeanSolve:
        """As :meth:`solve`, but returns the allocation as arrays (see :meth:`resolve_arrays`)."""
        deadline, self._deadline = self._deadline, None
        deadline = deadline or Deadline(self.scenario.solver.time_limit_s)
        return self._solve(deadline, warm=False, formula=formula, diagnose=False)

    def resolve(self, overrides: Overrides) -> Settlement:
        """The settlement of this scenario with ``overrides`` (dotted keys, as ``--set``).

        Changed numbers are pushed into the live LP and it is re-solved from its last basis; a change of
        structure rebuilds it. The model then holds the changed scenario. The result equals a cold
        ``solve`` of ``scenario.with_overrides(overrides)``.
        """
        deadline, warm = self._apply(overrides)
        return self._settle(deadline, warm=warm)

    def resolve_arrays(
        self, overrides: Overrides | Scenario, start: Snapshot | None = None, formula: bool = True
    ) -> LeanSolve:
        """As :meth:`resolve`, but returns the allocation as arrays, with no tables and no verification
        (a sweep's lean path); an infeasible scenario gives status ``infeasible`` without a diagnosis.

        Args:
            overrides: dotted keys, as ``--set``, or the whole changed scenario.
            start: a :meth:`snapshot` to start from (its basis and the formula's start) instead of the last
                solve's, so a block of variants gives the same result whatever ran before it.
            formula: also compute the formula allocation (reused when nothing it reads changed).
        """
        deadline, warm = self._apply(overrides)
        if start is not None:
            # Exactly the state a fresh process would reach: the formula found again from the shares, and
            # a new HiGHS object (no pivoting history) started from the snapshot's basis.
            self.formula.forget(start.shares, start.formula_bases)
            fits = (
                start.basis is not None
                and self.m is not None
                and len(start.basis.col_status) == self.m.asm.n_cols
            )
            if self._live is not None and fits and warm:
                self._live = HighsModel(self.m.asm.lp(), self.objective.cost, self.scenario.solver)
                self._live.set_basis(start.basis)
        return self._solve(deadline, warm, formula=formula, diagnose=False)

    def snapshot(self) -> Snapshot:
        """Where the next solve would start: the live basis, the formula's shares and its LPs' bases."""
        basis = self._live.basis() if self._live is not None else None
        return Snapshot(basis, copy.deepcopy(self.formula.shares), dict(self.formula.bases))

    def _apply(self, overrides: Overrides | Scenario) -> tuple[Deadline, bool]:
        t0 = time.perf_counter()
        new = overrides if isinstance(overrides, Scenario) else self.scenario.with_overrides(overrides)
        deadline = Deadline(new.solver.time_limit_s)
        if _geography_inputs(new) != _geography_inputs(self.scenario):
            from allocator.geography.load import load_geography

            self.geography = load_geography(new)
            self._live = self._prices = None
            self.formula.forget()
        elif problems := check_fit(new, self.geography.areas, "<overrides>"):
            raise GeographyError(problems)  # e.g. a changed rule whose areas now select no area
        self.fast = self._renumber(new)
        if self.fast:
            warm = True
        else:
            old_m, old_solver = self.m, self.scenario.solver
            self._build(new)
            warm = self._patch(old_m, old_solver)
        self.warm = warm
        self.timings["resolve_build_s"] = time.perf_counter() - t0
        return deadline, warm

    def _renumber(self, new: Scenario) -> bool:
        """The fast path: a variant of the envelopes, rules' parameters or missions' weights only, whose
        rules' rows keep their shape, gets new numbers rule by rule (``allocator.model.update``) and they
        are pushed into the live model; True if it did (False: build the LP again)."""
        m, live, mode = self.m, self._live, new.objective.mode
        if m is None or live is None or live.abandoned or mode not in ("mission_value", "least_cost"):
            return False
        changed = what_changed(self.scenario, new)
        if changed is None:
            return False
        if changed.weights:
            inputs = build_inputs(new, self.geography)
        elif changed.envelopes:
            inputs = with_envelopes(self.inputs, new)
        else:
            inputs = dataclasses.replace(self.inputs, scenario=new)
        moved = changed.rules | (m.reads_targets if changed.envelopes else set())
        rule_ids = list(new.rules) if changed.weights else [r for r in new.rules if r in moved]
        done = renumber(m, inputs, rule_ids)
        if done is None:
            return False
        self.scenario, self.inputs = new, inputs
        if len(done.rows):
            live.set_row_bounds(done.rows, done.lower, done.upper)
        if len(done.entry_rows):
            live.set_coefficients(done.entry_rows, done.entry_cols, done.entry_values)
        if changed.weights:  # the value of every segment, and the soft rules' penalties scaled to it
            self.objective = objective(m, "mission_value", new.objective.blend_beta)
            costs = np.nonzero(live.cost != self.objective.cost)[0]
            if len(costs):
                live.set_costs(self.objective.cost[costs], costs)
        return True

    def _patch(self, old: ModelBuilder | None, old_solver: SolverSpec) -> bool:
        """Push the new model's numbers into the live one if only numbers changed; True if it did."""
        live, new = self._live, self.m
        if live is None or old is None or new is None or live.abandoned:
            self._live = None
            return False
        if self.scenario.solver != old_solver:
            self._live = None
            return False
        a, b = old.asm, new.asm
        if (a.n_cols, a.n_rows) != (b.n_cols, b.n_rows):
            self._live = None
            return False
        (sa, ia, va), (sb, ib, vb) = a.csr(), b.csr()
        if not (np.array_equal(sa, sb) and np.array_equal(ia, ib)):
            self._live = None
            return False
        cols = np.nonzero((a.col_lower != b.col_lower) | (a.col_upper != b.col_upper))[0]
        if len(cols):
            live.set_col_bounds(cols, b.col_lower[cols], b.col_upper[cols])
        (la, ha), (lb, hb) = a.row_bounds(), b.row_bounds()
        rows = np.nonzero((la != lb) | (ha != hb))[0]
        if len(rows):
            live.set_row_bounds(rows, lb[rows], hb[rows])
        changed = np.nonzero(va != vb)[0]
        if len(changed):
            row = np.repeat(np.arange(b.n_rows), np.diff(sb))
            live.set_coefficients(row[changed], ib[changed], vb[changed])
        costs = np.nonzero(live.cost != self.objective.cost)[0]
        if len(costs):
            live.set_costs(self.objective.cost[costs], costs)
        return True

    def _solve(
        self, deadline: Deadline, warm: bool, formula: bool = True, diagnose: bool = True
    ) -> LeanSolve:
        """Solve the scenario's LP (unless its objective is the formula) and find the formula allocation."""
        with contextlib.ExitStack() as processes:  # a formula process is stopped however this ends
            return self._solve_in(processes, deadline, warm, formula, diagnose)

    def _solve_in(
        self, processes: contextlib.ExitStack, deadline: Deadline, warm: bool, formula: bool, diagnose: bool
    ) -> LeanSolve:
        sc, progress = self.scenario, self.progress
        timings = dict(self.timings)
        mode = sc.objective.mode
        report: SolveReport | None = None
        sol: Solution | None = None
        x = None
        early: list[FormulaAllocation | Undecided] = []
        early_s: list[float] = []

        def formula_meanwhile() -> None:  # the direct formula uses no solver: it runs while HiGHS solves
            t0 = time.perf_counter()
            early.append(self.formula.direct(self.inputs, with_rows=mode == "formula"))
            early_s.append(time.perf_counter() - t0)

        beside = None  # by area, the formula's LPs run in a second process while the areas are solved
        if formula and self.m is not None and decomposes(self.m.asm.lp(), sc.solver):
            known = self.formula.known(self.inputs, with_rows=mode == "formula")
            if known is None:
                process = self.formula.beside(self.inputs, sc.solver, deadline.remaining(), mode == "formula")
                beside = processes.enter_context(process)
            else:
                early.append(known)
        if self.m is not None:
            with progress.step(f"solving ({mode})"):
                if self._live is None:
                    self._live = live_model(self.m.asm.lp(), self.objective.cost, sc.solver)
                report, sol = solve_lp(
                    self.m.asm.lp(),
                    self.objective,
                    sc.solver,
                    deadline,
                    self._live,
                    warm=warm,
                    meanwhile=formula_meanwhile if formula and not early and beside is None else None,
                    prices=self._prices,
                    sample=True,
                )
            if report.algorithm == "decomposed" and sol.dual is not None:
                self._prices = sol.dual  # a solve by area keeps no live model: the next starts from these
            timings["solve_s"] = report.seconds
            if report.status == Status.INFEASIBLE:
                if diagnose:
                    self._raise_infeasible(deadline)
                return LeanSolve(None, None, None, report, "", None, timings, warm)
            if report.status != Status.OPTIMAL:
                if self._live is not None and self._live.abandoned:
                    self._live = None
                raise_for(report, f"solving ({mode})", deadline.seconds)
            x = self.m.allocation(sol.x)
        found = None
        if formula or self.m is None:
            t0 = time.perf_counter() - sum(early_s)  # its time while the LP was solved counts too
            with progress.step("the formula allocation"):
                try:
                    if beside is not None:
                        early.append(self.formula.taken(beside))
                        t0 = time.perf_counter() - early[0].seconds  # its own time, beside the solve
                    found = self.formula.find(
                        self.inputs, sc.solver, deadline, mode == "formula", early[0] if early else None
                    )
                except NoFormulaAllocation:
                    if diagnose:
                        self._raise_infeasible(deadline)
                    failed = SolveReport(Status.INFEASIBLE, None, sc.solver.name, "", "formula", 0.0)
                    return LeanSolve(None, None, None, report or failed, "", None, timings, warm)
            timings["formula_s"] = time.perf_counter() - t0
        if self.m is None:
            x = found.x
            distance = float(np.abs(x.sum(axis=2) - self.inputs.phased_target.sum(axis=2)).sum())
            report = SolveReport(
                Status.OPTIMAL,
                -distance,
                sc.solver.name if found.method == "lp" else "none",
                "",
                found.method,
                found.seconds,
            )
        if found is None:
            return LeanSolve(x, None, sol, report, "", None, timings, warm)
        return LeanSolve(x, found.x, sol, report, found.method, found.rows, timings, warm)

    def _settle(self, deadline: Deadline, warm: bool) -> Settlement:
        return self.settlement(self._solve(deadline, warm))

    def settlement(self, lean: LeanSolve) -> Settlement:
        """The verified settlement of a feasible solve of this model (its tables, checks and summary)."""
        if lean.x is None or lean.x_formula is None:
            raise ValueError("a settlement needs a feasible solve with its formula allocation")
        if self.m is not None:
            rows = row_table(self.m, lean.solution, self.objective.norm)
        else:
            rows = lean.formula_rows
        solved = Solved(lean.x, lean.x_formula, rows, lean.report, lean.formula_method, self.lp_rows)
        return make_settlement(self.inputs, self.geography, solved, lean.timings)

    def _raise_infeasible(self, deadline: Deadline) -> NoReturn:
        sc = self.scenario
        with self.progress.step("infeasible: re-solving with every rule elastic"):
            diagnosis = diagnose(self.inputs, self.geography, deadline)
        lines = [f"'{sc.name}' is infeasible: no settlement meets every hard rule."]
        lines += [f"  - {text}" for text in diagnosis["explanation"].drop_duplicates()]
        raise InfeasibleError("\n".join(lines), diagnosis)


def _geography_inputs(scenario: Scenario) -> tuple:
    """What loading the geography reads from a scenario (a change means loading it again): the
    geography section, the integrated selector, the years (own resources grown to them) and the
    streams' illustrative baseline shares."""
    shares = {name: s.baseline_share for name, s in scenario.streams.items()}
    return (scenario.geography, scenario.integrated, tuple(scenario.years), shares)
