"""What a strategist trips over on a laptop (1366 px), in headless chromium: the list of documents
under Källor fits its box without a horizontal scrollbar when a file has a long name without spaces
(as real downloaded PDFs do), so the last column is not cut off.

Marked `browser`; skipped where chromium is not installed."""

import pytest
from livebrowser import MARKS, launch_browser, mini_server

pytestmark = MARKS
NAME = "sv_soderkoping_mal_strategier_miljo_klimat_och_energi_2022_reviderad.md"  # one long word


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    def add(corpus):
        (corpus / NAME).write_text("# Klimatplan\n\nKommunen ska minska utsläppen från transporter.\n", "utf-8")

    with mini_server(tmp_path_factory.mktemp("webuser"), add, jobs=False) as base:
        yield base


@pytest.fixture(scope="module")
def browser():
    yield from launch_browser()


def test_the_list_of_documents_fits_a_laptop_without_a_horizontal_scrollbar(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 1366, "height": 768})
    page = context.new_page()
    page.goto("/kallor")
    assert page.get_by_text(NAME, exact=False).count() == 1
    boxes = page.locator(".table-scroll").evaluate_all("bs => bs.map(b => [b.scrollWidth, b.clientWidth])")
    context.close()
    assert boxes and all(scroll <= client for scroll, client in boxes), boxes
