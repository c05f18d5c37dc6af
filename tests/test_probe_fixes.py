"""What a new user's probe of scan found (notes: probe.md): one test per fix."""

from __future__ import annotations

import csv as csv_module
import io
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
