"""Fresh interpreters that run part of a solve: the decomposition's workers and the formula's process.

A fresh interpreter (``python -m MODULE``), not a fork: HiGHS's state is not safe in a forked copy, and
the caller's script is not imported again. It finds allocator where this process did, asks for one
BLAS thread (its core is meant for the solve; ``allocator.threads``), and talks through its pipes;
what it prints goes nowhere. Its first message (its data) is written by a thread: a pipe takes 64 KB
until the child has started and reads, and starting takes about half a second that this process can
spend on its own part of the solve.
"""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
import threading
from pathlib import Path

from allocator.threads import ONE_BLAS_THREAD


def fresh_python(module: str) -> subprocess.Popen:
    """``python -m module`` with its stdin and stdout as pipes to this process."""
    root = str(Path(__file__).resolve().parents[2])
    env = {
        **ONE_BLAS_THREAD,
        **os.environ,
        "PYTHONPATH": os.pathsep.join([root, os.environ.get("PYTHONPATH", "")]),
    }
    return subprocess.Popen(
        [sys.executable, "-m", module],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=env,
    )


class Started:
    """A fresh interpreter running ``module``, its first message (``payload``, pickled here) on its way
    in a background thread; :meth:`sent` waits for that before anything else is written to it."""

    def __init__(self, module: str, payload: object):
        self.proc = fresh_python(module)
        data = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
        self._writer = threading.Thread(target=self._write, args=(data,), daemon=True)
        self._writer.start()

    def _write(self, data: bytes) -> None:
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except (OSError, ValueError):
            pass  # the child is gone (or was stopped): reading its answer says so

    def sent(self) -> None:
        """Wait until the first message is written (the pipe is then free for the next)."""
        self._writer.join()
