"""The formula allocation's LPs in a second process, beside the scenario's solve by area.

A solve by area runs in the calling thread; while it runs, the machine's second core is idle, and the
formula allocation (when its LPs are needed: 20 s at 3,500 areas) waits for it. The two are independent,
so the formula is found in a fresh interpreter (``python -m allocator.model.formula_process``) at the
same time. Not a thread: HiGHS is not safe with solves in two threads of one process (a crash was seen).
Not a fork: HiGHS's state in a forked copy is not safe either. The child gets the model's inputs and
the formula's starting shares, and sends back the allocation and the shares it found, or the error it
met, which is raised here as the same kind of error.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import sys
import traceback

import numpy as np

from allocator.errors import SolverError
from allocator.model.formula import FormulaAllocation
from allocator.model.formula_lp import NoFormulaAllocation
from allocator.model.inputs import ModelInputs
from allocator.model.processes import Started
from allocator.schema import SolverSpec

_ERRORS: dict[str, type[Exception]] = {"NoFormulaAllocation": NoFormulaAllocation, "SolverError": SolverError}
"""Errors the child reports that are raised here as themselves; any other is a RuntimeError."""


class FormulaProcess:
    """The formula allocation of ``inputs`` being found in a second process; ``result()`` waits for it.
    Use as a context manager: leaving the block early stops the child."""

    def __init__(
        self,
        inputs: ModelInputs,
        spec: SolverSpec,
        time_limit_s: float,
        with_rows: bool,
        shares: dict[int, np.ndarray],
    ):
        self.started = Started(
            "allocator.model.formula_process", (inputs, spec, time_limit_s, with_rows, shares)
        )
        self.proc = self.started.proc

    def result(self) -> tuple[FormulaAllocation, dict[int, np.ndarray]]:
        """The allocation and the shares found. Raises the child's error (NoFormulaAllocation when the
        rules leave no allocation, SolverError for the solver's trouble, RuntimeError otherwise)."""
        self.started.sent()
        with contextlib.suppress(OSError):
            self.proc.stdin.close()
        try:
            kind, value = pickle.load(self.proc.stdout)
        except (EOFError, pickle.UnpicklingError, OSError):
            self.proc.wait()
            raise RuntimeError(f"the formula's process ended with code {self.proc.returncode}") from None
        self.proc.wait()
        if kind == "ok":
            return value
        name, message = value
        raise _ERRORS.get(name, RuntimeError)(message)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.started.sent()  # the writer ends once the child is gone
        for stream in (self.proc.stdin, self.proc.stdout):
            with contextlib.suppress(OSError):
                stream.close()

    def __enter__(self) -> FormulaProcess:
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _serve() -> None:
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # what a library prints never enters the answer
    from allocator.model.formula_allocation import formula_allocation
    from allocator.model.solve import Deadline

    inputs, spec, time_limit_s, with_rows, shares = pickle.load(sys.stdin.buffer)
    try:
        found = formula_allocation(inputs, spec, Deadline(time_limit_s), with_rows, shares)
        answer: tuple[str, object] = ("ok", (found, shares))
    except Exception as exc:  # sent to the parent, which raises it
        name = type(exc).__name__
        answer = ("error", (name, str(exc) if name in _ERRORS else traceback.format_exc()))
    pickle.dump(answer, out, pickle.HIGHEST_PROTOCOL)
    out.flush()


if __name__ == "__main__":
    _serve()
