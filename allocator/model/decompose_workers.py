"""Where the area problems of a decomposition run: in this process, and in worker processes.

The areas are cut into contiguous ranges of about equal size, one per process; this process keeps the
first. Each worker is a fresh interpreter (``python -m allocator.model.decompose_workers``: no fork,
whose copy of HiGHS's thread pool would not work, and no re-import of the caller's script) that gets
its range's :class:`BlockData` once and then answers the coordinator's rounds over its pipes: prices in,
each area's best plan out (its value and interface, not its whole allocation). Workers stop when the
solve ends, whatever happens, and on their own if the coordinator goes away.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import subprocess
import sys
from collections.abc import Iterator

import numpy as np

from allocator.model.decompose_pricing import LIVE_AREAS, Pricer, block_data
from allocator.model.processes import Started


def _send(stream, message) -> None:
    pickle.dump(message, stream, protocol=pickle.HIGHEST_PROTOCOL)
    stream.flush()


class _Worker:
    """One worker process, holding a range of blocks."""

    def __init__(self, data, threads: int, live_areas: int):
        self.started = Started("allocator.model.decompose_workers", (data, threads, live_areas))
        self.proc = self.started.proc

    def send(self, command: str, args: tuple) -> None:
        self.started.sent()
        _send(self.proc.stdin, (command, args))

    def receive(self):
        try:
            status, value = pickle.load(self.proc.stdout)
        except EOFError:
            raise RuntimeError("a decomposition worker stopped unexpectedly") from None
        if status != "ok":
            raise RuntimeError(f"a decomposition worker failed: {value}")
        return value

    def stop(self) -> None:
        with contextlib.suppress(OSError, ValueError):
            self.started.sent()
            _send(self.proc.stdin, ("stop", ()))
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


class Pool:
    """The area problems, in ranges of blocks, one range per process (the first in this process)."""

    def __init__(self, lp, split, cost: np.ndarray, workers: int, threads: int, live_areas: int):
        n = split.n_areas
        cuts = np.searchsorted(split.col_ptr, np.linspace(0, split.col_ptr[-1], workers + 1)[1:-1])
        self.edges = np.unique(np.concatenate([[0], np.minimum(cuts, n), [n]]))
        self.if_edges = split.if_ptr[self.edges]
        self.block_cols, self.col_edges = split.block_cols, split.col_ptr[self.edges]
        per = live_areas // (len(self.edges) - 1)
        self.workers: list[_Worker] = []
        try:
            for lo, hi in zip(self.edges[1:-1], self.edges[2:], strict=True):
                self.workers.append(_Worker(block_data(lp, split, cost, lo, hi), threads, per))
            data = block_data(lp, split, cost, self.edges[0], self.edges[1])
            self.local = Pricer(data, threads=threads, live_areas=per)
        except BaseException:
            self.close()
            raise

    def _call(self, command: str, args_of) -> list:
        """Run ``command`` everywhere, the workers' in parallel with this process's; results in order."""
        for i, worker in enumerate(self.workers, start=1):
            worker.send(command, args_of(i))
        out = [getattr(self.local, command)(*args_of(0))]
        return out + [worker.receive() for worker in self.workers]

    def price(self, adj: np.ndarray, phase: int, blocks: np.ndarray | None = None):
        """Every area's best plan at prices ``adj`` (see :meth:`Pricer.price`), or None."""

        def args(i: int):
            lo, hi = self.edges[i], self.edges[i + 1]
            mine = None if blocks is None else blocks[(blocks >= lo) & (blocks < hi)] - lo
            return (adj[self.if_edges[i] : self.if_edges[i + 1]], phase, mine)

        parts = self._call("price", args)
        if any(p is None for p in parts):
            return None
        return tuple(np.concatenate([p[k] for p in parts]) for k in range(3))

    def set_cost(self, cost: np.ndarray) -> None:
        """A new cost of every LP column (the next solve's)."""
        cols = [
            self.block_cols[self.col_edges[i] : self.col_edges[i + 1]] for i in range(len(self.edges) - 1)
        ]
        self._call("set_cost", lambda i: (cost[cols[i]],))

    def complete(self, x_if: np.ndarray):
        """Every block column's value and local row's dual (see :meth:`Pricer.complete`), or None."""
        parts = self._call("complete", lambda i: (x_if[self.if_edges[i] : self.if_edges[i + 1]],))
        if any(p is None for p in parts):
            return None
        return np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts])

    def close(self) -> None:
        for worker in self.workers:
            worker.stop()


@contextlib.contextmanager
def pricers(lp, split, cost: np.ndarray, workers: int = 1, threads: int = 1) -> Iterator[Pool]:
    """The area problems of ``split`` over ``workers`` processes (this one included)."""
    pool = Pool(lp, split, cost, max(1, min(workers, split.n_areas)), threads, LIVE_AREAS)
    try:
        yield pool
    finally:
        pool.close()


def _serve() -> None:
    """A worker: read its blocks, then answer commands until told to stop (or the pipe closes)."""
    out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    # anything a library prints goes to stderr, never into the answers
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    source = sys.stdin.buffer
    data, threads, live_areas = pickle.load(source)
    pricer = Pricer(data, threads=threads, live_areas=live_areas)
    while True:
        try:
            command, args = pickle.load(source)
        except EOFError:
            return
        if command not in ("price", "complete", "set_cost"):
            return
        try:
            _send(out, ("ok", getattr(pricer, command)(*args)))
        except Exception as exc:  # reported to the coordinator, which raises it
            _send(out, ("error", repr(exc)))


if __name__ == "__main__":
    _serve()
