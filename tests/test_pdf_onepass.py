"""A PDF page's text is extracted once: the title finder (scan.parse.pdftitle) reads the pieces the
text extraction (scan.parse.pdf) recorded, with the same result as extracting the page again."""

from __future__ import annotations

import pytest
from conftest import SHARED
from pypdf import PageObject, PdfReader
from test_metadata import plan_pdf

from scan.parse import pdf as pdfparse
from scan.parse import pdftitle, read_document


def test_every_page_is_extracted_once_and_the_title_is_still_found(tmp_path, monkeypatch):
    path = tmp_path / "plan.pdf"
    path.write_bytes(plan_pdf(None))  # three pages: a cover with a 24 pt title, two of body text
    calls = []
    extract = PageObject.extract_text

    def counting(self, *args, **kwargs):
        calls.append(1)
        return extract(self, *args, **kwargs)

    monkeypatch.setattr(PageObject, "extract_text", counting)
    doc = read_document(path)
    assert doc.title == "Klimatplan för Exempelby kommun 2030"  # found among the recorded pieces
    assert len(calls) == 3  # was 6: the title finder extracted the first three pages again


def _pages(path):
    return list(PdfReader(str(path)).pages)


def _same_pieces(path):
    for page in _pages(path)[: pdftitle.BODY_PAGES]:
        seen: list = []
        pdfparse._positioned_chunks(page, seen)
        assert pdftitle._chunks(page, seen) == pdftitle._chunks(page)


def test_recorded_pieces_give_what_a_second_extraction_gives(tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(plan_pdf(None))
    _same_pieces(path)
    pages = _pages(path)
    texts = [pdfparse._normalise(pdfparse._page_text(p)[0]) for p in pages]
    shown = []
    for page in pages[: pdftitle.BODY_PAGES]:
        seen: list = []
        pdfparse._page_text(page, seen)
        shown.append(seen)
    assert pdftitle.heading_title(pages, texts, None, shown) == pdftitle.heading_title(pages, texts)
    assert pdftitle.heading_title(pages, texts, None, shown) == "Klimatplan för Exempelby kommun 2030"
    # a page the extraction could not read (None) is tried by the title finder itself
    assert pdftitle.heading_title(pages, texts, None, [None, None, None]) == pdftitle.heading_title(pages, texts)


@pytest.mark.skipif(not (SHARED / "pdfs").is_dir(), reason="needs ../shared/pdfs")
def test_recorded_pieces_match_on_the_shared_pdfs():
    for path in sorted((SHARED / "pdfs").glob("*.pdf")):
        _same_pieces(path)
