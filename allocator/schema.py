"""The scenario schema: every field a user may write, with its meaning, unit and default.

Models are strict (unknown keys are errors) and frozen. ``allocator validate --resolved`` prints a
scenario after inheritance and overrides; docs/scenario-format.md describes each section.
"""

from __future__ import annotations

import itertools
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, ValidationInfo, field_validator, model_validator

from allocator.rules import AnyRuleSpec
from allocator.rules.base import Budget
from allocator.scenario_checks import check_references, describe_validation_error
from allocator.scenario_layers import Layer, Overrides, Provenance, error_for, merge_layers, override_layers
from allocator.schema_geography import (
    BaselineFile,
    FactSpec,
    GeographySpec,
    IllustrativeBaseline,
    OwnResourcesFile,
    OwnResourcesGrowth,
    ParentSpec,
    Strict,
    TableSource,
)
from allocator.schema_whatif import SweepSpec, UncertaintySpec
from allocator.selectors import MAX_GBP, MAX_PER_HEAD_GBP, Selector, dated
from allocator.yamlio import YamlData

__all__ = [
    "BaselineFile",
    "DistributionalSpec",
    "FactSpec",
    "GeographySpec",
    "IllustrativeBaseline",
    "MissionSpec",
    "ObjectiveSpec",
    "OwnResourcesFile",
    "OwnResourcesGrowth",
    "ParentSpec",
    "Scenario",
    "SolverSpec",
    "StreamSpec",
    "Strict",
    "TableSource",
]


MAX_TIME_LIMIT_S = 7 * 24 * 3600.0
MAX_THREADS = 256
MAX_WORKERS = 64
_OPTION_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_OWN_OPTIONS = {"time_limit", "threads", "random_seed", "mip_rel_gap"}


# --- streams and missions --------------------------------------------------------------------------


class StreamSpec(Strict):
    """A funding stream (theme): its budget, who may receive it, its response curve and effects."""

    label: str = ""
    budget: Budget
    eligible_tiers: list[str] | None = None
    """Tiers that may receive the stream (values of the tier column); all tiers when omitted."""
    z0_gbp_per_head: float = Field(100.0, gt=0, le=MAX_PER_HEAD_GBP)
    """Curvature of the response ``g(z) = z0 ln(1 + z / z0)``, £ per head in (0, 1e6]: smaller means
    faster diminishing returns."""
    zmax_gbp_per_head: float = Field(500.0, gt=0, le=MAX_PER_HEAD_GBP)
    """Absorptive capacity: the most £ per head an area can use from this stream in a year, in (0, 1e6]."""
    persistence: float = Field(0.0, ge=0.0, lt=1.0)
    """Yearly decay of the stream's effect, in [0, 1) (0: one-year effect; 0.8: preventative,
    long-lasting)."""
    effects: dict[str, Annotated[float, Field(ge=-1e6, le=1e6)]] = Field(default_factory=dict)
    """Mission -> indicator units gained per £1 per head per year, at zero spend, in [-1e6, 1e6]."""
    baseline_share: float | None = Field(None, ge=0.0, le=1.0)
    """Share of the national baseline, in [0, 1], used only by an illustrative baseline."""


class GoalSpec(Strict):
    """A mission's measurable goal: the national, population-weighted projected indicator by a year."""

    value: float = Field(ge=-1e12, le=1e12)
    """The indicator's national value to reach (in the mission's own unit)."""
    by: int = Field(ge=1990, le=2100)
    """The financial year (its start, 2029 = 2029-30) by which it is reached."""


class MissionSpec(Strict):
    """A national mission measured by one area indicator."""

    label: str = ""
    indicator: str
    """Area attribute (column) measuring the mission."""
    direction: Literal["higher_is_better", "lower_is_better"] = "higher_is_better"
    target: float
    """National target value of the indicator (any finite number)."""
    weight: float = Field(1.0, ge=0.0, le=1e9)
    """Value of one indicator unit per person (w_m), £, in [0, 1e9]."""
    local_weight_column: str | None = None
    """Area attribute with a local multiplier of the weight (w_{a,m} = weight x column)."""
    unit: str = ""
    source: str = ""
    """Where the indicator comes from (publisher, period)."""
    goal: GoalSpec | None = None
    """A measurable goal with a date; a ``mission_target`` rule holds the settlement to it, and the
    ``least_cost`` objective finds the smallest envelope that meets every goal."""


# --- objective and solver --------------------------------------------------------------------------


class DistributionalSpec(Strict):
    income_column: str
    """Area attribute with income per head (e.g. GDHI per head)."""
    elasticity: float = Field(1.3, ge=0.0, le=5.0)
    """Elasticity of marginal utility of income, in [0, 5] (Green Book: 1.3)."""


class ObjectiveSpec(Strict):
    """What the settlement optimises, and the appraisal conventions (Green Book)."""

    mode: Literal["mission_value", "formula", "blend", "robust", "least_cost"] = "mission_value"
    """``mission_value`` (default), ``formula``, ``blend``, ``robust`` (the best settlement over draws of
    the ``uncertainty:`` block: its ``robust`` measure) or ``least_cost`` (the smallest envelope that meets
    every mission's goal; docs/model.md)."""
    blend_beta: float = Field(1e-3, ge=0.0, le=1e6)
    """``blend`` only: mission value given up per £ of distance from the formula's phased target, in
    [0, 1e6]."""
    discount_rate: float | None = Field(None, ge=0.0, lt=0.2)
    """A flat discount rate, in [0, 0.2); when omitted, the Green Book declining schedule (3.5% to year
    30, ...)."""
    tail_years: int = Field(10, ge=0, le=100)
    """Years after the settlement over which persistent effects are still counted, 0 to 100."""
    need_floor: float = Field(0.1, ge=0.0, le=10.0)
    """Smallest need multiplier an area can have, in [0, 10]."""
    segments: int = Field(6, ge=1, le=50)
    """Linear pieces approximating each response curve (K), 1 to 50."""
    phase: list[float] = Field(default_factory=lambda: [1 / 3, 2 / 3, 1.0], max_length=100)
    """Formula phasing: share of the move from baseline to target made in each year; the last repeats."""
    cost_adjustment_column: str | None = None
    """Area attribute multiplying relative need in the formula (area cost adjustment)."""
    distributional: DistributionalSpec | None = None
    """Distributional weights ``(median income / income)^elasticity``; none when omitted."""
    soft_penalty: float = Field(10.0, gt=0, le=1e6)
    """Default penalty per £ of breach of a soft rule, as a multiple of the most mission value any £ buys,
    in (0, 1e6] (above 1 a breach never pays; breaches are a last resort)."""
    resources_adjustment: float = Field(1.0, ge=0.0, le=1.0)
    """Share of own resources the formula equalises: ``F = N (E + s sum own) - s own`` (1: full
    equalisation, as the Fair Funding Review 2.0; 0: none)."""

    @field_validator("phase")
    @classmethod
    def _phase_in_unit(cls, v: list[float]) -> list[float]:
        if not v or any(not 0.0 <= p <= 1.0 for p in v):
            raise ValueError("phase needs at least one share, each within [0, 1]")
        return v


class SolverSpec(Strict):
    name: Literal["highs", "cbc"] = "highs"
    algorithm: Literal["simplex", "ipm", "choose"] = "simplex"
    """HiGHS algorithm; dual simplex is fastest on settlement models of local-authority size."""
    interface: Literal["highspy", "pulp"] = "highspy"
    """How HiGHS gets the LP: ``highspy`` passes the assembled matrix straight to it and keeps the model
    alive for re-solves; ``pulp`` goes through PuLP's objects (slower; for comparison). CBC always goes
    through PuLP."""
    method: Literal["monolithic", "decomposed", "auto"] = "auto"
    """How each LP is solved: ``monolithic`` (one solver model of the whole LP), ``decomposed`` (by
    area: a coordinator over the rows that couple areas and one small problem per area, HiGHS only;
    docs/model.md, section 13), or ``auto``: decomposed from 1,500 recipient areas up (a little above the
    break-even, docs/performance.md), monolithic below."""
    workers: int | Literal["auto"] = "auto"
    """Processes the decomposed method spreads the areas' problems over (this one included), 1 to 64, or
    ``auto``: one per core from 1,000 areas (the formula's own process shares them), one below."""

    @field_validator("workers")
    @classmethod
    def _workers(cls, v: int | str) -> int | str:
        if isinstance(v, int) and not 1 <= v <= MAX_WORKERS:
            raise ValueError(f"workers must be from 1 to {MAX_WORKERS}, or auto")
        return v

    time_limit_s: float = Field(600.0, gt=0, le=MAX_TIME_LIMIT_S)
    """Time budget of the whole solve, in seconds, in (0, 604800] (a week): the scenario's own solve,
    the formula allocation and, for an infeasible scenario, the elastic diagnosis together (exit 4 when
    it runs out)."""
    gap_rel: float = Field(1e-7, ge=0.0, le=1.0)
    """Relative optimality gap at which the solver may stop, in [0, 1]."""
    threads: int = Field(1, ge=1, le=MAX_THREADS)
    """Solver threads, 1 to 256."""
    seed: int = Field(0, ge=0, le=2_147_483_647)
    """Solver random seed, 0 to 2^31 - 1."""
    msg: bool = False
    """Show the solver's own log."""
    options: dict[str, str | int | float | bool] = Field(default_factory=dict, max_length=50)
    """Further HiGHS options by name, passed through as given (e.g. ``run_crossover: "off"``). Options
    that read or write files (any name with ``file`` in it, ``write_*``, ``read_*``) and those the
    fields above set (``time_limit``, ``threads``, ``random_seed``, ``mip_rel_gap``) are refused: a
    scenario may not make the solver touch the file system or lift the time limit."""

    @field_validator("options")
    @classmethod
    def _safe_options(cls, v: dict[str, Any]) -> dict[str, Any]:
        for name in v:
            if not _OPTION_NAME.match(name):
                raise ValueError(f"option name {name!r} is not a HiGHS option name (lower case and _)")
            if "file" in name or name.startswith(("write_", "read_")) or name in _OWN_OPTIONS:
                raise ValueError(
                    f"option {name!r} is not allowed: it touches files or is set by a field of solver"
                )
        return v

    @model_validator(mode="after")
    def _decomposed_on_highs(self) -> SolverSpec:
        if self.method == "decomposed" and (self.name, self.interface) != ("highs", "highspy"):
            raise ValueError(
                "method 'decomposed' runs on HiGHS through highspy (name: highs, interface: highspy)"
            )
        return self


# --- the scenario ----------------------------------------------------------------------------------


class Scenario(Strict):
    """A fully resolved scenario (after ``extends``, the rule set and ``--set`` overrides)."""

    name: str
    description: str = ""
    years: list[int] = Field(min_length=1, max_length=10)
    """Settlement years as financial-year starts (2026 = 2026-27), consecutive."""
    amounts: Literal["real", "cash"] = "real"
    """Whether money is in real terms (base-year prices) or cash; cash is deflated for appraisal."""
    inflation: dated(ge=-0.5, le=1.0) = 0.02
    """GDP deflator growth each year (real-terms floors and cash deflation), in [-0.5, 1]."""
    geography: GeographySpec
    integrated: Selector | None = None
    """Criterion for an integrated settlement (single pot): a selector over area attributes. None: no area."""
    envelopes: dict[Budget, dated(gt=0.0, le=MAX_GBP)]
    """National envelope by budget and year, £, in (0, 1e13]."""
    streams: dict[str, StreamSpec] = Field(min_length=1)
    missions: dict[str, MissionSpec] = Field(min_length=1)
    rule_set: Path | None = None
    """Rule set file supplying ``rules`` (lower precedence than the scenario's own ``rules``)."""
    rules: dict[str, AnyRuleSpec] = Field(default_factory=dict)
    """Rules by id. The id is the rule's name everywhere (constraints, verification, reports)."""
    objective: ObjectiveSpec = Field(default_factory=ObjectiveSpec)
    solver: SolverSpec = Field(default_factory=SolverSpec)
    sweep: SweepSpec | None = None
    """The scenario's own sweep (``allocator sweep`` without ``--vary``): keys to vary and how."""
    uncertainty: UncertaintySpec | None = None
    """Spreads of the streams' effects, response curvature and persistence (``allocator sweep --samples``
    and the ``robust`` objective)."""
    assumptions: dict[str, str] = Field(default_factory=dict, max_length=200)
    """Modelling assumptions, by what they are about (e.g. ``effects``), each with its value and its
    source or rationale. The explorer, the workbook and ``inspect`` show them as assumptions, apart from
    the data. Each stream's effects, response curve and persistence and each mission's weight are
    assumptions whether listed here or not, and every output says so."""

    _provenance: Provenance | None = PrivateAttr(default=None)

    @classmethod
    def from_layers(cls, layers: list[Layer], extra: Layer | None, file: str | None) -> Scenario:
        """Merge layers (lowest precedence first; ``extra`` is ``--set``), validate, check the references.

        Raises:
            ScenarioError (or RuleSetError): every problem found, each with the file that set the value.
        """
        merged = merge_layers(layers, extra, file)
        where = file or "<scenario>"
        try:
            scenario = cls.model_validate(merged.data, context={"provenance": merged.provenance})
        except ValidationError as exc:
            raise error_for(describe_validation_error(exc, merged.data, merged.origin, where, cls)) from None
        if problems := check_references(scenario, merged.origin, where):
            raise error_for(problems)
        return scenario

    @model_validator(mode="after")
    def _keep_provenance(self, info: ValidationInfo) -> Scenario:
        # complete when built: from_layers passes how the scenario was put together
        if info.context and "provenance" in info.context:
            self._provenance = info.context["provenance"]
        return self

    @property
    def provenance(self) -> Provenance | None:
        """How the scenario was put together, or None if built in code (or read back from a run)."""
        return self._provenance

    def with_overrides(self, overrides: Overrides) -> Scenario:
        """A new scenario: this one with overrides of the highest precedence (dotted keys, as ``--set``)."""
        prov = self._provenance
        current = self.resolved() if prov is None or not prov.layers else {}
        layers, extra, file = override_layers(prov, current, overrides)
        return Scenario.from_layers(layers, extra, file)

    def resolved(self) -> dict[str, YamlData]:
        """The fully resolved scenario as plain data (what ``allocator validate --resolved`` prints)."""
        return self.model_dump(mode="json", exclude_none=True)

    @model_validator(mode="after")
    def _robust_needs_draws(self) -> Scenario:
        if self.objective.mode == "robust" and self.uncertainty is None:
            raise ValueError("objective.mode robust needs an uncertainty: block to draw from")
        return self

    @field_validator("years")
    @classmethod
    def _consecutive(cls, v: list[int]) -> list[int]:
        if any(b != a + 1 for a, b in itertools.pairwise(v)):
            raise ValueError(f"years must be consecutive and increasing, got {v}")
        if any(not 1990 <= y <= 2100 for y in v):
            raise ValueError("years are financial-year starts such as 2026")
        return v

    @property
    def budgets(self) -> list[str]:
        return sorted({s.budget for s in self.streams.values()})

    def used_columns(self) -> dict[str, str]:
        """Area attributes the scenario reads, each with the field that reads it."""
        used: dict[str, str] = {self.geography.population_column: "geography.population_column"}
        for name, m in self.missions.items():
            used.setdefault(m.indicator, f"missions.{name}.indicator")
            if m.local_weight_column:
                used.setdefault(m.local_weight_column, f"missions.{name}.local_weight_column")
        if any(s.eligible_tiers for s in self.streams.values()):
            used.setdefault(self.geography.tier_column, "geography.tier_column")
        if self.objective.distributional:
            used.setdefault(self.objective.distributional.income_column, "objective.distributional")
        if self.objective.cost_adjustment_column:
            used.setdefault(self.objective.cost_adjustment_column, "objective.cost_adjustment_column")
        for column in self.integrated or {}:
            used.setdefault(column, "integrated")
        for rule_id, rule in self.rules.items():
            for column in rule.areas or {}:
                used.setdefault(column, f"rules.{rule_id}.areas")
        if isinstance(self.geography.own_resources, OwnResourcesGrowth):
            own = self.geography.own_resources
            for column in own.rates():
                field = "column" if column == own.column else "columns"
                used.setdefault(column, f"geography.own_resources.{field}")
        if isinstance(self.geography.baseline, IllustrativeBaseline) and self.geography.baseline.need_column:
            used.setdefault(self.geography.baseline.need_column, "geography.baseline.need_column")
        return used
