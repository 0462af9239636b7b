"""LP names: parts joined by ``__``, each part using only ``[A-Za-z0-9_]`` (PuLP and LP files rewrite
other characters), e.g. ``funding_guarantee__E08000025__2027``. The name is the key back to the rule, the
area and the year.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd

_UNSAFE = re.compile(r"[^A-Za-z0-9_]")

KeyPart = np.ndarray | str | int
"""A part of rows' or columns' names: an array (one value per row or column) or one value for all."""


@lru_cache(maxsize=65536)
def safe(part: str) -> str:
    """A name part PuLP and LP files keep as written: characters other than ``[A-Za-z0-9_]`` become ``_``."""
    return _UNSAFE.sub("_", part)


def lp_name(*parts: object) -> str:
    """A safe name: parts joined by ``__``."""
    return "__".join([safe(p if isinstance(p, str) else str(p)) for p in parts])


def block_names(prefix: str, parts: tuple[KeyPart, ...], n: int) -> list[str]:
    """``prefix__part1__part2...`` for each of ``n`` rows; parts are arrays or scalars."""
    if not parts:
        return [safe(prefix)] * n if n else []
    columns = []
    for p in parts:
        arr = np.asarray(p, dtype=object)
        if arr.ndim == 0:
            arr = np.full(n, arr.item(), dtype=object)
        # one safe() per distinct value, then a vectorised join
        uniq, inverse = np.unique(arr.astype(str), return_inverse=True)
        columns.append(np.array([safe(u) for u in uniq], dtype=object)[inverse])
    out = pd.Series(np.full(n, safe(prefix), dtype=object))
    for c in columns:
        out = out + "__" + pd.Series(c)
    return out.tolist()
