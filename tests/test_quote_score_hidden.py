"""A quote's ranking score (cosine to the claim plus a share of its passage's score) has no scale a reader
can use, so the text output and the web page do not show it; JSON, CSV and the exports keep it for
ordering (README, `scan quotes`)."""

from __future__ import annotations

import json
import re

from fastapi.testclient import TestClient

from scan.web import create_app

CLAIM = "rekrytera undersköterskor till äldreomsorgen"


def test_quotes_text_output_shows_no_ranking_score_but_json_keeps_it(run, idx):
    data = run("quotes", CLAIM, "--json", "--index", str(idx))
    scores = [json.loads(line)["score"] for line in data.stdout.splitlines()]
    assert scores
    text = run("quotes", CLAIM, "--index", str(idx)).stdout
    assert "”" in text and re.search(r"stöder|nämner|kan motsäga", text)
    for score in scores:  # no score in any printed form: [1.019], 1.019, 1,019
        assert f"{score:.3f}" not in text and f"{score:.3f}".replace(".", ",") not in text


def test_the_citat_page_shows_no_ranking_score(idx):
    client = TestClient(create_app(idx), raise_server_exceptions=False)
    try:
        page = client.get("/citat", params={"claim": CLAIM}).text
        assert 'class="quote"' in page and "Kopiera" in page
        assert "poäng" not in page
    finally:
        client.app.state.jobs.close()
