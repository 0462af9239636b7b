"""Fixtures of the hostile-input tests: the shared world (made once) and a fresh case folder per test."""

from __future__ import annotations

from pathlib import Path

import pytest

from .world import World, make_world


@pytest.fixture(scope="session")
def world_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_world(tmp_path_factory.mktemp("world"))


@pytest.fixture
def world(world_root: Path, tmp_path: Path) -> World:
    return World(world_root, tmp_path)
