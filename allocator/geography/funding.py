"""The funding tables of a geography: baseline by stream and own resources, from files or derived.

``read_files`` reads and checks the tables given as files (pass 1 of ``load_geography``; each table's
rows by ``check_long_table``); ``check_funding_coverage`` checks them against the recipient areas and
``baseline`` and ``own_resources`` give the model its complete tables once those are known (pass 3).
Like ``allocator.geography.validate``, the checks return problems and never raise.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from allocator.errors import Problem
from allocator.geography import derive
from allocator.geography.check import read_csv
from allocator.geography.validate import NAME_CHARS, as_codes, capped, check_columns, hint, listing
from allocator.safe_text import excerpt
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


def check_long_table(
    frame: pd.DataFrame,
    field: str,
    columns: tuple[str, str, str],
    source: str,
    streams: Sequence[str] | None = None,
) -> tuple[pd.DataFrame | None, list[Problem]]:
    """Check a long funding table: one row per area and stream (baseline) or per area and year (own).

    Args:
        frame: the CSV as read (indexed by row number).
        field: ``geography.baseline`` or ``geography.own_resources``.
        columns: the code, key (stream or year) and amount columns.
        source: the file.
        streams: the scenario's streams when the key is a stream; else the key is a year.

    Returns:
        ``area_code``, ``stream`` or ``year``, ``amount_gbp`` (None when columns are missing); the problems.
    """
    code_column, key_column, amount_column = columns
    names = ("code_column", "stream_column" if streams is not None else "year_column", "amount_column")
    problems = check_columns(
        list(frame.columns), {c: f"{field}.{n}" for c, n in zip(columns, names, strict=True)}, source
    )
    if problems:
        return None, problems
    codes = as_codes(frame[code_column])

    def rows(i: int) -> str:
        return f"row {i} ({codes[i]})"

    problems = capped(
        [
            Problem(source, rows(i), "the code is blank; expected a GSS code")
            for i in codes.index[codes.isna()]
        ],
        "blank codes",
    )
    if streams is not None:
        key = frame[key_column].astype(object).map(lambda v: str(v).strip() if v == v else v)
        bad = key.index[~key.isin(list(streams))]
        wrong = [
            Problem(
                source, rows(i), f"unknown stream '{excerpt(key[i], NAME_CHARS)}'{hint(str(key[i]), streams)}"
            )
            for i in bad
        ]
        what, kind = "unknown streams", "stream"
    else:
        key = pd.to_numeric(frame[key_column], errors="coerce")
        bad = key.index[key.isna() | (key != key.round())]
        wrong = [
            Problem(
                source,
                rows(i),
                f"{key_column} is {excerpt(repr(frame.at[i, key_column]), NAME_CHARS)}; expected a year such as 2026",
            )
            for i in bad
        ]
        what, kind = "bad years", "year"
    problems += capped(wrong, what)
    amount = pd.to_numeric(frame[amount_column], errors="coerce")
    problems += capped(
        [
            Problem(
                source,
                rows(i),
                f"{amount_column} is {excerpt(repr(frame.at[i, amount_column]), NAME_CHARS)}; "
                "expected an amount in £, 0 or more",
            )
            for i in frame.index[~np.isfinite(amount) | (amount < 0)]
        ],
        f"bad values of {amount_column}",
    )
    ok = codes.notna() & ~frame.index.isin(bad)
    pair = pd.Series(list(zip(codes, key, strict=True)), index=frame.index)
    problems += capped(
        [
            Problem(source, rows(i), f"a second row for {kind} {key[i]}; expected one per area and {kind}")
            for i in pair.index[pair.duplicated() & ok]
        ],
        "duplicate rows",
    )
    table = pd.DataFrame({"area_code": codes, kind: key, "amount_gbp": amount})[ok]
    return (table.astype({"year": int}) if kind == "year" else table), problems


def check_funding_coverage(
    baseline: pd.DataFrame | None,
    own: pd.DataFrame | None,
    recipients: pd.Index,
    years: list[int],
    sources: tuple[str, str],
) -> list[Problem]:
    """Every recipient has at least one baseline row, and an own-resources row for every scenario year."""
    out = []
    if baseline is not None:
        lacking = sorted(set(recipients) - set(baseline["area_code"]))
        if lacking:
            message = f"{len(lacking)} recipient area(s) have no baseline row: {listing(lacking)}; expected at least "
            out.append(
                Problem(
                    sources[0],
                    "geography.baseline.code_column",
                    message + "one row per recipient area (a stream without a row counts as £0)",
                )
            )
    if own is not None:
        have = pd.MultiIndex.from_frame(own[["area_code", "year"]])
        missing = pd.MultiIndex.from_product([sorted(recipients), years]).difference(have)
        gaps = pd.Series(missing.get_level_values(1), index=missing.get_level_values(0)).groupby(level=0)
        shown = [f"{c} ({', '.join(map(str, ys))})" for c, ys in gaps]
        if shown:
            message = f"no amount for {len(shown)} recipient area(s) in some years: {listing(shown)}; expected a row "
            out.append(
                Problem(
                    sources[1],
                    "geography.own_resources.code_column",
                    message + f"for every recipient area and each year {years[0]}-{years[-1]}",
                )
            )
    return out
