"""The HTML explorer in a real browser: Debian's Chromium, headless, driven by Playwright (PyPI package,
its sync API, launched with ``executable_path``: no browser is downloaded).

A person's path: open index.html from disk, find an area with the filter, sort the table, follow the link
to the area, read its figures, then the comparison. Every figure read from the DOM must equal the
settlement's tables as formatted; the area named ``<b>&Co`` must show as text; no request may leave the
machine (every request is routed and recorded: only file:// URLs). A screenshot of each page type is
saved to runs/ci-artifacts/screenshots/ under CI (the env var CI set), else to the test's tmp_path.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from allocator.reports.html import write_report
from allocator.reports.words import stream_label
from allocator.units import fy, money, per_head
from tests.conftest import ROOT
from tests.reports.test_html import NASTY, tiny_settlements

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

if not CHROMIUM.is_file():
    pytest.skip(
        f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium) to run the browser test",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="the Playwright driver is not installed (pip install playwright)"
)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    s, other = tiny_settlements()
    out = tmp_path_factory.mktemp("browser") / "report"
    write_report(s, out, against=other, names=("no floor", "floor"))
    return s, out


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=FLAGS)
        yield b
        b.close()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    folder = (
        ROOT / "runs" / "ci-artifacts" / "screenshots" if os.environ.get("CI") else tmp_path / "screenshots"
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_local_leader_finds_and_reads_their_settlement(report, browser, screenshots: Path) -> None:
    s, out = report
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    requests: list[str] = []
    blocked: list[str] = []

    def route(r) -> None:
        url = r.request.url
        requests.append(url)
        if url.startswith("file://"):
            r.continue_()
        else:
            blocked.append(url)
            r.abort()

    context.route("**/*", route)
    page = context.new_page()
    page.set_default_timeout(10_000)
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))

    # the index, from disk
    page.goto((out / "index.html").as_uri())
    assert page.locator("h1").inner_text() == "Settlement: Tiny <test> & co"
    table = page.locator("#areas-table")
    rows = table.locator("tbody tr")
    assert rows.count() == 4
    page.screenshot(path=str(screenshots / "index.png"), full_page=True)

    # the filter finds the area by its name, typed as text
    page.get_by_label("Find an area by name, code or region").fill("<b>")
    assert table.locator("tbody tr:visible").count() == 1
    assert page.locator("#area-filter-status").inner_text() == "1 of 4 areas shown"
    page.get_by_label("Find an area by name, code or region").fill("")
    assert table.locator("tbody tr:visible").count() == 4

    # sorting by £ per head (twice: descending) orders the rows by the figure
    header = table.get_by_role("button", name="Per head a year")
    header.click()
    header.click()
    sorted_by = table.locator("thead th", has=page.get_by_role("button", name="Per head a year"))
    assert sorted_by.get_attribute("aria-sort") == "descending"
    pa = s.area_year_totals()["amount_gbp"].groupby(level="area_code").sum() / len(s.years)
    pa = pa / s.areas["population"]
    expected = [per_head(v) for v in pa.sort_values(ascending=False)]
    got = [rows.nth(i).locator("td").nth(4).inner_text() for i in range(4)]
    assert got == expected

    # the area named <b>&Co shows as text, in a link that says where it goes
    link = page.get_by_role("link", name=NASTY, exact=True)
    assert link.count() == 1
    assert page.locator("#areas-table b").count() == 0
    link.click()
    page.wait_for_load_state()
    assert page.url.endswith("/areas/E06000001.html")
    assert page.locator("h1").inner_text() == NASTY
    assert page.title().startswith(NASTY)

    # every figure of the settlement table equals the settlement's, as formatted
    totals = s.area_year_totals().xs("E06000001", level="area_code")
    alloc = s.allocations[s.allocations["area_code"] == "E06000001"]
    labels = {k: stream_label(k, s.scenario) for k in s.scenario.streams}  # "Roads & bridges", "Growth fund"
    streams = page.locator("#streams")
    heads = streams.locator("thead th").all_inner_texts()
    assert heads[2 : 2 + len(s.years)] == [fy(y) for y in s.years]
    body = {
        r.locator("th").inner_text(): r.locator("td").all_inner_texts()
        for r in streams.locator("tbody tr").all()
    }
    for row in alloc.itertuples():
        cells = body[labels[row.stream]]
        assert cells[1 + s.years.index(row.year)] == money(row.amount_gbp), (row.stream, row.year)
    foot = streams.locator("tfoot td").all_inner_texts()
    assert foot[1 : 1 + len(s.years)] == [money(totals.at[y, "amount_gbp"]) for y in s.years]
    per_head_cells = page.locator("#per-head-table tbody tr td:nth-of-type(1)").all_inner_texts()
    assert per_head_cells == [per_head(totals.at[y, "per_head_gbp"]) for y in s.years]
    assert "Integrated settlement (single pot)" in page.locator("#settlement ~ p").first.inner_text()
    assert page.locator("svg.map[role=img]").count() == 1
    page.screenshot(path=str(screenshots / "area.png"), full_page=True)

    # a neighbour's page is one click away on the map's table of neighbours
    page.get_by_role("link", name="Area 2", exact=True).first.click()
    page.wait_for_load_state()
    assert page.url.endswith("/areas/E06000002.html")

    # the comparison
    page.goto((out / "compare.html").as_uri())
    assert page.locator("h1").inner_text() == "Comparison: floor against no floor"
    assert page.locator("#winners-table tbody tr").count() >= 1
    assert page.locator("#losers-table tbody tr").count() >= 1
    page.screenshot(path=str(screenshots / "compare.png"), full_page=True)

    # a phone: each page fits the screen, the wide tables scroll inside their own box and say so
    page.set_viewport_size({"width": 390, "height": 844})
    for name, path in (
        ("index", "index.html"),
        ("area", "areas/E06000001.html"),
        ("compare", "compare.html"),
    ):
        page.goto((out / path).as_uri())
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 1, name
        page.screenshot(path=str(screenshots / f"{name}-phone.png"), full_page=True)
    page.goto((out / "index.html").as_uri())
    jump = page.get_by_label("Go to an area")
    assert jump.bounding_box()["y"] < 844  # on the first screen, above the tables
    scrolling = page.locator(".scroll.more-right")
    assert scrolling.count() >= 1
    assert page.locator(".scroll.more-right + .scroll-hint").first.is_visible()
    # going to an area by its name opens its page
    jump.fill("Area 2 (E06000002)")
    jump.press("Enter")
    page.wait_for_url("**/areas/E06000002.html")

    context.close()
    assert errors == []
    assert blocked == []
    assert requests
    assert all(u.startswith("file://") for u in requests)
    shots = {"index.png", "area.png", "compare.png", "index-phone.png", "area-phone.png", "compare-phone.png"}
    assert {p.name for p in screenshots.iterdir()} >= shots


def test_an_area_page_prints_on_one_page(report, browser) -> None:
    _, out = report
    page = browser.new_page()
    page.goto((out / "areas" / "E06000001.html").as_uri())
    pdf = page.pdf(format="A4")
    page.close()
    assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page ") + pdf.count(b"/Type /Page>") == 1


def test_the_browser_is_debians_chromium(browser) -> None:
    """The browser under test is the system's Chromium: no Playwright browser download is used."""
    out = subprocess.run([str(CHROMIUM), "--version"], capture_output=True, text=True, timeout=60).stdout
    assert browser.version in out
