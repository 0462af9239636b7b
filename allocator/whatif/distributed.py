"""Run a sweep's blocks on Dask: a LocalCluster of worker processes (``--workers N``) or an existing
cluster (``--scheduler ADDRESS``).

Each block is one task. A worker process keeps the live model of the sweep it last ran (``runner``), so
its later blocks re-solve warm; every block starts from the shipped scenario's solution, so the results
are the same whichever worker takes which block, and the same as in-process. Results come back to this
process, which writes them: workers need no access to the output folder, only allocator installed (and,
on a remote cluster, the same version).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from allocator.errors import AllocatorError
from allocator.threads import ONE_BLAS_THREAD
from allocator.whatif.runner import Job, Outcome, live_model, run_block
from allocator.whatif.variants import Variant
from allocator.yamlio import YamlData

if TYPE_CHECKING:
    from dask.distributed import LocalCluster


def _base(job: Job) -> dict[str, YamlData]:
    return live_model(job)[2]


def local_cluster(workers: int) -> LocalCluster:
    """A LocalCluster of ``workers`` processes, one thread each, quiet.

    Dask starts its workers with ``MALLOC_TRIM_THRESHOLD_=65536``, which turns off glibc's adaptive mmap
    threshold: every vector HiGHS allocates in a solve is then mapped and faulted in afresh, and a
    UK-size variant took 1.6x as long (docs/performance.md). The workers get one BLAS thread, as
    Dask's default gives them, and glibc's own memory settings.
    """
    import dask
    from dask.distributed import LocalCluster

    with dask.config.set({"distributed.nanny.pre-spawn-environ": dict(ONE_BLAS_THREAD)}):
        return LocalCluster(
            n_workers=max(1, workers),
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        )


def run_distributed(
    job: Job,
    todo: list[list[Variant]],
    take: Callable[[Outcome], None],
    workers: int = 0,
    scheduler: str | None = None,
) -> dict[str, YamlData]:
    """Run ``todo`` (blocks of variants) on Dask; ``take`` receives every outcome. Returns the shipped
    scenario's lean result.

    Raises:
        AllocatorError: dask is not installed, or the scheduler cannot be reached.
    """
    # Dask logs every start, connection and shutdown at INFO (with tracebacks for connections closed at
    # shutdown): a user's terminal gets its errors only, here and in the worker processes (which read the
    # environment when they start); ``-vv`` still shows allocator's own log.
    os.environ.setdefault("DASK_LOGGING__DISTRIBUTED", "error")
    try:
        from dask.distributed import Client, as_completed
    except ImportError:  # pragma: no cover - a dependency of allocator
        raise AllocatorError("--workers and --scheduler need dask[distributed] installed") from None
    logging.getLogger("distributed").setLevel(logging.ERROR)
    cluster = None
    try:
        if scheduler:
            client = Client(scheduler, timeout="20s")
        else:
            cluster = local_cluster(workers)
            client = Client(cluster)
    except OSError as exc:
        raise AllocatorError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
    try:
        shared = client.scatter(job, broadcast=True)
        base = client.submit(_base, shared, pure=False)
        futures = [client.submit(run_block, shared, part, pure=False) for part in todo]
        for future in as_completed(futures):
            for outcome in future.result():
                take(outcome)
        return base.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
