"""The HTML explorer without a browser: escaping, a page per area, accessible structure, no network URLs,
the comparison's winners and losers, deterministic output and the maps' size."""

from __future__ import annotations

import contextlib
import dataclasses
import re
from html.parser import HTMLParser
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point

from allocator.compare import compare
from allocator.engine import solve
from allocator.output_folder import OutputError
from allocator.reports.html import write_report
from allocator.reports.maps import Outlines, choropleth, classify
from allocator.settlement import Settlement
from allocator.units import money, per_head
from tests.conftest import tiny_geography, tiny_scenario

NASTY = "<b>&Co"
"""An area name that must show as text, never as markup."""
CODES = ["E06000000", "E06000001", "E06000002", "E06000003"]


def tiny_settlements() -> tuple[Settlement, Settlement]:
    """Four areas in a row, two years, two streams and budgets, a region column, one area on an integrated
    settlement, one named ``<b>&Co``; a cash floor holds two areas. The second settlement drops the floor
    (so the comparison has winners and losers)."""
    geography = tiny_geography(
        [100_000.0, 200_000.0, 150_000.0, 120_000.0],
        {"growth_fund": [30e6, 50e6, 35e6, 25e6], "roads": [10e6, 15e6, 9e6, 12e6]},
        indicators={"gva": [30.0, 35.0, 38.0, 32.0]},
        attributes={"region": ["North & East", "North & East", "South <West>", "South <West>"]},
        integrated=[False, True, False, False],
    )
    geography.areas.loc["E06000001", "area_name"] = NASTY
    scenario = tiny_scenario(
        {
            "name": "Tiny <test> & co",
            "years": [2026, 2027],
            "geography": {"region_column": "region"},
            "envelopes": {"resource": 150e6, "capital": 48e6},
            "streams": {
                "growth_fund": {"zmax_gbp_per_head": 1000.0},
                "roads": {
                    "label": "Roads & bridges",
                    "budget": "capital",
                    "z0_gbp_per_head": 5.0,
                    "zmax_gbp_per_head": 500.0,
                    "effects": {"growth": 0.5},
                },
            },
            "rules": {
                "resource_envelope": {"kind": "envelope", "budget": "resource", "must_allocate": True},
                "capital_envelope": {"kind": "envelope", "budget": "capital", "must_allocate": True},
                "funding_guarantee": {
                    "kind": "floor",
                    "phi": 1.0,
                    "description": "No cut <at all> & no exceptions.",
                },
            },
        }
    )
    with_floor = solve(scenario, geography)
    without = solve(scenario.with_overrides({"rules.funding_guarantee": None}), geography)
    return with_floor, without


@pytest.fixture(scope="module")
def settlements() -> tuple[Settlement, Settlement]:
    return tiny_settlements()


@pytest.fixture(scope="module")
def site(settlements, tmp_path_factory) -> Path:
    s, other = settlements
    out = tmp_path_factory.mktemp("html") / "report"
    index = write_report(s, out, against=other, names=("no floor", "floor"))
    assert index == out / "index.html"
    return out


def pages(site: Path) -> list[Path]:
    return sorted(site.rglob("*.html"))


class Outline(HTMLParser):
    """What the checks need of a page: headings, tables, header cells, SVGs, links, the html element."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.headings: list[int] = []
        self.tables = self.captions = 0
        self.th_scopes: list[str | None] = []
        self.svgs: list[dict[str, str | None]] = []
        self.title_ids: set[str] = set()
        self.links: list[str] = []
        self.lang: str | None = None
        self.viewport = False
        self.text: list[str] = []
        self.bold = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        elif re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        elif tag == "table":
            self.tables += 1
        elif tag == "caption":
            self.captions += 1
        elif tag == "th":
            self.th_scopes.append(a.get("scope"))
        elif tag == "svg":
            self.svgs.append(a)
        elif tag == "title" and a.get("id"):
            self.title_ids.add(a["id"] or "")
        elif tag == "a":
            self.links.append(a.get("href") or a.get("xlink:href") or "")
        elif tag == "meta" and a.get("name") == "viewport":
            self.viewport = True
        elif tag == "b":
            self.bold += 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def outline(path: Path) -> Outline:
    parser = Outline()
    parser.feed(path.read_text(encoding="utf-8"))
    return parser


def test_every_area_has_a_page_linked_from_the_index(site: Path, settlements) -> None:
    s, _ = settlements
    index = outline(site / "index.html")
    for code in s.areas.index:
        assert (site / "areas" / f"{code}.html").is_file()
        assert f"areas/{code}.html" in index.links
    assert sorted(p.name for p in (site / "areas").iterdir()) == [f"{c}.html" for c in CODES]
    assert (site / "compare.html").is_file()
    assert {p.name for p in (site / "static").iterdir()} == {"report.css", "report.js"}


def test_names_are_escaped_everywhere(site: Path) -> None:
    for path in pages(site):
        raw = path.read_text(encoding="utf-8")
        for bad in (NASTY, "<test>", "<West>", "<at all>"):
            assert bad not in raw, f"{bad!r} unescaped in {path.name}"
        assert outline(path).bold == 0, f"a <b> element in {path.name}"
    area = (site / "areas" / "E06000001.html").read_text(encoding="utf-8")
    assert "<h1>&lt;b&gt;&amp;Co</h1>" in area
    assert "".join(outline(site / "areas" / "E06000001.html").text).count(NASTY) >= 3
    index = (site / "index.html").read_text(encoding="utf-8")
    assert "&lt;b&gt;&amp;Co</a>" in index
    assert "Tiny &lt;test&gt; &amp; co" in index
    assert "South &lt;West&gt;" in index


def test_pages_are_structured_for_screen_readers(site: Path) -> None:
    for path in pages(site):
        o = outline(path)
        assert o.lang == "en", path.name
        assert o.viewport, path.name
        assert o.headings.count(1) == 1, f"{path.name}: one h1"
        assert o.headings[0] == 1, f"{path.name}: the h1 first"
        for before, after in zip(o.headings, o.headings[1:], strict=False):
            assert after <= before + 1, f"{path.name}: heading h{before} followed by h{after}"
        assert o.tables > 0, path.name
        assert o.captions == o.tables, f"{path.name}: every table has a caption"
        assert o.th_scopes, path.name
        assert all(scope in ("col", "row") for scope in o.th_scopes), path.name
        for svg in o.svgs:
            assert svg.get("role") == "img", path.name
            assert svg.get("aria-labelledby") in o.title_ids, f"{path.name}: svg without its title"
        vague = {"here", "click here", "more", "link"}
        assert not vague & {t.strip().lower() for t in o.text}, path.name


def test_no_file_points_to_the_network(site: Path) -> None:
    for path in sorted(p for p in site.rglob("*") if p.is_file()):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?:|//[a-z0-9.-]+\.[a-z]{2,}/|@import|url\((?!#)", text, re.I), path.name
    for path in pages(site):
        for href in outline(path).links:
            assert not re.match(r"[a-z][a-z0-9+.-]*:", href, re.I), f"{path.name}: {href}"
            target = href.split("#")[0]
            if target:
                assert (path.parent / target).resolve().is_file(), f"{path.name}: broken link {href}"


def test_area_page_figures_equal_the_settlement_tables(site: Path, settlements) -> None:
    s, _ = settlements
    html = (site / "areas" / "E06000001.html").read_text(encoding="utf-8")
    streams = html[html.index('id="streams"') : html.index("</table>", html.index('id="streams"'))]
    totals = s.area_year_totals().xs("E06000001", level="area_code")
    for year in s.years:
        assert f">{money(totals.at[year, 'amount_gbp'])}</td>" in streams
        assert f">{per_head(totals.at[year, 'per_head_gbp'])}</td>" in html
    alloc = s.allocations[s.allocations["area_code"] == "E06000001"]
    for row in alloc.itertuples():
        assert f'data-sort="{row.amount_gbp:.10g}">{money(row.amount_gbp)}</td>' in streams
    assert "Roads &amp; bridges" in streams
    assert "Integrated settlement (single pot)" in html
    assert "Funding guarantee (floor)" in html
    assert "No cut &lt;at all&gt; &amp; no exceptions." in html


def test_index_has_the_national_summary_value_prices_and_verification(site: Path, settlements) -> None:
    s, _ = settlements
    html = (site / "index.html").read_text(encoding="utf-8")
    for year, budgets in s.summary["totals_gbp"].items():
        for amount in budgets.values():
            assert money(amount) in html, year
    v = s.summary["value"]
    assert money(v["V"]) in html
    assert money(v["V_formula"]) in html
    assert "£1m more resource in 2026-27 buys" in html
    assert "Every rule holds" in html
    assert html.count('<svg class="map"') == 2
    assert 'id="areas-table"' in html
    assert 'class="data sortable wide"' in html


def test_compare_page_lists_winners_and_losers(site: Path, settlements) -> None:
    s, other = settlements
    cmp = compare(other, s, ("no floor", "floor"))
    winners, losers = cmp.winners_and_losers()
    html = (site / "compare.html").read_text(encoding="utf-8")
    won = html[html.index('id="winners-table"') : html.index("</table>", html.index('id="winners-table"'))]
    lost = html[html.index('id="losers-table"') : html.index("</table>", html.index('id="losers-table"'))]
    gained = winners[winners["change_gbp"] > 0.5].index
    fell = losers[losers["change_gbp"] < -0.5].index
    assert len(gained)
    assert len(fell)
    for code in gained:
        assert f'href="areas/{code}.html"' in won
        assert code not in lost
    for code in fell:
        assert f'href="areas/{code}.html"' in lost
        assert code not in won
    assert "Comparison: floor against no floor" in html
    assert html.count('<svg class="map"') == 1


def test_the_same_settlement_gives_identical_files(settlements, tmp_path: Path) -> None:
    s, other = settlements
    a = write_report(s, tmp_path / "a", against=other).parent
    b = write_report(s, tmp_path / "b", against=other).parent
    files = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    assert files == sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_rewriting_replaces_an_earlier_report_and_refuses_other_folders(settlements, tmp_path: Path) -> None:
    s, _ = settlements
    out = tmp_path / "site"
    write_report(s, out)
    (out / "compare.html").write_text("stale")  # a file the manifest does not list: not replaced
    with pytest.raises(OutputError, match="also holds files allocator did not write"):
        write_report(s, out)
    (out / "compare.html").unlink()
    write_report(s, out)  # an intact earlier report is replaced
    assert (out / "index.html").is_file()
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "index.html").write_text("my own page")
    with pytest.raises(OutputError, match="holds files allocator did not write"):
        write_report(s, mine)
    assert (mine / "index.html").read_text() == "my own page"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no partial folder left


def test_without_geometry_the_report_says_there_is_no_map(settlements, tmp_path: Path) -> None:
    s, _ = settlements
    bare = dataclasses.replace(s, geometry=None)
    out = write_report(bare, tmp_path / "r").parent
    assert "no boundaries" in (out / "index.html").read_text(encoding="utf-8")
    assert '<svg class="map"' not in (out / "areas" / "E06000002.html").read_text(encoding="utf-8")


def test_rendering_is_a_progress_step(settlements, tmp_path: Path) -> None:
    steps = []

    class Recorder:
        @contextlib.contextmanager
        def step(self, what: str):
            steps.append(what)
            yield

    write_report(settlements[0], tmp_path / "r", progress=Recorder())
    assert steps == ["rendering pages"]


def test_national_map_is_small_deterministic_and_accessible() -> None:
    rng = np.random.default_rng(7)
    centres = rng.uniform(0, 500_000, size=(320, 2))
    shapes = [Point(x, y).buffer(9_000, quad_segs=64) for x, y in centres]  # 256 vertices each
    codes = [f"E0{i:07d}" for i in range(320)]
    geometry = gpd.GeoSeries(shapes, index=codes, crs="EPSG:27700")
    values = pd.Series(rng.uniform(100, 500, 320), index=codes)
    classes = classify(values)
    kw = {"alt": "Map <of> areas", "id_prefix": "m", "links": {c: f"areas/{c}.html" for c in codes}}
    svg = choropleth(Outlines.of(geometry), values.to_dict(), classes, **kw)
    assert svg == choropleth(Outlines.of(geometry), values.to_dict(), classes, **kw)
    assert len(svg.encode()) < 300_000
    assert svg.startswith('<svg class="map" role="img" aria-labelledby="m-title"')
    assert '<title id="m-title">Map &lt;of&gt; areas</title>' in svg
    assert "http" not in svg
    assert "<?xml" not in svg
    assert svg.count('tabindex="-1"') == 320
    assert len(classes.colours) == len(classes.bounds) - 1 >= 4
