"""Tables of the synthetic geography: population, indicators, baseline funding and own resources.

Indicators are driven by a latent, spatially smooth deprivation factor (a random field over the map,
urbanity and a north-south gradient, plus noise), so that they correlate as in England: deprivation
lowers healthy life expectancy, early-years development, income and employment and raises crime;
density raises productivity and crime and lowers emissions per head. Each indicator is standardised
and then given England's national mean and spread, so the figures look right at any number of areas.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.geography.synthetic_codes import DISTRICT, LONDON, METROPOLITAN, UNITARY

POPULATION_TOTAL = 57_000_000
"""Population of the synthetic country (England: 57 million), whatever the number of areas."""

_TIER_POPULATION = {  # median relative to the mean area, log spread (England's LADs)
    DISTRICT: (0.62, 0.33),
    UNITARY: (1.25, 0.60),
    LONDON: (1.45, 0.22),
    METROPOLITAN: (1.60, 0.55),
}

STREAMS: dict[str, tuple[str, float]] = {
    # stream: (budget, national total in £ for 57 million people)
    "local_growth": ("capital", 1_600_000_000),
    "transport": ("capital", 2_400_000_000),
    "housing_regeneration": ("capital", 1_300_000_000),
    "net_zero_retrofit": ("capital", 700_000_000),
    "skills_employment": ("resource", 1_400_000_000),
    "prevention_public_health": ("resource", 2_200_000_000),
    "community_safety": ("resource", 600_000_000),
    "early_years": ("resource", 1_300_000_000),
}
"""The eight streams of scenarios/synthetic.yaml: £5.5bn resource and £6.0bn capital in all."""

COUNCIL_TAX_GROWTH = 0.0499
"""Yearly growth of council tax (the referendum limit with the social care precept)."""

DECIMALS = {
    "gva_per_hour_gbp": 2,
    "employment_rate_pct": 1,
    "gdhi_per_head_gbp": 0,
    "ghg_tco2e_per_capita": 2,
    "hle_male_years": 1,
    "hle_female_years": 1,
    "eyfs_good_level_of_development_pct": 1,
    "crime_average_score": 3,
    "imd_average_score": 3,
    "area_cost_adjustment": 4,
    "council_tax_base_band_d": 1,
    "band_d_gbp": 2,
    "amount_gbp": 2,
}
"""Decimals written for each numeric column (fixed formatting: the same bytes on every machine)."""

INDICATOR_COLUMNS = [c for c in DECIMALS if c != "amount_gbp"]


def populations(rng: np.random.Generator, tier: np.ndarray, cell_km2: np.ndarray) -> np.ndarray:
    """Heavy-tailed populations summing to 57 million: lognormal by tier, larger where cells are small.

    The last area (the island) is a tiny outlier, like the Isles of Scilly.
    """
    n = len(tier)
    raw = np.zeros(n)
    score = -0.3 * np.log(cell_km2) + rng.normal(0.0, 0.35, n)
    for t, (median, spread) in _TIER_POPULATION.items():
        idx = np.flatnonzero(tier == t)
        draws = np.sort(median * np.exp(spread * rng.standard_normal(len(idx))))
        raw[idx[np.argsort(score[idx], kind="stable")]] = draws
    mean = POPULATION_TOTAL / n
    island = max(20, round(0.012 * mean)) if n > 1 else POPULATION_TOTAL
    raw[-1] = 0.0
    pop = np.round(raw / raw.sum() * (POPULATION_TOTAL - island)).astype(np.int64)
    pop[-1] = island
    pop[np.argmax(pop)] += POPULATION_TOTAL - pop.sum()  # exact total
    return pop


def _std(v: np.ndarray) -> np.ndarray:
    s = v.std()
    return (v - v.mean()) / (s if s > 0 else 1.0)


def _lognormal(mean: float, sd: float, z: np.ndarray) -> np.ndarray:
    """Values with the given mean and sd (right-skewed), monotone in the standard score z."""
    sigma = np.sqrt(np.log1p((sd / mean) ** 2))
    return mean * np.exp(sigma * z - sigma**2 / 2)


def smooth_field(rng: np.random.Generator, xy: np.ndarray, features: int = 48) -> np.ndarray:
    """A smooth random field at xy (random Fourier features, wavelengths 80-300 km), standardised."""
    wavelength = rng.uniform(80_000, 300_000, features)
    theta = rng.uniform(0, 2 * np.pi, features)
    phase = rng.uniform(0, 2 * np.pi, features)
    k = 2 * np.pi / wavelength
    arg = xy[:, :1] * (k * np.cos(theta)) + xy[:, 1:] * (k * np.sin(theta)) + phase
    return _std(np.cos(arg).sum(axis=1))


@dataclass(frozen=True)
class Drivers:
    """Area characteristics that drive the indicators (standardised scores)."""

    deprivation: np.ndarray
    urban: np.ndarray
    capital_near: np.ndarray
    """1 at the capital's centre, falling to 0 about 100 km away."""


def drivers(rng, xy: np.ndarray, pop: np.ndarray, cell_km2: np.ndarray, capital: np.ndarray) -> Drivers:
    n = len(xy)
    urban = _std(np.log(pop / cell_km2))
    north = _std(xy[:, 1])
    field = smooth_field(rng, xy)
    dep = _std(0.5 * field + 0.35 * urban + 0.3 * north + 0.6 * rng.standard_normal(n))
    d = np.hypot(xy[:, 0] - capital[0], xy[:, 1] - capital[1])
    return Drivers(dep, urban, np.exp(-((d / 60_000) ** 2)))


def indicators(rng, drv: Drivers, tier: np.ndarray, pop: np.ndarray) -> pd.DataFrame:
    """The indicator columns (see the README) for each area."""
    n = len(pop)
    dep, urb, cap = drv.deprivation, drv.urban, drv.capital_near

    def noise() -> np.ndarray:
        return rng.standard_normal(n)

    e_hle = noise()
    out = {
        "gva_per_hour_gbp": _lognormal(39.0, 6.0, _std(0.45 * urb + 0.35 * cap - 0.3 * dep + 0.6 * noise())),
        "employment_rate_pct": np.clip(75.0 + 4.0 * _std(-0.6 * dep + 0.1 * cap + 0.75 * noise()), 50, 95),
        "gdhi_per_head_gbp": _lognormal(22_000.0, 4_000.0, _std(-0.6 * dep + 0.45 * cap + 0.55 * noise())),
        "ghg_tco2e_per_capita": _lognormal(4.5, 1.5, _std(-0.7 * urb + 0.6 * noise())),
        "hle_male_years": 62.0 + 3.0 * _std(-0.75 * dep - 0.15 * urb + 0.55 * e_hle),
        "hle_female_years": 63.0 + 3.0 * _std(-0.75 * dep - 0.15 * urb + 0.45 * e_hle + 0.3 * noise()),
        "eyfs_good_level_of_development_pct": 68.0 + 3.5 * _std(-0.55 * dep + 0.75 * noise()),
        "crime_average_score": 0.5 * _std(0.65 * dep + 0.45 * urb + 0.55 * noise()),
        "imd_average_score": _lognormal(21.0, 8.0, 2.8 * np.tanh(dep / 2.8)),  # a softer upper tail
    }
    aca = 0.97 + 0.14 * cap + 0.012 * np.clip(urb, -2, 2) + 0.006 * noise()
    out["area_cost_adjustment"] = np.clip(aca / aca.mean(), 0.95, 1.15)
    per_head = np.exp(0.12 * _std(-0.7 * dep + 0.5 * noise()))
    out["council_tax_base_band_d"] = pop * 0.37 * per_head / per_head.mean()
    two_tier = (tier == DISTRICT).astype(float)
    london = (tier == LONDON).astype(float)
    out["band_d_gbp"] = 2_200.0 + 150.0 * _std(0.5 * two_tier - 0.5 * london + 0.7 * noise())
    return pd.DataFrame({k: np.round(v, DECIMALS[k]) for k, v in out.items()})


def baseline_funding(rng, drv: Drivers, ind: pd.DataFrame, pop: np.ndarray) -> np.ndarray:
    """Baseline £ by area (rows) and stream (columns, in STREAMS order): need-tilted, noisy per head.

    Each area's per-head multiplier of a stream's national per-head amount stays within about 0.7-2.1,
    so every area has a positive amount, far below the streams' absorptive capacity.
    """
    n = len(pop)
    dep, urb = drv.deprivation, drv.urban
    crime = _std(ind["crime_average_score"].to_numpy())
    ghg = _std(ind["ghg_tco2e_per_capita"].to_numpy())
    tilt = {
        "local_growth": 0.25 * dep - 0.05 * urb,
        "transport": 0.15 * urb + 0.1 * dep,
        "housing_regeneration": 0.3 * dep + 0.1 * urb,
        "net_zero_retrofit": 0.2 * ghg + 0.1 * dep,
        "skills_employment": 0.3 * dep,
        "prevention_public_health": 0.3 * dep,
        "community_safety": 0.3 * crime + 0.1 * urb,
        "early_years": 0.25 * dep,
    }
    share = pop / pop.sum()
    scale = pop.sum() / POPULATION_TOTAL
    out = np.empty((n, len(STREAMS)))
    for k, (stream, (_, total)) in enumerate(STREAMS.items()):
        m = np.exp(tilt[stream] + 0.12 * rng.standard_normal(n))
        for _ in range(4):  # keep within bounds while the population-weighted mean is 1
            m = np.clip(m / (share @ m), 0.72, 2.0)
        m /= share @ m
        out[:, k] = total * scale * share * m
    return np.round(out, DECIMALS["amount_gbp"])


def own_resources(tax_base: np.ndarray, band_d: np.ndarray, first_year: int, years: int) -> np.ndarray:
    """Council tax by area (rows) and year (columns): tax base x Band D, grown 4.99% a year."""
    growth = (1 + COUNCIL_TAX_GROWTH) ** np.arange(years)
    return np.round((tax_base * band_d)[:, None] * growth[None, :], DECIMALS["amount_gbp"])


def fixed_decimals(values: np.ndarray, decimals: int) -> np.ndarray:
    """Numbers as strings with a fixed number of decimals (byte-stable CSVs)."""
    if decimals == 0:
        return np.round(values).astype(np.int64).astype(str)
    return np.char.mod(f"%.{decimals}f", values)
