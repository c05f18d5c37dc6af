"""A Swedish query vector for English queries (scan.dualquery; off as shipped): an English query
reaches a Swedish passage through the Swedish vector, Swedish queries are never touched, and the
English -> Swedish map recovers a known rotation."""

from __future__ import annotations

import numpy as np
import pytest

from scan import crosslingual, dualquery, glossary
from scan.search import search


def _key(hits):
    return [((h.doc_id, h.passage.seq), round(h.score, 9), h.relevance) for h in hits]


def test_the_pseudo_query_is_the_glossary_swedish_words():
    assert dualquery.pseudo_query("trust") == glossary.entries("trust")[0][1][0]
    assert dualquery.pseudo_query("meatballs with lingonberry jam") == ""
    rest = dualquery.pseudo_query("trust in Kalix", "glossary+rest").split()
    assert rest[-1] == "kalix" and "in" not in rest  # the untranslated word kept, the stop word not
    assert set(dualquery.pseudo_query("trust", "glossary-all").split()) == set(glossary.entries("trust")[0][1])


def test_off_as_shipped():
    assert dualquery.SOURCE == ""
    assert dualquery.swedish_vector(object(), "trust", np.ones(4, dtype=np.float32)) is None


def test_an_english_query_reaches_a_swedish_passage_through_the_swedish_vector(index, encoder, monkeypatch):
    # the hash encoder shares no dimension between "trust" and Swedish text: only the Swedish vector
    # of the pseudo-query "tillit" (encoded like any query) brings the query to the passage on tillit
    monkeypatch.setattr(glossary, "WEIGHT", 0.0)  # no keyword bridge: the vector alone
    before = search(index, encoder, "trust", k=len(index), mode="dense")
    assert "tillit" not in before[0].passage.text.lower()
    monkeypatch.setattr(dualquery, "SOURCE", "glossary")
    monkeypatch.setattr(dualquery, "ALPHA", 0.5)
    after = search(index, encoder, "trust", k=len(index), mode="dense")
    assert "tillit" in after[0].passage.text.lower()
    # English passages keep the English vector's score; a Swedish passage gets the mix
    old = {(h.doc_id, h.passage.seq): h.score for h in before}
    moved = [h for h in after if abs(h.score - old[(h.doc_id, h.passage.seq)]) > 1e-9]
    assert moved and all(h.passage.language == "sv" for h in moved)


def test_swedish_queries_are_scored_exactly_as_before(index, encoder, monkeypatch):
    cases = [("tillit och samverkan", "hybrid"), ("kompetensförsörjning", "dense"), ("tillit", "hybrid")]
    plain = [_key(search(index, encoder, q, k=8, mode=m)) for q, m in cases]
    monkeypatch.setattr(dualquery, "SOURCE", "glossary")
    monkeypatch.setattr(dualquery, "ALPHA", 1.0)
    assert [_key(search(index, encoder, q, k=8, mode=m)) for q, m in cases] == plain


def test_centred_scores_mix_only_the_swedish_rows(monkeypatch):
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(40, 8)).astype(np.float32)
    matrix /= np.linalg.norm(matrix, axis=1, keepdims=True)
    languages = np.array(["sv"] * 20 + ["en"] * 20, dtype=object)
    means = {lang: matrix[languages == lang].mean(axis=0) for lang in ("sv", "en")}
    space = crosslingual.PassageSpace(
        np.arange(40), matrix, languages, means, None, {i: i for i in range(40)}, None, {"sv": 20, "en": 20}
    )
    query, swedish = matrix[25] + 0.1, matrix[3].copy()
    english = crosslingual.scores(space, query, "en", "centre")
    mixed = crosslingual._dual(space, english, swedish, "centre", None)
    assert np.allclose(mixed[20:], english[20:])  # English rows: the English vector's score
    sv_scores = space.centred[:20] @ (swedish - means["sv"]) / np.linalg.norm(swedish - means["sv"])
    assert np.allclose(mixed[:20], dualquery.ALPHA * sv_scores + (1 - dualquery.ALPHA) * english[:20])
    assert int(np.argmax(english[:20])) != 3
    monkeypatch.setattr(dualquery, "ALPHA", 1.0)  # the Swedish vector alone: its own passage first
    assert int(np.argmax(crosslingual._dual(space, english, swedish, "centre", None))) == 3


class _RotatingEncoder:
    """English text -> a fixed random vector per text; Swedish text -> that vector rotated by R."""

    name, dimension = "fake", 16

    def __init__(self, pairs):
        rng = np.random.default_rng(1)
        self.rotation = np.linalg.qr(rng.normal(size=(16, 16)))[0]
        self.vectors = {}
        for english, swedish in pairs:
            v = rng.normal(size=16)
            self.vectors[english] = v
            self.vectors[swedish] = v @ self.rotation

    def encode_queries(self, texts):
        return np.vstack([self.vectors[t] for t in texts]).astype(np.float32)


def test_the_parallel_pairs_are_the_glossary_and_the_trend_names():
    pairs = dualquery.parallel_pairs()
    assert len(pairs) > 200 and all(e and s and "\t" not in e for e, s in pairs)
    assert ("trust", glossary.entries("trust")[0][1][0]) in pairs


def test_the_procrustes_map_recovers_a_rotation_and_shrinks_toward_the_identity(monkeypatch):
    pairs = [(f"english {i}", f"svenska {i}") for i in range(60)]
    monkeypatch.setattr(dualquery, "parallel_pairs", lambda: pairs)
    enc = _RotatingEncoder(pairs)
    full = dualquery.fit_map(enc, "procrustes", 1.0)
    english, swedish = pairs[0]
    assert np.allclose(full(enc.vectors[english].astype(np.float32)), enc.vectors[swedish], atol=1e-3)
    none = dualquery.fit_map(enc, "procrustes", 0.0)  # the identity, plus the shift of the means
    shift = dualquery.fit_map(enc, "shift")
    v = enc.vectors[english].astype(np.float32)
    assert np.allclose(none(v), shift(v), atol=1e-4)
    assert not np.allclose(none(v), enc.vectors[swedish], atol=1e-2)
    with pytest.raises(ValueError):
        dualquery.fit_map(enc, "lbfgs")
