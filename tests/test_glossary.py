"""English queries reach Swedish passages through the shipped English->Swedish glossary
(scan.glossary), as a keyword bonus in hybrid search; Swedish queries are scored exactly as before."""

from __future__ import annotations

import pytest

from scan import glossary
from scan.search import search


def test_phrases_are_matched_before_their_words_and_plurals_by_their_stem():
    words = glossary.expand("Remote work in smaller municipalities")
    assert words[:2] == ["distansarbete", "distans"]  # the phrase "remote work", not "work" -> arbete
    assert "arbete" not in words
    assert "kommuner" in words  # "municipalities" and "municipality" share their English stem
    assert glossary.expand("municipalities") == glossary.expand("municipality")


def test_queries_without_glossary_words_expand_to_nothing():
    assert glossary.expand("meatballs with lingonberry jam") == []
    assert glossary.expand("") == []


def test_a_bad_glossary_line_names_the_file_and_line(tmp_path):
    bad = tmp_path / "g.tsv"
    bad.write_text("# comment\ntrust\ttillit\nno swedish side here\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"g\.tsv:3"):
        glossary.load(bad)
    good = tmp_path / "ok.tsv"
    good.write_text("trust\ttillit\ntrusted\tförtroende\n", encoding="utf-8")
    assert glossary.load(good) == {("trust",): ("tillit", "förtroende")}  # one stem: the words merged


def _trust_passage(hits):
    return next((h for h in hits if "tillit" in h.passage.text.lower()), None)


def test_an_english_query_reaches_a_swedish_passage_only_through_the_glossary(index, encoder, monkeypatch):
    # the hash encoder shares no dimension between "trust" and Swedish text, and BM25 no word: only the
    # glossary's "tillit" connects them
    assert glossary.expand("trust") and "tillit" in glossary.expand("trust")
    monkeypatch.setattr(glossary, "WEIGHT", 0.0)
    before = {(h.doc_id, h.passage.seq): h.score for h in search(index, encoder, "trust", k=len(index))}
    monkeypatch.setattr(glossary, "WEIGHT", 0.05)
    after = search(index, encoder, "trust", k=len(index))
    best = after[0]
    assert "tillit" in best.passage.text.lower()
    # the passage with the most of the glossary's words gets the whole weight, the others less, and a
    # passage without any of them nothing
    assert best.score == pytest.approx(before[(best.doc_id, best.passage.seq)] + 0.05)
    for hit in after:
        lifted = hit.score - before[(hit.doc_id, hit.passage.seq)]
        assert -1e-9 <= lifted <= 0.05 + 1e-9
        if not any(w in hit.passage.text.lower() for w in ("tillit", "förtroende", "tilltron")):
            assert lifted == pytest.approx(0.0)
    before_rank = sorted(before, key=lambda pid: -before[pid]).index((best.doc_id, best.passage.seq))
    assert before_rank > 0  # without the glossary it was not first


def test_swedish_queries_and_other_modes_are_scored_exactly_as_before(index, encoder, monkeypatch):
    def run(query, mode="hybrid"):
        return [
            ((h.doc_id, h.passage.seq), h.score, h.relevance) for h in search(index, encoder, query, k=8, mode=mode)
        ]

    cases = [
        ("tillit och samverkan", "hybrid"),
        ("kompetensförsörjning", "hybrid"),
        ("trust", "dense"),
        ("trust", "keyword"),
        ("meatballs with lingonberry jam", "hybrid"),
    ]
    monkeypatch.setattr(glossary, "WEIGHT", 0.0)
    plain = [run(q, m) for q, m in cases]
    monkeypatch.setattr(glossary, "WEIGHT", 0.5)
    assert [run(q, m) for q, m in cases] == plain


def test_an_english_word_that_swedish_passages_contain_is_not_translated(mini, tmp_path, encoder):
    from scan.ingest import ingest
    from scan.store import Index

    (mini / "namn.md").write_text(
        "# Rapporter\n\nKommunen deltar i nätverket Municipal Futures och har skrivit en rapport om det. "
        "Rapporten beskriver hur kommunen och invånarna arbetar tillsammans med frågorna.\n",
        encoding="utf-8",
    )
    ingest([mini], tmp_path / "idx2", encoder)
    index = Index.open(tmp_path / "idx2")
    try:
        assert len(glossary.swedish_ids(index)) > 0
        # "municipal" is in a Swedish passage itself: left to the ordinary keyword search
        assert glossary.entries("municipal") and glossary.bonus(index, "municipal", "en", 50, weight=0.05) == {}
        # "municipalities" (the same glossary entry) is not: translated to the Swedish words
        lifted = glossary.bonus(index, "municipalities", "en", 50, weight=0.05)
        assert lifted and max(lifted.values()) == pytest.approx(0.05)
        assert glossary.bonus(index, "municipalities", "sv", 50, weight=0.05) == {}
    finally:
        index.close()
