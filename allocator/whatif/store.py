"""Where a sweep keeps its variants while it runs, so an interrupted sweep can be resumed.

Beside the output folder ``OUT`` a sweep keeps ``.OUT.sweep-work/``: ``plan.json`` (what the sweep is:
a digest of the scenario, its variants and options) and one file per finished variant,
``v/<id>.json`` (and, for a full sweep, ``v/<id>.tables/`` with its tables as Parquet), each written to
a temporary name and renamed, so a variant is either there whole or not at all. Started again with the
same output and the same plan, the sweep reads the variants already there and solves only the rest;
with another plan it starts afresh. When every variant is done the output folder is written (staged, with
its manifest, as a run folder is) and the work folder removed.

The work folder is allocator's own: it is removed only when its ``plan.json`` says it is a sweep's work
folder, and a folder of that name without one is refused.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from allocator.errors import Problem
from allocator.output_folder import OutputError

MARKER = "allocator sweep work folder"


def work_folder(target: Path) -> Path:
    target = Path(target)
    return target.absolute().parent / f".{target.name}.sweep-work"


class WorkFolder:
    """The variants of one plan written so far (see the module docstring)."""

    def __init__(self, target: Path, plan: dict[str, Any]):
        self.path = work_folder(target)
        self.plan = {"marker": MARKER, **plan}
        existing = self._read_plan()
        if existing is not None and existing != self.plan:
            shutil.rmtree(self.path)  # an earlier sweep's work towards another plan: start afresh
        (self.path / "v").mkdir(parents=True, exist_ok=True)
        if existing != self.plan:
            self._write(self.path / "plan.json", json.dumps(self.plan, sort_keys=True).encode())

    def _read_plan(self) -> dict[str, Any] | None:
        if not self.path.exists():
            return None
        plan = self.path / "plan.json"
        try:
            data = json.loads(plan.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if self.path.is_symlink() or not isinstance(data, dict) or data.get("marker") != MARKER:
            raise OutputError(
                [
                    Problem(
                        str(self.path),
                        "",
                        "is in the way of the sweep's work folder but is not one allocator made; nothing "
                        "was touched: move it away, or choose another output folder",
                    )
                ]
            )
        return data

    @staticmethod
    def _write(path: Path, data: bytes) -> None:
        tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
        tmp.write_bytes(data)
        tmp.replace(path)

    def done(self) -> dict[int, dict[str, Any]]:
        """The results already written, by variant id (a damaged file counts as not written)."""
        out = {}
        for path in sorted((self.path / "v").glob("*.json")):
            try:
                data = json.loads(path.read_text(encoding="utf-8"))
                out[int(path.stem)] = data
            except (OSError, ValueError):
                continue
        return out

    def write(self, variant: int, result: dict[str, Any], tables: dict[str, pd.DataFrame] | None) -> None:
        """Write one variant's result whole (its tables first, then the result that says it is done)."""
        if tables:
            folder = self.path / "v" / f"{variant}.tables"
            tmp = folder.with_name(f".{folder.name}.tmp-{os.getpid()}")
            shutil.rmtree(tmp, ignore_errors=True)
            tmp.mkdir()
            for name, table in tables.items():
                table.to_parquet(tmp / f"{name}.parquet", index=False)
            shutil.rmtree(folder, ignore_errors=True)
            tmp.replace(folder)
        text = json.dumps(result, sort_keys=True, allow_nan=True)
        self._write(self.path / "v" / f"{variant}.json", text.encode("utf-8"))

    def tables(self, variant: int) -> dict[str, pd.DataFrame]:
        folder = self.path / "v" / f"{variant}.tables"
        if not folder.is_dir():
            return {}
        return {p.stem: pd.read_parquet(p) for p in sorted(folder.glob("*.parquet"))}

    def remove(self) -> None:
        if self._read_plan() is not None:
            shutil.rmtree(self.path)
