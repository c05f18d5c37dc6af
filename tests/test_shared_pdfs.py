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
