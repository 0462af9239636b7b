"""A small, complete world on disk for hostile-input tests: a 12-area synthetic geography, a scenario
over it, and a finished run folder, made once per test session; each case gets its own folder to add
files to (a child scenario, a damaged copy of the run, a user's documents)."""

from __future__ import annotations

import contextlib
import shutil
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result

from allocator.cli import main

BASE_SCENARIO = """\
name: hostile-input world
years: [2026, 2027]
geography:
  boundaries: geo/areas.gpkg
  layer: areas
  code_column: LAD24CD
  name_column: LAD24NM
  lookup: {path: geo/lookup.csv, code_column: LAD24CD, columns: {tier: lad_type, CAUTH24CD: CAUTH24CD}}
  indicators:
    - {path: geo/population.csv, code_column: LAD24CD, columns: {population: population}}
    - {path: geo/indicators.csv, code_column: LAD24CD}
    - {path: geo/strategic_authorities.csv, code_column: CAUTH24CD, join_on: CAUTH24CD}
  derived:
    hle_years: (hle_male_years + hle_female_years) / 2
  baseline: {path: geo/baseline_funding.csv, code_column: LAD24CD}
  own_resources: {path: geo/own_resources.csv, code_column: LAD24CD}
integrated: {mayoral: {equals: true}}
envelopes:
  resource: {2026: 5_650_000_000, 2027: 5_760_000_000}
  capital: 6_400_000_000
streams:
  local_growth: {budget: capital, z0_gbp_per_head: 60, zmax_gbp_per_head: 400, effects: {growth: 0.0004}}
  transport: {budget: capital, z0_gbp_per_head: 80, zmax_gbp_per_head: 500, effects: {growth: 0.0003}}
  housing_regeneration: {budget: capital, effects: {health: 0.00002}}
  net_zero_retrofit: {budget: capital, effects: {health: 0.00001}}
  skills_employment: {budget: resource, effects: {growth: 0.0004}}
  prevention_public_health: {budget: resource, persistence: 0.8, effects: {health: 0.00008}}
  community_safety: {budget: resource, effects: {health: 0.00001}}
  early_years: {budget: resource, effects: {health: 0.00002}}
missions:
  growth: {indicator: gva_per_hour_gbp, target: 42.0, weight: 900}
  health: {indicator: hle_years, target: 65.0, weight: 6000}
rules:
  resource_envelope: {kind: envelope, budget: resource, must_allocate: true}
  capital_envelope: {kind: envelope, budget: capital, must_allocate: true}
  funding_guarantee: {kind: floor, phi: 0.9}
  pace_of_change: {kind: ceiling, gamma: 0.5}
  neighbours: {kind: neighbour_parity, tau: 10.0, mode: soft}
objective: {tail_years: 2, segments: 3}
solver: {time_limit_s: 60}
"""
"""The world's scenario: every section used, solved in about a second."""

AREAS = 12


@dataclass(frozen=True)
class World:
    """The shared files (``root``: ``geo/``, ``base.yaml``, ``run/``) and one case's own folder."""

    root: Path
    case: Path

    @property
    def base(self) -> Path:
        return self.root / "base.yaml"

    @property
    def geo(self) -> Path:
        return self.root / "geo"

    def scenario(self, text: str, name: str = "child.yaml") -> Path:
        """A scenario in the case folder that extends the world's base scenario with ``text``."""
        path = self.case / name
        path.write_text(f"extends: {self.base}\n{text}", encoding="utf-8")
        return path

    def file(self, name: str, content: str | bytes) -> Path:
        """A file in the case folder."""
        path = self.case / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    def run_copy(self, name: str = "run") -> Path:
        """A copy of the world's run folder in the case folder, to damage."""
        return Path(shutil.copytree(self.root / "run", self.case / name))


def make_world(root: Path) -> Path:
    """Write the shared files of the world into ``root`` and solve its run folder."""
    from allocator.geography.synthetic import write_synthetic

    write_synthetic(root / "geo", AREAS, seed=3)
    (root / "base.yaml").write_text(BASE_SCENARIO, encoding="utf-8")
    result = invoke(["run", str(root / "base.yaml"), "-o", str(root / "run"), "--quiet"], root)
    assert result.exit_code == 0, result.output
    return root


def invoke(args: list[str], cwd: Path, env: dict[str, str] | None = None) -> Result:
    """Run the command line in-process from ``cwd`` (its output and exit code; exceptions kept)."""
    runner = CliRunner()
    with contextlib.chdir(cwd):
        return runner.invoke(main, args, env=env, catch_exceptions=True)
