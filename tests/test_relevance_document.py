"""The relevance model's document and BM25 features (scan.relevance, issue 9): a passage of a document
on a neighbouring theme is not an answer beside the passages of the document that answers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scan import relevance
from scan.embed import HashEncoder
from scan.types import Passage

CARE = (
    "# Vård\n\n## Personal\n\nKommunen behöver rekrytera fler undersköterskor till äldreomsorgen de kommande åren.\n\n"
    "## Bemanning\n\nÄldreomsorgen saknar undersköterskor, och bristen på personal växer när de äldre blir fler.\n"
)
SPORT = (
    "# Idrott\n\n## Förening\n\nIdrottsföreningen behöver rekrytera fler ledare till ungdomslagen de kommande åren.\n"
)
QUERY = "rekrytera undersköterskor till äldreomsorgen"


@pytest.fixture
def library(tmp_path: Path) -> Path:
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "vard.md").write_text(CARE, encoding="utf-8")
    (lib / "idrott.md").write_text(SPORT, encoding="utf-8")
    return lib


def test_document_gap_is_zero_for_the_best_document_and_negative_for_the_others():
    gaps = relevance.document_gaps(["a.md", "b.md", "a.md", "c.md"], [0.30, 0.50, 0.10, 0.20])
    assert gaps == pytest.approx([-0.20, 0.0, -0.20, -0.30])
    assert relevance.document_gaps([], []) == []


def test_bm25_is_read_against_the_best_candidate_and_words_with_a_ring_and_dots_match():
    encoder = HashEncoder(256)
    texts = {
        1: "Äldreomsorgen saknar undersköterskor i hela länet.",
        2: "Ungdomslagen behöver fler ledare på lördagarna.",
        3: "Äldreomsorgens kö växer.",
    }
    passages = {pid: Passage(f"{pid}.md", 0, t, 0, len(t), (), language="sv") for pid, t in texts.items()}
    matrix = encoder.encode_passages(list(texts.values()))
    query = "äldreomsorgens undersköterskor"
    q = encoder.encode_queries([query])[0]
    feats = relevance.hit_features(
        [1, 2, 3], encoder, query, q, passages, lambda ids: matrix[[i - 1 for i in ids]], {1: 8.0, 3: 2.0}
    )
    assert feats[1][1] == 1.0  # "äldreomsorgens" and "Äldreomsorgen" share their stem, so do the plural forms
    assert feats[3][1] == 0.5 and feats[2][1] == 0.0
    assert (feats[1][4], feats[3][4], feats[2][4]) == (1.0, 0.25, 0.0)  # BM25 / the best candidate's; none: 0
    assert feats[1][3] == 0.0 and feats[2][3] < 0.0  # each passage is its document's only one here
    without = relevance.hit_features([1, 2, 3], encoder, query, q, passages, lambda ids: matrix[[i - 1 for i in ids]])
    assert all(f[4] == 0.0 for f in without.values())  # no BM25 scores given (keyword search not run): no bonus


def test_search_gives_the_model_the_bm25_of_each_candidate_in_dense_and_hybrid_search(library, tmp_path, monkeypatch):
    from scan.ingest import ingest
    from scan.search import search
    from scan.store import Index

    encoder = HashEncoder(256)
    ingest([library], tmp_path / "idx", encoder)
    seen: list[dict] = []
    original = relevance.hit_features

    def capture(ids, enc, query, vector, passages, vectors, bm25=None):
        out = original(ids, enc, query, vector, passages, vectors, bm25)
        seen.append({passages[pid].text.split()[0]: f for pid, f in out.items()})
        return out

    monkeypatch.setattr(relevance, "hit_features", capture)
    monkeypatch.setitem(relevance.MODELS, "hash-", relevance.Model((4.0, 0.0, 0.0, 20.0, 0.0), 0.5))
    index = Index.open(tmp_path / "idx")
    try:
        hybrid = {h.passage.text.split()[0]: h.relevance for h in search(index, encoder, QUERY, k=3)}
        dense = {h.passage.text.split()[0]: h.relevance for h in search(index, encoder, QUERY, k=3, mode="dense")}
    finally:
        index.close()
    assert seen[0] == seen[1]  # the same three candidates, the same features in both modes
    assert seen[0]["Kommunen"][4] == 1.0 and 0.0 < seen[0]["Äldreomsorgen"][4] < 1.0  # BM25 of the stemmed words
    assert seen[0]["Äldreomsorgen"][3] == 0.0 and seen[0]["Idrottsföreningen"][3] < 0.0
    assert hybrid == dense


def test_a_passage_of_a_neighbouring_theme_is_a_near_miss_and_the_answering_document_is_answered(
    run, library, tmp_path, monkeypatch
):
    """Both passages of the care document answer; the sports club's passage shares 'rekrytera fler' and
    comes close by itself, but its document as a whole is far from the query: the document feature
    keeps it out of the answers (without that weight it is shown as an answer)."""
    idx = tmp_path / "idx"
    assert run("ingest", library, "--index", idx).exit_code == 0

    def search(model: relevance.Model, *options: str) -> str:
        monkeypatch.setitem(relevance.MODELS, "hash-", model)
        result = run("search", QUERY, "--index", idx, "-k", "3", *options)
        assert result.exit_code == 0
        return result.stdout

    with_document = relevance.Model((4.0, 0.0, 0.0, 20.0, 0.0), 0.5)
    answers = [json.loads(line)["doc_id"] for line in search(with_document, "--json").splitlines()]
    assert answers == ["vard.md", "vard.md"]  # --json lists the answers only
    text = search(with_document)
    assert relevance.NEAR_MISSES in text
    shown, near = text.split(relevance.NEAR_MISSES)
    assert "Äldreomsorgen saknar" in shown and "rekrytera fler undersköterskor" in shown
    assert "Idrottsföreningen" in near and "Idrottsföreningen" not in shown
    without = [
        json.loads(line)["doc_id"]
        for line in search(relevance.Model((4.0, 0.0, 0.0, 0.0, 0.0), 0.5), "--json").splitlines()
    ]
    assert "idrott.md" in without


def test_a_passage_is_rated_the_same_whatever_the_number_of_hits_asked_for():
    """The document and BM25 features compare with the RATE_POOL best candidates only: a search of 50 rates its
    first 20 as a search of 20 does, and a candidate further down against those 20 and itself, not the rest."""
    encoder = HashEncoder(256)
    n = relevance.RATE_POOL + 10
    texts = {
        pid: f"Rapport {pid % 4}: äldreomsorgen behöver {'fler undersköterskor' if pid % 3 else 'nya lokaler'} år {pid}."
        for pid in range(1, n + 1)
    }
    passages = {pid: Passage(f"doc{pid % 5}.md", pid, t, 0, len(t), (), language="sv") for pid, t in texts.items()}
    matrix = encoder.encode_passages(list(texts.values()))
    query = "undersköterskor i äldreomsorgen"
    q = encoder.encode_queries([query])[0]
    bm25 = {pid: float(pid % 7) for pid in texts}
    bm25[n] = 100.0  # the best keyword score of all lies beyond the first RATE_POOL

    def feats(ids):
        return relevance.hit_features(ids, encoder, query, q, passages, lambda ii: matrix[[i - 1 for i in ii]], bm25)

    ids = list(range(1, n + 1))
    many, pool = feats(ids), feats(ids[: relevance.RATE_POOL])
    assert all(many[pid] == pool[pid] for pid in pool)  # the first RATE_POOL: as in a search of RATE_POOL
    for extra in ids[relevance.RATE_POOL :]:  # further down: against the pool and itself, not the others
        assert many[extra] == feats(ids[: relevance.RATE_POOL] + [extra])[extra]
    assert many[n][4] == 1.0  # its own BM25 is the best of the pool and itself
