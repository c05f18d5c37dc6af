"""Filters in search (the passage-kind filter on by default, document filters) are boolean masks over
passage ids, applied to scores computed once: results identical to what the SQLite paths returned
before, without a SQLite query per allowed passage."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from scan import crosslingual, kinds
from scan.keywords import analyze
from scan.search import search
from scan.store import Index, IndexWriter
from scan.types import Document, Filters, Passage, Section

WORDS = ["rekrytering", "tillit", "klimat", "äldre", "vård", "skola", "bostad", "energi", "trafik", "kalix"]
QUERIES = ["kommunen distansarbete", "tillit och klimat", "energi", "skola bostad trafik kalix", "äldre och vård"]


@pytest.fixture(scope="module")
def crowded(tmp_path_factory):
    """600 passages that all contain the words 'kommunen' and 'distansarbete' (so every query scores
    nearly all of them), one in five a table, in Swedish and English (the language remedy is active)."""
    from scan.embed import HashEncoder

    encoder = HashEncoder(64)
    path = tmp_path_factory.mktemp("crowded")
    rng = np.random.default_rng(7)
    with IndexWriter(path, encoder.name, 64, {}, rebuild=True) as writer:
        for d in range(12):
            texts = []
            for s in range(50):
                words = " ".join(rng.choice(WORDS, 10))
                if s % 5 == 0:
                    texts.append(f"Kommunen distansarbete {words} 12 345 67 89 10 11 12 13 14 15 16 17")
                elif d % 2:
                    texts.append(f"The municipality and distansarbete in kommunen: {words}, as the report shows.")
                else:
                    texts.append(f"Kommunen och distansarbete: {words}, som rapporten visar.")
            text = "\n\n".join(texts)
            doc = Document(
                doc_id=f"d{d:02d}",
                path=f"/x/d{d:02d}.txt",
                title=f"Rapport {d}",
                text=text,
                sections=(Section(0, len(text), ("Rapport",)),),
                sha256=hashlib.sha256(text.encode()).hexdigest(),
                kind="text",
                metadata={"year": 2020 + d % 3},
            )
            passages = [
                Passage(
                    doc.doc_id,
                    s,
                    t,
                    0,
                    len(t),
                    ("Rapport",),
                    kind=kinds.passage_kind(t),
                    language="en" if d % 2 else "sv",
                )
                for s, t in enumerate(texts)
            ]
            writer.add(doc, passages, encoder.encode_passages(texts))
        writer.commit()
    index = Index.open(path)
    yield index, encoder
    index.close()


def sqlite_keyword(index: Index, query: str, k: int, allowed) -> list[tuple[int, float]]:
    """Keyword search under a filter as scan answered it before: FTS5 with a rowid IN constraint."""
    terms = sorted(set(analyze(query)))
    match = " OR ".join('"' + t.replace('"', '""') + '"' for t in terms)
    rows = index.db.execute(
        "SELECT rowid, -bm25(passages_fts) AS s FROM passages_fts WHERE passages_fts MATCH ?"
        f" AND rowid IN ({','.join(str(int(i)) for i in allowed)}) ORDER BY bm25(passages_fts) LIMIT ?",
        (match, k),
    ).fetchall()
    return [(int(r[0]), float(r[1])) for r in rows]


def traced(index: Index) -> list[str]:
    statements: list[str] = []
    index.db.set_trace_callback(statements.append)
    return statements


def test_the_index_has_tables_and_two_languages(crowded):
    index, _ = crowded
    mask = index.kind_mask(kinds.RANKED)
    assert 0 < int(mask.sum()) < len(index)  # the default kind filter excludes some passages
    assert set(np.flatnonzero(mask).tolist()) == set(index.ids_of_kinds(kinds.RANKED))
    assert set(np.flatnonzero(index.kind_mask({"table"})).tolist()) == set(index.ids_of_kinds({"table"}))
    assert len(crosslingual.passage_space(index).means) == 2


@pytest.mark.parametrize("k", [1, 5, 50, 500])
def test_filtered_keyword_search_is_identical_to_the_sqlite_path(crowded, k):
    index, _ = crowded
    ranked = sorted(index.ids_of_kinds(kinds.RANKED))
    one_doc = [r[0] for r in index.db.execute("SELECT id FROM passages WHERE doc_id = 'd03'")]
    every_third = ranked[::3]
    for query in QUERIES:
        for allowed in (ranked, one_doc, every_third, [max(ranked) + 100]):
            expected = sqlite_keyword(index, query, k, allowed)
            assert index.keyword(query, k, allowed) == expected, (query, k)  # ids, order and scores
            assert index.keyword(query, k, np.asarray(allowed)) == expected


def test_filtered_keyword_search_scores_once_and_masks(crowded):
    index, encoder = crowded
    statements = traced(index)
    try:
        index.keyword("kommunen distansarbete", 10, sorted(index.ids_of_kinds(kinds.RANKED)))
        for mode in ("keyword", "hybrid", "dense"):
            search(index, encoder, "kommunen distansarbete", k=10, mode=mode, passage_kinds=kinds.RANKED)
            search(index, encoder, "kommunen distansarbete", k=10, mode=mode, filters=Filters(doc_ids=("d03",)))
    finally:
        index.db.set_trace_callback(None)
    assert not [s for s in statements if "rowid IN" in s]  # no FTS5 query per allowed passage
    fts = [s for s in statements if "passages_fts MATCH" in s]
    assert len(fts) == 1 + 2 * 2  # one FTS5 query per keyword or hybrid search
    assert len([s for s in statements if "kind FROM passages" in s]) <= 1  # kinds are read once per index


def reference_dense(index, query_vector, query, k, allowed):
    """The dense candidates as computed before: the scores of every passage, membership in a set."""
    space = crosslingual.passage_space(index)
    s = crosslingual.scores(space, query_vector, crosslingual.query_language(query))
    keep = np.array([int(i) in allowed for i in space.ids]) if allowed is not None else np.ones(len(s), bool)
    s = crosslingual._balance(s, space.languages, keep)
    order = sorted((r for r in range(len(s)) if keep[r]), key=lambda r: -s[r])[:k]
    return [(int(space.ids[r]), float(s[r])) for r in order]


def test_dense_candidates_under_a_mask_are_identical(crowded):
    index, encoder = crowded
    ranked = set(index.ids_of_kinds(kinds.RANKED))
    for query in QUERIES:
        vector = encoder.encode_queries([query])[0]
        for allowed in (None, ranked, {i for i in ranked if i % 7 == 0}):
            expected = reference_dense(index, vector, query, 20, allowed)
            for given in (allowed, None if allowed is None else np.array(sorted(allowed))):
                found, score_of, _ = crosslingual.dense_candidates(index, vector, query, 20, given)
                assert [i for i, _ in found] == [i for i, _ in expected] or _tied(found, expected)
                assert [s for _, s in found] == [s for _, s in expected]  # bit for bit
                assert all(score_of(i) == s for i, s in found)


def _tied(found, expected) -> bool:
    """Equal scores in the same places (the order among exact ties is argsort's)."""
    return sorted(found) == sorted(expected) and [s for _, s in found] == [s for _, s in expected]


def test_search_under_filters_equals_search_with_the_ids_spelled_out(crowded):
    """The default kind filter and a document filter give what an explicit id list gives."""
    index, encoder = crowded
    for mode in ("keyword", "hybrid", "dense"):
        for query in QUERIES:
            hits = search(index, encoder, query, k=10, mode=mode, passage_kinds=kinds.RANKED)
            assert hits and all(h.passage.kind in kinds.RANKED for h in hits)
            doc = search(index, encoder, query, k=10, mode=mode, filters=Filters(doc_ids=("d03",)))
            assert doc and {h.doc_id for h in doc} == {"d03"}
            if mode == "keyword":
                allowed = sorted(index.ids_of_kinds(kinds.RANKED))
                expected = sqlite_keyword(index, query, 10, allowed)
                rows = index.passages([pid for pid, _ in expected])
                assert [(h.doc_id, h.passage.seq, h.score) for h in hits] == [
                    (rows[pid][0].doc_id, rows[pid][0].seq, score) for pid, score in expected
                ]


def test_vector_search_takes_id_arrays(crowded):
    index, encoder = crowded
    vector = encoder.encode_queries(["tillit och klimat"])[0]
    allowed = sorted(index.ids_of_kinds({"table"}))
    assert index.dense(vector, 5, np.array(allowed)) == index.dense(vector, 5, allowed)
    assert {i for i, _ in index.dense(vector, 5, np.array(allowed))} <= set(allowed)
    assert index.dense(vector, 5, np.zeros(0, dtype=np.int64)) == []
    assert index.keyword("tillit", 5, np.zeros(0, dtype=np.int64)) == []
