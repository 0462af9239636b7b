"""The geography section of the scenario schema (``geography:``): where the areas, their attributes, the
baseline and own resources come from. ``allocator.schema`` holds the rest of the scenario and re-exports
these; ``Strict`` is the base of every model of a file users write.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from allocator.selectors import MAX_GBP, Selector


class Strict(BaseModel):
    """A model of a file users write: unknown fields are errors, and every number must be finite."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True, allow_inf_nan=False)


# --- geography -------------------------------------------------------------------------------------


class TableSource(Strict):
    """A CSV table joined to the areas on a code column."""

    path: Path
    """CSV file (relative to the scenario file that names it; ``${VAR}`` expanded)."""
    code_column: str = "area_code"
    """Column of the CSV holding the GSS code it is keyed on."""
    join_on: str | None = None
    """Area attribute to join on instead of the area code, e.g. ``UTLA24CD`` for upper-tier values."""
    columns: dict[str, str] | None = None
    """Columns to take, as ``new_name: csv_column``; all columns (under their own names) when omitted."""
    fill_missing_only: bool = False
    """Only fill values still missing after earlier tables (e.g. upper-tier values for districts)."""
    where: Selector = Field(default_factory=dict)
    """Keep only the CSV rows meeting these conditions (e.g. one indicator and year of a long table)."""


class ParentSpec(Strict):
    """A parent level of the areas (region, strategic authority...), by lookup column or by containment."""

    column: str | None = None
    """Area attribute that already holds the parent code (from a lookup table)."""
    boundaries: Path | None = None
    """Parent polygons; each area is assigned the parent containing its interior point."""
    code_column: str = "area_code"
    """Code column of the parent boundaries."""

    @model_validator(mode="after")
    def _one_way(self) -> ParentSpec:
        if (self.column is None) == (self.boundaries is None):
            raise ValueError("give exactly one of column (lookup) or boundaries (spatial containment)")
        return self


class BaselineFile(Strict):
    """Baseline funding by area and stream, in a long CSV (one row per area and stream)."""

    path: Path
    code_column: str = "area_code"
    stream_column: str = "stream"
    amount_column: str = "amount_gbp"
    uprating: float = Field(1.0, gt=0.0)
    """Factor applied to every amount: carries figures of an earlier year to the baseline year."""


class IllustrativeBaseline(Strict):
    """An illustrative baseline where the data has none: a national total shared by need and population.

    ``base_{a,s} = total_gbp * share_s * p_a * (1 + elasticity * z_a) / sum(...)``, where ``z_a`` is the
    standardised ``need_column`` (higher = more need) and ``share_s`` the stream's ``baseline_share``.
    """

    illustrative_total_gbp: float = Field(gt=0, le=MAX_GBP)
    """National total of the baseline year, £, across every stream, in (0, 1e13]."""
    need_column: str | None = None
    """Column whose standardised value tilts the per-head baseline (higher = more need)."""
    need_elasticity: float = Field(0.3, ge=0.0, le=1.0)
    """How strongly need tilts the per-head baseline, in [0, 1]."""


class OwnResourcesFile(Strict):
    """Locally raised resources by area and year, in a long CSV."""

    path: Path
    code_column: str = "area_code"
    year_column: str = "year"
    amount_column: str = "amount_gbp"


class OwnResourcesGrowth(Strict):
    """Locally raised resources from area columns, each grown every year at its rate (e.g. council tax
    at the referendum limits): ``own[a, t] = sum_c column_c[a] (1 + growth_c)^(t - base_year)``."""

    column: str | None = None
    """Area attribute with the amount in the base year, £, grown at ``growth``."""
    growth: float = Field(0.0499, ge=-0.5, le=0.5)
    """Annual growth of ``column``, in [-0.5, 0.5] (default: the 4.99% council tax referendum limit
    with the social care precept)."""
    columns: dict[str, Annotated[float, Field(ge=-0.5, le=0.5)]] = Field(default_factory=dict)
    """Further area attributes (amounts in the base year, £), each with its own annual growth; summed."""
    base_year: int | None = Field(None, ge=1990, le=2100)
    """Year the amounts are for (2023 = 2023-24); default the year before the first settlement year."""

    @model_validator(mode="after")
    def _some_column(self) -> OwnResourcesGrowth:
        if self.column is None and not self.columns:
            raise ValueError("give column (with growth) or columns (each with its growth)")
        if self.column is not None and self.column in self.columns:
            raise ValueError(f"'{self.column}' is given both as column and in columns")
        return self

    def rates(self) -> dict[str, float]:
        """Every column with its annual growth."""
        return ({self.column: self.growth} if self.column is not None else {}) | dict(self.columns)


class FactSpec(Strict):
    """An area attribute shown to readers as a published figure (e.g. 2023-24 spending), with its unit."""

    label: str
    """What the figure is, as a reader should see it (e.g. "Council tax requirement 2023-24")."""
    unit: Literal["gbp", "gbp_per_head", "pct", "number", "text"] = "number"
    """How to format it: £, £ per head, a percentage (stored as a share), a plain number, or text."""
    source: str = ""
    """Where the figure comes from (publisher, table, year)."""
    usual: str | None = None
    """The usual value of a text figure (e.g. how funding was obtained): areas with another value are
    listed in a note when the geography loads, so estimates stay visible."""


class GeographySpec(Strict):
    """Where the areas come from and which of them receive funding."""

    boundaries: Path
    """Polygons with GSS codes: GeoPackage, GeoJSON, Shapefile, or a TopoJSON file (give ``layer``)."""
    layer: str | None = None
    """Layer of the boundaries file (GeoPackage layer or TopoJSON object)."""
    code_column: str = "area_code"
    """Column of the boundaries holding the GSS code; becomes ``area_code``."""
    name_column: str = "area_name"
    """Column of the boundaries holding the area name; becomes ``area_name``."""
    lookup: TableSource | None = None
    """Hierarchy lookup (tier, parents, region) joined on the area code before the indicators."""
    indicators: list[TableSource] = Field(default_factory=list)
    """Indicator tables, joined in order."""
    derived: dict[str, str] = Field(default_factory=dict)
    """New columns computed from existing ones, e.g. ``hle: (hle_m + hle_f) / 2``: arithmetic
    (``+ - * /``, parentheses), numbers, area attributes and the functions abs, sqrt, log, exp, min, max
    (``allocator.geography.expression``; never Python)."""
    population_column: str = "population"
    tier_column: str = "tier"
    """Area attribute giving the tier (streams' ``eligible_tiers`` refer to its values)."""
    region_column: str | None = None
    """Area attribute giving the region, for comparisons in reports."""
    parents: dict[str, ParentSpec] = Field(default_factory=dict)
    """Parent levels to attach, by name (e.g. ``strategic_authority``); become ``parent_<name>``."""
    select: Selector = Field(default_factory=dict)
    """Which areas receive funding (all when empty)."""
    dissolve_to: str | None = None
    """Area attribute naming a parent to merge areas into (e.g. districts into a combined authority)."""
    sum_columns: list[str] = Field(default_factory=list)
    """When dissolving: columns summed (population always is); the rest are population-weighted means."""
    baseline: BaselineFile | IllustrativeBaseline
    """Funding in the year before the first settlement year, by stream."""
    own_resources: OwnResourcesFile | OwnResourcesGrowth | None = None
    """Locally raised resources, for spending power and the formula's resources adjustment."""
    attribution: list[str] = Field(default_factory=list)
    """Source and licence statements the data's publishers ask for (shown in every run's provenance,
    the explorer's footer and the workbook's Summary)."""
    facts: dict[str, FactSpec] = Field(default_factory=dict)
    """Area attributes shown on each area's page as published figures, by column name."""
