"""Areas not on an integrated settlement keep each stream's baseline share of their total, within a band
of beta share points, or of beta times the share itself."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register
from allocator.units import fy, money, pct, points

if TYPE_CHECKING:
    from allocator.model.build import ModelBuilder
    from allocator.schema import Scenario
    from allocator.settlement import AllocationTables


class RingFencedMixSpec(RuleSpec):
    """Areas not on an integrated settlement keep each stream's baseline share of their total, +/- beta."""

    kind: Literal["ring_fenced_mix"] = "ring_fenced_mix"
    beta: float = Field(0.05, ge=0.0, le=1.0)
    """Allowed departure from the baseline share, in [0, 1]: in share points (0.05 = five points) with
    ``band: points``, or as a share of the baseline share itself (0.15 = within 15% of it) with
    ``band: relative``."""
    band: Literal["points", "relative"] = "points"
    """How ``beta`` is read. ``points``: the same band for every stream, so a small stream can be cut to
    nothing; ``relative``: each stream's band in proportion to its share, so every stream keeps most of
    its money whatever its size."""

    def bounds(self, share: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The lowest and highest share each baseline ``share`` may take."""
        width = self.beta * share if self.band == "relative" else np.full_like(share, self.beta)
        return share - width, share + width


@register
class RingFencedMix(RuleKind[RingFencedMixSpec]):
    """Ring-fenced mix: outside an integrated settlement (single pot), money stays in its streams.

    Math:
        (sh[a, s] - w[a, s]) X[a, t] <= x[a, t, s] <= (sh[a, s] + w[a, s]) X[a, t]
        for each covered area a that is not integrated, each covered year t and each stream s the area
        is eligible for; sh[a, s] = base[a, s] / sum_s' base[a, s'] is the area's own baseline share
        and the band is w = beta (``band: points``) or w = beta sh[a, s] (``band: relative``).
        A lower row with sh - w <= 0 or an upper row with sh + w >= 1 always holds and is left
        out; areas with no baseline have no mix to keep and are left out.

    References:
        English Devolution White Paper (2024): integrated settlements replace ring-fenced grants with a
        single pot for established mayoral strategic authorities.
    """

    spec_model: ClassVar = RingFencedMixSpec

    def add(self, m: ModelBuilder) -> None:
        inp = m.inputs
        areas = m.area_indices(self)
        base_total = inp.base.sum(axis=1)
        areas = areas[~inp.integrated[areas] & (base_total[areas] > 0)]
        t = m.year_indices(self)
        s = np.arange(len(m.streams))
        a, t, s = (g.ravel() for g in np.meshgrid(areas, t, s, indexing="ij"))
        keep = m.eligible(a, s)
        a, t, s = a[keep], t[keep], s[keep]
        low, high = self.spec.bounds(inp.base[a, s] / base_total[a])
        x, total = m.stream_amount(a, t, s), m.total(a, t)
        streams = np.array(m.streams, dtype=object)
        for side, share, sense, rows in (("lo", low, ">=", low > 0), ("hi", high, "<=", high < 1)):
            i = np.nonzero(rows)[0]
            year = m.year(t[i])
            lhs = x.take(i) - total.take(i) * share[i]
            m.constrain(
                self,
                (m.code(a[i]), year, streams[s[i]], side),
                lhs,
                sense,
                0.0,
                area=a[i],
                year=year,
                stream=streams[s[i]],
            )

    def _misses(self, settlement: AllocationTables) -> tuple[pd.Series, pd.Series, pd.Series]:
        """Below-lower and above-upper £ per covered (area_code, year, stream), and each row's X."""
        areas = settlement.areas
        keep = areas.index.isin(self.covered_areas(areas)) & ~areas["integrated"].astype(bool).to_numpy()
        keep &= settlement.baseline_shares().sum(axis=1).reindex(areas.index).to_numpy() > 0  # has a mix
        alloc = settlement.allocations
        alloc = alloc[alloc["area_code"].isin(areas.index[keep])]
        alloc = alloc[alloc["year"].isin(self.covered_years(settlement.years))]
        key = ["area_code", "year", "stream"]
        x = alloc.set_index(key)["amount_gbp"]
        totals = settlement.area_year_totals()["amount_gbp"]
        big_x = totals.reindex(pd.MultiIndex.from_frame(alloc[["area_code", "year"]])).to_numpy()
        shares = settlement.baseline_shares().stack()
        sh = shares.reindex(pd.MultiIndex.from_frame(alloc[["area_code", "stream"]])).to_numpy()
        low, high = self.spec.bounds(sh)
        lo = np.where(low > 0, low * big_x - x.to_numpy(), 0.0)
        hi = x.to_numpy() - high * big_x
        return pd.Series(lo, index=x.index), pd.Series(hi, index=x.index), pd.Series(big_x, index=x.index)

    def check(self, settlement: AllocationTables) -> RuleCheck:
        lo, hi, big_x = self._misses(settlement)
        return RuleCheck.from_shortfall(self, np.maximum(lo, hi), big_x)

    def explain(self, relaxation: pd.DataFrame, settlement: AllocationTables) -> dict[int | None, str]:
        lo, hi, big_x = self._misses(settlement)
        miss = np.maximum(lo, hi).clip(lower=0.0)
        # In the relaxed allocation, the largest departure from a baseline share is a beta that holds
        # (for a relative band, the departure as a share of the baseline share).
        needed = miss / big_x.where(big_x > 0)
        if self.spec.band == "relative":
            shares = settlement.baseline_shares().stack()
            sh = shares.reindex(needed.index.droplevel("year")).to_numpy()
            needed = needed / np.where(sh > 0, sh, np.nan)
        needed = (self.spec.beta + needed).fillna(0.0)
        out = {}
        for year, rows in relaxation.groupby("year"):
            year = int(year)
            in_year = needed.index.get_level_values("year") == year
            moved = max(lo[in_year].clip(lower=0.0).sum(), hi[in_year].clip(lower=0.0).sum())
            feasible = max(self.spec.beta, float(needed[in_year].max()) if in_year.any() else 0.0)
            feasible = math.ceil(round(feasible * 1000, 6)) / 1000  # rounded up: the shown value holds
            relative = self.spec.band == "relative"
            band = f"within {pct(self.spec.beta)} of" if relative else f"+/- {points(self.spec.beta)} of"
            shown = pct(feasible) if relative else points(feasible)
            out[year] = (
                f"stream mix '{self.rule_id}' ({band} baseline shares) in "
                f"{fy(year)} needs {money(moved)} moved between streams beyond it "
                f"({rows['area_code'].nunique()} areas; {money(rows['relaxation_gbp'].sum())} over its "
                f"rows): feasible with beta >= {feasible:.3f} ({shown}), or with those "
                "areas integrated"
            )
        return out

    # --- how the kind reads to people (allocator.reports.words) -----------------------------------
    label = "ring-fenced stream mix"
    direction = "range"
    held = "a stream is held at the edge of that range"
    example: ClassVar[dict[str, object]] = {"beta": 0.1}

    def requirement(self, scenario: Scenario) -> str:
        if self.spec.band == "relative":
            return (
                "outside an integrated settlement, each stream's share of the area's funding stays within "
                f"{pct(self.spec.beta)} of its baseline share, above or below{self.coverage(scenario)}"
            )
        return (
            "outside an integrated settlement, each stream stays within "
            f"{points(self.spec.beta)} of its share of the area's baseline funding{self.coverage(scenario)}"
        )

    def check_inputs(self, scenario: Scenario) -> list[tuple[str, str]]:
        return []
