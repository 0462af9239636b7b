"""What a scenario may make allocator read, and how the paths it names are shown in messages.

Reading: every file a scenario names (parents it extends, the rule set, boundaries, CSV tables) must be a
regular file with the ending of its kind (``.yaml``, ``.csv``, ``.gpkg``...), outside ``/proc``, ``/sys``
and ``/dev`` (whose "files" are the machine's state: the environment of a process, its memory, devices).
So a scenario cannot point allocator at ``/etc/shadow`` as a lookup table, at ``/proc/self/environ`` as a
baseline, at a FIFO that never ends, or at a GDAL virtual file that fetches a URL.

Showing: ``${VAR}`` in a path is expanded from the environment (scenarios use it to find data that lives
outside the repository), but the expanded value is never shown. Messages show each path as it was
written, ``${VAR}`` and all: ``expand_vars`` remembers what each variable and each path expanded to, and
``shown`` puts the written form back into any text before it is printed.
"""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

SYSTEM_ROOTS = (Path("/proc"), Path("/sys"), Path("/dev"))
"""Folders whose files are machine state, never data."""

TABLE_SUFFIXES = (".csv",)
BOUNDARY_SUFFIXES = (".gpkg", ".geojson", ".json", ".topojson", ".shp", ".fgb")
BOUNDARY_KINDS = "a GeoPackage, GeoJSON, Shapefile, FlatGeobuf or TopoJSON file"

_VAR = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
_MIN_SECRET = 6
"""Environment values shorter than this are not searched for in messages (they would match anywhere)."""

_written: dict[str, str] = {}
"""Expanded text -> how it was written (``${VAR}`` form), for every path and variable expanded so far."""


def expand_vars(text: str) -> str:
    """Replace ``${VAR}`` and ``${VAR:-default}``; raise KeyError(VAR) for an unset variable without default.

    What each variable expanded to is remembered, so that ``shown`` can hide it again.
    """

    def sub(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        value = os.environ.get(name)
        if value:
            if len(value) >= _MIN_SECRET:
                _written[value] = f"${{{name}}}"
            return value
        if default is not None:
            return default
        raise KeyError(name)

    return _VAR.sub(sub, text)


def remember_written(expanded: str, written: str) -> None:
    """Record that the path ``expanded`` was written as ``written`` (only needed when they differ by a
    ``${VAR}``)."""
    if expanded != written and "${" in written:
        _written[expanded] = written


def shown(text: str) -> str:
    """``text`` with every expanded path and environment value replaced by the form it was written in."""
    if not _written:
        return text
    for expanded in sorted(_written, key=len, reverse=True):
        if expanded in text:
            text = text.replace(expanded, _written[expanded])
    return text


def _under_system_root(path: Path) -> Path | None:
    resolved = path.resolve()
    for root in SYSTEM_ROOTS:
        if resolved == root or root in resolved.parents:
            return root
    return None


def readable_problem(
    path: Path, suffixes: tuple[str, ...], what: str, max_bytes: int | None = None
) -> str | None:
    """Why ``path`` may not be read as ``what``, or None when it may.

    Args:
        path: the file, as resolved from the scenario.
        suffixes: the endings a file of this kind has (lower case), or ``()`` for any.
        what: the kind of file, for the message (``"a CSV table"``).
        max_bytes: the largest size accepted, if any.
    """
    path = Path(path)
    if suffixes and not path.name.lower().endswith(suffixes):
        return f"expected {what} (a name ending {' or '.join(suffixes)})"
    root = _under_system_root(path)
    if root is not None:
        return f"is under {root}, which holds the machine's state, not data; expected {what}"
    try:
        info = path.stat()
    except FileNotFoundError:
        return f"file not found; expected {what}"
    except OSError as exc:
        return f"cannot be read ({exc.strerror or 'error'}); expected {what}"
    if stat.S_ISDIR(info.st_mode):
        return f"is a folder; expected {what}"
    if not stat.S_ISREG(info.st_mode):
        return f"is not a regular file (a device, FIFO or socket); expected {what}"
    if max_bytes is not None and info.st_size > max_bytes:
        return f"is {info.st_size / 1e6:,.1f} MB; expected {what} of at most {max_bytes / 1e6:,.0f} MB"
    if not os.access(path, os.R_OK):
        return "cannot be read (permission denied)"
    return None
