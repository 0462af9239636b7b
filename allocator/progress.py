"""Progress display for steps that can take more than a second; silent with --quiet or off a terminal."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator
from typing import Any

from rich.console import Console


class Progress:
    """Shows a spinner with the current step, then a line with how long it took."""

    def __init__(self, enabled: bool | None = None, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self.enabled = (sys.stderr.isatty() if enabled is None else enabled) and self.console.is_terminal

    @contextlib.contextmanager
    def step(self, what: str) -> Iterator[None]:
        if not self.enabled:
            yield
            return
        t0 = time.perf_counter()
        with self.console.status(f"{what}..."):
            yield
        self.console.print(f"[dim]{what}: {time.perf_counter() - t0:.1f} s[/]")


class SweepProgress:
    """A sweep's progress: variants done of all, the rate, and the time left (on stderr, a terminal only).

    Variants found by an earlier, interrupted run of the same sweep count as done from the start; the
    rate counts only this run's.
    """

    def __init__(self, enabled: bool | None = None, console: Console | None = None):
        self.console = console or Console(stderr=True)
        self.enabled = (sys.stderr.isatty() if enabled is None else enabled) and self.console.is_terminal
        self.total = self.done = self.resumed = 0
        self._t0 = time.perf_counter()
        self._status: Any = None

    def start(self, total: int, already: int = 0) -> None:
        self.total, self.done, self.resumed = total, already, already
        self._t0 = time.perf_counter()
        if self.enabled:
            if already:
                self.console.print(f"[dim]resuming: {already:,} of {total:,} variants already written[/]")
            self._status = self.console.status(self.line())
            self._status.start()

    def line(self) -> str:
        new = self.done - self.resumed
        elapsed = time.perf_counter() - self._t0
        rate = new / elapsed if elapsed > 0 and new else 0.0
        left = (self.total - self.done) / rate if rate else float("nan")
        eta = "" if left != left else f", {_duration(left)} left"
        return f"variants {self.done:,}/{self.total:,} ({rate:.1f}/s{eta})"

    def advance(self) -> None:
        self.done += 1
        if self._status is not None:
            self._status.update(self.line())

    def finish(self, seconds: float) -> None:
        if self._status is not None:
            self._status.stop()
            new = self.done - self.resumed
            self.console.print(f"[dim]{new:,} variants solved in {_duration(seconds)}[/]")


def _duration(seconds: float) -> str:
    seconds = max(0, round(seconds))
    return f"{seconds // 60}m {seconds % 60:02d}s" if seconds >= 60 else f"{seconds}s"
