"""Facets, grouping, the trend filter, downloads and Kopiera data on the web pages (TestClient;
the browser test is in test_browser.py)."""

import html
import io
import re
import shutil
import time

import docx
import openpyxl
import pytest
from conftest import FIXTURES
from fastapi.testclient import TestClient

from scan.embed import HashEncoder
from scan.ingest import ingest
from scan.web import create_app

TAXONOMY = FIXTURES / "mini-trends.toml"
QUERY = "rekrytera undersköterskor och parkering"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("web")
    shutil.copytree(FIXTURES / "mini", root / "mini")
    ingest([root / "mini"], root / "idx", HashEncoder(256))
    app = create_app(root / "idx", TAXONOMY)
    yield TestClient(app, raise_server_exceptions=False)
    app.state.jobs.close()


def count_of(page: str, name: str, value: str) -> int:
    m = re.search(rf'name="{name}" value="{re.escape(value)}"[^>]*> [^<]*<span class="count">\((\d+)\)', page)
    assert m, f"no facet {name}={value}"
    return int(m.group(1))


def test_facets_with_counts_and_several_values(client):
    r = client.get("/sok", params={"q": QUERY})
    assert r.status_code == 200
    assert count_of(r.text, "doc", "analys.md") == 5 and count_of(r.text, "doc", "parkering.txt") == 1
    assert count_of(r.text, "publisher", "Testby kommun") == 5 and count_of(r.text, "year", "2023") == 1
    assert count_of(r.text, "language", "sv") == 6
    assert count_of(r.text, "trend", "1") + count_of(r.text, "trend", "2") <= 6
    r = client.get("/sok", params=[("q", QUERY), ("publisher", "Testby kommun"), ("publisher", "Testby gatukontor")])
    assert r.status_code == 200 and r.text.count('class="hit"') == 6
    assert r.text.count('name="publisher" value="Testby kommun" checked') == 1
    r = client.get("/sok", params=[("q", QUERY), ("doc", "parkering.txt")])
    assert r.text.count('class="hit"') == 1 and "Nya parkeringsavgifter" in r.text
    r = client.get("/sok", params=[("q", QUERY), ("trend", "1")])
    assert r.status_code == 200 and 0 < r.text.count('class="hit"') < 6
    assert r.text.count("trend: Kompetensförsörjning") == r.text.count('class="hit"')
    r = client.get("/sok", params=[("q", QUERY), ("trend", "9")])
    assert r.status_code == 400 and "trend 9 finns inte" in r.text


def test_group_by_document(client):
    r = client.get("/sok", params={"q": QUERY, "group": "dokument"})
    sections = re.findall(r'<section class="doc-group" aria-label="([^"]+)">(.*?)</section>', r.text, re.S)
    assert [title for title, _ in sections] == ["Omvärldsanalys för Testby", "Nya parkeringsavgifter"]
    assert [body.count('class="hit"') for _, body in sections] == [5, 1]
    assert "5 träffar" in sections[0][1] and 'id="group" checked' in r.text


def test_kopiera_buttons_carry_the_text_and_its_citation(client):
    r = client.get("/sok", params={"q": "rekrytera undersköterskor", "k": 1})
    data = html.unescape(re.search(r'data-copy="([^"]+)"', r.text).group(1))
    assert data.startswith("”Kommunen har svårt att rekrytera undersköterskor")
    assert data.endswith("(Omvärldsanalys för Testby. Testby kommun, 2024, s. 4, avsnitt ”Kompetensförsörjning”)")
    r = client.get("/citat", params={"claim": "kommunen har svårt att rekrytera undersköterskor"})
    copies = [html.unescape(d) for d in re.findall(r'data-copy="([^"]+)"', r.text)]
    assert copies and len(copies) == r.text.count('class="quote"')
    assert all(c.startswith("”") and "Testby" in c for c in copies)


def test_downloads_hold_what_the_page_shows(client):
    r = client.get("/sok", params={"q": QUERY, "k": 4})
    link = html.unescape(re.search(r'href="(/sok/export\.xlsx\?[^"]+)"', r.text).group(1))
    titles = re.findall(r'class="hit">\s*<div class="cite"><strong>\d+\.</strong> ([^,<·]+)', r.text)
    shown = [html.unescape(t).strip() for t in titles]
    x = client.get(link)
    assert x.status_code == 200 and x.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert "attachment" in x.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(x.content))["Träffar"]
    assert [row[3].value for row in sheet.iter_rows(min_row=2)] == shown and len(shown) == 4
    d = client.get(link.replace("export.xlsx", "export.docx"))
    paragraphs = [p.text for p in docx.Document(io.BytesIO(d.content)).paragraphs]
    assert paragraphs[0] == f"Sökträffar: ”{QUERY}”" and sum(p.startswith("”") for p in paragraphs) == 4
    c = client.get(link.replace("export.xlsx", "export.csv"))
    assert c.headers["content-type"].startswith("text/csv") and c.text.count("\n") == 5
    assert client.get(link.replace("export.xlsx", "export.exe")).status_code == 404

    r = client.get("/citat", params={"claim": "kommunen har svårt att rekrytera undersköterskor", "in_trend": "1"})
    link = html.unescape(re.search(r'href="(/citat/export\.docx\?[^"]+)"', r.text).group(1))
    paragraphs = [p.text for p in docx.Document(io.BytesIO(client.get(link).content)).paragraphs]
    assert paragraphs[0] == "Citat: kommunen har svårt att rekrytera undersköterskor"
    assert sum(p.startswith("”") for p in paragraphs) == r.text.count('class="quote"') > 0


def test_classification_download(client):
    r = client.post("/klassificera", data={"text": "Kommunen måste rekrytera fler undersköterskor och lärare."})
    deadline = time.monotonic() + 120
    while 'id="job"' in r.text and time.monotonic() < deadline:
        time.sleep(0.1)
        r = client.get(str(r.url))
    link = re.search(r'href="(/klassificera/jobb/[^"]+/export\.xlsx)"', r.text).group(1)
    book = openpyxl.load_workbook(io.BytesIO(client.get(link).content))
    rows = [[c.value for c in row] for row in book["Trender"].iter_rows(min_row=2)]
    assert rows[0][1:3] == [1, "Kompetensförsörjning"] and rows[0][4] == "ja"
    assert client.get("/klassificera/jobb/finns-inte/export.xlsx").status_code == 404
