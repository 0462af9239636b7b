"""The one way the command line prints: consoles that no text from a user's file can break, and the
error handler that turns exceptions into a message and an exit code.

Names of areas, rules and fields come from files anyone may have written. Every string the consoles
render passes through ``SafeConsole.render_str``: control characters are shown as ``\\xNN`` (no escape
sequence reaches the terminal), expanded ``${VAR}`` paths are shown as written (``allocator.paths``), and
text whose markup cannot be parsed (``[/x]`` in an area name) is shown literally instead of raising.
Callers still escape what they interpolate into markup (``allocator.safe_text.terminal``), so a name
such as ``[bold]`` prints as written; the console is the net under that.
"""

from __future__ import annotations

import contextlib
import gc
import logging
import sys
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import click
from rich.console import Console
from rich.errors import MarkupError, StyleError
from rich.text import Text

from allocator.errors import AllocatorError, InfeasibleError
from allocator.paths import shown
from allocator.safe_text import terminal, visible

INTERRUPTED = 130
"""Exit code after Ctrl-C (128 + SIGINT), as shells expect."""


class SafeConsole(Console):
    """A rich console that shows any string safely (see the module docstring)."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        text = visible(shown(text))
        try:
            return super().render_str(text, **kwargs)
        except (MarkupError, StyleError):
            return super().render_str(text, **{**kwargs, "markup": False})


class SafeLogFormatter(logging.Formatter):
    """Log lines (``-v``) shown as safely as the consoles show text: they quote overrides and names too."""

    def format(self, record: logging.LogRecord) -> str:
        return visible(shown(super().format(record)))


err_console = SafeConsole(stderr=True, highlight=False, soft_wrap=True)
out_console = SafeConsole(highlight=False, soft_wrap=True)


def was_interrupted(exc: BaseException | None) -> bool:
    """Whether ``exc`` is Ctrl-C, or an error raised while a library unwound from one (openpyxl closing
    a workbook it was writing raises ValueError from its cleanup)."""
    seen = 0
    while exc is not None and seen < 20:
        if isinstance(exc, KeyboardInterrupt):
            return True
        exc, seen = exc.__context__ or exc.__cause__, seen + 1
    return False


def interrupted(exc: BaseException | None = None) -> None:
    """Say that nothing was written, and exit 130.

    The objects the interrupted code left behind are released first, with Python's report of errors in
    finalizers silenced meanwhile: openpyxl's row generator, closed after its file, would otherwise print
    "Exception ignored ... Traceback" after the message.
    """
    if exc is not None:
        hook = sys.unraisablehook
        sys.unraisablehook = lambda _: None
        try:
            while exc is not None:
                traceback.clear_frames(exc.__traceback__)
                exc = exc.__context__
            gc.collect()
        finally:
            sys.unraisablehook = hook
    err_console.print("interrupted; nothing was written")
    sys.exit(INTERRUPTED)


@contextlib.contextmanager
def handle_errors(debug: bool) -> Iterator[None]:
    """Print a one-paragraph message and exit with the error's code; ``--debug`` shows the traceback."""
    try:
        yield
    except AllocatorError as exc:
        if debug:
            traceback.print_exc()
        err_console.print(f"[bold red]error:[/] {terminal(shown(str(exc)))}")
        if isinstance(exc, InfeasibleError) and exc.diagnosis is not None:
            from allocator.cli_render import print_diagnosis

            print_diagnosis(err_console, exc.diagnosis)
        sys.exit(exc.exit_code)
    except KeyboardInterrupt as exc:
        interrupted(exc)
    except Exception as exc:
        if was_interrupted(exc):
            interrupted(exc)
        if debug:
            raise
        err_console.print(
            "[bold red]internal error[/] (a bug in allocator, not in your input). "
            "Run again with --debug for the traceback and report it.\n"
            + terminal(shown(traceback.format_exc(limit=1))),
        )
        sys.exit(1)


def debug_option(f: Callable[..., None]) -> Callable[..., None]:
    """The ``--debug`` option of every command (``handle_errors`` then shows the traceback)."""
    return click.option("--debug", is_flag=True, help="Show the full traceback on errors.")(f)
