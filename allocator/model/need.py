"""Relative need for a mission (MODEL.md): each area's gap to the mission's target over the mean gap,
floored; read by the model's inputs and by the independent check of a mission's goal alike."""

from __future__ import annotations

import numpy as np


def relative_need(values: np.ndarray, target: float, higher_is_better: bool, need_floor: float) -> np.ndarray:
    """``need_a = max(floor, gap_a / mean gap)`` with ``gap_a`` the area's shortfall from the target (0
    where it is met); every area gets the floor when no area has a gap."""
    gap = target - values if higher_is_better else values - target
    gap = np.maximum(gap, 0.0)
    mean = gap.mean()
    return np.full(len(values), need_floor) if mean <= 0 else np.maximum(need_floor, gap / mean)
