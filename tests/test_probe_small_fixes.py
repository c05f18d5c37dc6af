"""Small things the new-user probes of 2026-11-28 tripped on: a batch size of 0, a bookmark of /?q=…, and the
evidence page opened without a document."""

from __future__ import annotations

from fastapi.testclient import TestClient

from scan.web import create_app


def test_ingest_refuses_a_batch_size_under_one_before_any_work(run, mini, tmp_path):
    result = run("ingest", mini, "--index", tmp_path / "new", "--batch-size", "0")
    assert result.exit_code == 1 and "--batch-size 0" in result.stderr and "Fix:" in result.stderr
    assert "Traceback" not in result.output and not (tmp_path / "new").exists()


def test_the_front_page_keeps_a_question_in_its_redirect_and_the_evidence_page_asks_for_a_document(idx):
    client = TestClient(create_app(idx), raise_server_exceptions=False)
    try:
        r = client.get("/", params={"q": "tillit"}, follow_redirects=False)
        assert r.status_code in (302, 307) and r.headers["location"] == "/sok?q=tillit"
        assert client.get("/", follow_redirects=False).headers["location"] == "/sok"
        page = client.get("/oversikt/belagg")
        assert page.status_code == 400 and "inget dokument valt" in page.text
        assert "finns inte i indexet" not in page.text
        assert client.get("/oversikt/belagg", params={"doc": "finns-inte.md", "trend": 1}).status_code == 404
    finally:
        client.app.state.jobs.close()
