"""The real England data shipped in geodata/england: published totals, reconciliation, reproducibility.

The spot checks compare the shipped copies with figures published by MHCLG (quoted in
../shared/data/funding/README.md and the MHCLG tables themselves); the derived tables must reconcile
with the copies pound for pound, and re-deriving them from the copies must give the same bytes.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pandas as pd
import pytest

from allocator.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[2]
ENGLAND = ROOT / "geodata" / "england"
LEFT_OUT = ["E09000001", "E06000053"]  # City of London, Isles of Scilly
DERIVED = [
    "utla24_hierarchy.csv",
    "utla24_indicators.csv",
    "finance_utla24.csv",
    "finance_lad24.csv",
    "baseline_utla24.csv",
    "baseline_lad24.csv",
]

pytestmark = pytest.mark.realdata


def _read(name: str) -> pd.DataFrame:
    return pd.read_csv(ENGLAND / name)


def _derive_tables():
    spec = importlib.util.spec_from_file_location("derive_tables", ENGLAND / "derive_tables.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def finance() -> pd.DataFrame:
    return _read("finance_utla24.csv").set_index("UTLA24CD")


# --- published figures -------------------------------------------------------------------------------


def test_england_council_tax_requirement_2023_24_is_the_published_38_72bn():
    ct = _read("mhclg_council_tax_2022_23_2023_24.csv")
    year = ct[ct["year"] == "2023-24"]
    billing = year.loc[year["table"] == "billing", "ctr_incl_parish_precepts"].sum()
    precepting = year.loc[year["table"] == "precepting", "ctr_major_preceptor"].sum()
    # DLUHC, Council Tax levels set by local authorities in England 2023-24, England row: £38,718,011,788
    assert billing + precepting == pytest.approx(38_718_011_788, abs=1.0)


def test_kent_council_tax_requirement_2023_24_is_the_published_876_8m(finance):
    ct = _read("mhclg_council_tax_2022_23_2023_24.csv").set_index(["ons_code", "year"])
    assert ct.loc[("E10000016", "2023-24"), "ctr_major_preceptor"] == 876_779_290
    # Kent County Council's own requirement is the social care part of the Kent area's own resources;
    # the rest is its twelve districts' and their parishes'
    kent = finance.loc["E10000016"]
    assert kent["council_tax_social_care_2023_24_gbp"] == 876_779_290
    billing = ct.xs("2023-24", level="year")
    hierarchy = _read("lad24_hierarchy.csv").set_index("LAD24CD")
    districts = hierarchy.index[hierarchy["UTLA24CD"] == "E10000016"]
    assert len(districts) == 12
    assert kent["council_tax_other_2023_24_gbp"] == pytest.approx(
        billing.loc[districts, "ctr_incl_parish_precepts"].sum(), abs=0.01
    )


def test_revenue_outturn_2023_24_totals_equal_the_source(finance):
    ro = _read("mhclg_ro_service_expenditure_2022_23_2023_24.csv")
    england = ro[ro["ons_code"] == "E92000001"].set_index("year")["total_service_expenditure"]
    assert england["2023-24"] == 123_753_651_000  # £123.75bn, MHCLG's England row (with its imputations)
    assert england["2022-23"] == 113_520_283_000  # £113.52bn
    councils = ro[(ro["year"] == "2023-24") & (ro["ons_code"] != "E92000001")]
    assert councils["total_service_expenditure"].sum() == 97_719_542_000  # all 317 principal councils
    # the 151 areas' figure is the sum of their councils' returns (304 of 317 councils made one)
    areas = finance.drop(LEFT_OUT)["ro_total_service_expenditure_2023_24_gbp"]
    assert areas.sum() == 97_382_918_000
    assert areas.isna().sum() == 2  # Birmingham and Westmorland and Furness made no return
    assert set(areas.index[areas.isna()]) == {"E08000025", "E06000064"}


def test_central_funding_is_the_ra_financing_lines_with_their_sign_flipped(finance):
    ra = _read("mhclg_ra_budget_2023_24.csv").set_index("ons_code")
    lines = [
        "specific_grants_inside_aef",
        "specific_grants_outside_aef",
        "revenue_support_grant",
        "retained_business_rates",
    ]
    manchester = ra.loc["E08000003"]
    assert manchester[lines].sum() == -1_136_835_000
    assert finance.loc["E08000003", "central_funding_2023_24_gbp"] == 1_136_835_000
    assert finance.loc["E08000003", "central_funding_excl_schools_2023_24_gbp"] == 1_136_835_000 - 476_430_000


# --- reconciliation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("level", "code"), [("utla24", "UTLA24CD"), ("lad24", "LAD24CD")])
def test_every_baseline_sums_over_streams_to_the_central_funding_less_schools(level, code):
    finance = _read(f"finance_{level}.csv").set_index(code)
    baseline = _read(f"baseline_{level}.csv")
    by_area = baseline.groupby(code)["amount_gbp"].sum()
    assert (by_area == finance["central_funding_excl_schools_2023_24_gbp"].reindex(by_area.index)).all()
    assert (baseline["amount_gbp"] >= 0).all()
    assert (by_area.drop(LEFT_OUT) > 0).all()  # never silently zero
    assert set(baseline["stream"]) == set(_derive_tables().STREAMS)


def test_districts_share_the_upper_tier_money_pound_for_pound():
    upper = _read("baseline_utla24.csv").groupby("stream")["amount_gbp"].sum()
    lower = _read("baseline_lad24.csv").groupby("stream")["amount_gbp"].sum()
    assert (upper == lower).all()
    assert upper.sum() == 41_844_277_564  # 153 upper-tier areas; 41,729,454,564 without City and Scilly
    u, d = _read("finance_utla24.csv"), _read("finance_lad24.csv")
    for column in ("central_funding_2023_24_gbp", "council_tax_requirement_2023_24_gbp"):
        assert d[column].sum() == pytest.approx(u[column].sum(), abs=len(d))  # rounding of the shares only


def test_councils_that_made_no_return_are_estimated_and_flagged(finance):
    usual = "RA 2023-24 budget and RO 2023-24 outturn"
    flagged = finance.index[finance["funding_source"] != usual]
    assert len(flagged) == 16
    assert finance.loc["E08000025", "funding_source"] == (  # Birmingham: no RO 2023-24 or 2022-23
        "central funding from the RA 2023-24 budget; spending mix from the RA 2023-24 budget"
    )
    assert "Woking (central funding estimated per head" in finance.loc["E10000030", "funding_source"]
    assert finance.loc["E06000064", "funding_source"].startswith("central funding estimated per head")
    # an estimate of Westmorland and Furness's funding, in line with its neighbours' per resident
    per_head = finance["central_funding_excl_schools_2023_24_gbp"] / _read("utla24_indicators.csv").set_index(
        "UTLA24CD"
    )["population"].reindex(finance.index)
    assert 0.5 < per_head["E06000064"] / per_head["E06000063"] < 2.0  # Cumberland


def test_the_derived_tables_are_re_derived_byte_for_byte_from_the_copies(tmp_path):
    _derive_tables().write_all(ENGLAND, tmp_path)
    for name in DERIVED:
        assert (tmp_path / name).read_bytes() == (ENGLAND / name).read_bytes(), name


# --- the scenario's figures follow from the data ------------------------------------------------------


def test_the_baseline_envelopes_are_the_data_uprated_and_grown_as_the_scenario_says(finance):
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    base_2023 = finance.drop(LEFT_OUT)["central_funding_excl_schools_2023_24_gbp"].sum()
    assert base_2023 == 41_729_454_564
    assert scenario.geography.baseline.uprating == pytest.approx(1.075 * 1.068, abs=5e-5)
    base_2025 = base_2023 * scenario.geography.baseline.uprating
    envelope = scenario.envelopes["resource"]
    for k, year in enumerate(scenario.years, start=1):
        assert envelope[year] == pytest.approx(base_2025 * (1.011 * 1.019) ** k, abs=0.5e6)


def test_the_formula_equalises_the_share_of_central_funding_the_fair_funding_review_equalises():
    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    ra = _read("mhclg_ra_budget_2023_24.csv").set_index("ons_code")
    ra = ra[ra["flag"].isna() & ~ra.index.isin(LEFT_OUT)]
    derive = _derive_tables()
    central = -ra[derive.CENTRAL_LINES].sum(axis=1) - ra["education"]
    rsg_and_rates = -(ra["revenue_support_grant"] + ra["retained_business_rates"])
    assert scenario.objective.resources_adjustment == pytest.approx(
        rsg_and_rates.sum() / central.sum(), abs=0.005
    )
