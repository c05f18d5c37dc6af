"""Polish of the pages without a browser: Swedish numbers, Swedish 404/405 pages for every unknown
address, no model jargon, and the report's chart given as a table too."""

import re
import shutil

import pytest
from conftest import FIXTURES
from fastapi.testclient import TestClient

from scan.embed import HashEncoder
from scan.ingest import ingest
from scan.numbers import decimal, integer, percent
from scan.web import create_app

TAXONOMY = FIXTURES / "mini-trends.toml"


def test_numbers_are_written_the_swedish_way():
    assert decimal(0.1234, 3) == "0,123" and decimal(2.5, 1) == "2,5" and decimal(-0.05, 2) == "-0,05"
    assert integer(1234567) == "1\u00a0234\u00a0567" and integer(7) == "7" and integer(2.6) == "3"
    assert percent(0.531) == "53\u00a0%" and percent(1) == "100\u00a0%" and percent(0.1234, 1) == "12,3\u00a0%"
    assert decimal(None) == integer(None) == percent(None) == ""


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("polish")
    shutil.copytree(FIXTURES / "mini", root / "mini")
    ingest([root / "mini"], root / "idx", HashEncoder(256))
    app = create_app(root / "idx", TAXONOMY)
    yield TestClient(app, raise_server_exceptions=False)
    app.state.jobs.close()


@pytest.mark.parametrize(
    "path", ["/finns-inte", "/sok/extra", "/kallor/x/y", "/%E2%82%AC", "/klassificera/jobb/okand", "/favicon.ico"]
)
def test_every_unknown_address_is_a_swedish_404_page(client, path):
    r = client.get(path)
    assert r.status_code == 404 and r.headers["content-type"].startswith("text/html")
    assert 'lang="sv"' in r.text and "finns" in r.text and '"detail"' not in r.text and "Not Found" not in r.text


def test_a_wrong_method_is_a_swedish_405_page(client):
    r = client.post("/kallor")
    assert r.status_code == 405 and "Fel sorts begäran" in r.text and "Method Not Allowed" not in r.text


def test_pages_carry_no_model_jargon_and_swedish_numbers(client):
    kallor = client.get("/kallor").text
    assert "inbäddade" not in kallor and "hash-256" not in kallor
    assert re.search(r"Indexet innehåller \d+ dokument och [\d\u00a0]+ textavsnitt\.", kallor)
    sok = client.get("/sok", params={"q": "rekrytera undersköterskor"}).text
    scores = re.findall(r"poäng ([^<\s]+)", sok)
    assert scores and all(re.fullmatch(r"-?\d+,\d{3}", s) for s in scores)
    assert ", s. 4" in sok


def test_the_report_gives_the_chart_as_a_table_with_swedish_percentages(tmp_path):
    from scan.classify import classify_document
    from scan.parse import read_document
    from scan.report import render_report
    from scan.store import Index
    from scan.taxonomy import load_taxonomy
    from scan.trends import load_or_train

    shutil.copytree(FIXTURES / "mini", tmp_path / "mini")
    encoder = HashEncoder(256)
    ingest([tmp_path / "mini"], tmp_path / "idx", encoder)
    taxonomy = load_taxonomy(TAXONOMY)
    index = Index.open(tmp_path / "idx")
    try:
        model = load_or_train(index, encoder, taxonomy)
        (tmp_path / "r.md").write_text("Kommunen måste rekrytera fler undersköterskor och lärare.\n", "utf-8")
        result = classify_document(read_document(tmp_path / "r.md"), model, encoder, taxonomy)
    finally:
        index.close()
    html = render_report([result], taxonomy)
    assert "<caption>Trendprofil för" in html and html.count('<th scope="row">') == len(taxonomy.trends) + 1
    assert re.search(r"<td>\d+\u00a0%</td>", html) and not re.search(r"\d %", html.replace("\u00a0", "~"))


def test_kallor_says_where_each_title_came_from(client):
    kallor = client.get("/kallor").text
    assert kallor.count("titel från sources.toml") == 2  # both documents of the mini corpus are listed there
