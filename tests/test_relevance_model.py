"""The relevance floor with the real default encoder on the shipped corpus alone: a library in one
language (issue 9's known limit, fixed). Marked `model`: deselect with -m "not model"."""

import pytest

from scan import relevance
from scan.search import search

pytestmark = pytest.mark.model

OFF_TOPIC = ("köttbullar med lingonsylt recept", "meatballs with lingonberry jam recipe")
REAL = (  # Swedish: English questions to a Swedish-only library are often rated under the floor (README)
    "Kan möjligheten att jobba hemifrån göra det lättare att anställa folk?",
    "segregation och polarisering i samhället",
    "Varför är tillit viktigt för ekonomin?",
)


@pytest.mark.parametrize("query", OFF_TOPIC)
def test_the_corpus_alone_refuses_a_recipe(corpus_index, e5, query):
    hits = search(corpus_index, e5, query, k=5)
    assert hits, "the closest passages stay available as near-misses"
    assert all(h.relevance is not None and h.relevance < relevance.FLOOR for h in hits)


@pytest.mark.parametrize("query", REAL)
def test_the_corpus_alone_still_answers_real_questions(corpus_index, e5, query):
    hits = search(corpus_index, e5, query, k=5)
    assert hits[0].relevance is not None and hits[0].relevance >= relevance.FLOOR


def test_the_cli_says_no_hits_for_a_recipe_on_the_corpus_alone(corpus_index, model_cache, monkeypatch):
    from click.testing import CliRunner

    from scan.cli import main

    monkeypatch.setenv("SCAN_CACHE", str(model_cache))  # the converted model of this session
    result = CliRunner().invoke(main, ["search", OFF_TOPIC[0], "--index", str(corpus_index.root), "--json"])
    assert result.exit_code == 0, result.output
    assert result.stdout == "" and relevance.NO_HITS in result.stderr
