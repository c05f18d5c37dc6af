"""Metadata that can be corrected: titles from the document itself, origins of each field, and a
changed sources.toml applied to unchanged files without embedding them again."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner
from conftest import SHARED
from pdfgen import _escape, assemble

from scan.cli import main
from scan.embed import HashEncoder
from scan.ingest import ingest
from scan.metadata import ORIGIN
from scan.parse import read_document
from scan.parse.pdftitle import choose_title, is_section_heading
from scan.search import search
from scan.store import Index, IndexWriter
from scan.types import Filters

BODY = [
    "Kommunen ska minska utsläppen av växthusgaser från transporter och uppvärmning med hälften.",
    "Arbetet följs upp varje år av kommunstyrelsen, som rapporterar till fullmäktige i december.",
    "Energianvändningen i kommunens egna lokaler ska minska genom bättre isolering och styrning.",
] * 3


def sized_pdf(pages: list[list[tuple[float, str]]], title: str | None = None) -> bytes:
    """A PDF whose lines are (font size, text): a real file with a large title and small body text."""
    objects = [b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"]
    pages_id = 2 + 2 * len(pages)
    for i, lines in enumerate(pages):
        y, parts = 780.0, []
        for size, text in lines:
            y -= size * 1.5
            parts.append(b"BT /F1 %.1f Tf 60 %.1f Td (" % (size, y) + _escape(text) + b") Tj ET")
        content = b"\n".join(parts)
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
        objects.append(
            b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 1 0 R >> >> "
            b"/Contents %d 0 R >>" % (pages_id, 2 + 2 * i)
        )
    kids = b" ".join(b"%d 0 R" % (3 + 2 * i) for i in range(len(pages)))
    objects.append(b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % len(pages))
    objects.append(b"<< /Title (" + _escape(title or "") + b") >>")
    objects.append(b"<< /Type /Catalog /Pages %d 0 R >>" % pages_id)
    return assemble(objects)


def plan_pdf(title_meta: str | None = "Bakgrund") -> bytes:
    """A climate plan: a cover with a 24 pt title, then a 14 pt 'Bakgrund' and 10 pt body text."""
    cover = [(24, "Klimatplan för Exempelby"), (24, "kommun 2030"), (10, "Antagen av fullmäktige 2024")]
    page2 = [(14, "Bakgrund"), *[(10, t) for t in BODY]]
    page3 = [(14, "Uppföljning"), *[(10, t) for t in BODY]]
    return sized_pdf([cover, page2, page3], title=title_meta)


def test_a_pdf_title_is_its_first_large_heading_never_a_section_heading_from_the_metadata(tmp_path):
    path = tmp_path / "plan.pdf"
    path.write_bytes(plan_pdf("Bakgrund"))  # Word left the first heading in the metadata
    doc = read_document(path)
    assert doc.title == "Klimatplan för Exempelby kommun 2030"
    assert doc.report[ORIGIN]["fields"]["title"] == "first heading"


def test_a_pdf_metadata_title_is_used_only_where_the_first_pages_say_it(tmp_path):
    said = tmp_path / "said.pdf"
    said.write_bytes(plan_pdf("Klimatplan för Exempelby kommun 2030"))
    doc = read_document(said)
    assert (doc.title, doc.report[ORIGIN]["fields"]["title"]) == (
        "Klimatplan för Exempelby kommun 2030",
        "pdf metadata",
    )
    template = tmp_path / "template.pdf"
    template.write_bytes(plan_pdf("Föreskriftens namn"))  # a template's title, not in the text
    assert read_document(template).title == "Klimatplan för Exempelby kommun 2030"


def test_a_pdf_with_no_large_heading_and_no_usable_metadata_is_named_by_its_file(tmp_path):
    flat = tmp_path / "rapport-2024.pdf"
    flat.write_bytes(sized_pdf([[(10, t) for t in BODY]] * 2, title="Dokumentnamn"))
    doc = read_document(flat)
    assert (doc.title, doc.report[ORIGIN]["fields"]["title"]) == ("rapport-2024", "file name")
    contents = tmp_path / "innehall.pdf"  # the only large text is a section heading
    contents.write_bytes(sized_pdf([[(20, "Innehåll"), *[(10, t) for t in BODY]]] * 2, title=None))
    assert read_document(contents).title == "innehall"


@pytest.mark.parametrize("heading", ["Bakgrund", "1. Inledning", "Sammanfattning:", "Table of contents", "SYFTE"])
def test_section_headings_are_recognised(heading):
    assert is_section_heading(heading)
    assert choose_title(heading, "", heading, "fil") == ("fil", "file name")


def test_a_real_title_is_not_a_section_heading():
    assert not is_section_heading("Bakgrundsanalys för Alingsås 2030")
    assert choose_title("Energiplan 2030", "Stor rubrik", "…energiplan 2030 …", "f") == (
        "Energiplan 2030",
        "pdf metadata",
    )


def _library(tmp_path):
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "plan.pdf").write_bytes(plan_pdf("Bakgrund"))
    (lib / "notis.md").write_text("# Parkering vid torget\n\nNya avgifter för parkering gäller från maj.\n", "utf-8")
    return lib


class CountingEncoder(HashEncoder):
    def __init__(self):
        super().__init__(256)
        self.embedded = 0

    def encode_passages(self, texts, batch_size=32):
        self.embedded += len(texts)
        return super().encode_passages(texts)


def test_a_changed_sources_toml_is_applied_without_embedding_again(tmp_path):
    lib, idx, enc = _library(tmp_path), tmp_path / "idx", CountingEncoder()
    ingest([lib], idx, enc)
    embedded = enc.embedded
    (lib / "sources.toml").write_text(
        '[documents."plan.pdf"]\ntitle = "Klimatplan 2030"\npublisher = "Exempelby kommun"\nyear = 2024\n', "utf-8"
    )
    report = ingest([lib], idx, enc)
    assert enc.embedded == embedded and report.passages == 0  # nothing embedded again
    assert sorted(report.unchanged) == ["notis.md", "plan.pdf"]
    assert report.metadata_updated == [("plan.pdf", ["title", "publisher", "year"])]
    index = Index.open(idx)
    try:
        doc = next(d for d in index.documents() if d.doc_id == "plan.pdf")
        assert (doc.title, doc.metadata) == ("Klimatplan 2030", {"publisher": "Exempelby kommun", "year": 2024})
        assert index.metadata_origin("plan.pdf")["fields"] == {
            "publisher": "sources.toml",
            "title": "sources.toml",
            "year": "sources.toml",
        }
        hits = search(index, enc, "utsläpp transporter", k=3, filters=Filters(publisher="Exempelby"))
        assert hits and {h.doc_id for h in hits} == {"plan.pdf"} and hits[0].title == "Klimatplan 2030"
        generation = index.generation
    finally:
        index.close()
    again = ingest([lib], idx, enc)  # nothing changed now: the same generation stays live
    assert again.metadata_updated == [] and again.generation == generation.name

    (lib / "sources.toml").write_text('[documents."plan.pdf"]\nyear = 2025\n', "utf-8")  # title and publisher gone
    report = ingest([lib], idx, enc)
    assert report.metadata_updated == [("plan.pdf", ["title", "publisher", "year"])] and enc.embedded == embedded
    index = Index.open(idx)
    try:
        doc = next(d for d in index.documents() if d.doc_id == "plan.pdf")
        assert (doc.title, doc.metadata) == ("Klimatplan för Exempelby kommun 2030", {"year": 2025})
        assert index.metadata_origin("plan.pdf")["fields"] == {"title": "first heading", "year": "sources.toml"}
    finally:
        index.close()


def test_a_document_stored_without_origins_is_read_again_not_embedded(tmp_path):
    """An index made by an older scan kept no origins and a PDF's old title ('Bakgrund'): the next
    ingest reads the file again (no embedding) and corrects it."""
    lib, idx, enc = _library(tmp_path), tmp_path / "idx", CountingEncoder()
    ingest([lib], idx, enc)
    with IndexWriter(idx, enc.name, enc.dimension, {}) as writer:
        _, meta, report = writer.stored_metadata("plan.pdf")
        report.pop(ORIGIN)
        writer.update_metadata("plan.pdf", "Bakgrund", meta, report)
        writer.commit()
    embedded = enc.embedded
    result = CliRunner().invoke(main, ["info", "--index", str(idx), "--doc", "plan.pdf", "--json"])
    assert json.loads(result.stdout)["origins"]["title"].startswith("unknown")
    report = ingest([lib], idx, enc)
    assert report.metadata_updated == [("plan.pdf", ["title"])] and enc.embedded == embedded
    index = Index.open(idx)
    try:
        assert {d.doc_id: d.title for d in index.documents()}["plan.pdf"] == "Klimatplan för Exempelby kommun 2030"
        assert index.metadata_origin("notis.md")["fields"] == {"title": "first heading"}  # recorded, unchanged
    finally:
        index.close()


def test_cli_ingest_reports_metadata_updates_and_info_shows_where_each_field_came_from(tmp_path):
    lib, idx = _library(tmp_path), tmp_path / "idx"
    runner = CliRunner()
    assert runner.invoke(main, ["ingest", str(lib), "--index", str(idx), "--model", "hash"]).exit_code == 0
    (lib / "sources.toml").write_text('[documents."plan.pdf"]\npublisher = "Exempelby kommun"\n', "utf-8")
    result = runner.invoke(main, ["ingest", str(lib), "--index", str(idx), "--model", "hash"])
    assert result.exit_code == 0, result.output
    assert "2 unchanged" in result.stderr and "0 passages embedded" in result.stderr
    assert "Metadata updated, not embedded again: plan.pdf (publisher)" in result.stderr
    searched = runner.invoke(main, ["search", "utsläpp", "--publisher", "Exempelby", "--index", str(idx), "--json"])
    assert searched.exit_code == 0 and json.loads(searched.stdout.splitlines()[0])["doc_id"] == "plan.pdf"

    text = runner.invoke(main, ["info", "--index", str(idx), "--doc", "plan.pdf"]).stdout
    assert "title: Klimatplan för Exempelby kommun 2030  (from first heading)" in text
    assert "publisher: Exempelby kommun  (from sources.toml)" in text
    listing = json.loads(runner.invoke(main, ["info", "--index", str(idx), "--json"]).stdout)
    origins = {d["doc_id"]: d["origins"] for d in listing["documents"]}
    assert origins == {
        "notis.md": {"title": "first heading"},
        "plan.pdf": {"publisher": "sources.toml", "title": "first heading"},
    }
    one = json.loads(runner.invoke(main, ["info", "--index", str(idx), "--doc", "plan.pdf", "--json"]).stdout)
    assert ORIGIN not in one["extraction"] and one["origins"]["publisher"] == "sources.toml"


PDFS = SHARED / "pdfs"


@pytest.mark.skipif(not (PDFS / "manifest.json").exists(), reason="../shared/pdfs is not here")
def test_real_pdfs_get_their_cover_titles_not_a_section_heading(tmp_path):
    titles = {p.name: read_document(p) for p in sorted(PDFS.glob("sv_*.pdf"))}
    got = {name: (doc.title, doc.report[ORIGIN]["fields"]["title"]) for name, doc in titles.items()}
    assert got["sv_vansbro_energi_klimatplan_rev2013.pdf"][0].startswith("Handlingsplan")  # metadata says 'Bakgrund'
    assert got["sv_olofstrom_handlingsplan_klimat_energi_2023.pdf"] == (
        "Handlingsplan för klimat och energi",
        "first heading",
    )  # metadata says 'Föreskriftens namn'
    assert got["sv_soderkoping_mal_strategier_miljo_klimat_2022.pdf"][0] == (
        "Samordning av mål och strategier för miljö och klimat"
    )
    assert got["sv_klimatkollen_utslappsforandring_kommunerna.pdf"][0].startswith(
        "Utsläppsförändring fossil koldioxid i Sveriges kommuner"
    )
    assert not any(is_section_heading(title) for title, _ in got.values())
    # and correcting one through sources.toml after ingest takes effect without re-embedding
    lib = tmp_path / "pdfs"
    lib.mkdir()
    shutil.copy(PDFS / "sv_vansbro_energi_klimatplan_rev2013.pdf", lib)
    ingest([lib], tmp_path / "idx", HashEncoder(256))
    (lib / "sources.toml").write_text(
        '[documents."sv_vansbro_energi_klimatplan_rev2013.pdf"]\npublisher = "Vansbro kommun"\nyear = 2013\n', "utf-8"
    )
    report = ingest([lib], tmp_path / "idx", HashEncoder(256))
    assert report.metadata_updated == [("sv_vansbro_energi_klimatplan_rev2013.pdf", ["publisher", "year"])]


def test_title_origins_in_swedish_for_the_sources_page():
    from scan.metadata import title_origin_sv

    assert title_origin_sv({"fields": {"title": "first heading"}}) == "första rubriken"
    assert title_origin_sv({"fields": {"title": "file name"}}) == "filnamnet"
    assert title_origin_sv({}) == ""
