"""The synthetic geography's adjacency graph, and the region growing that builds contiguous groups on it
(counties, regions, strategic authorities): the only Python loops of the generator, over plain lists.
"""

from __future__ import annotations

import heapq

import numpy as np


class Graph:
    """An undirected weighted graph in adjacency-list form (plain lists: fast to walk in Python)."""

    def __init__(self, n: int, a: np.ndarray, b: np.ndarray, w: np.ndarray):
        src = np.concatenate([a, b])
        dst = np.concatenate([b, a])
        ww = np.concatenate([w, w])
        order = np.lexsort((dst, src))
        src, dst, ww = src[order], dst[order], ww[order]
        indptr = np.searchsorted(src, np.arange(n + 1))
        self.n = n
        self.nbrs: list[list[int]] = [[] for _ in range(n)]
        self.wts: list[list[float]] = [[] for _ in range(n)]
        dl, wl = dst.tolist(), ww.tolist()
        for u, (s, e) in enumerate(zip(indptr[:-1].tolist(), indptr[1:].tolist(), strict=True)):
            self.nbrs[u] = dl[s:e]
            self.wts[u] = wl[s:e]


def grow_nearest(g: Graph, start: int, k: int, allowed: np.ndarray, key: np.ndarray) -> list[int]:
    """k connected nodes from ``start``, adding at each step the frontier node with the smallest key."""
    ok = allowed.tolist()
    kl = key.tolist()
    heap = [(kl[start], start)]
    seen = {start}
    out: list[int] = []
    while heap and len(out) < k:
        _, u = heapq.heappop(heap)
        out.append(u)
        for v in g.nbrs[u]:
            if ok[v] and v not in seen:
                seen.add(v)
                heapq.heappush(heap, (kl[v], v))
    return out


def grow_blocks(
    g: Graph,
    seeds: list[int],
    allowed: np.ndarray,
    capacity: np.ndarray | None = None,
    size: np.ndarray | None = None,
    overflow: np.ndarray | None = None,
) -> np.ndarray:
    """Contiguous blocks grown from seeds along shortest paths (multi-source Dijkstra).

    A block stops claiming nodes once it reaches its capacity (in ``size`` units). Nodes left over are
    then claimed by the neighbouring ``overflow`` blocks (all blocks when None), and any still left by
    whichever block reaches them first. Nodes no seed can reach are -1.
    """
    n = g.n
    label = [-1] * n
    ok = allowed.tolist()
    sz = size.tolist() if size is not None else [1] * n
    cap = capacity.tolist() if capacity is not None else None
    filled = [0.0] * len(seeds)
    heap = [(0.0, s, b) for b, s in enumerate(seeds)]
    heapq.heapify(heap)
    may = [True] * len(seeds)
    passes = [True] if cap is None else [True, False, False]
    for k, limited in enumerate(passes):
        if k > 0:
            may = overflow.tolist() if (k == 1 and overflow is not None) else [True] * len(seeds)
            heap = [
                (w, v, label[u])
                for u in range(n)
                if label[u] != -1 and may[label[u]]
                for v, w in zip(g.nbrs[u], g.wts[u], strict=True)
                if ok[v] and label[v] == -1
            ]
            heapq.heapify(heap)
        while heap:
            d, u, b = heapq.heappop(heap)
            if label[u] != -1:
                continue
            if limited and cap is not None and filled[b] > 0 and filled[b] + sz[u] > cap[b]:
                continue
            label[u] = b
            filled[b] += sz[u]
            for v, w in zip(g.nbrs[u], g.wts[u], strict=True):
                if ok[v] and label[v] == -1:
                    heapq.heappush(heap, (d + w, v, b))
    return np.asarray(label, dtype=np.int64)


def is_connected(g: Graph, nodes: list[int] | np.ndarray) -> bool:
    """Whether the nodes form one connected piece of the graph."""
    members = set(int(v) for v in nodes)
    if len(members) <= 1:
        return True
    start = next(iter(members))
    seen = {start}
    stack = [start]
    while stack:
        u = stack.pop()
        for v in g.nbrs[u]:
            if v in members and v not in seen:
                seen.add(v)
                stack.append(v)
    return len(seen) == len(members)


def kmeans_seeds(rng: np.random.Generator, xy: np.ndarray, k: int, iterations: int = 12) -> np.ndarray:
    """Indices of k distinct points of xy near the centres of a k-means clustering (spread-out seeds)."""
    k = min(k, len(xy))
    centres = xy[rng.choice(len(xy), size=k, replace=False)]
    for _ in range(iterations):
        d = ((xy[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2) if len(xy) * k < 4e6 else None
        lab = d.argmin(axis=1) if d is not None else _nearest_chunked(xy, centres)
        for c in range(k):
            m = lab == c
            if m.any():
                centres[c] = xy[m].mean(axis=0)
    chosen: list[int] = []
    for c in range(k):
        order = np.argsort(((xy - centres[c]) ** 2).sum(axis=1), kind="stable")
        chosen.append(int(next(i for i in order if i not in chosen)))
    return np.asarray(chosen)


def _nearest_chunked(xy: np.ndarray, centres: np.ndarray, chunk: int = 50_000) -> np.ndarray:
    out = np.empty(len(xy), dtype=np.int64)
    for s in range(0, len(xy), chunk):
        d = ((xy[s : s + chunk, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        out[s : s + chunk] = d.argmin(axis=1)
    return out
