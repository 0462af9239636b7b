"""Everything the model needs, as arrays: need, weights, discounting, persistence, response segments,
the formula's targets. Built from a Scenario and a Geography; no PuLP, no geometry.

Index order is stable (sorted area codes, scenario years, streams in scenario order), so the same inputs
always give the same model. Notation follows docs/model.md (MODEL.md).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.errors import Problem, ScenarioError
from allocator.geography import Geography
from allocator.model.appraisal import discount_factors, persistence_factors, response_segments
from allocator.model.need import relative_need
from allocator.schema import Scenario
from allocator.selectors import expand


@dataclass(frozen=True)
class ModelInputs:
    """Arrays indexed by area (A), year (T), stream (S), segment (K), mission (M), budget (B)."""

    scenario: Scenario
    areas: pd.DataFrame  # geography.areas, sorted by code
    codes: list[str]
    years: list[int]
    streams: list[str]
    missions: list[str]
    budgets: list[str]
    stream_budget: np.ndarray  # S, index into budgets
    population: np.ndarray  # A
    base: np.ndarray  # A x S, £ in the year before the first
    own: np.ndarray  # A x T, £ (zeros when the scenario has none)
    own_base: np.ndarray  # A, own resources in the year before the first (the first year's when absent)
    has_own: bool
    eligible: np.ndarray  # A x S bool
    integrated: np.ndarray  # A bool
    need: np.ndarray  # A x M
    weight: np.ndarray  # A x M (w_{a,m})
    effect: np.ndarray  # S x M (e_{s,m})
    dist_weight: np.ndarray  # A (d_a)
    deflator: np.ndarray  # T: real value of £1 of the year's money (1 when amounts are real)
    inflation: np.ndarray  # T: inflation applied going into each year
    discount: np.ndarray  # H + tail
    persistence: np.ndarray  # S x T (P_{s,t})
    breakpoints: np.ndarray  # S x (K+1), £ per head
    slopes: np.ndarray  # S x K
    approximation_error: pd.DataFrame  # per stream: max error of the piecewise response, £ per head
    envelope: np.ndarray  # B x T, £
    need_share: np.ndarray  # A (N_a)
    formula_target: np.ndarray  # A x T x B (F_{a,t,b}); sums over b to F_{a,t}
    phased_target: np.ndarray  # A x T x B (Phi_{a,t,b})
    mix_share: np.ndarray  # A x S: the formula's stream mix within each budget (national baseline shares)
    adjacency: pd.DataFrame  # area_code, neighbour_code (codes of recipient areas only)

    @property
    def value_per_gbp(self) -> np.ndarray:
        """A x S: mission value per £ of effective (response-weighted) spend, before time factors:
        ``d_a sum_m w_{a,m} e_{s,m} need_{a,m}``."""
        return self.dist_weight[:, None] * np.einsum("am,sm,am->as", self.weight, self.effect, self.need)

    @property
    def base_total(self) -> np.ndarray:
        return self.base.sum(axis=1)

    def index(self) -> dict[str, int]:
        return {c: i for i, c in enumerate(self.codes)}


def build_inputs(scenario: Scenario, geography: Geography) -> ModelInputs:
    """Compute the model's arrays; raises ScenarioError for inconsistent data (e.g. an empty envelope)."""
    areas = geography.areas.sort_index()
    codes = [str(c) for c in areas.index]
    years = list(scenario.years)
    streams = list(scenario.streams)
    missions = list(scenario.missions)
    budgets = sorted({s.budget for s in scenario.streams.values()})
    n_a, n_t = len(codes), len(years)
    obj = scenario.objective

    population = areas["population"].to_numpy(dtype=float)
    base = (
        geography.baseline.pivot_table(
            index="area_code", columns="stream", values="amount_gbp", aggfunc="sum"
        )
        .reindex(index=codes, columns=streams)
        .fillna(0.0)
        .to_numpy(dtype=float)
    )
    has_own = geography.own_resources is not None
    own = np.zeros((n_a, n_t))
    own_base = np.zeros(n_a)
    if has_own:
        table = geography.own_resources.pivot_table(index="area_code", columns="year", values="amount_gbp")
        own = table.reindex(index=codes, columns=years).fillna(0.0).to_numpy(dtype=float)
        before = years[0] - 1
        own_base = (
            table[before].reindex(codes).fillna(0.0).to_numpy(dtype=float)
            if before in table
            else own[:, 0].copy()
        )

    tier_col = scenario.geography.tier_column
    eligible = np.ones((n_a, len(streams)), dtype=bool)
    for j, s in enumerate(streams):
        tiers = scenario.streams[s].eligible_tiers
        if tiers is not None:
            eligible[:, j] = areas[tier_col].isin(tiers).to_numpy()
    integrated = areas["integrated"].to_numpy(dtype=bool) if "integrated" in areas else np.zeros(n_a, bool)

    need = np.zeros((n_a, len(missions)))
    weight = np.zeros((n_a, len(missions)))
    for j, m in enumerate(missions):
        spec = scenario.missions[m]
        v = areas[spec.indicator].to_numpy(dtype=float)
        need[:, j] = relative_need(v, spec.target, spec.direction == "higher_is_better", obj.need_floor)
        local = areas[spec.local_weight_column].to_numpy(dtype=float) if spec.local_weight_column else 1.0
        weight[:, j] = spec.weight * local
    effect = np.array([[scenario.streams[s].effects.get(m, 0.0) for m in missions] for s in streams])

    dist_weight = np.ones(n_a)
    if obj.distributional:
        income = areas[obj.distributional.income_column].to_numpy(dtype=float)
        dist_weight = (np.median(income) / income) ** obj.distributional.elasticity

    inflation = np.array([expand(scenario.inflation, years)[y] for y in years])
    deflator = np.ones(n_t)
    if scenario.amounts == "cash":
        deflator = 1.0 / np.cumprod(1.0 + inflation)
    discount = discount_factors(n_t + obj.tail_years, obj.discount_rate)
    lambdas = np.array([scenario.streams[s].persistence for s in streams])
    persistence = persistence_factors(discount, lambdas, n_t)
    z0 = np.array([scenario.streams[s].z0_gbp_per_head for s in streams])
    zmax = np.array([scenario.streams[s].zmax_gbp_per_head for s in streams])
    breakpoints, slopes, err = response_segments(z0, zmax, obj.segments)
    approximation_error = pd.DataFrame(
        {
            "stream": streams,
            "max_error_gbp_per_head": err,
            "max_error_share": err / (z0 * np.log1p(zmax / z0)),
        }
    )

    problems = []
    envelope = np.zeros((len(budgets), n_t))
    for i, b in enumerate(budgets):
        by_year = expand(scenario.envelopes[b], years)
        envelope[i] = [by_year[y] for y in years]
        if (envelope[i] <= 0).any():
            problems.append(Problem("scenario", f"envelopes.{b}", "every year's envelope must be positive"))
    if problems:
        raise ScenarioError(problems)

    # The formula (Fair Funding Review 2.0 style): relative need shares, resources adjustment, phasing.
    cost = areas[obj.cost_adjustment_column].to_numpy(dtype=float) if obj.cost_adjustment_column else 1.0
    relative = (
        population * (need * np.array([scenario.missions[m].weight for m in missions])).sum(axis=1) * cost
    )
    total = relative.sum()
    # No need anywhere (every weight zero, or no gap and no need floor): share by population, never 0/0.
    need_share = relative / total if total > 0 else population / population.sum()
    stream_budget = np.array([budgets.index(scenario.streams[s].budget) for s in streams])
    formula_target = need_share[:, None, None] * envelope.T[None, :, :]  # A x T x B
    if has_own and "resource" in budgets:
        r = budgets.index("resource")
        # resources adjustment: the share of own resources the formula equalises
        equalised = obj.resources_adjustment * own
        formula_target[:, :, r] = need_share[:, None] * (
            envelope[r][None, :] + equalised.sum(axis=0)[None, :]
        )
        formula_target[:, :, r] -= equalised
    base_budget = np.stack([base[:, stream_budget == i].sum(axis=1) for i in range(len(budgets))], axis=1)
    phase = np.array([obj.phase[min(t, len(obj.phase) - 1)] for t in range(n_t)])
    phased_target = base_budget[:, None, :] + phase[None, :, None] * (
        formula_target - base_budget[:, None, :]
    )

    national = base.sum(axis=0)
    mix = np.zeros((n_a, len(streams)))
    for i in range(len(budgets)):
        cols = stream_budget == i
        w = national[cols][None, :] * eligible[:, cols]
        if national[cols].sum() <= 0:  # no baseline in this budget: spread evenly over eligible streams
            w = eligible[:, cols].astype(float)
        total = w.sum(axis=1, keepdims=True)
        mix[:, cols] = np.divide(w, total, out=np.zeros_like(w), where=total > 0)

    adjacency = geography.adjacency
    adjacency = adjacency[adjacency["area_code"].isin(codes) & adjacency["neighbour_code"].isin(codes)]

    return ModelInputs(
        scenario=scenario,
        areas=areas,
        codes=codes,
        years=years,
        streams=streams,
        missions=missions,
        budgets=budgets,
        stream_budget=stream_budget,
        population=population,
        base=base,
        own=own,
        own_base=own_base,
        has_own=has_own,
        eligible=eligible,
        integrated=integrated,
        need=need,
        weight=weight,
        effect=effect,
        dist_weight=dist_weight,
        deflator=deflator,
        inflation=inflation,
        discount=discount,
        persistence=persistence,
        breakpoints=breakpoints,
        slopes=slopes,
        approximation_error=approximation_error,
        envelope=envelope,
        need_share=need_share,
        formula_target=formula_target,
        phased_target=phased_target,
        mix_share=mix,
        adjacency=adjacency.reset_index(drop=True),
    )
