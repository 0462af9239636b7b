"""Green Book appraisal and response curves: discount factors, persistence, piecewise-linear response.

- Discounting: ``delta_t = prod_{u<t} 1 / (1 + r_u)`` with the Green Book's declining long-term schedule
  (3.5% for years 0-30, 3.0% to 75, 2.5% to 125, 2.0% to 200, 1.5% to 300, then 1.0%), or a flat rate.
- Persistence: ``P_{s,t} = sum_{u=t}^{H-1+tail} delta_u lambda_s^(u-t)``.
- Response: ``g(z) = z0 ln(1 + z / z0)`` on ``[0, zmax]`` in K linear pieces whose breakpoints give equal
  increments of g, so pieces are shorter where the curve bends most; slopes decrease, so segments fill
  in order in a maximisation without integer variables.
"""

from __future__ import annotations

import numpy as np

GREEN_BOOK_SCHEDULE = [(0, 0.035), (31, 0.030), (76, 0.025), (126, 0.020), (201, 0.015), (301, 0.010)]
"""(first year of the band, rate): the Green Book's declining schedule of the social time preference rate."""


def green_book_rate(year: int) -> float:
    """The discount rate that applies in appraisal year ``year`` (0 = first settlement year)."""
    rate = GREEN_BOOK_SCHEDULE[0][1]
    for start, r in GREEN_BOOK_SCHEDULE:
        if year >= start:
            rate = r
    return rate


def discount_factors(n: int, flat_rate: float | None = None) -> np.ndarray:
    """``delta_t`` for t = 0..n-1: delta_0 = 1, then each year discounted at that year's rate."""
    rates = np.array([flat_rate if flat_rate is not None else green_book_rate(u) for u in range(n)])
    return np.concatenate([[1.0], np.cumprod(1.0 / (1.0 + rates[:-1]))])[:n]


def persistence_factors(discount: np.ndarray, decay: np.ndarray, n_years: int) -> np.ndarray:
    """``P_{s,t}``: discounted sum of the effect of £1 spent in year t that decays by ``decay_s`` a year."""
    horizon = len(discount)
    out = np.zeros((len(decay), n_years))
    for t in range(n_years):
        lags = np.arange(horizon - t)
        out[:, t] = (discount[t:][None, :] * np.power(decay[:, None], lags[None, :])).sum(axis=1)
    return out


def response(z: np.ndarray, z0: np.ndarray) -> np.ndarray:
    """``g(z) = z0 ln(1 + z / z0)``: g(0) = 0, g'(0) = 1, concave."""
    return z0 * np.log1p(z / z0)


def response_segments(z0: np.ndarray, zmax: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Breakpoints (S x K+1), slopes (S x K) and the maximum approximation error (S) in £ per head.

    The error of a piece is the largest gap between the curve and its chord, at the point where the
    curve's slope equals the chord's: ``z* = z0 / slope - z0``.
    """
    frac = np.arange(k + 1) / k
    bp = z0[:, None] * (np.power((1.0 + zmax / z0)[:, None], frac[None, :]) - 1.0)
    bp[:, -1] = zmax
    g = response(bp, z0[:, None])
    slopes = np.diff(g, axis=1) / np.diff(bp, axis=1)
    z_star = np.clip(z0[:, None] / slopes - z0[:, None], bp[:, :-1], bp[:, 1:])
    chord = g[:, :-1] + slopes * (z_star - bp[:, :-1])
    error = (response(z_star, z0[:, None]) - chord).max(axis=1)
    return bp, slopes, error
