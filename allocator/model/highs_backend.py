"""The default emitter: the assembled matrix passed straight to HiGHS, kept alive for re-solves.

The whole LP goes over in one call (highspy's raw-array ``passModel``: CSR matrix, bounds, costs), and
every ``HighsStatus`` is checked. The ``Highs`` object stays alive: a changed number (a bound, a cost, a
coefficient) is pushed into it and the next solve starts from the last basis.

HiGHS minimises; the settlement's objective is maximised, so the costs go over negated and the row duals
come back negated (``Solution.dual`` is d(objective)/d(rhs) of the maximised objective, in model units).

A solve has a watchdog: HiGHS's own ``time_limit``, plus a timer that asks the solver to stop
(``cancelSolve``) shortly after the limit and, if it still has not returned, stops waiting for it, so a
caller gets its answer (a time-limit status) within about a second of the limit whatever the solver does.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from allocator.model.assembly import LP
from allocator.schema import SolverSpec

if TYPE_CHECKING:
    import highspy  # loaded only when a solve needs it

logger = logging.getLogger(__name__)

CANCEL_AFTER_S = 0.5
"""How long past its time limit a solve may run before the watchdog asks HiGHS to stop."""
ABANDON_AFTER_S = 1.5
"""How long past its time limit the watchdog waits for a stopped solve before it gives up waiting."""
EXIT_WAIT_S = 30.0
"""How long the process waits, as it exits, for an abandoned solve to stop."""

_ABANDONED: list[highspy.Highs] = []
"""``Highs`` objects whose solve was abandoned while still running. They are kept alive (a solver
destroyed mid-solve ends the process with "terminate called") and stopped before the process exits."""


def _wait_for_abandoned(timeout_s: float) -> bool:
    """Stop the abandoned solves and wait for them, up to ``timeout_s`` in all; True once none runs.

    highspy marks a solve as running with one lock shared by every ``Highs`` object, so no other solve
    can start in this process while an abandoned one still runs (a sweep goes on after a variant's
    solve was abandoned)."""
    end = time.perf_counter() + max(timeout_s, 0.0)
    for h in list(_ABANDONED):
        h.cancelSolve()
        done, _ = h.wait(max(end - time.perf_counter(), 0.0))
        if not done:
            return False
        _ABANDONED.remove(h)
    return True


@atexit.register
def _stop_abandoned() -> None:
    """Stop every abandoned solve before the interpreter exits: its native threads must not outlive it."""
    for h in _ABANDONED:
        with contextlib.suppress(Exception):
            h.cancelSolve()
            h.wait(EXIT_WAIT_S)


@dataclass
class Solution:
    """What a solve returns, whichever emitter ran it (values in model units, objective maximised)."""

    status: str
    """``optimal``, ``infeasible``, ``unbounded``, ``time_limit`` or ``error``."""
    x: np.ndarray | None
    dual: np.ndarray | None
    """d(objective)/d(rhs) of the maximised objective (the objective as the solver saw it)."""
    objective: float | None
    seconds: float
    iterations: int = 0
    message: str = ""
    extra: dict[str, float] = field(default_factory=dict)


@contextlib.contextmanager
def quiet_stdout():
    """Silence C-level stdout (HiGHS prints a banner when its object is created, whatever the options)."""
    sys.stdout.flush()
    try:
        saved = os.dup(1)
    except OSError:  # no real stdout (some test runners): nothing to silence
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 1)
            yield
    finally:
        os.dup2(saved, 1)
        os.close(saved)


def _check(status: highspy.HighsStatus, what: str) -> None:
    import highspy

    if status == highspy.HighsStatus.kError:
        raise RuntimeError(f"HiGHS refused {what}")


def status_of(h: highspy.Highs) -> str:
    """A ``Highs`` object's model status as ``Solution.status`` (``optimal``, ``infeasible``...); PuLP's
    HiGHS interface is read through it too, since PuLP reports a time limit as optimal."""
    import highspy

    s = h.getModelStatus()
    ms = highspy.HighsModelStatus
    if s == ms.kOptimal:
        return "optimal"
    if s in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
        return "infeasible"
    if s == ms.kUnbounded:
        return "unbounded"
    if s in (ms.kTimeLimit, ms.kIterationLimit, ms.kInterrupt):
        return "time_limit"
    if s == ms.kUnknown and h.getInfo().primal_solution_status == 2 and h.getInfo().dual_solution_status == 2:
        # IPM without crossover can stop with feasible primal and dual solutions whose gap meets the
        # tolerance but that HiGHS does not certify optimal: accept them.
        return "optimal"
    return "error"


class HighsModel:
    """One LP held by a live ``Highs`` object.

    Args:
        lp: the LP (its matrix, column and row bounds): an assembly's ``lp()`` or ``restrict(...)``.
        cost: the maximised objective's cost of each column (model units).
        spec: the scenario's solver options.
    """

    def __init__(self, lp: LP, cost: np.ndarray, spec: SolverSpec):
        import highspy

        self.spec = spec
        with quiet_stdout():
            self.h = highspy.Highs()
        self.h.setOptionValue("output_flag", bool(spec.msg))
        self.h.HandleUserInterrupt = True
        self.n_cols, self.n_rows = lp.n_cols, lp.n_rows
        self.cost = np.asarray(cost, dtype=float).copy()
        status = self.h.passModel(
            lp.n_cols,
            lp.n_rows,
            len(lp.value),
            int(highspy.MatrixFormat.kRowwise),
            int(highspy.ObjSense.kMinimize),
            0.0,
            -self.cost,
            lp.col_lower,
            lp.col_upper,
            lp.row_lower,
            lp.row_upper,
            lp.start.astype(np.int32),
            lp.index.astype(np.int32),
            lp.value,
            np.zeros(lp.n_cols, dtype=np.int32),
        )
        _check(status, "the model")
        self._options(spec)
        self.solved = False
        self.abandoned = False

    def _options(self, spec: SolverSpec) -> None:
        for name, value in {
            "solver": spec.algorithm,
            "threads": spec.threads,
            "random_seed": spec.seed,
            "presolve": "on",
            **spec.options,
        }.items():
            _check(self.h.setOptionValue(name, value), f"option {name}={value!r}")

    # --- changing numbers in place -----------------------------------------------------------------

    def set_costs(self, cost: np.ndarray, cols: np.ndarray | None = None) -> None:
        """New maximised costs for every column (or for ``cols``)."""
        cols = np.arange(self.n_cols) if cols is None else np.asarray(cols)
        self.cost[cols] = cost
        _check(self.h.changeColsCost(len(cols), cols.astype(np.int32), -np.asarray(cost, float)), "costs")

    def set_col_bounds(self, cols: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        cols = np.asarray(cols, dtype=np.int32)
        lo = np.broadcast_to(np.asarray(lower, float), cols.shape).copy()
        hi = np.broadcast_to(np.asarray(upper, float), cols.shape).copy()
        _check(self.h.changeColsBounds(len(cols), cols, lo, hi), "column bounds")

    def set_row_bounds(self, rows: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> None:
        rows = np.asarray(rows, dtype=np.int32)
        lo = np.broadcast_to(np.asarray(lower, float), rows.shape).copy()
        hi = np.broadcast_to(np.asarray(upper, float), rows.shape).copy()
        _check(self.h.changeRowsBounds(len(rows), rows, lo, hi), "row bounds")

    def set_coefficients(self, rows: np.ndarray, cols: np.ndarray, values: np.ndarray) -> None:
        for r, c, v in zip(rows.tolist(), cols.tolist(), values.tolist(), strict=True):
            _check(self.h.changeCoeff(r, c, v), "a coefficient")

    # --- the basis ---------------------------------------------------------------------------------

    def basis(self) -> highspy.HighsBasis | None:
        """The last solve's basis (a copy), or None before any solve: what a later solve may start from."""
        if not self.solved:
            return None
        import highspy

        b = self.h.getBasis()
        out = highspy.HighsBasis()
        out.col_status, out.row_status = list(b.col_status), list(b.row_status)
        out.valid = b.valid
        return out if b.valid else None

    def set_basis(self, basis: highspy.HighsBasis) -> None:
        """Start the next solve from ``basis`` (one of :meth:`basis`'s, of a model of this shape)."""
        _check(self.h.setBasis(basis), "the basis")
        self.solved = True

    # --- solving -----------------------------------------------------------------------------------

    def solve(
        self,
        time_limit_s: float,
        presolve: bool = True,
        warm: bool = False,
        meanwhile: Callable[[], object] | None = None,
    ) -> Solution:
        """Solve within ``time_limit_s`` (the watchdog's limit too).

        ``warm`` re-solves from the last basis with simplex (an IPM solve would ignore the basis).
        ``meanwhile`` runs in this thread while HiGHS solves in its own (it must not use HiGHS itself);
        if it raises, the solve is stopped and the error passed on.
        """
        if self.abandoned:
            raise RuntimeError("this model's last solve was abandoned while still running")
        h = self.h
        h.setOptionValue("presolve", "on" if presolve and not warm else "off")
        if warm and self.solved:
            h.setOptionValue("solver", "simplex")
        h.setOptionValue("time_limit", max(float(time_limit_s), 1e-3))
        t0 = time.perf_counter()
        if h.is_solver_running() and not _wait_for_abandoned(time_limit_s):
            return Solution("time_limit", None, None, None, 0.0, message="an earlier solve did not stop")
        thread = h.startSolve()
        if meanwhile is not None:
            try:
                meanwhile()
            except BaseException:
                h.cancelSolve()
                if not h.wait(ABANDON_AFTER_S)[0]:
                    self.abandoned = True
                    _ABANDONED.append(h)  # as below: kept alive, and stopped at exit
                raise
        done, _ = h.wait(max(time_limit_s - (time.perf_counter() - t0), 0.0) + CANCEL_AFTER_S)
        if not done:
            logger.info("HiGHS passed its time limit; asking it to stop")
            h.cancelSolve()
            done, _ = h.wait(ABANDON_AFTER_S - CANCEL_AFTER_S)
        if warm:
            h.setOptionValue("solver", self.spec.algorithm)
        seconds = time.perf_counter() - t0
        if not done:
            self.abandoned = True
            _ABANDONED.append(h)  # kept alive, and stopped at exit (see _stop_abandoned)
            del thread
            return Solution("time_limit", None, None, None, seconds, message="the solver did not stop")
        self.solved = True
        status = status_of(h)
        info = h.getInfo()
        iterations = int(info.simplex_iteration_count) + int(info.ipm_iteration_count)
        if status != "optimal":
            return Solution(status, None, None, None, seconds, iterations)
        sol = h.getSolution()
        x = np.asarray(sol.col_value, dtype=float)
        dual = -np.asarray(sol.row_dual, dtype=float)
        objective = float(self.cost @ x)
        return Solution(status, x, dual, objective, seconds, iterations)
