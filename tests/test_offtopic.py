"""What a reader is shown as answers and as near-misses (issue 9: off-topic answers, the probe's
findings): answers stay close to the best hit, near-misses are listed by the relevance shown next
to them, tables and boilerplate never fill them, and a claim nothing is about gets no quotes.
Hash-encoder tests with a relevance model patched in for it; `model` tests use the real encoder."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scan import evalmixed, relevance
from scan.facets import Results
from scan.types import Hit, Passage

HASH_MODEL = relevance.Model((20.0, 0.0, 0.0), -4.5)  # for the hash encoder: relevant where the query's words occur


def _hit(rank: int, rel: float | None, doc: str = "a.md") -> Hit:
    text = f"Stycke nummer {rank} om något."
    return Hit(rank, 1.0 - rank / 10, doc, doc, Passage(doc, rank, text, 0, len(text), ("Kapitel",)), "hybrid", (), rel)


def test_answers_stay_within_the_gap_of_the_best_hit_and_near_misses_go_by_relevance():
    hits = [_hit(1, 90.0), _hit(2, 60.0), _hit(3, 80.0), _hit(4, 26.0), _hit(5, 37.0)]
    assert relevance.floor_for(hits) == 90.0 - relevance.GAP
    answers, near = relevance.split_hits(hits)
    assert [h.rank for h in answers] == [1, 3]  # rank order; 60 is more than GAP under the best
    assert [h.relevance for h in near] == [60.0, 37.0, 26.0]  # best first, as the numbers shown
    low = [_hit(1, 26.0), _hit(2, 35.0), _hit(3, 37.0)]  # the probe's "klimat": 26, 35, 37 in that order
    assert relevance.floor_for(low) == relevance.FLOOR
    assert relevance.split_hits(low) == ([], [low[2], low[1], low[0]])
    unrated = [_hit(1, None), _hit(2, None)]  # keyword search: no scale, no floor
    assert relevance.split_hits(unrated) == (unrated, [])


def test_the_cli_lists_near_misses_by_the_relevance_it_shows(run, mini, tmp_path, monkeypatch):
    idx = tmp_path / "idx"
    assert run("ingest", mini, "--index", idx).exit_code == 0
    hits = [_hit(1, 26.0), _hit(2, 35.0), _hit(3, 37.0)]
    monkeypatch.setattr("scan.cli_export.run_search", lambda *a, **k: Results(hits, {}, {}, {}))
    result = run("search", "klimat", "--index", idx, "-k", "3")
    assert result.exit_code == 0 and relevance.NO_HITS in result.stderr
    shown = [
        int(line.split("[relevans ")[1].split("]")[0]) for line in result.stdout.splitlines() if "[relevans" in line
    ]
    assert shown == [37, 35, 26]


def test_the_evaluation_counts_as_shown_what_the_cli_shows():
    """evaluate_mixed with the floor and the gap counts the answers that split_hits gives the CLI."""
    from scan.store import StoredDocument

    class FakeIndex:
        def documents(self):
            return [StoredDocument("a.md", "", "A", "markdown", "", {"kind": "analysis"}, 3)]

    results = {"q-sv": [_hit(1, 90.0, "x.md"), _hit(2, 70.0, "y.md"), _hit(3, 80.0, "a.md"), _hit(4, 40.0, "z.md")]}
    results["q-en"] = [_hit(1, 55.0, "x.md"), _hit(2, 52.0, "y.md")]
    need = evalmixed.Need("n", "dev", "q-sv", "q-en", ("Kapitel",))
    out = evalmixed.evaluate_mixed(FakeIndex(), results.__getitem__, [need], [], relevance.FLOOR, relevance.GAP)
    for lang, query in (("sv", "q-sv"), ("en", "q-en")):
        answers, _ = relevance.split_hits(results[query])
        m = out["languages"][lang]["dev"]
        assert m["answers_per_query"] == len(answers)
        off = sum(h.doc_id != "a.md" for h in answers)
        assert m["offtopic_answers"] == round(off / len(answers), 4)
    assert out["languages"]["sv"]["dev"]["offtopic_answers"] == 0.5  # x.md shown; y.md (70) is more than GAP under


def _library(root: Path) -> Path:
    root.mkdir()
    prose = "Kommunen behöver rekrytera fler undersköterskor till äldreomsorgen de kommande åren."
    (root / "rapport.md").write_text(
        "# Rapport\n\n## Personal\n\n"
        + prose
        + "\n\n## Lagtext\n\nPaperwork Reduction Act. For further information contact the Office of Management, "
        "phone 202-555-0100, e-mail info@example.gov. All rights reserved.\n\n## Tabell\n\n"
        + "\n".join(f"| {year} | {n} | {n * 3} | {n * 7} % |" for year, n in zip(range(2010, 2024), range(3, 17)))
        + "\n",
        encoding="utf-8",
    )
    return root


def test_tables_and_boilerplate_are_never_near_misses_when_prose_exists(run, tmp_path, monkeypatch):
    lib = _library(tmp_path / "lib")
    idx = tmp_path / "idx"
    assert run("ingest", lib, "--index", idx).exit_code == 0
    kinds = json.loads(run("search", "Paperwork Reduction Act", "--index", idx, "--mode", "keyword", "--json").stdout)
    assert kinds["passage_kind"] == "boilerplate"  # the notice is stored as boilerplate and keyword search finds it
    monkeypatch.setitem(relevance.MODELS, "hash-", HASH_MODEL)
    for query in ("köttbullar lingonsylt recept", "asdkjh qwpoeiru zxmnv", "Paperwork Reduction Act 2015"):
        result = run("search", query, "--index", idx, "-k", "5")
        assert result.exit_code == 0
        assert "Paperwork" not in result.stdout and "| 2010 |" not in result.stdout, query
        assert "rekrytera" in result.stdout  # the prose passage is the near-miss (or the answer)


def test_quotes_for_a_claim_nothing_is_about_say_so(run, mini, tmp_path, monkeypatch):
    from scan import quotes

    idx = tmp_path / "idx"
    assert run("ingest", mini, "--index", idx).exit_code == 0
    monkeypatch.setitem(relevance.MODELS, "hash-", HASH_MODEL)
    result = run("quotes", "Köttbullar med lingonsylt och recept", "--index", idx, "--json")
    assert result.exit_code == 0 and result.stdout == ""
    assert quotes.NO_QUOTES in result.stderr
    result = run("quotes", "Kommunen behöver rekrytera fler undersköterskor", "--index", idx, "--json")
    assert result.exit_code == 0 and result.stdout.strip(), "a claim the library is about still gets its quotes"
    assert quotes.NO_QUOTES not in result.stderr


@pytest.mark.model
@pytest.mark.parametrize(
    ("query", "language"),
    [("klimat", "sv"), ("tillit", "sv"), ("energi", "sv"), ("upphandling", "sv"), ("climate", "en"), ("trust", "en")],
)
def test_a_one_word_query_gets_its_language_from_its_vector(e5, query, language):
    from scan.crosslingual import query_language

    vector = e5.encode_queries([query])[0]
    assert query_language(query) == "en"  # no common word and no å/ä/ö: the text alone cannot tell
    assert query_language(query, e5, vector) == language


@pytest.mark.model
@pytest.mark.parametrize(("query", "chapter"), [("tillit", "tillit"), ("välfärdsbrottslighet", "välfärdsbrottslighet")])
def test_a_one_word_theme_query_finds_its_theme_in_the_corpus(corpus_index, e5, query, chapter):
    from scan.search import search

    answers, _ = relevance.split_hits(search(corpus_index, e5, query, k=5))
    assert answers, f"{query!r} is answered"
    assert any(chapter in " ".join(h.passage.heading).casefold() for h in answers)


def test_candidates_rated_under_the_demotion_level_go_behind_the_others():
    ranked = [(7, 0.9), (3, 0.8), (5, 0.7), (1, 0.6)]
    rated = {7: 2.0, 3: 70.0, 5: relevance.DEMOTE - 1, 1: 40.0}
    assert relevance.demote(ranked, rated) == [(3, 0.8), (1, 0.6), (7, 0.9), (5, 0.7)]
    assert relevance.demote(ranked, {}) == ranked  # keyword search: no relevance, order unchanged
    assert relevance.demote(ranked, {7: 30.0, 3: relevance.DEMOTE}) == ranked


def test_search_puts_a_passage_that_nearly_never_answers_behind_the_rest(mini, tmp_path, monkeypatch):
    """The probe's "klimat": the FBI table's notes ranked first by the language balancing, rated 1."""
    from scan.embed import HashEncoder
    from scan.ingest import ingest
    from scan.search import search
    from scan.store import Index

    encoder = HashEncoder(256)
    ingest([mini], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    query = "kommunen behöver fler lärare"
    everything = len(index)
    plain = search(index, encoder, query, k=everything)
    first = (plain[0].doc_id, plain[0].passage.seq)

    def rate(ids, *args):  # the hash encoder has no model: rate the first-ranked passage as junk, the rest 80
        rows = index.passages(ids)
        return {pid: 1.0 if (rows[pid][0].doc_id, rows[pid][0].seq) == first else 80.0 for pid in ids}

    monkeypatch.setattr(relevance, "rate", rate)
    hits = search(index, encoder, query, k=everything)
    assert [(h.doc_id, h.passage.seq) for h in hits] == [(h.doc_id, h.passage.seq) for h in plain[1:] + plain[:1]]
    assert [h.rank for h in hits] == list(range(1, everything + 1))
    assert first not in {(h.doc_id, h.passage.seq) for h in search(index, encoder, query, k=everything - 1)}
    index.close()


def test_an_export_marks_the_hits_under_the_querys_floor_as_the_page_shows_them():
    from scan.exports import hits_report

    hits = [_hit(1, 90.0), _hit(2, 70.0), _hit(3, 40.0)]
    notes = [e.note for e in hits_report(hits, {}, "fråga").entries]
    assert notes == ["relevans 90", "relevans 70, under relevansgränsen", "relevans 40, under relevansgränsen"]
    assert [e.note for e in hits_report(hits[1:], {}, "fråga").entries] == [
        "relevans 70",
        "relevans 40, under relevansgränsen",
    ]
