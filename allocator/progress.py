"""Progress display for steps that can take more than a second; silent with --quiet or off a terminal."""

from __future__ import annotations

import contextlib
import sys
import time
from collections.abc import Iterator

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
