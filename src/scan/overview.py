"""The library overview: every document of the index classified against the trends, once.

A document is classified from the passages and vectors the index already holds (no encoder, no
re-reading of files), through the same `classify_document` as `scan classify`. Results are cached
beside the index in `overview-<model key>.json`, by the document's content hash (SHA-256 of the
file): a document whose file is unchanged is never classified again, a changed or new one is
classified on the next overview, and a new trend model (another taxonomy, analysis, encoder or
training setting: its key changes) starts a new cache. The cache is a side file outside the index
generations: it is written atomically, never read by anything but this module, and a missing or
damaged one is simply recomputed, so it can never damage the index.

Groups (year, publisher) are weighted by passage count: a group's share for a trend is the share
of the group's passages (about: of its text) that speaks to the trend, so a 200-page report weighs
more than a two-page note, as it does in each document's own profile.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from scan.classify import Classification, classify_document, verdict_words
from scan.kinds import is_ranked
from scan.store import Index, StoredDocument
from scan.taxonomy import Taxonomy
from scan.trends import TrendModel
from scan.types import Document, Passage

logger = logging.getLogger(__name__)

CACHE_VERSION = 2  # 2: entries record `several` (no single main trend)
EVIDENCE_MIN = 0.2  # a passage is evidence for a trend from this probability (as in scan classify)
UNKNOWN_YEAR = "okänt år"
UNKNOWN_PUBLISHER = "okänd utgivare"


@dataclass(frozen=True)
class DocumentTrends:
    """One document's row of the matrix: its metadata and trend shares."""

    doc_id: str
    title: str
    publisher: str
    year: int | None
    kind: str
    passages: int
    label: int | None
    labels: list[int]
    scores: dict[int, float]
    none: float
    language: str
    several: bool = False  # several trends, none leading: `label` is then only the largest

    def to_json(self) -> dict[str, Any]:
        return {
            "doc_id": self.doc_id,
            "title": self.title,
            "publisher": self.publisher,
            "year": self.year,
            "kind": self.kind,
            "passages": self.passages,
            "label": self.label,
            "labels": self.labels,
            "scores": {str(t): round(s, 4) for t, s in self.scores.items()},
            "none": round(self.none, 4),
            "language": self.language,
            "several": self.several,
        }

    def main_trend(self, names: dict[int, str]) -> str:
        """The verdict in words, as `scan classify` gives it ("ingen enskild (störst: …)" when none leads)."""
        return verdict_words(self.label, self.several, names)


@dataclass(frozen=True)
class Group:
    """Trend shares of a set of documents (a year, a publisher), weighted by passage count."""

    key: str | int | None
    documents: int
    passages: int
    scores: dict[int, float]
    none: float

    @property
    def label(self) -> int | None:
        best = max(self.scores, key=lambda t: self.scores[t], default=None)
        return best if best is not None and self.scores[best] > self.none else None

    def to_json(self, name: str) -> dict[str, Any]:
        return {
            name: self.key,
            "documents": self.documents,
            "passages": self.passages,
            "label": self.label,
            "scores": {str(t): round(s, 4) for t, s in self.scores.items()},
            "none": round(self.none, 4),
        }


@dataclass
class Overview:
    taxonomy: Taxonomy
    model_key: str
    generation: str
    documents: list[DocumentTrends]
    classified: int = 0  # classified in this call (the rest came from the cache)
    cached: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)

    def by(self, what: str) -> list[Group]:
        """Groups by "year" (oldest first, unknown last) or "publisher" (by name, unknown last)."""
        if what == "year":
            return group(self.documents, lambda d: d.year, self.trend_ids)
        if what == "publisher":
            return group(self.documents, lambda d: d.publisher or None, self.trend_ids)
        raise ValueError(what)

    @property
    def trend_ids(self) -> list[int]:
        return [t.id for t in self.taxonomy.trends]

    def to_json(self) -> dict[str, Any]:
        return {
            "taxonomy": self.taxonomy.name,
            "trends": [{"id": t.id, "name": t.name} for t in self.taxonomy.trends],
            "model": self.model_key[:16],
            "generation": self.generation,
            "weighting": "passages",
            "documents": [d.to_json() for d in self.documents],
            "by_year": [g.to_json("year") for g in self.by("year")],
            "by_publisher": [g.to_json("publisher") for g in self.by("publisher")],
            "classified": self.classified,
            "cached": self.cached,
        }


def group(docs: list[DocumentTrends], key: Callable[[DocumentTrends], Any], trend_ids: list[int]) -> list[Group]:
    groups: dict[Any, list[DocumentTrends]] = {}
    for d in docs:
        groups.setdefault(key(d), []).append(d)
    out = []
    for k, members in groups.items():
        weights = np.array([max(d.passages, 1) for d in members], dtype=np.float64)
        total = weights.sum()
        scores = {t: float(sum(w * d.scores.get(t, 0.0) for w, d in zip(weights, members)) / total) for t in trend_ids}
        none = float(sum(w * d.none for w, d in zip(weights, members)) / total)
        out.append(Group(k, len(members), int(sum(d.passages for d in members)), scores, none))
    return sorted(out, key=lambda g: (g.key is None, str(g.key).casefold() if g.key is not None else ""))


# ---- classifying one indexed document ---------------------------------------------------------
def _passages(index: Index, doc_id: str) -> tuple[list[Passage], np.ndarray]:
    ids = [int(r[0]) for r in index.db.execute("SELECT id FROM passages WHERE doc_id = ? ORDER BY seq", (doc_id,))]
    if not ids:
        return [], np.zeros((0, index.vectors.d), dtype=np.float32)
    stored = index.passages(ids)
    vectors = np.vstack([index.vectors.reconstruct(i) for i in ids]).astype(np.float32)
    return [stored[i][0] for i in ids], vectors


def classify_indexed(
    index: Index, doc: StoredDocument, model: TrendModel, taxonomy: Taxonomy, keep_passages: bool = False
) -> Classification:
    """Classify a document of the index from its stored passages and vectors."""
    passages, vectors = _passages(index, doc.doc_id)
    row = {p.seq: i for i, p in enumerate(passages)}
    document = Document(
        doc.doc_id, doc.path, doc.title, index.document_text(doc.doc_id), (), doc.sha256, doc.kind, doc.metadata
    )
    return classify_document(
        document,
        model,
        None,  # type: ignore[arg-type]  # never called: the vectors come from the index
        taxonomy,
        keep_passages=keep_passages,
        passages=passages,
        vectors=lambda batch: vectors[[row[p.seq] for p in batch]],
    )


def evidence(
    index: Index, doc: StoredDocument, trend: int, model: TrendModel, taxonomy: Taxonomy, k: int = 10
) -> list[tuple[Passage, float]]:
    """The passages of a document that speak most to a trend (probability at least EVIDENCE_MIN),
    best first; tables and boilerplate are never evidence (as in scan classify)."""
    taxonomy.get(trend)  # an unknown trend is refused with the valid ones
    result = classify_indexed(index, doc, model, taxonomy, keep_passages=True)
    ranked = [
        (p.passage, p.scores[trend])
        for p in result.passages
        if p.scores.get(trend, 0.0) >= EVIDENCE_MIN and is_ranked(p.passage.kind)
    ]
    return sorted(ranked, key=lambda item: (-item[1], item[0].seq))[:k]


# ---- the cache ---------------------------------------------------------------------------------
def cache_path(index: Index, model: TrendModel) -> Path:
    return index.root / f"overview-{model.key[:16]}.json"


def _read_cache(path: Path, key: str) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("version") == CACHE_VERSION and data.get("model") == key and isinstance(data["documents"], dict):
            return data["documents"]
    except FileNotFoundError:
        pass
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        logger.warning("the overview cache %s is unreadable; classifying again", path)
    return {}


def _write_cache(path: Path, key: str, entries: dict[str, dict[str, Any]]) -> None:
    try:
        fd, tmp = tempfile.mkstemp(prefix=".overview-", suffix=".json", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({"version": CACHE_VERSION, "model": key, "documents": entries}, fh, ensure_ascii=False)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        for old in path.parent.glob("overview-*.json"):  # caches of earlier trend models
            if old != path:
                old.unlink(missing_ok=True)
    except OSError as exc:
        logger.warning("could not store the overview cache in %s (%s); it is kept in memory only", path.parent, exc)


def _entry(result: Classification) -> dict[str, Any]:
    return {
        "label": result.label,
        "labels": result.labels,
        "scores": {str(t): s for t, s in result.scores.items()},
        "none": result.none,
        "passages": result.n_passages,
        "language": result.language,
        "several": result.several,
    }


def _row(doc: StoredDocument, entry: dict[str, Any]) -> DocumentTrends:
    year = doc.metadata.get("year")
    return DocumentTrends(
        doc.doc_id,
        doc.title,
        str(doc.metadata.get("publisher") or ""),
        int(year) if isinstance(year, int) or (isinstance(year, str) and year.isdigit()) else None,
        str(doc.metadata.get("kind") or doc.kind),
        int(entry["passages"]),
        entry["label"],
        list(entry["labels"]),
        {int(t): float(s) for t, s in entry["scores"].items()},
        float(entry["none"]),
        str(entry.get("language", "")),
        bool(entry.get("several", False)),
    )


def library_overview(
    index: Index, model: TrendModel, taxonomy: Taxonomy, progress: Callable[[int], None] | None = None
) -> Overview:
    """Every document of the index with its trend shares; classified now only if not cached.

    >>> overview = library_overview(index, load_or_train(index, encoder, taxonomy), taxonomy)  # doctest: +SKIP
    >>> [g.key for g in overview.by("year")]
    [2019, 2022, 2023, None]
    """
    path = cache_path(index, model)
    cache = _read_cache(path, model.key)
    docs = index.documents()
    rows, fresh, failed = [], {}, []
    classified = 0
    for doc in docs:
        entry = cache.get(doc.sha256) or fresh.get(doc.sha256)
        if entry is None and doc.passages:
            entry = _entry(classify_indexed(index, doc, model, taxonomy))
            classified += 1
        if entry is None:  # a document without passages (nothing to classify)
            failed.append((doc.doc_id, "no passages"))
        else:
            fresh[doc.sha256] = entry
            rows.append(_row(doc, entry))
        if progress:
            progress(1)
    if classified or set(fresh) != set(cache):  # new entries, or entries of removed documents to drop
        _write_cache(path, model.key, fresh)
    return Overview(taxonomy, model.key, index.generation.name, rows, classified, len(rows) - classified, failed)
