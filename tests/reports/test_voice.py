"""One voice: for every rule kind, the explorer, the terminal and the workbook say the same sentence for the
same rule, built from its parameters as run; and what a run was asked shows everywhere."""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from rich.console import Console

from allocator.engine import solve
from allocator.reports import words
from allocator.reports.excel import HEADERS, write_xlsx
from allocator.reports.html import write_report
from allocator.reports.inspect import render_area
from allocator.rules import KINDS
from tests.reports import small_settlement
from tests.rules.test_rules_contract import _generic

AREA = "E06000000"


def _held_everywhere(s, rule_id: str, kind: str):
    """The settlement with the rule holding AREA in every year (so the area's pages name it)."""
    rows = pd.DataFrame({"area_code": AREA, "year": s.years, "rule_id": rule_id, "kind": kind, "dual": -1.0})
    return dataclasses.replace(s, binding=pd.concat([s.binding, rows], ignore_index=True))


def _text(markup: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", markup)).split())


def _terminal(s) -> str:
    console = Console(record=True, width=100, soft_wrap=True)
    render_area(console, s, AREA)
    return " ".join(console.export_text().split())


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_html_terminal_and_workbook_say_the_same_sentence(kind: str, tmp_path: Path) -> None:
    scenario, geography = _generic(kind, "hard")
    s = _held_everywhere(solve(scenario, geography), "rule", kind)
    sentence = words.requirement("rule", scenario)
    assert sentence.endswith(".")
    assert len(sentence) > 30

    site = write_report(s, tmp_path / "report").parent
    assert sentence in _text((site / "areas" / f"{AREA}.html").read_text(encoding="utf-8"))
    assert sentence in _text((site / "index.html").read_text(encoding="utf-8"))  # the rules and their check
    assert sentence in _terminal(s)
    book = openpyxl.load_workbook(write_xlsx(s, tmp_path / "s.xlsx"))
    rows = list(book["Verification"].iter_rows(values_only=True))
    column = rows[0].index(HEADERS["requirement"])
    assert sentence in {r[column] for r in rows[1:]}


def test_an_override_shows_in_every_output_and_changes_the_sentence(tmp_path: Path) -> None:
    """The run asked for a 98% floor: the title says so, every page shows the override, the sentences say
    98%, and the rule set's description written for 100% is no longer shown as if it applied."""
    base = small_settlement()
    scenario = base.scenario.with_overrides(["rules.funding_guarantee.phi=0.98"])
    prov = {**base.summary["provenance"], "sources": scenario.provenance.as_dict()}
    s = dataclasses.replace(base, scenario=scenario, summary={**base.summary, "provenance": prov})
    site = write_report(s, tmp_path / "report").parent
    for page in sorted(site.rglob("*.html")):
        text = _text(page.read_text(encoding="utf-8"))
        assert "rules.funding_guarantee.phi: 1.0 -> 0.98" in text, page.name
        assert "reports test, with rules.funding_guarantee.phi = 0.98" in text, page.name
    area = _text((site / "areas" / "E06000003.html").read_text(encoding="utf-8"))
    assert "cannot fall below 98% of the previous year's, in cash terms" in area
    assert "No area's settlement falls in cash terms." not in area  # written for the 100% floor
    assert "<title>North Somerset: settlement 2026-27 to 2027-28 · reports test, with" in (
        site / "areas" / "E06000003.html"
    ).read_text(encoding="utf-8")

    terminal = _terminal(s)
    assert "Changed by --set: rules.funding_guarantee.phi: 1.0 -> 0.98" in terminal

    book = openpyxl.load_workbook(write_xlsx(s, tmp_path / "s.xlsx"))
    summary = {(r[0], r[1]): r[2] for r in book["Summary"].iter_rows(min_row=2, values_only=True)}
    assert summary[("scenario", "changed by --set")] == "rules.funding_guarantee.phi: 1.0 -> 0.98"
    rows = list(book["Verification"].iter_rows(values_only=True))
    column = rows[0].index(HEADERS["requirement"])
    assert any("98%" in str(r[column]) for r in rows[1:])


def test_a_run_as_written_shows_no_banner(tmp_path: Path) -> None:
    site = write_report(small_settlement(), tmp_path / "report").parent
    assert 'class="asked"' not in (site / "index.html").read_text(encoding="utf-8")
