"""The schema of a scenario's what-if blocks: ``sweep:`` (the keys a sweep varies and how) and
``uncertainty:`` (spreads of the streams' effects, response curvature and persistence, and the robust
objective's draws). What they mean: ``allocator.whatif.variants`` and ``allocator.whatif.uncertainty``.
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from allocator.schema_geography import Strict

MAX_VARIANTS = 1_000_000
"""More variants than this is a typing error, not a sweep."""


class VarySpec(Strict):
    """The values one scenario key takes in a sweep."""

    key: str | None = None
    """The dotted scenario key, as ``--set`` names it (in a ``sweep:`` block's list)."""
    start: float | None = None
    """First value (with ``stop`` and ``n``)."""
    stop: float | None = None
    """Last value, included."""
    n: int | None = Field(None, ge=1, le=MAX_VARIANTS)
    """How many evenly spaced values from ``start`` to ``stop``."""
    values: list[float] | None = Field(None, min_length=1, max_length=MAX_VARIANTS)
    """The values, in order (instead of start, stop and n)."""
    scale: bool = False
    """The values multiply the scenario's own value of the key (1.0 is the scenario as it is)."""

    @model_validator(mode="after")
    def _one_form(self) -> VarySpec:
        ranged = (self.start, self.stop, self.n)
        if self.values is None and any(v is None for v in ranged):
            raise ValueError("give start, stop and n, or values")
        if self.values is not None and any(v is not None for v in ranged):
            raise ValueError("give either values or start, stop and n, not both")
        return self

    def points(self) -> list[float]:
        if self.values is not None:
            return list(self.values)
        return np.linspace(self.start, self.stop, self.n).tolist()


class SweepSpec(Strict):
    """A scenario's own sweep (``sweep:``): the keys to vary and how to combine them."""

    vary: list[VarySpec] = Field(min_length=1, max_length=20)
    """The keys to vary, each with its ``key`` (dotted, as ``--set``) and values; a list, since a
    scenario file reads a dotted mapping key as nested fields."""
    combine: Literal["grid", "zip"] = "grid"
    """``grid``: every combination of the keys' values; ``zip``: the i-th value of each key together."""
    block: int | None = Field(None, ge=1, le=100_000)
    """Variants a worker solves in a row, each from the one before; each block starts from the shipped
    scenario's solution, so results do not depend on how blocks are shared out. Default: an eighth of
    the variants, at least 25 (a block's start costs about a warm solve from far away; eight blocks keep
    up to eight workers busy)."""

    @model_validator(mode="after")
    def _keys(self) -> SweepSpec:
        keys = [v.key for v in self.vary]
        if any(not k for k in keys):
            raise ValueError("every entry of vary needs its key, e.g. {key: envelopes.resource, ...}")
        if len(set(keys)) != len(keys):
            raise ValueError("a key is varied twice")
        return self

    def by_key(self) -> dict[str, VarySpec]:
        return {v.key: v for v in self.vary}


class Spread(Strict):
    """How far a quantity may be from the scenario's value: a random multiplier of it."""

    distribution: Literal["lognormal", "normal", "uniform"] = "lognormal"
    sd: float = Field(gt=0.0, le=3.0)
    """lognormal: the standard deviation of the multiplier's log; normal: of the multiplier; uniform: the
    half-width of the multiplier's range around 1. In (0, 3]."""


class StreamUncertainty(Strict):
    """One stream's spreads, replacing the block's own for that stream."""

    effects: Spread | None = None
    z0: Spread | None = None
    persistence: Spread | None = None


class RobustSpec(Strict):
    """The robust objective (``objective.mode: robust``): the settlement that does best over the draws."""

    measure: Literal["mean", "cvar"] = "cvar"
    """``mean``: maximise the mean of V over the draws; ``cvar``: the mean of its worst ``alpha`` share."""
    alpha: float = Field(0.1, gt=0.0, le=1.0)
    """CVaR only: the share of worst draws averaged, in (0, 1] (1 is the mean)."""
    draws: int = Field(20, ge=1, le=500)
    """How many draws the LP holds (each adds a value row over every response segment)."""


class UncertaintySpec(Strict):
    """The ``uncertainty:`` block: spreads of the streams' effects, response curvature and persistence."""

    effects: Spread | None = None
    """Each stream's effect on each mission, drawn independently."""
    z0: Spread | None = None
    """Each stream's response curvature ``z0_gbp_per_head``."""
    persistence: Spread | None = None
    """Each stream's persistence (clipped to [0, 0.99])."""
    streams: dict[str, StreamUncertainty] = Field(default_factory=dict)
    """Per stream, spreads that replace the block's own."""
    samples: int = Field(100, ge=1, le=100_000)
    """Draws of a sample sweep when ``--samples`` is not given."""
    seed: int = Field(0, ge=0, le=2**63 - 1)
    """Seed of the draws when ``--seed`` is not given: the same seed, the same draws."""
    robust: RobustSpec = Field(default_factory=RobustSpec)
