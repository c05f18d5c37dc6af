"""What a strategist trips over on the web page, checked without a browser: the document page names
the document's kind in Swedish (as Källor does), and every page declares its icon so the browser
does not ask for /favicon.ico (a 404 that shows as an error in the browser's console)."""

import re
import shutil
import time

import pytest
from conftest import FIXTURES
from fastapi.testclient import TestClient

from scan.embed import HashEncoder
from scan.ingest import ingest
from scan.web import create_app

TAXONOMY = FIXTURES / "mini-trends.toml"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("webuser")
    shutil.copytree(FIXTURES / "mini", root / "mini")
    ingest([root / "mini"], root / "idx", HashEncoder(256))
    app = create_app(root / "idx", TAXONOMY)
    yield TestClient(app, raise_server_exceptions=False)
    app.state.jobs.close()


def test_the_document_page_names_the_kind_in_swedish(client):
    analysis = client.get("/dokument/analys.md").text
    line = re.search(r'<p class="cite">(.*?)</p>', analysis, re.S).group(1)
    assert "Testby kommun · 2024 · analys · " in line and "analysis" not in line
    notice = client.get("/dokument/parkering.txt").text
    line = re.search(r'<p class="cite">(.*?)</p>', notice, re.S).group(1)
    assert " · meddelande · " in line and "notice" not in line


@pytest.mark.parametrize(
    "path",
    [
        "/sok",
        "/sok?q=rekrytera",
        "/citat",
        "/klassificera",
        "/kallor",
        "/oversikt",
        "/dokument/analys.md",
        "/finns-inte",
    ],
)
def test_every_page_declares_its_icon_so_the_browser_asks_for_no_favicon(client, path):
    html = client.get(path).text
    assert re.search(r'<link rel="icon" href="data:[^"]*">', html), path


@pytest.mark.parametrize(
    "name, message",
    [("rapport.pdf", "filen heter .pdf men är ingen PDF"), ("Rapport.DOCX", "filen heter .docx men är ingen Word-fil")],
)
def test_a_report_named_pdf_or_word_that_holds_plain_text_is_refused_not_classified(client, name, message):
    # was: read as text and shown as a result ("Ingen trend", säkerhet 100 %), as if the report had been read
    r = client.post("/klassificera", files={"file": (name, b"not a report at all", "application/octet-stream")})
    assert r.status_code == 400 and message in r.text and 'role="alert"' in r.text
    assert "Ingen trend</strong>" not in r.text and "<h2>" not in r.text


def test_evidence_of_a_text_without_pages_starts_with_its_heading_not_a_separator(client):
    text = "# Plan\n\nKommunen måste rekrytera fler undersköterskor och lärare till äldreomsorgen och skolan.\n"
    r = client.post("/klassificera", files={"file": ("plan.md", text.encode(), "text/markdown")})
    deadline = time.monotonic() + 120
    while 'id="job"' in r.text and time.monotonic() < deadline:  # the job's page until it is done
        time.sleep(0.1)
        r = client.get(str(r.url))
    assert r.status_code == 200
    cites = re.findall(r'<p class="cite">([^<]*)', r.text.split('aria-label="Resultat"')[1])
    assert cites and all(not c.lstrip().startswith("·") for c in cites), cites
    assert any(c.startswith("Plan · sannolikhet ") for c in cites), cites


def test_one_hit_is_one_traff_not_one_traffar(client):
    one = client.get("/sok", params={"q": "parkeringsavgifter", "doc": "parkering.txt"}).text
    assert re.search(r'id="traffar"[^>]*>1 träff för ”parkeringsavgifter”', one)
    many = client.get("/sok", params={"q": "parkeringsavgifter"}).text
    assert re.search(r'id="traffar"[^>]*>\d+ träffar för', many) and ">1 träff för" not in many


def test_a_keyboard_user_can_skip_the_filters_to_the_hits(client):
    html = client.get("/sok", params={"q": "rekrytera undersköterskor"}).text
    skip = html.find('<a class="skip" href="#traffar">')
    assert 0 < skip < html.find('type="checkbox" name="publisher"')  # before the first filter it skips
    assert html.find('id="traffar" tabindex="-1"') > html.find("</form>")  # the target: the hit count
    assert "Hoppa förbi filtren" not in client.get("/sok", params={"q": "  "}).text  # no hits: nothing to skip to
