"""Facets and grouping of search hits: how many answers each publisher, year, document, language
and trend holds, and the hits grouped under their document.

Facet counts are taken over a pool of the best `POOL` passages for the query (after the filters),
counting only those that answer it (relevance at or above the floor, scan.relevance; keyword
hits, which carry no relevance, all count). So a count says how many good passages a value
holds among the best matches, not how many passages merely share a word with the query.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass
from typing import Any

from scan import relevance
from scan.errors import ScanError
from scan.shown import in_shown_order
from scan.types import Hit

logger = logging.getLogger(__name__)

POOL = 50  # passages counted for the facets
FACETS = ("publisher", "year", "doc", "language", "trend")
LANGUAGES = {"sv": "svenska", "en": "engelska", "other": "annat språk", "": "okänt"}


@dataclass(frozen=True)
class Group:
    """A document's hits, best first; groups are ordered by their best hit."""

    doc_id: str
    title: str
    metadata: dict[str, Any]
    hits: tuple[Hit, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "publisher": self.metadata.get("publisher"),
            "year": self.metadata.get("year"),
            "best_rank": self.hits[0].rank,
            "hits": [h.to_json() for h in self.hits],
        }


def group_by_document(hits: list[Hit], metadata: dict[str, dict[str, Any]] | None = None) -> list[Group]:
    """Hits grouped under their document, the document of the best hit first (ranks kept)."""
    order: dict[str, list[Hit]] = {}
    for hit in sorted(hits, key=lambda h: h.rank):
        order.setdefault(hit.doc_id, []).append(hit)
    metadata = metadata or {}
    return [Group(doc, found[0].title, metadata.get(doc, {}), tuple(found)) for doc, found in order.items()]


def answers(hits: list[Hit]) -> list[Hit]:
    return relevance.split_hits(hits)[0]


def count(
    hits: list[Hit],
    metadata: dict[str, dict[str, Any]],
    trend_of=None,
    trend_names: dict[int, str] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """{facet: [{"value", "label", "count"}, ...]} over `hits`, most frequent first.

    `trend_of(passage_key) -> trend id (0: none)` gives each hit's trend (scan.passagetrends);
    without it the trend facet is left out.
    """
    counters: dict[str, Counter] = {name: Counter() for name in FACETS}
    titles: dict[str, str] = {}
    for h in hits:
        m = metadata.get(h.doc_id, {})
        if m.get("publisher"):
            counters["publisher"][str(m["publisher"])] += 1
        if m.get("year"):
            counters["year"][int(m["year"])] += 1
        counters["doc"][h.doc_id] += 1
        titles[h.doc_id] = h.title
        counters["language"][h.passage.language] += 1
        if trend_of is not None:
            counters["trend"][int(trend_of(f"{h.doc_id}#{h.passage.seq}"))] += 1
    names = trend_names or {}
    labels = {
        "publisher": str,
        "year": str,
        "doc": lambda d: titles.get(d, d),
        "language": lambda code: LANGUAGES.get(code, code),
        "trend": lambda t: names.get(t, "ingen trend") if t else "ingen trend",
    }
    out = {}
    for name in FACETS:
        if name == "trend" and trend_of is None:
            continue
        ranked = sorted(counters[name].items(), key=lambda item: (-item[1], str(item[0])))
        out[name] = [{"value": value, "label": labels[name](value), "count": n} for value, n in ranked]
    return out


def metadata_of(index) -> dict[str, dict[str, Any]]:
    """doc_id -> the document's metadata (publisher, year, kind, url)."""
    return {d.doc_id: d.metadata for d in index.documents()}


@dataclass
class Results:
    """A search with its facets: the k hits shown, the facet counts over the pool, and each hit's trend."""

    hits: list[Hit]
    facets: dict[str, list[dict[str, Any]]]
    metadata: dict[str, dict[str, Any]]
    trend_names: dict[str, str]  # passage_id -> trend name ("" for none), when trends were looked up


def faceted_search(
    index,
    encoder,
    query: str,
    k: int = 5,
    mode: str = "hybrid",
    filters=None,
    passage_kinds=None,
    taxonomy=None,
    in_trends=(),
    with_facets: bool = True,
) -> Results:
    """scan.search.search with a trend filter (`in_trends`: passages of any of these trends,
    scan.passagetrends) and facet counts over the best POOL passages. The trend facet and the
    trend filter need `taxonomy` (and, when the trend model is not trained yet, `encoder`)."""
    from dataclasses import replace

    from scan.search import search
    from scan.types import Filters

    trends = None
    if taxonomy is not None and (in_trends or with_facets):
        from scan import passagetrends

        for t in in_trends:
            taxonomy.get(int(t))  # unknown ids: a clear error
        try:
            trends = passagetrends.load(index, encoder, taxonomy)
        except ScanError as exc:
            if in_trends:  # asked for: say why it cannot be done (e.g. the analysis is not in the index)
                raise
            logger.warning("no trend facet: %s", exc.message)
    if in_trends and trends is not None:
        filters = replace(filters or Filters(), passage_ids=trends.passages_of({int(t) for t in in_trends}))
    # the hits are those of the same search without facets (a search's relevance and order depend on how many
    # candidates it rates: the best k of a POOL search differed from a k search), in the order shown (scan.shown)
    once = None if encoder is None else _OneQuery(encoder)
    hits = in_shown_order(search(index, once, query, k=k, mode=mode, filters=filters, passage_kinds=passage_kinds))
    metadata = metadata_of(index)
    names = {t.id: t.name for t in taxonomy.trends} if taxonomy is not None else {}
    counts = {}
    if with_facets:
        pool = search(index, once, query, k=max(k, POOL), mode=mode, filters=filters, passage_kinds=passage_kinds)
        counts = count(answers(pool), metadata, trends.of if trends else None, names)
    shown = {}
    if trends is not None:
        for h in hits:
            key = f"{h.doc_id}#{h.passage.seq}"
            shown[key] = names.get(trends.of(key), "")
    return Results(hits, counts, metadata, shown)


class _OneQuery:
    """An encoder that encodes a query once for the two searches of faceted_search (hits, facet pool)."""

    def __init__(self, encoder) -> None:
        self.encoder = encoder
        self.name = encoder.name
        self.dimension = encoder.dimension
        self.last: tuple[list[str], Any] | None = None

    def encode_queries(self, texts):
        if self.last is None or self.last[0] != list(texts):
            self.last = (list(texts), self.encoder.encode_queries(texts))
        return self.last[1].copy()

    def __getattr__(self, name: str):
        return getattr(self.encoder, name)
