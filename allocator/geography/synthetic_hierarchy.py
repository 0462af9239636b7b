"""Hierarchy of the synthetic geography: tiers, counties, regions, strategic authorities, codes, names.

The tiers follow England's mix: about 10% London boroughs (one contiguous capital), 12% metropolitan
districts (up to six metropolitan cores), 21% unitary authorities (a small island, cities inside
counties and blocks of neighbouring unitaries) and the rest non-metropolitan districts in up to 21
counties. Every group (county, region, strategic authority) is grown along the adjacency graph, so it
is contiguous.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from allocator.geography.synthetic_codes import (
    DISTRICT,
    LONDON,
    METROPOLITAN,
    UNITARY,
    Hierarchy,
    codes_and_names,
)
from allocator.geography.synthetic_geometry import Cores
from allocator.geography.synthetic_graph import Graph, grow_blocks, grow_nearest, is_connected, kmeans_seeds

_METRO_WEIGHTS = [10, 7, 5, 5, 5, 4]
"""Relative sizes of the metropolitan cores (as England's six metropolitan counties)."""


@dataclass(frozen=True)
class TierPlan:
    """How many areas of each kind a geography of n areas has."""

    n: int
    capital: int
    metro_counts: list[int]
    unitary: int
    """Unitary authorities, the island included."""
    district: int
    counties: int
    city_unitaries: int
    """Unitaries carved out of counties (cities surrounded by a county)."""
    unitary_blocks: int
    cities: int
    """Shire cities: bumps of density among the shire sites."""
    regions: int
    """Regions other than the capital's."""
    strategic_authorities: int

    @property
    def metro(self) -> int:
        return sum(self.metro_counts)

    @property
    def block_unitaries(self) -> int:
        return self.unitary - 1 - self.city_unitaries


def plan_tiers(n: int) -> TierPlan:
    scale = min(1.0, n / 320)
    capital = round(0.105 * n)
    metro = round(0.12 * n)
    unitary = max(1, round(0.21 * n))
    district = n - capital - metro - unitary
    k = 0 if metro == 0 else min(6, max(1, metro // 3))
    w = np.asarray(_METRO_WEIGHTS[:k], dtype=float)
    metro_counts = _largest_remainder(metro, w) if k else []
    counties = min(21, max(1, round(district / 7.8)))
    city_unitaries = min(unitary - 1, round(0.3 * counties))
    block_unitaries = unitary - 1 - city_unitaries
    return TierPlan(
        n=n,
        capital=capital,
        metro_counts=metro_counts,
        unitary=unitary,
        district=district,
        counties=counties,
        city_unitaries=city_unitaries,
        unitary_blocks=0 if block_unitaries == 0 else min(16, max(1, round(block_unitaries / 4.2))),
        cities=max(1, round(16 * scale)),
        regions=min(8, max(1, round((n - capital) / 36))),
        strategic_authorities=max(2, k + 1, min(11, round(11 * scale))),
    )


def _largest_remainder(total: int, weights: np.ndarray) -> list[int]:
    """Integers >= 1 summing to total, proportional to weights (total >= len(weights))."""
    raw = weights / weights.sum() * (total - len(weights))
    out = np.floor(raw).astype(int)
    rest = total - len(weights) - out.sum()
    out[np.argsort(-(raw - out), kind="stable")[:rest]] += 1
    return (out + 1).tolist()


# --- building the hierarchy ------------------------------------------------------------------------


def build_hierarchy(
    rng: np.random.Generator,
    plan: TierPlan,
    xy: np.ndarray,
    cell_km2: np.ndarray,
    g: Graph,
    edges: tuple[np.ndarray, np.ndarray],
    cores: Cores,
) -> Hierarchy:
    """Tiers, counties, regions and strategic authorities of the areas (the last one is the island)."""
    n = len(xy)
    island = n - 1
    free = np.ones(n, dtype=bool)
    free[island] = False
    tier = np.full(n, DISTRICT, dtype=object)
    tier[island] = UNITARY
    unit = np.full(n, -1, dtype=np.int64)  # building blocks of regions: capital, metro cores, counties
    units = 0
    kind: list[str] = []  # "capital", "metro", "county", "unitary" for each unit
    metro_of = np.full(n, -1, dtype=np.int64)

    # the capital, then the metropolitan cores: the nearest sites to each centre, grown contiguously
    centres = [(cores.capital, plan.capital, LONDON)]
    centres += [(c[:2], k, METROPOLITAN) for c, k in zip(cores.metro, plan.metro_counts, strict=True)]
    for m, (centre, k, tier_name) in enumerate(centres):
        if k == 0:
            continue
        d = np.hypot(xy[:, 0] - centre[0], xy[:, 1] - centre[1])
        start = int(np.argmin(np.where(free, d, np.inf)))
        members = grow_nearest(g, start, k, free, d)
        free[members] = False
        tier[members] = tier_name
        unit[members] = units
        units += 1
        kind.append("capital" if tier_name == LONDON else "metro")
        if tier_name == METROPOLITAN:
            metro_of[members] = m - 1

    # shire blocks: counties and blocks of unitaries, grown from spread-out seeds with capacities
    shire = np.flatnonzero(free)
    block = np.full(n, -1, dtype=np.int64)
    n_blocks = min(plan.counties + plan.unitary_blocks, len(shire))
    is_county = np.zeros(0, dtype=bool)
    if n_blocks:
        seeds = shire[kmeans_seeds(rng, xy[shire], n_blocks)]
        is_county = rng.permutation(np.arange(n_blocks) < min(plan.counties, n_blocks))
        if not is_county.any():
            is_county[0] = True
        w = rng.lognormal(0.0, 0.25, n_blocks)
        target = np.where(is_county, plan.district + plan.city_unitaries, max(plan.block_unitaries, 0))
        group_w = np.array([w[is_county].sum(), w[~is_county].sum()])
        capacity = target * w / np.where(is_county, group_w[0], max(group_w[1], 1e-9))
        block = grow_blocks(g, seeds.tolist(), free, capacity=np.maximum(capacity, 1.0), overflow=is_county)
    county_of = np.full(n, -1, dtype=np.int64)
    counties: list[int] = []
    for b in range(n_blocks):
        members = np.flatnonzero(block == b)
        if len(members) == 0:
            continue
        if is_county[b]:
            county_of[members] = len(counties)
            unit[members] = units
            counties.append(units)
            kind.append("county")
            units += 1
        else:
            tier[members] = UNITARY
    leftover = free & (block == -1)  # sites no seed could reach: unitaries
    tier[leftover] = UNITARY

    # cities carved out of counties: the densest site, preferably surrounded by the county
    enclave_of = np.full(n, -1, dtype=np.int64)
    done = 0
    for c in rng.permutation(len(counties)).tolist():
        if done >= plan.city_unitaries:
            break
        members = np.flatnonzero(county_of == c)
        if len(members) < 4:
            continue
        for site in members[np.argsort(cell_km2[members], kind="stable")][:6].tolist():
            rest = members[members != site]
            if not is_connected(g, rest):
                continue
            county_of[site] = -1
            unit[site] = -1
            tier[site] = UNITARY
            enclave_of[site] = c
            done += 1
            break

    # every unitary is a unit of its own
    for site in np.flatnonzero(unit == -1).tolist():
        unit[site] = units
        kind.append("unitary")
        units += 1

    region, capital_region, pocket = _grow_regions(rng, plan, xy, edges, unit, units, kind)
    if pocket.any():
        tier[pocket] = LONDON
        county_of[pocket] = enclave_of[pocket] = block[pocket] = -1
        kept, county_of[county_of >= 0] = np.unique(county_of[county_of >= 0], return_inverse=True)
        remap = np.full(len(counties), -1)
        remap[kept] = np.arange(len(kept))
        enclave_of[enclave_of >= 0] = remap[enclave_of[enclave_of >= 0]]
    sa = _strategic_authorities(rng, plan, xy, g, tier, region, metro_of, county_of, enclave_of, block)
    return codes_and_names(rng, xy, tier, county_of, region, capital_region, sa)


def _grow_regions(rng, plan: TierPlan, xy, edges, unit, units: int, kind: list[str]):
    """Regions: the capital alone, the other units grown into up to eight contiguous regions."""
    n = len(xy)
    size = np.bincount(unit, minlength=units).astype(float)
    cx = np.bincount(unit, weights=xy[:, 0], minlength=units) / size
    cy = np.bincount(unit, weights=xy[:, 1], minlength=units) / size
    ua, ub = unit[edges[0]], unit[edges[1]]
    cross = ua != ub
    pairs = np.unique(np.column_stack([np.minimum(ua, ub)[cross], np.maximum(ua, ub)[cross]]), axis=0)
    w = np.hypot(cx[pairs[:, 0]] - cx[pairs[:, 1]], cy[pairs[:, 0]] - cy[pairs[:, 1]])
    ug = Graph(units, pairs[:, 0], pairs[:, 1], w * rng.uniform(0.8, 1.2, len(w)))
    capital_unit = kind.index("capital") if "capital" in kind else None
    allowed = np.ones(units, dtype=bool)
    if capital_unit is not None:
        allowed[capital_unit] = False
    island_unit = int(unit[n - 1])
    candidates = np.flatnonzero(allowed)
    candidates = candidates[candidates != island_unit]
    k = min(plan.regions, len(candidates))
    site_ok = np.isin(unit, candidates)
    centre_sites = np.flatnonzero(site_ok)[kmeans_seeds(rng, xy[site_ok], k)]
    seeds: list[int] = []
    for s in centre_sites:
        d = np.hypot(cx[candidates] - xy[s, 0], cy[candidates] - xy[s, 1])
        for c in candidates[np.argsort(d, kind="stable")].tolist():
            if c not in seeds:
                seeds.append(c)
                break
    capacity = size[candidates].sum() / k * rng.lognormal(0.0, 0.15, k) * 1.1
    label = grow_blocks(ug, seeds, allowed, capacity=capacity, size=size)
    # units cut off between the capital and the coast join the capital (they become its boroughs)
    pocket = np.zeros(units, dtype=bool)
    if capital_unit is not None:
        reach = grow_blocks(ug, [capital_unit], (label == -1) & (np.arange(units) != island_unit))
        pocket = (reach == 0) & allowed
        label[pocket] = k
    # units no seed reached (the island, detached pieces): the region of the nearest placed site
    site_label = label[unit]
    placed = np.flatnonzero((site_label >= 0) & (site_label != k))  # not the capital
    for u in np.flatnonzero((label == -1) & allowed).tolist():
        s = int(np.flatnonzero(unit == u)[0])
        near = placed[np.argmin(np.hypot(xy[placed, 0] - xy[s, 0], xy[placed, 1] - xy[s, 1]))]
        label[u] = site_label[near]
    capital_region = None
    if capital_unit is not None:
        label[capital_unit] = k
        capital_region = k
    region = label[unit]
    # region order: north to south (by centroid), as codes E12000001, E12000002, ...
    nreg = int(region.max()) + 1
    ry = np.bincount(region, weights=xy[:, 1], minlength=nreg) / np.bincount(region, minlength=nreg)
    order = np.argsort(-ry, kind="stable")
    rank = np.empty(nreg, dtype=np.int64)
    rank[order] = np.arange(nreg)
    capital_region = None if capital_region is None else int(rank[capital_region])
    return rank[region], capital_region, pocket[unit]


def _strategic_authorities(rng, plan, xy, g, tier, region, metro_of, county_of, enclave_of, block):
    """Strategic authority index of each area (-1: none): metro cores, a county or two, unitary groups."""
    n = len(xy)
    sa = np.full(n, -1, dtype=np.int64)
    kinds: list[str] = []
    target = plan.strategic_authorities
    for m in range(int(metro_of.max()) + 1 if (metro_of >= 0).any() else 0):
        if len(kinds) >= target:
            break
        sa[metro_of == m] = len(kinds)
        kinds.append("metro")
    n_county = max(1, round(0.2 * target)) if len(kinds) < target else 0
    for c in rng.permutation(int(county_of.max()) + 1 if (county_of >= 0).any() else 0).tolist()[:n_county]:
        if len(kinds) >= target:
            break
        members = county_of == c
        r = region[np.flatnonzero(members)[0]]
        members |= (enclave_of == c) & (region == r)
        sa[members] = len(kinds)
        kinds.append("county")
    scale = max(1.0, plan.n / 320)
    unitary_free = (tier == UNITARY) & (block >= 0)
    unitary_free[n - 1] = False
    for start in rng.permutation(np.flatnonzero(unitary_free)).tolist():
        if len(kinds) >= target:
            break
        if sa[start] >= 0:
            continue
        allowed = unitary_free & (sa == -1) & (block == block[start]) & (region == region[start])
        k = round(int(rng.integers(2, 6)) * scale)
        d = np.hypot(xy[:, 0] - xy[start, 0], xy[:, 1] - xy[start, 1])
        members = grow_nearest(g, start, k, allowed, d)
        if len(members) < 2:
            continue
        sa[members] = len(kinds)
        kinds.append("unitary")
    return sa, kinds
