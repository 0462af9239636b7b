"""Mission target: the national, population-weighted projected indicator of a mission reaches its goal by a
year (``missions.<m>.goal: {value, by}``, or the rule's own ``value`` and ``by``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, Literal

import numpy as np
import pandas as pd
from pydantic import Field

from allocator.rules.base import RuleCheck, RuleKind, RuleSpec, register
from allocator.units import fy

if TYPE_CHECKING:
    from allocator.schema import Scenario


class MissionTargetSpec(RuleSpec):
    """A mission's goal: its national projected indicator reaches a value by a year."""

    kind: Literal["mission_target"] = "mission_target"
    mission: str
    """The mission (a key of ``missions``) whose goal the settlement must meet."""
    value: float | None = Field(None, ge=-1e12, le=1e12)
    """The goal's value of the indicator (default: the mission's ``goal.value``)."""
    by: int | None = Field(None, ge=1990, le=2100)
    """The year (financial-year start) by which it is reached (default: the mission's ``goal.by``)."""


@register
class MissionTarget(RuleKind[MissionTargetSpec]):
    """Mission goal: the settlement buys enough of a mission to reach its goal nationally, by a date.

    Math:
        sum_a p_a (v_a + sigma Delta[a, T, m]) / sum_a p_a  >=  goal   (sigma = +1, higher is better)
                                                            <=  goal   (sigma = -1, lower is better)
        with Delta[a, T, m] = need[a, m] sum_s e[s, m] sum_{u <= min(T, H-1)} lambda_s^(T-u) G[a, u, s]
        (MODEL.md; after the last settlement year no new money is spent and effects decay), so
        sum_a p_a Delta[a, T, m] = sum_{a,u,s,k} need e lambda^(T-u) slope[s, k] y[a, u, s, k] is
        linear in the response segments. The row is held in £ of mission value (times the mission's
        weight w_m) so its slack weighs like other rules' in the elastic diagnosis. The formula
        allocation, the incumbent method, knows no goal: the rule adds no row to the formula's model.
    """

    spec_model: ClassVar = MissionTargetSpec

    def goal(self, scenario: Any) -> tuple[float, int]:
        own = scenario.missions[self.spec.mission].goal
        value = self.spec.value if self.spec.value is not None else own.value
        by = self.spec.by if self.spec.by is not None else own.by
        return float(value), int(by)

    def _sign(self, scenario: Any) -> float:
        return 1.0 if scenario.missions[self.spec.mission].direction == "higher_is_better" else -1.0

    def _weight(self, scenario: Any) -> float:
        return scenario.missions[self.spec.mission].weight or 1.0

    def add(self, m: Any) -> None:
        if not m.segments:  # the formula's model: no response, no goal (see the docstring)
            return
        inp, sc = m.inputs, m.scenario
        value, by = self.goal(sc)
        j = inp.missions.index(self.spec.mission)
        ix = m.y_index
        lambdas = np.array([sc.streams[s].persistence for s in inp.streams])
        horizon = by - inp.years[0]  # T, in years from the first
        age = horizon - ix["year"]  # T - u
        live = age >= 0
        coef = (
            inp.need[ix["area"], j]
            * inp.effect[ix["stream"], j]
            * np.where(live, lambdas[ix["stream"]] ** np.maximum(age, 0), 0.0)
            * inp.slopes[ix["stream"], ix["segment"]]
            * m.scale  # the columns are in model units; forms are in £ (here £ of spend)
            * self._weight(sc)
        )
        keep = coef != 0
        lhs = m_terms(1, m.y_cols[keep], coef[keep])
        current = float((inp.population * inp.areas[sc.missions[self.spec.mission].indicator]).sum())
        need_total = self._sign(sc) * (value * inp.population.sum() - current) * self._weight(sc)
        m.constrain(self, (self.spec.mission, by), lhs, ">=", np.array([need_total]))

    def reached(self, settlement: Any) -> float:
        """The national population-weighted projected indicator by the goal's year, from the settlement's
        tables alone (its allocations, areas and the scenario's response curves)."""
        from allocator.model.appraisal import response_segments
        from allocator.model.need import relative_need

        sc = settlement.scenario
        mission = sc.missions[self.spec.mission]
        _, by = self.goal(sc)
        streams = list(sc.streams)
        wide = settlement.amounts()  # (area_code, year) x stream
        areas = settlement.areas
        pop = areas["population"].to_numpy(dtype=float)
        z0 = np.array([sc.streams[s].z0_gbp_per_head for s in streams])
        zmax = np.array([sc.streams[s].zmax_gbp_per_head for s in streams])
        bp, slopes, _ = response_segments(z0, zmax, sc.objective.segments)
        values = areas[mission.indicator].to_numpy(dtype=float)
        higher = mission.direction == "higher_is_better"
        need = relative_need(values, mission.target, higher, sc.objective.need_floor)
        total = np.zeros(len(areas))
        for year in settlement.years:
            if year > by:
                break
            x = wide.xs(year, level="year").reindex(areas.index).to_numpy(dtype=float)
            z = x / pop[:, None]
            filled = np.clip(z[:, :, None] - bp[None, :, :-1], 0.0, np.diff(bp, axis=1)[None])
            g = (filled * slopes[None]).sum(axis=2)  # A x S
            decay = np.array([sc.streams[s].persistence ** (by - year) for s in streams])
            effect = np.array([sc.streams[s].effects.get(self.spec.mission, 0.0) for s in streams])
            total += (g * effect * decay).sum(axis=1)
        delta = need * total
        sign = 1.0 if higher else -1.0
        return float((pop * (values + sign * delta)).sum() / pop.sum())

    def check(self, settlement: Any) -> RuleCheck:
        sc = settlement.scenario
        value, by = self.goal(sc)
        reached = self.reached(settlement)
        population = float(settlement.areas["population"].sum())
        short = self._sign(sc) * (value - reached) * population * self._weight(sc)
        where = pd.Series([short], index=[f"{self.spec.mission} {by}"])
        return RuleCheck.from_shortfall(self, where, abs(value) * population * self._weight(sc))

    def explain(self, relaxation: pd.DataFrame, settlement: Any) -> dict[int | None, str]:
        value, by = self.goal(settlement.scenario)
        reached = self.reached(settlement)
        unit = settlement.scenario.missions[self.spec.mission].unit
        text = (
            f"{self.spec.mission} reaches {reached:,.4g} of {value:,.4g}{' ' + unit if unit else ''} by "
            f"{fy(by)} at most within these envelopes and rules (goal '{self.rule_id}')"
        )
        return {None: text}  # the goal is one row, for no single settlement year

    # --- how the kind reads to people (allocator.reports.words) -----------------------------------
    label = "mission goal"
    direction = "national"
    held = "the money it needs goes to the mission's goal first"
    example: ClassVar[dict[str, object]] = {"mission": "growth", "value": 36.0, "by": 2027}

    def requirement(self, scenario: Scenario) -> str:
        value, by = self.goal(scenario)
        mission = scenario.missions[self.spec.mission]
        word = "at least" if mission.direction == "higher_is_better" else "at most"
        return (
            f"the national {mission.label or self.spec.mission} indicator ({mission.indicator}, population-"
            f"weighted) is projected to be {word} {value:,.4g} by {fy(by)}"
        )

    def check_inputs(self, scenario: Scenario) -> list[tuple[str, str]]:
        mission = scenario.missions.get(self.spec.mission)
        if mission is None:
            return [
                ("mission", f"no mission '{self.spec.mission}'; missions are {sorted(scenario.missions)}")
            ]
        problems = []
        if scenario.objective.mode == "formula":
            problems.append(
                (
                    "kind",
                    "the formula allocation knows no goal; use objective.mode mission_value or least_cost",
                )
            )
        if mission.goal is None and (self.spec.value is None or self.spec.by is None):
            problems.append(("mission", f"missions.{self.spec.mission} has no goal; give value and by"))
        elif self.goal(scenario)[1] < scenario.years[0]:
            problems.append(
                ("by", f"the goal's year is before the first settlement year {scenario.years[0]}")
            )
        return problems


def m_terms(n: int, cols: np.ndarray, coef: np.ndarray) -> Any:
    """One row over ``cols`` with ``coef`` (£ per model unit)."""
    from allocator.model.linear import Terms

    return Terms(n, np.zeros(len(cols), dtype=np.int64), cols, coef)
