"""The real PDFs in ../shared/pdfs (skipped where that folder is absent)."""

import json

import pytest
from conftest import SHARED

from scan.parse import read_document
from scan.split import split_document

PDFS = SHARED / "pdfs"
pytestmark = pytest.mark.skipif(not (PDFS / "manifest.json").exists(), reason="../shared/pdfs is not here")
MANIFEST = json.loads((PDFS / "manifest.json").read_text()) if (PDFS / "manifest.json").exists() else []


@pytest.mark.parametrize("entry", MANIFEST, ids=[e["file"] for e in MANIFEST])
def test_every_passage_of_a_real_pdf_has_a_page_within_the_document(entry):
    doc = read_document(PDFS / entry["file"])
    passages = split_document(doc)
    assert passages, entry["file"]
    pages = {p.page for p in passages}
    assert None not in pages
    assert len(pages) >= min(entry["pages"], 2) or entry["pages"] == 1
    for p in passages:
        assert doc.text[p.start : p.end] == p.text


def test_swedish_letters_survive_extraction():
    entry = next(e for e in MANIFEST if e["language"] == "sv")
    text = read_document(PDFS / entry["file"]).text
    assert any(ch in text for ch in "åäöÅÄÖ")


def test_three_column_federal_register_reads_column_by_column_without_running_headers():
    doc = read_document(PDFS / "en_us_federal_register_2020-17221.pdf")
    text = " ".join(doc.text.split())
    # a sentence over seven lines of one column comes out whole: the columns are not interleaved
    assert (
        "A flight control law generates commands to move flight control surfaces based on inputs from the "
        "flightcrew and sensors on the airplane."
    ) in text
    assert "Federal Register / Vol. 85" not in text  # the running header of every page
    assert doc.report["header_or_footer_lines_removed"] >= 15


def test_printed_page_numbers_of_a_swedish_plan():
    doc = read_document(PDFS / "sv_soderkoping_mal_strategier_miljo_klimat_2022.pdf")
    assert doc.report["page_numbers"] in ("printed numbers", "page labels")
    assert all(s.page == s.physical_page for s in doc.sections)  # "5 (24)" printed on the fifth page
    assert doc.report["outline_headings"] > 10
    assert len({s.heading for s in doc.sections}) > 10  # the outline gives the passages headings
