"""Names of the synthetic geography: made-up places (syllable combinations) and compass-named regions.

Names are drawn without replacement from syllable combinations, so they are unique; any resemblance
to a real place is a coincidence.
"""

from __future__ import annotations

import numpy as np

CAPITAL_REGION = "Capital Region (synthetic)"

_PREFIXES = [
    "Ab", "Ald", "Ash", "Ayl", "Bar", "Bel", "Bex", "Bix", "Bram", "Brock", "Bur", "Cal", "Car", "Clun",
    "Cow", "Cran", "Dal", "Dor", "Dray", "Dun", "Eg", "Elm", "Ember", "Fal", "Fen", "Fern", "Gar",
    "Gil", "Glen", "Gran", "Hal", "Har", "Hath", "Hel", "Hol", "Ick", "Kel", "Kes", "Kir", "Lang",
    "Lin", "Lud", "Mab", "Mar", "Mel", "Mil", "Mor", "Ned", "Nor", "Oak", "Ock", "Pad", "Pen", "Quen",
    "Ral", "Red", "Ros", "Rud", "Sal", "Sel", "Shap", "Stan", "Stow", "Tam", "Thorn", "Tod", "Tor",
    "Tre", "Ul", "Vern", "Wal", "War", "Wen", "Whit", "Wil", "Wrax", "Wyn", "Yar", "Yel", "Zen",
]  # fmt: skip
_MIDDLES = ["", "er", "en", "ing", "le", "lin", "mer", "nel", "ow", "ry", "sel", "ton", "wen", "bar", "el"]
_SUFFIXES = [
    "ford", "ton", "ley", "bury", "ham", "wick", "by", "thorpe", "field", "mouth", "borough", "stead",
    "worth", "caster", "chester", "don", "dale", "minster", "combe", "hurst", "stow", "well", "bridge",
    "gate", "holme", "moor", "port", "sey", "wood", "brook", "cliffe", "den", "hall", "haven", "ing",
    "land", "low", "mere", "ness", "over", "sham", "side", "tree", "wold", "worthy", "hope", "garth",
    "pool", "burn", "lees",
]  # fmt: skip
_QUALIFIERS = ["", "Great ", "Little ", "Upper ", "Lower "]


def place_names(rng: np.random.Generator, n: int) -> list[str]:
    """n distinct made-up place names (syllable combinations), in random order."""
    base = len(_PREFIXES) * len(_MIDDLES) * len(_SUFFIXES)
    pool = base if n <= base // 2 else base * len(_QUALIFIERS)
    idx = rng.choice(pool, size=n, replace=False)
    q, r = np.divmod(idx, base)
    p, r = np.divmod(r, len(_MIDDLES) * len(_SUFFIXES))
    m, s = np.divmod(r, len(_SUFFIXES))
    names = [
        f"{_QUALIFIERS[a]}{_PREFIXES[b]}{_MIDDLES[c]}{_SUFFIXES[d]}"
        for a, b, c, d in zip(q.tolist(), p.tolist(), m.tolist(), s.tolist(), strict=True)
    ]
    return dedupe(names)


def county_names(rng: np.random.Generator, n: int) -> list[str]:
    idx = rng.choice(len(_PREFIXES) * len(_MIDDLES), size=n, replace=n > len(_PREFIXES) * len(_MIDDLES))
    p, m = np.divmod(idx, len(_MIDDLES))
    return dedupe([f"{_PREFIXES[a]}{_MIDDLES[b]}shire" for a, b in zip(p.tolist(), m.tolist(), strict=True)])


def dedupe(names: list[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for name in names:
        candidate, k = name, 1
        while candidate in seen:
            k += 1
            candidate = f"{name} {k}"
        seen.add(candidate)
        out.append(candidate)
    return out


_REGION_ANCHORS = {  # label: position in the land's bounding box (0-1 west to east, south to north)
    "Northern": (0.55, 0.88),
    "North Western": (0.38, 0.7),
    "North Eastern": (0.68, 0.7),
    "West Central": (0.42, 0.5),
    "East Central": (0.65, 0.5),
    "Eastern": (0.88, 0.42),
    "South Western": (0.2, 0.12),
    "Southern": (0.5, 0.18),
    "South Eastern": (0.85, 0.2),
}


def region_names(
    centroids: np.ndarray, bounds: tuple[float, float, float, float], capital: int | None
) -> list[str]:
    """Names from each region's position: regions matched to compass anchors (least total distance)."""
    xmin, ymin, xmax, ymax = bounds
    pos = (centroids - [xmin, ymin]) / [xmax - xmin, ymax - ymin]
    labels = list(_REGION_ANCHORS)
    anchors = np.asarray(list(_REGION_ANCHORS.values()))
    others = [r for r in range(len(centroids)) if r != capital]
    names = [CAPITAL_REGION if r == capital else f"Region {r + 1} (synthetic)" for r in range(len(centroids))]
    if not others or len(others) > len(anchors):
        return names
    cost = ((pos[others, None, :] - anchors[None, :, :]) ** 2).sum(axis=2)
    for r, a in zip(others, _assignment(cost), strict=True):
        names[r] = f"{labels[a]} Region (synthetic)"
    return names


def _assignment(cost: np.ndarray) -> list[int]:
    """Hungarian algorithm: for each row, the column of a least-cost assignment (rows <= columns)."""
    n, m = cost.shape
    u, v = np.zeros(n + 1), np.zeros(m + 1)
    p = np.zeros(m + 1, dtype=int)  # p[j]: row (1-based) assigned to column j
    way = np.zeros(m + 1, dtype=int)
    for i in range(1, n + 1):
        p[0] = i
        j0 = 0
        minv = np.full(m + 1, np.inf)
        used = np.zeros(m + 1, dtype=bool)
        while True:
            used[j0] = True
            i0 = p[j0]
            cur = cost[i0 - 1] - u[i0] - v[1:]
            free = ~used[1:]
            better = free & (cur < minv[1:])
            minv[1:][better] = cur[better]
            way[1:][better] = j0
            j1 = int(np.argmin(np.where(free, minv[1:], np.inf))) + 1
            delta = minv[j1]
            u[p[used]] += delta
            v[used] -= delta
            minv[1:][free] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    out = [0] * n
    for j in range(1, m + 1):
        if p[j]:
            out[p[j] - 1] = j - 1
    return out
