"""The formula's scale-back, computed exactly: one year's budget totals and stream split, without an LP.

For one year, each area ``a`` and budget ``b`` has a phased target ``Phi``, a gain ``g = max(Phi - base, 0)``
and bounds ``lo <= X <= hi``; each area's total over budgets has bounds ``L <= X_a <= U``; each budget's
national total lies between ``E_lo`` and ``E_hi``. A *share* ``s`` places an area's budget amount at

    X(s) = clip(Phi - s g, lo, hi)            s >= 0: the share of its gain it gives up
    X(s) = clip(Phi + |s| max(Phi, 0), lo, hi)  s < 0: the share of its target it gains on top

so ``X`` falls as ``s`` rises, and ``s = 0`` is the phased target. Every budget has one share ``lambda_b``
a year. An area whose amounts at those shares add up to less than ``L`` gives up less: its shares are
capped at one level ``sigma_a``, ``s_b = min(lambda_b, sigma_a)``, chosen so its total is exactly ``L``
(an area protected by a floor keeps more of every budget alike, and goes above its targets only once it
is at them in every budget); above ``U`` its shares are raised to ``max(lambda_b, sigma_a)``. Each
``lambda_b`` is the share at which its budget's national total meets the envelope (0 if the targets
already fit). Every function here is monotone and piecewise linear, so the shares are found exactly, to
rounding. ``None`` means the year cannot be computed this way (the rules conflict, or an area must be cut
below what shares can take); the caller then solves an LP.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

TOL = 1e-9
"""Absolute tolerance on totals, in model units (£1e-3 at a national settlement's scale of £1m)."""


class Projection(Protocol):
    """Bounds on each area's split between budgets that depend on its total
    (``allocator.model.formula_rows.Split``)."""

    moved: bool
    """Whether the last projection moved any area."""

    def project(self, x: np.ndarray) -> np.ndarray | None:
        """Amounts (A x B) with each area's split moved into its bounds, totals kept; None if none fits."""
        ...


@dataclass
class YearProblem:
    """One year's data for the scale-back, in model units (A areas x B budgets)."""

    phi: np.ndarray
    base: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    total_lo: np.ndarray
    total_hi: np.ndarray
    e_lo: np.ndarray
    e_hi: np.ndarray
    split: Projection | None = None
    """Moves each area's split between budgets into bounds that depend on its total, keeping the total
    (None: no such bounds); its ``moved`` attribute, if any, says whether the last call moved one."""
    shares: np.ndarray | None = None
    """The budgets' shares, once solved."""
    levels: dict = field(default_factory=dict)
    """The last response's own levels of areas at a bound on their total (True: raised, False: cut)."""

    def __post_init__(self) -> None:
        self.gain = np.maximum(self.phi - self.base, 0.0)
        self.up = np.maximum(self.phi, 0.0)

    def at(self, s: np.ndarray) -> np.ndarray:
        """Amounts at shares ``s`` (broadcast against A x B)."""
        s = np.broadcast_to(s, self.phi.shape)
        x = np.where(s >= 0, self.phi - s * self.gain, self.phi - s * self.up)
        return np.clip(x, self.lo, self.hi)

    def kinks(self, lam: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """Shares at which the amounts of the given areas change slope (n x K, NaN where none)."""
        phi, g, up = self.phi[rows], self.gain[rows], self.up[rows]
        lo, hi = self.lo[rows], self.hi[rows]
        with np.errstate(divide="ignore", invalid="ignore"):
            cut = [np.where(g > 0, (phi - bound) / g, np.nan) for bound in (lo, hi)]
            add = [np.where(up > 0, (phi - bound) / up, np.nan) for bound in (lo, hi)]
        cut = [np.where(c >= 0, c, np.nan) for c in cut]
        add = [np.where(a <= 0, a, np.nan) for a in add]
        lam = np.broadcast_to(lam, phi.shape)
        return np.concatenate([*cut, *add, lam, np.zeros((len(rows), 1))], axis=1)


def _solve_area_levels(
    p: YearProblem, lam: np.ndarray, rows: np.ndarray, target: np.ndarray, up: bool
) -> np.ndarray:
    """sigma for each given area so that its total at min(lam, sigma) (``up``) or max(lam, sigma) is
    ``target``, or as near as the area can get."""
    k = np.sort(p.kinks(lam, rows), axis=1)  # NaN sort last
    valid = ~np.isnan(k)
    k_filled = np.where(valid, k, np.nanmax(np.where(valid, k, -np.inf), axis=1, keepdims=True))
    clamp = np.minimum if up else np.maximum
    shares = clamp(lam[None, None, :], k_filled[:, :, None])  # areas x kinks x budgets
    phi, lo, hi = p.phi[rows, None, :], p.lo[rows, None, :], p.hi[rows, None, :]
    x = np.where(shares >= 0, phi - shares * p.gain[rows, None, :], phi - shares * p.up[rows, None, :])
    f = np.clip(x, lo, hi).sum(axis=2)  # non-increasing along the sorted kinks
    t = target[:, None]
    # an area that cannot reach its bound goes as near as it can (the caller checks the bounds at the end)
    if up:
        j = np.clip((f >= t).sum(axis=1) - 1, 0, k.shape[1] - 2)
    else:
        j = np.clip(k.shape[1] - (f <= t).sum(axis=1) - 1, 0, k.shape[1] - 2)
    idx = np.arange(len(rows))
    f0, f1 = f[idx, j], f[idx, j + 1]
    c0, c1 = k_filled[idx, j], k_filled[idx, j + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(f0 != f1, (f0 - target) / (f0 - f1), 0.0)
    return c0 + np.clip(frac, 0.0, 1.0) * (c1 - c0)


def respond(p: YearProblem, lam: np.ndarray) -> np.ndarray | None:
    """Every area's budget amounts at budget shares ``lam`` (B), after its own bounds on its total."""
    x = p.at(lam[None, :])
    total = x.sum(axis=1)
    p.levels = {}
    for up, bound, short in (
        (True, p.total_lo, total < p.total_lo - TOL),
        (False, p.total_hi, total > p.total_hi + TOL),
    ):
        rows = np.nonzero(short)[0]
        if not len(rows):
            continue
        sigma = _solve_area_levels(p, lam, rows, bound[rows], up)
        p.levels[up] = sigma
        clamp = np.minimum if up else np.maximum
        x[rows] = _at_rows(p, rows, clamp(lam[None, :], sigma[:, None]))
    return x if p.split is None else p.split.project(x)


def _at_rows(p: YearProblem, rows: np.ndarray, s: np.ndarray) -> np.ndarray:
    x = np.where(s >= 0, p.phi[rows] - s * p.gain[rows], p.phi[rows] - s * p.up[rows])
    return np.clip(x, p.lo[rows], p.hi[rows])


def _root(f: Callable[[float], float | None], target: float, guess: float = 0.0) -> float | None:
    """lambda with f(lambda) = target for a non-increasing, piecewise-linear f, searched from ``guess``;
    None if out of reach."""
    step = max(1e-6, 1e-3 * abs(guess))
    lo, hi = guess - step, guess + step
    f_lo, f_hi = f(lo), f(hi)
    while f_lo is not None and f_lo < target - TOL:  # the root is below lo
        if lo < -1e12:
            return None
        hi, f_hi, step = lo, f_lo, step * 4
        lo -= step
        f_lo = f(lo)
    while f_hi is not None and f_hi > target + TOL:  # the root is above hi
        if hi > 1e12:
            return None
        lo, f_lo, step = hi, f_hi, step * 4
        hi += step
        f_hi = f(hi)
    if f_lo is None or f_hi is None:
        return None
    if abs(f_lo - target) <= TOL:
        return lo
    if abs(f_hi - target) <= TOL:
        return hi
    side = 0
    w_lo, w_hi = f_lo, f_hi  # Illinois weights: the end that stays put has its value halved
    for _ in range(200):  # regula falsi (Illinois), exact on a linear piece, bisection as a fallback
        if hi - lo <= 1e-15 * max(1.0, abs(lo), abs(hi)):
            break
        mid = lo + (w_lo - target) / (w_lo - w_hi) * (hi - lo) if w_lo != w_hi else 0.5 * (lo + hi)
        if not lo < mid < hi:
            mid = 0.5 * (lo + hi)
        f_mid = f(mid)
        if f_mid is None:
            return None
        if abs(f_mid - target) <= TOL:
            return mid
        if f_mid > target:
            lo, w_lo = mid, f_mid
            if side == 1:
                w_hi = target + (w_hi - target) / 2
            side = 1
        else:
            hi, w_hi = mid, f_mid
            if side == -1:
                w_lo = target + (w_lo - target) / 2
            side = -1
    return 0.5 * (lo + hi)


def solve_year(p: YearProblem, guess: np.ndarray | None = None) -> np.ndarray | None:
    """The year's budget amounts (A x B): every budget's share set so its national total meets its
    envelope (budgets solved in turn until none moves; they interact only through areas at a bound on
    their total or split). ``guess``: shares to start from (last year's, say), else from none given up;
    the shares found are left in ``p.shares``."""
    if guess is not None:
        x = _solve_year(p, guess)
        if x is not None:
            return x
    return _solve_year(p, None)


def _newton(p: YearProblem, lam: np.ndarray) -> np.ndarray | None:
    """Every budget's share at once when every envelope is allocated in full: Newton's method on the
    national totals (piecewise linear, so exact once on the right piece), with a finite-difference
    Jacobian and halving steps; None if it does not settle (the caller then solves budget by budget)."""
    n_b = len(lam)

    def national(shares: np.ndarray) -> np.ndarray | None:
        x = respond(p, shares)
        return None if x is None else x.sum(axis=0) - p.e_hi

    f = national(lam)
    for _ in range(30):
        if f is None:
            return None
        if np.abs(f).max() <= TOL:
            return lam
        jac = np.empty((n_b, n_b))
        for b in range(n_b):
            h = 1e-7 * max(1.0, abs(lam[b]))
            trial = lam.copy()
            trial[b] += h
            g = national(trial)
            if g is None:
                return None
            jac[:, b] = (g - f) / h
        try:
            step = np.linalg.solve(jac, -f)
        except np.linalg.LinAlgError:
            return None
        scale = 1.0
        while scale > 1e-6:
            new = lam + scale * step
            g = national(new)
            if g is not None and np.abs(g).max() < np.abs(f).max():
                lam, f = new, g
                break
            scale /= 2
        else:
            return None
    return None


def _solve_year(p: YearProblem, guess: np.ndarray | None) -> np.ndarray | None:
    n_b = p.phi.shape[1]
    lam = np.zeros(n_b) if guess is None else np.array(guess, dtype=float)
    if (p.total_lo > p.total_hi + TOL).any() or (p.lo > p.hi + TOL).any():
        return None
    if n_b > 1 and (p.e_lo == p.e_hi).all():
        found = _newton(p, lam)
        if found is not None:
            return _finish(p, found)
    for _sweep in range(100):
        moved = 0.0
        for b in range(n_b):

            def national(value: float, b: int = b) -> float | None:
                trial = lam.copy()
                trial[b] = value
                x = respond(p, trial)
                return None if x is None else float(x[:, b].sum())

            if p.e_lo[b] == p.e_hi[b]:
                new = _root(national, float(p.e_hi[b]), lam[b])
            else:
                at_zero = national(0.0)
                if at_zero is None:
                    return None
                if at_zero > p.e_hi[b] + TOL:
                    new = _root(national, float(p.e_hi[b]), max(lam[b], 0.0))
                elif at_zero < p.e_lo[b] - TOL:
                    new = _root(national, float(p.e_lo[b]), min(lam[b], 0.0))
                else:
                    new = 0.0
            if new is None:
                return None
            moved = max(moved, abs(new - lam[b]))
            lam[b] = new
        if moved <= 1e-13 or n_b == 1:
            break
    return _finish(p, lam)


def _finish(p: YearProblem, lam: np.ndarray) -> np.ndarray | None:
    """The amounts at the shares found, if they meet every bound and envelope."""
    p.shares = lam
    x = respond(p, lam)
    if x is None:
        return None
    total = x.sum(axis=1)
    if (total < p.total_lo - 1e-6).any() or (total > p.total_hi + 1e-6).any():
        return None  # some area cannot meet a bound on its total by shares
    national = x.sum(axis=0)
    if (national > p.e_hi + 1e-6).any() or (national < p.e_lo - 1e-6).any():
        return None
    return x if _least_distance_levels(p, lam) else None


def _least_distance_levels(p: YearProblem, lam: np.ndarray) -> bool:
    """Whether the areas' own levels keep the distance the least it can be.

    A budget's share says what one more £ for an area costs elsewhere in the budget: where gains are
    scaled back (share > 0) it is a £ further from some target, where money the targets cannot take is
    shared out (share < 0) a £ nearer. So raising an area towards its targets in a budget scaling back,
    or above them in one sharing out, moves no distance; raising it above its targets in a budget
    scaling back moves two £ a £. The levels use the free moves first only when every budget is of one
    kind, or when no area goes past its targets (a level above 0 when raised, below 0 when cut);
    otherwise the formula is left to the LP.
    """
    if len(lam) == 1 or (lam > 1e-12).all() or (lam < -1e-12).all():
        return True
    raised = p.levels.get(True, np.zeros(0))
    cut = p.levels.get(False, np.zeros(0))
    return not ((raised < -1e-12).any() or (cut > 1e-12).any())


def _fill(total: np.ndarray, weight: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """``clip(weight * theta, lo, hi)`` with theta per row so the row adds up to ``total`` (which the
    caller has made reachable): evaluated at every breakpoint of theta, then interpolated."""
    n = len(total)
    with np.errstate(divide="ignore", invalid="ignore"):
        brk = np.concatenate(
            [np.where(weight > 0, lo / weight, np.nan), np.where(weight > 0, hi / weight, np.nan)], axis=1
        )
    brk = np.sort(np.concatenate([np.zeros((n, 1)), brk], axis=1), axis=1)
    brk = np.where(np.isnan(brk), np.nanmax(brk, axis=1, keepdims=True), brk)
    f = np.clip(weight[:, None, :] * brk[:, :, None], lo[:, None, :], hi[:, None, :]).sum(axis=2)
    j = np.clip((f < total[:, None]).sum(axis=1) - 1, 0, brk.shape[1] - 2)
    idx = np.arange(n)
    f0, f1, b0, b1 = f[idx, j], f[idx, j + 1], brk[idx, j], brk[idx, j + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(f1 > f0, (total - f0) / (f1 - f0), 0.0)
    theta = b0 + np.clip(frac, 0.0, 1.0) * (b1 - b0)
    return np.clip(weight * theta[:, None], lo, hi)


def clip_fill(total: np.ndarray, weight: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray | None:
    """Split each row's ``total`` over its columns pro rata to ``weight``, each column within
    ``[lo, hi]``: ``x = clip(weight theta, lo, hi)``. Columns of zero weight stay at ``lo`` and take only
    what the others cannot (pro rata to their room). None if a total is outside its bounds' sums."""
    if (total < lo.sum(axis=1) - TOL).any() or (total > hi.sum(axis=1) + TOL).any() or (lo > hi + TOL).any():
        return None
    weighted = weight > 0
    reach = np.where(weighted, hi, lo).sum(axis=1)
    first = np.minimum(total, reach) - np.where(weighted, 0.0, lo).sum(axis=1)
    x = np.where(
        weighted,
        _fill(
            first, np.where(weighted, weight, 0.0), np.where(weighted, lo, 0.0), np.where(weighted, hi, 0.0)
        ),
        lo,
    )
    rest = total - x.sum(axis=1)
    over = rest > TOL
    if over.any():
        room = np.where(weighted, 0.0, hi - lo)[over]
        x[over] += _fill(rest[over], room, np.zeros_like(room), room)
    return x
