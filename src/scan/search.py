"""Search the index: by meaning (dense), by keyword (BM25 on stemmed terms), or both fused.

Hybrid search ranks by the cosine similarity plus a small keyword bonus:
``cosine + KEYWORD_WEIGHT * bm25 / max(bm25)``. The weight was chosen on the dev half of
eval/search.toml, where it beat both dense-only search and reciprocal-rank fusion; the test half
reports the result (README). So the hybrid score reads like a cosine, nudged up for passages that
share the query's words: names and terms the encoder does not know ("Municipal", "Kalix").
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from scan import crosslingual, kinds, relevance
from scan.embed import Encoder
from scan.errors import ScanError
from scan.store import Index
from scan.types import Filters, Hit

Mode = Literal["dense", "keyword", "hybrid"]
MODES: tuple[str, ...] = ("dense", "keyword", "hybrid")
MAX_QUERY_CHARS = 2000
KEYWORD_WEIGHT = 0.02  # tuned on the dev split of eval/search.toml (0.01-0.03 tie)
POOL = 50  # candidates taken from each retriever before fusion


def check_query(query: str, example: str = 'scan search "kompetensförsörjning"') -> str:
    """The query with its whitespace collapsed, or a ScanError whose fix shows `example`."""
    query = " ".join(query.split())
    if not query:
        raise ScanError("the query is empty", f"write what you are looking for, e.g. {example}")
    if len(query) > MAX_QUERY_CHARS:
        raise ScanError(
            f"the query is {len(query)} characters long; the limit is {MAX_QUERY_CHARS}",
            "shorten it to the claim or question itself, or classify the text with scan classify",
        )
    return query


def search(
    index: Index,
    encoder: Encoder | None,
    query: str,
    k: int = 5,
    mode: Mode = "hybrid",
    filters: Filters | None = None,
    passage_kinds: frozenset[str] | None = None,
    method: str | None = None,
) -> list[Hit]:
    """The k best passages for `query`, each with its citation.

    >>> hits = search(Index.open(Path("index")), load_encoder(), "distansarbete och rekrytering", k=3)  # doctest: +SKIP
    >>> hits[0].passage.heading_path
    'Så kan Alingsås kommun möta förändringar i kompetensbehov ... > Driva en attraktiv arbetsgivarpolitik ...'

    `passage_kinds`: the passage kinds (scan.kinds) to search; by default every kind for keyword
    search and only `kinds.RANKED` (no tables, no boilerplate) by meaning. `method`: how scores are
    freed of the language bias (scan.crosslingual; default its DEFAULT_METHOD). Every dense or
    hybrid hit carries a calibrated relevance (scan.relevance).
    """
    query = check_query(query)
    if mode not in MODES:
        raise ScanError(f"unknown search mode '{mode}'", f"choose one of: {', '.join(MODES)}")
    if k < 1:
        raise ScanError(f"-k must be at least 1, not {k}", "ask for one hit or more")
    k = min(k, max(len(index), 1))  # no more hits than passages (a huge k would overflow FAISS and SQLite)
    allowed = index.filter_ids(filters)
    if passage_kinds is None and mode != "keyword":
        passage_kinds = kinds.RANKED
    if passage_kinds is not None and set(passage_kinds) != set(kinds.KINDS):
        of_kind = index.kind_mask(passage_kinds)  # a boolean mask over passage ids, read once per index
        if allowed is not None:
            ids = np.unique(np.asarray(allowed, dtype=np.int64))  # sorted, each once
            ids = ids[(ids >= 0) & (ids < len(of_kind))]
            allowed = ids[of_kind[ids]]
        elif int(of_kind.sum()) < len(index):  # (a filter that allows every passage is no filter)
            allowed = np.flatnonzero(of_kind)
    dense: list[tuple[int, float]] = []
    keyword: list[tuple[int, float]] = []
    query_vector = None
    score_of = None
    language = ""
    if mode in ("dense", "hybrid"):
        if encoder is None:
            raise ScanError(f"{mode} search needs an encoder", "use --mode keyword, or open the index with its encoder")
        query_vector = encoder.encode_queries([query])[0]
        chosen = method or crosslingual.DEFAULT_METHOD
        pool = allowed
        language = crosslingual.query_language(query, encoder, query_vector)
        swedish = None
        if language == "en":  # a Swedish vector for an English query (scan.dualquery; off as shipped)
            from scan import dualquery

            swedish = dualquery.swedish_vector(encoder, query, query_vector)
        dense, score_of, _ = crosslingual.dense_candidates(
            index, query_vector, query, max(k, POOL), pool, chosen, language, encoder, swedish
        )
    if mode in ("keyword", "hybrid"):
        keyword = index.keyword(query, max(k, POOL), allowed)
    across: dict[int, float] = {}  # English queries: a bonus for the glossary's Swedish words (scan.glossary)
    if mode == "hybrid" and language == "en":
        from scan import glossary

        across = glossary.bonus(index, query, language, max(k, POOL), allowed)
    cosine: dict[int, float] = {}
    reach = k if mode == "keyword" else max(k, relevance.RATE_POOL)  # rated before the cut to k (relevance.demote)
    if mode == "dense":
        ranked = dense[:reach]
    elif mode == "keyword":
        ranked = keyword[:k]
    else:
        cosine = dict(dense)
        missing = [pid for pid in dict.fromkeys([*(p for p, _ in keyword), *across]) if pid not in cosine]
        if missing and score_of is not None:  # keyword-only candidates: their exact score, not a guess
            cosine |= {pid: score_of(pid) for pid in missing}
        top = max((s for _, s in keyword), default=1.0) or 1.0
        bonus = {pid: KEYWORD_WEIGHT * s / top for pid, s in keyword}
        fused = {pid: cosine[pid] + bonus.get(pid, 0.0) + across.get(pid, 0.0) for pid in cosine}
        ranked = sorted(fused.items(), key=lambda item: -item[1])[:reach]
    rows = index.passages([pid for pid, _ in ranked])
    if mode == "dense" and encoder is not None and relevance.model_for(encoder.name):  # BM25 for relevance
        keyword = index.keyword(query, max(k, POOL), allowed)
    rated = relevance.rate(
        [pid for pid, _ in ranked],
        mode,
        encoder,
        query,
        query_vector,
        {pid: row[0] for pid, row in rows.items()},
        lambda ids: relevance.stored_vectors(index, ids),
        dict(keyword),
    )
    headings = [] if mode == "keyword" else [pid for pid, row in rows.items() if row[0].kind == "heading"]
    ranked = relevance.demote(ranked, rated, headings)[:k]
    cites = index.cites([rows[pid][0] for pid, _ in ranked if pid in rows])
    hits = []
    for pid, score in ranked:
        if pid in rows:
            passage, title = rows[pid]
            cited = cites.get((passage.doc_id, passage.seq), ())
            hits.append(Hit(len(hits) + 1, score, passage.doc_id, title, passage, mode, cited, rated.get(pid)))
    return hits
