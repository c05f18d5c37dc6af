"""A bare word or two ("klimat") with no answer gets a line that says why and what to do (the relevance scale
was learned on questions); a question, or a query that got answers, does not."""

from __future__ import annotations

import pytest

from scan import relevance


@pytest.mark.parametrize("query", ["klimat", "äldreomsorg personalbrist", "Distansarbete", "climate"])
def test_one_or_two_bare_words_get_the_hint_with_a_question_built_from_them(query):
    hint = relevance.keyword_hint(query)
    assert hint and f"”Vad betyder {query} för kommunen?”" in hint


@pytest.mark.parametrize(
    "query", ["hur bakar man kanelbullar", "Hur påverkar distansarbetet rekryteringen?", "köttbullar med lingonsylt recept",
              "vad är tillit", "", "2024"],
)  # fmt: skip
def test_questions_longer_queries_and_queries_without_words_get_none(query):
    assert relevance.keyword_hint(query) is None


def test_the_cli_prints_the_hint_on_stderr_only_when_a_bare_word_gets_no_answer(run, idx, monkeypatch):
    monkeypatch.setattr(relevance, "split_hits", lambda hits, *a, **k: ([], list(hits)))  # nothing reaches the floor
    bare = run("search", "undersköterskor", "--index", idx)
    assert relevance.NO_HITS in bare.stderr and "Vad betyder undersköterskor för kommunen?" in bare.stderr
    assert "scan search undersköterskor --mode keyword" in bare.stderr and "Vad betyder" not in bare.stdout
    as_json = run("search", "undersköterskor", "--json", "--index", idx)
    assert "Vad betyder undersköterskor" in as_json.stderr and as_json.stdout == ""
    grouped = run("search", "undersköterskor", "--group-by", "document", "--index", idx)  # the same lines, grouped
    assert relevance.NO_HITS in grouped.stderr and "Vad betyder undersköterskor för kommunen?" in grouped.stderr
    question = run("search", "Hur rekryterar kommunen undersköterskor?", "--index", idx)
    assert relevance.NO_HITS in question.stderr and "Vad betyder" not in question.stderr
    monkeypatch.undo()
    monkeypatch.setenv("SCAN_MODEL", "hash")
    answered = run("search", "undersköterskor", "--index", idx)  # the hash encoder rates nothing: all are answers
    assert relevance.NO_HITS not in answered.stderr and "Vad betyder" not in answered.stderr


def test_the_web_page_shows_the_hint_under_no_answers(idx, monkeypatch):
    from fastapi.testclient import TestClient

    from scan.web import create_app

    monkeypatch.setattr(relevance, "split_hits", lambda hits, *a, **k: ([], list(hits)))
    client = TestClient(create_app(idx), raise_server_exceptions=False)
    try:
        page = client.get("/sok", params={"q": "undersköterskor"}).text
        assert relevance.NO_HITS in page and "Vad betyder undersköterskor för kommunen?" in page
        assert "--mode keyword" not in page  # the page has no such option
        page = client.get("/sok", params={"q": "Hur rekryterar kommunen undersköterskor?"}).text
        assert relevance.NO_HITS in page and "Vad betyder" not in page
    finally:
        client.app.state.jobs.close()
