"""Large-index search paths, exercised on the shipped corpus by lowering their size thresholds:
keyword arrays must score exactly as FTS5 does, and the approximate vector index must find what
exact search finds, honour filters and follow incremental ingest (adds and deletes)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from scan import ann, bm25
from scan.ingest import ingest
from scan.keywords import analyze
from scan.store import Index

ROOT = Path(__file__).resolve().parent.parent
QUERIES = [
    "Hur påverkar distansarbete kommunens rekrytering?",
    "tillit och socialt kapital",
    "klimatanpassning",
    "välfärdsbrottslighet och otillåten påverkan",
    "Kalix",
    "kompetensförsörjning 2030",
    "ord_med_understreck och kommunen",
]


@pytest.fixture
def corpus(tmp_path) -> Path:
    target = tmp_path / "corpus"
    target.mkdir()
    shutil.copy(ROOT / "corpus" / "omvarldsanalys-alingsas-2023-2026.md", target)
    (target / "extra.txt").write_text(
        "Kommunen prövar ord_med_understreck i sina register.\n\n"
        "Kalix kommun arbetar med tillit, socialt kapital och klimatanpassning.\n",
        encoding="utf-8",
    )
    return target


def fts5(index: Index, query: str, allowed: list[int] | None = None) -> dict[int, float]:
    """Every FTS5 match with its bm25 score, the way scan scored keywords before the arrays."""
    terms = sorted(set(analyze(query)))
    match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
    where = f" AND rowid IN ({','.join(map(str, allowed))})" if allowed is not None else ""
    rows = index.db.execute(
        "SELECT rowid, -bm25(passages_fts) FROM passages_fts WHERE passages_fts MATCH ?" + where, (match,)
    ).fetchall()
    return {int(r[0]): float(r[1]) for r in rows}


def test_small_indexes_keep_fts5_and_the_exact_vector_index(corpus, tmp_path, encoder):
    ingest([corpus], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    assert index.manifest["vector_index"]["type"] == "Flat"
    assert index.manifest["keyword_arrays"] is False
    assert not list(index.generation.glob("keywords-*"))


def test_keyword_arrays_score_exactly_as_fts5(corpus, tmp_path, encoder, monkeypatch):
    monkeypatch.setattr(bm25, "ARRAYS_FROM", 1)
    ingest([corpus], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    assert index.manifest["keyword_arrays"] is True
    postings = bm25.Postings.open(index.generation)
    some = [r[0] for r in index.db.execute("SELECT id FROM passages WHERE id % 3 = 0")]
    for query in QUERIES:
        terms = sorted(set(analyze(query)))
        for allowed in (None, some):
            expected = fts5(index, query, allowed)
            found = postings.top(terms, 10_000, allowed)
            if found is None:  # a word FTS5 tokenises differently: FTS5 answers
                assert any("_" in t for t in terms)
                continue
            assert dict(found) == expected, query  # the same passages with bit-identical scores
            best = sorted(expected.items(), key=lambda item: (-item[1], item[0]))[:5]
            assert index.keyword(query, 5, allowed) == best
    assert postings.top(["kalix"], 5) and postings.top(["ordsomintefinns"], 5) == []


def test_words_fts5_splits_are_split_in_the_arrays_too(corpus, tmp_path, encoder, monkeypatch):
    monkeypatch.setattr(bm25, "ARRAYS_FROM", 1)
    ingest([corpus], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    postings = bm25.Postings.open(index.generation)
    for word in ("ord", "understreck", "med"):  # stored as the single term "ord_med_understreck"
        assert dict(postings.top([word], 10_000)) == fts5(index, word)
    assert index.keyword("ord_med_understreck", 5)  # answered by FTS5


def test_approximate_index_above_the_threshold(corpus, tmp_path, encoder, monkeypatch):
    monkeypatch.setattr(ann, "APPROX_FROM", 50)
    monkeypatch.setattr(ann, "EXACT_AGAIN_BELOW", 20)
    ingest([corpus], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    described = index.manifest["vector_index"]
    assert described["type"] == "IVFFlat" and described["trained_on"] == len(index) >= 50
    ids = [r[0] for r in index.db.execute("SELECT id FROM passages ORDER BY id")]
    vectors = np.vstack([index.vectors.reconstruct(i) for i in ids])
    exact = vectors @ vectors.T
    # a stored vector lies in the group its query probes first: it always finds itself
    assert all(index.dense(vectors[row], 1)[0][0] == pid for row, pid in enumerate(ids))
    monkeypatch.setattr(ann, "NPROBE_SHARE", 1.0)  # probing every group is exact search
    for row in range(len(ids)):
        best = [ids[j] for j in np.argsort(-exact[row], kind="stable")[:5]]
        found = index.dense(vectors[row], 5)
        assert np.allclose([s for _, s in found], exact[row][[ids.index(i) for i in best]], atol=1e-6)
    # a filter: only allowed passages, and an exact scan when the filter is narrow
    allowed = ids[::7]
    hits = index.dense(vectors[3], 4, allowed)
    assert {i for i, _ in hits} <= set(allowed)
    scores = {pid: float(vectors[ids.index(pid)] @ vectors[3]) for pid in allowed}
    assert [i for i, _ in hits] == sorted(scores, key=lambda p: -scores[p])[:4]
    index.close()

    # incremental ingest deletes in place and keeps the trained centroids
    (corpus / "extra.txt").unlink()
    (corpus / "new.txt").write_text("Ett nytt dokument om kollektivtrafik i Alingsås.\n", encoding="utf-8")
    ingest([corpus], tmp_path / "idx", encoder)
    index = Index.open(tmp_path / "idx")
    assert index.manifest["vector_index"]["type"] == "IVFFlat"
    assert index.manifest["vector_index"]["trained_on"] == described["trained_on"]
    assert {d.doc_id for d in index.documents()} == {"omvarldsanalys-alingsas-2023-2026.md", "new.txt"}
    new_id = index.db.execute("SELECT id FROM passages WHERE doc_id = 'new.txt'").fetchone()[0]
    new_vector = encoder.encode_passages(["Ett nytt dokument om kollektivtrafik i Alingsås."])[0]
    assert index.dense(new_vector, 1)[0][0] == new_id
    live = {r[0] for r in index.db.execute("SELECT id FROM passages")}
    assert {i for i, _ in index.dense(new_vector, 200)} <= live  # nothing deleted comes back
    assert len(index) == len(live)
    index.close()

    # shrinking far below the threshold goes back to exact search
    monkeypatch.setattr(ann, "EXACT_AGAIN_BELOW", 10_000)
    (corpus / "new.txt").write_text("Ändrat dokument om cykelvägar.\n", encoding="utf-8")
    ingest([corpus], tmp_path / "idx", encoder)
    manifest = json.loads((Index.live_generation(tmp_path / "idx") / "manifest.json").read_text())
    assert manifest["vector_index"]["type"] == "Flat"


def test_filtered_dense_search_equals_brute_force_over_the_allowed_passages(index, encoder):
    ids = [r[0] for r in index.db.execute("SELECT id FROM passages ORDER BY id")]
    allowed = ids[1::2]
    query = encoder.encode_queries(["parkering i centrum"])[0]
    expected = sorted(((i, float(index.vectors.reconstruct(i) @ query)) for i in allowed), key=lambda x: -x[1])
    found = index.dense(query, 3, allowed)
    assert [i for i, _ in found] == [i for i, _ in expected[:3]]
    assert np.allclose([s for _, s in found], [s for _, s in expected[:3]], atol=1e-6)
    assert index.dense(query, 3, []) == []


def test_faiss_threads_come_from_the_environment(monkeypatch):
    import faiss

    monkeypatch.setenv(ann.THREADS_ENV, "2")
    ann.set_threads()
    assert faiss.omp_get_max_threads() == 2
    monkeypatch.setenv(ann.THREADS_ENV, "nonsense")
    ann.set_threads()
    assert faiss.omp_get_max_threads() == 1
