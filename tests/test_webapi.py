"""The JSON HTTP API: the same objects as the CLI's --json, Swedish errors as JSON, an OpenAPI
description that leaves the pages out."""

import json
import shutil
import time

import pytest
from click.testing import CliRunner
from conftest import FIXTURES
from fastapi.testclient import TestClient
from pdfgen import make_pdf

from scan.cli import main
from scan.embed import HashEncoder
from scan.ingest import ingest
from scan.web import create_app

TAXONOMY = FIXTURES / "mini-trends.toml"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    root = tmp_path_factory.mktemp("api")
    shutil.copytree(FIXTURES / "mini", root / "mini")
    ingest([root / "mini"], root / "idx", HashEncoder(256))
    app = create_app(root / "idx", TAXONOMY, max_upload_mb=1)
    yield app, root / "idx"
    app.state.jobs.close()


@pytest.fixture
def client(served):
    return TestClient(served[0], raise_server_exceptions=False)


def cli_json(*args) -> list[dict]:
    result = CliRunner().invoke(main, list(args))
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines() if line.strip()]


def test_search_gives_the_same_hits_as_the_cli_json(client, served):
    r = client.get("/api/search", params={"q": "rekrytera undersköterskor", "k": 3})
    assert r.status_code == 200 and r.headers["content-type"].startswith("application/json")
    body = r.json()
    cli = cli_json("search", "rekrytera undersköterskor", "-k", "3", "--index", str(served[1]), "--json")
    assert body["hits"] == cli and body["hits"][0]["doc_id"] == "analys.md"
    assert {"rank", "score", "doc_id", "title", "page", "heading", "text", "passage_id", "cites"} <= set(cli[0])


def test_search_filters_and_modes(client, served):
    r = client.get("/api/search", params={"q": "avgift parkering", "publisher": "gatukontor", "mode": "keyword"})
    hits = r.json()["hits"]
    assert r.status_code == 200 and hits and {h["doc_id"] for h in hits} == {"parkering.txt"}
    assert all(h["retriever"] == "keyword" for h in hits)
    both = client.get("/api/search", params=[("q", "avgift"), ("doc", "parkering.txt"), ("doc", "analys.md")])
    assert both.status_code == 200


@pytest.mark.parametrize(
    "params, status, message",
    [
        ({"q": ""}, 400, "sökfrågan är tom"),
        ({"q": "avgift", "publisher": "Finns inte"}, 400, "inget dokument matchar filtret (publisher: Finns inte)"),
        ({"q": "avgift", "k": "abc"}, 422, "värdet för ”k” måste vara ett heltal"),
        ({"q": "avgift", "mode": "snabb"}, 422, "värdet för ”mode”"),
        ({}, 422, "värdet för ”q” måste vara ifyllt"),
    ],
)
def test_search_errors_are_json_in_swedish(client, params, status, message):
    r = client.get("/api/search", params=params)
    assert r.status_code == status and r.headers["content-type"].startswith("application/json")
    error = r.json()["error"]
    assert error["status"] == status and message in error["message"]


def test_quotes_give_the_same_quotes_as_the_cli_json(client, served):
    claim = "Kommunen har svårt att rekrytera undersköterskor"
    r = client.get("/api/quotes", params={"claim": claim, "k": 3})
    assert r.status_code == 200
    cli = cli_json("quotes", claim, "-k", "3", "--index", str(served[1]), "--json")
    assert r.json()["quotes"] == cli and cli and cli[0]["text"]
    by_trend = client.get("/api/quotes", params={"trend": 1, "k": 2})
    assert by_trend.status_code == 200 and by_trend.json()["quotes"]
    assert client.get("/api/quotes", params={"trend": 99}).json()["error"]["message"] == "trend 99 finns inte"
    neither = client.get("/api/quotes")
    assert neither.status_code == 400 and "påstående" in neither.json()["error"]["message"]
    short = client.get("/api/quotes", params={"claim": "tillit"})
    assert short.status_code == 400 and "minst tre ord" in short.json()["error"]["message"]


def test_documents_are_listed_as_in_scan_info(client, served):
    body = client.get("/api/documents").json()
    info = cli_json("info", "--index", str(served[1]), "--json")[0]
    assert body["documents"] == info["documents"] and body["passages"] == info["passages"]
    one = client.get("/api/documents/analys.md")
    assert one.status_code == 200
    assert one.json() == cli_json("info", "--doc", "analys.md", "--index", str(served[1]), "--json")[0]
    missing = client.get("/api/documents/finns-inte.pdf")
    assert missing.status_code == 404 and "finns inte i indexet" in missing.json()["error"]["message"]


def _classified(client, r):
    deadline = time.monotonic() + 120
    while r.status_code == 202 and time.monotonic() < deadline:
        time.sleep(0.2)
        r = client.get(r.json()["status_url"])
    return r


def test_classify_text_json_and_file_give_the_cli_fields(client, tmp_path, served):
    text = "Kommunen måste rekrytera fler undersköterskor och lärare för att klara kompetensförsörjningen."
    r = _classified(client, client.post("/api/classify", json={"text": text}, params={"wait": 30}))
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["label"] == 1 and body["title"] == "Inklistrad text"
    (tmp_path / "rapport.md").write_text(text, encoding="utf-8")
    cli = cli_json(
        "classify", str(tmp_path / "rapport.md"), "--index", str(served[1]), "--trends", str(TAXONOMY), "--json"
    )[0]
    assert set(body) == set(cli) and body["scores"] == cli["scores"] and body["none"] == cli["none"]

    pdf = make_pdf([[text]])
    r = _classified(client, client.post("/api/classify", files={"file": ("plan.pdf", pdf, "application/pdf")}))
    assert r.status_code == 200 and r.json()["title"] == "plan" and r.json()["label"] == 1
    form = _classified(client, client.post("/api/classify", data={"text": text}))
    assert form.status_code == 200 and form.json()["scores"] == body["scores"]


def test_a_slow_classification_answers_202_with_its_job_then_the_result(client):
    text = "Kommunen måste rekrytera fler undersköterskor. " * 50
    r = client.post("/api/classify", json={"text": text}, params={"wait": 0})
    assert r.status_code == 202 and r.json()["state"] in ("queued", "running", "done")
    assert r.json()["status_url"] == f"/api/classify/{r.json()['job']}"
    done = _classified(client, r)
    assert done.status_code == 200 and "scores" in done.json()
    gone = client.get("/api/classify/no-such-job")
    assert gone.status_code == 404 and gone.json()["error"]["message"] == "klassificeringen finns inte (längre)"


@pytest.mark.parametrize(
    "kwargs, status, message",
    [
        ({"json": {"text": ""}}, 400, "skicka en fil"),
        ({"json": ["a"]}, 400, "JSON-kroppen"),
        ({"content": b"{not json", "headers": {"content-type": "application/json"}}, 400, "JSON-kroppen"),
        ({"files": {"file": ("x.bin", b"\x00\x01\x02" * 100, "application/octet-stream")}}, 400, "inte en text"),
        ({"files": {"file": ("big.txt", b"a " * 700_000, "text/plain")}}, 413, "större än 1 MB"),
    ],
)
def test_classify_errors_are_json_in_swedish(client, kwargs, status, message):
    r = client.post("/api/classify", **kwargs)
    assert r.status_code == status and message in r.json()["error"]["message"], r.text
    assert "scan-upload" not in r.text


def test_unknown_api_paths_and_methods_are_json_pages_stay_html(client):
    r = client.get("/api/finns-inte")
    assert r.status_code == 404 and r.json()["error"]["message"] == "det finns ingen sida med den adressen"
    r = client.delete("/api/search")
    assert r.status_code == 405 and r.json()["error"]["status"] == 405
    page = client.get("/finns-inte")
    assert page.status_code == 404 and page.headers["content-type"].startswith("text/html")
    assert "Sidan finns inte" in page.text and "detail" not in page.text


def test_openapi_describes_the_api_and_not_the_pages(client):
    r = client.get("/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    paths = set(spec["paths"])
    assert {"/api/search", "/api/quotes", "/api/classify", "/api/documents", "/api/documents/{doc_id}"} <= paths
    assert all(p.startswith("/api/") for p in paths)  # no /sok, /citat, /klassificera …
    params = {p["name"] for p in spec["paths"]["/api/search"]["get"]["parameters"]}
    assert {"q", "k", "mode", "doc", "publisher", "year", "kind"} <= params
    assert "multipart/form-data" in spec["paths"]["/api/classify"]["post"]["requestBody"]["content"]
    assert client.get("/docs").status_code == 404 and client.get("/api/docs").status_code == 404  # no CDN pages


def test_an_unexpected_failure_is_a_swedish_500_page_and_json_under_api(served, monkeypatch):
    import scan.search

    def broken(*args, **kwargs):
        raise RuntimeError("internal detail that must not leak")

    monkeypatch.setattr(scan.search, "search", broken)
    app = create_app(served[1], TAXONOMY)  # looks the search function up as it is made
    client = TestClient(app, raise_server_exceptions=False)
    page = client.get("/sok", params={"q": "avgift"})
    assert page.status_code == 500 and "något gick fel i scan" in page.text and "internal detail" not in page.text
    api = client.get("/api/search", params={"q": "avgift"})
    assert (
        api.status_code == 500 and api.json()["error"]["message"] == "något gick fel i scan; felet är loggat på servern"
    )
    assert "internal detail" not in api.text and api.headers["x-frame-options"] == "DENY"
