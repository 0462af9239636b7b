"""The funding tables of a geography: baseline by stream and own resources, from files or derived.

``read_files`` reads and checks the tables given as files (pass 1 of ``load_geography``); ``baseline``
and ``own_resources`` give the model its complete tables once the recipient areas are known (pass 3).
"""

from __future__ import annotations

import pandas as pd

from allocator.errors import Problem
from allocator.geography import derive
from allocator.geography.check import read_csv
from allocator.geography.validate import check_long_table
from allocator.schema import BaselineFile, OwnResourcesFile, OwnResourcesGrowth, Scenario


def read_files(
    scenario: Scenario, cache: dict
) -> tuple[pd.DataFrame | None, pd.DataFrame | None, list[Problem]]:
    """Read and check the baseline and own-resources tables given as files: ``(baseline, own, problems)``."""
    spec, problems = scenario.geography, []
    baseline = own = None
    if isinstance(spec.baseline, BaselineFile):
        b = spec.baseline
        raw, problems = read_csv(b.path, [b.code_column], cache)
        if raw is not None:
            columns = (b.code_column, b.stream_column, b.amount_column)
            baseline, more = check_long_table(
                raw, "geography.baseline", columns, str(b.path), list(scenario.streams)
            )
            problems = problems + more
    if isinstance(spec.own_resources, OwnResourcesFile):
        o = spec.own_resources
        raw, more = read_csv(o.path, [o.code_column], cache)
        problems = problems + more
        if raw is not None:
            columns = (o.code_column, o.year_column, o.amount_column)
            own, more = check_long_table(raw, "geography.own_resources", columns, str(o.path))
            problems = problems + more
    return baseline, own, problems


def baseline(
    scenario: Scenario, areas: pd.DataFrame, long: pd.DataFrame | None, notes: list[str]
) -> pd.DataFrame:
    """Every recipient area's baseline by stream: the file's (times its uprating), or illustrative.

    Appends a note saying how the baseline was made when it is not the file's amounts as they are.
    """
    spec = scenario.geography.baseline
    if long is not None:
        grid = derive.baseline_grid(long, areas.index, list(scenario.streams))
        if spec.uprating != 1.0:
            grid["amount_gbp"] *= spec.uprating
            notes.append(
                f"baseline funding: the amounts in {spec.path.name} times {spec.uprating:g} "
                "(geography.baseline.uprating)"
            )
        return grid
    shares = {name: stream.baseline_share or 0.0 for name, stream in scenario.streams.items()}
    tilt = f", tilted by {spec.need_column} (elasticity {spec.need_elasticity:g})" if spec.need_column else ""
    notes.append(
        f"the baseline is illustrative, not real funding: £{spec.illustrative_total_gbp / 1e9:,.2f}bn shared by "
        f"population{tilt}, split by each stream's baseline_share"
    )
    return derive.illustrative_baseline(
        areas, spec.illustrative_total_gbp, shares, spec.need_column, spec.need_elasticity
    )


def own_resources(scenario: Scenario, areas: pd.DataFrame, long: pd.DataFrame | None) -> pd.DataFrame | None:
    """Every recipient area's own resources by year: the file's, grown from area columns, or None."""
    spec = scenario.geography.own_resources
    if long is not None:
        return derive.own_resources_grid(long, areas.index, scenario.years)
    if isinstance(spec, OwnResourcesGrowth):
        rates = spec.rates()
        return derive.grown_own_resources(areas[list(rates)], rates, scenario.years, spec.base_year)
    return None
