"""Derive geodata/england's upper-tier and funding tables from the source copies beside this file.

Everything here reads only the copies made by ``build.py`` (so the tests re-derive the shipped tables
and compare them byte for byte). The methods are documented in docs/data.md; in short:

- **Central funding** of a council is what its RA 2023-24 budget return says central government pays
  towards its services: specific grants inside and outside Aggregate External Finance, Revenue Support
  Grant and retained business rates (entered as negative financing lines, so their sign is flipped).
  Schools' money is outside the settlement: the council's education spending (all grant-funded) is
  taken off, and what is left is split into streams by the council's RO 2023-24 service spending.
- **Missing returns** are estimated and flagged in ``funding_source``, never left at zero.
- **Upper tier**: a county's figures are its own plus its districts'. **Districts**: a county's central
  funding is shared among its districts by population, its council tax by council tax base.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

STREAMS = {
    "adult_social_care": ["adult_social_care"],
    "childrens_social_care": ["childrens_social_care"],
    "public_health": ["public_health"],
    "highways_transport": ["highways_transport"],
    "housing": ["housing_gfra"],
    "environment": ["environmental_regulatory"],
    "planning_development": ["planning_development"],
    "culture": ["cultural"],
    "central_other": ["central", "other", "fire_rescue", "police"],
}
"""Settlement stream -> the RO/RA service groups (net current expenditure) that make it."""
SCHOOLS = "education"
"""The service group outside the settlement (schools, funded by the Dedicated Schools Grant)."""
CENTRAL_LINES = [
    "specific_grants_inside_aef", "specific_grants_outside_aef", "revenue_support_grant",
    "retained_business_rates",
]  # fmt: skip
"""RA 2023-24 lines of central funding (negative in the return: they reduce the council tax needed)."""
SOCIAL_CARE_TIERS = ["UA", "MD", "LB", "SC"]
"""Councils with adult social care: the 4.99% referendum limit; districts and parishes: 2.99%."""
NOT_PEERS = ["E09000001", "E06000053"]
"""City of London and Isles of Scilly: bespoke finances, never used to estimate another council."""
MIN_PEERS = 3

RA_DEFAULT, RO_DEFAULT = "from the RA 2023-24 budget", "from the RO 2023-24 outturn"
RETURNED = "RA 2023-24 budget and RO 2023-24 outturn"
"""``funding_source`` of an area whose councils all made both returns."""


def _csv(frame: pd.DataFrame, path: Path) -> None:
    frame.to_csv(path, index=False, lineterminator="\n", float_format="%.10g")


def _whole(amounts: pd.DataFrame, totals: pd.Series) -> pd.DataFrame:
    """Round each row to whole £ so that it still sums exactly to its (whole £) total (largest remainder)."""
    floor = np.floor(amounts.to_numpy())
    short = (totals.to_numpy() - floor.sum(axis=1)).round().astype(int)
    order = np.argsort(-(amounts.to_numpy() - floor), axis=1, kind="stable")
    bump = np.zeros_like(floor)
    for row, count in enumerate(short):
        bump[row, order[row, :count]] = 1.0
    return pd.DataFrame(floor + bump, index=amounts.index, columns=amounts.columns).astype("int64")


# --- the councils ------------------------------------------------------------------------------------


def councils(here: Path) -> pd.DataFrame:
    """One row per principal council: where it sits, its returns, and its central funding and spending."""
    hierarchy = pd.read_csv(here / "lad24_hierarchy.csv", dtype=str)
    population = pd.read_csv(here / "population_lad24.csv").set_index("LAD24CD")["population"]
    lad = hierarchy.set_index("LAD24CD")
    county_of = lad["UTLA24CD"]
    ra = pd.read_csv(here / "mhclg_ra_budget_2023_24.csv", dtype={"flag": str}).set_index("ons_code")
    ro = pd.read_csv(here / "mhclg_ro_service_expenditure_2022_23_2023_24.csv", dtype={"flag": str})
    ro23 = ro[ro["year"] == "2023-24"].set_index("ons_code")
    ro22 = ro[ro["year"] == "2022-23"].set_index("ons_code")

    out = ra[["name", "tier"]].copy()
    counties = out.index[out["tier"] == "SC"]
    out["UTLA24CD"] = county_of.reindex(out.index).fillna(pd.Series(counties, index=counties))
    out["RGN24CD"] = out["UTLA24CD"].map(lad.groupby("UTLA24CD")["RGN24CD"].first())
    districts = population.groupby(county_of.reindex(population.index)).sum()
    out["population"] = population.reindex(out.index).fillna(districts.reindex(out.index))
    out["ra_returned"] = ra["flag"].isna()
    out["central_gbp"] = -ra[CENTRAL_LINES].sum(axis=1, min_count=1).where(out["ra_returned"])
    out["ra_schools_gbp"] = ra[SCHOOLS].where(out["ra_returned"])
    lines = [line for group in STREAMS.values() for line in group]
    for year, table in (("ro23", ro23), ("ro22", ro22)):
        table = table.reindex(out.index)
        returned = table["total_service_expenditure"].notna()
        out[f"{year}_returned"] = returned
        out[f"{year}_total_gbp"] = table["total_service_expenditure"]
        out[f"{year}_schools_gbp"] = table[SCHOOLS]
        out[f"{year}_other_gbp"] = table[lines].sum(axis=1, min_count=1).where(returned)
    return out.sort_index()


def _peer_median(frame: pd.DataFrame, value: pd.Series, mask: pd.Series) -> pd.Series:
    """Each council's median ``value`` among councils of its tier in its region (its tier nationally when
    the region has fewer than three), over the councils where ``mask`` holds, City and Scilly aside."""
    ok = mask & ~frame.index.isin(NOT_PEERS) & value.notna()
    regional = value[ok].groupby([frame["tier"][ok], frame["RGN24CD"][ok]]).agg(["median", "size"])
    national = value[ok].groupby(frame["tier"][ok]).median()
    keys = pd.MultiIndex.from_arrays([frame["tier"], frame["RGN24CD"]])
    found = regional.reindex(keys)
    result = found["median"].where(found["size"] >= MIN_PEERS).to_numpy()
    return pd.Series(result, index=frame.index).fillna(frame["tier"].map(national))


def estimate_central(frame: pd.DataFrame, england_growth: dict[str, float]) -> pd.DataFrame:
    """Central funding (and its schools part) of every council, estimated where the RA return is missing.

    Without an RA 2023-24 return: the council's own RO spending on services other than schools times
    the median ratio of central funding (less schools) to that spending among councils of its tier in
    its region (RO 2022-23 spending uprated by England's growth when 2023-24 is missing too); with no
    return at all, the median per head of its tier in its region. Schools are taken as grant-funded:
    their central funding is the RO schools spending, or the peers' median per head.
    """
    out = frame.copy()
    settlement = out["central_gbp"] - out["ra_schools_gbp"]
    both = out["ra_returned"] & out["ro23_returned"]
    ratio = _peer_median(out, settlement / out["ro23_other_gbp"], both)
    per_head = _peer_median(out, settlement / out["population"], out["ra_returned"])
    schools_per_head = _peer_median(out, out["ra_schools_gbp"] / out["population"], out["ra_returned"])
    from_ro22 = out["ro22_other_gbp"] * england_growth["other"]
    cases = [
        (out["ra_returned"], settlement, out["ra_schools_gbp"], RA_DEFAULT),
        (
            out["ro23_returned"],
            ratio * out["ro23_other_gbp"],
            out["ro23_schools_gbp"],
            "estimated from its RO 2023-24 spending",
        ),
        (
            out["ro22_returned"],
            ratio * from_ro22,
            out["ro22_schools_gbp"] * england_growth["schools"],
            "estimated from its RO 2022-23 spending, uprated",
        ),
        (
            pd.Series(True, index=out.index),
            per_head * out["population"],
            schools_per_head * out["population"],
            "estimated per head from councils of its tier in its region",
        ),
    ]
    taken = pd.Series(False, index=out.index)
    for mask, other, schools, label in cases:
        use = mask & ~taken
        out.loc[use, "settlement_gbp"] = other[use].round()
        out.loc[use, "schools_gbp"] = schools[use].round()
        out.loc[use, "central_source"] = label
        taken |= use
    out["central_gbp"] = out["settlement_gbp"] + out["schools_gbp"]
    if (out["settlement_gbp"] < 0).any():
        raise ValueError(
            "central funding less schools is negative for " + ", ".join(out.index[out["settlement_gbp"] < 0])
        )
    return out


def _stream_spending(table: pd.DataFrame) -> pd.DataFrame:
    """Net spending by stream (service groups summed; a negative stream counts as nothing)."""
    return pd.DataFrame({s: table[lines].sum(axis=1) for s, lines in STREAMS.items()}).clip(lower=0.0)


def stream_shares(frame: pd.DataFrame, here: Path) -> tuple[pd.DataFrame, pd.Series]:
    """Each council's split of its central funding across streams, and where the split comes from.

    Its RO 2023-24 spending by service; else its RO 2022-23; else its RA 2023-24 budget; else the
    summed spending of councils of its tier in its region (its tier nationally with fewer than three).
    """
    ro = pd.read_csv(here / "mhclg_ro_service_expenditure_2022_23_2023_24.csv", dtype={"flag": str})
    ra = pd.read_csv(here / "mhclg_ra_budget_2023_24.csv", dtype={"flag": str}).set_index("ons_code")
    sources = [
        (ro[ro["year"] == "2023-24"].set_index("ons_code"), frame["ro23_returned"], RO_DEFAULT),
        (
            ro[ro["year"] == "2022-23"].set_index("ons_code"),
            frame["ro22_returned"],
            "from the RO 2022-23 outturn",
        ),
        (ra, frame["ra_returned"], "from the RA 2023-24 budget"),
    ]
    spending = pd.DataFrame(np.nan, index=frame.index, columns=list(STREAMS))
    source = pd.Series("", index=frame.index)
    for table, returned, label in sources:
        use = returned & (source == "")
        part = _stream_spending(table.reindex(frame.index[use]))
        use = use & part.sum(axis=1).reindex(frame.index).gt(0)
        spending.loc[use] = part.loc[use[use].index]
        source[use] = label
    peers = ~frame.index.isin(NOT_PEERS) & frame["ro23_returned"]
    regional = spending[peers].groupby([frame["tier"][peers], frame["RGN24CD"][peers]]).sum()
    size = peers.groupby([frame["tier"], frame["RGN24CD"]]).sum()
    national = spending[peers].groupby(frame["tier"][peers]).sum()
    for code in source.index[source == ""]:
        key = (frame.at[code, "tier"], frame.at[code, "RGN24CD"])
        spending.loc[code] = regional.loc[key] if size.get(key, 0) >= MIN_PEERS else national.loc[key[0]]
        source[code] = "of councils of its tier in its region"
    return spending.div(spending.sum(axis=1), axis=0), source


def england_growth(here: Path) -> dict[str, float]:
    """England's growth in net spending from 2022-23 to 2023-24 (RO, England rows): on schools, and on
    the settlement's services other than police and fire (which police and fire authorities dominate)."""
    ro = pd.read_csv(here / "mhclg_ro_service_expenditure_2022_23_2023_24.csv", dtype={"flag": str})
    england = ro[ro["ons_code"] == "E92000001"].set_index("year")
    lines = [line for group in STREAMS.values() for line in group if line not in ("police", "fire_rescue")]
    other = england[lines].sum(axis=1)
    return {
        "schools": england.at["2023-24", SCHOOLS] / england.at["2022-23", SCHOOLS],
        "other": other["2023-24"] / other["2022-23"],
    }


def council_tax(frame: pd.DataFrame, here: Path) -> pd.DataFrame:
    """Each council's 2023-24 council tax requirement: its own (with the adult social care precept) and
    its parishes' precepts (billing authorities), and its council tax base (Band D equivalents)."""
    ct = pd.read_csv(here / "mhclg_council_tax_2022_23_2023_24.csv")
    ct = ct[ct["year"] == "2023-24"]
    billing = ct[ct["table"] == "billing"].set_index("ons_code")
    county = ct[(ct["table"] == "precepting") & (ct["tier"] == "SC")].set_index("ons_code")
    own = billing["ctr_excl_parish_precepts"].combine_first(county["ctr_major_preceptor"])
    out = pd.DataFrame(
        {
            "own_gbp": own.reindex(frame.index),
            "parish_gbp": billing["parish_precepts"].reindex(frame.index).fillna(0.0),
            "tax_base": billing["council_tax_base"].reindex(frame.index),
        }
    )
    out["social_care"] = frame["tier"].isin(SOCIAL_CARE_TIERS)
    return out


def _source(frame: pd.DataFrame, members: list[str]) -> str:
    """How a recipient's figures were obtained, naming every council whose return was missing."""
    odd = [
        c
        for c in members
        if (frame.at[c, "central_source"], frame.at[c, "mix_source"]) != (RA_DEFAULT, RO_DEFAULT)
    ]
    if not odd:
        return RETURNED
    words = {
        c: f"central funding {frame.at[c, 'central_source']}; spending mix {frame.at[c, 'mix_source']}"
        for c in odd
    }
    if members == odd and len(odd) == 1:
        return words[odd[0]]
    return f"{RETURNED}, except " + "; ".join(f"{frame.at[c, 'name']} ({words[c]})" for c in odd)


FINANCE_COLUMNS = {
    "central_funding_2023_24_gbp": "central_gbp",
    "central_funding_excl_schools_2023_24_gbp": "settlement_gbp",
    "ro_total_service_expenditure_2023_24_gbp": "ro23_total_gbp",
}


def upper_tier(frame: pd.DataFrame, amounts: pd.DataFrame, tax: pd.DataFrame):
    """Upper-tier recipients: a county with its districts summed in. Returns (finance, baseline long)."""
    key = frame["UTLA24CD"]
    finance = pd.DataFrame(
        {new: frame[old].groupby(key).sum(min_count=1) for new, old in FINANCE_COLUMNS.items()}
    )
    social = tax["own_gbp"].where(tax["social_care"], 0.0)
    other = tax["own_gbp"].where(~tax["social_care"], 0.0) + tax["parish_gbp"]
    finance["council_tax_social_care_2023_24_gbp"] = social.groupby(key).sum().round(2)
    finance["council_tax_other_2023_24_gbp"] = other.groupby(key).sum().round(2)
    finance["council_tax_requirement_2023_24_gbp"] = (social + other).groupby(key).sum().round(2)
    finance["funding_source"] = [_source(frame, sorted(frame.index[key == u])) for u in finance.index]
    baseline = amounts.groupby(key).sum()
    return finance.rename_axis("UTLA24CD"), baseline.rename_axis("UTLA24CD")


def districts(frame: pd.DataFrame, amounts: pd.DataFrame, tax: pd.DataFrame):
    """District recipients: a county's central funding shared among its districts by population, its
    council tax by council tax base. Returns (finance, baseline long)."""
    lad = frame[frame["tier"] != "SC"]
    county = lad["UTLA24CD"].where(lad["UTLA24CD"] != lad.index)
    pop_share = lad["population"] / lad["population"].groupby(county).transform("sum")
    base_share = tax["tax_base"].reindex(lad.index) / tax["tax_base"].reindex(lad.index).groupby(
        county
    ).transform("sum")
    baseline = amounts.reindex(lad.index).copy()
    for code in county.dropna().unique():
        members = county.index[county == code]
        # the county's amount of each stream shared among its districts in whole £, summing exactly
        shares = pd.DataFrame(
            np.outer(amounts.loc[code], pop_share[members]), index=amounts.columns, columns=members
        )
        baseline.loc[members] += _whole(shares, amounts.loc[code]).T

    def shared(column: str) -> pd.Series:
        """The district council's own figure plus its share of its county's (by population)."""
        from_county = frame[column].reindex(county.fillna("")).to_numpy() * pop_share.to_numpy()
        return (lad[column] + np.nan_to_num(from_county)).round()

    finance = pd.DataFrame(index=lad.index)
    finance["central_funding_2023_24_gbp"] = baseline.sum(axis=1) + shared("schools_gbp")
    finance["central_funding_excl_schools_2023_24_gbp"] = baseline.sum(axis=1)
    finance["ro_total_service_expenditure_2023_24_gbp"] = shared("ro23_total_gbp")  # blank without a return
    county_tax = tax["own_gbp"].reindex(county.fillna("")).to_numpy() * base_share.fillna(0.0).to_numpy()
    social = tax["own_gbp"].where(tax["social_care"], 0.0).reindex(lad.index) + np.nan_to_num(county_tax)
    other = (tax["own_gbp"].where(~tax["social_care"], 0.0) + tax["parish_gbp"]).reindex(lad.index)
    finance["council_tax_social_care_2023_24_gbp"] = social.round(2)
    finance["council_tax_other_2023_24_gbp"] = other.round(2)
    finance["council_tax_requirement_2023_24_gbp"] = (social + other).round(2)
    finance["funding_source"] = [
        _source(frame, [c] if pd.isna(county[c]) else [c, county[c]]) for c in lad.index
    ]
    return finance.rename_axis("LAD24CD"), baseline.rename_axis("LAD24CD")


def _long(baseline: pd.DataFrame) -> pd.DataFrame:
    """Baseline as a long table (code, stream, amount_gbp), sorted."""
    long = baseline.stack().reset_index()
    long.columns = [baseline.index.name, "stream", "amount_gbp"]
    return long.sort_values([baseline.index.name, "stream"], ignore_index=True)


def upper_tier_areas(here: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The upper-tier hierarchy (tier, combined authority, region) and population-weighted indicators."""
    hierarchy = pd.read_csv(here / "lad24_hierarchy.csv", dtype=str)
    population = pd.read_csv(here / "population_lad24.csv").set_index("LAD24CD")["population"]
    iod = pd.read_csv(here / "iod2025_lad24_summary.csv").set_index("LAD24CD")
    els = pd.read_csv(here / "els_indicators_lad24_latest.csv").set_index("LAD24CD")
    lad = hierarchy.set_index("LAD24CD")
    key = lad["UTLA24CD"]
    grouped = hierarchy.groupby("UTLA24CD", sort=True)
    agreed = {
        c: grouped[c].agg(lambda v: v.iloc[0] if v.nunique(dropna=False) == 1 else "")
        for c in ("CAUTH24CD", "CAUTH24NM", "RGN24CD", "RGN24NM")
    }
    tiers = grouped["lad_type"].first().where(~grouped["UTLA24CD"].first().str.startswith("E10"), "County")
    areas = pd.DataFrame(
        {"UTLA24NM": grouped["UTLA24NM"].first(), "tier": tiers, **agreed, "districts": grouped.size()}
    )
    weight = population.reindex(lad.index)
    indicators = pd.DataFrame({"UTLA24NM": areas["UTLA24NM"], "population": weight.groupby(key).sum()})
    for column, table in (
        ("imd_average_score", iod),
        ("crime_average_score", iod),
        ("gva_per_hour_gbp", els),
    ):
        value = table[column].reindex(lad.index)
        indicators[column] = (value * weight).groupby(key).sum() / weight.where(value.notna()).groupby(
            key
        ).sum()
    return areas.rename_axis("UTLA24CD").reset_index(), indicators.rename_axis("UTLA24CD").reset_index()


def write_all(here: Path, out: Path) -> dict[str, pd.DataFrame]:
    """Derive every table from the copies in ``here`` and write them to ``out``; returns them by file name."""
    frame = estimate_central(councils(here), england_growth(here))
    shares, frame["mix_source"] = stream_shares(frame, here)
    amounts = _whole(shares.mul(frame["settlement_gbp"], axis=0), frame["settlement_gbp"])
    tax = council_tax(frame, here)
    areas, indicators = upper_tier_areas(here)
    finance_u, base_u = upper_tier(frame, amounts, tax)
    finance_d, base_d = districts(frame, amounts, tax)
    tables = {
        "utla24_hierarchy.csv": areas,
        "utla24_indicators.csv": indicators,
        "finance_utla24.csv": finance_u.reset_index(),
        "finance_lad24.csv": finance_d.reset_index(),
        "baseline_utla24.csv": _long(base_u),
        "baseline_lad24.csv": _long(base_d),
    }
    for name, table in tables.items():
        _csv(table, out / name)
    return tables
