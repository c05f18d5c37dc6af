import io
import shutil
import time

import pytest
from conftest import FIXTURES
from fastapi.testclient import TestClient
from pdfgen import make_pdf

from scan.embed import HashEncoder
from scan.errors import ScanError
from scan.ingest import ingest
from scan.web import create_app, sniff

TAXONOMY = FIXTURES / "mini-trends.toml"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """One app (and one classification worker) for the module: no test here changes the index."""
    root = tmp_path_factory.mktemp("web")
    shutil.copytree(FIXTURES / "mini", root / "mini")
    ingest([root / "mini"], root / "idx", HashEncoder(256))
    app = create_app(root / "idx", TAXONOMY, max_upload_mb=1)
    yield app, root / "mini"
    app.state.jobs.close()


@pytest.fixture
def client(served):
    return TestClient(served[0], raise_server_exceptions=False)


def classify(client, **kwargs):
    """POST to /klassificera and follow the job's page until it is done (the first job starts the worker)."""
    r = client.post("/klassificera", **kwargs)
    deadline = time.monotonic() + 120
    while 'id="job"' in r.text and time.monotonic() < deadline:
        time.sleep(0.1)
        r = client.get(str(r.url))
    return r


def test_search_shows_hits_with_citations_and_highlighted_terms(client):
    r = client.get("/sok", params={"q": "rekrytera undersköterskor"})
    assert r.status_code == 200 and 'lang="sv"' in r.text
    assert r.text.count('class="hit"') >= 1
    assert "Omvärldsanalys för Testby, s. 4 · Kompetensförsörjning" in r.text
    assert "<mark>undersköterskor</mark>" in r.text and "<mark>rekrytera</mark>" in r.text
    assert "Hänvisar till: SKR, Rekryteringsrapport 2020" in r.text


def test_search_filters_and_their_errors_in_swedish(client):
    r = client.get("/sok", params={"q": "avgift parkering", "publisher": "Testby gatukontor"})
    assert r.status_code == 200 and "Nya parkeringsavgifter" in r.text and "Omvärldsanalys för Testby," not in r.text
    r = client.get("/sok", params={"q": "avgift", "publisher": "Finns inte"})
    assert r.status_code == 400 and "inget dokument matchar filtret (publisher: Finns inte)" in r.text
    assert "giltiga värden: Testby gatukontor, Testby kommun" in r.text
    r = client.get("/sok", params={"q": "avgift", "year": "förra året"})
    assert r.status_code == 400 and "året måste vara ett tal" in r.text


def test_classify_pasted_text_shows_the_profile_and_evidence(client):
    r = classify(client, data={"text": "Kommunen måste rekrytera fler undersköterskor och lärare."})
    assert r.status_code == 200
    assert 'id="trendprofil"' in r.text and "Huvudtrend: <strong>1. Kompetensförsörjning</strong>" in r.text
    assert "Belägg för 1. Kompetensförsörjning" in r.text


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    document.add_heading("Rapport", 1)
    document.add_paragraph(text)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize("name", ["rapport.pdf", "rapport.docx", "rapport.md", "rapport.txt"])
def test_classify_uploads_of_each_kind(client, name):
    text = "Kommunen måste rekrytera fler undersköterskor och lärare."
    data = make_pdf([[text]]) if name.endswith(".pdf") else _docx(text) if name.endswith(".docx") else text.encode()
    r = classify(client, files={"file": (name, data, "application/octet-stream")})
    # titled as the CLI titles a file: its name without the extension
    assert r.status_code == 200 and "<h2>rapport</h2>" in r.text and "Kompetensförsörjning</strong>" in r.text


@pytest.mark.parametrize(
    "name, data, message",
    [
        ("bild.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "filen är inte en text, PDF, Word eller Markdown"),
        ("rapport.docx", b"PK\x03\x04rest-of-a-zip", "Word-filen går inte att läsa"),
        ("arkiv.zip", b"PK\x03\x04rest-of-a-zip", "filen är ett zip-arkiv"),
        ("trasig.pdf", b"%PDF-1.4 nothing more", "PDF-filen går inte att läsa"),
        ("tom.txt", b"", "filen är tom"),
        ("latin1.txt", "Välfärd".encode("latin-1"), "texten är inte kodad som UTF-8"),
    ],
)
def test_bad_uploads_get_a_clear_swedish_error_on_the_page(client, name, data, message):
    r = classify(client, files={"file": (name, data, "application/octet-stream")})
    assert r.status_code == 400 and message in r.text and 'role="alert"' in r.text
    assert "Traceback" not in r.text and "/tmp/" not in r.text


def test_upload_size_is_limited(client):
    big = b"Kommunen rekryterar. " * 60_000  # 1.2 MB, over the 1 MB limit of this app
    r = classify(client, files={"file": ("stor.txt", big, "text/plain")})
    assert r.status_code == 413 and "större än 1 MB" in r.text


def test_upload_name_cannot_reach_outside_and_nothing_is_written_to_the_corpus(client, served, tmp_path):
    mini = served[1]
    before = sorted(p.name for p in mini.iterdir())
    target = tmp_path / "evil.txt"
    name = "../" * 12 + str(target).lstrip("/")
    r = classify(client, files={"file": (name, "Kommunen rekryterar undersköterskor.".encode(), "text/plain")})
    assert r.status_code == 200 and not target.exists()
    assert sorted(p.name for p in mini.iterdir()) == before
    assert "<h2>evil</h2>" in r.text  # only the base name is shown (without its extension)


def test_unexpected_errors_show_a_message_not_a_stack_trace(client, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("internal detail")

    monkeypatch.setattr("scan.crosslingual.dense_candidates", boom)
    r = client.get("/sok", params={"q": "tillit"})
    assert r.status_code == 500 and "något gick fel" in r.text
    assert "internal detail" not in r.text and "Traceback" not in r.text


def test_quotes_page_with_markdown_to_copy(client):
    r = client.get("/citat", params={"claim": "kommunen har svårt att rekrytera undersköterskor"})
    assert r.status_code == 200 and r.text.count('class="quote"') >= 1
    assert 'id="copy-md"' in r.text and "Kopiera som Markdown" in r.text
    assert "[^1]: *Omvärldsanalys för Testby*. Testby kommun, 2024," in r.text
    r = client.get("/citat", params={"trend": "2"})
    assert r.status_code == 200 and "## Trend 2: Tillit och segregation" in r.text
    r = client.get("/citat", params={"claim": "tillit"})
    assert r.status_code == 400 and "påståendet är för kort" in r.text


def test_sources_page_lists_documents_and_the_reference_list(client):
    r = client.get("/kallor")
    assert r.status_code == 200 and "Omvärldsanalys för Testby" in r.text and "Nya parkeringsavgifter" in r.text
    assert "Rekryteringsrapport 2020" in r.text and "1, 2" in r.text
    assert "utan anmärkning" in r.text  # the extraction report column


def test_no_asset_is_loaded_from_the_net(client):
    for path in ("/sok", "/klassificera", "/citat", "/kallor"):
        html = client.get(path).text
        html = html.replace('<link rel="icon" href="data:,">', "")  # an inline icon: nothing is loaded
        assert "<script src" not in html and "<link" not in html and "@import" not in html


def test_sniffing_is_by_content_not_name():
    assert sniff(b"%PDF-1.7 ...", "rapport.txt") == ".pdf"
    assert sniff(b"# Rubrik\n\ntext", "rapport.md") == ".md"
    with pytest.raises(ScanError, match="heter .pdf men är ingen PDF"):  # not read as text: a wrong result
        sniff(b"ren text", "rapport.pdf")
