"""From a finding to its context in a real headless browser (Debian's chromium driven by Playwright):
a search hit opens the document page scrolled to the marked passage; a PDF hit opens the file at its page.

Marked `browser`; skipped where /usr/bin/chromium is not installed (.ci/run installs it)."""

import pytest
from livebrowser import MARKS, launch_browser, mini_server
from pdfgen import write_pdf

pytestmark = MARKS
FILLER = [f"Mening {i} om kommunens planering av vatten och vägar." for i in range(6)]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    def add(corpus):
        pages = [["Förord och innehåll.", *FILLER], ["Klimatanpassning av dagvatten.", *FILLER], ["Slutord.", *FILLER]]
        write_pdf(corpus / "plan.pdf", pages, page_labels_start=12)
        long_text = "\n\n".join(  # enough text that the cited passage lies far below the first screen
            f"## Avsnitt {c}\n\n" + " ".join(f"Kommunen beskriver läget i del {c}, mening {i}." for i in range(12))
            for c in range(60)
        )
        (corpus / "lang.md").write_text(
            "# Lång rapport\n\n" + long_text + "\n\n## Slutsats\n\nTaklagsfesten för det nya badhuset hålls i maj.\n",
            encoding="utf-8",
        )

    with mini_server(tmp_path_factory.mktemp("webdocs-browser"), add, jobs=False) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 800})
    pg = context.new_page()
    yield pg
    context.close()


def test_from_a_hit_to_the_marked_passage_in_its_document(page):
    page.goto("/sok")
    page.fill("#q", "taklagsfest badhuset")
    page.press("#q", "Enter")
    page.wait_for_selector(".hit")
    hit = page.locator(".hit").first
    assert "Lång rapport" in hit.locator(".cite").inner_text()
    hit.locator("a.to-document").click()
    page.wait_for_url("**/dokument/lang.md?passage=*")
    mark = page.locator("mark.current")
    assert mark.count() >= 1 and "Taklagsfesten för det nya badhuset" in mark.first.inner_text()
    box = mark.first.bounding_box()
    assert box is not None and box["y"] > 0  # the page scrolled to it: it is on the screen ...
    assert 0 <= box["y"] < page.viewport_size["height"]
    assert page.evaluate("window.scrollY") > 1000  # ... far below the top of the document
    assert page.locator("h1").inner_text() == "Lång rapport"
    page.locator(".notice a.to-similar").click()  # and on to passages like it
    page.wait_for_url("**/liknande?*")
    assert page.locator("h1").inner_text() == "Fler liknande"
    assert page.locator(".hit a.to-document").count() >= 1


def test_a_pdf_hit_opens_the_file_at_its_page(page, server):
    page.goto("/sok?q=planering+av+vatten+och+v%C3%A4gar&k=20")
    page.wait_for_selector(".hit")
    pdf = page.locator(".hit a.to-file")
    assert pdf.count() >= 1
    href = pdf.first.get_attribute("href")
    assert href.startswith("/dokument/plan.pdf/fil#page=") and href.split("=")[-1] in {"1", "2", "3"}
    response = page.request.get(server + href.split("#")[0])
    assert response.ok and response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
    page.locator(".hit").filter(has=page.locator("a.to-file")).first.locator("a.to-document").click()
    page.wait_for_url("**/dokument/plan.pdf?passage=*")
    assert page.locator(".notice a.to-file").get_attribute("href").startswith("/dokument/plan.pdf/fil#page=")
    assert page.locator(".page-marker", has_text="s. 13").count() == 1  # printed pages, as cited


def test_sources_rows_open_their_documents(page):
    page.goto("/kallor")
    page.get_by_role("link", name="Omvärldsanalys för Testby").click()
    page.wait_for_url("**/dokument/analys.md")
    assert page.locator("h1").inner_text() == "Omvärldsanalys för Testby"
    assert page.locator(".page-marker").count() == 4
    assert page.locator("mark.current").count() == 0


def test_the_document_page_fits_a_phone(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 390, "height": 800})
    page = context.new_page()
    try:
        page.goto("/dokument/lang.md?passage=3#p-3")
        assert page.locator("mark.current").count() >= 1
        assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    finally:
        context.close()
