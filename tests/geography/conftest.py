"""Fixtures: the 3 x 3 grid of squares written to files in tmp_path (see ``grids``)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from .grids import Grid


@pytest.fixture
def grid(tmp_path: Path) -> Grid:
    return Grid(tmp_path)


@pytest.fixture
def make_grid(tmp_path: Path) -> Callable[[str], Grid]:
    """Several independent grids in one test (each in its own folder)."""

    def make(name: str) -> Grid:
        folder = tmp_path / name
        folder.mkdir()
        return Grid(folder)

    return make
