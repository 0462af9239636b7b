"""One piece of output written in a second process while this one writes the rest.

A run's workbook and its explorer (or its tables and GeoPackage) are independent, pure-Python writers of
the same settlement; on a machine with two cores, writing the workbook in a forked child halves the time
the two take. The child is a fork, so it shares the settlement without copying or pickling it, and it
writes only into the staged run folder the parent publishes (or discards) after waiting for it.

Fork is used only where it is safe and available (Linux, more than one core); elsewhere, and when
``ALLOCATOR_NO_FORK`` is set, the work runs in this process when it is waited for, with the same result.
An error in the child comes back to the parent as the same error: an allocator input or output error
with its problems, an OSError with its number and text, anything else (a bug) as a RuntimeError carrying
the child's traceback. Ctrl-C in either stops both, and the parent raises KeyboardInterrupt as if it had
been writing.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import traceback
from collections.abc import Callable

from allocator.errors import GeographyError, InputError, Problem, RuleSetError, ScenarioError
from allocator.output_folder import DamagedFolderError, OutputError

_INPUT_ERRORS = {
    cls.__name__: cls
    for cls in (InputError, ScenarioError, RuleSetError, GeographyError, OutputError, DamagedFolderError)
}

_INTERRUPTED = 130
_FAILED = 1
_MESSAGE_BYTES = 64_000


def _can_fork() -> bool:
    if sys.platform != "linux" or os.environ.get("ALLOCATOR_NO_FORK"):
        return False
    try:
        return len(os.sched_getaffinity(0)) > 1
    except (AttributeError, OSError):
        return (os.cpu_count() or 1) > 1


class Background:
    """``job()`` started now, in a forked child where that helps; ``wait()`` for it before using what it
    writes. Use as a context manager: leaving the block early (an error, Ctrl-C) stops the child."""

    def __init__(self, job: Callable[[], object], what: str):
        self.job = job
        self.what = what
        self.pid: int | None = None
        self.done = False
        if _can_fork():
            self.read_fd, write_fd = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: do the job, report, and leave without running the parent's exit code
                os.close(self.read_fd)
                os._exit(_child(job, write_fd))
            os.close(write_fd)
            self.pid = pid

    def wait(self) -> None:
        """Wait for the job; raise what it raised (an OutputError for anything but an allocator error)."""
        if self.done:
            return
        self.done = True
        if self.pid is None:
            self.job()
            return
        with os.fdopen(self.read_fd, "rb") as pipe:
            report = pipe.read(_MESSAGE_BYTES)
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        code = os.waitstatus_to_exitcode(status)
        if code == 0:
            return
        if code in (_INTERRUPTED, -signal.SIGINT):
            raise KeyboardInterrupt
        error = _error(report)
        if error is not None:
            raise error
        raise OutputError(
            [Problem(self.what, "", f"could not be written (its writer ended with code {code})")]
        )

    def stop(self) -> None:
        """Stop the child if it still runs (nothing it wrote is kept: the staged folder is discarded)."""
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError, ChildProcessError):
                os.kill(self.pid, signal.SIGTERM)
                os.waitpid(self.pid, 0)
            os.close(self.read_fd)
            self.pid = None
        self.done = True

    def __enter__(self) -> Background:
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        if exc_type is None:
            self.wait()
        else:
            self.stop()


def _child(job: Callable[[], object], write_fd: int) -> int:
    """Run ``job`` in the child; the exit code says how it went, the pipe carries an error back."""
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        job()
        return 0
    except KeyboardInterrupt:
        return _INTERRUPTED
    except BaseException as exc:  # every failure must reach the parent, not a traceback here
        with contextlib.suppress(OSError):  # the parent sees the exit code even without the report
            os.write(write_fd, json.dumps(_describe(exc)).encode()[:_MESSAGE_BYTES])
        return _FAILED
    finally:
        os.close(write_fd)


def _describe(exc: BaseException) -> dict[str, object]:
    if isinstance(exc, InputError):
        problems = [[p.source, p.location, p.message] for p in exc.problems]
        return {"kind": type(exc).__name__, "title": exc.title, "problems": problems}
    if isinstance(exc, OSError):
        return {"kind": "OSError", "errno": exc.errno, "text": exc.strerror or str(exc), "file": exc.filename}
    return {"kind": "bug", "text": "".join(traceback.format_exception(exc))}


def _error(report: bytes) -> BaseException | None:
    """The child's error, rebuilt from what it wrote to the pipe (None if that cannot be read)."""
    try:
        data = json.loads(report)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(data, dict):
        return None
    kind = data.get("kind")
    if kind == "OSError":
        return OSError(data.get("errno"), data.get("text"), data.get("file"))
    if kind == "bug":
        return RuntimeError(f"a writer in a second process failed:\n{data.get('text')}")
    cls = _INPUT_ERRORS.get(str(kind))
    if cls is not None:
        problems = [Problem(*map(str, p)) for p in data.get("problems", []) if len(p) == 3]
        return cls(problems, title=str(data.get("title")))
    return None
