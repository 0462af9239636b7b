"""Fresh interpreters that run part of a solve: the decomposition's workers and the formula's process.

A fresh interpreter (``python -m MODULE``), not a fork: HiGHS's state is not safe in a forked copy, and
the caller's script is not imported again. It finds allocator where this process did, asks for one
BLAS thread (its core is meant for the solve; ``allocator.threads``), and talks through its pipes;
what it prints goes nowhere.
"""

from __future__ import annotations

import os
import subprocess
import sys
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
