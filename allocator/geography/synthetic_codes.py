"""Codes and names of the synthetic hierarchy: GSS-style codes by tier, region, county and position,
place, county, region and strategic-authority names, each authority's governance, and the lookup table
they make (the columns of ONS's ``lad24_hierarchy.csv``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from allocator.geography.synthetic_names import county_names, dedupe, place_names, region_names

UNITARY = "Unitary authority"
DISTRICT = "Non-metropolitan district"
METROPOLITAN = "Metropolitan district"
LONDON = "London borough"
TIER_PREFIX = {UNITARY: "E06", DISTRICT: "E07", METROPOLITAN: "E08", LONDON: "E09"}
COUNTRY = ("E92000001", "England")


@dataclass(frozen=True)
class Hierarchy:
    """The hierarchy in site order (the island last)."""

    lookup: pd.DataFrame
    """One row per area, the columns of lad24_hierarchy.csv, in site order."""
    strategic_authorities: pd.DataFrame
    tier: np.ndarray
    region: np.ndarray
    """Region index of each area (the order of the region codes)."""
    capital_region: int | None


def codes_and_names(rng, xy, tier, county_of, region, capital_region, sa_info) -> Hierarchy:
    sa, sa_kinds = sa_info
    n = len(xy)
    names = np.asarray(place_names(rng, n), dtype=object)
    # area codes: by tier, then region, county and north to south
    code = np.empty(n, dtype=object)
    for t, prefix in TIER_PREFIX.items():
        idx = np.flatnonzero(tier == t)
        order = idx[np.lexsort((xy[idx, 0], -xy[idx, 1], county_of[idx], region[idx]))]
        code[order] = [f"{prefix}{k:06d}" for k in range(1, len(order) + 1)]
    # counties: codes E10..., names "...shire"
    n_counties = int(county_of.max()) + 1 if (county_of >= 0).any() else 0
    utla_code = code.copy()
    utla_name = names.copy()
    if n_counties:
        cnt = np.bincount(county_of[county_of >= 0], minlength=n_counties)
        cy = np.bincount(county_of[county_of >= 0], weights=xy[county_of >= 0, 1], minlength=n_counties) / cnt
        creg = np.zeros(n_counties, dtype=np.int64)
        creg[county_of[county_of >= 0]] = region[county_of >= 0]
        corder = np.lexsort((-cy, creg))
        ccode = np.empty(n_counties, dtype=object)
        ccode[corder] = [f"E10{k:06d}" for k in range(1, n_counties + 1)]
        cname = np.asarray(county_names(rng, n_counties), dtype=object)
        d = county_of >= 0
        utla_code[d] = ccode[county_of[d]]
        utla_name[d] = cname[county_of[d]]
    # strategic authorities: codes E47..., named after a central member
    n_sa = len(sa_kinds)
    sa_code = np.full(n, "", dtype=object)
    sa_name = np.full(n, "", dtype=object)
    rows = []
    if n_sa:
        m = sa >= 0
        cnt = np.bincount(sa[m], minlength=n_sa)
        sx = np.bincount(sa[m], weights=xy[m, 0], minlength=n_sa) / cnt
        sy = np.bincount(sa[m], weights=xy[m, 1], minlength=n_sa) / cnt
        sreg = np.zeros(n_sa, dtype=np.int64)
        sreg[sa[m]] = region[m]
        sorder = np.lexsort((-sy, sreg))
        scode = np.empty(n_sa, dtype=object)
        scode[sorder] = [f"E47{k:06d}" for k in range(1, n_sa + 1)]
        sname = []
        for s in range(n_sa):
            members = np.flatnonzero(sa == s)
            central = members[np.argmin(np.hypot(xy[members, 0] - sx[s], xy[members, 1] - sy[s]))]
            if sa_kinds[s] == "metro":
                sname.append(f"Greater {names[central]}")
            elif sa_kinds[s] == "county":
                sname.append(f"{utla_name[members[0]]} Combined County Authority")
            else:
                sname.append(f"{names[central]} City Region")
        sname_arr = np.asarray(dedupe(sname), dtype=object)
        sa_code[m] = scode[sa[m]]
        sa_name[m] = sname_arr[sa[m]]
        status = _sa_status(rng, sa_kinds)
        for s in sorder.tolist():
            rows.append({"CAUTH24CD": scode[s], "CAUTH24NM": sname_arr[s], **status[s]})
    sa_table = pd.DataFrame(
        rows,
        columns=["CAUTH24CD", "CAUTH24NM", "mayoral", "mayor_months", "intervention", "assurance_framework"],
    )
    # regions: codes E12... north to south
    nreg = int(region.max()) + 1
    cnt = np.bincount(region, minlength=nreg)
    cent = (
        np.column_stack(
            [
                np.bincount(region, weights=xy[:, 0], minlength=nreg),
                np.bincount(region, weights=xy[:, 1], minlength=nreg),
            ]
        )
        / cnt[:, None]
    )
    bounds = (*xy[:-1].min(axis=0), *xy[:-1].max(axis=0))  # the mainland's sites (not the island)
    rnames = np.asarray(region_names(cent, bounds, capital_region), dtype=object)
    rcodes = np.asarray([f"E12{k:06d}" for k in range(1, nreg + 1)], dtype=object)
    lookup = pd.DataFrame(
        {
            "LAD24CD": code,
            "LAD24NM": names,
            "lad_type": tier,
            "UTLA24CD": utla_code,
            "UTLA24NM": utla_name,
            "CAUTH24CD": sa_code,
            "CAUTH24NM": sa_name,
            "RGN24CD": rcodes[region],
            "RGN24NM": rnames[region],
            "CTRY24CD": COUNTRY[0],
            "CTRY24NM": COUNTRY[1],
        }
    )
    return Hierarchy(lookup, sa_table, tier, region, capital_region)


def _sa_status(rng, kinds: list[str]) -> list[dict]:
    """Governance of each strategic authority: a mix, so that some but not all qualify for an
    integrated settlement (mayoral, a mayor for 18 months or more, no intervention)."""
    n = len(kinds)
    statuses = ["established"] * n
    others = ["new_mayor", "no_mayor", "intervention"]
    n_other = 0 if n < 2 else max(1, round(0.45 * n))
    # metro cores are the most likely to be established
    key = rng.uniform(size=n) + 0.6 * np.asarray([k == "metro" for k in kinds], dtype=float)
    order = np.argsort(key, kind="stable").tolist()
    for k, s in enumerate(order[:n_other]):
        statuses[s] = others[k % 3]
    out = []
    for s in statuses:
        months = {
            "established": int(rng.integers(24, 121)),
            "new_mayor": int(rng.integers(1, 18)),
            "no_mayor": 0,
            "intervention": int(rng.integers(24, 121)),
        }[s]
        out.append(
            {
                "mayoral": s != "no_mayor",
                "mayor_months": months,
                "intervention": s == "intervention",
                "assurance_framework": s != "intervention" and bool(rng.uniform() < 0.9),
            }
        )
    return out
