"""The Översikt page in a real headless browser (Debian's chromium driven by Playwright): the
matrix, the charts by year and by publisher, a cell's link to its evidence, and a phone's width.

Marked `browser`; skipped where chromium is not installed (.ci/run installs it)."""

import pytest
from livebrowser import MARKS, launch_browser, mini_server

pytestmark = MARKS


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    def add(corpus):
        (corpus / "utan-ar.md").write_text(  # no sources.toml entry: no year, no publisher
            "# Personal\n\nKommunen måste rekrytera fler undersköterskor och lärare till äldreomsorgen.\n",
            encoding="utf-8",
        )

    root = tmp_path_factory.mktemp("web-overview")
    with mini_server(root, add) as base:
        yield base, root


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


def _page(browser, server, width):
    base, _ = server
    context = browser.new_context(base_url=base, viewport={"width": width, "height": 900})
    return context, context.new_page()


def test_overview_matrix_charts_and_a_cell_leads_to_its_evidence(browser, server):
    context, page = _page(browser, server, 1280)
    problems = []
    page.on(  # every console error but a missing favicon
        "console",
        lambda m: problems.append(m.text) if m.type == "error" and "Failed to load resource" not in m.text else None,
    )
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto("/sok")
        page.click("nav >> text=Översikt")
        page.wait_for_url("**/oversikt")
        assert page.locator("nav a[aria-current=page]").inner_text() == "Översikt"
        rows = page.locator("#matris tbody tr")
        assert rows.count() == 3
        titles = [rows.nth(i).locator("th").inner_text() for i in range(3)]
        assert any("Omvärldsanalys för Testby" in t for t in titles)
        # the charts: a bar per year (2023, 2024 and the unknown year) and per publisher, each summing to 100 %
        years = page.locator("#diagram-ar .stacked-row")
        assert years.count() == 3 and "okänt år" in years.nth(2).inner_text()
        assert page.locator("#diagram-utgivare .stacked-row").count() == 3
        for i in range(3):
            bar = years.nth(i).locator(".stacked-bar")
            total = sum(s.bounding_box()["width"] for s in bar.locator(".seg").all())
            assert abs(total - bar.bounding_box()["width"]) < 2
        assert page.locator("#tabell-ar tbody tr").count() == 3  # the same figures as a table
        # a cell of the analysis's row, trend 1, leads to the passages behind it
        row = rows.nth([i for i, t in enumerate(titles) if "Omvärldsanalys" in t][0])
        cell = row.locator("td.share a").first
        share = int(cell.inner_text())
        cell.click()
        page.wait_for_url("**/oversikt/belagg?**")
        assert "Belägg för trend 1" in page.locator("h1").inner_text()
        quotes = page.locator("#belagg blockquote")
        assert share > 0 and quotes.count() >= 1
        assert "s. " in page.locator("#belagg .cite").first.inner_text()  # with its citation
        page.screenshot(path=str(server[1] / "belagg.png"))
        first = page.locator("#belagg li").first
        seq = first.get_attribute("id").removeprefix("textavsnitt-")
        first.locator("text=i sitt sammanhang").click()  # the passage in its document, marked
        page.wait_for_url(f"**/dokument/analys.md?passage={seq}#p-{seq}")
        page.go_back()
        page.click("text=Tillbaka till översikten")
        page.wait_for_url("**/oversikt#dokument")
        assert problems == []
    finally:
        context.close()


def test_overview_fits_a_phone(browser, server):
    context, page = _page(browser, server, 390)
    try:
        page.goto("/oversikt")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling of the page
        label = page.locator("#diagram-ar .stacked-label").first
        assert float(label.evaluate("e => getComputedStyle(e).fontSize").removesuffix("px")) >= 13  # readable
        page.screenshot(path=str(server[1] / "oversikt-390.png"), full_page=True)
    finally:
        context.close()
