"""Facets, the group toggle, Kopiera and a download in headless Chromium (fixtures of test_browser)."""

import openpyxl
from test_browser import browser, page, pytestmark, server  # noqa: F401 (fixtures and marks)

QUERY = "rekrytera undersköterskor och parkering"


def _watch(pg) -> list[str]:
    problems: list[str] = []
    pg.on(
        "console", lambda m: problems.append(m.text) if m.type == "error" and "Failed to load" not in m.text else None
    )
    pg.on("pageerror", lambda e: problems.append(str(e)))
    return problems


def test_a_facet_click_filters_and_the_group_toggle_groups(page):  # noqa: F811
    problems = _watch(page)
    page.goto(f"/sok?q={QUERY}")
    assert page.locator(".hit").count() == 6
    assert page.locator("#facet-doc label", has_text="Nya parkeringsavgifter").inner_text().endswith("(1)")
    with page.expect_navigation():
        page.locator('#facet-doc input[value="parkering.txt"]').check()  # applies at once (page.js)
    assert "doc=parkering.txt" in page.url and page.locator(".hit").count() == 1
    with page.expect_navigation():
        page.locator('#facet-doc input[value="analys.md"]').check()  # a second value: either document
    assert page.locator(".hit").count() == 6
    with page.expect_navigation():
        page.locator("#group").check()
    groups = page.locator("section.doc-group h3")
    assert groups.count() == 2 and groups.first.inner_text().startswith("Omvärldsanalys för Testby")
    assert page.locator("section.doc-group").first.locator(".hit").count() == 5
    assert problems == []


def test_kopiera_copies_the_hit_with_its_citation(page):  # noqa: F811
    from playwright.sync_api import expect

    problems = _watch(page)
    page.goto("/sok?q=rekrytera+undersköterskor&k=2")
    button = page.locator(".hit button.copy").first
    data = button.get_attribute("data-copy")
    assert data.startswith("”Kommunen har svårt att rekrytera undersköterskor")
    assert data.endswith("(Omvärldsanalys för Testby. Testby kommun, 2024, s. 4, avsnitt ”Kompetensförsörjning”)")
    button.click()
    status = page.locator(".hit .copy-status").first
    expect(status).not_to_be_empty()
    if status.inner_text() == "Kopierat.":  # the clipboard may be unavailable headless: then the text is shown
        assert page.evaluate("navigator.clipboard.readText()") == data
    else:
        assert data in status.inner_text()
    assert problems == []


def test_the_excel_download_opens(page, tmp_path):  # noqa: F811
    page.goto("/citat?claim=kommunen+har+svårt+att+rekrytera+undersköterskor")
    quotes = page.locator(".quote").count()
    with page.expect_download() as info:
        page.click("text=Excel")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    assert path.name.startswith("scan-citat-") and path.suffix == ".xlsx"
    sheet = openpyxl.load_workbook(path)["Citat"]
    assert sheet.max_row - 1 == quotes > 0


def test_the_word_download_of_a_grouped_search_opens(page, tmp_path):  # noqa: F811
    import docx

    page.goto(f"/sok?q={QUERY}&group=dokument")
    with page.expect_download() as info:
        page.click("text=Word")
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    word = docx.Document(path)
    assert word.paragraphs[0].text == f"Sökträffar: ”{QUERY}”"
    headings = [p.text for p in word.paragraphs if p.style.name == "Heading 2"]
    assert headings == [h.inner_text().split(" (")[0] for h in page.locator("section.doc-group h3").all()]
    assert sum(p.style.name == "Quote" for p in word.paragraphs) == page.locator(".hit").count() == 6
