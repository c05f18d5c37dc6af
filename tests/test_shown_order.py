"""Hits are shown in the order of the relevance shown next to them, numbered 1, 2, 3 … from the
top, the same on every surface (scan.shown): CLI text, --json, exports, the web page, /api.

The fixture index is the mini corpus with the hash encoder, rated by a stand-in for the relevance
model that, like the real one, rates each candidate against the others it is rated with, and
whose relevance order differs from the search's rank order."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest
from click.testing import CliRunner
from conftest import FIXTURES
from fastapi.testclient import TestClient

from scan import relevance
from scan.cli import main
from scan.shown import in_shown_order
from scan.types import Hit, Passage

QUERY = "rekrytera undersköterskor och parkering"
# relevance of the candidates by their place in the search's order (before the cut to k): the
# search's 1st is rated 56, its 3rd 68, …; answers (floor max(50, 68 - 15) = 53): 68, 62, 56
LEVELS = (56.0, 40.0, 68.0, 30.0, 62.0, 45.0)


def _fake_rate(ids, mode, *args, **kwargs):
    """Rated by place, shifted by how many candidates are rated together (as the real model's
    `document` and `bm25` features compare a candidate with the others)."""
    if mode == "keyword":
        return {}
    shift = 0.0 if len(ids) <= relevance.RATE_POOL else -3.0
    return {pid: (LEVELS[i] if i < len(LEVELS) else 20.0) + shift for i, pid in enumerate(ids)}


@pytest.fixture
def rated(monkeypatch):
    monkeypatch.setattr(relevance, "rate", _fake_rate)


def run(*args):
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result


def _hit(rank: int, rel: float | None) -> Hit:
    text = f"Stycke {rank}."
    return Hit(rank, 1.0 - rank / 10, "a.md", "A", Passage("a.md", rank, text, 0, len(text), ("K",)), "hybrid", (), rel)


def test_hits_are_numbered_in_the_order_of_their_relevance():
    hits = [_hit(1, 56.0), _hit(2, 40.0), _hit(3, 68.0), _hit(4, 30.0), _hit(5, 62.0)]
    shown = in_shown_order(hits)
    assert [(h.rank, h.relevance, h.search_rank) for h in shown] == [
        (1, 68.0, 3),
        (2, 62.0, 5),
        (3, 56.0, 1),
        (4, 40.0, 2),
        (5, 30.0, 4),
    ]
    assert in_shown_order(shown) == shown  # idempotent: the search's order is kept in search_rank
    answers, near = relevance.split_hits(shown)
    assert [h.rank for h in answers] == [1, 2, 3] and [h.rank for h in near] == [4, 5]  # numbers run on
    assert [h.to_json()["search_rank"] for h in shown] == [3, 5, 1, 2, 4]
    ties = in_shown_order([_hit(1, 50.0), _hit(2, 70.0), _hit(3, 50.0)])
    assert [h.search_rank for h in ties] == [2, 1, 3]  # equal relevance: the search's order
    keyword = [_hit(1, None), _hit(2, None)]  # no relevance: the search's order
    assert [(h.rank, h.search_rank) for h in in_shown_order(keyword)] == [(1, 1), (2, 2)]


def test_the_fixture_search_ranks_differently_from_relevance(idx, rated):
    """The premise of the tests below: the plain search's rank order is not its relevance order."""
    from scan.embed import HashEncoder
    from scan.search import search
    from scan.store import Index

    index = Index.open(idx)
    hits = search(index, HashEncoder(256), QUERY, k=5)
    index.close()
    assert [h.relevance for h in hits] == list(LEVELS[:5])
    assert [h.rank for h in hits] == [1, 2, 3, 4, 5]


def _cli_text(stdout: str) -> list[tuple[int, int]]:
    """(number, relevance) of each hit printed, top to bottom."""
    return [(int(m[0]), int(m[1])) for m in re.findall(r"^(\d+)\. .*\[relevans (\d+)\]", stdout, re.M)]


def test_cli_text_json_and_exports_show_one_order(idx, rated, tmp_path):
    text = run("search", QUERY, "--index", idx, "-k", "5")
    assert _cli_text(text.stdout) == [(1, 68), (2, 62), (3, 56), (4, 40), (5, 30)]
    assert (
        text.stdout.index("[relevans 56]")
        < text.stdout.index(relevance.NEAR_MISSES)
        < text.stdout.index("[relevans 40]")
    )
    lines = [json.loads(line) for line in run("search", QUERY, "--index", idx, "-k", "5", "--json").stdout.splitlines()]
    assert [(h["rank"], h["relevance"], h["search_rank"]) for h in lines] == [(1, 68.0, 3), (2, 62.0, 5), (3, 56.0, 1)]
    run("search", QUERY, "--index", idx, "-k", "5", "-o", tmp_path / "hits.json")
    exported = [json.loads(line) for line in (tmp_path / "hits.json").read_text(encoding="utf-8").splitlines()]
    assert [(h["rank"], h["relevance"]) for h in exported] == [(1, 68.0), (2, 62.0), (3, 56.0), (4, 40.0), (5, 30.0)]
    run("search", QUERY, "--index", idx, "-k", "5", "-o", tmp_path / "hits.md")
    notes = re.findall(r"relevans (\d+)", (tmp_path / "hits.md").read_text(encoding="utf-8"))
    assert notes == ["68", "62", "56", "40", "30"]
    grouped = run("search", QUERY, "--index", idx, "-k", "5", "--group-by", "document", "--json").stdout
    in_groups = [h for g in map(json.loads, grouped.splitlines()) for h in g["hits"]]
    assert sorted(h["rank"] for h in in_groups) == [1, 2, 3]
    assert all(g["best_rank"] == g["hits"][0]["rank"] for g in map(json.loads, grouped.splitlines()))


def test_facets_do_not_change_the_hits_shown(mini, tmp_path, monkeypatch, rated):
    """--facets rates a pool of 50 for the counts; the hits shown are still those of the plain search
    (which rates 20: in a library of more passages than that, the two ratings differ)."""
    taxonomy = FIXTURES / "mini-trends.toml"
    topics = ("rekrytera personal", "parkering i centrum", "undersköterskor i vården", "skolans lokaler", "bibliotek")
    paragraphs = [f"Stycke {i} om {topics[i % len(topics)]} och annat i kommunen nummer {i}." for i in range(40)]
    sections = [f"## Avsnitt {i}\n\n{text}" for i, text in enumerate(paragraphs)]  # a passage each
    (mini / "mer.md").write_text("# Mer\n\n" + "\n\n".join(sections) + "\n", encoding="utf-8")
    monkeypatch.setenv("SCAN_MODEL", "hash")
    idx = tmp_path / "big"
    run("ingest", mini, "--index", idx)
    plain = run("search", QUERY, "--index", idx, "-k", "5", "--json").stdout.splitlines()
    faceted = run("search", QUERY, "--index", idx, "-k", "5", "--json", "--facets", "--trends", taxonomy)
    assert faceted.stdout.splitlines()[:-1] == plain
    assert "facets" in json.loads(faceted.stdout.splitlines()[-1])


@pytest.fixture
def client(idx, rated):
    from scan.web import create_app

    app = create_app(idx, FIXTURES / "mini-trends.toml")
    yield TestClient(app, raise_server_exceptions=False)
    app.state.jobs.close()


def test_the_web_page_its_download_and_the_api_show_the_cli_order(client, idx):
    cli = _cli_text(run("search", QUERY, "--index", idx, "-k", "5").stdout)
    page = client.get("/sok", params={"q": QUERY, "k": 5}).text
    shown = [
        (int(n), int(r))
        for n, r in re.findall(r'class="hit">\s*<div class="cite"><strong>(\d+)\.</strong>.*?relevans (\d+)', page)
    ]
    assert shown == cli
    assert page.index("relevans 56") < page.index(relevance.NEAR_MISSES) < page.index("relevans 40")
    link = html.unescape(re.search(r'href="(/sok/export\.csv\?[^"]+)"', page).group(1))
    rows = list(csv.DictReader(io.StringIO(client.get(link).content.decode("utf-8-sig"))))
    assert [(int(r["rank"]), round(float(r["relevance"]))) for r in rows] == cli
    api = client.get("/api/search", params={"q": QUERY, "k": 5}).json()
    assert [(h["rank"], round(h["relevance"])) for h in api["hits"] + api["near_misses"]] == cli
    assert [h["search_rank"] for h in api["hits"]] == [3, 5, 1]


def test_the_evaluation_counts_ranks_in_the_order_shown(idx, rated, tmp_path):
    """scan eval finds the expected passage where the reader sees it, not where the search ranked it."""
    from scan.embed import HashEncoder
    from scan.evaluate import Query, evaluate_search
    from scan.search import search
    from scan.store import Index

    index = Index.open(idx)
    encoder = HashEncoder(256)
    plain = search(index, encoder, QUERY, k=10)
    third = " ".join(plain[2].passage.text.split()[:6])  # the search's 3rd, rated 68: shown first
    first = " ".join(plain[0].passage.text.split()[:6])  # the search's 1st, rated 56: shown third
    result = evaluate_search(index, encoder, [Query(QUERY, (third,)), Query(QUERY, (first,))], "hybrid")
    index.close()
    assert result.recall_at_1 == 0.5 and result.mrr == pytest.approx((1 + 1 / 3) / 2)
