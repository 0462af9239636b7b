"""How many threads the numerical libraries under allocator may start.

numpy's OpenBLAS starts a thread per core and keeps them spinning for a while after each call, waiting
for the next one. allocator makes no BLAS call large enough to gain from them, and their spinning takes
the core that HiGHS, the formula found beside it, the workbook's writer or a second worker needs: an
in-process sweep at UK size burned 20.6 CPU seconds for 11.2 s of work (11.7 with one BLAS thread).
Every process allocator starts, and the command line itself, therefore asks for one BLAS thread. The
variables are read when numpy loads, so they are set before anything imports it; a script using the API
keeps whatever its own process chose.
"""

from __future__ import annotations

import os

ONE_BLAS_THREAD = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def one_blas_thread() -> None:
    """Ask for one BLAS thread in this process (before numpy is imported), unless the user chose."""
    for name, value in ONE_BLAS_THREAD.items():
        os.environ.setdefault(name, value)
