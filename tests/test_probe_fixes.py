"""What a new user's probe of scan found (notes: probe.md): one test per fix."""

from __future__ import annotations

import csv as csv_module
import io
import re
import shutil

import pytest
from conftest import FIXTURES
from fastapi.testclient import TestClient

from scan.embed import HashEncoder
from scan.errors import ScanError
from scan.ingest import ingest
from scan.types import Filters


def test_kind_filter_takes_the_kind_scan_info_shows_and_lists_it_when_refused(index):
    """`scan info` shows a document's file format as its kind ([pdf, …]); --kind takes that as well as
    the document type from sources.toml, and a refusal lists both."""
    docs = {d.doc_id: d for d in index.documents()}
    assert {d.kind for d in docs.values()} == {"markdown", "text"}

    def chosen(kind: str) -> set[str]:
        ids = ",".join(map(str, index.filter_ids(Filters(kind=kind))))
        return {row[0] for row in index.db.execute(f"SELECT DISTINCT doc_id FROM passages WHERE id IN ({ids})")}

    assert chosen("text") == {"parkering.txt"}
    assert chosen("Markdown") == {"analys.md"}  # as info shows it, in any case
    assert chosen("analysis") == {"analys.md"}  # the type from sources.toml
    with pytest.raises(ScanError) as refused:
        index.filter_ids(Filters(kind="pdf"))
    assert refused.value.hint == "valid values: analysis, markdown, notice, text"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from scan.web import create_app

    root = tmp_path_factory.mktemp("probe")
    shutil.copytree(FIXTURES / "mini", root / "mini")
    ingest([root / "mini"], root / "idx", HashEncoder(256))
    app = create_app(root / "idx", FIXTURES / "mini-trends.toml")
    yield TestClient(app, raise_server_exceptions=False)
    app.state.jobs.close()


def test_the_sources_page_gives_each_document_kind_in_swedish(client):
    kallor = client.get("/kallor").text
    assert "<td>analys</td>" in kallor and "<td>meddelande</td>" in kallor
    assert "<td>analysis</td>" not in kallor and "<td>notice</td>" not in kallor


@pytest.mark.parametrize("k", ["0", "-3", "51", "100000"])
def test_the_search_page_and_its_download_refuse_a_k_out_of_range_naming_the_range(client, k):
    """/sok used to change a bad k silently (k=0 gave one hit) where /api/search refused it."""
    for path in ("/sok", "/sok/export.csv"):
        r = client.get(path, params={"q": "rekrytera undersköterskor", "k": k})
        assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
        assert "värdet för ”k” måste vara ett tal från 1 till 50" in r.text


def test_the_search_page_and_its_download_share_their_parameters(client):
    params = {"q": "rekrytera undersköterskor", "k": "1", "doc": "analys.md"}
    page = client.get("/sok", params=params)
    csv = client.get("/sok/export.csv", params=params)
    assert page.status_code == csv.status_code == 200
    rows = list(csv_module.DictReader(io.StringIO(csv.text)))
    assert len(rows) == 1 and rows[0]["doc_id"] == "analys.md"  # k and doc reach the download as the page


def test_the_api_names_the_range_of_k_and_its_hints_name_no_web_page(client):
    for k in ("0", "1000"):
        r = client.get("/api/search", params={"q": "rekrytera", "k": k})
        assert (
            r.status_code == 422 and r.json()["error"]["message"] == "värdet för ”k” måste vara ett tal från 1 till 100"
        )
    for r in (client.get("/api/finns-inte"), client.delete("/api/documents")):
        hint = r.json()["error"]["hint"]
        assert (
            r.status_code in (404, 405) and "/openapi.json" in hint and "menyn" not in hint and "formulär" not in hint
        )
    broken = client.post("/api/classify", content=b"--x\r\nno form", headers={"content-type": "multipart/form-data"})
    assert broken.status_code == 400 and "/openapi.json" in broken.json()["error"]["hint"]
    empty = client.post("/api/classify", json={"text": ""})
    assert empty.status_code == 400 and "multipart/form-data" in empty.json()["error"]["hint"]


def test_an_upload_that_is_no_document_names_word_among_the_accepted_types(client):
    r = client.post("/api/classify", files={"file": ("bild.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "image/png")})
    assert r.status_code == 400 and "Word" in r.json()["error"]["message"] and "Word" in r.json()["error"]["hint"]


def test_an_uploaded_file_is_titled_by_its_name_without_the_extension_as_in_the_cli(client):
    text = "Kommunen måste rekrytera fler undersköterskor och lärare till äldreomsorgen. " * 3
    r = client.post("/api/classify?wait=30", files={"file": ("recept.txt", text.encode(), "text/plain")})
    assert r.status_code == 200 and r.json()["title"] == "recept"


def test_similar_passages_without_a_document_is_a_bad_request_not_a_missing_document(client):
    r = client.get("/liknande")
    assert r.status_code == 400 and "inget dokument" in r.text and "det finns inget dokument" not in r.text


def test_the_web_scanner_reloads_the_trend_model_when_an_ingest_makes_a_new_generation_live(mini, tmp_path, encoder):
    from scan.store import Index
    from scan.trends import load_or_train
    from scan.web import Scanner

    taxonomy_file = FIXTURES / "mini-trends.toml"
    ingest([mini], tmp_path / "idx", encoder)
    scanner = Scanner(tmp_path / "idx", taxonomy_file, encoder)
    first = scanner.model
    assert scanner.model is first  # kept while its generation is live
    analysis = mini / "analys.md"
    analysis.write_text(
        analysis.read_text("utf-8") + "\n\nKommunen satsar på cykelvägar och kollektivtrafik.\n", "utf-8"
    )
    ingest([mini], tmp_path / "idx", encoder)  # the analysis changed: the trend model learns from it
    second = scanner.model
    index = Index.open(tmp_path / "idx")
    try:
        assert second.key == load_or_train(index, encoder, scanner.taxonomy).key != first.key
    finally:
        index.close()


# ---- PDF titles and headings -------------------------------------------------------------------
def _periodical(pages: int = 4) -> bytes:
    """A journal's notice: a running header with the journal's name, number and section on every
    page, the section name in the largest font on the first page, then the notice's own heading."""
    from test_metadata import BODY, sized_pdf

    first = [(10, "4770 Tidskriften / Nr 12"), (18, "Förslag till regler"), (14, "Luftvärdighetsdirektiv för flygplan")]
    rest = [
        [(10, f"{4770 + n} Tidskriften / Nr 12 / Förslag till regler"), *[(10, t) for t in BODY]]
        for n in range(1, pages)
    ]
    return sized_pdf([[*first, *[(10, t) for t in BODY]], *rest])


def test_a_running_header_in_a_large_font_is_not_the_pdf_title(tmp_path):
    from scan.parse import read_document

    path = tmp_path / "notis.pdf"
    path.write_bytes(_periodical())
    assert read_document(path).title == "Luftvärdighetsdirektiv för flygplan"


def test_a_pdf_title_that_is_also_its_running_header_stays_the_title(tmp_path):
    from test_metadata import BODY, sized_pdf

    from scan.parse import read_document

    for header in ("Klimatplan för Exempelby", "Klimatplan för Exempelby  Sida {n}"):
        pages = [[(24, "Klimatplan för Exempelby"), *[(10, t) for t in BODY]]]
        pages += [[(10, header.format(n=n + 1)), *[(10, t) for t in BODY]] for n in range(1, 4)]
        path = tmp_path / "plan.pdf"
        path.write_bytes(sized_pdf(pages))
        assert read_document(path).title == "Klimatplan för Exempelby"


def test_a_footnote_mark_word_glued_to_a_bookmark_is_not_part_of_the_heading(tmp_path):
    from pdfgen import add_outline, make_pdf

    from scan.parse import read_document

    pages = [
        ["3.1 Globala mål utifrån Agenda 20301", "Nedanstående mål inom Agenda 2030 är de som berör kommunen mest."],
        ["4.1 Stort behov av klimatanpassning4", "Efter en sommar med extremväder behövs fler åtgärder i kommunen."],
    ]
    marks = [("3.1 Globala mål utifrån Agenda 20300F", 0, None), ("4.1 Stort behov av klimatanpassning3F", 1, None)]
    path = tmp_path / "plan.pdf"
    path.write_bytes(add_outline(make_pdf(pages), marks))
    doc = read_document(path)
    headings = {s.heading[-1]: doc.text[s.start : s.end] for s in doc.sections if s.heading}
    assert list(headings) == ["3.1 Globala mål utifrån Agenda 2030", "4.1 Stort behov av klimatanpassning"]
    assert headings["3.1 Globala mål utifrån Agenda 2030"].startswith("Nedanstående")  # the mark "1" is left out
    assert headings["4.1 Stort behov av klimatanpassning"].startswith("Efter")


def test_the_shared_pdfs_get_no_running_header_title_and_no_footnote_marks_in_headings():
    from conftest import SHARED

    from scan.parse import read_document

    pdfs = SHARED / "pdfs"
    if not (pdfs / "en_us_federal_register_2020-17221.pdf").exists():
        pytest.skip("the shared PDFs are not here")
    assert read_document(pdfs / "en_us_federal_register_2020-17221.pdf").title != "Proposed Rules"
    assert read_document(pdfs / "sv_olofstrom_handlingsplan_klimat_energi_2023.pdf").title == (
        "Handlingsplan för klimat och energi"
    )
    doc = read_document(pdfs / "sv_soderkoping_mal_strategier_miljo_klimat_2022.pdf")
    headings = {h for s in doc.sections for h in s.heading}
    assert "3.1 Globala mål utifrån Agenda 2030" in headings
    assert not [h for h in headings if re.search(r"\dF$", h)]


@pytest.mark.parametrize("fmt", ["md", "csv"])
def test_quotes_refuse_json_together_with_another_format(tmp_path, fmt):
    from click.testing import CliRunner

    from scan.cli import main

    r = CliRunner().invoke(main, ["quotes", "Kommunen behöver fler undersköterskor", "--json", "--format", fmt])
    assert r.exit_code == 1 and r.output.splitlines() == [
        f"Error: --json and --format {fmt} ask for two different outputs",
        f"  Fix: use one: --json or --format {fmt}",
    ]
